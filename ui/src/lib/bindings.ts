// Generated from crates/proto by `cargo xtask bindings`. Do not edit by hand.

export const PROTOCOL_VERSION = 3;
export const MAX_TEXT_BYTES = 16384;

export const REASON_EXAMPLES: Reason[] = [{"reason":"malformed_frame","detail":"expected value at line 1 column 1"},{"reason":"not_text"},{"reason":"frame_too_large","max":131072},{"reason":"out_of_range","field":"conversation"},{"reason":"protocol_version","supported":3,"requested":2},{"reason":"sign_in_first"},{"reason":"already_signed_in"},{"reason":"guest_cannot_sign_in"},{"reason":"wrong_password"},{"reason":"token_unknown"},{"reason":"session_revoked"},{"reason":"account_disabled"},{"reason":"too_many_logins"},{"reason":"too_many_guest_joins"},{"reason":"server_full"},{"reason":"fell_behind"},{"reason":"shutting_down"},{"reason":"idle","seconds":60},{"reason":"server_fault"},{"reason":"too_many_watched","max":1000},{"reason":"client_id_length","max":64},{"reason":"text_too_long","max":16384,"size":20000},{"reason":"empty_message"},{"reason":"client_id_reused","client_id":"5f0c6a1e-9d1b-4c1f-a1de-7f3b8f1f2a10"},{"reason":"field_too_long","field":"status_message","max":256},{"reason":"name_length","field":"room_name","max":100},{"reason":"name_character","field":"guest_name","code_point":8238},{"reason":"no_such_user","name":"nobody"},{"reason":"user_exists","name":"alice"},{"reason":"invalid_user_name","name":"-alice"},{"reason":"direct_with_self"},{"reason":"favourite_self"},{"reason":"no_pending_request","name":"carol"},{"reason":"no_such_conversation","conversation":3},{"reason":"not_a_member","conversation":3},{"reason":"not_a_group","conversation":3},{"reason":"not_a_room","conversation":9},{"reason":"no_meeting_link","conversation":9},{"reason":"no_meeting","conversation":9},{"reason":"moderators_only","conversation":12},{"reason":"owner_only","conversation":12},{"reason":"owner_cannot_leave"},{"reason":"promote_before_leaving"},{"reason":"owner_cannot_be_removed"},{"reason":"already_member","name":"carol"},{"reason":"not_in_room","name":"dave"},{"reason":"no_invitation","conversation":9},{"reason":"invited_self"},{"reason":"no_invitees"},{"reason":"group_full","max":5},{"reason":"not_in_meeting","conversation":12},{"reason":"meeting_minutes","max":1440},{"reason":"scheduled_too_far","years":10},{"reason":"meeting_in_past"},{"reason":"no_scheduled_meeting","meeting":4},{"reason":"link_unknown"},{"reason":"direct_meeting_members_only"},{"reason":"meeting_not_started","room":"Weekly planning"},{"reason":"sent_out","room":"Weekly planning"},{"reason":"guest_limit","room":"Weekly planning","max":200},{"reason":"name_taken"},{"reason":"no_such_alias","name":"support"},{"reason":"alias_exists","name":"support"},{"reason":"already_guest"},{"reason":"guest_needs_name"},{"reason":"guest_already_admitted","guest":8},{"reason":"guest_not_in_lobby","guest":8},{"reason":"guest_not_in_meeting","guest":8},{"reason":"participant_not_in_meeting","name":"bob"},{"reason":"meeting_ended"},{"reason":"room_deleted"},{"reason":"removed_by_moderator"},{"reason":"refused_by_moderator"},{"reason":"no_calls","conversation":9},{"reason":"busy","name":"bob"},{"reason":"in_call_already"},{"reason":"no_such_call","call":5},{"reason":"call_not_answered","call":5},{"reason":"call_answered_already","call":5},{"reason":"signal_out_of_turn"},{"reason":"bad_sdp"},{"reason":"no_meeting_media"},{"reason":"recording_off"},{"reason":"recording_already","on":true},{"reason":"sync_first"},{"reason":"no_such_message","conversation":7,"seq":41},{"reason":"sender_only","conversation":7,"seq":41},{"reason":"message_deleted","conversation":7,"seq":41},{"reason":"not_a_text_message","conversation":7,"seq":2},{"reason":"invalid_reaction"},{"reason":"too_many_reactions","max":20},{"reason":"file_too_large","max":100000000},{"reason":"quota_exceeded","quota":10000000000,"used":9950000000},{"reason":"upload_offset","held":1048576},{"reason":"checksum_mismatch"},{"reason":"upload_busy"},{"reason":"no_such_file"},{"reason":"bad_file_name"},{"reason":"bad_checksum"},{"reason":"upload_too_long","size":482113},{"reason":"upload_interrupted"},{"reason":"missing_header","header":"Upload-Offset"},{"reason":"image_unreadable"},{"reason":"image_too_large","width":50000,"height":50000},{"reason":"no_thumbnail"},{"reason":"mail_not_configured"},{"reason":"bad_email_address"},{"reason":"too_many_mails","per_hour":10},{"reason":"mail_failed"},{"reason":"unknown"}];

export type ClientFrame = { 
/**
 * Chosen by the client; echoed in the reply.
 */
id: number, 
/**
 * What the client asks for.
 */
req: Request, };

