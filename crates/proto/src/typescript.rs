//! TypeScript declarations for the UI, generated from the protocol types.
//!
//! `confer-core` appends its own declarations and writes the whole module to
//! `ui/src/lib/bindings.ts` (see `confer_core::typescript_bindings`).

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
        Reason::decl(),
        Field::decl(),
        UserInfo::decl(),
        UserSettings::decl(),
        PresenceChoice::decl(),
        PresenceStatus::decl(),
        Presence::decl(),
        DirectoryEntry::decl(),
        AliasInfo::decl(),
        ConversationKind::decl(),
        MessageKind::decl(),
        OngoingMeeting::decl(),
        MeetingGuest::decl(),
        MeetingRole::decl(),
        MeetingSession::decl(),
        ScheduledMeeting::decl(),
        ConversationInfo::decl(),
        ConversationSummary::decl(),
        TickState::decl(),
        Message::decl(),
        Reaction::decl(),
        SearchCursor::decl(),
        SendAck::decl(),
        HistoryPage::decl(),
        FavouriteState::decl(),
        Favourite::decl(),
        CallSignal::decl(),
        CallInfo::decl(),
        IceServer::decl(),
        CallEnd::decl(),
        CallRecord::decl(),
        CallOutcome::decl(),
        FileRef::decl(),
        LinkPreview::decl(),
        SharedFile::decl(),
        UploadRequest::decl(),
        UploadState::decl(),
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
    // One example of every reason: the UI's test renders each in every language it speaks.
    let examples: Vec<Reason> = crate::examples::reasons()
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    out.push_str(&format!(
        "export const REASON_EXAMPLES: Reason[] = {};\n\n",
        serde_json::to_string(&examples).expect("reasons serialise")
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
