//! Meetings' recordings, an optional component (`recording` in the configuration, off by
//! default). A moderator starts one (the meeting rules check and store the mark everyone sees);
//! the SFU then writes each track it forwards in the room as it arrives, without re-encoding
//! (`confer_sfu::record`), under `data_dir/recordings/<room>-<start>`. When it stops (a
//! moderator, or the meeting's end), the tracks are mixed into one file by `ffmpeg`, lined up by
//! the manifest's start times, and the file is shared in the room as a file message from whoever
//! started the recording, so members find it in the room's shared files and download it like
//! any other. Without a working `ffmpeg` the tracks are shared one by one instead.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    process::Stdio,
    sync::{Arc, Mutex},
};

use confer_proto::{ErrorCode, Reason};
use confer_sfu::{RecordingManifest, TrackFile};
use tokio::task::JoinSet;

use crate::{
    ApiError, AppState,
    domain::files::FileRecord,
    media::{self, MediaOrder},
    store::{UserId, WriteOp},
};

/// The recordings going on in this process, and those being mixed and shared.
#[derive(Default)]
pub(crate) struct Recorder {
    active: Mutex<HashMap<u64, Active>>,
    /// Mixing and sharing stopped recordings: they end with the server (the tracks stay on
    /// disk).
    finishing: Mutex<JoinSet<()>>,
}

/// A recording going on.
#[derive(Debug, Clone)]
struct Active {
    /// Who started it: the file is shared as theirs.
    by: UserId,
    /// When, ms since the epoch.
    since_ms: i64,
    dir: PathBuf,
}

/// What a recording became, for the room.
struct Output {
    path: PathBuf,
    name: String,
    mime: &'static str,
}

fn room(conversation: u64) -> String {
    conversation.to_string()
}

fn off() -> ApiError {
    ApiError::new(ErrorCode::Forbidden, Reason::RecordingOff)
}

/// A moderator asks to start or stop recording the meeting of `conversation`: the rules decide
/// and store the mark, then the SFU carrying the meeting starts or stops writing.
pub(crate) async fn set(
    state: &Arc<AppState>,
    user: UserId,
    conversation: u64,
    on: bool,
) -> Result<(), ApiError> {
    if state.meeting_media.is_none() || !state.config.recording {
        return Err(off());
    }
    let op = WriteOp::SetRecording {
        user,
        conversation,
        on,
    };
    state.writer.write(op).await.map_err(ApiError::from)?;
    if !on {
        // Stored: the mark is off whatever the SFU says (a failure there is logged where it
        // happened; the tracks written so far stay on disk).
        if let Err(e) = media::order(state, conversation, MediaOrder::StopRecording).await {
            tracing::warn!(conversation, code = ?e.0.code, "a recording's stop did not reach its SFU");
        }
        return Ok(());
    }
    let since_ms = state.now();
    let by = user;
    if let Err(e) = media::order(
        state,
        conversation,
        MediaOrder::StartRecording { by, since_ms },
    )
    .await
    {
        // The mark must not say it records: taken back.
        let op = WriteOp::SetRecording {
            user,
            conversation,
            on: false,
        };
        let _ = state.writer.write(op).await;
        return Err(e);
    }
    Ok(())
}

/// Starts writing the meeting's tracks on this node's SFU (the one carrying the meeting), for
/// `by`, since `since_ms`.
pub(crate) async fn start(
    state: &Arc<AppState>,
    conversation: u64,
    by: UserId,
    since_ms: i64,
) -> Result<(), ApiError> {
    let Some(media) = state
        .meeting_media
        .as_ref()
        .filter(|_| state.config.recording)
    else {
        return Err(off());
    };
    let dir = state
        .config
        .data_dir
        .join("recordings")
        .join(format!("{conversation}-{since_ms}"));
    match media
        .sfu()
        .start_recording(&room(conversation), dir.clone())
        .await
    {
        Ok(()) => {
            tracing::info!(conversation, dir = %dir.display(), "recording");
            media
                .recorder
                .active
                .lock()
                .expect("not poisoned")
                .insert(conversation, Active { by, since_ms, dir });
            Ok(())
        }
        Err(e) => {
            tracing::error!(error = %e, conversation, "the recording could not start");
            Err(ApiError::fault())
        }
    }
}

