//! Grants: what one participant may do in one meeting, minted and signed by the app (the
//! server's meeting rules, which know rooms, moderators and the lobby) and checked here. The
//! SFU never reads the chat store: a grant is all it knows of who someone is and what they may
//! do, so an SFU run as its own process needs only the key.
//!
//! A grant travels as `base64url(JSON) "." base64url(HMAC-SHA256(key, first part))`. It is
//! good for [`GRANT_LIFETIME`]: long enough to connect, short enough that a leaked one is soon
//! worth nothing. It is checked when a participant joins; what changes later (a mute, a
//! removal) the app tells the SFU directly.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ring::hmac;
use serde::{Deserialize, Serialize};

/// How long a freshly minted grant is accepted.
pub const GRANT_LIFETIME: Duration = Duration::from_secs(60);

/// Shortest key accepted: HMAC-SHA256's own output length.
const MIN_KEY: usize = 32;

/// Longest token looked at (a grant is a few hundred bytes): anything longer is refused
/// before decoding.
const MAX_TOKEN: usize = 4096;

/// What a participant may do in one meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The meeting, as the app names it (a room's or a group's id).
    pub room: String,
    /// Who: an account name, or an external guest's id.
    pub identity: String,
    /// Their audio is forwarded to the others.
    pub publish_audio: bool,
    /// Their video is forwarded to the others.
    pub publish_video: bool,
    /// They receive the others' media.
    pub subscribe: bool,
    /// They may moderate (mute, remove): the app acts on it, the SFU only records it.
    pub moderate: bool,
    /// The CSRC their media carries when forwarded, which tells subscribers whose voice or
    /// picture each line holds (the app derives it from the identity; 0: none).
    #[serde(default)]
    pub source: u32,
    /// Unix time, in milliseconds, when it was minted: a removal refuses the grants minted
    /// before it.
    pub issued_ms: u64,
    /// Unix time, in seconds, from which it is refused.
    pub expires: u64,
}

impl Grant {
    /// A grant for `identity` in `room` that expires [`GRANT_LIFETIME`] after `now`, allowed to
    /// publish audio and video and to subscribe, not to moderate.
    pub fn participant(room: &str, identity: &str, now: SystemTime) -> Self {
        Self {
            room: room.to_owned(),
            identity: identity.to_owned(),
            publish_audio: true,
            publish_video: true,
            subscribe: true,
            moderate: false,
            source: 0,
            issued_ms: unix_ms(now),
            expires: unix(now) + GRANT_LIFETIME.as_secs(),
        }
    }
}

/// Why a grant was refused.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum GrantError {
    /// Not a grant at all (wrong shape, bad encoding, not the JSON of one).
    #[error("malformed grant")]
    Malformed,
    /// Signed with another key, or altered since.
    #[error("the grant's signature does not match")]
    BadSignature,
    /// Past its expiry.
    #[error("the grant has expired")]
    Expired,
    /// Minted before its holder was removed from the meeting.
    #[error("the grant was revoked")]
    Revoked,
    /// A key shorter than 32 bytes.
    #[error("a grant key needs at least 32 bytes")]
    WeakKey,
}

/// The secret shared by the app that mints grants and the SFU that checks them.
pub struct GrantKey(hmac::Key);

impl std::fmt::Debug for GrantKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret, even in logs.
        f.write_str("GrantKey(..)")
    }
}

impl GrantKey {
    /// A key from a secret of at least 32 bytes (a configured one, shared with an SFU run as
    /// its own process).
    pub fn new(secret: &[u8]) -> Result<Self, GrantError> {
        if secret.len() < MIN_KEY {
            return Err(GrantError::WeakKey);
        }
        Ok(Self(hmac::Key::new(hmac::HMAC_SHA256, secret)))
    }

    /// A fresh random key, for an SFU that runs inside the app (nothing else needs it).
    pub fn random() -> Self {
        let secret: [u8; 32] = rand::random();
        Self(hmac::Key::new(hmac::HMAC_SHA256, &secret))
    }

