//! How enumerations are spelled in the database: one spelling for every backend.

use confer_proto::{FavouriteState, MessageKind, PresenceChoice};

use crate::domain::authz::Role;

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

pub(crate) fn kind_from_str(s: &str) -> MessageKind {
    match s {
        "joined" => MessageKind::Joined,
        "left" => MessageKind::Left,
        _ => MessageKind::Text,
    }
}

pub(crate) fn kind_to_str(k: MessageKind) -> &'static str {
    match k {
        MessageKind::Text => "text",
        MessageKind::Joined => "joined",
        MessageKind::Left => "left",
    }
}

pub(crate) fn role_to_str(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::Moderator => "moderator",
        Role::Member => "member",
    }
}