/// Someone left the meeting of `conversation` (or its room went): if it ended while being
/// recorded, the recording stops with it.
pub(crate) async fn after_departure(state: &Arc<AppState>, conversation: u64) {
    let Some(media) = &state.meeting_media else {
        return;
    };
    if !media
        .recorder
        .active
        .lock()
        .expect("not poisoned")
        .contains_key(&conversation)
    {
        return;
    }
    match state.read(move |s| s.ongoing_meeting(conversation)).await {
        Ok(Some(meeting)) if meeting.recording.is_some() => {}
        Ok(_) => stop(state, conversation).await,
        Err(e) => tracing::warn!(error = ?e.0, conversation, "is a recorded meeting over?"),
    }
}

/// Stops the SFU's writing and hands the files to a task that mixes and shares them (nothing
/// when this node's SFU records no such meeting).
pub(crate) async fn stop(state: &Arc<AppState>, conversation: u64) {
    let Some(media) = &state.meeting_media else {
        return;
    };
    let Some(active) = media
        .recorder
        .active
        .lock()
        .expect("not poisoned")
        .remove(&conversation)
    else {
        return;
    };
    let manifest = match media.sfu().stop_recording(&room(conversation)).await {
        Ok(Some(manifest)) => manifest,
        Ok(None) => return,
        Err(e) => {
            tracing::error!(error = %e, conversation, "the recording could not be finished");
            return;
        }
    };
    tracing::info!(
        conversation,
        tracks = manifest.tracks.len(),
        ms = manifest.duration_ms,
        "recording stopped"
    );
    let mut finishing = media.recorder.finishing.lock().expect("not poisoned");
    // Reap those done, so the set holds only what is still running.
    while finishing.try_join_next().is_some() {}
    finishing.spawn(finish(state.clone(), conversation, active, manifest));
}

/// Mixes the tracks (or takes them as they are) and shares the result in the room.
async fn finish(
    state: Arc<AppState>,
    conversation: u64,
    active: Active,
    manifest: RecordingManifest,
) {
    if manifest.tracks.is_empty() {
        tracing::info!(conversation, "the recording holds nothing: nothing shared");
        return;
    }
    let stamp = stamp(active.since_ms);
    let outputs = match mix(&state.config.ffmpeg, &active.dir, &manifest, &stamp).await {
        Ok(mixed) => vec![mixed],
        Err(why) => {
            tracing::warn!(conversation, %why, "the recording's tracks are shared unmixed");
            manifest
                .tracks
                .iter()
                .map(|t| Output {
                    path: active.dir.join(&t.file),
                    name: format!("meeting-{stamp}-{}", t.file),
                    mime: mime_of(t),
                })
                .collect()
        }
    };
    for output in outputs {
        if let Err(e) = share(&state, conversation, active.by, &output).await {
            tracing::warn!(
                conversation,
                file = %output.path.display(),
                error = %e,
                "a recording could not be shared (it stays on disk)"
            );
        }
    }
}

fn mime_of(track: &TrackFile) -> &'static str {
    if track.kind == "video" {
        "video/webm"
    } else {
        "audio/ogg"
    }
}

/// `YYYY-MM-DD-HHMM` (UTC) of a time in ms since the epoch.
fn stamp(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (y, m, d) = confer_proto::civil_from_days(secs.div_euclid(86_400));
    let of_day = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}-{:02}{:02}",
        of_day / 3600,
        of_day % 3600 / 60
    )
}

