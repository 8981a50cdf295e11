//! The one error type at the IPC boundary: `{code, message}`.

use confer_core::CoreError;
use serde::Serialize;

/// What a failed command returns to the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UiError {
    /// Machine-readable: `offline`, `auth_failed`, `refused:<server code>`, `invalid`, ...
    pub code: String,
    /// One sentence for people.
    pub message: String,
}

impl UiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
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
        Self {
            code,
            message: e.to_string(),
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
            "no",
        ));
        assert_eq!(UiError::from(refused).code, "refused:forbidden");
    }
}
