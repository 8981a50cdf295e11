// Every call from the UI to the desktop backend goes through here. In the Tauri app these are
// commands of src-tauri; tests and browser previews install another backend with setBackend().
import { Channel, invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import type {
  About,
  CachedMessage,
  CallView,
  ClientEvent,
  ConversationView,
  DeviceEntry,
  DirectoryEntry,
  DirectoryPage,
  Favourites,
  FilePreview,
  Invitation,
  LaunchOptions,
  LevelReading,
  Meetings,
  Message,
  MeetingSession,
  MeetingSoundView,
  ScheduledMeeting,
  Presence,
  PresenceChoice,
  Reason,
  Settings,
  SharedFile,
  TransferProgress,
  UnreadTotals,
  UploadState,
} from "./bindings";

/** The error every command rejects with: `code` is `refused:<server code>` when the server
 * refused, with its `reason` (worded by lib/i18n.ts); `message` is the backend's English
 * sentence, shown only when there is no reason to word. */
export type UiError = { code: string; message: string; reason?: Reason };

/** Files dragged from the system over the window, as the desktop's own drag and drop tells it
 * (a webview there gets no HTML drop of them): where the pointer is, in CSS pixels of the
 * window, and the files' paths on entering and dropping. */
export type FileDrag =
  | { type: "enter"; paths: string[]; x: number; y: number }
  | { type: "over"; x: number; y: number }
  | { type: "drop"; paths: string[]; x: number; y: number }
  | { type: "leave" };

export interface Backend {
  launchOptions(): Promise<LaunchOptions>;
  signIn(server: string, user: string, password: string | null): Promise<string>;
  subscribe(onEvent: (event: ClientEvent) => void): Promise<void>;
  conversations(): Promise<ConversationView[]>;
  history(conversation: number, before: number | null, limit: number): Promise<CachedMessage[]>;
  sendMessage(conversation: number, text: string): Promise<CachedMessage>;
  markRead(conversation: number, seq: number): Promise<void>;
  /** Unread again from the newest message of someone else, on every device. */
  markUnread(conversation: number): Promise<void>;
  /** Out of the list until its next message (or back). */
  hideConversation(conversation: number, hidden: boolean): Promise<void>;
  openDirect(user: string): Promise<number>;
  searchUsers(query: string): Promise<DirectoryEntry[]>;
  directory(query: string, after: string | null, online: boolean): Promise<DirectoryPage>;
  /** What the user was writing in a conversation, kept on this device across restarts. */
  draft(conversation: number): Promise<string | null>;
  /** Keeps the draft of a conversation; an empty one is dropped. */
  setDraft(conversation: number, text: string): Promise<void>;
  /** The About box's facts: app version, licence, the server's address and version. */
  about(): Promise<About>;
  /** Signs out on the server, forgets this device's token; the app shows the sign-in form. */
  signOut(): Promise<void>;
  /** Opens the user guide in the system's browser. */
  openHelp(): Promise<void>;
  /** The UI's language, for the shell's own words (the tray, notifications) from now on. */
  setLanguage(lang: "en" | "fr"): Promise<void>;
  setStatus(status: PresenceChoice, message: string | null): Promise<void>;
  unreadTotals(): Promise<UnreadTotals>;
  setView(conversation: number | null, focused: boolean): Promise<void>;
  settings(): Promise<Settings>;
  setSettings(settings: Settings): Promise<void>;
  setMuted(conversation: number, muted: boolean): Promise<void>;
  clearHistory(conversation: number): Promise<void>;
  /** Has the server send the conversation's history, as this user sees it, by email to `to`,
   * worded in `language` ("en" or "fr") with times at `utcOffsetMinutes` from UTC (east
   * positive); its `mailed` line then comes like any message. Rejects with the server's refusal
   * (mail_not_configured, bad_email_address, too_many_mails, mail_failed). */
  mailHistory(conversation: number, to: string, language: string, utcOffsetMinutes: number): Promise<void>;
  presence(): Promise<Presence[]>;
  /** Keeps these users' presence live besides the conversations' members (replaces the list). */
  watchPresence(users: string[]): Promise<void>;
  favourites(): Promise<Favourites>;
  addFavourite(user: string): Promise<void>;
  removeFavourite(user: string): Promise<void>;
  answerSubscription(user: string, accept: boolean): Promise<void>;
  createGroup(invite: string[], name: string | null): Promise<number>;
  inviteToGroup(conversation: number, user: string): Promise<void>;
  joinGroup(conversation: number): Promise<number>;
  declineGroup(conversation: number): Promise<void>;
  leaveGroup(conversation: number): Promise<void>;
  invitations(): Promise<Invitation[]>;
  createRoom(name: string): Promise<number>;
  addRoomMember(conversation: number, user: string): Promise<void>;
  removeRoomMember(conversation: number, user: string): Promise<void>;
  promoteModerator(conversation: number, user: string): Promise<void>;
  setMuteAll(conversation: number, muted: boolean): Promise<void>;
  /** Starts or stops recording a room's ongoing meeting (moderators); everyone in it sees the
   * mark (`OngoingMeeting.recording`). Rejects with recording_off when the server does not
   * record, recording_already when it already is (or is not, to stop). Stopped, the recording
   * is shared in the room as a file. */
  setRecording(conversation: number, on: boolean): Promise<void>;
  /** Mutes one participant of a room's ongoing meeting, or lifts it (moderators); everyone in it
   * sees it. Rejects with forbidden for others, participant_not_in_meeting when `user` is not in
   * the meeting. */
  setParticipantMuted(conversation: number, user: string, muted: boolean): Promise<void>;
  leaveRoom(conversation: number): Promise<void>;
  deleteRoom(conversation: number): Promise<void>;
  /** A room's join link token (moderators). */
  roomLink(conversation: number): Promise<string>;
  /** Replaces the link; the old one is refused at once. */
  rotateRoomLink(conversation: number): Promise<string>;
  /** The room a link token opens: [id, name]; rejects with not_found for an old link. */
  resolveLink(link: string): Promise<[number, string]>;
  /** Starts the meeting of a room or group, or joins it when one is going on (no sound: that is
   * joinMeetingSound's). */
  startMeeting(conversation: number): Promise<void>;
  /** Leaves a room's meeting: a member (the last one out ends it, sending every guest away), or
   * an internal guest (whose access ends with it). */
  leaveMeeting(conversation: number): Promise<void>;
  /**
   * Joins a meeting by its link (full or bare token): a member of the room joins (or starts) its
   * meeting; any other signed-in user comes into the ongoing one as a guest (no membership, no
   * chat). Rejects with conflict when no meeting is going on, not_found for an old link.
   */
  joinByLink(link: string): Promise<MeetingSession>;
  /** Lets a guest waiting in the lobby into the meeting (moderators; forbidden for others). */
  admitGuest(conversation: number, guest: number): Promise<void>;
  /** Refuses a guest waiting in the lobby, or sends a present one out of the meeting (moderators). */
  removeGuest(conversation: number, guest: number): Promise<void>;
  /** Turns a room's lobby for guests without an account on or off (moderators); off admits
   * everyone waiting. */
  setLobby(conversation: number, enabled: boolean): Promise<void>;
  scheduleMeeting(conversation: number, title: string, startsAt: number, minutes: number): Promise<ScheduledMeeting>;
  deleteScheduledMeeting(meeting: number): Promise<void>;
  /** Ongoing meetings of the user's rooms and groups, and the rooms' scheduled ones. */
  meetings(): Promise<Meetings>;
  /** Saves a scheduled meeting's .ics invitation (with the room's link) in the Downloads
   * folder; resolves to the file's path. */
  saveMeetingIcs(meeting: number): Promise<string>;
  /** Calls the other member of a direct conversation; every change of the call then comes as a
   * `call` event. Rejects while another call is going on. */
  placeCall(conversation: number, video: boolean): Promise<CallView>;
  /** Accepts the call ringing here (`video`: send this side's camera too). */
  acceptCall(call: number, video: boolean): Promise<void>;
  /** Declines the call ringing here. */
  declineCall(call: number): Promise<void>;
  /** Hangs up the call in progress (placed, connecting or active). */
  hangUp(): Promise<void>;
  /** Mutes this side's microphone, turns its camera off (or back on). */
  setCallControls(muted: boolean, cameraOff: boolean): Promise<void>;
  /** Connects this device's microphone and speaker (and its camera when `camera`) to the
   * meeting of a room or group the user is in (startMeeting first); every change then comes as a
   * `meeting_sound` event (connecting, connected, who is heard or seen and who speaks, and ended
   * when closed here, cut by the server, or failed with `error`). Moves the sound from another
   * meeting's; rejects during a 1:1 call. */
  joinMeetingSound(conversation: number, camera: boolean): Promise<MeetingSoundView>;
  /** Mutes or unmutes this device's microphone in the meeting (a `meeting_sound` event follows). */
  setMeetingSoundMuted(muted: boolean): Promise<void>;
  /** Closes this device's sound in the meeting (the user stays in the meeting); an `ended`
   * event follows. */
  leaveMeetingSound(): Promise<void>;
  /** This device's sound in a meeting, if on (for a window that opens during one). */
  meetingSound(): Promise<MeetingSoundView | null>;
  /** Saves the devices calls use in this device's settings (null: the system's default) and,
   * during a call, switches the call to them at once. */
  useCallDevices(microphone: string | null, speaker: string | null, camera: string | null): Promise<void>;
  /** The call in progress, if any (for a window that opens during one). */
  currentCall(): Promise<CallView | null>;
  /** A one-time `ws://127.0.0.1:PORT/frames?token=…` URL of the socket carrying the call's
   * pictures (features/calls/frames.ts reads it). */
  frameSocket(): Promise<string>;
  /** The microphones, speakers and cameras calls can use. */
  devices(): Promise<DeviceEntry[]>;
  /** Tests the devices: the microphone's level (null: the system's default) comes to `onLevel`
   * ten times a second, and with `camera` its picture into the frame socket's own stream.
   * Replaces a test already running. */
  startDeviceTest(microphone: string | null, camera: boolean, onLevel: (level: LevelReading) => void): Promise<void>;
  /** Stops the device test. */
  stopDeviceTest(): Promise<void>;
  /** Plays a one-second tone on the speaker (null: the system's default); rejects when there is
   * no sound system. */
  testTone(speaker: string | null): Promise<void>;
  /** Answers a message of the same conversation (its seq): sent like sendMessage, carrying
   * `reply_to`. */
  sendReply(conversation: number, text: string, replyTo: number): Promise<CachedMessage>;
  /** Replaces the text of one's own text message; the change comes back as a `changed` event
   * (here and on the user's other devices), marked with `edited_at`. */
  editMessage(localId: number, text: string): Promise<void>;
  /** Deletes one's own message for everyone: a `changed` event brings it back blank, `deleted`. */
  deleteMessage(localId: number): Promise<void>;
  /** Adds (`on`) or takes back this user's reaction with one emoji; a `changed` event follows. */
  react(localId: number, emoji: string, on: boolean): Promise<void>;
  /** Tells the conversation's other members this user is typing (or stopped). */
  setTyping(conversation: number, typing: boolean): Promise<void>;
  /** Searches this device's cache (works offline; English and French stems, accents folded),
   * in one conversation or all (null); newest first. */
  searchLocal(query: string, conversation: number | null): Promise<CachedMessage[]>;
  /** Searches the server, beyond what the cache holds; rejects with code `offline` when the
   * server cannot be reached. */
  searchMessages(query: string, conversation: number | null): Promise<Message[]>;
  /** Opens a message's http, https or mailto link in the system's browser (others refused). */
  openLink(url: string): Promise<void>;
  /** The shell asks to show a conversation (a notification was clicked). */
  onOpenConversation(handler: (conversation: number) => void): Promise<void>;
  /** A device was plugged in or out: the desktop's `devices` event brings the whole new list to
   * `handler`. Resolves, once listening, to the function that stops it. */
  onDevices(handler: (devices: DeviceEntry[]) => void): Promise<() => void>;
  /** Keeps bytes the web view holds (a file picked, dropped from a page or pasted) as a file of
   * the profile, under its name, for uploadFile; resolves to its path. */
  stageFile(name: string, bytes: Uint8Array): Promise<string>;
  /** Uploads the file at `path` into a conversation and shares it: its message then comes like
   * any other. `transfer` names it for cancelTransfer (which makes it reject with code
   * `cancelled`); its progress comes to `onProgress`. */
  uploadFile(conversation: number, path: string, transfer: string, onProgress: (progress: TransferProgress) => void): Promise<UploadState>;
  /** Stops an upload; the server keeps what it got, so sending the file again resumes. */
  cancelTransfer(transfer: string): Promise<void>;
  /** Saves a shared file in the Downloads folder (never replacing a file there); resolves to
   * where it went. */
  downloadFile(file: string): Promise<string>;
  /** A file's thumbnail as a `data:` URL (images the server could draw). */
  fileThumbnail(file: string): Promise<string>;
  /** The files shared in a conversation and not deleted, newest first. */
  sharedFiles(conversation: number): Promise<SharedFile[]>;
  /** Opens a shared file's preview in a window of its own (index.html#preview=…). */
  openPreview(conversation: number, file: string): Promise<void>;
  /** What the preview window shows of a file: who shared it and when, and its picture, the
   * beginning of its text, or nothing. */
  filePreview(conversation: number, file: string): Promise<[SharedFile, FilePreview]>;
  /** Files dragged from the system over this window (the desktop's drag and drop). Resolves,
   * once listening, to the function that stops it. */
  onFileDrag(handler: (drag: FileDrag) => void): Promise<() => void>;
}

function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  return invoke<T>(command, args).catch((e: unknown) => {
    throw uiError(command, e);
  });
}