/// The ffmpeg arguments that mix a recording's tracks into one file in `dir`: the voices
/// summed, each delayed to when it started; the pictures side by side on a grid of 320x180
/// tiles, each starting when it did. Returns the arguments and the output.
fn mix_args(dir: &Path, manifest: &RecordingManifest, stamp: &str) -> (Vec<String>, Output) {
    let mut args: Vec<String> = ["-nostdin", "-y", "-loglevel", "error", "-threads", "2"]
        .map(String::from)
        .to_vec();
    for track in &manifest.tracks {
        args.push("-i".into());
        args.push(dir.join(&track.file).to_string_lossy().into_owned());
    }
    let mut graph = Vec::new();
    let (mut voices, mut pictures) = (Vec::new(), Vec::new());
    for (i, track) in manifest.tracks.iter().enumerate() {
        let start = track.start_ms;
        if track.kind == "video" {
            graph.push(format!(
                "[{i}:v]scale=320:180:force_original_aspect_ratio=decrease,\
                 pad=320:180:(ow-iw)/2:(oh-ih)/2,setpts=PTS-STARTPTS,fps=15,\
                 tpad=start_duration={:.3}:color=black[v{i}]",
                start as f64 / 1000.0
            ));
            pictures.push(format!("[v{i}]"));
        } else {
            graph.push(format!("[{i}:a]adelay={start}:all=1[a{i}]"));
            voices.push(format!("[a{i}]"));
        }
    }
    if !voices.is_empty() {
        graph.push(format!(
            "{}amix=inputs={}:normalize=0:dropout_transition=0[aout]",
            voices.concat(),
            voices.len()
        ));
    }
    if pictures.len() == 1 {
        graph.push(format!("{}null[vout]", pictures[0]));
    } else if !pictures.is_empty() {
        let columns = (pictures.len() as f64).sqrt().ceil() as usize;
        let layout: Vec<String> = (0..pictures.len())
            .map(|n| format!("{}_{}", n % columns * 320, n / columns * 180))
            .collect();
        graph.push(format!(
            "{}xstack=inputs={}:layout={}:fill=black[vout]",
            pictures.concat(),
            pictures.len(),
            layout.join("|")
        ));
    }
    args.push("-filter_complex".into());
    args.push(graph.join(";"));
    let video = !pictures.is_empty();
    if video {
        args.extend(["-map", "[vout]"].map(String::from));
    }
    if !voices.is_empty() {
        args.extend(["-map", "[aout]"].map(String::from));
    }
    if video {
        args.extend(
            [
                "-c:v",
                "libvpx",
                "-deadline",
                "realtime",
                "-cpu-used",
                "8",
                "-b:v",
                "800k",
            ]
            .map(String::from),
        );
    }
    if !voices.is_empty() {
        args.extend(["-c:a", "libopus", "-b:a", "64k"].map(String::from));
    }
    // As long as the recording ran, not longer (a padded or clone-held tile would go on).
    args.push("-t".into());
    args.push(format!("{:.3}", manifest.duration_ms as f64 / 1000.0));
    let (name, mime) = if video {
        (format!("meeting-{stamp}.webm"), "video/webm")
    } else {
        (format!("meeting-{stamp}.ogg"), "audio/ogg")
    };
    let path = dir.join(&name);
    args.push(path.to_string_lossy().into_owned());
    (args, Output { path, name, mime })
}

/// Runs ffmpeg over the tracks; why not, if it could not.
async fn mix(
    ffmpeg: &Path,
    dir: &Path,
    manifest: &RecordingManifest,
    stamp: &str,
) -> Result<Output, String> {
    let (args, output) = mix_args(dir, manifest, stamp);
    let run = tokio::process::Command::new(ffmpeg)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        // The server stopping mid-mix takes ffmpeg with it.
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| format!("{} cannot run: {e}", ffmpeg.display()))?;
    if !run.status.success() {
        let said = String::from_utf8_lossy(&run.stderr);
        return Err(format!("ffmpeg failed ({}): {}", run.status, said.trim()));
    }
    Ok(output)
}

