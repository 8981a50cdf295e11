//! Tauri commands: each a few lines that call the client core.

use std::{sync::Arc, time::Duration};

use confer_core::{
    CachedMessage, Client, ClientConfig, ClientEvent, ConversationView, Favourites, Invitation,
    Meetings, Settings, UnreadTotals,
};
use confer_proto::{DirectoryEntry, Presence, PresenceChoice, ScheduledMeeting};
use tauri::{AppHandle, Manager, State, ipc::Channel};

use crate::{AppState, error::UiError};

fn client(state: &AppState) -> Result<Arc<Client>, UiError> {
    state
        .client
        .lock()
        .expect("state poisoned")
        .clone()
        .ok_or_else(|| UiError::new("signed_out", "Sign in first."))
}

/// Signs in (or resumes a stored session) and keeps the client. `server` is one address or
/// several separated by commas, tried in order when one is down.
#[tauri::command]
pub async fn sign_in(
    app: AppHandle,
    state: State<'_, AppState>,
    server: String,
    user: String,
    password: Option<String>,
) -> Result<String, UiError> {
    let servers = confer_core::parse_servers(&server)?;
    // Named after the first server, so a profile made with one address is found again.
    let profile = state.profile.clone().unwrap_or(
        app.path()
            .app_data_dir()?
            .join(crate::profile_name(&servers[0], &user)),
    );
    let config = ClientConfig {
        servers,
        user,
        // The form's password, else the one given to a command-line launch.
        password: password.filter(|p| !p.is_empty()).or_else(|| {
            std::env::var("CONFER_PASSWORD")
                .ok()
                .filter(|p| !p.is_empty())
        }),
        profile,
        device: "desktop".into(),
        connect_timeout: Duration::from_secs(10),
        use_keyring: std::env::var("CONFER_CREDENTIALS").map_or(true, |v| v != "file"),
        heartbeat: confer_core::connection::HEARTBEAT,
    };
    let client = Client::open(config, true)?;
    client.wait_synced(Duration::from_secs(20)).await?;
    let me = client.me().to_owned();
    let client = Arc::new(client);
    let desktop = crate::desktop::start(app.clone(), client.clone());
    if let Some(old) = state
        .desktop
        .lock()
        .expect("state poisoned")
        .replace(desktop)
    {
        old.abort();
    }
    // The phone, and the frame socket its pictures go through (started once per app).
    let running = state.frames.lock().expect("state poisoned").clone();
    let frames = match running {
        Some(frames) => frames,
        None => {
            let frames = Arc::new(confer_core::frames::FrameServer::start().await?);
            *state.frames.lock().expect("state poisoned") = Some(frames.clone());
            frames
        }
    };
    let phone = Arc::new(confer_core::phone::Phone::start(client.clone(), frames));
    // Devices plugged in or out reach the UI as a `devices` event (the whole list).
    let events = app.clone();
    let watch = confer_core::phone::DeviceWatch::start(Duration::from_secs(1), move |list| {
        let _ = tauri::Emitter::emit(&events, "devices", list);
    });
    *state.device_watch.lock().expect("state poisoned") = Some(watch);
    *state.phone.lock().expect("state poisoned") = Some(phone);
    *state.client.lock().expect("state poisoned") = Some(client);
    Ok(me)
}

fn phone(state: &AppState) -> Result<Arc<confer_core::phone::Phone>, UiError> {
    state
        .phone
        .lock()
        .expect("state poisoned")
        .clone()
        .ok_or_else(|| UiError::new("signed_out", "Sign in first."))
}

/// Calls the other member of a direct conversation.
#[tauri::command]
pub async fn place_call(
    state: State<'_, AppState>,
    conversation: u64,
    video: bool,
) -> Result<confer_core::phone::CallView, UiError> {
    Ok(phone(&state)?.place(conversation, video).await?)
}

/// Accepts the call ringing here.
#[tauri::command]
pub async fn accept_call(
    state: State<'_, AppState>,
    call: u64,
    video: bool,
) -> Result<(), UiError> {
    Ok(phone(&state)?.accept(call, video)?)
}

/// Declines the call ringing here.
#[tauri::command]
pub async fn decline_call(state: State<'_, AppState>, call: u64) -> Result<(), UiError> {
    Ok(phone(&state)?.decline(call).await?)
}

