//! The audio path between devices and the network: frames of 20 ms at 48 kHz mono, Opus in
//! and out, and the conversions a device at another rate or with two channels needs.

use crate::{AudioSink, AudioSource, MediaError, SAMPLE_RATE};

/// Samples in one 20 ms frame at 48 kHz (what one Opus packet carries).
pub const FRAME_SAMPLES: usize = (SAMPLE_RATE as usize) / 50;
/// Largest Opus packet the encoder may produce.
const MAX_PACKET: usize = 1500;

/// Reads a source as 48 kHz mono frames of [`FRAME_SAMPLES`], whatever its rate and channels.
pub struct FrameReader {
    source: Box<dyn AudioSource>,
    channels: usize,
    /// Source samples per engine sample.
    step: f64,
    /// Position in `raw`, in source frames.
    pos: f64,
    /// Source samples (interleaved), read ahead.
    raw: Vec<f32>,
    ended: bool,
}

impl FrameReader {
    /// Reads `source`.
    pub fn new(source: Box<dyn AudioSource>) -> Result<Self, MediaError> {
        let (rate, channels) = (source.sample_rate(), usize::from(source.channels()));
        if !(8_000..=192_000).contains(&rate) || channels == 0 || channels > 8 {
            return Err(MediaError::Invalid(format!(
                "an audio source runs at 8 to 192 kHz with 1 to 8 channels, not {rate} Hz \
                 with {channels}"
            )));
        }
        Ok(Self {
            source,
            channels,
            step: f64::from(rate) / f64::from(SAMPLE_RATE),
            pos: 0.0,
            raw: Vec::new(),
            ended: false,
        })
    }

    /// Whether the source is a live microphone (see [`AudioSource::live`]).
    pub fn live(&self) -> bool {
        self.source.live()
    }

    /// The next frame (48 kHz mono, linear interpolation between source samples); `None` once
    /// the source is over. A last partial frame is padded with silence.
    pub fn next_frame(&mut self) -> Result<Option<Vec<f32>>, MediaError> {
        let needed_frames = (self.pos + self.step * FRAME_SAMPLES as f64).ceil() as usize + 2;
        while !self.ended && self.raw.len() / self.channels < needed_frames {
            // Exactly what is missing: a live microphone pads a short read with silence, so
            // asking for more would cut its sound with gaps.
            let missing = needed_frames - self.raw.len() / self.channels;
            let mut buf = vec![0.0; missing * self.channels];
            let n = self.source.read(&mut buf)?;
            if n == 0 {
                self.ended = true;
            }
            self.raw.extend_from_slice(&buf[..n - n % self.channels]);
        }
        let available = self.raw.len() / self.channels;
        if available == 0 || (self.ended && self.pos >= available as f64) {
            return Ok(None);
        }
        let mono = |i: usize| -> f32 {
            if i >= available {
                return 0.0;
            }
            let s = &self.raw[i * self.channels..(i + 1) * self.channels];
            s.iter().sum::<f32>() / self.channels as f32
        };
        let mut out = Vec::with_capacity(FRAME_SAMPLES);
        for _ in 0..FRAME_SAMPLES {
            let i = self.pos.floor() as usize;
            let frac = (self.pos - i as f64) as f32;
            out.push(mono(i) * (1.0 - frac) + mono(i + 1) * frac);
            self.pos += self.step;
        }
        // Drop what is behind us, keeping the frame the next interpolation starts from.
        let consumed = (self.pos.floor() as usize).min(available);
        self.raw.drain(..consumed * self.channels);
        self.pos -= consumed as f64;
        Ok(Some(out))
    }
}

/// Writes 48 kHz mono to a sink at its own rate and channel count.
pub struct FrameWriter {
    sink: Box<dyn AudioSink>,
    channels: usize,
    step: f64,
    pos: f64,
    last: f32,
}

impl FrameWriter {
    /// Writes to `sink`.
    pub fn new(sink: Box<dyn AudioSink>) -> Result<Self, MediaError> {
        let (rate, channels) = (sink.sample_rate(), usize::from(sink.channels()));
        if !(8_000..=192_000).contains(&rate) || channels == 0 || channels > 8 {
            return Err(MediaError::Invalid(format!(
                "an audio sink runs at 8 to 192 kHz with 1 to 8 channels, not {rate} Hz with \
                 {channels}"
            )));
        }
        Ok(Self {
            sink,
            channels,
            step: f64::from(SAMPLE_RATE) / f64::from(rate),
            pos: 0.0,
            last: 0.0,
        })
    }