/** What a command rejected with, as a UiError (logged). */
function uiError(command: string, e: unknown): UiError {
  const err: UiError =
    typeof e === "object" && e !== null && "code" in e && "message" in e ? (e as UiError) : { code: "internal", message: String(e) };
  console.warn(`${command} failed: ${err.code}: ${err.message}`);
  return err;
}

const tauriBackend: Backend = {
  launchOptions: () => call("launch_options"),
  signIn: (server, user, password) => call("sign_in", { server, user, password }),
  subscribe: (onEvent) => {
    const channel = new Channel<ClientEvent>();
    channel.onmessage = onEvent;
    return call("subscribe", { channel });
  },
  conversations: () => call("conversations"),
  history: (conversation, before, limit) => call("history", { conversation, before, limit }),
  sendMessage: (conversation, text) => call("send_message", { conversation, text }),
  markRead: (conversation, seq) => call("mark_read", { conversation, seq }),
  markUnread: (conversation) => call("mark_unread", { conversation }),
  hideConversation: (conversation, hidden) => call("hide_conversation", { conversation, hidden }),
  openDirect: (user) => call("open_direct", { user }),
  searchUsers: (query) => call("search_users", { query }),
  directory: (query, after, online) => call("directory", { query, after, online }),
  draft: (conversation) => call("draft", { conversation }),
  setDraft: (conversation, text) => call("set_draft", { conversation, text }),
  about: () => call("about"),
  signOut: () => call("sign_out"),
  openHelp: () => call("open_help"),
  setLanguage: (lang) => call("set_language", { lang }),
  setStatus: (status, message) => call("set_status", { status, message }),
  unreadTotals: () => call("unread_totals"),
  setView: (conversation, focused) => call("set_view", { conversation, focused }),
  settings: () => call("settings"),
  setSettings: (settings) => call("set_settings", { settings }),
  setMuted: (conversation, muted) => call("set_muted", { conversation, muted }),
  clearHistory: (conversation) => call("clear_history", { conversation }),
  mailHistory: (conversation, to, language, utcOffsetMinutes) => call("mail_history", { conversation, to, language, utcOffsetMinutes }),
  presence: () => call("presence"),
  watchPresence: (users) => call("watch_presence", { users }),
  favourites: () => call("favourites"),
  addFavourite: (user) => call("add_favourite", { user }),
  removeFavourite: (user) => call("remove_favourite", { user }),
  answerSubscription: (user, accept) => call("answer_subscription", { user, accept }),
  createGroup: (invite, name) => call("create_group", { invite, name }),
  inviteToGroup: (conversation, user) => call("invite_to_group", { conversation, user }),
  joinGroup: (conversation) => call("join_group", { conversation }),
  declineGroup: (conversation) => call("decline_group", { conversation }),
  leaveGroup: (conversation) => call("leave_group", { conversation }),
  invitations: () => call("invitations"),
  createRoom: (name) => call("create_room", { name }),
  addRoomMember: (conversation, user) => call("add_room_member", { conversation, user }),
  removeRoomMember: (conversation, user) => call("remove_room_member", { conversation, user }),
  promoteModerator: (conversation, user) => call("promote_moderator", { conversation, user }),
  setMuteAll: (conversation, muted) => call("set_mute_all", { conversation, muted }),
  setRecording: (conversation, on) => call("set_recording", { conversation, on }),
  setParticipantMuted: (conversation, user, muted) => call("set_participant_muted", { conversation, user, muted }),
  leaveRoom: (conversation) => call("leave_room", { conversation }),
  deleteRoom: (conversation) => call("delete_room", { conversation }),
  roomLink: (conversation) => call("room_link", { conversation }),
  rotateRoomLink: (conversation) => call("rotate_room_link", { conversation }),
  resolveLink: (link) => call("resolve_link", { link }),
  startMeeting: (conversation) => call("start_meeting", { conversation }),
  leaveMeeting: (conversation) => call("leave_meeting", { conversation }),
  joinByLink: (link) => call("join_by_link", { link }),
  admitGuest: (conversation, guest) => call("admit_guest", { conversation, guest }),
  removeGuest: (conversation, guest) => call("remove_guest", { conversation, guest }),
  setLobby: (conversation, enabled) => call("set_lobby", { conversation, enabled }),
  scheduleMeeting: (conversation, title, startsAt, minutes) =>
    call("schedule_meeting", { conversation, title, startsAt, minutes }),
  deleteScheduledMeeting: (meeting) => call("delete_scheduled_meeting", { meeting }),
  meetings: () => call("meetings"),
  saveMeetingIcs: (meeting) => call("save_meeting_ics", { meeting }),
  placeCall: (conversation, video) => call("place_call", { conversation, video }),
  acceptCall: (id, video) => call("accept_call", { call: id, video }),
  declineCall: (id) => call("decline_call", { call: id }),
  hangUp: () => call("hang_up"),
  setCallControls: (muted, cameraOff) => call("set_call_controls", { muted, cameraOff }),
  joinMeetingSound: (conversation, camera) => call("join_meeting_sound", { conversation, camera }),
  setMeetingSoundMuted: (muted) => call("set_meeting_sound_muted", { muted }),
  leaveMeetingSound: () => call("leave_meeting_sound"),
  meetingSound: () => call("meeting_sound"),
  useCallDevices: (microphone, speaker, camera) => call("use_call_devices", { microphone, speaker, camera }),
  currentCall: () => call("current_call"),
  frameSocket: () => call("frame_socket"),
  devices: () => call("devices"),
  startDeviceTest: (microphone, camera, onLevel) => {
    const levels = new Channel<LevelReading>();
    levels.onmessage = onLevel;
    return call("start_device_test", { microphone, camera, levels });
  },
  stopDeviceTest: () => call("stop_device_test"),
  testTone: (speaker) => call("test_tone", { speaker }),
  sendReply: (conversation, text, replyTo) => call("send_reply", { conversation, text, replyTo }),
  editMessage: (localId, text) => call("edit_message", { localId, text }),
  deleteMessage: (localId) => call("delete_message", { localId }),
  react: (localId, emoji, on) => call("react", { localId, emoji, on }),
  setTyping: (conversation, typing) => call("set_typing", { conversation, typing }),
  searchLocal: (query, conversation) => call("search_local", { query, conversation }),
  searchMessages: (query, conversation) => call("search_messages", { query, conversation }),
  openLink: (url) => call("open_link", { url }),
  onOpenConversation: async (handler) => {
    await listen<number>("open-conversation", (e) => handler(e.payload));
  },
  onDevices: (handler) => listen<DeviceEntry[]>("devices", (e) => handler(e.payload)),
  // The bytes go as the request's raw body (no JSON of a number per byte), the name in a header.
  stageFile: (name, bytes) =>
    invoke<string>("stage_file", bytes, { headers: { "x-name": encodeURIComponent(name) } }).catch((e: unknown) => {
      throw uiError("stage_file", e);
    }),
  uploadFile: (conversation, path, transfer, onProgress) => {
    const progress = new Channel<TransferProgress>();
    progress.onmessage = onProgress;
    return call("upload_file", { conversation, path, transfer, progress });
  },
  cancelTransfer: (transfer) => call("cancel_transfer", { transfer }),
  downloadFile: (file) => call("download_file", { file }),
  fileThumbnail: (file) => call("file_thumbnail", { file }),
  sharedFiles: (conversation) => call("shared_files", { conversation }),
  openPreview: (conversation, file) => call("open_preview", { conversation, file }),
  filePreview: (conversation, file) => call("file_preview", { conversation, file }),
  onFileDrag: (handler) =>
    getCurrentWebview().onDragDropEvent(({ payload: p }) => {
      // Positions come in physical pixels; the page's layout is in CSS pixels.
      const scale = window.devicePixelRatio || 1;
      if (p.type === "leave") handler({ type: "leave" });
      else if (p.type === "over") handler({ type: "over", x: p.position.x / scale, y: p.position.y / scale });
      else handler({ type: p.type, paths: p.paths, x: p.position.x / scale, y: p.position.y / scale });
    }),
};

let backend: Backend = tauriBackend;

/** Replaces the backend (tests, browser previews). */
export function setBackend(b: Backend): void {
  backend = b;
}

/** The current backend. */
export function ipc(): Backend {
  return backend;
}

/**
 * Tells the desktop shell that the first conversation list is on screen (the start-up benchmark
 * reads its log line). Outside the Tauri app this does nothing.
 */
export function reportPainted(): void {
  if ("__TAURI_INTERNALS__" in window) void call("painted").catch(() => {});
}
