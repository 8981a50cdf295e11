//! An Ogg Opus file (RFC 7845) written from the Opus packets as they arrived, none re-encoded.
//! Each packet gets a page of its own: a few bytes more than packing them, and a file cut short
//! (the server stopped) loses at most the packet being written.

use std::io::{self, Seek, Write};

/// Samples per second in every Opus granule position, whatever was encoded.
const RATE: u64 = 48_000;

/// The longest gap filled with empty packets (a publisher muted by a moderator, lost packets):
/// past ten minutes the granule position just jumps.
const MAX_FILL: u64 = 10 * 60 * RATE;

/// CRC-32 of Ogg pages: polynomial 0x04c11db7, not reflected, starting at 0.
fn crc(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, slot) in t.iter_mut().enumerate() {
            let mut r = (i as u32) << 24;
            for _ in 0..8 {
                r = if r & 0x8000_0000 != 0 {
                    (r << 1) ^ 0x04c1_1db7
                } else {
                    r << 1
                };
            }
            *slot = r;
        }
        t
    });
    data.iter().fold(0u32, |c, &b| {
        (c << 8) ^ table[(((c >> 24) as u8) ^ b) as usize]
    })
}

/// How many 48 kHz samples an Opus packet holds, from its TOC byte (RFC 6716, 3.1); none for a
/// malformed one.
pub(crate) fn opus_samples(packet: &[u8]) -> Option<u64> {
    let &toc = packet.first()?;
    let config = toc >> 3;
    // Frame sizes in 48 kHz samples: SILK 10/20/40/60 ms, hybrid 10/20 ms, CELT 2.5/5/10/20 ms.
    let frame: u64 = match config {
        0..=11 => [480, 960, 1920, 2880][usize::from(config % 4)],
        12..=15 => [480, 960][usize::from(config % 2)],
        _ => [120, 240, 480, 960][usize::from(config % 4)],
    };
    let frames = match toc & 0x03 {
        0 => 1,
        1 | 2 => 2,
        _ => u64::from(*packet.get(1)? & 0x3f),
    };
    (frames > 0 && frame * frames <= 5760).then_some(frame * frames)
}

pub(crate) struct OggOpus<W: Write + Seek> {
    out: W,
    serial: u32,
    page: u32,
    /// Where the next packet starts, in samples from the first (its RTP timestamp's offset).
    next: u64,
    /// The RTP timestamp of the first packet, and the last one written.
    first_ts: Option<u32>,
    last_ts: u32,
    /// Where the last packet written started.
    last_at: u64,
    /// The last packet, held back so that the final page can carry the end-of-stream mark.
    pending: Option<(Vec<u8>, u64)>,
    /// The TOC byte of the last packet: an empty packet in the same mode fills a gap.
    last_toc: u8,
}

impl<W: Write + Seek> OggOpus<W> {
    pub(crate) fn new(out: W, serial: u32) -> io::Result<Self> {
        let mut head = Vec::with_capacity(19);
        head.extend_from_slice(b"OpusHead");
        head.push(1); // version
        head.push(1); // channels: meetings' voices are mono; stereo packets are downmixed
        head.extend_from_slice(&0u16.to_le_bytes()); // pre-skip
        head.extend_from_slice(&48_000u32.to_le_bytes());
        head.extend_from_slice(&0i16.to_le_bytes()); // output gain
        head.push(0); // channel mapping family
        let mut tags = Vec::new();
        tags.extend_from_slice(b"OpusTags");
        let vendor = b"confer-sfu";
        tags.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
        tags.extend_from_slice(vendor);
        tags.extend_from_slice(&0u32.to_le_bytes());
        let mut me = Self {
            out,
            serial,
            page: 0,
            next: 0,
            first_ts: None,
            last_ts: 0,
            last_at: 0,
            pending: None,
            last_toc: 0xf8,
        };
        me.page_out(&head, 0, 0x02)?;
        me.page_out(&tags, 0, 0)?;
        Ok(me)
    }

    /// Adds a packet that arrived with RTP timestamp `ts` (48 kHz). A late one (before the last)
    /// is dropped; a gap is filled with empty packets, which decoders play as silence, so the
    /// track keeps the meeting's time.
    pub(crate) fn push(&mut self, ts: u32, packet: &[u8]) -> io::Result<()> {
        let Some(samples) = opus_samples(packet) else {
            return Ok(());
        };
        let at = match self.first_ts {
            None => {
                self.first_ts = Some(ts);
                0
            }
            Some(_) => {
                let delta = ts.wrapping_sub(self.last_ts) as i32;
                if delta <= 0 {
                    return Ok(());
                }
                self.last_at + delta as u64
            }
        };
        if at > self.next && at - self.next <= MAX_FILL {
            // Empty frames (a TOC byte, code 0, no data) of the last packet's mode.
            let toc = [self.last_toc & 0xfc];
            let step = opus_samples(&toc).unwrap_or(960);
            while self.next + step <= at {
                self.queue(toc.to_vec(), self.next + step)?;
            }
        }
        self.last_ts = ts;
        self.last_toc = packet[0];
        let at = at.max(self.next);
        self.last_at = at;
        let end = at + samples;
        self.queue(packet.to_vec(), end)
    }

