//! The shell's own words (the tray menu and its tooltip, OS notifications, the blinking window
//! title) in English and French. Each language is one [`DesktopText`], whose fields are all
//! required: a sentence added for one language does not compile until the other has it too.
//! The language is the environment's (`CONFER_LANG`, else the locale) until the UI sets its own
//! (`set_language`).

use confer_core::i18n::Lang;
use tauri::{AppHandle, Manager};

use crate::AppState;

/// The shell's words in one language.
pub struct DesktopText {
    /// The tray item that shows the window.
    pub open_confer: &'static str,
    /// The tray's call line outside a call (greyed out).
    pub not_in_call: &'static str,
    /// The tray's call line during a call.
    pub in_call_with: fn(peer: &str) -> String,
    /// The tray's status choices.
    pub available: &'static str,
    /// Away.
    pub away: &'static str,
    /// Do not disturb.
    pub dnd: &'static str,
    /// Offline.
    pub offline: &'static str,
    /// The tray item that ends the app.
    pub quit: &'static str,
    /// The tray's tooltip with messages unread (at least one).
    pub tooltip_unread: fn(count: u32) -> String,
    /// The tray's tooltip during a call.
    pub tooltip_in_call: fn(peer: &str) -> String,
    /// The window title's other face while it blinks.
    pub unread_messages: &'static str,
    /// A notification's action that opens the conversation (or the window).
    pub open: &'static str,
    /// A message notification's text for a missed call.
    pub missed_call: &'static str,
    /// A message notification's title when the message names the user.
    pub mentioned_you: fn(sender: &str) -> String,
    /// An incoming call's notification title.
    pub call_from: fn(peer: &str) -> String,
    /// An incoming video call's notification title.
    pub video_call_from: fn(peer: &str) -> String,
    /// An incoming call's notification text.
    pub incoming_call: &'static str,
    /// An incoming call's notification actions.
    pub accept: &'static str,
    /// Decline.
    pub decline: &'static str,
}

/// English.
pub const EN: DesktopText = DesktopText {
    open_confer: "Open Confer",
    not_in_call: "Not in a call",
    in_call_with: |peer| format!("In a call with {peer}"),
    available: "Available",
    away: "Away",
    dnd: "Do Not Disturb",
    offline: "Offline",
    quit: "Quit",
    tooltip_unread: |count| format!("Confer: {count} unread"),
    tooltip_in_call: |peer| format!("Confer: in a call with {peer}"),
    unread_messages: "Unread messages",
    open: "Open",
    missed_call: "Missed call",
    mentioned_you: |sender| format!("{sender} mentioned you"),
    call_from: |peer| format!("Call from {peer}"),
    video_call_from: |peer| format!("Video call from {peer}"),
    incoming_call: "Incoming call",
    accept: "Accept",
    decline: "Decline",
};

/// French (the UI's words where it has them).
pub const FR: DesktopText = DesktopText {
    open_confer: "Ouvrir Confer",
    not_in_call: "Pas d'appel en cours",
    in_call_with: |peer| format!("En communication avec {peer}"),
    available: "Disponible",
    away: "Absent",
    dnd: "Ne pas déranger",
    offline: "Hors ligne",
    quit: "Quitter",
    tooltip_unread: |count| match count {
        0 | 1 => format!("Confer : {count} non lu"),
        _ => format!("Confer : {count} non lus"),
    },
    tooltip_in_call: |peer| format!("Confer : en communication avec {peer}"),
    unread_messages: "Messages non lus",
    open: "Ouvrir",
    missed_call: "Appel manqué",
    mentioned_you: |sender| format!("{sender} vous a mentionné"),
    call_from: |peer| format!("Appel de {peer}"),
    video_call_from: |peer| format!("Appel vidéo de {peer}"),
    incoming_call: "Appel entrant",
    accept: "Décrocher",
    decline: "Refuser",
};

/// The words in a language.
pub fn of(lang: Lang) -> &'static DesktopText {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

/// The language the shell speaks now: the UI's choice, else the environment's.
pub fn lang(app: &AppHandle) -> Lang {
    match app.try_state::<AppState>() {
        Some(state) => *state.lang.lock().expect("state poisoned"),
        None => Lang::from_env(),
    }
}

/// The words in the language the shell speaks now.
pub fn current(app: &AppHandle) -> &'static DesktopText {
    of(lang(app))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every sentence of a catalogue, each with sample arguments. The destructuring names
    /// every field: a sentence added to `DesktopText` does not compile until it is listed here.
    fn sentences(t: &DesktopText) -> Vec<(&'static str, String)> {
        let DesktopText {
            open_confer,
            not_in_call,
            in_call_with,
            available,
            away,
            dnd,
            offline,
            quit,
            tooltip_unread,
            tooltip_in_call,
            unread_messages,
            open,
            missed_call,
            mentioned_you,
            call_from,
            video_call_from,
            incoming_call,
            accept,
            decline,
        } = t;
        vec![
            ("open_confer", (*open_confer).to_owned()),
            ("not_in_call", (*not_in_call).to_owned()),
            ("in_call_with", in_call_with("bob")),
            ("available", (*available).to_owned()),
            ("away", (*away).to_owned()),
            ("dnd", (*dnd).to_owned()),
            ("offline", (*offline).to_owned()),
            ("quit", (*quit).to_owned()),
            ("tooltip_unread", tooltip_unread(3)),
            ("tooltip_in_call", tooltip_in_call("bob")),
            ("unread_messages", (*unread_messages).to_owned()),
            ("open", (*open).to_owned()),
            ("missed_call", (*missed_call).to_owned()),
            ("mentioned_you", mentioned_you("alice")),
            ("call_from", call_from("bob")),
            ("video_call_from", video_call_from("bob")),
            ("incoming_call", (*incoming_call).to_owned()),
            ("accept", (*accept).to_owned()),
            ("decline", (*decline).to_owned()),
        ]
    }

    #[test]
    fn every_word_is_translated() {
        let (en, fr) = (sentences(&EN), sentences(&FR));
        assert_eq!(en.len(), fr.len());
        for ((name, en), (_, fr)) in en.iter().zip(&fr) {
            assert!(!en.trim().is_empty() && !fr.trim().is_empty(), "{name}");
            assert_ne!(en, fr, "{name} is not translated");
        }
        assert_eq!((EN.mentioned_you)("alice"), "alice mentioned you");
        assert_eq!((FR.mentioned_you)("alice"), "alice vous a mentionné");
        assert_eq!((FR.tooltip_unread)(1), "Confer : 1 non lu");
        assert_eq!((FR.tooltip_unread)(4), "Confer : 4 non lus");
    }
}
