//! `confer`: the desktop app. A thin shell: the client core does the work; the web UI shows it.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod badge;
mod commands;
mod desktop;
mod error;
mod idle;
mod text;
mod tray;
mod webkit;

use std::{
    path::PathBuf,
    sync::{Arc, Mutex},
};

use confer_core::{Client, LaunchOptions};
use tauri::Manager;

/// What the commands share.
pub struct AppState {
    client: Mutex<Option<Arc<Client>>>,
    stream: Mutex<Option<tauri::async_runtime::JoinHandle<()>>>,
    desktop: Mutex<Option<tauri::async_runtime::JoinHandle<()>>>,
    /// The signed-in client's phone.
    phone: Mutex<Option<Arc<confer_core::phone::Phone>>>,
    /// The loopback socket that carries call pictures to the UI.
    frames: Mutex<Option<Arc<confer_core::frames::FrameServer>>>,
    /// The device dialog's test, while it is open.
    device_test: Mutex<Option<confer_core::device_test::DeviceTest>>,
    /// Watches for devices plugged in or out while signed in.
    device_watch: Mutex<Option<confer_core::phone::DeviceWatch>>,
    /// The language of the tray and the notifications: the environment's until the UI sets
    /// its own (`set_language`).
    lang: Mutex<confer_core::i18n::Lang>,
    launch: LaunchOptions,
    profile: Option<PathBuf>,
    /// Uploads under way.
    transfers: commands::Transfers,
    started: std::time::Instant,
    painted: std::sync::atomic::AtomicBool,
}

impl AppState {
    /// The signed-in client's phone.
    pub fn phone_handle(&self) -> Option<Arc<confer_core::phone::Phone>> {
        self.phone.lock().expect("state poisoned").clone()
    }
}

/// A profile directory name for a user on a server.
pub fn profile_name(server: &str, user: &str) -> String {
    let host: String = confer_core::ws_url(server)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{}@{host}", user.to_lowercase())
}

fn parse_args(args: impl Iterator<Item = String>) -> (LaunchOptions, Option<PathBuf>) {
    let mut launch = LaunchOptions {
        has_password: std::env::var("CONFER_PASSWORD").is_ok_and(|p| !p.is_empty()),
        ..Default::default()
    };
    let mut profile = None;
    let mut args = args.skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--server" => launch.server = args.next(),
            "--user" => launch.user = args.next(),
            "--profile" => profile = args.next().map(PathBuf::from),
            _ => {}
        }
    }
    (launch, profile)
}

fn main() {
    let started = std::time::Instant::now();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CONFER_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let (launch, profile) = parse_args(std::env::args());
    let state = AppState {
        client: Mutex::new(None),
        stream: Mutex::new(None),
        desktop: Mutex::new(None),
        phone: Mutex::new(None),
        frames: Mutex::new(None),
        device_test: Mutex::new(None),
        device_watch: Mutex::new(None),
        lang: Mutex::new(confer_core::i18n::Lang::from_env()),
        launch,
        profile,
        transfers: Default::default(),
        started,
        painted: Default::default(),
    };
    tauri::Builder::default()
        // A second launch focuses the running app instead of starting another.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tray::show_main(app)
        }))
        .manage(state)
        .setup(|app| {
            if let Some(window) = app.get_webview_window("main") {
                webkit::tune(&window);
            }
            tray::install(app.handle())?;
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the window keeps Confer running in the tray.
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                api.prevent_close();
                let _ = window.hide();
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::sign_in,
            commands::launch_options,
            commands::subscribe,
            commands::conversations,
            commands::history,
            commands::send_message,
            commands::send_reply,
            commands::mark_unread,
            commands::hide_conversation,
            commands::edit_message,
            commands::delete_message,
            commands::react,
            commands::set_typing,
            commands::search_messages,
            commands::search_local,
            commands::open_link,
            commands::mark_read,
            commands::open_direct,
            commands::search_users,
            commands::directory,
            commands::draft,
            commands::set_draft,
            commands::sign_out,
            commands::place_call,
            commands::accept_call,
            commands::decline_call,
            commands::hang_up,
            commands::set_call_controls,
            commands::use_call_devices,
            commands::current_call,
            commands::join_meeting_sound,
            commands::set_meeting_sound_muted,
            commands::leave_meeting_sound,
            commands::meeting_sound,
            commands::frame_socket,
            commands::devices,
            commands::start_device_test,
            commands::stop_device_test,
            commands::test_tone,
            commands::about,
            commands::open_help,
            commands::set_status,
            commands::unread_totals,
            commands::set_view,
            commands::set_language,
            commands::settings,
            commands::set_settings,
            commands::set_muted,
            commands::clear_history,
            commands::presence,
            commands::watch_presence,
            commands::favourites,
            commands::add_favourite,
            commands::remove_favourite,
            commands::answer_subscription,
            commands::painted,
            commands::create_group,
            commands::invite_to_group,
            commands::join_group,
            commands::decline_group,
            commands::leave_group,
            commands::invitations,
            commands::stage_file,
            commands::upload_file,
            commands::cancel_transfer,
            commands::download_file,
            commands::file_thumbnail,
            commands::shared_files,
            commands::mail_history,
            commands::open_preview,
            commands::file_preview,
            commands::create_room,
            commands::add_room_member,
            commands::remove_room_member,
            commands::promote_moderator,
            commands::set_mute_all,
            commands::set_recording,
            commands::set_participant_muted,
            commands::leave_room,
            commands::delete_room,
            commands::room_link,
            commands::rotate_room_link,
            commands::resolve_link,
            commands::join_by_link,
            commands::admit_guest,
            commands::remove_guest,
            commands::set_lobby,
            commands::start_meeting,
            commands::leave_meeting,
            commands::schedule_meeting,
            commands::delete_scheduled_meeting,
            commands::meetings,
            commands::save_meeting_ics,
        ])
        .run(tauri::generate_context!("../tauri.conf.json"))
        .expect("error while running the Confer desktop app");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launch_flags_and_profile_names() {
        let (l, p) = parse_args(
            [
                "confer",
                "--server",
                "ws://h:1",
                "--user",
                "Bob",
                "--profile",
                "/tmp/p",
            ]
            .map(String::from)
            .into_iter(),
        );
        assert_eq!(
            (l.server.as_deref(), l.user.as_deref()),
            (Some("ws://h:1"), Some("Bob"))
        );
        assert_eq!(p, Some(PathBuf::from("/tmp/p")));
        assert_eq!(profile_name("h:1", "Bob"), "bob@ws___h_1_v1_ws");
        // A list goes to sign_in as given; the core splits it there.
        let (l, _) = parse_args(
            ["confer", "--server", "ws://h:1,ws://h:2"]
                .map(String::from)
                .into_iter(),
        );
        assert_eq!(l.server.as_deref(), Some("ws://h:1,ws://h:2"));
    }
}
