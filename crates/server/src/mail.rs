//! Histories sent by email: the mail server from the configuration (`smtp_url`, `smtp_from`),
//! and the history written out as plain text in the sender's language (English or French).
//!
//! Who may send and how often are rules of the domain (`domain::conversations`); this module
//! only words the mail and hands it to SMTP.

use std::collections::HashMap;

use confer_proto::{CallOutcome, ConversationKind, ErrorCode, Message, MessageKind, Reason};
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message as Mail, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};

use crate::{ApiError, ServerError, config::Config};

/// The most messages one mail carries (the newest ones; the mail says when earlier ones were
/// left out).
pub(crate) const MAX_MESSAGES: usize = 10_000;

/// The configured mail server.
pub(crate) struct MailServer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl MailServer {
    /// `smtp://host:port` (plain, or `?tls=required` for STARTTLS), `smtps://host:port`, with
    /// optional `user:password@`; and the sender's address.
    pub(crate) fn parse(url: &str, from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| e.to_string())?
            .build();
        let from = from.parse::<Mailbox>().map_err(|e| e.to_string())?;
        Ok(Self { transport, from })
    }
}

/// Sends histories, when a mail server is configured.
pub(crate) struct Mailer {
    server: Option<MailServer>,
    /// Histories one user may send per hour.
    pub per_hour: u32,
}

impl Mailer {
    /// From the configuration (already validated).
    pub(crate) fn new(config: &Config) -> Result<Self, ServerError> {
        let server = match &config.smtp_url {
            Some(url) => Some(
                MailServer::parse(url, &config.smtp_from)
                    .map_err(|e| ServerError::Config(format!("smtp_url: {e}")))?,
            ),
            None => None,
        };
        Ok(Self {
            server,
            per_hour: config.history_mails_per_hour,
        })
    }

    /// The mail server, or the refusal a client shows when there is none.
    pub(crate) fn server(&self) -> Result<&MailServer, ApiError> {
        self.server
            .as_ref()
            .ok_or_else(|| ApiError::new(ErrorCode::Forbidden, Reason::MailNotConfigured))
    }
}

/// An address a history may go to: one mailbox, no display name games, no line breaks.
pub(crate) fn recipient(to: &str) -> Result<Mailbox, ApiError> {
    let bad = || ApiError::new(ErrorCode::Invalid, Reason::BadEmailAddress);
    let to = to.trim();
    if to.is_empty() || to.len() > 254 || to.chars().any(|c| c.is_control() || c == ',') {
        return Err(bad());
    }
    let mailbox: Mailbox = to.parse().map_err(|_| bad())?;
    // A bare address only: what the notice shows is exactly where the mail went.
    if mailbox.name.is_some() {
        return Err(bad());
    }
    Ok(mailbox)
}

/// The language of a mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    En,
    Fr,
}

impl Lang {
    /// `fr`, `fr-FR`, `fr_CA` are French; anything else English.
    pub(crate) fn from_tag(tag: Option<&str>) -> Self {
        match tag {
            Some(t) if t.to_ascii_lowercase().starts_with("fr") => Self::Fr,
            _ => Self::En,
        }
    }
}

/// What a mail is made of, read from the store as the sender sees it.
pub(crate) struct History {
    pub kind: ConversationKind,
    pub name: Option<String>,
    /// Members' account names.
    pub members: Vec<String>,
    /// Display names by account name (senders and members).
    pub names: HashMap<String, String>,
    /// Oldest first.
    pub messages: Vec<Message>,
    /// Earlier messages were left out ([`MAX_MESSAGES`]).
    pub truncated: bool,
}

