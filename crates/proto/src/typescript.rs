//! TypeScript declarations for the UI, generated from the protocol types.
//!
//! The generated file is committed at `ui/src/lib/bindings.ts`; the `bindings_are_fresh` test
//! fails when it differs from what these types produce, and `cargo xtask bindings` rewrites it.

use ts_rs::TS;

use crate::*;

/// Every exported declaration, in one self-contained module.
pub fn typescript_bindings() -> String {
    let decls = [
        ClientFrame::decl(),
        Request::decl(),
        ServerFrame::decl(),
        Response::decl(),
        Event::decl(),
        Change::decl(),
        ErrorCode::decl(),
        ErrorBody::decl(),
        UserInfo::decl(),
        UserSettings::decl(),
        PresenceChoice::decl(),
        PresenceStatus::decl(),
        Presence::decl(),
        DirectoryEntry::decl(),
        ConversationKind::decl(),
        ConversationInfo::decl(),
        ConversationSummary::decl(),
        TickState::decl(),
        Message::decl(),
        SendAck::decl(),
        HistoryPage::decl(),
        FavouriteState::decl(),
        Favourite::decl(),
    ];
    let mut out = String::from(
        "// Generated from crates/proto by `cargo xtask bindings`. Do not edit by hand.\n\n",
    );
    out.push_str(&format!(
        "export const PROTOCOL_VERSION = {PROTOCOL_VERSION};\n"
    ));
    out.push_str(&format!(
        "export const MAX_TEXT_BYTES = {MAX_TEXT_BYTES};\n\n"
    ));
    for decl in decls {
        out.push_str("export ");
        out.push_str(&decl);
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    #[test]
    fn bindings_are_fresh() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/bindings.ts");
        let expected = super::typescript_bindings();
        if std::env::var_os("CONFER_UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &expected).unwrap();
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == expected,
            "ui/src/lib/bindings.ts is stale: run `cargo xtask bindings` and commit the result"
        );
    }
}