export type Request = { "type": "login", 
/**
 * From [`MIN_PROTOCOL_VERSION`] to [`PROTOCOL_VERSION`].
 */
protocol: number, 
/**
 * Account name.
 */
username: string, 
/**
 * Plain password (use TLS outside loopback).
 */
password: string, 
/**
 * A label for the device, shown in session lists.
 */
device: string | null, } | { "type": "auth", 
/**
 * From [`MIN_PROTOCOL_VERSION`] to [`PROTOCOL_VERSION`].
 */
protocol: number, 
/**
 * The session token.
 */
token: string, } | { "type": "logout" } | { "type": "ping" } | { "type": "sync", 
/**
 * The last stream position the client applied.
 */
since: number | null, } | { "type": "search_users", 
/**
 * Case-insensitive substring; empty lists everyone.
 */
query: string, 
/**
 * At most this many results (default 20, at most 100).
 */
limit: number | null, 
/**
 * Continue after this user (an account name): the `next` of the previous page.
 */
after: string | null, 
/**
 * Only users shown online to the caller (offline and invisible ones left out).
 */
online: boolean, } | { "type": "open_direct", 
/**
 * The other user's name.
 */
user: string, } | { "type": "list_conversations" } | { "type": "send_message", 
/**
 * Conversation id.
 */
conversation: number, 
/**
 * Client-generated unique id (1 to 64 characters).
 */
client_id: string, 
/**
 * Message text, at most [`MAX_TEXT_BYTES`].
 */
text: string, 
/**
 * The message this one answers (its sequence number in the same conversation).
 */
reply_to?: number | null, } | { "type": "edit_message", 
/**
 * Conversation id.
 */
conversation: number, 
/**
 * The message's sequence number.
 */
seq: number, 
/**
 * The new text, at most [`MAX_TEXT_BYTES`].
 */
text: string, } | { "type": "delete_message", 
/**
 * Conversation id.
 */
conversation: number, 
/**
 * The message's sequence number.
 */
seq: number, } | { "type": "set_reaction", 
/**
 * Conversation id.
 */
conversation: number, 
/**
 * The message's sequence number.
 */
seq: number, 
/**
 * One emoji, at most [`MAX_EMOJI_BYTES`].
 */
emoji: string, 
/**
 * Add, or take back.
 */
on: boolean, } | { "type": "set_typing", 
/**
 * Conversation id.
 */
conversation: number, 
/**
 * Typing or stopped.
 */
typing: boolean, } | { "type": "search_messages", 
/**
 * Words; each matches words starting with it (at most 256 bytes).
 */
query: string, 
/**
 * Only this conversation.
 */
conversation: number | null, 
/**
 * Page size (default 20, at most 100).
 */
limit: number | null, 
/**
 * The previous page's `next`.
 */
after: SearchCursor | null, } | { "type": "history", 
/**
 * Conversation id.
 */
conversation: number, 
/**
 * Only messages with a sequence number below this; absent for the first page.
 */
before: number | null, 
/**
 * Page size for older pages (default 75).
 */
limit: number | null, } | { "type": "mark_delivered", 
/**
 * Conversation id.
 */
conversation: number, 
/**
 * Highest sequence number received.
 */
seq: number, } | { "type": "mark_read", 
/**
 * Conversation id.
 */
conversation: number, 
/**
 * Highest sequence number read.
 */
seq: number, } | { "type": "mark_unread", 
/**
 * Conversation id.
 */
conversation: number, 
/**
 * The first message to show as unread.
 */
seq: number, } | { "type": "hide_conversation", 
/**
 * Conversation id.
 */
conversation: number, 
/**
 * Hide, or show again.
 */
hidden: boolean, } | { "type": "set_presence", 
/**
 * The chosen status.
 */
status: PresenceChoice, 
/**
 * Custom message; absent or empty clears it.
 */
message: string | null, } | { "type": "watch_presence", 
/**
 * Account names, at most [`MAX_WATCHED_USERS`]; names that match nobody are ignored.
 */
users: Array<string>, } | { "type": "set_idle", 
/**
 * True while idle.
 */
idle: boolean, } | { "type": "set_privacy", 
/**
 * True: send no receipts, see only `sent` ticks.
 */
enabled: boolean, } | { "type": "set_muted", 
/**
 * Conversation id.
 */
conversation: number, 
/**
 * New mute flag.
 */
muted: boolean, } | { "type": "clear_history", 
/**
 * Conversation id.
 */
conversation: number, } | { "type": "add_favourite", 
/**
 * The user's name.
 */
user: string, } | { "type": "remove_favourite", 
/**
 * The user's name.
 */
user: string, } | { "type": "answer_subscription", 
/**
 * The requesting user's name.
 */
user: string, 
/**
 * True to accept.
 */
accept: boolean, } | { "type": "list_favourites" } | { "type": "create_group", 
/**
 * Who to invite, by name.
 */
invite: Array<string>, 
/**
 * An optional name.
 */
name: string | null, } | { "type": "invite_to_group", 
/**
 * The group.
 */
conversation: number, 
/**
 * Who.
 */
user: string, } | { "type": "join_group", 
/**
 * The group.
 */
conversation: number, } | { "type": "decline_group", 
/**
 * The group.
 */
conversation: number, } | { "type": "leave_group", 
/**
 * The group.
 */
conversation: number, } | { "type": "create_room", 
/**
 * Its name.
 */
name: string, } | { "type": "add_room_member", 
/**
 * The room.
 */
conversation: number, 
/**
 * Who.
 */
user: string, } | { "type": "remove_room_member", 
/**
 * The room.
 */
conversation: number, 
/**
 * Who.
 */
user: string, } | { "type": "promote_moderator", 
/**
 * The room.
 */
conversation: number, 
/**
 * Who.
 */
user: string, } | { "type": "room_link", 
/**
 * The room.
 */
conversation: number, } | { "type": "rotate_room_link", 
/**
 * The room.
 */
conversation: number, } | { "type": "resolve_link", 
/**
 * The link's token.
 */
link: string, } | { "type": "set_mute_all", 
/**
 * The room.
 */
conversation: number, 
/**
 * On or off.
 */
muted: boolean, } | { "type": "set_recording", 
/**
 * The room.
 */
conversation: number, 
/**
 * Start or stop.
 */
on: boolean, } | { "type": "set_participant_muted", 
/**
 * The room.
 */
conversation: number, 
/**
 * The participant, by name.
 */
user: string, 
/**
 * On or off.
 */
muted: boolean, } | { "type": "leave_room", 
/**
 * The room.
 */
conversation: number, } | { "type": "delete_room", 
/**
 * The room.
 */
conversation: number, } | { "type": "start_meeting", 
/**
 * The room.
 */
conversation: number, } | { "type": "leave_meeting", 
/**
 * The room.
 */
conversation: number, } | { "type": "join_meeting_media", 
/**
 * The room (or direct conversation).
 */
conversation: number, 
/**
 * The WebRTC offer (SDP).
 */
offer: string, } | { "type": "schedule_meeting", 
/**
 * The room.
 */
conversation: number, 
/**
 * What it is about.
 */
title: string, 
/**
 * Start, ms since the epoch.
 */
starts_at: number, 
/**
 * Length in minutes (1 to 1440).
 */
minutes: number, } | { "type": "delete_scheduled_meeting", 
/**
 * Its id.
 */
meeting: number, } | { "type": "list_meetings" } | { "type": "list_files", 
/**
 * Conversation id.
 */
conversation: number, } | { "type": "mail_history", 
/**
 * Conversation id.
 */
conversation: number, 
/**
 * Where to.
 */
to: string, 
/**
 * The language of the mail: `en` or `fr` (English otherwise).
 */
language?: string, 
/**
 * The sender's offset from UTC in minutes (east positive), for the times in the mail.
 */
utc_offset_minutes?: number, } | { "type": "join_by_link", 
/**
 * The link's token.
 */
link: string, 
/**
 * An external guest's display name (1 to 64 characters); ignored when signed in.
 */
name: string | null, } | { "type": "admit_guest", 
/**
 * The room.
 */
conversation: number, 
/**
 * The guest's id in the meeting.
 */
guest: number, } | { "type": "remove_guest", 
/**
 * The room.
 */
conversation: number, 
/**
 * The guest's id in the meeting.
 */
guest: number, } | { "type": "set_lobby", 
/**
 * The room.
 */
conversation: number, 
/**
 * On or off.
 */
enabled: boolean, } | { "type": "place_call", 
/**
 * The direct conversation.
 */
conversation: number, 
/**
 * A video call (else audio only).
 */
video: boolean, } | { "type": "answer_call", 
/**
 * The call.
 */
call: number, } | { "type": "decline_call", 
/**
 * The call.
 */
call: number, } | { "type": "hang_up", 
/**
 * The call.
 */
call: number, } | { "type": "call_signal", 
/**
 * The call.
 */
call: number, 
/**
 * What to pass on.
 */
signal: CallSignal, };

