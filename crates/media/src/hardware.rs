//! Real microphones and speakers through cpal: the PulseAudio host on Linux (a pure-Rust client,
//! low start-up latency), else the platform's default host (ALSA, CoreAudio, WASAPI).
//!
//! A cpal stream is not `Send` on every platform, so each open device lives on a thread of its
//! own that holds the stream; the [`AudioSource`] or [`AudioSink`] handed out talks to it
//! through a shared buffer and stops it when dropped. Audio is never waited for: a microphone
//! that has not delivered yet reads as silence and one that delivers more than the reader takes
//! drops its oldest samples (past a bound), so a call's latency cannot creep up.

use std::{
    collections::VecDeque,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
        mpsc,
    },
    time::Duration,
};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};

use crate::{AudioSink, AudioSource, DeviceInfo, DeviceKind, MediaError};

/// Most audio a device buffers, in milliseconds, before the oldest goes.
const MAX_BUFFERED_MS: usize = 200;

/// How often an open device's thread checks that its device is still there. A stream whose
/// device was unplugged may neither fail nor deliver (PulseAudio kills it quietly), so the
/// thread looks rather than waits for an error: a loss is seen within this time.
const PRESENCE_CHECK: Duration = Duration::from_millis(500);

/// Whether a sound system is there to use: on Linux a PulseAudio (or PipeWire-Pulse) server,
/// elsewhere the platform's audio. Without one, callers pick the synthetic devices rather than
/// ALSA's bare devices, which may be missing or record zeros.
pub fn available() -> bool {
    #[cfg(target_os = "linux")]
    {
        cpal::host_from_id(cpal::HostId::PulseAudio).is_ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        true
    }
}

fn host() -> cpal::Host {
    #[cfg(target_os = "linux")]
    if let Ok(host) = cpal::host_from_id(cpal::HostId::PulseAudio) {
        return host;
    }
    cpal::default_host()
}

fn device_error(device: &str) -> impl Fn(cpal::Error) -> MediaError + '_ {
    move |e| MediaError::Device {
        device: device.to_owned(),
        reason: e.to_string(),
    }
}

/// The microphones and speakers of this machine (not the synthetic ones), defaults first. An
/// audio system that cannot be reached gives an empty list, not an error: the app then offers
/// the synthetic devices.
pub fn devices() -> Vec<DeviceInfo> {
    let host = host();
    let mut out = Vec::new();
    let default_in = host
        .default_input_device()
        .and_then(|d| d.id().ok())
        .map(|id| id.to_string());
    let default_out = host
        .default_output_device()
        .and_then(|d| d.id().ok())
        .map(|id| id.to_string());
    let Ok(devices) = host.devices() else {
        return out;
    };
    for device in devices {
        let (Ok(id), Ok(description)) = (device.id(), device.description()) else {
            continue;
        };
        let id = id.to_string();
        let name = description.name().to_owned();
        for (supported, kind, default) in [
            (device.supports_input(), DeviceKind::Microphone, &default_in),
            (device.supports_output(), DeviceKind::Speaker, &default_out),
        ] {
            if supported {
                let info = DeviceInfo {
                    id: id.clone(),
                    name: name.clone(),
                    kind,
                    synthetic: false,
                };
                if default.as_deref() == Some(id.as_str()) {
                    out.insert(0, info);
                } else {
                    out.push(info);
                }
            }
        }
    }
    out
}

fn find(id: Option<&str>, input: bool) -> Result<(cpal::Device, String), MediaError> {
    let host = host();
    let label = id.unwrap_or(if input {
        "the default microphone"
    } else {
        "the default speaker"
    });
    let device = match id {
        Some(id) => {
            let parsed: cpal::DeviceId = id.parse().map_err(|_| MediaError::Device {
                device: id.to_owned(),
                reason: "not a device id".into(),
            })?;
            host.device_by_id(&parsed)
        }
        None if input => host.default_input_device(),
        None => host.default_output_device(),
    };
    device
        .map(|d| (d, label.to_owned()))
        .ok_or_else(|| MediaError::Device {
            device: label.to_owned(),
            reason: "no such device (it may have been unplugged)".into(),
        })
}

/// Samples shared between a device's thread and its handle.
type Shared = Arc<Mutex<VecDeque<f32>>>;

/// Moves the oldest buffered samples into `out`, as many as fit; returns how many.
fn drain_into(buffer: &Shared, out: &mut [f32]) -> usize {
    let mut b = buffer.lock().expect("audio buffer poisoned");
    let n = b.len().min(out.len());
    for (o, s) in out.iter_mut().zip(b.drain(..n)) {
        *o = s;
    }
    n
}

fn push_bounded(buffer: &Shared, samples: &[f32], max: usize) {
    let mut b = buffer.lock().expect("audio buffer poisoned");
    b.extend(samples);
    let excess = b.len().saturating_sub(max);
    b.drain(..excess);
}

/// A device found, with its default configuration and the buffer its stream will share.
struct Prepared {
    device: cpal::Device,
    label: String,
    /// What the user sees (the device's own name).
    name: String,
    /// Its id, to check that it is still plugged in.
    id: Option<cpal::DeviceId>,
    config: cpal::StreamConfig,
    /// Samples the buffer holds at most.
    max: usize,
    buffer: Shared,
}

fn prepare(id: Option<&str>, input: bool) -> Result<Prepared, MediaError> {
    let (device, label) = find(id, input)?;
    let supported = if input {
        device.default_input_config()
    } else {
        device.default_output_config()
    };
    let config = supported.map_err(device_error(&label))?.config();
    let max = MAX_BUFFERED_MS * config.sample_rate as usize / 1000 * usize::from(config.channels);
    let name = device
        .description()
        .map(|d| d.name().to_owned())
        .unwrap_or_else(|_| label.clone());
    let id = device.id().ok();
    Ok(Prepared {
        device,
        label,
        name,
        id,
        config,
        max,
        buffer: Arc::default(),
    })
}

