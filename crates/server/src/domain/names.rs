//! The rule for every user-visible name and short text other than a message body: room and group
//! names, meeting titles, display names, status messages and guests' names.
//!
//! Such text is shown beside other people's names, in lists, notifications and terminals, where
//! a right-to-left override, an invisible character or an escape sequence lets one name pass for
//! another. Message bodies are exempt: clients show them as text, never as a name.

use confer_proto::{Field, MAX_EMOJI_BYTES, Reason};

use crate::store::StoreError;

/// Checks a name or short text and returns it cleaned: trimmed, with each run of white space
/// made one space (so "Alice  Martin" cannot pass for "Alice Martin"). `field` says which it is
/// in the refusal.
pub(crate) fn clean(field: Field, value: &str, max_chars: u32) -> Result<String, StoreError> {
    let cleaned = value.split_whitespace().collect::<Vec<_>>().join(" ");
    let count = cleaned.chars().count();
    if count == 0 || count > max_chars as usize {
        return Err(StoreError::Invalid(Reason::NameLength {
            field,
            max: max_chars,
        }));
    }
    let chars: Vec<char> = cleaned.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let allowed = if c == '\u{200D}' {
            // The zero-width joiner is how emoji sequences (👩‍💻) are written: allowed only
            // between two emoji.
            i > 0 && i + 1 < chars.len() && emoji_part(chars[i - 1]) && emoji_part(chars[i + 1])
        } else {
            !forbidden(c)
        };
        if !allowed {
            return Err(StoreError::Invalid(Reason::NameCharacter {
                field,
                code_point: u32::from(c),
            }));
        }
    }
    Ok(cleaned)
}

/// Control characters (NUL, ESC and the rest), direction overrides, marks and isolates, and
/// characters that draw nothing.
fn forbidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0D}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E007F}'
                | '\u{E0100}'..='\u{E01EF}'
        )
}

/// Checks a reaction: one emoji, which may be a sequence (a skin tone, a flag, a keycap, a
/// family joined with U+200D), at most [`MAX_EMOJI_BYTES`] bytes. Anything else (letters,
/// spaces, two emoji side by side past the length cap) is [`Reason::InvalidReaction`].
pub(crate) fn emoji(value: &str) -> Result<String, StoreError> {
    let refused = || StoreError::Invalid(Reason::InvalidReaction);
    let chars: Vec<char> = value.chars().collect();
    if value.is_empty() || value.len() > MAX_EMOJI_BYTES || chars.len() > 10 {
        return Err(refused());
    }
    let keycap = chars.contains(&'\u{20E3}');
    let mut pictures = 0;
    for (i, &c) in chars.iter().enumerate() {
        let ok = match c {
            '\u{200D}' => {
                i > 0 && i + 1 < chars.len() && emoji_char(chars[i - 1]) && emoji_char(chars[i + 1])
            }
            '\u{FE0F}' | '\u{20E3}' | '\u{E0020}'..='\u{E007F}' => i > 0,
            '0'..='9' | '#' | '*' => i == 0 && keycap,
            c if emoji_char(c) => {
                pictures += 1;
                true
            }
            _ => false,
        };
        if !ok {
            return Err(refused());
        }
    }
    if pictures == 0 && !keycap {
        return Err(refused());
    }
    Ok(value.to_owned())
}

/// Pictographs outside the main emoji blocks, and those blocks.
fn emoji_char(c: char) -> bool {
    emoji_part(c) && c != '\u{FE0F}'
        || matches!(
            c,
            '\u{00A9}'
                | '\u{00AE}'
                | '\u{203C}'
                | '\u{2049}'
                | '\u{2122}'
                | '\u{2139}'
                | '\u{2194}'..='\u{21AA}'
                | '\u{231A}'..='\u{23FF}'
                | '\u{24C2}'
                | '\u{25AA}'..='\u{25FE}'
                | '\u{2934}'..='\u{2935}'
                | '\u{2B05}'..='\u{2B55}'
                | '\u{3030}'
                | '\u{303D}'
                | '\u{3297}'
                | '\u{3299}'
        )
}

/// Characters an emoji sequence is made of on either side of a joiner.
fn emoji_part(c: char) -> bool {
    matches!(
        c,
        '\u{2600}'..='\u{27BF}' | '\u{1F000}'..='\u{1FAFF}' | '\u{FE0F}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reaction_is_one_emoji() {
        for good in [
            "👍",
            "❤️",
            "👩‍💻",
            "🇫🇷",
            "👍🏽",
            "1️⃣",
            "⭐",
            "🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
        ] {
            assert_eq!(emoji(good).unwrap(), good, "{good:?} refused");
        }
        for bad in [
            "",
            "a",
            " ",
            "👍 ",
            ":+1:",
            "\u{200D}👍",
            "👍\u{200D}",
            "\u{FE0F}",
            "1",
            "<b>",
            "👍👍👍👍👍👍👍👍👍👍👍",
            "\u{202E}👍",
        ] {
            assert!(
                matches!(
                    emoji(bad),
                    Err(StoreError::Invalid(Reason::InvalidReaction))
                ),
                "{bad:?} passed"
            );
        }
    }

    #[test]
    fn names_that_spoof_are_refused_and_plain_ones_cleaned() {
        for bad in [
            "alice\u{202E}gpj.exe",
            "ali\u{200B}ce",
            "a\u{0000}b",
            "\u{1b}[31mred\u{1b}[0m",
            "x\u{2066}y",
            "\u{FEFF}bom",
            "a\u{200D}b",
            "",
            "   ",
        ] {
            assert!(clean(Field::GuestName, bad, 64).is_err(), "{bad:?} passed");
        }
        assert_eq!(
            clean(Field::GuestName, "  Alice   Martin ", 64).unwrap(),
            "Alice Martin"
        );
        assert_eq!(
            clean(Field::GuestName, "two\tline\u{2028}s\n", 64).unwrap(),
            "two line s"
        );
        for good in [
            "Zoë from Acme",
            "Réunion d'équipe",
            "北京 office",
            "👩‍💻 team",
            "❤️ fans",
        ] {
            assert_eq!(clean(Field::GuestName, good, 64).unwrap(), good);
        }
        assert!(matches!(
            clean(Field::RoomName, &"a".repeat(65), 64),
            Err(StoreError::Invalid(Reason::NameLength {
                field: Field::RoomName,
                max: 64
            }))
        ));
        assert!(matches!(
            clean(Field::GuestName, "alice\u{202E}gpj", 64),
            Err(StoreError::Invalid(Reason::NameCharacter {
                field: Field::GuestName,
                code_point: 0x202E
            }))
        ));
    }
}
