//! The app's phone: at most one call at a time, driven by the UI (place, accept, decline, hang
//! up, mute, camera) and by the server (a call ringing here, the other side hanging up). Every
//! change goes to the UI as [`ClientEvent::Call`] with the whole [`CallView`]; pictures go
//! through the [`FrameServer`].
//!
//! Devices come from the profile's [`DeviceSettings`] (none chosen: the system default, or the
//! synthetic tone and test pattern on a machine without them), so the app never fails for lack
//! of a sound card or a camera.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use confer_media::{
    AudioSink, AudioSource, VideoSource, hardware,
    synthetic::{NullSink, PatternCamera, ToneSource},
};
use confer_proto::{CallEnd, CallInfo, Event};
use serde::Serialize;
use tokio::sync::{broadcast, mpsc, watch};
use ts_rs::TS;

use crate::{
    Client, ClientEvent, CoreError, DeviceSettings,
    call::{ActiveCall, CallMedia},
    frames::{FrameServer, FrameStream},
};

/// Where a call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CallPhase {
    /// Ringing here: accept or decline.
    Ringing,
    /// Placed from here, waiting for an answer.
    Calling,
    /// Answered; the media is connecting.
    Connecting,
    /// Talking.
    Active,
    /// Over (the view shows why, then goes).
    Ended,
}

/// A call as the UI shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct CallView {
    /// The call's id.
    #[ts(type = "number")]
    pub id: u64,
    /// Its direct conversation.
    #[ts(type = "number")]
    pub conversation: u64,
    /// The other party.
    pub peer: String,
    /// Rung here (else placed from here).
    pub incoming: bool,
    /// A video call.
    pub video: bool,
    /// Where it stands.
    pub phase: CallPhase,
    /// When the talk began (ms since the epoch), once active.
    #[ts(type = "number | null")]
    pub started_at: Option<i64>,
    /// Why it ended.
    pub ended: Option<CallEnd>,
    /// What failed, when the media could not connect (English, for the log; the UI says
    /// "the call could not connect").
    pub error: Option<String>,
    /// This side's microphone is muted.
    pub muted: bool,
    /// This side's camera is off.
    pub camera_off: bool,
    /// Round trip on the media path, milliseconds.
    pub rtt_ms: Option<f64>,
    /// Share of the other side's audio lost, percent.
    pub loss_pct: Option<f64>,
    /// The last device unplugged during the call, and what took its place.
    pub device_change: Option<DeviceChange>,
}

/// A device unplugged during a call, and the system default that took its place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DeviceChange {
    /// `microphone`, `speaker` or `camera`.
    pub kind: String,
    /// The name of the device that went.
    pub lost: String,
    /// The name of the default now used (none: there is none; the call goes on without).
    pub now: Option<String>,
}

impl From<confer_media::peer::DeviceNotice> for DeviceChange {
    fn from(n: confer_media::peer::DeviceNotice) -> Self {
        Self {
            kind: kind_name(n.kind).to_owned(),
            lost: n.lost,
            now: n.now,
        }
    }
}

fn kind_name(kind: confer_media::DeviceKind) -> &'static str {
    match kind {
        confer_media::DeviceKind::Microphone => "microphone",
        confer_media::DeviceKind::Speaker => "speaker",
        confer_media::DeviceKind::Camera => "camera",
    }
}

/// Someone this device hears or sees in a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct MeetingPeerView {
    /// Their name as the meeting shows it (an account name, or an external guest's chosen
    /// one); none until the meeting's list names them.
    pub name: Option<String>,
    /// The media source the SFU names them by.
    pub source: u32,
    /// Speaking now (the highlight).
    pub speaking: bool,
    /// The tile their pictures arrive on (frame stream 2 + tile); none while not seen.
    pub tile: Option<u8>,
}

/// This device's sound in a meeting, as the UI shows it: the microphone and speaker of a
/// call, and the camera when chosen, joined to the meeting the user is in (one room's, or one
/// group's, at a time); the others' pictures come as the frame socket's tiles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct MeetingSoundView {
    /// The meeting's room or group.
    #[ts(type = "number")]
    pub conversation: u64,
    /// Where it stands.
    pub phase: MeetingSoundPhase,
    /// This device's microphone is muted here (a moderator's mute is the meeting's, shown
    /// with it).
    pub muted: bool,
    /// This device sends pictures (its camera, the self view on frame stream 1).
    pub camera: bool,
    /// Who is heard or seen, in the order first received.
    pub people: Vec<MeetingPeerView>,
    /// What failed, when it could not connect (English, for the log; the UI says the sound
    /// could not connect).
    pub error: Option<String>,
}