/// Hangs up the call in progress.
#[tauri::command]
pub async fn hang_up(state: State<'_, AppState>) -> Result<(), UiError> {
    phone(&state)?.hang_up();
    Ok(())
}

/// Mutes the microphone, turns the camera off (or back on).
#[tauri::command]
pub async fn set_call_controls(
    state: State<'_, AppState>,
    muted: bool,
    camera_off: bool,
) -> Result<(), UiError> {
    phone(&state)?.set_controls(muted, camera_off);
    Ok(())
}

/// Remembers the chosen call devices and, in a call, switches to them at once.
#[tauri::command]
pub async fn use_call_devices(
    state: State<'_, AppState>,
    microphone: Option<String>,
    speaker: Option<String>,
    camera: Option<String>,
) -> Result<(), UiError> {
    Ok(phone(&state)?.use_devices(microphone, speaker, camera)?)
}

/// The call in progress, if any (for a window that opens during one).
#[tauri::command]
pub async fn current_call(
    state: State<'_, AppState>,
) -> Result<Option<confer_core::phone::CallView>, UiError> {
    Ok(phone(&state)?.current())
}

/// Connects this device's microphone and speaker, and its camera with `camera`, to the
/// meeting the user is in; every change then comes as a `meeting_sound` event, the others'
/// pictures as the frame socket's tiles.
#[tauri::command]
pub async fn join_meeting_sound(
    state: State<'_, AppState>,
    conversation: u64,
    camera: bool,
) -> Result<confer_core::phone::MeetingSoundView, UiError> {
    Ok(phone(&state)?
        .join_meeting_sound(conversation, camera)
        .await?)
}

/// Mutes or unmutes this device's microphone in the meeting.
#[tauri::command]
pub async fn set_meeting_sound_muted(
    state: State<'_, AppState>,
    muted: bool,
) -> Result<(), UiError> {
    phone(&state)?.set_meeting_muted(muted);
    Ok(())
}

/// Closes this device's sound in the meeting (the user stays in the meeting).
#[tauri::command]
pub async fn leave_meeting_sound(state: State<'_, AppState>) -> Result<(), UiError> {
    phone(&state)?.leave_meeting_sound().await;
    Ok(())
}

/// This device's sound in a meeting, if on (for a window that opens during one).
#[tauri::command]
pub async fn meeting_sound(
    state: State<'_, AppState>,
) -> Result<Option<confer_core::phone::MeetingSoundView>, UiError> {
    Ok(phone(&state)?.meeting_sound())
}

/// A one-time URL of the loopback socket that carries the call's pictures.
#[tauri::command]
pub async fn frame_socket(state: State<'_, AppState>) -> Result<String, UiError> {
    let frames = state.frames.lock().expect("state poisoned").clone();
    frames
        .map(|f| f.mint())
        .ok_or_else(|| UiError::new("signed_out", "Sign in first."))
}

/// Starts the device test: the microphone's level ten times a second on `levels`, and the
/// camera's preview in the frame socket's local stream. Replaces a test already running.
#[tauri::command]
pub async fn start_device_test(
    state: State<'_, AppState>,
    microphone: Option<String>,
    camera: bool,
    levels: Channel<confer_core::device_test::LevelReading>,
) -> Result<(), UiError> {
    let frames = state
        .frames
        .lock()
        .expect("state poisoned")
        .clone()
        .ok_or_else(|| UiError::new("signed_out", "Sign in first."))?;
    let test = confer_core::device_test::DeviceTest::start(microphone, camera, frames, move |l| {
        let _ = levels.send(l);
    })?;
    *state.device_test.lock().expect("state poisoned") = Some(test);
    Ok(())
}

/// Stops the device test.
#[tauri::command]
pub async fn stop_device_test(state: State<'_, AppState>) -> Result<(), UiError> {
    state.device_test.lock().expect("state poisoned").take();
    Ok(())
}

/// Plays a one-second test tone on a speaker (the default when none is given).
#[tauri::command]
pub async fn test_tone(speaker: Option<String>) -> Result<(), UiError> {
    Ok(confer_core::device_test::test_tone(speaker).await?)
}

/// The microphones, speakers and cameras calls can use.
#[tauri::command]
pub async fn devices() -> Result<Vec<confer_core::phone::DeviceEntry>, UiError> {
    Ok(tokio::task::spawn_blocking(confer_core::phone::devices)
        .await
        .unwrap_or_default())
}