    /// The track's length so far.
    pub(crate) fn duration_ms(&self) -> u64 {
        self.next * 1000 / RATE
    }

    fn queue(&mut self, packet: Vec<u8>, end: u64) -> io::Result<()> {
        if let Some((held, granule)) = self.pending.take() {
            self.page_out(&held, granule, 0)?;
        }
        self.next = end;
        self.pending = Some((packet, end));
        Ok(())
    }

    /// Writes the last page (end of stream) and returns the file.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        let (packet, granule) = self.pending.take().unwrap_or((Vec::new(), self.next));
        self.page_out(&packet, granule, 0x04)?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn page_out(&mut self, packet: &[u8], granule: u64, flags: u8) -> io::Result<()> {
        let mut lacing = vec![255u8; packet.len() / 255];
        lacing.push((packet.len() % 255) as u8);
        let mut page = Vec::with_capacity(27 + lacing.len() + packet.len());
        page.extend_from_slice(b"OggS");
        page.push(0);
        page.push(flags);
        page.extend_from_slice(&granule.to_le_bytes());
        page.extend_from_slice(&self.serial.to_le_bytes());
        page.extend_from_slice(&self.page.to_le_bytes());
        page.extend_from_slice(&[0; 4]);
        page.push(lacing.len() as u8);
        page.extend_from_slice(&lacing);
        page.extend_from_slice(packet);
        let sum = crc(&page);
        page[22..26].copy_from_slice(&sum.to_le_bytes());
        self.page += 1;
        self.out.write_all(&page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A CELT 20 ms mono packet (config 31, code 0) with some bytes.
    fn packet(n: u8) -> Vec<u8> {
        vec![0xf8, n, n, n]
    }

    /// (granule, flags, packet) of every page.
    fn pages(bytes: &[u8]) -> Vec<(u64, u8, Vec<u8>)> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            assert_eq!(&bytes[at..at + 4], b"OggS");
            let flags = bytes[at + 5];
            let granule = u64::from_le_bytes(bytes[at + 6..at + 14].try_into().unwrap());
            let mut check = bytes[at..].to_vec();
            let segments = usize::from(bytes[at + 26]);
            let len: usize = bytes[at + 27..at + 27 + segments]
                .iter()
                .map(|&b| usize::from(b))
                .sum();
            let size = 27 + segments + len;
            check.truncate(size);
            let sum = u32::from_le_bytes(check[22..26].try_into().unwrap());
            check[22..26].copy_from_slice(&[0; 4]);
            assert_eq!(crc(&check), sum, "page checksum");
            out.push((granule, flags, bytes[at + size - len..at + size].to_vec()));
            at += size;
        }
        out
    }

    #[test]
    fn the_crc_is_oggs() {
        // The CRC of "123456789" under Ogg's parameters (CRC-32/MPEG-2 without the final
        // inversion and with a zero start): a published check value.
        assert_eq!(crc(b"123456789"), 0x89a1_897f);
    }

    #[test]
    fn packets_keep_their_time_and_gaps_are_filled_with_empty_frames() {
        let mut w = OggOpus::new(io::Cursor::new(Vec::new()), 7).unwrap();
        let base = u32::MAX - 960; // the timestamp wraps on the way
        w.push(base, &packet(1)).unwrap();
        w.push(base.wrapping_add(960), &packet(2)).unwrap();
        // A late duplicate, dropped.
        w.push(base, &packet(9)).unwrap();
        // Two packets lost (or not forwarded): filled.
        w.push(base.wrapping_add(4 * 960), &packet(3)).unwrap();
        assert_eq!(w.duration_ms(), 100);
        let bytes = w.finish().unwrap().into_inner();
        let pages = pages(&bytes);
        assert_eq!(&pages[0].2[..8], b"OpusHead");
        assert_eq!(pages[0].1, 0x02);
        assert_eq!(&pages[1].2[..8], b"OpusTags");
        let audio: Vec<(u64, Vec<u8>)> =
            pages[2..].iter().map(|(g, _, p)| (*g, p.clone())).collect();
        assert_eq!(
            audio,
            vec![
                (960, packet(1)),
                (1920, packet(2)),
                (2880, vec![0xf8]),
                (3840, vec![0xf8]),
                (4800, packet(3)),
            ]
        );
        assert_eq!(
            pages.last().unwrap().1,
            0x04,
            "the last page ends the stream"
        );
    }

    #[test]
    fn packet_lengths_follow_the_toc() {
        assert_eq!(opus_samples(&[0xf8]), Some(960)); // CELT 20 ms
        assert_eq!(opus_samples(&[0x08 | 0x01]), Some(1920)); // SILK 20 ms, two frames
        assert_eq!(opus_samples(&[0xfb, 0x03]), Some(2880)); // three CELT 20 ms frames
        assert_eq!(opus_samples(&[0xfb, 0x00]), None);
        assert_eq!(opus_samples(&[]), None);
    }
}