export type ServerFrame = { "frame": "response", 
/**
 * The request id.
 */
id: number, 
/**
 * The reply.
 */
result: Response, } | { "frame": "error", 
/**
 * The request id, when the frame could be parsed that far.
 */
id: number | null, 
/**
 * What went wrong.
 */
error: ErrorBody, } | { "frame": "event", 
/**
 * The event.
 */
event: Event, };

export type Response = { "type": "ok" } | { "type": "call", 
/**
 * The call.
 */
call: CallInfo, } | { "type": "pong" } | { "type": "logged_in", 
/**
 * Keep it to `auth` later; it is shown only once.
 */
token: string, 
/**
 * The signed-in user.
 */
user: UserInfo, 
/**
 * Their settings.
 */
settings: UserSettings, 
/**
 * The server's version (for the app's About box).
 */
server_version: string | null, } | { "type": "authenticated", 
/**
 * The signed-in user.
 */
user: UserInfo, 
/**
 * Their settings.
 */
settings: UserSettings, 
/**
 * The server's version (for the app's About box).
 */
server_version: string | null, } | { "type": "synced", 
/**
 * The newest position sent; store it as the sync cursor.
 */
position: number, 
/**
 * Presence of the watched users (see `watch_presence`) whom the caller may see and who
 * are not offline; the other watched users are offline.
 */
presence: Array<Presence>, } | { "type": "users", 
/**
 * Matching users with their presence.
 */
users: Array<DirectoryEntry>, 
/**
 * Where the next page starts; absent on the last page. A page may hold fewer than
 * `limit` entries (even none) and still have a next one when `online` skipped many.
 */
next: string | null, 
/**
 * On the first page, the aliases matching the query: shown above the users, with no
 * presence of their own.
 */
aliases?: Array<AliasInfo>, } | { "type": "conversation", 
/**
 * It.
 */
conversation: ConversationSummary, } | { "type": "files", 
/**
 * Newest first.
 */
files: Array<SharedFile>, } | { "type": "meeting_media", 
/**
 * The WebRTC answer.
 */
answer: string, } | { "type": "meetings", 
/**
 * Going on now.
 */
ongoing: Array<OngoingMeeting>, 
/**
 * On the calendar, soonest first (meetings that ended are left out).
 */
scheduled: Array<ScheduledMeeting>, } | { "type": "joined", 
/**
 * Where the caller now is.
 */
session: MeetingSession, } | { "type": "scheduled", 
/**
 * It.
 */
meeting: ScheduledMeeting, } | { "type": "room_link", 
/**
 * The room.
 */
conversation: number, 
/**
 * The name of the room.
 */
name: string, 
/**
 * The link's token.
 */
link: string, } | { "type": "conversations", 
/**
 * Them.
 */
conversations: Array<ConversationSummary>, } | { "type": "sent", 
/**
 * The server's acknowledgement.
 */
ack: SendAck, } | { "type": "history", 
/**
 * The page.
 */
page: HistoryPage, } | { "type": "messages", 
/**
 * The messages found.
 */
messages: Array<Message>, 
/**
 * Where the next page starts; absent on the last page.
 */
next?: SearchCursor, } | { "type": "favourites", 
/**
 * Users the caller added.
 */
outgoing: Array<Favourite>, 
/**
 * Pending requests from others to the caller.
 */
incoming: Array<Favourite>, };

export type Event = { "type": "change", 
/**
 * Server-wide, strictly increasing.
 */
position: number, 
/**
 * What changed.
 */
change: Change, } | { "type": "presence", 
/**
 * The new presence.
 */
presence: Presence, } | { "type": "presence_batch", 
/**
 * The new presence of each.
 */
presence: Array<Presence>, } | { "type": "guest_session", 
/**
 * The session now.
 */
session: MeetingSession, } | { "type": "call_ringing", 
/**
 * The call.
 */
call: CallInfo, } | { "type": "call_answered", 
/**
 * The call.
 */
call: number, } | { "type": "call_signal", 
/**
 * The call.
 */
call: number, 
/**
 * What it passed.
 */
signal: CallSignal, } | { "type": "call_ended", 
/**
 * The call.
 */
call: number, 
/**
 * Why.
 */
reason: CallEnd, } | { "type": "typing", 
/**
 * The conversation.
 */
conversation: number, 
/**
 * Who (as the receiver may see them: an alias for its members' answers).
 */
user: string, 
/**
 * Typing, or stopped.
 */
typing: boolean, } | { "type": "closing", 
/**
 * The category.
 */
code: ErrorCode, 
/**
 * Why, precisely.
 */
reason: Reason, };