/// Signs out: the server revokes this device's session, the token is forgotten and the client
/// stops; the UI then shows the sign-in form. Succeeds offline too (the token is gone either
/// way; the server's session ends when it is revoked or expires).
#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Result<(), UiError> {
    if let Some(phone) = state.phone.lock().expect("state poisoned").take() {
        phone.hang_up();
    }
    let client = state.client.lock().expect("state poisoned").take();
    let tasks = [
        state.desktop.lock().expect("state poisoned").take(),
        state.stream.lock().expect("state poisoned").take(),
    ];
    for task in tasks.into_iter().flatten() {
        task.abort();
        // Awaited so that the client clones they held are dropped before the close below.
        let _ = task.await;
    }
    let Some(client) = client else {
        return Ok(());
    };
    if let Err(e) = client.logout().await {
        tracing::warn!(error = %e, "the server was not told of the sign-out");
    }
    match Arc::try_unwrap(client) {
        Ok(client) => client.close().await,
        // Still held by a call in flight: it stops when that call drops it.
        Err(_) => tracing::debug!("the client closes when its last call ends"),
    }
    Ok(())
}

/// Opens the user guide in a window of its own (`index.html#help`: the UI renders the guide
/// bundled from `docs/user-guide.md`, offline), or brings it forward when open.
#[tauri::command]
pub fn open_help(app: AppHandle) -> Result<(), UiError> {
    if let Some(window) = app.get_webview_window("help") {
        window.set_focus()?;
        return Ok(());
    }
    tauri::WebviewWindowBuilder::new(
        &app,
        "help",
        tauri::WebviewUrl::App("index.html#help".into()),
    )
    .title("Confer")
    .inner_size(760.0, 820.0)
    .build()?;
    Ok(())
}

/// The About box: the app's version and licence, the server's address and version.
#[tauri::command]
pub fn about(state: State<'_, AppState>) -> confer_core::About {
    let server = state
        .client
        .lock()
        .expect("state poisoned")
        .as_ref()
        .and_then(|c| c.server_info());
    let (server, server_version) = server.map_or((None, None), |(url, v)| (Some(url), v));
    confer_core::About {
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
        licence: env!("CARGO_PKG_LICENSE").to_owned(),
        server,
        server_version,
    }
}

/// How the app was launched: `--server`/`--user` given on the command line sign in without
/// the form.
#[tauri::command]
pub fn launch_options(state: State<'_, AppState>) -> confer_core::LaunchOptions {
    state.launch.clone()
}

/// Streams client events to the UI.
#[tauri::command]
pub fn subscribe(state: State<'_, AppState>, channel: Channel<ClientEvent>) -> Result<(), UiError> {
    let mut rx = client(&state)?.subscribe();
    let task = tauri::async_runtime::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(event) => {
                    if channel.send(event).is_err() {
                        break;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    let _ = channel.send(ClientEvent::Conversations);
                }
                Err(_) => break,
            }
        }
    });
    // One stream per window: a new subscription replaces (and stops) the old one.
    if let Some(old) = state.stream.lock().expect("state poisoned").replace(task) {
        old.abort();
    }
    Ok(())
}

#[tauri::command]
pub async fn conversations(state: State<'_, AppState>) -> Result<Vec<ConversationView>, UiError> {
    Ok(client(&state)?.conversations().await?)
}

#[tauri::command]
pub async fn history(
    state: State<'_, AppState>,
    conversation: u64,
    before: Option<u64>,
    limit: u32,
) -> Result<Vec<CachedMessage>, UiError> {
    Ok(client(&state)?.history(conversation, before, limit).await?)
}

#[tauri::command]
pub async fn send_message(
    state: State<'_, AppState>,
    conversation: u64,
    text: String,
) -> Result<CachedMessage, UiError> {
    Ok(client(&state)?.send(conversation, &text).await?)
}

/// Marks the conversation unread from the newest message of someone else.
#[tauri::command]
pub async fn mark_unread(state: State<'_, AppState>, conversation: u64) -> Result<(), UiError> {
    Ok(client(&state)?.mark_unread(conversation).await?)
}

/// Hides the conversation from the list until its next message, or shows it again.
#[tauri::command]
pub async fn hide_conversation(
    state: State<'_, AppState>,
    conversation: u64,
    hidden: bool,
) -> Result<(), UiError> {
    Ok(client(&state)?
        .hide_conversation(conversation, hidden)
        .await?)
}

