//! Desktop integration driven by the core's notification policy: OS notifications, taskbar
//! attention, the window title and the badge. The decisions come from `confer-core`; this only
//! acts on them.

use std::{sync::Arc, time::Duration};

use confer_core::{Client, ClientEvent};
use tauri::{AppHandle, Emitter, Manager, UserAttentionType, WebviewWindow};
use tokio::sync::watch;

/// `(N) Confer`, or `Confer` with nothing unread.
pub fn title(unread: u32) -> String {
    if unread > 0 {
        format!("({unread}) Confer")
    } else {
        "Confer".to_owned()
    }
}

/// The first words of a message, for a notification body.
pub fn preview(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    let mut out: String = line.chars().take(80).collect();
    if line.chars().count() > 80 || text.lines().nth(1).is_some() {
        out.push('…');
    }
    out
}

/// Starts the integration task for a signed-in client; it ends when the client's event stream
/// does (the returned handle aborts it on drop of its owner).
pub fn start(app: AppHandle, client: Arc<Client>) -> tauri::async_runtime::JoinHandle<()> {
    let mut events = client.subscribe();
    tauri::async_runtime::spawn(async move {
        let Some(window) = app.get_webview_window("main") else {
            return;
        };
        let mut unread = client.unread_totals().await.map(|t| t.total()).unwrap_or(0);
        apply_unread(&window, unread);
        crate::tray::set_unread(&app, unread);
        // `true` while the window is unfocused and something new arrived: the title blinks.
        let (blink_tx, blink_rx) = watch::channel(false);
        // Guards: aborting this task (a new sign-in) also stops its helpers.
        let _blinker = AbortOnDrop(tauri::async_runtime::spawn(blink_title(
            window.clone(),
            blink_rx,
            client.clone(),
        )));
        let _away = AbortOnDrop(tauri::async_runtime::spawn(auto_away(client.clone())));
        let focus_tx = blink_tx.clone();
        window.on_window_event(move |event| {
            if let tauri::WindowEvent::Focused(true) = event {
                let _ = focus_tx.send(false);
            }
        });
        loop {
            let event = match events.recv().await {
                Ok(e) => e,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => break,
            };
            match event {
                ClientEvent::Message { message, decision } => {
                    if decision.notify {
                        let t = crate::text::current(&app);
                        // A call line has no text of its own: a missed call says so.
                        let text = match message.kind {
                            confer_proto::MessageKind::Call(_) => t.missed_call,
                            _ => message.text.as_str(),
                        };
                        // A mention says so (it comes through even from a muted conversation).
                        let sender = client.display_name(&message.sender).await;
                        let summary = if decision.mentioned {
                            (t.mentioned_you)(&sender)
                        } else {
                            sender
                        };
                        notify(&app, &summary, text, message.conversation);
                    }
                    if decision.blink && !window.is_focused().unwrap_or(false) {
                        let _ =
                            window.request_user_attention(Some(UserAttentionType::Informational));
                        let _ = blink_tx.send(true);
                    }
                }
                ClientEvent::Unread { totals } => {
                    unread = totals.total();
                    apply_unread(&window, unread);
                    crate::tray::set_unread(&app, unread);
                }
                ClientEvent::Call { call } => {
                    // A call rings even when the window is hidden in the tray or muted by
                    // Do Not Disturb's message rules: it is a person waiting.
                    let peer = client.display_name(&call.peer).await;
                    if call.incoming && call.phase == confer_core::phone::CallPhase::Ringing {
                        notify_call(&app, &call, &peer);
                        let _ = window.request_user_attention(Some(UserAttentionType::Critical));
                    }
                    crate::tray::set_in_call(
                        &app,
                        matches!(
                            call.phase,
                            confer_core::phone::CallPhase::Active
                                | confer_core::phone::CallPhase::Connecting
                        )
                        .then_some(peer.as_str()),
                    );
                }
                _ => {}
            }
        }
    })
}