export type Change = { "kind": "conversation", 
/**
 * The conversation.
 */
conversation: ConversationInfo, } | { "kind": "invited", 
/**
 * The group as it is now.
 */
conversation: ConversationInfo, 
/**
 * Who invited them.
 */
inviter: string, } | { "kind": "invitation_closed", 
/**
 * The group.
 */
conversation: number, } | { "kind": "removed", 
/**
 * The conversation.
 */
conversation: number, } | { "kind": "meeting", 
/**
 * The room.
 */
conversation: number, 
/**
 * The meeting now.
 */
ongoing: OngoingMeeting | null, 
/**
 * To a guest whose access just ended: why (`meeting_ended`, `removed_by_moderator`,
 * `room_deleted`).
 */
ended?: Reason, } | { "kind": "calendar", 
/**
 * The room.
 */
conversation: number, } | { "kind": "message", 
/**
 * The message.
 */
message: Message, } | { "kind": "message_updated", 
/**
 * The message now.
 */
message: Message, } | { "kind": "ticks", 
/**
 * Conversation id.
 */
conversation: number, 
/**
 * Every message of the user with a sequence number up to this is delivered.
 */
delivered_through: number, 
/**
 * Every message of the user with a sequence number up to this is read.
 */
read_through: number, } | { "kind": "read_cursor", 
/**
 * Conversation id.
 */
conversation: number, 
/**
 * Read up to this sequence number.
 */
read_through: number, 
/**
 * Unread messages left.
 */
unread: number, } | { "kind": "conversation_settings", 
/**
 * Conversation id.
 */
conversation: number, 
/**
 * Mute flag.
 */
muted: boolean, 
/**
 * Messages up to this sequence number are hidden for the user.
 */
cleared_through: number, 
/**
 * The conversation is out of the user's list while its newest message is at or below
 * this sequence number (0: shown).
 */
hidden_through?: number, } | { "kind": "settings", 
/**
 * The new settings.
 */
settings: UserSettings, } | { "kind": "favourite", 
/**
 * The new state.
 */
favourite: Favourite, };

export type ErrorCode = "bad_frame" | "frame_too_large" | "text_too_long" | "invalid" | "unsupported_version" | "unauthenticated" | "auth_failed" | "account_disabled" | "rate_limited" | "forbidden" | "not_found" | "conflict" | "too_many_connections" | "slow_consumer" | "shutting_down" | "idle" | "access_ended" | "internal";

export type ErrorBody = { 
/**
 * The category (XMPP error conditions and clients' fallbacks map from it).
 */
code: ErrorCode, 
/**
 * What exactly, with its parameters.
 */
reason: Reason, };

export type Reason = { "reason": "malformed_frame", 
/**
 * What the parser said.
 */
detail: string, } | { "reason": "not_text" } | { "reason": "frame_too_large", 
/**
 * The largest frame, in bytes.
 */
max: number, } | { "reason": "out_of_range", 
/**
 * The field's name on the wire.
 */
field: string, } | { "reason": "protocol_version", 
/**
 * The version the server speaks.
 */
supported: number, 
/**
 * The version the client asked for.
 */
requested: number, } | { "reason": "sign_in_first" } | { "reason": "already_signed_in" } | { "reason": "guest_cannot_sign_in" } | { "reason": "wrong_password" } | { "reason": "token_unknown" } | { "reason": "session_revoked" } | { "reason": "account_disabled" } | { "reason": "too_many_logins" } | { "reason": "too_many_guest_joins" } | { "reason": "server_full" } | { "reason": "fell_behind" } | { "reason": "shutting_down" } | { "reason": "idle", 
/**
 * How long, in seconds.
 */
seconds: number, } | { "reason": "server_fault" } | { "reason": "too_many_watched", 
/**
 * The most users one connection watches.
 */
max: number, } | { "reason": "client_id_length", 
/**
 * The longest client id, in bytes.
 */
max: number, } | { "reason": "text_too_long", 
/**
 * The longest text, in bytes of UTF-8.
 */
max: number, 
/**
 * This text's size, in bytes.
 */
size: number, } | { "reason": "empty_message" } | { "reason": "client_id_reused", 
/**
 * The client id.
 */
client_id: string, } | { "reason": "field_too_long", 
/**
 * Which.
 */
field: Field, 
/**
 * The most it may hold, in bytes of UTF-8.
 */
max: number, } | { "reason": "name_length", 
/**
 * Which.
 */
field: Field, 
/**
 * The most characters it may have (at least 1).
 */
max: number, } | { "reason": "name_character", 
/**
 * Which.
 */
field: Field, 
/**
 * The character refused, as its Unicode code point (shown as U+XXXX).
 */
code_point: number, } | { "reason": "no_such_user", 
/**
 * The name asked for.
 */
name: string, } | { "reason": "user_exists", 
/**
 * The name.
 */
name: string, } | { "reason": "no_such_alias", 
/**
 * The name asked for.
 */
name: string, } | { "reason": "alias_exists", 
/**
 * The name.
 */
name: string, } | { "reason": "invalid_user_name", 
/**
 * The name given.
 */
name: string, } | { "reason": "direct_with_self" } | { "reason": "favourite_self" } | { "reason": "no_pending_request", 
/**
 * The user.
 */
name: string, } | { "reason": "no_such_conversation", 
/**
 * The conversation.
 */
conversation: number, } | { "reason": "not_a_member", 
/**
 * The conversation.
 */
conversation: number, } | { "reason": "not_a_group", 
/**
 * The conversation.
 */
conversation: number, } | { "reason": "not_a_room", 
/**
 * The conversation.
 */
conversation: number, } | { "reason": "no_meeting_link", 
/**
 * The conversation.
 */
conversation: number, } | { "reason": "no_meeting", 
/**
 * The conversation.
 */
conversation: number, } | { "reason": "moderators_only", 
/**
 * The room.
 */
conversation: number, } | { "reason": "owner_only", 
/**
 * The room.
 */
conversation: number, } | { "reason": "owner_cannot_leave" } | { "reason": "promote_before_leaving" } | { "reason": "owner_cannot_be_removed" } | { "reason": "already_member", 
/**
 * The user.
 */
name: string, } | { "reason": "not_in_room", 
/**
 * The user.
 */
name: string, } | { "reason": "no_invitation", 
/**
 * The group.
 */
conversation: number, } | { "reason": "invited_self" } | { "reason": "no_invitees" } | { "reason": "group_full", 
/**
 * The cap.
 */
max: number, } | { "reason": "not_in_meeting", 
/**
 * The room (or direct conversation).
 */
conversation: number, } | { "reason": "meeting_minutes", 
/**
 * The longest meeting, in minutes.
 */
max: number, } | { "reason": "scheduled_too_far", 
/**
 * How far, in years.
 */
years: number, } | { "reason": "meeting_in_past" } | { "reason": "no_scheduled_meeting", 
/**
 * Its id.
 */
meeting: number, } | { "reason": "link_unknown" } | { "reason": "direct_meeting_members_only" } | { "reason": "meeting_not_started", 
/**
 * The room's name.
 */
room: string, } | { "reason": "sent_out", 
/**
 * The room's name.
 */
room: string, } | { "reason": "guest_limit", 
/**
 * The room's name.
 */
room: string, 
/**
 * The most guests, present and waiting.
 */
max: number, } | { "reason": "name_taken" } | { "reason": "already_guest" } | { "reason": "guest_needs_name" } | { "reason": "guest_already_admitted", 
/**
 * The guest's id in the meeting.
 */
guest: number, } | { "reason": "guest_not_in_lobby", 
/**
 * The guest's id in the meeting.
 */
guest: number, } | { "reason": "participant_not_in_meeting", 
/**
 * Their name.
 */
name: string, } | { "reason": "guest_not_in_meeting", 
/**
 * The guest's id in the meeting.
 */
guest: number, } | { "reason": "meeting_ended" } | { "reason": "room_deleted" } | { "reason": "removed_by_moderator" } | { "reason": "refused_by_moderator" } | { "reason": "no_calls", 
/**
 * The conversation.
 */
conversation: number, } | { "reason": "busy", 
/**
 * Who is busy.
 */
name: string, } | { "reason": "in_call_already" } | { "reason": "no_such_call", 
/**
 * The call.
 */
call: number, } | { "reason": "call_not_answered", 
/**
 * The call.
 */
call: number, } | { "reason": "call_answered_already", 
/**
 * The call.
 */
call: number, } | { "reason": "signal_out_of_turn" } | { "reason": "bad_sdp" } | { "reason": "sync_first" } | { "reason": "no_such_message", 
/**
 * The conversation.
 */
conversation: number, 
/**
 * The message's sequence number.
 */
seq: number, } | { "reason": "sender_only", 
/**
 * The conversation.
 */
conversation: number, 
/**
 * The message's sequence number.
 */
seq: number, } | { "reason": "message_deleted", 
/**
 * The conversation.
 */
conversation: number, 
/**
 * The message's sequence number.
 */
seq: number, } | { "reason": "not_a_text_message", 
/**
 * The conversation.
 */
conversation: number, 
/**
 * The message's sequence number.
 */
seq: number, } | { "reason": "invalid_reaction" } | { "reason": "too_many_reactions", 
/**
 * The cap.
 */
max: number, } | { "reason": "file_too_large", 
/**
 * The largest file, in bytes.
 */
max: number, } | { "reason": "quota_exceeded", 
/**
 * The quota, in bytes.
 */
quota: number, 
/**
 * What the user's files take already.
 */
used: number, } | { "reason": "upload_offset", 
/**
 * Bytes the server holds (where to resume).
 */
held: number, } | { "reason": "checksum_mismatch" } | { "reason": "upload_busy" } | { "reason": "no_such_file" } | { "reason": "bad_file_name" } | { "reason": "bad_checksum" } | { "reason": "upload_too_long", 
/**
 * The declared size.
 */
size: number, } | { "reason": "upload_interrupted" } | { "reason": "missing_header", 
/**
 * The header's name.
 */
header: string, } | { "reason": "image_unreadable" } | { "reason": "image_too_large", 
/**
 * Its width (0 when unknown).
 */
width: number, 
/**
 * Its height.
 */
height: number, } | { "reason": "no_thumbnail" } | { "reason": "mail_not_configured" } | { "reason": "no_meeting_media" } | { "reason": "recording_off" } | { "reason": "recording_already", 
/**
 * Whether it is being recorded.
 */
on: boolean, } | { "reason": "bad_email_address" } | { "reason": "too_many_mails", 
/**
 * How many an hour.
 */
per_hour: number, } | { "reason": "mail_failed" } | { "reason": "unknown" };

