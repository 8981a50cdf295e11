//! TypeScript declarations for the UI: the protocol's and the client core's, in one module.
//!
//! Written to `ui/src/lib/bindings.ts` by `cargo xtask bindings`; the `bindings_are_fresh`
//! test fails when the committed file differs.

use ts_rs::TS;

use crate::{
    About, CachedMessage, ClientEvent, ConnState, ConversationView, Decision, DeviceSettings,
    DirectoryPage, Favourites, Invitation, LaunchOptions, Meetings, Settings, Theme, UnreadTotals,
    device_test::LevelReading,
    files::{FilePreview, TransferProgress},
    phone::{
        CallPhase, CallView, DeviceChange, DeviceEntry, MeetingPeerView, MeetingSoundPhase,
        MeetingSoundView,
    },
};

/// The protocol's declarations followed by the client core's.
pub fn typescript_bindings() -> String {
    let mut out = confer_proto::typescript_bindings();
    out.push_str("\n// Client core types (crates/core).\n\n");
    for decl in [
        ConnState::decl(),
        Decision::decl(),
        CachedMessage::decl(),
        ConversationView::decl(),
        UnreadTotals::decl(),
        ClientEvent::decl(),
        LaunchOptions::decl(),
        Theme::decl(),
        DeviceSettings::decl(),
        Settings::decl(),
        Favourites::decl(),
        DirectoryPage::decl(),
        About::decl(),
        Invitation::decl(),
        Meetings::decl(),
        CallPhase::decl(),
        CallView::decl(),
        DeviceChange::decl(),
        MeetingSoundPhase::decl(),
        MeetingPeerView::decl(),
        MeetingSoundView::decl(),
        DeviceEntry::decl(),
        LevelReading::decl(),
        TransferProgress::decl(),
        FilePreview::decl(),
    ] {
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