    /// Plays a frame of 48 kHz mono samples.
    pub fn write(&mut self, frame: &[f32]) -> Result<(), MediaError> {
        let mut out = Vec::with_capacity(frame.len() * self.channels);
        // Resample by linear interpolation, carrying the last sample across frames.
        while self.pos < frame.len() as f64 {
            let i = self.pos.floor() as usize;
            let frac = (self.pos - i as f64) as f32;
            let a = if i == 0 { self.last } else { frame[i - 1] };
            let v = a * (1.0 - frac) + frame[i] * frac;
            out.extend(std::iter::repeat_n(v, self.channels));
            self.pos += self.step;
        }
        self.pos -= frame.len() as f64;
        self.last = frame.last().copied().unwrap_or(self.last);
        self.sink.write(&out)
    }

    /// Flushes the sink (a WAV file gets its header).
    pub fn finish(&mut self) -> Result<(), MediaError> {
        self.sink.finish()
    }
}

/// An Opus encoder for 20 ms mono frames.
pub struct OpusEncoder(opus::Encoder);

impl OpusEncoder {
    /// An encoder tuned for voice at `bitrate` bits per second.
    pub fn new(bitrate: i32) -> Result<Self, MediaError> {
        let mut e = opus::Encoder::new(SAMPLE_RATE, opus::Channels::Mono, opus::Application::Voip)
            .map_err(codec_error)?;
        e.set_bitrate(opus::Bitrate::Bits(bitrate))
            .map_err(codec_error)?;
        // Forward error correction lets the receiver rebuild a lost packet from the next one.
        e.set_inband_fec(true).map_err(codec_error)?;
        e.set_packet_loss_perc(5).map_err(codec_error)?;
        Ok(Self(e))
    }

    /// Encodes one frame of [`FRAME_SAMPLES`].
    pub fn encode(&mut self, frame: &[f32]) -> Result<Vec<u8>, MediaError> {
        self.0
            .encode_vec_float(frame, MAX_PACKET)
            .map_err(codec_error)
    }
}

/// An Opus decoder to 48 kHz mono.
pub struct OpusDecoder(opus::Decoder);

impl OpusDecoder {
    /// A decoder.
    pub fn new() -> Result<Self, MediaError> {
        Ok(Self(
            opus::Decoder::new(SAMPLE_RATE, opus::Channels::Mono).map_err(codec_error)?,
        ))
    }

    /// Decodes a packet; a damaged one gives an error, which the caller treats as a loss.
    pub fn decode(&mut self, packet: &[u8]) -> Result<Vec<f32>, MediaError> {
        let mut out = vec![0.0; FRAME_SAMPLES * 6];
        let n = self
            .0
            .decode_float(packet, &mut out, false)
            .map_err(codec_error)?;
        out.truncate(n);
        Ok(out)
    }

    /// Conceals one lost frame: from the next packet's forward error correction when it is
    /// there, else by extrapolation.
    pub fn conceal(&mut self, next: Option<&[u8]>) -> Vec<f32> {
        let mut out = vec![0.0; FRAME_SAMPLES];
        let n = match next {
            Some(p) => self.0.decode_float(p, &mut out, true),
            None => self.0.decode_float(&[], &mut out, false),
        };
        out.truncate(n.unwrap_or(0));
        out.resize(FRAME_SAMPLES, 0.0);
        out
    }
}

fn codec_error(e: opus::Error) -> MediaError {
    MediaError::Codec(format!("opus: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::ToneSource;

    #[test]
    fn a_tone_survives_resampling_and_opus() {
        // A 44.1 kHz stereo source reads as 48 kHz mono frames.
        struct Stereo441(ToneSource);
        impl AudioSource for Stereo441 {
            fn sample_rate(&self) -> u32 {
                44_100
            }
            fn channels(&self) -> u16 {
                2
            }
            fn read(&mut self, out: &mut [f32]) -> Result<usize, MediaError> {
                // The tone at 48 kHz read as if it were 44.1 kHz: its pitch drops by 44.1/48.
                let mut mono = vec![0.0; out.len() / 2];
                let n = self.0.read(&mut mono)?;
                for (i, s) in mono[..n].iter().enumerate() {
                    out[2 * i] = *s;
                    out[2 * i + 1] = *s;
                }
                Ok(2 * n)
            }
        }
        let tone = ToneSource::new(480.0, 0.5).unwrap();
        let mut reader = FrameReader::new(Box::new(Stereo441(tone))).unwrap();
        let mut enc = OpusEncoder::new(32_000).unwrap();
        let mut dec = OpusDecoder::new().unwrap();
        let mut heard = Vec::new();
        for _ in 0..50 {
            let frame = reader.next_frame().unwrap().unwrap();
            assert_eq!(frame.len(), FRAME_SAMPLES);
            let packet = enc.encode(&frame).unwrap();
            heard.extend(dec.decode(&packet).unwrap());
        }
        let tail = &heard[heard.len() / 2..];
        let want = 480.0 * 44_100.0 / 48_000.0;
        let at = crate::meter::goertzel(tail, SAMPLE_RATE, want);
        let off = crate::meter::goertzel(tail, SAMPLE_RATE, 1_000.0);
        assert!(at > 10.0 * off, "{want} Hz: {at}, 1 kHz: {off}");
    }
}