/// Answers message `reply_to` of the conversation.
#[tauri::command]
pub async fn send_reply(
    state: State<'_, AppState>,
    conversation: u64,
    text: String,
    reply_to: u64,
) -> Result<CachedMessage, UiError> {
    Ok(client(&state)?
        .send_reply(conversation, &text, Some(reply_to))
        .await?)
}

/// Edits one's own message (by local id): shown at once, sent when online.
#[tauri::command]
pub async fn edit_message(
    state: State<'_, AppState>,
    local_id: i64,
    text: String,
) -> Result<(), UiError> {
    client(&state)?.edit(local_id, &text).await?;
    Ok(())
}

/// Deletes one's own message (by local id).
#[tauri::command]
pub async fn delete_message(state: State<'_, AppState>, local_id: i64) -> Result<(), UiError> {
    client(&state)?.delete(local_id).await?;
    Ok(())
}

/// Adds (`on`) or takes back a reaction to a message (by local id).
#[tauri::command]
pub async fn react(
    state: State<'_, AppState>,
    local_id: i64,
    emoji: String,
    on: bool,
) -> Result<(), UiError> {
    client(&state)?.react(local_id, &emoji, on).await?;
    Ok(())
}

/// Says the user types in a conversation (or stopped).
#[tauri::command]
pub async fn set_typing(
    state: State<'_, AppState>,
    conversation: u64,
    typing: bool,
) -> Result<(), UiError> {
    Ok(client(&state)?.set_typing(conversation, typing).await?)
}