/// Where a meeting's sound stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MeetingSoundPhase {
    /// Asking the SFU and connecting.
    Connecting,
    /// Heard and hearing.
    Connected,
    /// Over: closed here, cut by the server (left the meeting elsewhere, removed), or it
    /// failed (see `error`).
    Ended,
}

/// The meeting sound going on, and the task that owns its connection.
struct Sound {
    view: MeetingSoundView,
    control: watch::Sender<SoundControl>,
    task: tokio::task::JoinHandle<()>,
}

/// What the UI asks of a meeting's sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SoundControl {
    Talk { muted: bool },
    Close,
}

/// What the UI asks of a call in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Control {
    Talk { muted: bool, camera_off: bool },
    HangUp,
}

struct Current {
    view: CallView,
    /// The ringing call's description (to accept it).
    ringing: Option<CallInfo>,
    control: Option<watch::Sender<Control>>,
    /// Devices chosen during the call.
    devices: Option<mpsc::UnboundedSender<DeviceSettings>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// The phone of a signed-in client.
pub struct Phone {
    client: Arc<Client>,
    frames: Arc<FrameServer>,
    current: Arc<Mutex<Option<Current>>>,
    /// The meeting's sound, when on (never together with a call: one microphone).
    sound: Arc<Mutex<Option<Sound>>>,
    /// Hears the server's call events; stops with the phone.
    listener: tokio::task::JoinHandle<()>,
}

impl Drop for Phone {
    fn drop(&mut self) {
        self.listener.abort();
        if let Some(c) = self.current.lock().expect("phone poisoned").take()
            && let Some(task) = c.task
        {
            task.abort();
        }
        if let Some(sound) = self.sound.lock().expect("phone poisoned").take() {
            sound.task.abort();
        }
    }
}

fn emit_sound(client: &Client, view: &MeetingSoundView) {
    client.inner.emit(ClientEvent::MeetingSound {
        sound: view.clone(),
    });
}

fn emit(client: &Client, view: &CallView) {
    client.inner.emit(ClientEvent::Call { call: view.clone() });
}

impl Phone {
    /// A phone for `client`, publishing pictures through `frames`.
    pub fn start(client: Arc<Client>, frames: Arc<FrameServer>) -> Self {
        let current: Arc<Mutex<Option<Current>>> = Arc::default();
        let listener = tokio::spawn(listen(client.clone(), current.clone()));
        Self {
            client,
            frames,
            current,
            sound: Arc::default(),
            listener,
        }
    }

    /// The call in progress, if any.
    pub fn current(&self) -> Option<CallView> {
        self.current
            .lock()
            .expect("phone poisoned")
            .as_ref()
            .map(|c| c.view.clone())
    }

    /// Calls the other member of a direct conversation.
    pub async fn place(&self, conversation: u64, video: bool) -> Result<CallView, CoreError> {
        let peer = self
            .client
            .conversations()
            .await?
            .into_iter()
            .find(|c| c.info.id == conversation)
            .and_then(|c| {
                c.info
                    .members
                    .into_iter()
                    .find(|m| !m.eq_ignore_ascii_case(self.client.me()))
            })
            .ok_or_else(|| {
                CoreError::NotFound(format!("no direct conversation {conversation}").into())
            })?;
        let view = CallView {
            id: 0,
            conversation,
            peer,
            incoming: false,
            video,
            phase: CallPhase::Calling,
            started_at: None,
            ended: None,
            error: None,
            muted: false,
            camera_off: false,
            rtt_ms: None,
            loss_pct: None,
            device_change: None,
        };
        self.run(view.clone(), None)?;
        Ok(view)
    }

