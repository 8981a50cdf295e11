//! Confer's media engine: the devices calls capture from and play to, and (to come) the audio
//! and video pipelines. No Tauri inside: the desktop shell, `confer-cli` and the tests drive it
//! alike.
//!
//! Every device sits behind one of three traits ([`AudioSource`], [`AudioSink`],
//! [`VideoSource`]), and each has a synthetic twin in [`synthetic`]: a tone or a WAV file as a
//! microphone, a WAV file as a speaker, a moving test pattern carrying a frame counter as a
//! camera. Users without hardware can pick them; tests use them (no camera exists on the build
//! machines, and none can be emulated there).

pub mod audio;
pub mod camera;
pub mod congestion;
pub mod device;
pub mod hardware;
pub mod jitter;
mod keyframes;
pub mod meter;
pub mod peer;
pub mod processing;
pub mod sources;
pub mod synthetic;
pub mod video;
pub mod wav;

pub use device::{AudioSink, AudioSource, DeviceInfo, DeviceKind, Frame, VideoSink, VideoSource};

/// The rate every audio path runs at inside the engine (Opus's native rate).
pub const SAMPLE_RATE: u32 = 48_000;

/// Why a media operation failed.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// A WAV file (a synthetic microphone or a recording) could not be used.
    #[error("unusable WAV file: {0}")]
    BadWav(String),
    /// A device could not be opened or used.
    #[error("device {device:?}: {reason}")]
    Device {
        /// The device.
        device: String,
        /// What went wrong.
        reason: String,
    },
    /// A device in use went away (unplugged, or its sound server dropped it).
    #[error("device {device:?} was disconnected")]
    DeviceLost {
        /// Its name.
        device: String,
    },
    /// Parameters out of range (a frame size, a frequency).
    #[error("invalid media parameters: {0}")]
    Invalid(String),
    /// Reading or writing a file failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// An encoder or decoder failed.
    #[error("codec error: {0}")]
    Codec(String),
    /// The peer connection failed: negotiation, ICE, DTLS, or a session description that is
    /// not one.
    #[error("peer connection: {0}")]
    Peer(String),
    /// Waited too long for the other side.
    #[error("timed out: {0}")]
    Timeout(&'static str),
}