    /// The grant as a token.
    /// An HMAC of `label` under this key (base64): proof that one holds the key, without
    /// sending it (the control connection's hello).
    pub fn sign_label(&self, label: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(hmac::sign(&self.0, label).as_ref())
    }

    /// Whether `proof` is [`GrantKey::sign_label`]'s for `label` under this key (compared in
    /// constant time).
    pub fn verify_label(&self, label: &[u8], proof: &str) -> bool {
        URL_SAFE_NO_PAD
            .decode(proof)
            .is_ok_and(|tag| hmac::verify(&self.0, label, &tag).is_ok())
    }

    pub fn sign(&self, grant: &Grant) -> String {
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(grant).expect("a grant is JSON"));
        let tag = hmac::sign(&self.0, body.as_bytes());
        format!("{body}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    /// The grant a token holds, if this key signed it and it has not expired at `now`.
    pub fn verify(&self, token: &str, now: SystemTime) -> Result<Grant, GrantError> {
        if token.len() > MAX_TOKEN {
            return Err(GrantError::Malformed);
        }
        let (body, tag) = token.split_once('.').ok_or(GrantError::Malformed)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| GrantError::Malformed)?;
        // The signature first (in constant time), so nothing unsigned is ever parsed.
        hmac::verify(&self.0, body.as_bytes(), &tag).map_err(|_| GrantError::BadSignature)?;
        let json = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| GrantError::Malformed)?;
        let grant: Grant = serde_json::from_slice(&json).map_err(|_| GrantError::Malformed)?;
        if unix(now) >= grant.expires {
            return Err(GrantError::Expired);
        }
        Ok(grant)
    }
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

pub(crate) fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }

    #[test]
    fn a_signed_grant_comes_back_whole_until_it_expires() {
        let key = GrantKey::random();
        let mut grant = Grant::participant("room-7", "alice", now());
        grant.moderate = true;
        let token = key.sign(&grant);
        assert_eq!(key.verify(&token, now()), Ok(grant.clone()));
        let last = now() + GRANT_LIFETIME - Duration::from_secs(1);
        assert_eq!(key.verify(&token, last), Ok(grant));
        assert_eq!(
            key.verify(&token, now() + GRANT_LIFETIME),
            Err(GrantError::Expired)
        );
    }

    #[test]
    fn another_key_or_an_altered_grant_is_refused() {
        let key = GrantKey::new(&[7; 32]).unwrap();
        let token = key.sign(&Grant::participant("room-7", "guest-1", now()));
        let other = GrantKey::new(&[8; 32]).unwrap();
        assert_eq!(other.verify(&token, now()), Err(GrantError::BadSignature));
        // The guest makes itself a moderator: the body changes, the signature does not.
        let (body, tag) = token.split_once('.').unwrap();
        let json = String::from_utf8(URL_SAFE_NO_PAD.decode(body).unwrap()).unwrap();
        let forged =
            URL_SAFE_NO_PAD.encode(json.replace("\"moderate\":false", "\"moderate\":true"));
        assert_ne!(forged, body);
        assert_eq!(
            key.verify(&format!("{forged}.{tag}"), now()),
            Err(GrantError::BadSignature)
        );
    }

    #[test]
    fn garbage_is_malformed_and_short_keys_are_refused() {
        let key = GrantKey::random();
        for token in ["", "no-dot", "a.b.c", "!!!.???", &"x".repeat(5000)] {
            assert_eq!(
                key.verify(token, now()),
                Err(GrantError::Malformed),
                "{token:.20}"
            );
        }
        // Signed, but not a grant.
        let body = URL_SAFE_NO_PAD.encode(b"{\"room\":1}");
        let tag = hmac::sign(&key.0, body.as_bytes());
        let token = format!("{body}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()));
        assert_eq!(key.verify(&token, now()), Err(GrantError::Malformed));
        assert_eq!(GrantKey::new(&[1; 31]).unwrap_err(), GrantError::WeakKey);
        assert!(!format!("{key:?}").contains('['), "the secret never shows");
    }
}
