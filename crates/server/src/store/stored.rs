//! How enumerations are spelled in the database, and how stored changes are read back: one
//! spelling for every backend.

use confer_proto::{Change, FavouriteState, MessageKind, PresenceChoice, Reason};

use crate::{domain::authz::Role, store::StoreError};

/// A change as stored in the stream (JSON). Rows written before reasons were codes carry a
/// guest's ended `meeting` change with an English sentence: the four sentences the server ever
/// wrote there read back as their reasons, so a device syncing across the upgrade still learns
/// why its access ended.
pub(crate) fn change_from_json(position: u64, payload: &str) -> Result<Change, StoreError> {
    let corrupt =
        |e: serde_json::Error| StoreError::Corrupt(format!("stream position {position}: {e}"));
    serde_json::from_str(payload).or_else(|first| {
        let mut value: serde_json::Value = serde_json::from_str(payload).map_err(corrupt)?;
        let Some(text) = value
            .get("ended")
            .and_then(|e| e.as_str())
            .filter(|_| value.get("kind").and_then(|k| k.as_str()) == Some("meeting"))
        else {
            return Err(corrupt(first));
        };
        let reason = match text {
            "The meeting has ended." => Reason::MeetingEnded,
            "The room was deleted." => Reason::RoomDeleted,
            "A moderator removed you from the meeting." => Reason::RemovedByModerator,
            "A moderator did not let you into the meeting." => Reason::RefusedByModerator,
            _ => Reason::Unknown,
        };
        value["ended"] = serde_json::to_value(reason).map_err(corrupt)?;
        serde_json::from_value(value).map_err(corrupt)
    })
}

pub(crate) fn choice_to_str(c: PresenceChoice) -> &'static str {
    match c {
        PresenceChoice::Available => "available",
        PresenceChoice::Away => "away",
        PresenceChoice::Dnd => "dnd",
        PresenceChoice::Offline => "offline",
    }
}

pub(crate) fn choice_from_str(s: &str) -> PresenceChoice {
    match s {
        "away" => PresenceChoice::Away,
        "dnd" => PresenceChoice::Dnd,
        "offline" => PresenceChoice::Offline,
        _ => PresenceChoice::Available,
    }
}

pub(crate) fn fav_state_to_str(s: FavouriteState) -> &'static str {
    match s {
        FavouriteState::Pending => "pending",
        FavouriteState::Accepted => "accepted",
        FavouriteState::Declined => "declined",
        FavouriteState::Removed => "removed",
    }
}

pub(crate) fn fav_state_from_str(s: &str) -> FavouriteState {
    match s {
        "pending" => FavouriteState::Pending,
        "accepted" => FavouriteState::Accepted,
        "declined" => FavouriteState::Declined,
        _ => FavouriteState::Removed,
    }
}

/// A message's kind and text from its stored kind and body: a call keeps its record in the
/// body (JSON), and shows no text.
pub(crate) fn kind_from_stored(kind: &str, body: String) -> (MessageKind, String) {
    match kind {
        "joined" => (MessageKind::Joined, body),
        "left" => (MessageKind::Left, body),
        "call" => match serde_json::from_str(&body) {
            Ok(record) => (MessageKind::Call(record), String::new()),
            // Written by this server, so unreadable only if damaged: shown as a plain line
            // rather than failing the whole page.
            Err(_) => (MessageKind::Text, String::new()),
        },
        // A deleted file message keeps no body: it reads back as an empty (deleted) line.
        "file" => match serde_json::from_str(&body) {
            Ok(file) => (MessageKind::File(file), String::new()),
            Err(_) => (MessageKind::Text, String::new()),
        },
        "mailed" => (MessageKind::Mailed { to: body }, String::new()),
        _ => (MessageKind::Text, body),
    }
}

/// Mentions as stored: a JSON array, NULL for none.
pub(crate) fn mentions_to_stored(mentions: &[String]) -> Option<String> {
    (!mentions.is_empty())
        .then(|| serde_json::to_string(mentions).expect("a list of names serialises"))
}

/// Mentions from their column; unreadable (damaged) ones read as none rather than failing the
/// page.
pub(crate) fn mentions_from_stored(stored: Option<String>) -> Vec<String> {
    stored
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

/// A link card as stored: JSON, NULL for none.
pub(crate) fn preview_to_stored(preview: Option<&confer_proto::LinkPreview>) -> Option<String> {
    preview.map(|p| serde_json::to_string(p).expect("a link preview serialises"))
}

/// A link card from its column; a damaged one reads as none (the message stands without it).
pub(crate) fn preview_from_stored(
    stored: Option<String>,
) -> Option<Box<confer_proto::LinkPreview>> {
    stored.and_then(|s| serde_json::from_str(&s).ok())
}

/// How a kind is stored: its name, and the body of a line with no text of its own.
pub(crate) fn kind_to_stored(k: &MessageKind) -> (&'static str, String) {
    match k {
        MessageKind::Text => ("text", String::new()),
        MessageKind::Joined => ("joined", String::new()),
        MessageKind::Left => ("left", String::new()),
        MessageKind::Call(record) => (
            "call",
            serde_json::to_string(&record).expect("a call record serialises"),
        ),
        MessageKind::File(file) => (
            "file",
            serde_json::to_string(&file).expect("a file serialises"),
        ),
        MessageKind::Mailed { to } => ("mailed", to.clone()),
    }
}

pub(crate) fn role_to_str(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::Moderator => "moderator",
        Role::Member => "member",
        Role::Agent => "agent",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_rows_from_before_reasons_read_back_with_their_reason() {
        let legacy = r#"{"kind":"meeting","conversation":12,"ongoing":null,"ended":"A moderator removed you from the meeting."}"#;
        assert_eq!(
            change_from_json(7, legacy).unwrap(),
            Change::Meeting {
                conversation: 12,
                ongoing: None,
                ended: Some(Reason::RemovedByModerator),
            }
        );
        let odd = r#"{"kind":"meeting","conversation":12,"ongoing":null,"ended":"Gone."}"#;
        assert!(matches!(
            change_from_json(7, odd).unwrap(),
            Change::Meeting {
                ended: Some(Reason::Unknown),
                ..
            }
        ));
        let current = Change::Meeting {
            conversation: 12,
            ongoing: None,
            ended: Some(Reason::RoomDeleted),
        };
        let json = serde_json::to_string(&current).unwrap();
        assert_eq!(change_from_json(7, &json).unwrap(), current);
        assert!(matches!(
            change_from_json(7, r#"{"kind":"nothing"}"#),
            Err(StoreError::Corrupt(e)) if e.contains("stream position 7")
        ));
    }
}
