//! The device traits every capture and playback path goes through, real or synthetic.

use crate::MediaError;

/// What a device does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    /// Captures sound.
    Microphone,
    /// Plays sound.
    Speaker,
    /// Captures video.
    Camera,
}

/// A device as the device dialog lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// Stable id, remembered per profile.
    pub id: String,
    /// What the user sees.
    pub name: String,
    /// What it does.
    pub kind: DeviceKind,
    /// A synthetic device (tone, WAV file, test pattern) rather than hardware.
    pub synthetic: bool,
}

/// Captured sound: interleaved `f32` samples in -1..=1.
pub trait AudioSource: Send {
    /// Samples per second per channel.
    fn sample_rate(&self) -> u32;
    /// Interleaved channels.
    fn channels(&self) -> u16;
    /// Fills `out` (a whole number of frames) with the next samples; returns how many were
    /// written (fewer only when the source has ended).
    fn read(&mut self, out: &mut [f32]) -> Result<usize, MediaError>;
    /// A live microphone in a room (its sound is cleaned of echo and noise before it is sent),
    /// rather than a file or a tone, which go as they are.
    fn live(&self) -> bool {
        false
    }
}

/// Played sound: interleaved `f32` samples in -1..=1.
pub trait AudioSink: Send {
    /// Samples per second per channel it expects.
    fn sample_rate(&self) -> u32;
    /// Interleaved channels it expects.
    fn channels(&self) -> u16;
    /// Plays (or records) the samples.
    fn write(&mut self, samples: &[f32]) -> Result<(), MediaError>;
    /// Finishes what was written (a file is completed).
    fn finish(&mut self) -> Result<(), MediaError>;
}

/// One video frame in I420 (planar Y, then U and V at half resolution).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Width in pixels (even).
    pub width: u32,
    /// Height in pixels (even).
    pub height: u32,
    /// Y plane, then U, then V.
    pub data: Vec<u8>,
    /// Capture time, µs from the start of the source.
    pub pts_us: u64,
}

impl Frame {
    /// The bytes an I420 frame of this size takes.
    pub fn i420_len(width: u32, height: u32) -> usize {
        let (w, h) = (width as usize, height as usize);
        w * h + 2 * (w / 2) * (h / 2)
    }

    /// A frame of the given even size, all black.
    pub fn black(width: u32, height: u32) -> Result<Self, MediaError> {
        if width == 0
            || height == 0
            || width % 2 == 1
            || height % 2 == 1
            || width > 4096
            || height > 4096
        {
            return Err(MediaError::Invalid(format!(
                "a frame is 2x2 to 4096x4096 with even sides, not {width}x{height}"
            )));
        }
        let luma = (width * height) as usize;
        let mut data = vec![16u8; Self::i420_len(width, height)];
        data[luma..].fill(128);
        Ok(Self {
            width,
            height,
            data,
            pts_us: 0,
        })
    }
}

/// Captured video.
pub trait VideoSource: Send {
    /// The next frame, at the source's pace.
    fn next_frame(&mut self) -> Result<Frame, MediaError>;
    /// Frames per second the source delivers.
    fn frame_rate(&self) -> u32;
}

/// Where received video goes: the call view, or a test that reads the frames.
pub trait VideoSink: Send {
    /// One decoded frame (I420).
    fn frame(&mut self, frame: &Frame) -> Result<(), MediaError>;

    /// In a meeting, where the pictures of the `index`th video line to carry someone go (a
    /// grid's tile). None, the default: this sink takes the first line's and the others are
    /// decoded and counted only (a call has one).
    fn tile(&mut self, _index: usize) -> Option<Box<dyn VideoSink>> {
        None
    }
}
