//! The tray icon: Open, the status choices and Quit; its tooltip and title carry the unread
//! count. Closing the window hides it here instead of quitting. Its words are the shell's
//! language's (`crate::text`), and change with it (`relabel`).

use std::sync::{
    Mutex,
    atomic::{AtomicU32, Ordering},
};

use confer_proto::PresenceChoice;
use tauri::{
    AppHandle, Manager,
    menu::{Menu, MenuItem, PredefinedMenuItem},
    tray::TrayIconBuilder,
};

use crate::AppState;

const TRAY_ID: &str = "confer";
/// The menu line that says who the user is in a call with (clicking it shows the call).
const IN_CALL_ID: &str = "in-call";

/// The tray menu's items (to word them again when the language changes) and the facts its
/// tooltip says.
struct TrayMenu {
    open: MenuItem<tauri::Wry>,
    /// The call line.
    in_call: MenuItem<tauri::Wry>,
    available: MenuItem<tauri::Wry>,
    away: MenuItem<tauri::Wry>,
    dnd: MenuItem<tauri::Wry>,
    offline: MenuItem<tauri::Wry>,
    quit: MenuItem<tauri::Wry>,
    /// Who the user is in a call with.
    peer: Mutex<Option<String>>,
    /// Messages unread.
    unread: AtomicU32,
}

/// Builds the tray icon.
pub fn install(app: &AppHandle) -> tauri::Result<()> {
    let t = crate::text::current(app);
    let item = |id: &str, label: &str| MenuItem::with_id(app, id, label, true, None::<&str>);
    let items = TrayMenu {
        open: item("open", t.open_confer)?,
        in_call: MenuItem::with_id(app, IN_CALL_ID, t.not_in_call, false, None::<&str>)?,
        available: item("status:available", t.available)?,
        away: item("status:away", t.away)?,
        dnd: item("status:dnd", t.dnd)?,
        offline: item("status:offline", t.offline)?,
        quit: item("quit", t.quit)?,
        peer: Mutex::new(None),
        unread: AtomicU32::new(0),
    };
    let menu = Menu::with_items(
        app,
        &[
            &items.open,
            &items.in_call,
            &PredefinedMenuItem::separator(app)?,
            &items.available,
            &items.away,
            &items.dnd,
            &items.offline,
            &PredefinedMenuItem::separator(app)?,
            &items.quit,
        ],
    )?;
    app.manage(items);
    let mut tray = TrayIconBuilder::with_id(TRAY_ID)
        .menu(&menu)
        .tooltip("Confer")
        .on_menu_event(|app, event| match event.id.as_ref() {
            "open" | IN_CALL_ID => show_main(app),
            "quit" => app.exit(0),
            id => {
                if let Some(status) = id.strip_prefix("status:").and_then(parse_status) {
                    set_status(app, status);
                }
            }
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(())
}

fn parse_status(s: &str) -> Option<PresenceChoice> {
    match s {
        "available" => Some(PresenceChoice::Available),
        "away" => Some(PresenceChoice::Away),
        "dnd" => Some(PresenceChoice::Dnd),
        "offline" => Some(PresenceChoice::Offline),
        _ => None,
    }
}

fn set_status(app: &AppHandle, status: PresenceChoice) {
    let client = app
        .state::<AppState>()
        .client
        .lock()
        .expect("state poisoned")
        .clone();
    if let Some(client) = client {
        tauri::async_runtime::spawn(async move {
            if let Err(e) = client.set_status(status, None).await {
                tracing::warn!(error = %e, "cannot set the status from the tray");
            }
        });
    }
}

/// Shows, unminimises and focuses the main window.
pub fn show_main(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

/// Words the tray menu and its tooltip again, in the language the shell speaks now.
pub fn relabel(app: &AppHandle) {
    let t = crate::text::current(app);
    if let Some(items) = app.try_state::<TrayMenu>() {
        for (item, label) in [
            (&items.open, t.open_confer),
            (&items.available, t.available),
            (&items.away, t.away),
            (&items.dnd, t.dnd),
            (&items.offline, t.offline),
            (&items.quit, t.quit),
        ] {
            let _ = item.set_text(label);
        }
        let peer = items.peer.lock().expect("tray poisoned").clone();
        let _ = items.in_call.set_text(match &peer {
            Some(p) => (t.in_call_with)(p),
            None => t.not_in_call.to_owned(),
        });
    }
    show_tooltip(app);
}

/// The tooltip: who the user is in a call with, else how many messages are unread.
fn show_tooltip(app: &AppHandle) {
    let (Some(tray), Some(items)) = (app.tray_by_id(TRAY_ID), app.try_state::<TrayMenu>()) else {
        return;
    };
    let t = crate::text::current(app);
    let peer = items.peer.lock().expect("tray poisoned").clone();
    let text = match (peer, items.unread.load(Ordering::Relaxed)) {
        (Some(peer), _) => (t.tooltip_in_call)(&peer),
        (None, 0) => "Confer".to_owned(),
        (None, unread) => (t.tooltip_unread)(unread),
    };
    let _ = tray.set_tooltip(Some(&text));
}

/// Puts the unread count on the tray.
pub fn set_unread(app: &AppHandle, unread: u32) {
    if let Some(items) = app.try_state::<TrayMenu>() {
        items.unread.store(unread, Ordering::Relaxed);
    }
    show_tooltip(app);
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        // Shown beside the icon where the platform has a tray label (Linux appindicator, macOS).
        let _ = tray.set_title(if unread > 0 {
            Some(unread.to_string())
        } else {
            None
        });
        if let Some(base) = app.default_window_icon() {
            let (w, h) = (base.width(), base.height());
            let drawn = crate::badge::draw(base.rgba(), w, h, unread);
            let _ = tray.set_icon(Some(tauri::image::Image::new_owned(drawn, w, h)));
        }
    }
}

/// Shows "In a call with NAME" in the tray menu (and its tooltip) during a call, and takes it
/// away after.
pub fn set_in_call(app: &AppHandle, peer: Option<&str>) {
    let t = crate::text::current(app);
    if let Some(items) = app.try_state::<TrayMenu>() {
        *items.peer.lock().expect("tray poisoned") = peer.map(str::to_owned);
        let _ = items.in_call.set_text(match peer {
            Some(p) => (t.in_call_with)(p),
            None => t.not_in_call.to_owned(),
        });
        let _ = items.in_call.set_enabled(peer.is_some());
    }
    show_tooltip(app);
}

#[cfg(test)]
mod tests {
    #[test]
    fn tray_status_ids_parse() {
        assert_eq!(
            super::parse_status("dnd"),
            Some(confer_proto::PresenceChoice::Dnd)
        );
        assert_eq!(super::parse_status("sleepy"), None);
    }
}