/// Puts a file in the blob store and shares it in the room as `by`'s.
async fn share(
    state: &AppState,
    conversation: u64,
    by: UserId,
    output: &Output,
) -> Result<(), String> {
    let file = tokio::fs::File::open(&output.path)
        .await
        .map_err(|e| e.to_string())?;
    let size = file.metadata().await.map_err(|e| e.to_string())?.len();
    let upload = confer_files::new_upload_id();
    let body: confer_files::Body = Box::pin(tokio_util::io::ReaderStream::new(file));
    state
        .blobs
        .append(&upload, 0, size, body)
        .await
        .map_err(|e| e.to_string())?;
    let content = state
        .blobs
        .finish(&upload, None)
        .await
        .map_err(|e| e.to_string())?;
    let record = FileRecord {
        id: upload,
        conversation,
        uploader: by,
        name: output.name.clone(),
        mime: output.mime.to_owned(),
        size,
        content,
        created_at: state.now(),
        seq: None,
        thumbnail: None,
        dimensions: None,
    };
    let op = WriteOp::ShareRecording {
        user: by,
        file: Box::new(record),
    };
    state.writer.write(op).await.map_err(|e| e.to_string())?;
    tracing::info!(conversation, name = %output.name, size, "recording shared");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(file: &str, kind: &str, start_ms: u64) -> TrackFile {
        TrackFile {
            file: file.into(),
            kind: kind.into(),
            identity: "x".into(),
            source: 1,
            start_ms,
            duration_ms: 1000,
            units: 10,
        }
    }

    #[test]
    fn voices_are_delayed_and_summed_and_pictures_put_on_a_grid() {
        let manifest = RecordingManifest {
            room: "1".into(),
            started_ms: 0,
            duration_ms: 5_250,
            tracks: vec![
                track("01-a-audio.ogg", "audio", 0),
                track("02-a-video.webm", "video", 1_500),
                track("03-b-audio.ogg", "audio", 800),
                track("04-b-video.webm", "video", 2_000),
                track("05-c-video.webm", "video", 2_100),
            ],
        };
        let (args, out) = mix_args(Path::new("/r"), &manifest, "2026-12-04-0300");
        assert_eq!(out.name, "meeting-2026-12-04-0300.webm");
        assert_eq!(out.mime, "video/webm");
        let graph = &args[args.iter().position(|a| a == "-filter_complex").unwrap() + 1];
        assert!(graph.contains("[2:a]adelay=800:all=1[a2]"), "{graph}");
        assert!(graph.contains("[a0][a2]amix=inputs=2"), "{graph}");
        assert!(graph.contains("tpad=start_duration=1.500"), "{graph}");
        // Three pictures on a 2x2 grid.
        assert!(
            graph.contains("[v1][v3][v4]xstack=inputs=3:layout=0_0|320_0|0_180"),
            "{graph}"
        );
        assert!(args.windows(2).any(|w| w == ["-t", "5.250"]));
        assert_eq!(args.last().unwrap(), "/r/meeting-2026-12-04-0300.webm");
    }

    #[test]
    fn voices_alone_make_an_ogg_file() {
        let manifest = RecordingManifest {
            room: "1".into(),
            started_ms: 0,
            duration_ms: 1_000,
            tracks: vec![track("01-a-audio.ogg", "audio", 0)],
        };
        let (args, out) = mix_args(Path::new("/r"), &manifest, "s");
        assert_eq!(
            (out.name.as_str(), out.mime),
            ("meeting-s.ogg", "audio/ogg")
        );
        assert!(!args.iter().any(|a| a == "[vout]"));
    }

    #[test]
    fn stamps_are_utc_minutes() {
        // 2026-12-04 03:07:59 UTC.
        assert_eq!(stamp(1_796_353_679_000), "2026-12-04-0307");
    }
}