export type Field = "group_name" | "room_name" | "meeting_title" | "display_name" | "guest_name" | "status_message" | "link" | "search" | "session_description" | "ice_candidate";

export type UserInfo = { 
/**
 * Unique account name.
 */
name: string, 
/**
 * Name to show.
 */
display_name: string, 
/**
 * E-mail address, if known.
 */
email: string | null, };

export type UserSettings = { 
/**
 * Privacy mode: no receipts sent, only `sent` ticks seen.
 */
privacy: boolean, 
/**
 * The status the user chose.
 */
status: PresenceChoice, 
/**
 * The custom status message.
 */
status_message: string | null, };

export type PresenceChoice = "available" | "away" | "dnd" | "offline";

export type PresenceStatus = "online" | "away" | "dnd" | "offline";

export type Presence = { 
/**
 * The user's name.
 */
user: string, 
/**
 * Effective status.
 */
status: PresenceStatus, 
/**
 * Custom message (hidden while offline).
 */
message: string | null, 
/**
 * True when the status is away because the user is idle.
 */
idle: boolean, 
/**
 * Last time a device disconnected, in ms since the epoch.
 */
last_seen: number | null, };

export type DirectoryEntry = { 
/**
 * The user.
 */
user: UserInfo, 
/**
 * Their presence, when the caller may see it.
 */
presence: Presence | null, };

export type AliasInfo = { 
/**
 * Its name, used like a user name (`send support …`).
 */
name: string, 
/**
 * What people see ("IT Support").
 */
display_name: string, 
/**
 * In an alias conversation: who wrote to the alias.
 */
writer?: string, };

export type ConversationKind = "direct" | "group" | "room" | "alias";

export type MessageKind = "text" | "joined" | "left" | { "call": CallRecord } | { "file": FileRef } | { "mailed": { 
/**
 * The address.
 */
to: string, } };

export type OngoingMeeting = { 
/**
 * The room.
 */
conversation: number, 
/**
 * The room's name.
 */
name: string, 
/**
 * Who is in it, by name, in the order they came.
 */
participants: Array<string>, 
/**
 * When it started, ms since the epoch.
 */
started_at: number, 
/**
 * Guests in the meeting (not members of the room), in the order they came.
 */
guests?: Array<MeetingGuest>, 
/**
 * External guests waiting in the lobby for a moderator.
 */
lobby?: Array<MeetingGuest>, 
/**
 * Participants a moderator muted (their sound is not carried until a moderator lifts it).
 */
muted?: Array<string>, 
/**
 * Being recorded since then (ms since the epoch).
 */
recording?: number | null, };

export type MeetingGuest = { 
/**
 * Its id in the meeting (to admit or remove it).
 */
id: number, 
/**
 * The display name: an internal guest's account name, an external guest's chosen name.
 */
name: string, 
/**
 * True for a guest without an account.
 */
external: boolean, };

export type MeetingRole = "member" | "guest" | "external_guest";