/// Aborts the task when dropped.
struct AbortOnDrop(tauri::async_runtime::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Notifications whose click is being waited for; past the cap, new ones are shown without
/// waiting so that a daemon that never closes them cannot pile up blocked threads.
static WAITING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
const MAX_WAITING: usize = 16;

/// Raises an OS notification (`summary`: the sender, or that they mentioned the user);
/// clicking it opens the conversation where the platform reports clicks (the freedesktop
/// `default` action, Windows toasts).
fn notify(app: &AppHandle, summary: &str, text: &str, conversation: u64) {
    let t = crate::text::current(app);
    let (summary, body, app) = (summary.to_owned(), preview(text), app.clone());
    // D-Bus calls block; an absent notification daemon only logs.
    tauri::async_runtime::spawn_blocking(move || {
        let shown = notify_rust::Notification::new()
            .appname("Confer")
            .summary(&summary)
            .body(&body)
            .action("default", t.open)
            .show();
        match shown {
            Err(e) => tracing::warn!(error = %e, "cannot show a notification"),
            #[cfg(not(target_os = "macos"))]
            Ok(handle) => {
                use std::sync::atomic::Ordering;
                if WAITING.fetch_add(1, Ordering::SeqCst) < MAX_WAITING {
                    handle.wait_for_action(|action| {
                        if action == "default" {
                            crate::tray::show_main(&app);
                            let _ = app.emit("open-conversation", conversation);
                        }
                    });
                }
                WAITING.fetch_sub(1, Ordering::SeqCst);
            }
            #[cfg(target_os = "macos")]
            Ok(_) => {}
        }
    });
}

/// An incoming call's notification, with Accept and Decline where the platform shows actions.
fn notify_call(app: &AppHandle, call: &confer_core::phone::CallView, peer: &str) {
    let t = crate::text::current(app);
    let (app, id, video) = (app.clone(), call.id, call.video);
    let summary = if video {
        (t.video_call_from)(peer)
    } else {
        (t.call_from)(peer)
    };
    tauri::async_runtime::spawn_blocking(move || {
        let shown = notify_rust::Notification::new()
            .appname("Confer")
            .summary(&summary)
            .body(t.incoming_call)
            .action("default", t.open)
            .action("accept", t.accept)
            .action("decline", t.decline)
            .show();
        match shown {
            Err(e) => tracing::warn!(error = %e, "cannot show a call notification"),
            #[cfg(not(target_os = "macos"))]
            Ok(handle) => handle.wait_for_action(|action| {
                let phone = app.state::<crate::AppState>().phone_handle();
                match (action, phone) {
                    ("accept", Some(phone)) => {
                        crate::tray::show_main(&app);
                        let _ = phone.accept(id, video);
                    }
                    ("decline", Some(phone)) => {
                        tauri::async_runtime::spawn(async move {
                            let _ = phone.decline(id).await;
                        });
                    }
                    ("default", _) => crate::tray::show_main(&app),
                    _ => {}
                }
            }),
            #[cfg(target_os = "macos")]
            Ok(_) => {}
        }
    });
}

/// Reports the user idle to the server after the configured minutes without input anywhere on
/// the desktop, and back when input resumes.
pub async fn auto_away(client: Arc<Client>) {
    let mut away = false;
    loop {
        let minutes = client
            .all_settings()
            .await
            .map(|s| s.device.auto_away_minutes)
            .unwrap_or(0);
        let idle = tauri::async_runtime::spawn_blocking(crate::idle::system_idle)
            .await
            .ok()
            .flatten();
        let now_away = crate::idle::is_away(idle, minutes);
        if now_away != away {
            match client.set_idle(now_away).await {
                Ok(()) => away = now_away,
                Err(e) => tracing::debug!(error = %e, "cannot report idle; retrying"),
            }
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}

fn apply_unread(window: &WebviewWindow, unread: u32) {
    let _ = window.set_title(&title(unread));
    // The launcher badge (macOS dock, Unity launcher API on Linux); Windows has none, so there
    // the count goes on the taskbar button as an overlay icon.
    #[cfg(not(windows))]
    let _ = window.set_badge_count(if unread > 0 {
        Some(unread as i64)
    } else {
        None
    });
    #[cfg(windows)]
    let _ = window.set_overlay_icon((unread > 0).then(|| {
        const SIZE: u32 = 32;
        let transparent = vec![0u8; (SIZE * SIZE * 4) as usize];
        tauri::image::Image::new_owned(
            crate::badge::draw(&transparent, SIZE, SIZE, unread),
            SIZE,
            SIZE,
        )
    }));
}

/// Alternates the title between "(N) Confer" and "Unread messages" (in the shell's language)
/// while `blinking` is true.
async fn blink_title(
    window: WebviewWindow,
    mut blinking: watch::Receiver<bool>,
    client: Arc<Client>,
) {
    loop {
        if !*blinking.borrow_and_update() {
            if blinking.changed().await.is_err() {
                return;
            }
            continue;
        }
        let mut shown = false;
        while *blinking.borrow() {
            let unread = client.unread_totals().await.map(|t| t.total()).unwrap_or(0);
            let _ = window.set_title(
                if shown {
                    crate::text::current(window.app_handle())
                        .unread_messages
                        .to_owned()
                } else {
                    title(unread)
                }
                .as_str(),
            );
            shown = !shown;
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(1000)) => {}
                r = blinking.changed() => if r.is_err() { return },
            }
        }
        // Focused again: the attention request ends and the plain title comes back.
        let _ = window.request_user_attention(None);
        let unread = client.unread_totals().await.map(|t| t.total()).unwrap_or(0);
        let _ = window.set_title(&title(unread));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_previews() {
        assert_eq!(title(0), "Confer");
        assert_eq!(title(7), "(7) Confer");
        assert_eq!(preview("short"), "short");
        assert_eq!(preview("first line\nsecond"), "first line…");
        assert_eq!(preview(&"x".repeat(100)).chars().count(), 81);
    }
}