    /// Accepts the call ringing here (`video`: send this side's camera too).
    pub fn accept(&self, call: u64, video: bool) -> Result<(), CoreError> {
        let (view, info) = {
            let mut current = self.current.lock().expect("phone poisoned");
            match current.as_mut() {
                Some(c) if c.view.id == call && c.view.phase == CallPhase::Ringing => {
                    let info = c
                        .ringing
                        .take()
                        .expect("a ringing call has its description");
                    let mut view = c.view.clone();
                    view.phase = CallPhase::Connecting;
                    view.camera_off = !video;
                    (view, info)
                }
                _ => {
                    return Err(CoreError::NotFound(
                        format!("call {call} is not ringing").into(),
                    ));
                }
            }
        };
        self.run(view, Some(info))
    }

    /// Declines the call ringing here.
    pub async fn decline(&self, call: u64) -> Result<(), CoreError> {
        let ringing = self
            .current
            .lock()
            .expect("phone poisoned")
            .take_if(|c| c.view.id == call && c.view.phase == CallPhase::Ringing);
        if let Some(mut c) = ringing {
            c.view.phase = CallPhase::Ended;
            c.view.ended = Some(CallEnd::Declined);
            emit(&self.client, &c.view);
        }
        self.client.decline_call(call).await
    }

    /// Hangs up the call in progress (placed, connecting or active).
    pub fn hang_up(&self) {
        if let Some(c) = self.current.lock().expect("phone poisoned").as_ref()
            && let Some(control) = &c.control
        {
            control.send_replace(Control::HangUp);
        }
    }

    /// Mutes or unmutes this side; turns the camera off or on.
    pub fn set_controls(&self, muted: bool, camera_off: bool) {
        let mut current = self.current.lock().expect("phone poisoned");
        if let Some(c) = current.as_mut() {
            c.view.muted = muted;
            c.view.camera_off = camera_off;
            if let Some(control) = &c.control {
                control.send_replace(Control::Talk { muted, camera_off });
            }
            emit(&self.client, &c.view);
        }
    }

    /// Remembers the devices chosen (microphone, speaker, camera) and, in a call, switches to
    /// them at once.
    pub fn use_devices(
        &self,
        microphone: Option<String>,
        speaker: Option<String>,
        camera: Option<String>,
    ) -> Result<(), CoreError> {
        let cache = &self.client.inner.cache;
        let mut settings = cache.device_settings()?;
        settings.microphone = microphone;
        settings.speaker = speaker;
        settings.camera = camera;
        cache.set_device_settings(&settings)?;
        if let Some(c) = self.current.lock().expect("phone poisoned").as_ref()
            && let Some(devices) = &c.devices
        {
            let _ = devices.send(settings);
        }
        Ok(())
    }

    /// This device's sound in a meeting, while it is on.
    pub fn meeting_sound(&self) -> Option<MeetingSoundView> {
        self.sound
            .lock()
            .expect("phone poisoned")
            .as_ref()
            .map(|s| s.view.clone())
    }

    /// Connects this device's microphone and speaker (the profile's, as for calls), and its
    /// camera with `camera`, to the meeting of `conversation`, which the user is in; moves
    /// them from another meeting's. The others' pictures go to the frame socket's tiles.
    /// Every change then comes as [`ClientEvent::MeetingSound`]. Refused during a call.
    pub async fn join_meeting_sound(
        &self,
        conversation: u64,
        camera: bool,
    ) -> Result<MeetingSoundView, CoreError> {
        if self.current().is_some_and(|c| c.phase != CallPhase::Ended) {
            return Err(CoreError::Invalid(
                "a call is going on: hang up before joining a meeting's sound".into(),
            ));
        }
        self.leave_meeting_sound().await;
        let settings = self.client.inner.cache.device_settings()?;
        let mut media = media_for(&settings, camera, &self.frames);
        media.view = Some(Box::new(self.frames.tiles()));
        let mut view = MeetingSoundView {
            conversation,
            phase: MeetingSoundPhase::Connecting,
            muted: false,
            camera,
            people: Vec::new(),
            error: None,
        };
        emit_sound(&self.client, &view);
        let active = match self
            .client
            .join_meeting_media(conversation, media, crate::meeting::MAX_HEARD)
            .await
        {
            Ok(active) => active,
            Err(e) => {
                view.phase = MeetingSoundPhase::Ended;
                view.error = Some(e.to_string());
                emit_sound(&self.client, &view);
                return Err(e);
            }
        };
        view.phase = MeetingSoundPhase::Connected;
        let (control, controls) = watch::channel(SoundControl::Talk { muted: false });
        let mut sound = self.sound.lock().expect("phone poisoned");
        let task = tokio::spawn(sound_task(
            self.client.clone(),
            self.frames.clone(),
            self.sound.clone(),
            active,
            controls,
        ));
        *sound = Some(Sound {
            view: view.clone(),
            control,
            task,
        });
        emit_sound(&self.client, &view);
        Ok(view)
    }