/// Opens a link from a message in the system's browser (or mail client). Only http, https and
/// mailto: anything else (`file:`, `javascript:`, a custom scheme) is refused, so a message
/// cannot make the app start a program.
#[tauri::command]
pub async fn open_link(url: String) -> Result<(), UiError> {
    let lower = url.to_ascii_lowercase();
    let allowed = ["http://", "https://", "mailto:"]
        .iter()
        .any(|p| lower.starts_with(p));
    if !allowed || url.len() > 8192 || url.chars().any(char::is_control) {
        return Err(UiError::new(
            "invalid",
            "Only web and mail links are opened.",
        ));
    }
    #[cfg(target_os = "linux")]
    let mut command = std::process::Command::new("xdg-open");
    #[cfg(target_os = "macos")]
    let mut command = std::process::Command::new("open");
    #[cfg(target_os = "windows")]
    let mut command = std::process::Command::new("explorer");
    command
        .arg(&url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    // The opener outlives this call; its exit status says nothing the user needs.
    let mut child = command
        .spawn()
        .map_err(|e| UiError::new("internal", format!("Cannot open the link: {e}.")))?;
    std::thread::spawn(move || child.wait());
    Ok(())
}

/// Searches this device's cache (offline; English and French stems), newest first.
#[tauri::command]
pub async fn search_local(
    state: State<'_, AppState>,
    query: String,
    conversation: Option<u64>,
) -> Result<Vec<CachedMessage>, UiError> {
    Ok(client(&state)?
        .search_local(&query, conversation, 100)
        .await?)
}

/// Searches the server's history, newest first.
#[tauri::command]
pub async fn search_messages(
    state: State<'_, AppState>,
    query: String,
    conversation: Option<u64>,
) -> Result<Vec<confer_proto::Message>, UiError> {
    let (found, _) = client(&state)?
        .search(&query, conversation, Some(50), None)
        .await?;
    Ok(found)
}

#[tauri::command]
pub async fn mark_read(
    state: State<'_, AppState>,
    conversation: u64,
    seq: u64,
) -> Result<(), UiError> {
    Ok(client(&state)?.mark_read(conversation, Some(seq)).await?)
}

#[tauri::command]
pub async fn open_direct(state: State<'_, AppState>, user: String) -> Result<u64, UiError> {
    Ok(client(&state)?.direct_conversation(&user).await?)
}

#[tauri::command]
pub async fn search_users(
    state: State<'_, AppState>,
    query: String,
) -> Result<Vec<DirectoryEntry>, UiError> {
    Ok(client(&state)?.search_users(&query, Some(20)).await?)
}

/// The draft of a conversation, kept on this device.
#[tauri::command]
pub async fn draft(
    state: State<'_, AppState>,
    conversation: u64,
) -> Result<Option<String>, UiError> {
    Ok(client(&state)?.draft(conversation).await?)
}

/// Keeps (or, blank, drops) the draft of a conversation.
#[tauri::command]
pub async fn set_draft(
    state: State<'_, AppState>,
    conversation: u64,
    text: String,
) -> Result<(), UiError> {
    Ok(client(&state)?.set_draft(conversation, text).await?)
}

/// A page of the People view: after the user named `after`, online users only when asked.
#[tauri::command]
pub async fn directory(
    state: State<'_, AppState>,
    query: String,
    after: Option<String>,
    online: bool,
) -> Result<confer_core::DirectoryPage, UiError> {
    Ok(client(&state)?
        .directory(&query, after, online, Some(100))
        .await?)
}

#[tauri::command]
pub async fn set_status(
    state: State<'_, AppState>,
    status: PresenceChoice,
    message: Option<String>,
) -> Result<(), UiError> {
    Ok(client(&state)?.set_status(status, message).await?)
}

#[tauri::command]
pub async fn unread_totals(state: State<'_, AppState>) -> Result<UnreadTotals, UiError> {
    Ok(client(&state)?.unread_totals().await?)
}

/// What the user is looking at, for the notification policy.
#[tauri::command]
pub fn set_view(
    state: State<'_, AppState>,
    conversation: Option<u64>,
    focused: bool,
) -> Result<(), UiError> {
    client(&state)?.set_view(conversation, focused);
    Ok(())
}

/// The UI's language (`en` or `fr`) for the tray menu and the OS notifications: the shell
/// speaks it from now on, and the tray is worded again at once.
#[tauri::command]
pub fn set_language(
    app: AppHandle,
    state: State<'_, AppState>,
    lang: String,
) -> Result<(), UiError> {
    let lang = confer_core::i18n::Lang::parse(&lang).ok_or_else(|| {
        UiError::new(
            "invalid",
            format!("Confer does not speak {lang:?}: use en or fr."),
        )
    })?;
    *state.lang.lock().expect("state poisoned") = lang;
    crate::tray::relabel(&app);
    Ok(())
}

#[tauri::command]
pub async fn settings(state: State<'_, AppState>) -> Result<Settings, UiError> {
    Ok(client(&state)?.all_settings().await?)
}

#[tauri::command]
pub async fn set_settings(state: State<'_, AppState>, settings: Settings) -> Result<(), UiError> {
    Ok(client(&state)?.set_all_settings(settings).await?)
}

#[tauri::command]
pub async fn set_muted(
    state: State<'_, AppState>,
    conversation: u64,
    muted: bool,
) -> Result<(), UiError> {
    Ok(client(&state)?.set_muted(conversation, muted).await?)
}

#[tauri::command]
pub async fn clear_history(state: State<'_, AppState>, conversation: u64) -> Result<(), UiError> {
    Ok(client(&state)?.clear_history(conversation).await?)
}

/// Sends the conversation's history by email, worded in the UI's language with the UI's times.
#[tauri::command]
pub async fn mail_history(
    state: State<'_, AppState>,
    conversation: u64,
    to: String,
    language: String,
    utc_offset_minutes: i32,
) -> Result<(), UiError> {
    let lang = confer_core::i18n::Lang::parse(&language).unwrap_or_default();
    Ok(client(&state)?
        .mail_history(conversation, &to, lang, utc_offset_minutes)
        .await?)
}

#[tauri::command]
pub async fn presence(state: State<'_, AppState>) -> Result<Vec<Presence>, UiError> {
    Ok(client(&state)?.presence().await?)
}

/// The users the UI shows besides the conversations' members (directory rows): their presence
/// is kept live.
#[tauri::command]
pub fn watch_presence(state: State<'_, AppState>, users: Vec<String>) -> Result<(), UiError> {
    client(&state)?.watch_presence(users);
    Ok(())
}

#[tauri::command]
pub async fn favourites(state: State<'_, AppState>) -> Result<Favourites, UiError> {
    Ok(client(&state)?.favourites().await?)
}

#[tauri::command]
pub async fn add_favourite(state: State<'_, AppState>, user: String) -> Result<(), UiError> {
    Ok(client(&state)?.add_favourite(&user).await?)
}

#[tauri::command]
pub async fn remove_favourite(state: State<'_, AppState>, user: String) -> Result<(), UiError> {
    Ok(client(&state)?.remove_favourite(&user).await?)
}

#[tauri::command]
pub async fn answer_subscription(
    state: State<'_, AppState>,
    user: String,
    accept: bool,
) -> Result<(), UiError> {
    Ok(client(&state)?.answer_subscription(&user, accept).await?)
}

/// The UI painted its first conversation list; logged once (the start-up benchmark reads it).
#[tauri::command]
pub fn painted(state: State<'_, AppState>) {
    if !state
        .painted
        .swap(true, std::sync::atomic::Ordering::SeqCst)
    {
        tracing::info!(
            elapsed_ms = state.started.elapsed().as_millis() as u64,
            "first conversation list painted"
        );
    }
}

#[tauri::command]
pub async fn create_group(
    state: State<'_, AppState>,
    invite: Vec<String>,
    name: Option<String>,
) -> Result<u64, UiError> {
    Ok(client(&state)?.create_group(&invite, name).await?)
}

#[tauri::command]
pub async fn invite_to_group(
    state: State<'_, AppState>,
    conversation: u64,
    user: String,
) -> Result<(), UiError> {
    Ok(client(&state)?.invite_to_group(conversation, &user).await?)
}

#[tauri::command]
pub async fn join_group(state: State<'_, AppState>, conversation: u64) -> Result<u64, UiError> {
    Ok(client(&state)?.join_group(conversation).await?)
}

#[tauri::command]
pub async fn decline_group(state: State<'_, AppState>, conversation: u64) -> Result<(), UiError> {
    Ok(client(&state)?.decline_group(conversation).await?)
}

#[tauri::command]
pub async fn leave_group(state: State<'_, AppState>, conversation: u64) -> Result<(), UiError> {
    Ok(client(&state)?.leave_group(conversation).await?)
}

#[tauri::command]
pub async fn invitations(state: State<'_, AppState>) -> Result<Vec<Invitation>, UiError> {
    Ok(client(&state)?.invitations().await?)
}

#[tauri::command]
pub async fn create_room(state: State<'_, AppState>, name: String) -> Result<u64, UiError> {
    Ok(client(&state)?.create_room(&name).await?)
}

#[tauri::command]
pub async fn add_room_member(
    state: State<'_, AppState>,
    conversation: u64,
    user: String,
) -> Result<(), UiError> {
    Ok(client(&state)?.add_room_member(conversation, &user).await?)
}

#[tauri::command]
pub async fn remove_room_member(
    state: State<'_, AppState>,
    conversation: u64,
    user: String,
) -> Result<(), UiError> {
    Ok(client(&state)?
        .remove_room_member(conversation, &user)
        .await?)
}

#[tauri::command]
pub async fn promote_moderator(
    state: State<'_, AppState>,
    conversation: u64,
    user: String,
) -> Result<(), UiError> {
    Ok(client(&state)?
        .promote_moderator(conversation, &user)
        .await?)
}

#[tauri::command]
pub async fn set_mute_all(
    state: State<'_, AppState>,
    conversation: u64,
    muted: bool,
) -> Result<(), UiError> {
    Ok(client(&state)?.set_mute_all(conversation, muted).await?)
}

#[tauri::command]
pub async fn set_recording(
    state: State<'_, AppState>,
    conversation: u64,
    on: bool,
) -> Result<(), UiError> {
    Ok(client(&state)?.set_recording(conversation, on).await?)
}

#[tauri::command]
pub async fn set_participant_muted(
    state: State<'_, AppState>,
    conversation: u64,
    user: String,
    muted: bool,
) -> Result<(), UiError> {
    Ok(client(&state)?
        .set_participant_muted(conversation, &user, muted)
        .await?)
}

#[tauri::command]
pub async fn leave_room(state: State<'_, AppState>, conversation: u64) -> Result<(), UiError> {
    Ok(client(&state)?.leave_room(conversation).await?)
}

#[tauri::command]
pub async fn delete_room(state: State<'_, AppState>, conversation: u64) -> Result<(), UiError> {
    Ok(client(&state)?.delete_room(conversation).await?)
}

#[tauri::command]
pub async fn room_link(state: State<'_, AppState>, conversation: u64) -> Result<String, UiError> {
    Ok(client(&state)?.room_link(conversation).await?)
}

#[tauri::command]
pub async fn rotate_room_link(
    state: State<'_, AppState>,
    conversation: u64,
) -> Result<String, UiError> {
    Ok(client(&state)?.rotate_room_link(conversation).await?)
}

/// The room a join link opens, as `[id, name]`.
#[tauri::command]
pub async fn resolve_link(
    state: State<'_, AppState>,
    link: String,
) -> Result<(u64, String), UiError> {
    Ok(client(&state)?.resolve_link(&link).await?)
}

/// Joins a meeting by its link: as a member, or as a guest of the ongoing meeting.
#[tauri::command]
pub async fn join_by_link(
    state: State<'_, AppState>,
    link: String,
) -> Result<confer_proto::MeetingSession, UiError> {
    Ok(client(&state)?.join_by_link(&link).await?)
}

#[tauri::command]
pub async fn admit_guest(
    state: State<'_, AppState>,
    conversation: u64,
    guest: u64,
) -> Result<(), UiError> {
    Ok(client(&state)?.admit_guest(conversation, guest).await?)
}

#[tauri::command]
pub async fn remove_guest(
    state: State<'_, AppState>,
    conversation: u64,
    guest: u64,
) -> Result<(), UiError> {
    Ok(client(&state)?.remove_guest(conversation, guest).await?)
}

#[tauri::command]
pub async fn set_lobby(
    state: State<'_, AppState>,
    conversation: u64,
    enabled: bool,
) -> Result<(), UiError> {
    Ok(client(&state)?.set_lobby(conversation, enabled).await?)
}

#[tauri::command]
pub async fn start_meeting(state: State<'_, AppState>, conversation: u64) -> Result<(), UiError> {
    Ok(client(&state)?.start_meeting(conversation).await?)
}

#[tauri::command]
pub async fn leave_meeting(state: State<'_, AppState>, conversation: u64) -> Result<(), UiError> {
    Ok(client(&state)?.leave_meeting(conversation).await?)
}

#[tauri::command]
pub async fn schedule_meeting(
    state: State<'_, AppState>,
    conversation: u64,
    title: String,
    starts_at: i64,
    minutes: u32,
) -> Result<ScheduledMeeting, UiError> {
    Ok(client(&state)?
        .schedule_meeting(conversation, &title, starts_at, minutes)
        .await?)
}

#[tauri::command]
pub async fn delete_scheduled_meeting(
    state: State<'_, AppState>,
    meeting: u64,
) -> Result<(), UiError> {
    Ok(client(&state)?.delete_scheduled_meeting(meeting).await?)
}

/// The ongoing and scheduled meetings of the user's rooms.
#[tauri::command]
pub async fn meetings(state: State<'_, AppState>) -> Result<Meetings, UiError> {
    let (ongoing, scheduled) = client(&state)?.meetings().await?;
    Ok(Meetings { ongoing, scheduled })
}

/// Saves a scheduled meeting's `.ics` invitation in the Downloads folder (WebKitGTK drops a
/// page's own downloads); returns where.
#[tauri::command]
pub async fn save_meeting_ics(
    app: AppHandle,
    state: State<'_, AppState>,
    meeting: u64,
) -> Result<String, UiError> {
    let dir = match app.path().download_dir() {
        Ok(dir) => dir,
        Err(_) => app.path().home_dir()?.join("Downloads"),
    };
    let path = client(&state)?.save_meeting_ics(meeting, &dir).await?;
    Ok(path.display().to_string())
}

// ---- Shared files.

/// Keeps bytes from the web view (a picked or pasted file) as a file to upload; the raw body
/// is the bytes, the `x-name` header the file's name (URI-encoded). Returns its path.
#[tauri::command]
pub async fn stage_file(
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<String, UiError> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(UiError::new("invalid", "The file's bytes are missing."));
    };
    let name = request
        .headers()
        .get("x-name")
        .and_then(|v| v.to_str().ok())
        .map(uri_decoded)
        .unwrap_or_default();
    let path = client(&state)?.stage_bytes(&name, bytes).await?;
    Ok(path.to_string_lossy().into_owned())
}

