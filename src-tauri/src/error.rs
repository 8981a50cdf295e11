//! The one error type at the IPC boundary: `{code, message, reason?}`.

use confer_core::CoreError;
use confer_proto::Reason;
use serde::Serialize;

/// What a failed command returns to the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UiError {
    /// Machine-readable: `offline`, `auth_failed`, `refused:<server code>`, `invalid`, ...
    pub code: String,
    /// One English sentence: what the UI shows when there is no reason to word.
    pub message: String,
    /// The server's reason, when the server refused: the UI words it in the user's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
}

impl UiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            reason: None,
        }
    }
}

impl From<CoreError> for UiError {
    fn from(e: CoreError) -> Self {
        let code = match &e {
            CoreError::Unreachable(_) | CoreError::Offline | CoreError::Timeout => {
                "offline".to_owned()
            }
            CoreError::AuthFailed(_) => "auth_failed".to_owned(),
            CoreError::Refused(body) => format!("refused:{}", body.code.as_str()),
            CoreError::Invalid(_) => "invalid".to_owned(),
            CoreError::NotFound(_) => "not_found".to_owned(),
            _ => "internal".to_owned(),
        };
        let reason = match &e {
            CoreError::Refused(body) => Some(body.reason.clone()),
            _ => None,
        };
        Self {
            code,
            message: e.to_string(),
            reason,
        }
    }
}

impl From<tauri::Error> for UiError {
    fn from(e: tauri::Error) -> Self {
        Self::new("internal", e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_serialise_as_code_and_message() {
        let e = UiError::from(CoreError::Offline);
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "offline", "message": "not connected to the server"})
        );
        let refused = CoreError::Refused(confer_proto::ErrorBody::new(
            confer_proto::ErrorCode::Forbidden,
            Reason::OwnerCannotLeave,
        ));
        assert_eq!(
            serde_json::to_value(UiError::from(refused)).unwrap(),
            serde_json::json!({
                "code": "refused:forbidden",
                "message": "The owner cannot leave a room; delete it instead.",
                "reason": {"reason": "owner_cannot_leave"}
            })
        );
    }
}
