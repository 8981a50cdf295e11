//! Recording a room: every track the SFU forwards there (audio that was not silenced, and
//! video) is written as it arrived, without re-encoding: Opus into Ogg, VP8 into WebM, one file
//! per publisher and kind, and a manifest (`recording.json`) saying whose each file is and when
//! it starts, which whoever mixes them (the app, with ffmpeg) lines them up by.
//!
//! The router hands packets over a bounded queue to a thread of the recording's own, so files
//! are never written on the task that forwards media; a full queue drops packets (the
//! recording has a gap, the meeting goes on).

mod ogg;
mod webm;

use std::{
    collections::HashMap,
    fs::File,
    io::{self, BufWriter},
    path::{Path, PathBuf},
    sync::{Arc, mpsc},
    thread::JoinHandle,
    time::{Instant, SystemTime},
};

use rtc::rtp;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use tracing::warn;

use crate::peer::{Continuity, MediaKind, VIDEO_CLOCK, vp8_keyframe_starts};

/// Packets waiting for the writer: several seconds of a full meeting's media.
const QUEUE: usize = 8192;

/// The manifest's name in a recording's directory.
pub const MANIFEST: &str = "recording.json";

/// What a finished recording holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingManifest {
    /// The room recorded.
    pub room: String,
    /// When it started, ms since the epoch.
    pub started_ms: u64,
    /// How long it ran, start to stop, ms.
    pub duration_ms: u64,
    /// One per publisher and kind, in the order they were first heard or seen.
    pub tracks: Vec<TrackFile>,
}

/// One file of a recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackFile {
    /// Its name in the recording's directory.
    pub file: String,
    /// `audio` (Opus in Ogg) or `video` (VP8 in WebM).
    pub kind: String,
    /// Whose, as their grant named them.
    pub identity: String,
    /// Their grant's source (the CSRC clients know them by).
    pub source: u32,
    /// When its first packet came, ms from the recording's start.
    pub start_ms: u64,
    /// How long it plays, ms.
    pub duration_ms: u64,
    /// Opus packets or VP8 frames written.
    pub units: u64,
}

/// What the router sends the writer.
enum Event {
    Packet {
        identity: Arc<str>,
        source: u32,
        kind: MediaKind,
        packet: rtp::Packet,
        at: Instant,
    },
    Stop(oneshot::Sender<io::Result<RecordingManifest>>),
}

/// A room being recorded: the writer thread and the queue to it. Dropped without `stop`, the
/// writer finishes its files when the queue closes.
pub(crate) struct Recording {
    room: String,
    /// The queue to the writer; none once closed.
    events: Option<mpsc::SyncSender<Event>>,
    thread: Option<JoinHandle<()>>,
    /// Packets the full queue dropped (said when it stops).
    dropped: u64,
    /// Which of each camera's streams is kept, by publisher.
    lanes: HashMap<Arc<str>, Lane>,
}

/// The one stream of a publisher's camera a recording keeps (its file holds one picture size
/// and one timeline): the widest layer when it starts, switched only when that layer is gone,
/// at a keyframe of the widest left, the track staying one RTP stream.
#[derive(Default)]
struct Lane {
    ssrc: Option<u32>,
    continuity: Continuity,
}