/// Uploads a file (dropped, picked or pasted) into a conversation and shares it; progress
/// over `progress`. `transfer` names it for `cancel_transfer`.
#[tauri::command]
pub async fn upload_file(
    state: State<'_, AppState>,
    conversation: u64,
    path: String,
    transfer: String,
    progress: Channel<confer_core::files::TransferProgress>,
) -> Result<confer_proto::UploadState, UiError> {
    let client = client(&state)?;
    let cancel = state.transfers.start(&transfer);
    let report: confer_files::Progress = Arc::new(move |sent, total| {
        let _ = progress.send(confer_core::files::TransferProgress { sent, total });
    });
    let path = std::path::PathBuf::from(path);
    let result = tokio::select! {
        r = client.upload_file(conversation, &path, Some(report), None) => r.map_err(UiError::from),
        () = cancel.notified() => Err(UiError::new("cancelled", "The upload was cancelled.")),
    };
    state.transfers.end(&transfer);
    if result.is_ok() {
        client.unstage(&path).await;
    }
    result
}

/// Stops an upload; the server keeps what it got, so sending the file again resumes.
#[tauri::command]
pub fn cancel_transfer(state: State<'_, AppState>, transfer: String) {
    state.transfers.cancel(&transfer);
}

/// Saves a shared file in the Downloads folder (never replacing a file there); returns where.
#[tauri::command]
pub async fn download_file(
    app: AppHandle,
    state: State<'_, AppState>,
    file: String,
) -> Result<String, UiError> {
    let folder = app.path().download_dir()?;
    let (path, _) = client(&state)?
        .download_file(
            &file,
            false,
            confer_core::files::DownloadTo::Folder(&folder),
        )
        .await?;
    Ok(path.to_string_lossy().into_owned())
}

