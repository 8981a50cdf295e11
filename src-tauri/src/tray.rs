//! The tray icon: Open, the status choices and Quit; its tooltip and title carry the unread
//! count. Closing the window hides it here instead of quitting.

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

/// Builds the tray icon.
pub fn install(app: &AppHandle) -> tauri::Result<()> {
    let item = |id: &str, label: &str| MenuItem::with_id(app, id, label, true, None::<&str>);
    let in_call = MenuItem::with_id(app, IN_CALL_ID, "Not in a call", false, None::<&str>)?;
    app.manage(InCallItem(in_call.clone()));
    let menu = Menu::with_items(
        app,
        &[
            &item("open", "Open Confer")?,
            &in_call,
            &PredefinedMenuItem::separator(app)?,
            &item("status:available", "Available")?,
            &item("status:away", "Away")?,
            &item("status:dnd", "Do Not Disturb")?,
            &item("status:offline", "Offline")?,
            &PredefinedMenuItem::separator(app)?,
            &item("quit", "Quit")?,
        ],
    )?;
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

/// Puts the unread count on the tray.
pub fn set_unread(app: &AppHandle, unread: u32) {
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let text = if unread > 0 {
            format!("Confer: {unread} unread")
        } else {
            "Confer".to_owned()
        };
        let _ = tray.set_tooltip(Some(&text));
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

/// The tray menu's call line.
struct InCallItem(MenuItem<tauri::Wry>);

/// Shows "In a call with NAME" in the tray menu (and its tooltip) during a call, and takes it
/// away after.
pub fn set_in_call(app: &AppHandle, peer: Option<&str>) {
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let _ = tray.set_tooltip(Some(match peer {
            Some(p) => format!("Confer: in a call with {p}"),
            None => "Confer".to_owned(),
        }));
    }
    if let Some(item) = app.try_state::<InCallItem>() {
        let _ = item.0.set_text(match peer {
            Some(p) => format!("In a call with {p}"),
            None => "Not in a call".to_owned(),
        });
        let _ = item.0.set_enabled(peer.is_some());
    }
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
