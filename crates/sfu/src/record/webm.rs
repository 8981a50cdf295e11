//! A WebM file holding one VP8 track, written from the frames as they arrived, none re-encoded:
//! the EBML header, a segment with its info and track, then clusters of simple blocks. The
//! segment's size and the duration are written in place when the file is finished; a file cut
//! short still plays (players take the unknown sizes as "to the end").

use std::io::{self, Seek, SeekFrom, Write};

/// Block timestamps are in milliseconds.
const TIMECODE_SCALE: u64 = 1_000_000;

/// A cluster's blocks carry 16-bit offsets from its timestamp: a new one well before that.
const CLUSTER_SPAN_MS: u64 = 30_000;

/// An element's size "unknown", as a segment being written has.
const UNKNOWN: [u8; 8] = [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

fn vint(n: u64) -> Vec<u8> {
    // The shortest length that holds n (all ones is reserved for "unknown").
    let len = (1..=8).find(|l| n < (1u64 << (7 * l)) - 1).unwrap_or(8);
    let mut out = vec![0; len];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = (n >> (8 * (len - 1 - i))) as u8;
    }
    out[0] |= 0x80 >> (len - 1);
    out
}

fn element(id: &[u8], body: &[u8]) -> Vec<u8> {
    let mut out = id.to_vec();
    out.extend(vint(body.len() as u64));
    out.extend_from_slice(body);
    out
}

fn uint(id: &[u8], n: u64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let skip = bytes.iter().take(7).take_while(|&&b| b == 0).count();
    element(id, &bytes[skip..])
}

/// A VP8 keyframe's picture size (RFC 6386, 9.1), if it is one.
pub(crate) fn keyframe_size(frame: &[u8]) -> Option<(u16, u16)> {
    if frame.len() < 10 || frame[0] & 0x01 != 0 || frame[3..6] != [0x9d, 0x01, 0x2a] {
        return None;
    }
    let width = u16::from_le_bytes([frame[6], frame[7]]) & 0x3fff;
    let height = u16::from_le_bytes([frame[8], frame[9]]) & 0x3fff;
    Some((width, height))
}

pub(crate) struct WebmVp8<W: Write + Seek> {
    out: W,
    /// Where the segment's size goes, and where its body starts.
    segment_size_at: u64,
    segment_start: u64,
    /// Where the duration's value goes.
    duration_at: u64,
    /// The open cluster: its timestamp and its blocks so far.
    cluster: Option<(u64, Vec<u8>)>,
    /// The last frame's time, and the one before (the last frame lasts as long as the one
    /// before it did).
    last_ms: Option<u64>,
    step_ms: u64,
    frames: u64,
}

impl<W: Write + Seek> WebmVp8<W> {
    /// Starts the file for pictures of `width` x `height` (the first keyframe's).
    pub(crate) fn new(mut out: W, width: u16, height: u16) -> io::Result<Self> {
        let mut header = Vec::new();
        header.extend(uint(&[0x42, 0x86], 1)); // EBMLVersion
        header.extend(uint(&[0x42, 0xf7], 1)); // EBMLReadVersion
        header.extend(uint(&[0x42, 0xf2], 4)); // EBMLMaxIDLength
        header.extend(uint(&[0x42, 0xf3], 8)); // EBMLMaxSizeLength
        header.extend(element(&[0x42, 0x82], b"webm")); // DocType
        header.extend(uint(&[0x42, 0x87], 2)); // DocTypeVersion
        header.extend(uint(&[0x42, 0x85], 2)); // DocTypeReadVersion
        out.write_all(&element(&[0x1a, 0x45, 0xdf, 0xa3], &header))?;

        let start = out.stream_position()?;
        out.write_all(&[0x18, 0x53, 0x80, 0x67])?; // Segment
        let segment_size_at = start + 4;
        out.write_all(&UNKNOWN)?;
        let segment_start = segment_size_at + 8;

        let mut info = uint(&[0x2a, 0xd7, 0xb1], TIMECODE_SCALE);
        // Duration (a float of timecode units): zero until the end is known.
        let duration_offset_in_info = info.len() + 3;
        info.extend(element(&[0x44, 0x89], &0f64.to_be_bytes()));
        info.extend(element(&[0x4d, 0x80], b"confer-sfu")); // MuxingApp
        info.extend(element(&[0x57, 0x41], b"confer-sfu")); // WritingApp
        let info = element(&[0x15, 0x49, 0xa9, 0x66], &info);
        // The info's header is its 4-byte id and a 1-byte size.
        let duration_at = segment_start + 5 + duration_offset_in_info as u64;
        out.write_all(&info)?;

        let mut video = uint(&[0xb0], u64::from(width)); // PixelWidth
        video.extend(uint(&[0xba], u64::from(height))); // PixelHeight
        let mut track = uint(&[0xd7], 1); // TrackNumber
        track.extend(uint(&[0x73, 0xc5], 1)); // TrackUID
        track.extend(uint(&[0x83], 1)); // TrackType: video
        track.extend(uint(&[0x9c], 0)); // FlagLacing
        track.extend(element(&[0x86], b"V_VP8")); // CodecID
        track.extend(element(&[0xe0], &video));
        let tracks = element(&[0x16, 0x54, 0xae, 0x6b], &element(&[0xae], &track));
        out.write_all(&tracks)?;
        Ok(Self {
            out,
            segment_size_at,
            segment_start,
            duration_at,
            cluster: None,
            last_ms: None,
            step_ms: 0,
            frames: 0,
        })
    }

