//! A page's title, description and image from its HTML head: Open Graph tags first, then
//! `<title>` and `<meta name="description">`. A small scanner over tags, not a full HTML
//! parser: it only needs the head, which comes first, and it never interprets anything (no
//! scripts, no entities beyond the common ones), so hostile markup can only yield text.

use url::Url;

/// What a page says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageMeta {
    /// Its title.
    pub title: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// Its image's absolute http(s) URL.
    pub image: Option<String>,
}

/// Longest title kept, in characters.
const MAX_TITLE: usize = 300;
/// Longest description kept, in characters.
const MAX_DESCRIPTION: usize = 1000;

/// Reads a page's meta data from its bytes (decoded as UTF-8, invalid bytes replaced), with
/// relative image URLs resolved against `base`.
pub fn page_meta(html: &[u8], base: &str) -> PageMeta {
    let text = String::from_utf8_lossy(html);
    let mut og_title = None;
    let mut og_description = None;
    let mut description = None;
    let mut image = None;
    let mut title = None;
    let mut rest: &str = &text;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        // Comments and scripts hide tags that are not tags.
        if let Some(after) = rest.strip_prefix("!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or("");
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
            .collect::<String>()
            .to_ascii_lowercase();
        match name.as_str() {
            "script" | "style" => {
                let close = format!("</{name}");
                let lower = rest.to_ascii_lowercase();
                rest = lower.find(&close).map_or("", |i| &rest[i..]);
            }
            "title" if title.is_none() => {
                let close = rest
                    .to_ascii_lowercase()
                    .find("</title")
                    .unwrap_or(rest.len());
                title = clean(&rest[..close], MAX_TITLE);
            }
            "meta" => {
                let attrs = attributes(&tag[4..]);
                let get = |key: &str| {
                    attrs
                        .iter()
                        .find(|(k, _)| k == key)
                        .map(|(_, v)| v.as_str())
                };
                let key = get("property").or_else(|| get("name")).unwrap_or("");
                let content = get("content").unwrap_or("");
                match key.to_ascii_lowercase().as_str() {
                    "og:title" | "twitter:title" if og_title.is_none() => {
                        og_title = clean(content, MAX_TITLE)
                    }
                    "og:description" | "twitter:description" if og_description.is_none() => {
                        og_description = clean(content, MAX_DESCRIPTION)
                    }
                    "description" if description.is_none() => {
                        description = clean(content, MAX_DESCRIPTION)
                    }
                    "og:image" | "og:image:url" | "twitter:image" if image.is_none() => {
                        image = absolute(base, content)
                    }
                    _ => {}
                }
            }
            "/head" | "body" => break,
            _ => {}
        }
    }
    PageMeta {
        title: og_title.or(title),
        description: og_description.or(description),
        image,
    }
}

/// `key="value"`, `key='value'` and `key=value` pairs, keys lowercased, values unescaped.
fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let chars: Vec<char> = tag.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && (chars[i].is_whitespace() || chars[i] == '/') {
            i += 1;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '=' && chars[i] != '/' {
            i += 1;
        }
        let key: String = chars[start..i]
            .iter()
            .collect::<String>()
            .to_ascii_lowercase();
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < chars.len() && chars[i] == '=' {
            i += 1;
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            if i < chars.len() && (chars[i] == '"' || chars[i] == '\'') {
                let quote = chars[i];
                i += 1;
                let start = i;
                while i < chars.len() && chars[i] != quote {
                    i += 1;
                }
                value = chars[start..i].iter().collect();
                i += 1;
            } else {
                let start = i;
                while i < chars.len() && !chars[i].is_whitespace() {
                    i += 1;
                }
                value = chars[start..i].iter().collect();
            }
        }
        if !key.is_empty() {
            out.push((key, unescape(&value)));
        } else if start == i {
            i += 1;
        }
    }
    out
}

/// The common character references; anything else stays as written.
fn unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest.find(';').filter(|&s| s <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" | "#39" => Some('\''),
            "nbsp" => Some(' '),
            e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse::<u32>().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Text for a card: entities decoded, white space collapsed, control and direction characters
/// dropped, cut at `max` characters; `None` when nothing is left.
fn clean(text: &str, max: usize) -> Option<String> {
    let decoded = unescape(text);
    let words: Vec<&str> = decoded.split_whitespace().collect();
    let joined: String = words
        .join(" ")
        .chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    let mut out: String = joined.chars().take(max).collect();
    if joined.chars().count() > max {
        out.push('…');
    }
    (!out.is_empty()).then_some(out)
}

/// An image URL made absolute against the page; only http and https.
fn absolute(base: &str, src: &str) -> Option<String> {
    let url = Url::parse(base).ok()?.join(src.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_graph_comes_first_then_the_title_and_description() {
        let page = br#"<!doctype html><html><head>
            <title>Plain &amp; simple</title>
            <meta name="description" content="The plain one">
            <meta property="og:title" content="Rich  &quot;title&quot;">
            <meta content='og desc' property='og:description'>
            <meta property=og:image content=/img/card.png>
            </head><body><meta property="og:title" content="ignored"></body>"#;
        let meta = page_meta(page, "https://example.com/a/b");
        assert_eq!(meta.title.as_deref(), Some("Rich \"title\""));
        assert_eq!(meta.description.as_deref(), Some("og desc"));
        assert_eq!(
            meta.image.as_deref(),
            Some("https://example.com/img/card.png")
        );
        let plain = page_meta(
            b"<html><head><TITLE>Only &#x41;&#66;</TITLE><meta name=description content=\"d\">",
            "http://x.org/",
        );
        assert_eq!(plain.title.as_deref(), Some("Only AB"));
        assert_eq!(plain.description.as_deref(), Some("d"));
        assert_eq!(plain.image, None);
    }

    #[test]
    fn hostile_markup_yields_only_text() {
        let page =
            b"<head><!-- <title>hidden</title> --><script>var t='<title>no</title>'</script>\
            <title>\x1b[31mred\xe2\x80\xae \n\n ok</title>\
            <meta property=\"og:image\" content=\"javascript:alert(1)\">";
        let meta = page_meta(page, "https://x.org/");
        assert_eq!(meta.title.as_deref(), Some("[31mred ok"));
        assert_eq!(meta.image, None);
        let long = format!("<title>{}</title>", "x".repeat(5000));
        assert_eq!(
            page_meta(long.as_bytes(), "https://x.org/")
                .title
                .unwrap()
                .chars()
                .count(),
            MAX_TITLE + 1
        );
        // Broken markup ends without a panic.
        for broken in [
            "<",
            "<meta",
            "<meta content=\"",
            "<title>",
            "&#xFFFFFFFF;",
            "<!--",
        ] {
            let _ = page_meta(broken.as_bytes(), "https://x.org/");
        }
    }
}