    /// Mutes or unmutes this device's microphone in the meeting.
    pub fn set_meeting_muted(&self, muted: bool) {
        if let Some(sound) = self.sound.lock().expect("phone poisoned").as_mut() {
            sound.view.muted = muted;
            sound.control.send_replace(SoundControl::Talk { muted });
            emit_sound(&self.client, &sound.view);
        }
    }

    /// Closes this device's sound in the meeting (the user stays in the meeting); returns
    /// once the connection is closed.
    pub async fn leave_meeting_sound(&self) {
        let sound = self.sound.lock().expect("phone poisoned").take();
        if let Some(sound) = sound {
            sound.control.send_replace(SoundControl::Close);
            let _ = sound.task.await;
        }
    }

    /// Starts the call task: places (no `info`) or accepts (`info`) and talks until the end.
    fn run(&self, view: CallView, info: Option<CallInfo>) -> Result<(), CoreError> {
        let mut current = self.current.lock().expect("phone poisoned");
        if let Some(c) = current.as_ref()
            && c.view.phase != CallPhase::Ended
            && !(c.view.phase == CallPhase::Ringing && info.is_some())
        {
            return Err(CoreError::Invalid("a call is going on already".into()));
        }
        if self.meeting_sound().is_some() {
            return Err(CoreError::Invalid(
                "this device's sound is in a meeting: leave it first".into(),
            ));
        }
        let settings = self.client.inner.cache.device_settings()?;
        let media = media_for(&settings, view.video && !view.camera_off, &self.frames);
        let (control, controls) = watch::channel(Control::Talk {
            muted: false,
            camera_off: view.camera_off,
        });
        let (devices, chosen) = mpsc::unbounded_channel();
        emit(&self.client, &view);
        let task = tokio::spawn(call_task(
            self.client.clone(),
            self.frames.clone(),
            self.current.clone(),
            view.clone(),
            info,
            media,
            (controls, chosen),
        ));
        *current = Some(Current {
            view,
            ringing: None,
            control: Some(control),
            devices: Some(devices),
            task: Some(task),
        });
        Ok(())
    }
}

/// The profile's microphone (a synthetic one, the chosen device, else the system default, else
/// the test tone: the app never fails for lack of a sound card).
fn open_microphone(settings: &DeviceSettings) -> Box<dyn AudioSource> {
    let tone =
        || Box::new(ToneSource::new(440.0, 0.3).expect("a valid tone")) as Box<dyn AudioSource>;
    if is_synthetic(&settings.microphone) || !hardware::available() {
        return tone();
    }
    match hardware::open_microphone(settings.microphone.as_deref()) {
        Ok(mic) => Box::new(mic),
        Err(e) => {
            tracing::warn!(error = %e, "the chosen microphone is missing; the default is used");
            match hardware::open_microphone(None) {
                Ok(mic) => Box::new(mic),
                Err(_) => tone(),
            }
        }
    }
}

/// The profile's speaker, as [`open_microphone`] (nothing plays without one).
fn open_speaker(settings: &DeviceSettings) -> Box<dyn AudioSink> {
    if is_synthetic(&settings.speaker) || !hardware::available() {
        return Box::new(NullSink);
    }
    match hardware::open_speaker(settings.speaker.as_deref()) {
        Ok(speaker) => Box::new(speaker),
        Err(_) => match hardware::open_speaker(None) {
            Ok(speaker) => Box::new(speaker),
            Err(_) => Box::new(NullSink),
        },
    }
}

fn is_synthetic(id: &Option<String>) -> bool {
    id.as_deref().is_some_and(|i| i.starts_with("synthetic:"))
}

/// The profile's camera: the chosen one, else the first, else the moving test pattern (the app
/// never fails for lack of a camera).
pub(crate) fn open_camera(settings: &DeviceSettings) -> Box<dyn VideoSource> {
    let pattern = || {
        Box::new(PatternCamera::new(640, 360, 30).expect("a valid pattern")) as Box<dyn VideoSource>
    };
    if is_synthetic(&settings.camera) {
        return pattern();
    }
    match confer_media::camera::open_camera(settings.camera.as_deref())
        .or_else(|_| confer_media::camera::open_camera(None))
    {
        Ok(camera) => Box::new(camera),
        Err(e) => {
            tracing::info!(error = %e, "no camera: the test pattern stands in");
            pattern()
        }
    }
}

/// The devices of a call from the profile's choices, falling back on what exists.
fn media_for(settings: &DeviceSettings, camera: bool, frames: &FrameServer) -> CallMedia {
    let camera: Option<Box<dyn VideoSource>> = camera.then(|| {
        Box::new(SelfView {
            camera: open_camera(settings),
            view: frames.sink(FrameStream::Local),
        }) as Box<dyn VideoSource>
    });
    CallMedia {
        source: open_microphone(settings),
        sink: open_speaker(settings),
        camera,
        view: Some(Box::new(frames.sink(FrameStream::Remote))),
        relay_only: false,
        original_sound: false,
    }
}

/// A camera whose every frame also goes to the self view.
struct SelfView {
    camera: Box<dyn VideoSource>,
    view: crate::frames::FrameSink,
}

impl VideoSource for SelfView {
    fn next_frame(&mut self) -> Result<confer_media::Frame, confer_media::MediaError> {
        let frame = self.camera.next_frame()?;
        confer_media::VideoSink::frame(&mut self.view, &frame)?;
        Ok(frame)
    }

