//! Link previews: the title, description and image of a web page, fetched by the server so
//! that clients never contact third-party hosts.
//!
//! Fetching a URL a user typed is a server-side request forgery risk: the server sits inside
//! the company's network. So every hop is guarded ([`Policy`]): only `http` and `https`; the
//! host is resolved here and every address checked (loopback, private, link-local, carrier-grade
//! NAT, unique-local, IPv4-mapped and the like are refused unless the configuration allows
//! them); the connection goes to the address that was checked (a second resolution cannot
//! swap it); at most three redirects, each checked the same way; caps on bytes and time.

mod address;
mod fetch;
mod html;

use std::{net::IpAddr, time::Duration};

pub use address::{AllowRange, blocked};
pub use fetch::{Fetched, fetch};
pub use html::{PageMeta, page_meta};

/// What a fetch may do.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Addresses that may be reached even though they are private (an intranet, the tests).
    pub allow: Vec<AllowRange>,
    /// The whole fetch (every hop, the body included).
    pub timeout: Duration,
    /// Largest body read, in bytes; a page is cut there (its head comes first), an image over
    /// it is refused.
    pub max_bytes: usize,
    /// Redirects followed at most.
    pub max_redirects: u8,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            allow: Vec::new(),
            timeout: Duration::from_secs(5),
            max_bytes: 1 << 20,
            max_redirects: 3,
        }
    }
}

impl Policy {
    /// Whether the policy lets a connection go to `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        !blocked(ip) || self.allow.iter().any(|r| r.contains(ip))
    }
}

/// Why there is no preview. Each says what a log needs; clients only learn that there is none.
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    /// Not an `http` or `https` URL, or not a URL at all.
    #[error("not an http or https URL: {0}")]
    BadUrl(String),
    /// The host resolves only to addresses the policy refuses.
    #[error("{host} resolves to {addr}, which is not reachable from here")]
    Blocked {
        /// The host named.
        host: String,
        /// The first refused address.
        addr: IpAddr,
    },
    /// The host does not resolve.
    #[error("{0} does not resolve")]
    Unresolved(String),
    /// Connecting, TLS or HTTP failed.
    #[error("fetching failed: {0}")]
    Io(String),
    /// More redirects than the policy follows.
    #[error("more than {0} redirects")]
    TooManyRedirects(u8),
    /// The server answered with an error status.
    #[error("the server answered {0}")]
    Status(u16),
    /// The body is not what was asked for (a page, an image).
    #[error("unexpected content type {0:?}")]
    ContentType(String),
    /// An image larger than the cap.
    #[error("more than {0} bytes")]
    TooLarge(usize),
    /// The policy's time ran out.
    #[error("no answer within the time allowed")]
    Timeout,
}

/// A preview: what clients show in a card under the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// The page's final URL (after redirects).
    pub url: String,
    /// Its title.
    pub title: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// Its image, fetched too (so clients need not), when it has one that could be fetched.
    pub image: Option<Image>,
}

/// An image, as fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Its declared type (`image/png`, …).
    pub content_type: String,
}

/// The first `http` or `https` link of a message text, if any (what a preview is made for).
pub fn first_link(text: &str) -> Option<&str> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
        .map(|w| {
            w.trim_start_matches(['(', '[', '\''])
                .trim_end_matches(['.', ',', ')', ']', ';', ':', '!', '?', '\''])
        })
        .find(|w| {
            let lower = w.get(..8).unwrap_or(w).to_ascii_lowercase();
            (lower.starts_with("http://") && w.len() > 7)
                || (lower.starts_with("https://") && w.len() > 8)
        })
}

/// Fetches the page at `url` and its image under `policy`: a preview, or why there is none.
/// A page without a title or description is no preview.
pub async fn preview(url: &str, policy: &Policy) -> Result<Preview, PreviewError> {
    let work = async {
        let page = fetch(url, policy, Want::Page).await?;
        let meta = page_meta(&page.body, &page.url);
        if meta.title.is_none() && meta.description.is_none() {
            return Err(PreviewError::ContentType(
                "a page with neither title nor description".into(),
            ));
        }
        // A missing or refused image leaves the card without one; the rest stands.
        let image = match &meta.image {
            Some(src) => match fetch(src, policy, Want::Image).await {
                Ok(f) => Some(Image {
                    bytes: f.body,
                    content_type: f.content_type,
                }),
                Err(e) => {
                    tracing::debug!(%src, error = %e, "no preview image");
                    None
                }
            },
            None => None,
        };
        Ok(Preview {
            url: page.url,
            title: meta.title,
            description: meta.description,
            image,
        })
    };
    tokio::time::timeout(policy.timeout, work)
        .await
        .map_err(|_| PreviewError::Timeout)?
}

/// What a fetch expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// An HTML page (cut at the byte cap).
    Page,
    /// An image (refused over the byte cap).
    Image,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_web_link_of_a_text_is_found() {
        assert_eq!(
            first_link("see https://example.com/a?b=1, then"),
            Some("https://example.com/a?b=1")
        );
        assert_eq!(
            first_link("(http://x.org/page)."),
            Some("http://x.org/page")
        );
        assert_eq!(first_link("ftp://x.org https:// mailto:a@b"), None);
        assert_eq!(first_link("no link"), None);
        assert_eq!(
            first_link("HTTPS://EXAMPLE.COM"),
            Some("HTTPS://EXAMPLE.COM")
        );
    }
}
