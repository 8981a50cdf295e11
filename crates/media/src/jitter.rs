//! A jitter buffer for audio packets: holds packets a few frames, plays them out in sequence
//! order one per 20 ms tick, drops duplicates and packets that come too late, and says which
//! frames are missing so the decoder can conceal them.

use std::collections::BTreeMap;

/// What to play for the next tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Playout {
    /// Nothing buffered yet (before the first packet, or after a long gap): play nothing.
    Idle,
    /// The packet of this tick.
    Packet(Vec<u8>),
    /// The packet of this tick is missing; `next` is the one after it, when buffered (its
    /// forward error correction can rebuild the missing one).
    Missing {
        /// The following packet.
        next: Option<Vec<u8>>,
    },
}

/// The buffer.
#[derive(Debug)]
pub struct JitterBuffer {
    /// Packets by extended sequence number.
    packets: BTreeMap<u64, Vec<u8>>,
    /// The extended sequence number to play next, once playing.
    next: Option<u64>,
    /// The newest extended sequence number seen (to extend 16-bit numbers across wraps).
    newest: Option<u64>,
    /// Packets to hold before playing starts.
    depth: usize,
    /// Counters.
    pub received: u64,
    /// Frames played as missing.
    pub lost: u64,
    /// Packets dropped for arriving after their turn.
    pub late: u64,
}

/// Frames of silence (missing packets) after which the buffer starts over, waiting for
/// `depth` packets again.
const GIVE_UP_AFTER: u64 = 50;

impl JitterBuffer {
    /// A buffer that starts playing once `depth` packets are in.
    pub fn new(depth: usize) -> Self {
        Self {
            packets: BTreeMap::new(),
            next: None,
            newest: None,
            depth: depth.max(1),
            received: 0,
            lost: 0,
            late: 0,
        }
    }

    /// Extends a 16-bit RTP sequence number to 64 bits, relative to the newest seen.
    fn extend(&mut self, seq: u16) -> u64 {
        let Some(newest) = self.newest else {
            // Start high enough that a packet from just before the first one still fits.
            let e = (1 << 16) + u64::from(seq);
            self.newest = Some(e);
            return e;
        };
        let base = newest & !0xffff;
        let candidates = [
            base.wrapping_sub(1 << 16) | u64::from(seq),
            base | u64::from(seq),
            (base + (1 << 16)) | u64::from(seq),
        ];
        let e = *candidates
            .iter()
            .min_by_key(|c| c.abs_diff(newest))
            .expect("three candidates");
        if e > newest {
            self.newest = Some(e);
        }
        e
    }

    /// Takes a packet as it arrives.
    pub fn push(&mut self, seq: u16, payload: Vec<u8>) {
        let e = self.extend(seq);
        if self.next.is_some_and(|n| e < n) {
            self.late += 1;
            return;
        }
        if self.packets.insert(e, payload).is_none() {
            self.received += 1;
        }
    }

    /// What to play for this tick.
    pub fn pop(&mut self) -> Playout {
        let next = match self.next {
            Some(n) => n,
            None => {
                if self.packets.len() < self.depth {
                    return Playout::Idle;
                }
                *self.packets.keys().next().expect("not empty")
            }
        };
        if let Some(p) = self.packets.remove(&next) {
            self.next = Some(next + 1);
            return Playout::Packet(p);
        }
        if self.packets.is_empty() && self.newest.is_some_and(|n| next > n + GIVE_UP_AFTER) {
            // A long silence (the other side stopped sending): start over.
            self.next = None;
            return Playout::Idle;
        }
        self.next = Some(next + 1);
        if self.packets.is_empty() {
            // Nothing after it yet: the sender may simply be paused; count it only once
            // something later arrives (see below).
            return Playout::Missing { next: None };
        }
        self.lost += 1;
        Playout::Missing {
            next: self.packets.get(&(next + 1)).cloned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(n: u8) -> Vec<u8> {
        vec![n]
    }

    #[test]
    fn reorders_conceals_and_drops_late_and_duplicate_packets() {
        let mut jb = JitterBuffer::new(2);
        jb.push(10, p(10));
        assert_eq!(jb.pop(), Playout::Idle, "one packet is not enough to start");
        jb.push(12, p(12));
        jb.push(11, p(11));
        jb.push(11, p(11));
        assert_eq!(jb.pop(), Playout::Packet(p(10)));
        assert_eq!(jb.pop(), Playout::Packet(p(11)));
        assert_eq!(jb.pop(), Playout::Packet(p(12)));
        jb.push(14, p(14));
        assert_eq!(jb.pop(), Playout::Missing { next: Some(p(14)) });
        assert_eq!(jb.pop(), Playout::Packet(p(14)));
        // 13 comes after its turn: dropped.
        jb.push(13, p(13));
        assert_eq!((jb.received, jb.lost, jb.late), (4, 1, 1));
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut jb = JitterBuffer::new(1);
        for seq in [65_534u16, 65_535, 0, 1] {
            jb.push(seq, p(seq as u8));
        }
        let played: Vec<_> = (0..4).map(|_| jb.pop()).collect();
        assert_eq!(
            played,
            [254u8, 255, 0, 1].map(|n| Playout::Packet(p(n))).to_vec()
        );
    }
}
