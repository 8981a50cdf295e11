//! The rule for every user-visible name and short text other than a message body: room and group
//! names, meeting titles, display names, status messages and guests' names.
//!
//! Such text is shown beside other people's names, in lists, notifications and terminals, where
//! a right-to-left override, an invisible character or an escape sequence lets one name pass for
//! another. Message bodies are exempt: clients show them as text, never as a name.

use crate::store::StoreError;

/// Checks a name or short text and returns it cleaned: trimmed, with each run of white space
/// made one space (so "Alice  Martin" cannot pass for "Alice Martin"). `what` starts the
/// refusal's sentence ("A room name").
pub(crate) fn clean(what: &str, value: &str, max_chars: usize) -> Result<String, StoreError> {
    let cleaned = value.split_whitespace().collect::<Vec<_>>().join(" ");
    let count = cleaned.chars().count();
    if count == 0 || count > max_chars {
        return Err(StoreError::Invalid(format!(
            "{what} has 1 to {max_chars} characters."
        )));
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
            return Err(StoreError::Invalid(format!(
                "{what} may not hold control, invisible or direction-changing characters \
                 (U+{:04X}).",
                u32::from(c)
            )));
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
            assert!(clean("A name", bad, 64).is_err(), "{bad:?} passed");
        }
        assert_eq!(
            clean("A name", "  Alice   Martin ", 64).unwrap(),
            "Alice Martin"
        );
        assert_eq!(
            clean("A name", "two\tline\u{2028}s\n", 64).unwrap(),
            "two line s"
        );
        for good in [
            "Zoë from Acme",
            "Réunion d'équipe",
            "北京 office",
            "👩‍💻 team",
            "❤️ fans",
        ] {
            assert_eq!(clean("A name", good, 64).unwrap(), good);
        }
        assert!(clean("A name", &"a".repeat(65), 64).is_err());
    }
}
