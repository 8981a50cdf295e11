//! Typed error codes carried by error frames.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Every reason the server refuses a frame or closes a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The frame is not valid JSON or not a known request.
    BadFrame,
    /// The frame is larger than the server accepts.
    FrameTooLarge,
    /// The message text is larger than [`crate::MAX_TEXT_BYTES`].
    TextTooLong,
    /// A field is empty, too long or out of range.
    Invalid,
    /// The client speaks another protocol version.
    UnsupportedVersion,
    /// The request needs an authenticated connection.
    Unauthenticated,
    /// Wrong user name, password or token.
    AuthFailed,
    /// The account is disabled.
    AccountDisabled,
    /// Too many requests or login attempts; wait and retry.
    RateLimited,
    /// The caller may not do this (for example, not a member).
    Forbidden,
    /// No such user or conversation.
    NotFound,
    /// The request conflicts with what is stored (for example, a client id reused elsewhere).
    Conflict,
    /// The server has no room for another connection.
    TooManyConnections,
    /// The client did not keep up with its events; resume from the sync cursor.
    SlowConsumer,
    /// The server is shutting down.
    ShuttingDown,
    /// Nothing was heard from the client for too long (no frame, no heartbeat).
    Idle,
    /// A guest's access ended: the meeting ended, or a moderator refused or removed them.
    AccessEnded,
    /// A fault on the server; the request may be retried.
    Internal,
}

impl ErrorCode {
    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadFrame => "bad_frame",
            Self::FrameTooLarge => "frame_too_large",
            Self::TextTooLong => "text_too_long",
            Self::Invalid => "invalid",
            Self::UnsupportedVersion => "unsupported_version",
            Self::Unauthenticated => "unauthenticated",
            Self::AuthFailed => "auth_failed",
            Self::AccountDisabled => "account_disabled",
            Self::RateLimited => "rate_limited",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::TooManyConnections => "too_many_connections",
            Self::SlowConsumer => "slow_consumer",
            Self::ShuttingDown => "shutting_down",
            Self::Idle => "idle",
            Self::AccessEnded => "access_ended",
            Self::Internal => "internal",
        }
    }
}

/// The body of an error frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ErrorBody {
    /// Machine-readable code.
    pub code: ErrorCode,
    /// One plain sentence for people.
    pub message: String,
}

impl ErrorBody {
    /// Builds an error body.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// Errors raised while reading frames.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProtoError {
    /// The text is not a valid frame.
    #[error("malformed frame: {0}")]
    Malformed(String),
    /// A field holds an integer above [`crate::MAX_WIRE_INT`]: no such id exists.
    #[error("there is no such {0}: ids and positions go up to 2^63 - 1")]
    OutOfRange(String),
}

impl ProtoError {
    /// The wire code for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Malformed(_) => ErrorCode::BadFrame,
            Self::OutOfRange(_) => ErrorCode::NotFound,
        }
    }
}