    fn frame_rate(&self) -> u32 {
        self.camera.frame_rate()
    }
}

/// Hears calls ringing here and their ends while they ring.
async fn listen(client: Arc<Client>, current: Arc<Mutex<Option<Current>>>) {
    let mut events = client.subscribe_calls();
    loop {
        let event = match events.recv().await {
            Ok(e) => e,
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return,
        };
        match event {
            Event::CallRinging { call } => {
                let mut cur = current.lock().expect("phone poisoned");
                if cur
                    .as_ref()
                    .is_some_and(|c| c.view.phase != CallPhase::Ended)
                {
                    // Busy here: the server refuses a second call, so this is another device's
                    // race; leave it ringing elsewhere.
                    continue;
                }
                let view = CallView {
                    id: call.id,
                    conversation: call.conversation,
                    peer: call.caller.clone(),
                    incoming: true,
                    video: call.video,
                    phase: CallPhase::Ringing,
                    started_at: None,
                    ended: None,
                    error: None,
                    muted: false,
                    camera_off: false,
                    rtt_ms: None,
                    loss_pct: None,
                    device_change: None,
                };
                emit(&client, &view);
                *cur = Some(Current {
                    view,
                    ringing: Some(call),
                    control: None,
                    devices: None,
                    task: None,
                });
            }
            Event::CallEnded { call, reason } => {
                let mut cur = current.lock().expect("phone poisoned");
                if let Some(c) = cur.as_mut()
                    && c.view.id == call
                    && c.view.phase == CallPhase::Ringing
                {
                    c.view.phase = CallPhase::Ended;
                    c.view.ended = Some(reason);
                    emit(&client, &c.view);
                    *cur = None;
                }
            }
            _ => {}
        }
    }
}

/// Owns a meeting's sound until the UI closes it or the server cuts it (the user left the
/// meeting elsewhere, or was removed); then says it ended, unless it was replaced.
/// How often who is heard, seen and speaking is looked at: the highlight follows speech
/// within this, and the UI hears of a change only.
const PEOPLE_EVERY: Duration = Duration::from_millis(300);

/// The names of the meeting's media sources are asked for again at most this often when a
/// source nobody is named by shows up (someone who came in since).
const NAMES_EVERY: Duration = Duration::from_secs(2);

async fn sound_task(
    client: Arc<Client>,
    frames: Arc<FrameServer>,
    sound: Arc<Mutex<Option<Sound>>>,
    active: crate::meeting::ActiveMeeting,
    mut controls: watch::Receiver<SoundControl>,
) {
    let conversation = active.conversation;
    let mut names: HashMap<u32, String> = HashMap::new();
    let mut named_at: Option<Instant> = None;
    let mut look = tokio::time::interval(PEOPLE_EVERY);
    look.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let closed_here = loop {
        tokio::select! {
            changed = controls.changed() => {
                match changed.map(|()| *controls.borrow_and_update()) {
                    Ok(SoundControl::Talk { muted }) => active.set_muted(muted),
                    Ok(SoundControl::Close) | Err(_) => break true,
                }
            }
            // Checked a second at a time, so a control is never kept waiting for longer.
            closed = active.closed_within(Duration::from_secs(1)) => {
                if closed {
                    break false;
                }
            }
            _ = look.tick() => {
                let sources = active.stats().await.sources;
                let unnamed = sources.iter().any(|s| !names.contains_key(&s.source));
                if unnamed && named_at.is_none_or(|t| t.elapsed() >= NAMES_EVERY) {
                    named_at = Some(Instant::now());
                    if let Ok((ongoing, _)) = client.meetings().await
                        && let Some(m) = ongoing.iter().find(|m| m.conversation == conversation)
                    {
                        names = crate::meeting::source_names(m);
                    }
                }
                let people: Vec<MeetingPeerView> = sources
                    .iter()
                    .map(|s| MeetingPeerView {
                        name: names.get(&s.source).cloned(),
                        source: s.source,
                        speaking: s.speaking,
                        tile: s.tile.and_then(|t| u8::try_from(t).ok()),
                    })
                    .collect();
                let mut now = sound.lock().expect("phone poisoned");
                if let Some(s) = now.as_mut().filter(|s| s.view.conversation == conversation)
                    && s.view.people != people
                {
                    s.view.people = people;
                    emit_sound(&client, &s.view);
                }
            }
        }
    };
    if let Err(e) = active.finish().await {
        tracing::debug!(error = %e, "closing the meeting's sound");
    }
    frames.clear_tiles();
    frames.clear(FrameStream::Local);
    if closed_here {
        // The caller took it out of the slot and says what comes next.
        client.inner.emit(ClientEvent::MeetingSound {
            sound: MeetingSoundView {
                conversation,
                phase: MeetingSoundPhase::Ended,
                muted: false,
                camera: false,
                people: Vec::new(),
                error: None,
            },
        });
        return;
    }
    let gone = sound
        .lock()
        .expect("phone poisoned")
        .take_if(|s| s.view.conversation == conversation);
    if let Some(mut s) = gone {
        s.view.phase = MeetingSoundPhase::Ended;
        emit_sound(&client, &s.view);
    }
}

fn set_view(client: &Client, current: &Mutex<Option<Current>>, view: &CallView) {
    if let Some(c) = current.lock().expect("phone poisoned").as_mut() {
        // Keep what the UI changed meanwhile.
        let (muted, camera_off) = (c.view.muted, c.view.camera_off);
        c.view = CallView {
            muted,
            camera_off,
            ..view.clone()
        };
        emit(client, &c.view);
    }
}

async fn call_task(
    client: Arc<Client>,
    frames: Arc<FrameServer>,
    current: Arc<Mutex<Option<Current>>>,
    mut view: CallView,
    info: Option<CallInfo>,
    media: CallMedia,
    (mut controls, mut chosen): (
        watch::Receiver<Control>,
        mpsc::UnboundedReceiver<DeviceSettings>,
    ),
) {
    // The id of a call placed from here, once the server gave it (to hang it up early).
    let placed = std::sync::atomic::AtomicU64::new(view.id);
    let setup = async {
        match info {
            Some(info) => client.accept(info, media).await,
            None => {
                let events = client.subscribe_calls();
                let info = client.place_call(view.conversation, view.video).await?;
                placed.store(info.id, std::sync::atomic::Ordering::Relaxed);
                let mut calling = view.clone();
                calling.id = info.id;
                set_view(&client, &current, &calling);
                client.connect_placed(info, events, media).await
            }
        }
    };
    // Hanging up while it rings or connects gives the setup up.
    let hang_up_early = async {
        let _ = controls.wait_for(|c| *c == Control::HangUp).await;
    };
    let call: Option<ActiveCall> = tokio::select! {
        r = setup => match r {
            Ok(call) => Some(call),
            Err(e) => {
                view.phase = CallPhase::Ended;
                view.error = Some(e.to_string());
                None
            }
        },
        () = hang_up_early => {
            view.phase = CallPhase::Ended;
            view.ended = Some(CallEnd::HungUp);
            None
        }
    };
    view.id = placed.load(std::sync::atomic::Ordering::Relaxed);
    if call.is_none() && view.ended == Some(CallEnd::HungUp) && view.id != 0 {
        // Given up while it rang or connected: the server ends it for both sides.
        let _ = client.hang_up(view.id).await;
    }
    if let Some(mut call) = call {
        view.id = call.info.id;
        view.phase = CallPhase::Active;
        view.started_at = Some(crate::now_ms());
        set_view(&client, &current, &view);
        let mut notices = call.device_notices();
        loop {
            let control = *controls.borrow_and_update();
            match control {
                Control::HangUp => break,
                Control::Talk { muted, camera_off } => call.set_controls(muted, camera_off),
            }
            tokio::select! {
                () = call.talk(Duration::from_secs(1)) => {
                    if let Some(reason) = call.ended_by_peer() {
                        view.ended = Some(reason);
                        break;
                    }
                    let stats = call.stats().await;
                    view.rtt_ms = Some(stats.rtt_ms);
                    let expected = stats.packets_received + stats.packets_lost;
                    view.loss_pct = (expected > 0)
                        .then(|| 100.0 * stats.packets_lost as f64 / expected as f64);
                    set_view(&client, &current, &view);
                }
                r = controls.changed() => if r.is_err() { break },
                Some(settings) = chosen.recv() => {
                    // Opening asks the sound system: off the async threads.
                    let opened = tokio::task::spawn_blocking(move || {
                        (open_microphone(&settings), open_speaker(&settings))
                    })
                    .await;
                    if let Ok((source, sink)) = opened
                        && let Err(e) = call.use_microphone(source).and(call.use_speaker(sink))
                    {
                        tracing::warn!(error = %e, "the chosen devices could not be used");
                    }
                }
                Ok(notice) = notices.recv() => {
                    view.device_change = Some(notice.into());
                    set_view(&client, &current, &view);
                }
            }
        }
        if let Err(e) = call.finish(&client).await {
            view.error = Some(e.to_string());
        }
        view.ended.get_or_insert(CallEnd::HungUp);
        view.phase = CallPhase::Ended;
    }
    frames.clear(FrameStream::Remote);
    frames.clear(FrameStream::Local);
    set_view(&client, &current, &view);
    let mut cur = current.lock().expect("phone poisoned");
    if cur
        .as_ref()
        .is_some_and(|c| c.view.phase == CallPhase::Ended)
    {
        *cur = None;
    }
}

/// A device calls can use, as the device dialog lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DeviceEntry {
    /// Its id (remembered in the profile's settings).
    pub id: String,
    /// What the user sees.
    pub name: String,
    /// `microphone`, `speaker` or `camera`.
    pub kind: String,
    /// A synthetic device (test tone, test pattern).
    pub synthetic: bool,
}