/// A file's thumbnail as a `data:` URL (kept in the profile once fetched).
#[tauri::command]
pub async fn file_thumbnail(state: State<'_, AppState>, file: String) -> Result<String, UiError> {
    Ok(client(&state)?.thumbnail_url(&file).await?)
}

/// The files shared in a conversation, newest first.
#[tauri::command]
pub async fn shared_files(
    state: State<'_, AppState>,
    conversation: u64,
) -> Result<Vec<confer_proto::SharedFile>, UiError> {
    Ok(client(&state)?.shared_files(conversation).await?)
}

/// Opens a shared file's preview in a window of its own (one per file).
#[tauri::command]
pub fn open_preview(app: AppHandle, conversation: u64, file: String) -> Result<(), UiError> {
    if !confer_files::is_upload_id(&file) {
        return Err(UiError::new("invalid", "Not a file id."));
    }
    let label = format!("preview-{file}");
    if let Some(window) = app.get_webview_window(&label) {
        window.set_focus()?;
        return Ok(());
    }
    tauri::WebviewWindowBuilder::new(
        &app,
        &label,
        tauri::WebviewUrl::App(format!("index.html#preview={conversation}:{file}").into()),
    )
    .title("Confer")
    .inner_size(900.0, 700.0)
    .build()?;
    Ok(())
}

