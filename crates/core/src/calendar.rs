//! Calendar helpers: RFC 3339 times from the command line, and `.ics` invitations for scheduled
//! meetings, with the room's join link.

use confer_proto::ScheduledMeeting;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use crate::CoreError;

/// Milliseconds since the epoch for an RFC 3339 time such as `2026-12-01T09:30:00+01:00`.
pub fn parse_rfc3339(text: &str) -> Result<i64, CoreError> {
    let t = OffsetDateTime::parse(text.trim(), &Rfc3339).map_err(|e| {
        CoreError::Invalid(
            format!("{text:?} is not an RFC 3339 time such as 2026-12-01T09:30:00Z ({e}).").into(),
        )
    })?;
    Ok((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// `YYYYMMDDTHHMMSSZ` for iCalendar.
fn ics_time(ms: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Escapes an iCalendar TEXT value (RFC 5545 §3.3.11).
fn ics_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// An iCalendar invitation for a scheduled meeting; `link` is the room's join link, `server`
/// the host that issued it (for a globally unique UID), `now_ms` the stamp.
pub fn ics(meeting: &ScheduledMeeting, link: &str, server: &str, now_ms: i64) -> String {
    let end = meeting.starts_at + i64::from(meeting.minutes) * 60_000;
    let lines = [
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Confer//Confer//EN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:meeting-{}@{}", meeting.id, ics_text(server)),
        format!("DTSTAMP:{}", ics_time(now_ms)),
        format!("DTSTART:{}", ics_time(meeting.starts_at)),
        format!("DTEND:{}", ics_time(end)),
        format!("SUMMARY:{}", ics_text(&meeting.title)),
        format!(
            "DESCRIPTION:{}",
            ics_text(&format!("Virtual Room \"{}\" - join: {link}", meeting.name))
        ),
        format!("LOCATION:{}", ics_text(link)),
        format!("URL:{link}"),
        format!(
            "ORGANIZER;CN={}:noreply@{}",
            ics_text(&meeting.organizer),
            ics_text(server)
        ),
        "END:VEVENT".to_owned(),
        "END:VCALENDAR".to_owned(),
    ];
    // iCalendar lines end with CRLF.
    let mut out = lines.join("\r\n");
    out.push_str("\r\n");
    out
}

/// Writes an invitation into `dir` as `<title>.ics`, never over an existing file (` (2)`,
/// ` (3)`… are added); returns the path. The title is made safe as a file name.
pub fn save_ics(
    dir: &std::path::Path,
    title: &str,
    text: &str,
) -> Result<std::path::PathBuf, CoreError> {
    let stem: String = title
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let stem = stem.trim().trim_start_matches('.');
    let stem = if stem.is_empty() { "meeting" } else { stem };
    std::fs::create_dir_all(dir)
        .map_err(|e| CoreError::Invalid(format!("cannot create {}: {e}", dir.display()).into()))?;
    for n in 1..1000 {
        let name = if n == 1 {
            format!("{stem}.ics")
        } else {
            format!("{stem} ({n}).ics")
        };
        let path = dir.join(name);
        // create_new: two saves at once cannot pick the same name.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                use std::io::Write;
                f.write_all(text.as_bytes()).map_err(|e| {
                    CoreError::Invalid(format!("cannot write {}: {e}", path.display()).into())
                })?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(CoreError::Invalid(
                    format!("cannot write {}: {e}", path.display()).into(),
                ));
            }
        }
    }
    Err(CoreError::Invalid(
        format!(
            "{} holds too many invitations named {stem:?}",
            dir.display()
        )
        .into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_invitations_never_overwrite_and_titles_become_safe_names() {
        let dir = tempfile::tempdir().unwrap();
        let a = save_ics(dir.path(), "Sprint review", "A").unwrap();
        let b = save_ics(dir.path(), "Sprint review", "B").unwrap();
        assert_eq!(a.file_name().unwrap(), "Sprint review.ics");
        assert_eq!(b.file_name().unwrap(), "Sprint review (2).ics");
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "A");
        let odd = save_ics(dir.path(), "../Q1/Q2: plan?", "C").unwrap();
        assert_eq!(odd.parent().unwrap(), dir.path());
        assert_eq!(odd.file_name().unwrap(), "_Q1_Q2_ plan_.ics");
        let blank = save_ics(dir.path(), "  ", "D").unwrap();
        assert_eq!(blank.file_name().unwrap(), "meeting.ics");
    }

    #[test]
    fn rfc3339_times_parse_with_offsets_and_bad_ones_are_refused() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:01Z").unwrap(), 1000);
        assert_eq!(
            parse_rfc3339("2026-12-01T10:30:00+01:00").unwrap(),
            parse_rfc3339("2026-12-01T09:30:00Z").unwrap()
        );
        assert!(matches!(
            parse_rfc3339("next tuesday"),
            Err(CoreError::Invalid(_))
        ));
    }

    #[test]
    fn an_invitation_has_the_times_title_and_link() {
        let m = ScheduledMeeting {
            id: 4,
            conversation: 12,
            name: "Weekly planning".into(),
            title: "Sprint review, part 2".into(),
            starts_at: parse_rfc3339("2026-12-01T09:30:00Z").unwrap(),
            minutes: 45,
            organizer: "alice".into(),
        };
        let ics = ics(&m, "confer://join/abc", "chat.example.com", 0);
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
        assert!(ics.contains("DTSTART:20261201T093000Z\r\n"));
        assert!(ics.contains("DTEND:20261201T101500Z\r\n"));
        assert!(ics.contains("SUMMARY:Sprint review\\, part 2\r\n"));
        assert!(ics.contains("URL:confer://join/abc\r\n"));
        assert!(ics.contains("UID:meeting-4@chat.example.com\r\n"));
    }
}