/// The machine's microphones and speakers (defaults first) and cameras, then the synthetic
/// devices. Slow
/// (it asks the sound system): call it off the async threads.
pub fn devices() -> Vec<DeviceEntry> {
    hardware::devices()
        .into_iter()
        .chain(confer_media::camera::cameras())
        .chain(confer_media::synthetic::devices())
        .map(|d| DeviceEntry {
            id: d.id,
            name: d.name,
            kind: kind_name(d.kind).to_owned(),
            synthetic: d.synthetic,
        })
        .collect()
}

/// Watches the machine's devices: `on_change` gets the whole list at start and whenever it
/// changes (a headset plugged in or out), within about a second. Dropping it stops watching.
pub struct DeviceWatch {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for DeviceWatch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl DeviceWatch {
    /// Starts watching, asking the sound system every `every`.
    pub fn start(every: Duration, on_change: impl Fn(&[DeviceEntry]) + Send + 'static) -> Self {
        let task = tokio::spawn(async move {
            let mut last: Option<Vec<DeviceEntry>> = None;
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                // Asking the sound system blocks: off the async threads.
                let Ok(now) = tokio::task::spawn_blocking(devices).await else {
                    return;
                };
                if last.as_ref() != Some(&now) {
                    on_change(&now);
                    last = Some(now);
                }
            }
        });
        Self { task }
    }
}