export type MeetingSession = { 
/**
 * The room.
 */
conversation: number, 
/**
 * The room's name.
 */
room: string, 
/**
 * The caller's name in the meeting.
 */
name: string, 
/**
 * Member or guest.
 */
role: MeetingRole, 
/**
 * A guest's id in the meeting.
 */
guest: number | null, 
/**
 * False while an external guest waits in the lobby.
 */
admitted: boolean, 
/**
 * The meeting, once admitted.
 */
meeting: OngoingMeeting | null, };

export type ScheduledMeeting = { 
/**
 * Its id.
 */
id: number, 
/**
 * The room.
 */
conversation: number, 
/**
 * The room's name.
 */
name: string, 
/**
 * What it is about.
 */
title: string, 
/**
 * Start, ms since the epoch.
 */
starts_at: number, 
/**
 * Length in minutes.
 */
minutes: number, 
/**
 * Who put it there.
 */
organizer: string, };

export type ConversationInfo = { 
/**
 * Conversation id.
 */
id: number, 
/**
 * Its kind.
 */
kind: ConversationKind, 
/**
 * Members, by name.
 */
members: Array<string>, 
/**
 * Creation time, ms since the epoch.
 */
created_at: number, 
/**
 * A group's name, if it was given one.
 */
name?: string, 
/**
 * A room's owner.
 */
owner?: string, 
/**
 * A room's moderators (the owner included).
 */
moderators?: Array<string>, 
/**
 * A room's mute-for-all, set by a moderator.
 */
mute_all?: boolean, 
/**
 * A room's lobby: moderators admit or refuse each external guest.
 */
lobby?: boolean, 
/**
 * The alias of an alias conversation. Its writer sees the alias among the members
 * instead of the people who answer (unless the alias shows them); they see the writer.
 */
alias?: AliasInfo, };

export type ConversationSummary = { 
/**
 * Identity and members.
 */
info: ConversationInfo, 
/**
 * The newest visible message.
 */
last_message: Message | null, 
/**
 * Unread messages from others.
 */
unread: number, 
/**
 * The user's read cursor.
 */
read_through: number, 
/**
 * Mute flag.
 */
muted: boolean, 
/**
 * Messages up to this sequence number are hidden for the user.
 */
cleared_through: number, 
/**
 * Out of the user's list while the newest message is at or below this (0: shown).
 */
hidden_through?: number, };

export type TickState = "pending" | "sent" | "delivered" | "read";

export type Message = { 
/**
 * Conversation id.
 */
conversation: number, 
/**
 * Per-conversation sequence number, from 1.
 */
seq: number, 
/**
 * The sender's client-generated id.
 */
client_id: string, 
/**
 * The sender's name.
 */
sender: string, 
/**
 * The text.
 */
text: string, 
/**
 * Server time of storage, ms since the epoch.
 */
sent_at: number, 
/**
 * Ticks as the requesting user may see them.
 */
state: TickState, 
/**
 * A text, or a member joining or leaving (the sender is that member; the text is empty).
 */
kind?: MessageKind, 
/**
 * When the text was last edited, ms since the epoch (shown as "edited").
 */
edited_at?: number | null, 
/**
 * Deleted by its sender: the text is empty, reactions and mentions are gone.
 */
deleted?: boolean, 
/**
 * The message this one answers (same conversation).
 */
reply_to?: number | null, 
/**
 * Reactions, in the order they were first used.
 */
reactions?: Array<Reaction>, 
/**
 * Members named with `@name` (groups and rooms).
 */
mentions?: Array<string>, 
/**
 * 0 as sent, raised by every edit, deletion or reaction change: the higher one is newer.
 */
version?: number, 
/**
 * The card of the text's first link, once the server fetched it (a `message_updated`
 * brings it a moment after the message).
 */
preview?: LinkPreview, };

export type Reaction = { 
/**
 * The emoji.
 */
emoji: string, 
/**
 * Who reacted with it, first first (the count is their number).
 */
users: Array<string>, };

export type SearchCursor = { 
/**
 * The last hit's `sent_at`.
 */
sent_at: number, 
/**
 * The last hit's conversation.
 */
conversation: number, 
/**
 * The last hit's sequence number.
 */
seq: number, };

export type SendAck = { 
/**
 * Conversation id.
 */
conversation: number, 
/**
 * The client id that was sent.
 */
client_id: string, 
/**
 * Assigned sequence number.
 */
seq: number, 
/**
 * Server time of storage.
 */
sent_at: number, 
/**
 * True when this client id had been stored before (a resend).
 */
duplicate: boolean, };

export type HistoryPage = { 
/**
 * Oldest first.
 */
messages: Array<Message>, 
/**
 * True when older messages exist; ask again with `before` = the first `seq`.
 */
has_more: boolean, };

export type FavouriteState = "pending" | "accepted" | "declined" | "removed";

export type Favourite = { 
/**
 * Who added.
 */
owner: string, 
/**
 * Who was added.
 */
target: string, 
/**
 * Where the request stands.
 */
state: FavouriteState, };

export type CallSignal = { "type": "offer", 
/**
 * The SDP text.
 */
sdp: string, } | { "type": "answer", 
/**
 * The SDP text.
 */
sdp: string, } | { "type": "candidate", 
/**
 * The `candidate:` line.
 */
candidate: string, 
/**
 * The media section it belongs to.
 */
sdp_mid: string | null, 
/**
 * Its index.
 */
sdp_mline_index: number | null, };

export type CallInfo = { 
/**
 * Its id.
 */
id: number, 
/**
 * The direct conversation it belongs to.
 */
conversation: number, 
/**
 * Who called.
 */
caller: string, 
/**
 * Who is called.
 */
callee: string, 
/**
 * Video (else audio only).
 */
video: boolean, 
/**
 * The ICE servers to use: the server's TURN relay with credentials for this call, when
 * the relay is on. Empty: host candidates only.
 */
ice_servers: Array<IceServer>, };

export type IceServer = { 
/**
 * Its URLs (`turn:host:port?transport=udp`).
 */
urls: Array<string>, 
/**
 * The user name (for TURN: valid until the time it starts with, in seconds).
 */
username: string, 
/**
 * The password.
 */
credential: string, };

export type CallEnd = "declined" | "no_answer" | "cancelled" | "unavailable" | "hung_up" | "disconnected" | "answered_elsewhere" | "declined_elsewhere";

export type CallRecord = { 
/**
 * How it went.
 */
outcome: CallOutcome, 
/**
 * Video (else audio only).
 */
video: boolean, 
/**
 * From the answer to the end, in milliseconds (0 unless completed).
 */
duration_ms: number, };

