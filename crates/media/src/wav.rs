//! WAV files, for the synthetic microphone (a file played as if spoken) and speaker (what was
//! heard, recorded): 16-bit PCM or 32-bit float, mono or stereo. A file that is not one of
//! those, or that lies about its sizes, is refused with the reason, never half-read.

use std::path::Path;

use crate::MediaError;

/// Sound read from a WAV file.
#[derive(Debug, Clone, PartialEq)]
pub struct Wav {
    /// Samples per second per channel.
    pub sample_rate: u32,
    /// Interleaved channels (1 or 2).
    pub channels: u16,
    /// Interleaved samples in -1..=1.
    pub samples: Vec<f32>,
}

/// Files larger than this are refused (about 45 minutes of 48 kHz stereo float).
const MAX_BYTES: usize = 1 << 30;

fn bad(reason: impl Into<String>) -> MediaError {
    MediaError::BadWav(reason.into())
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl Wav {
    /// Reads a WAV file.
    pub fn read(path: &Path) -> Result<Self, MediaError> {
        let len = std::fs::metadata(path)?.len();
        if len > MAX_BYTES as u64 {
            return Err(bad(format!(
                "{len} bytes is more than the {MAX_BYTES} accepted"
            )));
        }
        Self::parse(&std::fs::read(path)?)
    }

    /// Parses the bytes of a WAV file.
    pub fn parse(bytes: &[u8]) -> Result<Self, MediaError> {
        if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
            return Err(bad("not a RIFF/WAVE file"));
        }
        // (format, channels, rate, bits)
        let mut format: Option<(u16, u16, u32, u16)> = None;
        let mut at = 12;
        while at + 8 <= bytes.len() {
            let id = &bytes[at..at + 4];
            let size = u32_at(bytes, at + 4) as usize;
            let body = at + 8;
            let Some(end) = body.checked_add(size).filter(|&e| e <= bytes.len()) else {
                return Err(bad(format!(
                    "the {:?} chunk says {size} bytes but the file ends {} bytes after it starts",
                    String::from_utf8_lossy(id),
                    bytes.len() - body
                )));
            };
            match id {
                b"fmt " => {
                    if size < 16 {
                        return Err(bad("the fmt chunk is too short"));
                    }
                    let mut tag = u16_at(bytes, body);
                    if tag == 0xFFFE && size >= 26 {
                        // WAVE_FORMAT_EXTENSIBLE: the real format opens the sub-format GUID.
                        tag = u16_at(bytes, body + 24);
                    }
                    format = Some((
                        tag,
                        u16_at(bytes, body + 2),
                        u32_at(bytes, body + 4),
                        u16_at(bytes, body + 14),
                    ));
                }
                b"data" => {
                    let (tag, channels, rate, bits) =
                        format.ok_or_else(|| bad("the data chunk comes before any fmt chunk"))?;
                    return Self::decode(&bytes[body..end], tag, channels, rate, bits);
                }
                _ => {}
            }
            // Chunks are padded to an even size.
            at = end + (size & 1);
        }
        Err(bad("no data chunk"))
    }

    fn decode(
        data: &[u8],
        tag: u16,
        channels: u16,
        rate: u32,
        bits: u16,
    ) -> Result<Self, MediaError> {
        if !(1..=2).contains(&channels) {
            return Err(bad(format!("{channels} channels (mono or stereo only)")));
        }
        if !(8_000..=192_000).contains(&rate) {
            return Err(bad(format!("{rate} samples per second (8,000 to 192,000)")));
        }
        let samples: Vec<f32> = match (tag, bits) {
            (1, 16) => data
                .chunks_exact(2)
                .map(|s| f32::from(i16::from_le_bytes([s[0], s[1]])) / 32_768.0)
                .collect(),
            (3, 32) => data
                .chunks_exact(4)
                .map(|s| f32::from_le_bytes([s[0], s[1], s[2], s[3]]).clamp(-1.0, 1.0))
                .collect(),
            _ => {
                return Err(bad(format!(
                    "format {tag} with {bits} bits per sample (16-bit PCM or 32-bit float only)"
                )));
            }
        };
        if samples.iter().any(|s| s.is_nan()) {
            return Err(bad("a sample is not a number"));
        }
        let frames = samples.len() / channels as usize;
        let mut samples = samples;
        samples.truncate(frames * channels as usize);
        Ok(Self {
            sample_rate: rate,
            channels,
            samples,
        })
    }

    /// The file's bytes: 16-bit PCM.
    pub fn to_bytes(&self) -> Vec<u8> {
        let data_len = self.samples.len() * 2;
        let mut out = Vec::with_capacity(44 + data_len);
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&((36 + data_len) as u32).to_le_bytes());
        out.extend_from_slice(b"WAVEfmt ");
        out.extend_from_slice(&16u32.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&self.channels.to_le_bytes());
        out.extend_from_slice(&self.sample_rate.to_le_bytes());
        let block = self.channels * 2;
        out.extend_from_slice(&(self.sample_rate * u32::from(block)).to_le_bytes());
        out.extend_from_slice(&block.to_le_bytes());
        out.extend_from_slice(&16u16.to_le_bytes());
        out.extend_from_slice(b"data");
        out.extend_from_slice(&(data_len as u32).to_le_bytes());
        for s in &self.samples {
            out.extend_from_slice(&((s.clamp(-1.0, 1.0) * 32_767.0).round() as i16).to_le_bytes());
        }
        out
    }

    /// Writes the file (16-bit PCM).
    pub fn write(&self, path: &Path) -> Result<(), MediaError> {
        Ok(std::fs::write(path, self.to_bytes())?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone() -> Wav {
        Wav {
            sample_rate: 48_000,
            channels: 2,
            samples: (0..960).map(|i| ((i as f32) * 0.01).sin() * 0.5).collect(),
        }
    }

    #[test]
    fn a_written_file_reads_back_within_16_bit_precision() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.wav");
        let wav = tone();
        wav.write(&path).unwrap();
        let back = Wav::read(&path).unwrap();
        assert_eq!((back.sample_rate, back.channels), (48_000, 2));
        assert_eq!(back.samples.len(), wav.samples.len());
        assert!(
            back.samples
                .iter()
                .zip(&wav.samples)
                .all(|(a, b)| (a - b).abs() < 1.0 / 16_000.0)
        );
    }

    #[test]
    fn float_files_and_unknown_chunks_before_the_data_are_read() {
        let mut bytes = b"RIFF\0\0\0\0WAVE".to_vec();
        bytes.extend_from_slice(b"LIST\x03\0\0\0abc\0");
        bytes.extend_from_slice(b"fmt \x10\0\0\0\x03\0\x01\0\x80\xbb\0\0\0\xee\x02\0\x04\0\x20\0");
        bytes.extend_from_slice(b"data\x08\0\0\0");
        bytes.extend_from_slice(&0.25f32.to_le_bytes());
        bytes.extend_from_slice(&(-2.0f32).to_le_bytes());
        let wav = Wav::parse(&bytes).unwrap();
        assert_eq!((wav.sample_rate, wav.channels), (48_000, 1));
        assert_eq!(wav.samples, [0.25, -1.0]);
    }

    #[test]
    fn bad_files_are_refused_with_the_reason() {
        let good = tone().to_bytes();
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"hello".to_vec(), "not a RIFF/WAVE"),
            (good[..good.len() - 10].to_vec(), "says"),
            (good[..36].to_vec(), "no data chunk"),
            (
                {
                    let mut b = good.clone();
                    b[22] = 6; // six channels
                    b
                },
                "6 channels",
            ),
            (
                {
                    let mut b = good.clone();
                    b[34] = 24; // 24-bit
                    b
                },
                "24 bits",
            ),
            (
                {
                    let mut b = good.clone();
                    b[24..28].copy_from_slice(&1_000_000u32.to_le_bytes());
                    b
                },
                "1000000 samples per second",
            ),
            (
                {
                    let mut b = b"RIFF\0\0\0\0WAVE".to_vec();
                    b.extend_from_slice(b"data\0\0\0\0");
                    b
                },
                "before any fmt",
            ),
        ];
        for (bytes, want) in cases {
            match Wav::parse(&bytes) {
                Err(MediaError::BadWav(reason)) => assert!(reason.contains(want), "{reason}"),
                other => panic!("{want}: {other:?}"),
            }
        }
    }
}