/// The subject and body of the mail that `sender` sends.
pub(crate) fn render(
    history: &History,
    sender: &str,
    lang: Lang,
    offset_minutes: i32,
    now_ms: i64,
) -> (String, String) {
    let name = |n: &str| {
        history
            .names
            .get(n)
            .cloned()
            .unwrap_or_else(|| n.to_owned())
    };
    let title = match &history.name {
        Some(n) => n.clone(),
        None => history
            .members
            .iter()
            .filter(|m| *m != sender)
            .map(|m| name(m))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let fr = lang == Lang::Fr;
    let subject = if fr {
        format!("Historique de la conversation : {title}")
    } else {
        format!("Conversation history: {title}")
    };
    let members = history
        .members
        .iter()
        .map(|m| name(m))
        .collect::<Vec<_>>()
        .join(", ");
    let zone = zone_text(offset_minutes);
    let mut body = String::new();
    let kind = match (history.kind, fr) {
        (ConversationKind::Direct | ConversationKind::Alias, _) => "Conversation",
        (ConversationKind::Group, false) => "Group",
        (ConversationKind::Group, true) => "Groupe",
        (ConversationKind::Room, false) => "Virtual Room",
        (ConversationKind::Room, true) => "Salle virtuelle",
    };
    if fr {
        body.push_str(&format!("{kind} « {title} »\n"));
    } else {
        body.push_str(&format!("{kind} \u{201c}{title}\u{201d}\n"));
    }
    let local = |ms: i64| ms + i64::from(offset_minutes) * 60_000;
    if fr {
        body.push_str(&format!("Membres : {members}\n"));
        body.push_str(&format!(
            "Envoyé par {} le {} ({zone}).\n",
            name(sender),
            day_text(local(now_ms), lang)
        ));
    } else {
        body.push_str(&format!("Members: {members}\n"));
        body.push_str(&format!(
            "Sent by {} on {} (times in {zone}).\n",
            name(sender),
            day_text(local(now_ms), lang)
        ));
    }
    if history.truncated {
        body.push_str(if fr {
            "Seuls les 10 000 derniers messages figurent ici.\n"
        } else {
            "Only the newest 10,000 messages are included.\n"
        });
    }
    if history.messages.is_empty() {
        body.push_str(if fr {
            "\nAucun message.\n"
        } else {
            "\nNo messages.\n"
        });
    }
    let mut day = None;
    for m in &history.messages {
        let at = local(m.sent_at);
        let this_day = at.div_euclid(86_400_000);
        if day != Some(this_day) {
            day = Some(this_day);
            body.push_str(&format!("\n— {} —\n", day_text(at, lang)));
        }
        let who = name(&m.sender);
        let line = line_text(m, &who, lang);
        body.push_str(&format!("{} {line}\n", clock_text(at)));
    }
    (subject, body)
}

fn line_text(m: &Message, who: &str, lang: Lang) -> String {
    let fr = lang == Lang::Fr;
    // French sets a space before a colon.
    let colon = if fr { " :" } else { ":" };
    if m.deleted {
        return format!(
            "{who}{colon} {}",
            if fr {
                "(message supprimé)"
            } else {
                "(message deleted)"
            }
        );
    }
    match &m.kind {
        MessageKind::Text => {
            let mut text = String::new();
            if let Some(seq) = m.reply_to {
                text.push_str(&if fr {
                    format!("(en réponse au message {seq}) ")
                } else {
                    format!("(replying to message {seq}) ")
                });
            }
            // Continuation lines are indented under the time, so a line never passes for a
            // message of its own.
            text.push_str(&m.text.replace('\n', "\n      "));
            if m.edited_at.is_some() {
                text.push_str(if fr { " (modifié)" } else { " (edited)" });
            }
            if !m.reactions.is_empty() {
                let reactions = m
                    .reactions
                    .iter()
                    .map(|r| format!("{} {}", r.emoji, r.users.len()))
                    .collect::<Vec<_>>()
                    .join(" ");
                text.push_str(&format!(" [{reactions}]"));
            }
            format!("{who}{colon} {text}")
        }
        MessageKind::Joined => match fr {
            true => format!("{who} a rejoint la conversation."),
            false => format!("{who} joined."),
        },
        MessageKind::Left => match fr {
            true => format!("{who} a quitté la conversation."),
            false => format!("{who} left."),
        },
        MessageKind::Call(record) => {
            let what = match (record.video, fr) {
                (true, false) => "video call",
                (false, false) => "call",
                (true, true) => "appel vidéo",
                (false, true) => "appel",
            };
            let minutes = record.duration_ms.div_ceil(60_000);
            match (record.outcome, fr) {
                (CallOutcome::Completed, false) => format!("{who}: {what}, {minutes} min"),
                (CallOutcome::Completed, true) => format!("{who} : {what}, {minutes} min"),
                (CallOutcome::Missed, false) => format!("{who}: missed {what}"),
                (CallOutcome::Missed, true) => format!("{who} : {what} manqué"),
                (CallOutcome::Declined, false) => format!("{who}: declined {what}"),
                (CallOutcome::Declined, true) => format!("{who} : {what} refusé"),
            }
        }
        MessageKind::File(file) => format!(
            "{who}{colon} 📎 {} ({})",
            file.name,
            confer_proto::bytes_text(file.size)
        ),
        MessageKind::Mailed { to } => match fr {
            true => format!("{who} a envoyé l'historique à {to}."),
            false => format!("{who} sent the history to {to}."),
        },
    }
}

/// `UTC+01:00`.
fn zone_text(offset_minutes: i32) -> String {
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let m = offset_minutes.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
}

/// `14:05`.
fn clock_text(local_ms: i64) -> String {
    let minutes = local_ms.div_euclid(60_000).rem_euclid(24 * 60);
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// `Wednesday 2 December 2026`, `mercredi 2 décembre 2026`.
fn day_text(local_ms: i64, lang: Lang) -> String {
    const EN_DAYS: [&str; 7] = [
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
    ];
    const FR_DAYS: [&str; 7] = [
        "jeudi", "vendredi", "samedi", "dimanche", "lundi", "mardi", "mercredi",
    ];
    const EN_MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const FR_MONTHS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let days = local_ms.div_euclid(86_400_000);
    let (y, m, d) = confer_proto::civil_from_days(days);
    // 1 January 1970 was a Thursday.
    let weekday = days.rem_euclid(7) as usize;
    let month = (m - 1) as usize;
    match lang {
        Lang::En => format!("{} {d} {} {y}", EN_DAYS[weekday], EN_MONTHS[month]),
        Lang::Fr => format!("{} {d} {} {y}", FR_DAYS[weekday], FR_MONTHS[month]),
    }
}

/// Sends one mail.
pub(crate) async fn send(
    server: &MailServer,
    to: Mailbox,
    subject: &str,
    body: String,
) -> Result<(), ApiError> {
    let mail = Mail::builder()
        .from(server.from.clone())
        .to(to)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| {
            tracing::warn!(error = %e, "building a history mail failed");
            ApiError::new(ErrorCode::Internal, Reason::MailFailed)
        })?;
    server.transport.send(mail).await.map_err(|e| {
        tracing::warn!(error = %e, "the mail server did not take a history mail");
        ApiError::new(ErrorCode::Internal, Reason::MailFailed)
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_bare_single_mailboxes() {
        assert!(recipient("dana@example.com").is_ok());
        for bad in [
            "",
            "dana",
            "Dana <dana@example.com>",
            "a@example.com, b@example.com",
            "dana@example.com\r\nBcc: eve@example.com",
        ] {
            assert_eq!(
                recipient(bad).unwrap_err().0.reason,
                Reason::BadEmailAddress,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn days_and_times_follow_the_language_and_the_offset() {
        // 2026-12-02 23:30 UTC is 00:30 on Thursday 3 December at UTC+01:00.
        let at = 1_796_254_200_000;
        assert_eq!(clock_text(at + 60 * 60_000), "00:30");
        assert_eq!(day_text(at, Lang::En), "Wednesday 2 December 2026");
        assert_eq!(
            day_text(at + 60 * 60_000, Lang::Fr),
            "jeudi 3 décembre 2026"
        );
        assert_eq!(zone_text(60), "UTC+01:00");
        assert_eq!(zone_text(-330), "UTC-05:30");
        assert_eq!(Lang::from_tag(Some("fr-CA")), Lang::Fr);
        assert_eq!(Lang::from_tag(Some("de")), Lang::En);
    }
}