/// What the preview window shows of a file of a conversation.
#[tauri::command]
pub async fn file_preview(
    state: State<'_, AppState>,
    conversation: u64,
    file: String,
) -> Result<(confer_proto::SharedFile, confer_core::files::FilePreview), UiError> {
    let client = client(&state)?;
    let shared = client
        .shared_files(conversation)
        .await?
        .into_iter()
        .find(|f| f.file.id == file)
        .ok_or_else(|| {
            confer_core::CoreError::Refused(confer_proto::ErrorBody::new(
                confer_proto::ErrorCode::NotFound,
                confer_proto::Reason::NoSuchFile,
            ))
        })?;
    let preview = client.preview(&shared).await?;
    Ok((shared, preview))
}

/// `encodeURIComponent` undone (a header carries only ASCII).
fn uri_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Uploads under way, by the name the UI gave each, so that one can be cancelled.
#[derive(Default)]
pub struct Transfers(std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Notify>>>);

impl Transfers {
    fn start(&self, name: &str) -> Arc<tokio::sync::Notify> {
        let stop = Arc::new(tokio::sync::Notify::new());
        self.0
            .lock()
            .expect("transfers poisoned")
            .insert(name.to_owned(), stop.clone());
        stop
    }

    fn end(&self, name: &str) {
        self.0.lock().expect("transfers poisoned").remove(name);
    }

    fn cancel(&self, name: &str) {
        if let Some(stop) = self.0.lock().expect("transfers poisoned").get(name) {
            // A stored permit: the upload stops even if it was not waiting yet.
            stop.notify_one();
        }
    }
}