export type CallOutcome = "missed" | "declined" | "completed";

export type FileRef = { 
/**
 * The file's id.
 */
id: string, 
/**
 * Its name as the sender's device had it.
 */
name: string, 
/**
 * Its length in bytes.
 */
size: number, 
/**
 * Its media type as the server saw it (from its bytes for images).
 */
mime: string, 
/**
 * Whether the server drew a thumbnail (images it could decode).
 */
thumbnail?: boolean, 
/**
 * An image's width and height in pixels, upright.
 */
dimensions?: [number, number], };

export type LinkPreview = { 
/**
 * The page's address, after redirects.
 */
url: string, 
/**
 * Its title.
 */
title?: string, 
/**
 * Its description.
 */
description?: string, 
/**
 * Its image, redrawn by the server as a small JPEG or PNG, as a `data:` URL (so the card
 * travels and is cached with its message, and no third-party byte reaches a client as is).
 */
image?: string, };

export type SharedFile = { 
/**
 * The file.
 */
file: FileRef, 
/**
 * Who shared it.
 */
sender: string, 
/**
 * Its message's sequence number.
 */
seq: number, 
/**
 * When, ms since the epoch.
 */
sent_at: number, };

export type UploadRequest = { 
/**
 * Where it is shared.
 */
conversation: number, 
/**
 * Its name (no path).
 */
name: string, 
/**
 * Its length in bytes.
 */
size: number, 
/**
 * The lowercase hex BLAKE3 of its bytes, checked when the last byte is in. A client that
 * hashes as it sends leaves it out and gives it with the `Upload-Blake3` header of the
 * `PATCH` that completes the upload (or of an empty `PATCH` after the last byte): the file
 * is then read once, not twice. A client that leaves the hash to the server sends
 * `Upload-Server-Hash: ?1` with its bytes instead: the last byte shares the file, named by
 * the hash the server took as it received. An interrupted upload is found again by its
 * hash when it was declared, else by its name and length.
 */
blake3?: string, 
/**
 * Its media type as the client guesses it (the server checks images' bytes).
 */
mime: string | null, };

export type UploadState = { 
/**
 * The upload's id (the file's id once finished).
 */
id: string, 
/**
 * Bytes the server holds: the next chunk starts here.
 */
offset: number, 
/**
 * Its declared length.
 */
size: number, 
/**
 * Once every byte is in and checked: the file and its message's sequence number.
 */
file?: FileRef, 
/**
 * The file message's sequence number, once finished.
 */
seq?: number | null, 
/**
 * Once finished: why an image got no thumbnail (damaged, too large).
 */
thumbnail_error?: Reason, };

// Client core types (crates/core).

export type ConnState = "connecting" | "online" | "offline" | "auth_failed";

export type Decision = { 
/**
 * Raise an OS notification.
 */
notify: boolean, 
/**
 * Blink the taskbar entry (only while unfocused).
 */
blink: boolean, 
/**
 * Count toward the unread badge.
 */
badge: boolean, 
/**
 * The message names the user (`@name`): shown even from a muted conversation.
 */
mentioned: boolean, };

export type CachedMessage = { 
/**
 * Local row id (stable for pending messages, which have no seq yet).
 */
local_id: number, 
/**
 * Conversation id.
 */
conversation: number, 
/**
 * Server sequence number; `None` while pending.
 */
seq: number | null, 
/**
 * Client-generated id.
 */
client_id: string, 
/**
 * Sender's name.
 */
sender: string, 
/**
 * Text.
 */
text: string, 
/**
 * Server time (local time while pending), ms since the epoch.
 */
sent_at: number, 
/**
 * Ticks (meaningful on one's own messages).
 */
state: TickState, 
/**
 * Why the server refused it, for a message that will not be sent.
 */
error: ErrorBody | null, 
/**
 * A text, or a member joining or leaving a group.
 */
kind?: MessageKind, 
/**
 * Last edit, ms since the epoch ("edited").
 */
edited_at: number | null, 
/**
 * Deleted by its sender ("Message deleted").
 */
deleted: boolean, 
/**
 * The message it answers (its seq).
 */
reply_to: number | null, 
/**
 * Reactions, first used first.
 */
reactions: Array<Reaction>, 
/**
 * Members it names.
 */
mentions: Array<string>, 
/**
 * The server's version of it (higher is newer).
 */
version: number, 
/**
 * The card of its first link, fetched by the server.
 */
preview: LinkPreview | null, };

export type ConversationView = { 
/**
 * Id, kind and members.
 */
info: ConversationInfo, 
/**
 * The newest visible message (pending ones included).
 */
last_message: CachedMessage | null, 
/**
 * Unread messages from others.
 */
unread: number, 
/**
 * Muted.
 */
muted: boolean, 
/**
 * Last activity, for ordering (ms).
 */
last_activity: number, 
/**
 * Hidden from the list by the user until its next message.
 */
hidden: boolean, };

export type UnreadTotals = { 
/**
 * Chats tab (direct conversations and groups).
 */
chats: number, 
/**
 * Virtual Rooms tab.
 */
rooms: number, };

export type ClientEvent = { "event": "state", 
/**
 * New state.
 */
state: ConnState, } | { "event": "synced", 
/**
 * The new sync cursor.
 */
position: number, } | { "event": "message", 
/**
 * It.
 */
message: CachedMessage, 
/**
 * What the desktop should do about it.
 */
decision: Decision, } | { "event": "updated", 
/**
 * Its new state.
 */
message: CachedMessage, } | { "event": "changed", 
/**
 * It now.
 */
message: CachedMessage, } | { "event": "op_done", 
/**
 * The op.
 */
op: number, } | { "event": "typing", 
/**
 * The conversation.
 */
conversation: number, 
/**
 * Who.
 */
user: string, 
/**
 * Typing, or stopped.
 */
typing: boolean, } | { "event": "ticks", 
/**
 * Conversation.
 */
conversation: number, 
/**
 * Delivered up to this seq.
 */
delivered_through: number, 
/**
 * Read up to this seq.
 */
read_through: number, } | { "event": "read_cursor", 
/**
 * Conversation.
 */
conversation: number, 
/**
 * Read up to this seq.
 */
read_through: number, 
/**
 * Unread left.
 */
unread: number, } | { "event": "presence", 
/**
 * New presence.
 */
presence: Presence, } | { "event": "unread", 
/**
 * Per tab.
 */
totals: UnreadTotals, } | { "event": "conversations" } | { "event": "settings", 
/**
 * New settings.
 */
settings: UserSettings, } | { "event": "favourite", 
/**
 * It.
 */
favourite: Favourite, } | { "event": "invitations" } | { "event": "meetings", 
/**
 * The room.
 */
conversation: number, 
/**
 * Set when this user's guest access to the meeting ended, and why.
 */
ended?: Reason, } | { "event": "call", 
/**
 * The call as it is now.
 */
call: CallView, } | { "event": "meeting_sound", 
/**
 * The sound as it is now.
 */
sound: MeetingSoundView, };