    /// Adds a whole frame shown at `ms` from the track's start (frames come in order).
    pub(crate) fn push(&mut self, ms: u64, frame: &[u8]) -> io::Result<()> {
        let keyframe = frame.first().is_some_and(|b| b & 0x01 == 0);
        if let Some(last) = self.last_ms {
            if ms < last {
                return Ok(());
            }
            self.step_ms = ms - last;
        }
        let fresh = match &self.cluster {
            None => true,
            Some((start, _)) => keyframe || ms - start >= CLUSTER_SPAN_MS,
        };
        if fresh {
            self.close_cluster()?;
            self.cluster = Some((ms, uint(&[0xe7], ms))); // its Timecode
        }
        let Some((start, blocks)) = &mut self.cluster else {
            return Ok(());
        };
        let mut block = vec![0x81]; // track 1
        block.extend_from_slice(&((ms - *start) as i16).to_be_bytes());
        block.push(if keyframe { 0x80 } else { 0 });
        block.extend_from_slice(frame);
        blocks.extend(element(&[0xa3], &block)); // SimpleBlock
        self.last_ms = Some(ms);
        self.frames += 1;
        Ok(())
    }

    pub(crate) fn frames(&self) -> u64 {
        self.frames
    }

    /// The track's length so far: to the end of its last frame.
    pub(crate) fn duration_ms(&self) -> u64 {
        self.last_ms.map_or(0, |last| last + self.step_ms)
    }

    fn close_cluster(&mut self) -> io::Result<()> {
        if let Some((_, blocks)) = self.cluster.take() {
            self.out
                .write_all(&element(&[0x1f, 0x43, 0xb6, 0x75], &blocks))?;
        }
        Ok(())
    }

    /// Writes the last cluster, the duration and the segment's size; returns the file.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        self.close_cluster()?;
        let end = self.out.stream_position()?;
        let duration = self.duration_ms() as f64;
        self.out.seek(SeekFrom::Start(self.duration_at))?;
        self.out.write_all(&duration.to_be_bytes())?;
        let size = end - self.segment_start;
        let mut field = size.to_be_bytes();
        field[0] = 0x01; // an 8-byte size
        self.out.seek(SeekFrom::Start(self.segment_size_at))?;
        self.out.write_all(&field)?;
        self.out.seek(SeekFrom::Start(end))?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_the_fewest_bytes() {
        assert_eq!(vint(0), vec![0x80]);
        assert_eq!(vint(126), vec![0xfe]);
        // 127 would be all ones in one byte, which means "unknown".
        assert_eq!(vint(127), vec![0x40, 0x7f]);
        assert_eq!(vint(300), vec![0x41, 0x2c]);
    }

    #[test]
    fn keyframes_give_their_size() {
        let mut key = vec![0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a];
        key.extend_from_slice(&320u16.to_le_bytes());
        key.extend_from_slice(&(180u16 | 0x4000).to_le_bytes()); // with a scaling mode
        assert_eq!(keyframe_size(&key), Some((320, 180)));
        key[0] |= 1;
        assert_eq!(keyframe_size(&key), None, "an interframe");
    }

    #[test]
    fn the_file_is_finished_with_its_duration_and_size() {
        let mut w = WebmVp8::new(io::Cursor::new(Vec::new()), 320, 180).unwrap();
        w.push(0, &[0x10, 1, 2, 3]).unwrap();
        w.push(40, &[0x11, 4]).unwrap();
        w.push(80, &[0x11, 5]).unwrap();
        assert_eq!((w.frames(), w.duration_ms()), (3, 120));
        let at = w.duration_at as usize;
        let size_at = w.segment_size_at as usize;
        let start = w.segment_start as usize;
        let bytes = w.finish().unwrap().into_inner();
        assert_eq!(
            &bytes[at - 3..at - 1],
            &[0x44, 0x89],
            "the duration element"
        );
        assert_eq!(
            f64::from_be_bytes(bytes[at..at + 8].try_into().unwrap()),
            120.0
        );
        let mut size = [0u8; 8];
        size.copy_from_slice(&bytes[size_at..size_at + 8]);
        size[0] = 0;
        assert_eq!(u64::from_be_bytes(size) as usize, bytes.len() - start);
    }
}
