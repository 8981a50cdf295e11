//! The words the local message search indexes and looks for. SQLite's FTS5 folds case and
//! accents; stemming is done here, before it: each word is indexed as itself and as its English
//! and French stems (Snowball), and each word of a query matches as a prefix or through
//! either of its stems. "Meetings" then finds "meeting", "réunions" finds "Réunion", and "reunion" finds
//! both, in either language, without knowing which one a message is in.

use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

/// Words of a query used at most.
const MAX_TERMS: usize = 8;
/// Characters of a word kept at most.
const MAX_WORD: usize = 64;

fn stemmers() -> &'static (Stemmer, Stemmer) {
    static STEMMERS: OnceLock<(Stemmer, Stemmer)> = OnceLock::new();
    STEMMERS.get_or_init(|| {
        (
            Stemmer::create(Algorithm::English),
            Stemmer::create(Algorithm::French),
        )
    })
}

/// Lowercased words (runs of letters and digits), each at most [`MAX_WORD`] characters.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.chars()
                .take(MAX_WORD)
                .flat_map(char::to_lowercase)
                .collect()
        })
}

/// A word and its stems, each once.
fn forms(word: &str) -> Vec<String> {
    let (en, fr) = stemmers();
    let mut out = vec![word.to_owned()];
    for stem in [en.stem(word), fr.stem(word)] {
        if !stem.is_empty() && !out.iter().any(|f| f == stem.as_ref()) {
            out.push(stem.into_owned());
        }
    }
    out
}

/// What the index holds for a text: every word and its stems, separated by spaces.
pub(crate) fn index_terms(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for word in words(text) {
        for form in forms(&word) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&form);
        }
    }
    out
}

/// The FTS5 query for a search: every word must match, as a prefix or through one of its
/// stems. `None` when the query has no word. Forms are letters and digits only, quoted, so
/// no query syntax can be injected.
pub(crate) fn match_expression(query: &str) -> Option<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut terms = Vec::new();
    for word in words(query) {
        if seen.contains(&word) {
            continue;
        }
        // The word as typed is a prefix ("meet" finds "meeting"); its stems match whole
        // (as prefixes they would be too greedy: "notes" stems to "not", not "nothing").
        let any = forms(&word)
            .iter()
            .enumerate()
            .map(|(i, f)| {
                if i == 0 {
                    format!("\"{f}\"*")
                } else {
                    format!("\"{f}\"")
                }
            })
            .collect::<Vec<_>>()
            .join(" OR ");
        terms.push(format!("({any})"));
        seen.push(word);
        if terms.len() == MAX_TERMS {
            break;
        }
    }
    (!terms.is_empty()).then(|| terms.join(" AND "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_indexed_with_their_english_and_french_stems() {
        let terms = index_terms("Meetings, réunions!");
        for want in ["meetings", "meet", "réunions", "réunion"] {
            assert!(terms.split(' ').any(|t| t == want), "{want} in {terms}");
        }
        assert_eq!(index_terms("  ...  "), "");
    }

    #[test]
    fn a_query_matches_any_form_of_each_word_and_cannot_inject_syntax() {
        assert_eq!(match_expression("?! -"), None);
        let q = match_expression("Meetings NEAR(\"x\")").unwrap();
        assert!(q.starts_with("(\"meetings\"* OR \"meet\""), "{q}");
        assert!(
            !q.contains("NEAR") && q.matches('"').count().is_multiple_of(2),
            "{q}"
        );
        let many = match_expression("a b c d e f g h i j").unwrap();
        assert_eq!(many.matches(" AND ").count(), MAX_TERMS - 1);
    }
}
