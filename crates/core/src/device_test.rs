//! The device test of the device dialog (shown before a call and from Settings): the chosen
//! microphone's live level, a test tone on the chosen speaker, the camera's preview. It works
//! on the synthetic devices too, so it never fails for lack of hardware.

use std::{sync::Arc, time::Duration};

use confer_media::{
    AudioSource, VideoSink, hardware,
    meter::{FLOOR_DB, LevelMeter},
    synthetic::ToneSource,
};
use serde::Serialize;
use tokio::sync::watch;
use ts_rs::TS;

use crate::{
    CoreError,
    frames::{FrameServer, FrameStream},
};

/// A reading of the microphone, ten times a second.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, TS)]
pub struct LevelReading {
    /// Loudest sample over the tenth of a second, dBFS.
    pub peak_db: f32,
    /// Its root mean square, dBFS.
    pub rms_db: f32,
}

/// A running device test; dropping it stops it.
pub struct DeviceTest {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for DeviceTest {
    fn drop(&mut self) {
        self.stop.send_replace(true);
        self.task.abort();
    }
}

fn microphone(id: Option<&str>) -> Result<Box<dyn AudioSource>, CoreError> {
    let media = |e: confer_media::MediaError| CoreError::Invalid(e.to_string().into());
    Ok(match id {
        Some(id) if id.starts_with("synthetic:") => {
            Box::new(ToneSource::new(440.0, 0.3).map_err(media)?)
        }
        _ if !hardware::available() => Box::new(ToneSource::new(440.0, 0.3).map_err(media)?),
        id => Box::new(hardware::open_microphone(id).map_err(media)?),
    })
}

impl DeviceTest {
    /// Listens to `microphone` (and shows the camera's preview in the frame socket's local
    /// stream when `camera`), reporting levels to `on_level` until dropped.
    pub fn start(
        microphone_id: Option<String>,
        camera: bool,
        frames: Arc<FrameServer>,
        on_level: impl Fn(LevelReading) + Send + 'static,
    ) -> Result<Self, CoreError> {
        let mut mic = microphone(microphone_id.as_deref())?;
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            let mut meter = LevelMeter::new(mic.sample_rate(), mic.channels());
            let per_tick = mic.sample_rate() as usize / 50 * usize::from(mic.channels());
            let mut buf = vec![0.0f32; per_tick];
            // The first camera, else the test pattern (opening one asks the system: off the
            // async threads).
            let mut preview = match camera {
                true => tokio::task::spawn_blocking(|| {
                    crate::phone::open_camera(&crate::DeviceSettings::default())
                })
                .await
                .ok(),
                false => None,
            };
            let mut view = frames.sink(FrameStream::Local);
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            let (mut peak, mut sum, mut n, mut ticks) = (FLOOR_DB, 0.0f32, 0u32, 0u32);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stopped.changed() => break,
                }
                let Ok(got) = mic.read(&mut buf) else { break };
                for level in meter.feed(&buf[..got]) {
                    peak = peak.max(level.peak_db);
                    sum += level.rms_db;
                    n += 1;
                }
                ticks += 1;
                // Every other tick a preview frame (15 fps is plenty for a preview).
                if ticks % 2 == 0
                    && let Some(camera) = preview.as_mut()
                    && let Ok(frame) = camera.next_frame()
                {
                    let _ = view.frame(&frame);
                }
                if ticks % 5 == 0 {
                    let rms = if n == 0 { FLOOR_DB } else { sum / n as f32 };
                    on_level(LevelReading {
                        peak_db: peak,
                        rms_db: rms,
                    });
                    (peak, sum, n) = (FLOOR_DB, 0.0, 0);
                }
            }
            frames.clear(FrameStream::Local);
        });
        Ok(Self { stop, task })
    }
}

/// Plays a one-second 440 Hz tone on `speaker` (the system default when `None`); without a sound
/// system there is nothing to play it on, which is said.
pub async fn test_tone(speaker: Option<String>) -> Result<(), CoreError> {
    if !hardware::available() {
        return Err(CoreError::Invalid(
            "there is no sound system to play on".into(),
        ));
    }
    tokio::task::spawn_blocking(move || {
        let media = |e: confer_media::MediaError| CoreError::Invalid(e.to_string().into());
        let out = hardware::open_speaker(speaker.as_deref()).map_err(media)?;
        let mut tone = ToneSource::new(440.0, 0.3).map_err(media)?;
        let mut writer = confer_media::audio::FrameWriter::new(Box::new(out)).map_err(media)?;
        let mut frame = vec![0.0f32; confer_media::audio::FRAME_SAMPLES];
        for _ in 0..50 {
            tone.read(&mut frame).map_err(media)?;
            writer.write(&frame).map_err(media)?;
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    })
    .await
    .map_err(|e| CoreError::Invalid(format!("the test tone stopped: {e}").into()))?
}