export type LaunchOptions = { 
/**
 * Server address, or several separated by commas, as given.
 */
server: string | null, 
/**
 * Account name.
 */
user: string | null, 
/**
 * Whether a password was given in the environment.
 */
has_password: boolean, };

export type Theme = "system" | "light" | "dark";

export type DeviceSettings = { 
/**
 * Raise OS notifications for new messages.
 */
notifications: boolean, 
/**
 * Minutes of system idle time before the status turns Away; 0 turns auto-away off.
 */
auto_away_minutes: number, 
/**
 * Colour scheme.
 */
theme: Theme, 
/**
 * The microphone calls use (`None`: the system default).
 */
microphone: string | null, 
/**
 * The speaker calls play on (`None`: the system default).
 */
speaker: string | null, 
/**
 * The camera video calls send (`None`: the first one).
 */
camera: string | null, };

export type Settings = { 
/**
 * Privacy mode (on the server: no receipts sent, only the server tick seen).
 */
privacy: boolean, 
/**
 * This device's settings.
 */
device: DeviceSettings, };

export type Favourites = { 
/**
 * People this user follows (or asked to).
 */
outgoing: Array<Favourite>, 
/**
 * Requests from others waiting for an answer.
 */
incoming: Array<Favourite>, };

export type DirectoryPage = { 
/**
 * Users in directory order (display name, then account name), with presence where the
 * server shows it.
 */
users: Array<DirectoryEntry>, 
/**
 * Pass as `after` for the next page; absent on the last.
 */
next: string | null, 
/**
 * On the first page: the aliases matching the query, shown above the users.
 */
aliases: Array<AliasInfo>, };

export type About = { 
/**
 * The app's version.
 */
app_version: string, 
/**
 * Its licence (SPDX).
 */
licence: string, 
/**
 * The server of the last sign-in, as connected to.
 */
server: string | null, 
/**
 * The version that server told, when it did.
 */
server_version: string | null, };

export type Invitation = { 
/**
 * The group.
 */
conversation: number, 
/**
 * Its name.
 */
name: string | null, 
/**
 * Who invited.
 */
inviter: string, 
/**
 * Its members when the invitation came.
 */
members: Array<string>, };

export type Meetings = { 
/**
 * Going on now.
 */
ongoing: Array<OngoingMeeting>, 
/**
 * On the calendar, soonest first.
 */
scheduled: Array<ScheduledMeeting>, };

export type CallPhase = "ringing" | "calling" | "connecting" | "active" | "ended";

export type CallView = { 
/**
 * The call's id.
 */
id: number, 
/**
 * Its direct conversation.
 */
conversation: number, 
/**
 * The other party.
 */
peer: string, 
/**
 * Rung here (else placed from here).
 */
incoming: boolean, 
/**
 * A video call.
 */
video: boolean, 
/**
 * Where it stands.
 */
phase: CallPhase, 
/**
 * When the talk began (ms since the epoch), once active.
 */
started_at: number | null, 
/**
 * Why it ended.
 */
ended: CallEnd | null, 
/**
 * What failed, when the media could not connect (English, for the log; the UI says
 * "the call could not connect").
 */
error: string | null, 
/**
 * This side's microphone is muted.
 */
muted: boolean, 
/**
 * This side's camera is off.
 */
camera_off: boolean, 
/**
 * Round trip on the media path, milliseconds.
 */
rtt_ms: number | null, 
/**
 * Share of the other side's audio lost, percent.
 */
loss_pct: number | null, 
/**
 * The last device unplugged during the call, and what took its place.
 */
device_change: DeviceChange | null, };

export type DeviceChange = { 
/**
 * `microphone`, `speaker` or `camera`.
 */
kind: string, 
/**
 * The name of the device that went.
 */
lost: string, 
/**
 * The name of the default now used (none: there is none; the call goes on without).
 */
now: string | null, };

export type MeetingSoundPhase = "connecting" | "connected" | "ended";

export type MeetingPeerView = { 
/**
 * Their name as the meeting shows it (an account name, or an external guest's chosen
 * one); none until the meeting's list names them.
 */
name: string | null, 
/**
 * The media source the SFU names them by.
 */
source: number, 
/**
 * Speaking now (the highlight).
 */
speaking: boolean, 
/**
 * The tile their pictures arrive on (frame stream 2 + tile); none while not seen.
 */
tile: number | null, };

export type MeetingSoundView = { 
/**
 * The meeting's room or group.
 */
conversation: number, 
/**
 * Where it stands.
 */
phase: MeetingSoundPhase, 
/**
 * This device's microphone is muted here (a moderator's mute is the meeting's, shown
 * with it).
 */
muted: boolean, 
/**
 * This device sends pictures (its camera, the self view on frame stream 1).
 */
camera: boolean, 
/**
 * Who is heard or seen, in the order first received.
 */
people: Array<MeetingPeerView>, 
/**
 * What failed, when it could not connect (English, for the log; the UI says the sound
 * could not connect).
 */
error: string | null, };

export type DeviceEntry = { 
/**
 * Its id (remembered in the profile's settings).
 */
id: string, 
/**
 * What the user sees.
 */
name: string, 
/**
 * `microphone`, `speaker` or `camera`.
 */
kind: string, 
/**
 * A synthetic device (test tone, test pattern).
 */
synthetic: boolean, };

export type LevelReading = { 
/**
 * Loudest sample over the tenth of a second, dBFS.
 */
peak_db: number, 
/**
 * Its root mean square, dBFS.
 */
rms_db: number, };

export type TransferProgress = { 
/**
 * Bytes sent so far.
 */
sent: number, 
/**
 * The file's length.
 */
total: number, };

export type FilePreview = { "kind": "image", 
/**
 * The picture.
 */
url: string, } | { "kind": "text", 
/**
 * Up to [`PREVIEW_TEXT_BYTES`] of it, as UTF-8 (invalid sequences replaced).
 */
text: string, 
/**
 * Whether there is more.
 */
truncated: boolean, } | { "kind": "none" };
