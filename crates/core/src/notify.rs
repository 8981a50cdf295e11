//! Whether an incoming message should raise an OS notification, blink the taskbar and count
//! toward the badge. The shells only act on the decision.

use confer_proto::{Message, PresenceChoice};
use serde::Serialize;
use ts_rs::TS;

/// What the desktop knows at the moment a message arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyContext {
    /// The signed-in user's name.
    pub me: String,
    /// The user's chosen status.
    pub status: PresenceChoice,
    /// The conversation shown in the timeline, if any.
    pub open_conversation: Option<u64>,
    /// Whether the app window has focus.
    pub window_focused: bool,
    /// The user's "notifications" setting.
    pub notifications_enabled: bool,
}

/// The decision for one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, TS)]
pub struct Decision {
    /// Raise an OS notification.
    pub notify: bool,
    /// Blink the taskbar entry (only while unfocused).
    pub blink: bool,
    /// Count toward the unread badge.
    pub badge: bool,
    /// The message names the user (`@name`): shown even from a muted conversation.
    pub mentioned: bool,
}

/// Applies the policy: never for one's own messages, nor for muted conversations unless the
/// message names the user; nothing while the conversation is open in a focused window (it is
/// being read); Do Not Disturb silences notifications and blinking but the message still
/// counts as unread.
pub fn decide(message: &Message, muted: bool, ctx: &NotifyContext) -> Decision {
    let mentioned = message
        .mentions
        .iter()
        .any(|m| m.eq_ignore_ascii_case(&ctx.me));
    // Joins and leaves are shown in the timeline but are not news; a missed call is.
    if message.sender == ctx.me
        || (muted && !mentioned)
        || !(message.kind.is_text() || is_missed_call(message))
    {
        return Decision::default();
    }
    if ctx.window_focused && ctx.open_conversation == Some(message.conversation) {
        return Decision::default();
    }
    let dnd = ctx.status == PresenceChoice::Dnd;
    Decision {
        notify: !dnd && ctx.notifications_enabled,
        blink: !dnd && !ctx.window_focused,
        // Muted conversations stay out of the unread totals, mentions or not.
        badge: !muted,
        mentioned,
    }
}

/// A call line telling the callee nobody answered.
pub fn is_missed_call(message: &Message) -> bool {
    matches!(
        message.kind,
        confer_proto::MessageKind::Call(confer_proto::CallRecord {
            outcome: confer_proto::CallOutcome::Missed,
            ..
        })
    )
}

#[cfg(test)]
mod tests {
    use confer_proto::TickState;

    use super::*;

    fn msg(sender: &str, conversation: u64) -> Message {
        Message {
            conversation,
            seq: 1,
            client_id: "c".into(),
            sender: sender.into(),
            text: "hi".into(),
            sent_at: 0,
            state: TickState::Sent,
            kind: confer_proto::MessageKind::Text,
            edited_at: None,
            deleted: false,
            reply_to: None,
            reactions: vec![],
            mentions: vec![],
            version: 0,
            preview: None,
        }
    }

    fn ctx() -> NotifyContext {
        NotifyContext {
            me: "alice".into(),
            status: PresenceChoice::Available,
            open_conversation: None,
            window_focused: false,
            notifications_enabled: true,
        }
    }

    #[test]
    fn a_message_from_someone_else_in_the_background_does_everything() {
        assert_eq!(
            decide(&msg("bob", 1), false, &ctx()),
            Decision {
                notify: true,
                blink: true,
                badge: true,
                mentioned: false
            }
        );
    }

    #[test]
    fn a_mention_notifies_even_from_a_muted_conversation_but_not_in_dnd() {
        let mut m = msg("bob", 1);
        m.mentions = vec!["Alice".into()];
        let d = decide(&m, true, &ctx());
        assert!(d.notify && d.blink && d.mentioned && !d.badge, "{d:?}");
        let dnd = NotifyContext {
            status: PresenceChoice::Dnd,
            ..ctx()
        };
        let d = decide(&m, true, &dnd);
        assert!(!d.notify && !d.blink && d.mentioned, "{d:?}");
        m.mentions = vec!["carol".into()];
        assert_eq!(decide(&m, true, &ctx()), Decision::default());
    }

    #[test]
    fn own_and_muted_messages_do_nothing() {
        assert_eq!(decide(&msg("alice", 1), false, &ctx()), Decision::default());
        assert_eq!(decide(&msg("bob", 1), true, &ctx()), Decision::default());
    }

    #[test]
    fn the_open_conversation_in_a_focused_window_does_nothing() {
        let c = NotifyContext {
            open_conversation: Some(1),
            window_focused: true,
            ..ctx()
        };
        assert_eq!(decide(&msg("bob", 1), false, &c), Decision::default());
        // Another conversation still notifies, but a focused window does not blink.
        assert_eq!(
            decide(&msg("bob", 2), false, &c),
            Decision {
                notify: true,
                blink: false,
                badge: true,
                mentioned: false
            }
        );
        // The open conversation in an unfocused window is not being read.
        let c = NotifyContext {
            open_conversation: Some(1),
            window_focused: false,
            ..ctx()
        };
        assert!(decide(&msg("bob", 1), false, &c).notify);
    }

    #[test]
    fn do_not_disturb_silences_but_still_counts() {
        let c = NotifyContext {
            status: PresenceChoice::Dnd,
            ..ctx()
        };
        assert_eq!(
            decide(&msg("bob", 1), false, &c),
            Decision {
                notify: false,
                blink: false,
                badge: true,
                mentioned: false
            }
        );
        let c = NotifyContext {
            notifications_enabled: false,
            ..ctx()
        };
        assert_eq!(
            decide(&msg("bob", 1), false, &c),
            Decision {
                notify: false,
                blink: true,
                badge: true,
                mentioned: false
            }
        );
    }
}