/// Builds and plays a stream on a thread of its own, which holds it until the returned sender
/// is dropped, and sets `lost` when the device `id` is no longer there; returns once the stream
/// plays (or with why it could not).
fn hold_stream(
    name: &str,
    label: String,
    id: Option<cpal::DeviceId>,
    lost: Arc<AtomicBool>,
    build: impl FnOnce() -> Result<cpal::Stream, cpal::Error> + Send + 'static,
) -> Result<mpsc::Sender<()>, MediaError> {
    let (stop, stopped) = mpsc::channel::<()>();
    let (ready_tx, ready) = mpsc::channel();
    let failed = label.clone();
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let stream = match build().and_then(|s| s.play().map(|()| s)) {
                Ok(s) => s,
                Err(e) => {
                    let _ = ready_tx.send(Err(device_error(&label)(e)));
                    return;
                }
            };
            let _ = ready_tx.send(Ok(()));
            // Holds the stream until the handle goes, looking for the device meanwhile.
            let host = host();
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(PRESENCE_CHECK) {
                if let Some(id) = &id
                    && host.device_by_id(id).is_none()
                {
                    lost.store(true, Ordering::Relaxed);
                    break;
                }
            }
            drop(stream);
        })?;
    ready.recv().map_err(|_| MediaError::Device {
        device: failed,
        reason: "its thread stopped".into(),
    })??;
    Ok(stop)
}

/// What an open microphone and an open speaker both hold.
struct Open {
    buffer: Shared,
    rate: u32,
    channels: u16,
    /// Samples the buffer holds at most.
    max: usize,
    name: String,
    lost: Arc<AtomicBool>,
    /// Dropping it stops the device's thread (and the stream with it).
    _stop: mpsc::Sender<()>,
}

impl Open {
    /// Finds the device, and builds and plays its stream (`build` gets the device, its
    /// configuration, the shared buffer and its bound) on a thread of its own.
    fn start(
        id: Option<&str>,
        input: bool,
        build: impl FnOnce(
            cpal::Device,
            cpal::StreamConfig,
            Shared,
            usize,
        ) -> Result<cpal::Stream, cpal::Error>
        + Send
        + 'static,
    ) -> Result<Self, MediaError> {
        let Prepared {
            device,
            label,
            name,
            id,
            config,
            max,
            buffer,
        } = prepare(id, input)?;
        let (rate, channels) = (config.sample_rate, config.channels);
        let shared = buffer.clone();
        let lost = Arc::new(AtomicBool::new(false));
        let thread = if input {
            "confer-microphone"
        } else {
            "confer-speaker"
        };
        let stop = hold_stream(thread, label, id, lost.clone(), move || {
            build(device, config, shared, max)
        })?;
        Ok(Self {
            buffer,
            rate,
            channels,
            max,
            name,
            lost,
            _stop: stop,
        })
    }

    /// An unplugged device is an error from then on.
    fn present(&self) -> Result<(), MediaError> {
        if self.lost.load(Ordering::Relaxed) {
            return Err(MediaError::DeviceLost {
                device: self.name.clone(),
            });
        }
        Ok(())
    }
}

/// An open microphone.
pub struct Microphone(Open);

/// Opens a microphone (`None`: the system default).
pub fn open_microphone(id: Option<&str>) -> Result<Microphone, MediaError> {
    Open::start(id, true, |device, config, shared, max| {
        device.build_input_stream::<f32, _, _>(
            config,
            move |data, _| push_bounded(&shared, data, max),
            |e| tracing::warn!(error = %e, "the microphone failed"),
            Some(Duration::from_secs(5)),
        )
    })
    .map(Microphone)
}

impl Microphone {
    /// The device's name, as the user sees it.
    pub fn name(&self) -> &str {
        &self.0.name
    }
}

impl AudioSource for Microphone {
    fn sample_rate(&self) -> u32 {
        self.0.rate
    }

    fn channels(&self) -> u16 {
        self.0.channels
    }

    fn live(&self) -> bool {
        true
    }

    /// Whatever was captured, then silence: a microphone never ends, but it can be unplugged
    /// ([`MediaError::DeviceLost`]).
    fn read(&mut self, out: &mut [f32]) -> Result<usize, MediaError> {
        self.0.present()?;
        let n = drain_into(&self.0.buffer, out);
        out[n..].fill(0.0);
        Ok(out.len())
    }
}

/// An open speaker.
pub struct Speaker(Open);

/// Opens a speaker (`None`: the system default).
pub fn open_speaker(id: Option<&str>) -> Result<Speaker, MediaError> {
    Open::start(id, false, |device, config, shared, _| {
        device.build_output_stream::<f32, _, _>(
            config,
            // cpal fills the slice with silence first: what is not there stays quiet.
            move |out: &mut [f32], _| {
                drain_into(&shared, out);
            },
            |e| tracing::warn!(error = %e, "the speaker failed"),
            Some(Duration::from_secs(5)),
        )
    })
    .map(Speaker)
}

impl Speaker {
    /// The device's name, as the user sees it.
    pub fn name(&self) -> &str {
        &self.0.name
    }
}

impl AudioSink for Speaker {
    fn sample_rate(&self) -> u32 {
        self.0.rate
    }

    fn channels(&self) -> u16 {
        self.0.channels
    }

    fn write(&mut self, samples: &[f32]) -> Result<(), MediaError> {
        self.0.present()?;
        push_bounded(&self.0.buffer, samples, self.0.max);
        Ok(())
    }

    fn finish(&mut self) -> Result<(), MediaError> {
        Ok(())
    }
}