impl Recording {
    /// Starts writing `room`'s tracks into `dir` (made if missing; it must hold no earlier
    /// recording).
    pub(crate) fn start(room: &str, dir: PathBuf) -> io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        if dir.join(MANIFEST).exists() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "that directory holds a recording already",
            ));
        }
        let (events, queue) = mpsc::sync_channel(QUEUE);
        let writer = Writer {
            dir,
            room: room.to_owned(),
            started: Instant::now(),
            started_ms: crate::grant::unix_ms(SystemTime::now()),
            tracks: Vec::new(),
            by_key: HashMap::new(),
        };
        let thread = std::thread::Builder::new()
            .name(format!("record-{room}"))
            .spawn(move || writer.run(queue))?;
        Ok(Self {
            room: room.to_owned(),
            events: Some(events),
            thread: Some(thread),
            dropped: 0,
            lanes: HashMap::new(),
        })
    }

    /// Hands a forwarded packet to the writer, or drops it if the writer is behind.
    /// `layers` are the publisher's camera streams, narrowest first (see `SfuPeer::layers`).
    pub(crate) fn packet(
        &mut self,
        identity: Arc<str>,
        source: u32,
        kind: MediaKind,
        mut packet: rtp::Packet,
        layers: &[(u32, u16)],
    ) {
        if kind == MediaKind::Video {
            let lane = self.lanes.entry(identity.clone()).or_default();
            let now = Instant::now();
            let ssrc = packet.header.ssrc;
            let alive = |s: u32| layers.is_empty() || layers.iter().any(|l| l.0 == s);
            match lane.ssrc.filter(|s| alive(*s)) {
                Some(kept) if kept == ssrc => {}
                // Another layer of the same camera.
                Some(_) => return,
                None => {
                    let widest = layers.last().map_or(ssrc, |l| l.0);
                    if ssrc != widest || !vp8_keyframe_starts(&packet.payload) {
                        return;
                    }
                    lane.ssrc = Some(ssrc);
                    lane.continuity.switch(&packet.header, now, VIDEO_CLOCK);
                }
            }
            lane.continuity.rewrite(&mut packet.header, now);
        }
        let event = Event::Packet {
            identity,
            source,
            kind,
            packet,
            at: Instant::now(),
        };
        if self
            .events
            .as_ref()
            .is_none_or(|e| e.try_send(event).is_err())
        {
            self.dropped += 1;
        }
    }

    /// Stops: the writer finishes every file and the manifest, and `reply` gets it. The thread
    /// is left to end on its own; [`Recording::reap`] joins it.
    pub(crate) fn stop(&mut self, reply: oneshot::Sender<io::Result<RecordingManifest>>) {
        if self.dropped > 0 {
            warn!(room = %self.room, dropped = self.dropped, "the recording's writer fell behind: packets missing");
        }
        // Sent blocking: a stop must not be lost to a full queue, and the writer drains it.
        let refused = match &self.events {
            Some(events) => events.send(Event::Stop(reply)).err().map(|e| e.0),
            None => Some(Event::Stop(reply)),
        };
        if let Some(Event::Stop(reply)) = refused {
            let _ = reply.send(Err(io::Error::other("the recording's writer has stopped")));
        }
    }

    /// Closes the queue without a stop: the writer finishes its files and ends.
    pub(crate) fn close(&mut self) {
        self.events = None;
    }

    /// Waits for the writer thread to end (blocking).
    pub(crate) fn join(mut self) {
        self.close();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Whether the writer thread has ended (after a stop); joins it if so.
    pub(crate) fn reap(&mut self) -> bool {
        match &self.thread {
            Some(t) if t.is_finished() => {
                if let Some(t) = self.thread.take() {
                    let _ = t.join();
                }
                true
            }
            Some(_) => false,
            None => true,
        }
    }
}

enum Track {
    Audio(ogg::OggOpus<BufWriter<File>>),
    /// Video before its first keyframe has no file yet (its size is unknown).
    Video {
        file: Option<webm::WebmVp8<BufWriter<File>>>,
        path: PathBuf,
        frames: Vp8Frames,
        first_ts: u32,
    },
}

struct Writer {
    dir: PathBuf,
    room: String,
    started: Instant,
    started_ms: u64,
    tracks: Vec<(TrackFile, Track)>,
    by_key: HashMap<(Arc<str>, bool), usize>,
}

impl Writer {
    fn run(mut self, queue: mpsc::Receiver<Event>) {
        while let Ok(event) = queue.recv() {
            match event {
                Event::Packet {
                    identity,
                    source,
                    kind,
                    packet,
                    at,
                } => {
                    if let Err(e) = self.packet(identity, source, kind, &packet, at) {
                        warn!(room = %self.room, error = %e, "recording a packet");
                    }
                }
                Event::Stop(reply) => {
                    let _ = reply.send(self.finish());
                    return;
                }
            }
        }
        // The router dropped the recording without a stop (it is shutting down): the files
        // are finished all the same.
        let room = self.room.clone();
        if let Err(e) = self.finish() {
            warn!(%room, error = %e, "finishing a recording");
        }
    }

    fn packet(
        &mut self,
        identity: Arc<str>,
        source: u32,
        kind: MediaKind,
        packet: &rtp::Packet,
        at: Instant,
    ) -> io::Result<()> {
        let video = kind == MediaKind::Video;
        let key = (identity.clone(), video);
        let n = match self.by_key.get(&key) {
            Some(&n) => n,
            None => {
                let n = self.tracks.len();
                let name = format!(
                    "{:02}-{}-{}.{}",
                    n + 1,
                    file_safe(&identity),
                    if video { "video" } else { "audio" },
                    if video { "webm" } else { "ogg" }
                );
                let path = self.dir.join(&name);
                let track = if video {
                    Track::Video {
                        file: None,
                        path,
                        frames: Vp8Frames::default(),
                        first_ts: 0,
                    }
                } else {
                    let out = BufWriter::new(File::create(&path)?);
                    Track::Audio(ogg::OggOpus::new(out, source.max(1))?)
                };
                let info = TrackFile {
                    file: name,
                    kind: if video { "video" } else { "audio" }.to_owned(),
                    identity: identity.to_string(),
                    source,
                    start_ms: at.duration_since(self.started).as_millis() as u64,
                    duration_ms: 0,
                    units: 0,
                };
                self.tracks.push((info, track));
                self.by_key.insert(key, n);
                n
            }
        };
        let started = self.started;
        let (info, track) = &mut self.tracks[n];
        match track {
            Track::Audio(ogg) => {
                ogg.push(packet.header.timestamp, &packet.payload)?;
                info.units += 1;
            }
            Track::Video {
                file,
                path,
                frames,
                first_ts,
            } => {
                let Some((ts, frame)) = frames.push(packet) else {
                    return Ok(());
                };
                if file.is_none() {
                    // The file starts at the first keyframe, whose picture size it declares.
                    let Some((width, height)) = webm::keyframe_size(&frame) else {
                        return Ok(());
                    };
                    let out = BufWriter::new(File::create(&*path)?);
                    *file = Some(webm::WebmVp8::new(out, width, height)?);
                    *first_ts = ts;
                    info.start_ms = at.duration_since(started).as_millis() as u64;
                }
                if let Some(webm) = file {
                    // 90 kHz RTP clock to milliseconds.
                    let ms = u64::from(ts.wrapping_sub(*first_ts)) / 90;
                    webm.push(ms, &frame)?;
                    info.units = webm.frames();
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> io::Result<RecordingManifest> {
        let mut tracks = Vec::new();
        for (mut info, track) in self.tracks {
            match track {
                Track::Audio(ogg) => {
                    info.duration_ms = ogg.duration_ms();
                    ogg.finish()?
                        .into_inner()
                        .map_err(|e| e.into_error())?
                        .sync_all()?;
                }
                Track::Video {
                    file: Some(webm), ..
                } => {
                    info.duration_ms = webm.duration_ms();
                    webm.finish()?
                        .into_inner()
                        .map_err(|e| e.into_error())?
                        .sync_all()?;
                }
                // Never a keyframe: no file.
                Track::Video { file: None, .. } => continue,
            }
            tracks.push(info);
        }
        let manifest = RecordingManifest {
            room: self.room,
            started_ms: self.started_ms,
            duration_ms: self.started.elapsed().as_millis() as u64,
            tracks,
        };
        let json = serde_json::to_vec_pretty(&manifest).map_err(io::Error::other)?;
        write_atomically(&self.dir, MANIFEST, &json)?;
        Ok(manifest)
    }
}

/// Writes a file whole or not at all: into a temporary name, then renamed.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, dir.join(name))
}

/// An identity as part of a file name: letters, digits, `-` and `_` kept, the rest `_`.
fn file_safe(identity: &str) -> String {
    identity
        .chars()
        .take(40)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// VP8 frames put back together from their RTP packets (RFC 7741): each packet's descriptor
/// is stripped and a frame's payloads joined until the marker bit. A frame with a packet
/// missing is dropped, and so is everything after it until the next keyframe (they would
/// refer to what was lost).
#[derive(Default)]
struct Vp8Frames {
    next_seq: Option<u16>,
    frame: Vec<u8>,
    ts: u32,
    /// The frame being gathered lost a packet.
    broken: bool,
    /// A loss happened: frames wait for a keyframe.
    want_keyframe: bool,
}

impl Vp8Frames {
    /// Takes a packet; returns a whole frame and its RTP timestamp when this one ends it.
    fn push(&mut self, packet: &rtp::Packet) -> Option<(u32, Vec<u8>)> {
        let seq = packet.header.sequence_number;
        if let Some(expected) = self.next_seq {
            let ahead = seq.wrapping_sub(expected);
            if ahead >= 0x8000 {
                // Late or duplicated: its frame was given up on or is done.
                return None;
            }
            if ahead > 0 {
                self.broken = true;
                self.want_keyframe = true;
            }
        }
        self.next_seq = Some(seq.wrapping_add(1));
        let (start, body) = vp8_payload(&packet.payload)?;
        if start || packet.header.timestamp != self.ts {
            self.frame.clear();
            self.broken = !start;
            self.ts = packet.header.timestamp;
        }
        self.frame.extend_from_slice(body);
        if !packet.header.marker {
            return None;
        }
        let frame = std::mem::take(&mut self.frame);
        if self.broken || frame.is_empty() {
            self.broken = false;
            return None;
        }
        let keyframe = frame[0] & 0x01 == 0;
        if keyframe {
            self.want_keyframe = false;
        }
        (!self.want_keyframe).then_some((self.ts, frame))
    }
}

/// A VP8 RTP payload's descriptor read (RFC 7741, 4.2): whether it starts a frame (S set,
/// partition 0) and the VP8 bytes after it.
fn vp8_payload(payload: &[u8]) -> Option<(bool, &[u8])> {
    let &first = payload.first()?;
    let mut at = 1;
    if first & 0x80 != 0 {
        let &ext = payload.get(1)?;
        at = 2;
        if ext & 0x80 != 0 {
            at += if payload.get(at)? & 0x80 != 0 { 2 } else { 1 };
        }
        if ext & 0x40 != 0 {
            at += 1;
        }
        if ext & 0x30 != 0 {
            at += 1;
        }
    }
    let start = first & 0x10 != 0 && first & 0x07 == 0;
    Some((start, payload.get(at..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(seq: u16, ts: u32, marker: bool, payload: &[u8]) -> rtp::Packet {
        let mut p = rtp::Packet::default();
        p.header.sequence_number = seq;
        p.header.timestamp = ts;
        p.header.marker = marker;
        p.payload = payload.to_vec().into();
        p
    }

    #[test]
    fn frames_are_joined_and_a_loss_waits_for_the_next_keyframe() {
        let mut f = Vp8Frames::default();
        // A keyframe in two packets, the first with an extended descriptor (15-bit picture id).
        assert_eq!(
            f.push(&packet(
                1,
                100,
                false,
                &[0x90, 0x80, 0x81, 0x02, 0x10, 0xaa]
            )),
            None
        );
        assert_eq!(
            f.push(&packet(2, 100, true, &[0x00, 0xbb])),
            Some((100, vec![0x10, 0xaa, 0xbb]))
        );
        // An interframe whole.
        assert_eq!(
            f.push(&packet(3, 200, true, &[0x10, 0x11])),
            Some((200, vec![0x11]))
        );
        // One packet of the next is lost: it and the interframe after are dropped.
        assert_eq!(f.push(&packet(5, 300, true, &[0x00, 0x12])), None);
        assert_eq!(f.push(&packet(6, 400, true, &[0x10, 0x13])), None);
        // A keyframe mends it.
        assert_eq!(
            f.push(&packet(7, 500, true, &[0x10, 0x14])),
            Some((500, vec![0x14]))
        );
        // A duplicate is ignored.
        assert_eq!(f.push(&packet(7, 500, true, &[0x10, 0x14])), None);
    }

    #[test]
    fn names_keep_to_safe_characters() {
        assert_eq!(file_safe("guest:12"), "guest_12");
        assert_eq!(file_safe("../alice"), "___alice");
    }
}
