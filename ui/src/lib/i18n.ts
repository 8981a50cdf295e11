// The words for what the server says: every refusal, closing and end of a guest's access comes
// as a typed reason (bindings.ts: Reason) with its parameters, never as a sentence, and is worded
// here in the user's language. The catalogue's type names every reason and every field in every
// language, so a reason added to the protocol does not compile until it is worded in each.
import { createSubscriber } from "svelte/reactivity";
import type { CallEnd, ErrorBody, ErrorCode, Field, PresenceChoice, PresenceStatus, Reason, TickState, Theme } from "./bindings";

export type Locale = "en" | "fr";
export const LOCALES: readonly Locale[] = ["en", "fr"];

// The user's language (lib/language.ts picks it: the setting, else the system's). It is
// reactive: a view or a $derived that read it (through locale(), words() and the like) is drawn
// again when it changes, so a new language applies at once, without a restart.
let current: Locale = "en";
const redraws = new Set<() => void>();
const track = createSubscriber((update) => {
  redraws.add(update);
  return () => redraws.delete(update);
});

export function setLocale(locale: Locale): void {
  if (locale === current) return;
  current = locale;
  for (const redraw of redraws) redraw();
}

export function locale(): Locale {
  track();
  return current;
}

/** The tag dates and numbers are formatted with in a language: the browser's own when it is of
 * that language (en-GB keeps its 24-hour clock, fr-CA its "14 h 05"), else the language's. */
export function formatTag(lang: Locale = locale()): string {
  const own = typeof navigator === "undefined" ? "" : (navigator.language ?? "");
  return own.toLowerCase().split("-")[0] === lang ? own : lang;
}

/** A byte count as file managers show it: "100 MB", "1.5 GB" (in French "100 Mo", "1,5 Go"). */
export function sizeText(n: number, lang: Locale = locale()): string {
  // Under a kilobyte the count is exact, and "1 byte" is singular (French: 0 and 1 octet).
  if (!(n >= 1000)) return plural(n, lang, lang === "fr" ? { one: "# octet", other: "# octets" } : { one: "# byte", other: "# bytes" });
  const units = lang === "fr" ? ["octets", "ko", "Mo", "Go", "To"] : ["bytes", "kB", "MB", "GB", "TB"];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${formatNumber(value, lang, { maximumFractionDigits: unit > 0 && value < 10 ? 1 : 0 })} ${units[unit]}`;
}

/** A number as the language writes it: 1,440 or 1 440 (anything else as it is: a catalogue's
 * tests call every function with a word); `options` as Intl.NumberFormat takes them. */
export function formatNumber(n: number, lang: Locale = locale(), options?: Intl.NumberFormatOptions): string {
  return typeof n === "number" ? new Intl.NumberFormat(formatTag(lang), options).format(n) : String(n);
}

/** A count in words by the language's plural rules (Intl.PluralRules): `#` in the chosen form
 * is the number as the language writes it. `other` stands in for the forms not given. */
export function plural(n: number, lang: Locale, forms: Partial<Record<Intl.LDMLPluralRule, string>> & { other: string }): string {
  const form = forms[new Intl.PluralRules(lang).select(n)] ?? forms.other;
  return form.replace(/#/g, formatNumber(n, lang));
}

/** Part of a sentence drawn with markup (lib/Rich.svelte): a name in bold, or words only screen
 * readers hear (the rest of a button's name). */
export type Part = string | { strong: string } | { hidden: string };

type Tag = Reason["reason"];
type Of<K extends Tag> = Extract<Reason, { reason: K }>;

interface Catalogue {
  reasons: { [K in Tag]: (r: Of<K>) => string };
  /** A field as the subject of a sentence ("A room name"). */
  fields: Record<Field, string>;
  /** The fallback for a reason this build does not know, by the error's category. */
  codes: Record<ErrorCode, string>;
  /** The UI's own words (the People view and the avatar menu so far). */
  ui: Words;
  /** The words of getting around (quick switcher, tabs, menus, connection banner). */
  nav: NavWords;
  /** The words several screens share, and those of the account, the lists and the details. */
  common: CommonWords;
  account: AccountWords;
  lists: ListWords;
  details: DetailsWords;
  /** The words of 1:1 calls, and of a meeting's sound. */
  calls: CallWords;
  /** The words of the open conversation: its messages and the message box. */
  timeline: TimelineWords;
  /** The words of what is done to messages: replies, edits, reactions, typing, search. */
  messages: MessageWords;
  /** The words of shared files. */
  files: FileWords;
  /** The words of sending a conversation's history by email. */
  mail: MailWords;
  /** The words of the browser page external guests join a room's meeting from. */
  guest: GuestWords;
}

/** The words of the UI's screens. Typed so that a language missing one does not compile. */
export interface Words {
  /** A status as a person reads it. */
  status: Record<PresenceStatus, string>;
  peopleTab: string;
  /** The directory's list, for screen readers. */
  directory: string;
  filterPeople: string;
  filterPlaceholder: string;
  showOffline: string;
  favourites: string;
  everyone: string;
  /** The directory's heading below the favourites (who is not one of them). */
  everyoneElse: string;
  /** The directory's heading over aliases, and what an alias row says instead of a status. */
  aliases: string;
  sharedAddress: string;
  loading: string;
  nobodyMatches: string;
  nobodyOnline: string;
  directoryFailed: (error: string) => string;
  retry: string;
  openChatFailed: (error: string) => string;
  /** The avatar menu's second part. */
  account: string;
  settings: string;
  help: string;
  about: string;
  signOut: string;
  appVersion: string;
  licence: string;
  server: string;
  serverVersion: string;
  unknown: string;
  aboutFailed: (error: string) => string;
  helpFailed: (error: string) => string;
  signOutFailed: (error: string) => string;
  /** A meeting's .ics was saved in the Downloads folder, under this file name. */
  icsSaved: (file: string) => string;
}

/** The words of getting around: the quick switcher, the chat box, the conversation tabs and their
 * menus, the columns' toggles, the connection banner. Typed like Words. */
export interface NavWords {
  /** The quick switcher (Ctrl+K): its title, its field, its groups. */
  switcher: string;
  switcherField: string;
  switcherPlaceholder: string;
  people: string;
  chats: string;
  rooms: string;
  nothingMatches: string;
  /** The switcher's shortcut as this platform writes it. */
  shortcut: (mac: boolean) => string;
  /** The one box above the tabs: it filters the chats and offers people to chat with (its
   * name stays "Chat with": the desktop tests find it so). */
  chatBox: string;
  chatBoxPlaceholder: string;
  startChatWith: string;
  noOneCalled: (name: string) => string;
  noChatMatches: string;
  noChatsYet: string;
  noFavouriteChat: string;
  /** A row's status for screen readers (", away"). */
  rowStatus: (status: string) => string;
  muted: string;
  unread: (count: number) => string;
  /** A conversation's menu. */
  moreActions: (name: string) => string;
  actionsFor: (name: string) => string;
  markRead: string;
  markUnread: string;
  hideChat: string;
  mute: string;
  unmute: string;
  addFavourite: string;
  removeFavourite: string;
  clearHistory: string;
  leaveGroup: string;
  leaveRoom: string;
  deleteRoom: string;
  closeTab: string;
  /** A menu item that asks before it acts ("Leave group…"). */
  ellipsis: (label: string) => string;
  confirmClear: (name: string) => string;
  confirmLeaveGroup: (name: string) => string;
  confirmLeaveRoom: (name: string) => string;
  confirmDeleteRoom: (name: string) => string;
  clear: string;
  leave: string;
  delete: string;
  cancel: string;
  failed: (error: string) => string;
  /** The tabs above the timeline. */
  openConversations: string;
  closeTabOf: (name: string) => string;
  /** The three-bar buttons that hide or show the side columns. */
  hideList: string;
  showList: string;
  hideDetails: string;
  showDetails: string;
  /** The details column's last section: clearing, leaving, deleting. */
  dangerZone: string;
  /** Guests waiting in a room's lobby (the rooms list; the room's details admit them). */
  waiting: (count: number) => string;
  /** The connection banner, and the short form beside this user's name. */
  connection: { connecting: string; offline: string; auth_failed: string };
  connectionShort: { connecting: string; offline: string; auth_failed: string };
  signInAgain: string;
}

/** Words several screens share: buttons, a member count, a name marked as this user's. Typed
 * like Words: a language missing one does not compile. */
export interface CommonWords {
  close: string;
  cancel: string;
  save: string;
  create: string;
  accept: string;
  decline: string;
  join: string;
  leave: string;
  remove: string;
  change: string;
  delete: string;
  copyLink: string;
  changeLink: string;
  linkCopied: string;
  /** The clipboard was refused: the link is selected for copying by hand. */
  copyByHand: string;
  linkChanged: string;
  linkFailed: string;
  rotateFailed: string;
  /** What failed, and why ("Could not add bob: …"). */
  failed: (what: string, why: string) => string;
  /** A name in a list, marked when it is this user's ("alice (you)"). */
  you: (name: string) => string;
  /** How many members ("1 member", "3 members"). */
  members: (count: number) => string;
  /** A room or a group shown without a name. */
  room: string;
  group: string;
  /** A guest in a meeting, with or without an account on the server. */
  guest: string;
  guestNoAccount: string;
  joinMeetingFailed: string;
  leaveMeetingFailed: string;
  /** Day separators and dates close to now. */
  today: string;
  yesterday: string;
  /** A call, or someone joining or leaving, as the last message of a conversation. */
  joined: (name: string) => string;
  left: (name: string) => string;
}

/** What the language setting offers: the system's language, or one chosen. */
export type LanguageChoice = "auto" | Locale;

/** The words of signing in, the settings dialog and this user's status menu. Typed like Words. */
export interface AccountWords {
  signInTitle: string;
  server: string;
  serverHint: string;
  userName: string;
  password: string;
  signIn: string;
  signingIn: string;
  settings: string;
  privacy: string;
  privacyMode: string;
  privacyHint: string;
  thisDevice: string;
  notifications: string;
  notificationsHint: string;
  autoAway: string;
  autoAwayMinutes: string;
  autoAwayHint: string;
  autoAwayError: string;
  theme: string;
  themes: Record<Theme, string>;
  language: string;
  /** The languages, each named in its own language (English, Français), and the system's. */
  languages: Record<LanguageChoice, string>;
  languageHint: string;
  /** The status menu: its button and menu, the statuses one can choose, the custom message. */
  status: string;
  choices: Record<PresenceChoice, string>;
  customMessage: string;
  customStatusMessage: string;
  customPlaceholder: string;
  enterSaves: string;
  statusFailed: string;
  statusMessageFailed: string;
  /** Someone's presence in one line: "Away (idle)", "Offline · last seen Mar 3, 2:05 PM". */
  idle: (status: string) => string;
  lastSeen: (status: string, when: string) => string;
}

/** The words of the lists on the left: the tabs, new groups and rooms, invitations, requests,
 * the Virtual Rooms tab and its meetings. Typed like Words. */
export interface ListWords {
  /** The sidebar's landmark, its tabs and the list of chats. */
  conversations: string;
  conversationKinds: string;
  chatsTab: string;
  roomsTab: string;
  /** After an unread count, for screen readers ("3 unread"). */
  unread: (count: number) => string;
  /** The new group dialog. */
  newGroup: string;
  addPeople: string;
  addPeoplePlaceholder: string;
  groupFull: (max: number) => string;
  invited: string;
  removeInvitee: (name: string) => string;
  picked: (count: number, max: number) => string;
  groupName: string;
  groupNameOptional: string;
  pickSomeone: string;
  /** A directory search that found nobody to add. */
  noOneToAdd: (name: string) => string;
  /** The create room dialog. */
  createRoom: string;
  createRoomButton: string;
  roomName: string;
  nameTheRoom: string;
  /** Invitations to groups and requests to be someone's favourite. */
  groupInvitations: string;
  invitesYou: (inviter: string, group: string, members: number) => Part[];
  joinFailed: (why: string) => string;
  declineFailed: (why: string) => string;
  favouriteRequests: string;
  wantsToAdd: (name: string) => Part[];
  answerFailed: (name: string) => string;
  /** The Virtual Rooms tab: a room's link, what it opened. */
  joinByLink: string;
  roomLink: string;
  open: string;
  pasteLink: string;
  aRoom: string;
  inMeetingAsGuest: (room: string) => Part[];
  noLongerInMeeting: (room: string) => Part[];
  inMeeting: (room: string) => Part[];
  roomOpen: (room: string) => Part[];
  notMember: (room: string) => Part[];
  joinAsGuest: string;
  joinItsMeeting: string;
  aMeeting: string;
  guestEnded: (meeting: string, why: string) => Part[];
  rooms: string;
  noRooms: string;
  /** Its meetings: going on, and on the calendar. */
  ongoing: string;
  noMeetings: string;
  since: (time: string) => string;
  youAreGuest: string;
  /** The Join or Leave button of a meeting going on ("Join" + "the meeting in Design"). */
  joinMeetingIn: (room: string) => Part[];
  leaveMeetingIn: (room: string) => Part[];
  inIt: string;
  scheduled: string;
  confirmRotate: (room: string) => string;
  confirmDeleteMeeting: (title: string) => string;
  joinMeeting: (title: string) => Part[];
  copyLinkOf: (room: string) => Part[];
  changeLinkOf: (room: string) => Part[];
  addToCalendar: (title: string) => Part[];
  deleteMeeting: (title: string) => Part[];
  linkIs: (link: string) => string;
  deleteMeetingFailed: string;
  icsFailed: string;
}

/** The words of the details column: a person, a group, a room and its meeting. Typed like Words. */
export interface DetailsWords {
  details: string;
  empty: string;
  /** A person. */
  meetingLink: string;
  meetingLinkFailed: (why: string) => string;
  answerFailed: string;
  conversationSettings: string;
  removeFavourite: string;
  addFavourite: string;
  requestPending: string;
  cancelRequest: string;
  declinedRequest: (name: string) => string;
  notificationsFailed: string;
  favouritesFailed: string;
  cancelRequestFailed: string;
  /** A group. */
  groupLine: (members: number) => string;
  members: string;
  invitedMark: string;
  groupFull: (max: number) => string;
  invite: string;
  inviteSomeone: string;
  wasInvited: (name: string) => string;
  inviteFailed: (name: string, why: string) => string;
  /** A room: its owner, this user's role, its members. */
  roomOwner: string;
  youAre: Record<"owner" | "moderator" | "member", string>;
  membersCount: (count: number) => string;
  roles: Record<"owner" | "moderator", string>;
  makeModerator: (name: string) => Part[];
  removeMember: (name: string) => Part[];
  addMember: string;
  addSomeone: string;
  addFailed: (name: string) => string;
  removeFailed: (name: string) => string;
  promoteFailed: (name: string) => string;
  wasAdded: (name: string) => string;
  wasRemoved: (name: string) => string;
  isModerator: (name: string) => string;
  /** Its meeting. */
  meeting: string;
  goingOnSince: (time: string) => string;
  /** The meeting is recorded, since that time (a red dot beside it). */
  recordingSince: (time: string) => string;
  inTheMeeting: string;
  removeGuest: (name: string) => Part[];
  waitingInLobby: string;
  noAccount: string;
  admit: (name: string) => Part[];
  refuse: (name: string) => Part[];
  guestAdmitted: (name: string) => string;
  guestRefused: (name: string) => string;
  guestRemoved: (name: string) => string;
  guestFailed: Record<"admit" | "refuse" | "remove", (name: string, why: string) => string>;
  /** A participant a moderator muted: the mark on their row (read after the name), the note on
   * this user's own row, and the moderators' button and what it tells. */
  mutedMark: string;
  mutedYou: string;
  muteParticipant: (name: string) => Part[];
  unmuteParticipant: (name: string) => Part[];
  participantMuted: (name: string) => string;
  participantUnmuted: (name: string) => string;
  muteFailed: Record<"mute" | "unmute", (name: string, why: string) => string>;
  noMeeting: string;
  meetingButton: Record<"in" | "ongoing" | "none", string>;
  lobbySwitch: string;
  lobbyNote: string;
  lobbyOn: string;
  lobbyOff: string;
  lobbyFailed: (why: string) => string;
  scheduledMeetings: string;
  scheduleMeeting: string;
  meetingTitle: string;
  startsAt: string;
  minutes: string;
  schedule: string;
  pickStart: string;
  wholeMinutes: string;
  onCalendar: (title: string, when: string) => string;
  joinLink: string;
  /** Above the room's web link (`https://SERVER/join/TOKEN`), for guests opening it in a browser. */
  webLink: string;
  copyWebLink: string;
  confirmRotate: string;
  muteForAll: string;
  mutedForAll: string;
  muteForAllFailed: string;
}

/** How a call's media path is doing, from its round trip and loss (features/calls). */
export type CallQuality = "good" | "fair" | "poor";

/** The words of 1:1 calls: the chat header's buttons, the incoming call, the call view and the
 * devices dialog. Typed like Words: a language missing one does not compile. */
export interface CallWords {
  /** The header's phone button ("Call bob"). */
  call: (name: string) => string;
  /** The header's camera button ("Video call bob"). */
  videoCall: (name: string) => string;
  /** Why the header's buttons are disabled. */
  callGoingOn: string;
  /** Why a call cannot be placed: this device's sound is in a meeting. */
  soundInMeeting: string;
  /** The incoming call's dialog. */
  incoming: string;
  incomingAudio: (name: string) => string;
  incomingVideo: (name: string) => string;
  audioCall: string;
  videoCallKind: string;
  accept: string;
  acceptVideo: string;
  decline: string;
  /** The call view, for screen readers ("Call with bob"). */
  callWith: (name: string) => string;
  /** Where the call stands before the talk begins, and during it. */
  phase: { calling: string; connecting: string; active: string };
  /** The timer's label. */
  duration: string;
  remoteVideo: (name: string) => string;
  selfView: string;
  cameraIsOff: string;
  mute: string;
  unmute: string;
  cameraOff: string;
  cameraOn: string;
  hangUp: string;
  /** A control's tooltip with its keyboard shortcut ("Mute (Ctrl+Shift+M)"). */
  withShortcut: (label: string, keys: string) => string;
  /** The keys as this language names them: Ctrl+Shift+M, Ctrl+Maj+M. */
  keys: (letter: string) => string;
  quality: Record<CallQuality, string>;
  qualityUnknown: string;
  /** The figures behind the quality mark; null when not measured yet. */
  figures: (rttMs: number | null, lossPct: number | null) => string;
  /** Why the call ended, shown for a moment before the chat comes back. */
  ended: Record<CallEnd, string>;
  /** The media could not connect (the backend's `error`). */
  couldNotConnect: string;
  /** A call action the backend refused. */
  failed: (error: string) => string;
  dismiss: string;
  /** The devices dialog, reached from Settings. */
  devices: string;
  devicesHint: string;
  /** The devices dialog before a call this user places (titled like the header's button). */
  beforeCallHint: string;
  /** Its primary button: saves the devices and places the call. */
  placeCall: string;
  startVideoCall: string;
  microphone: string;
  speaker: string;
  camera: string;
  systemDefault: string;
  firstCamera: string;
  /** A synthetic device (test tone, test pattern). */
  testDevice: (name: string) => string;
  /** A chosen device the machine does not list now. */
  notConnected: (id: string) => string;
  cameraPreview: string;
  noPicture: string;
  micLevel: string;
  /** The meter's value as words (the peak, dBFS). */
  micLevelValue: (db: number) => string;
  /** The device test (microphone level, camera picture) could not start. */
  testFailed: (error: string) => string;
  playTestSound: string;
  toneFailed: (error: string) => string;
  loading: string;
  save: string;
  cancel: string;
  devicesFailed: (error: string) => string;
  /** The call view's devices menu (its button and the menu): the microphone and speaker used. */
  deviceMenu: string;
  /** The devices chosen in the call could not be used. */
  switchFailed: (error: string) => string;
  /** A device unplugged during the call (by name), and the default now used instead (`now`), or
   * none left: one pair per kind, for the languages whose words agree with it. */
  microphoneSwitched: (lost: string, now: string) => string;
  microphoneGone: (lost: string) => string;
  speakerSwitched: (lost: string, now: string) => string;
  speakerGone: (lost: string) => string;
  cameraSwitched: (lost: string, now: string) => string;
  cameraGone: (lost: string) => string;
  /** A room's or group's meeting with this device's sound: the header's button (to start a
   * meeting, or join the one going on), and the devices dialog it opens first. */
  meetingStart: string;
  meetingJoinSound: string;
  beforeMeetingHint: string;
  /** The dialog's primary button: starts the meeting, or joins the one going on, with sound. */
  startMeeting: string;
  joinMeeting: string;
  /** The sound bar under way (its label, where it stands) and its button out. */
  meetingSound: string;
  soundPhase: { connecting: string; connected: string };
  leaveSound: string;
  /** The sound failed to connect, or was cut with an error (the backend's `error`). */
  soundCouldNotConnect: string;
  /** A sound action the backend refused. */
  soundFailed: (error: string) => string;
  /** The room's or group's details: the user is in the meeting without sound. */
  joinWithSound: string;
  /** The devices dialog before a meeting: whether this device's camera goes with its sound. */
  meetingCameraOn: string;
  /** The meeting's pictures under the header while its sound is on: the stage, its toolbar and
   * the layout toggle (pressed: the latest speaker large, the others in a strip). */
  meetingStage: string;
  meetingView: string;
  speakerView: string;
  /** The strip of the others under the speaker's tile. */
  otherPeople: string;
  /** Someone the meeting has not named yet. */
  someone: string;
  /** A moderator's toggle on a person's tile (pressed: muted for the meeting). */
  muteTile: (name: string) => string;
  /** The people the grid has no room for. */
  moreTiles: (count: number) => string;
  /** The mark everyone in a recorded meeting sees (its word, and its label for screen readers),
   * a moderator's button to start or stop recording, what it does (its tooltip: the recording
   * stopped is shared in the room), and a refused start or stop. */
  recording: string;
  recordingLabel: string;
  record: string;
  stopRecording: string;
  recordHint: string;
  recordFailed: string;
}

/** The words of the open conversation and its message box. Typed like Words. */
export interface TimelineWords {
  /** The line above the first message that was unread when the conversation was opened. */
  newMessages: string;
  /** The ribbon: how many new messages wait below while the view is scrolled up. */
  newBelow: (count: number) => string;
  /** The button back to the newest messages while scrolled up. */
  jumpToNewest: string;
  /** Said to screen readers as a message arrives, with its first words. */
  arrived: (sender: string, words: string) => string;
  /** Who wrote one's own messages, for screen readers. */
  you: string;
  /** A message the server refused, and why. */
  notSent: (why: string) => string;
  loadingOlder: string;
  empty: string;
  /** The scrollable list of messages ("Messages with bob"). */
  messagesWith: (name: string) => string;
  /** A message's ticks, as a screen reader says them. */
  ticks: Record<TickState, string>;
  /** The message box: its label, its hint, its buttons. */
  message: string;
  placeholder: string;
  send: string;
  emoji: string;
  emojiPicker: string;
  /** The timeline's landmark, and its header's line under a group's or a room's name. */
  conversationLabel: string;
  groupMembers: (count: number) => string;
  roomMembers: (count: number) => string;
  /** A member's join or leave line. */
  joined: (name: string) => string;
  left: (name: string) => string;
  youJoined: string;
  youLeft: string;
  /** No conversation open (`chatBox`: the list's "Chat with" box, by its name). */
  chooseConversation: (chatBox: string) => string;
}

/** The words of what is done to messages (#13): the action bar and menu, editing, deleting,
 * replies, reactions, typing, mentions and search. Typed like Words. */
export interface MessageWords {
  /** The action bar over a message, and its context menu ("Actions for bob's message"). */
  actions: string;
  actionsFor: (sender: string) => string;
  /** The one button that stands for the action bar where a row is narrow. */
  moreFor: (sender: string) => string;
  reply: string;
  react: string;
  /** A quick reaction's button ("React with 👍"). */
  reactWith: (emoji: string) => string;
  /** The reaction popup: six common emoji and all the others. */
  reactionPicker: string;
  allEmoji: string;
  edit: string;
  delete: string;
  /** The menu's item, which asks first. */
  deleteAsk: string;
  copy: string;
  copied: string;
  copyFailed: string;
  confirmDeleteTitle: string;
  confirmDelete: string;
  cancel: string;
  save: string;
  /** Editing in place. */
  editLabel: string;
  editHint: string;
  /** The mark of an edited message, and when (its tooltip). */
  edited: string;
  editedAt: (when: string) => string;
  deleted: string;
  failed: (error: string) => string;
  /** The reply above the message box, and its ×. */
  replyingTo: (name: string, words: string) => string;
  cancelReply: string;
  /** An answer's quote of the original in the timeline. */
  inReplyTo: (name: string) => string;
  notLoaded: string;
  /** Going to a message that cannot be shown. */
  lookingFor: string;
  notFound: string;
  tooFarBack: string;
  /** Reactions under a message: a chip ("👍 2, Bob and you"), who, the "+" chip. */
  reactions: string;
  reaction: (emoji: string, count: number, who: string) => string;
  /** Names in a list: "Bob, Carol and you". */
  list: (names: string[]) => string;
  you: string;
  addReaction: string;
  /** Who is typing in the conversation. */
  typingOne: (name: string) => string;
  typingTwo: (first: string, second: string) => string;
  typingMany: string;
  /** The @mention suggestions under the message box. */
  mentionList: string;
  mentionCount: (count: number) => string;
  /** Ctrl+F: the search bar over the open conversation. */
  searchChat: string;
  searchPlaceholder: string;
  closeSearch: string;
  /** Ctrl+Shift+F: the search of every conversation. */
  searchAll: string;
  searchAllField: string;
  searchShortcut: (mac: boolean) => string;
  searchChatShortcut: (mac: boolean) => string;
  /** A button's tooltip with its shortcut ("Search in this conversation (Ctrl+F)"). */
  withKeys: (label: string, keys: string) => string;
  searchServer: string;
  searchingServer: string;
  serverResults: string;
  /** Searching the server while it cannot be reached. */
  offline: string;
  results: (count: number) => string;
  noResults: string;
  searchFailed: (error: string) => string;
  /** A result: where and when ("Design · 3 Mar, 14:02"), who wrote it ("bob:"). */
  resultHead: (conversation: string, date: string) => string;
  said: (sender: string) => string;
  /** The card of a message's first link, under its text, for screen readers ("Link preview:
   * Q3 planning"). */
  linkPreview: (title: string) => string;
}

/** The words of shared files (#14): the attach button and the drop hint, uploads above the
 * message box, a file message's card, the details column's list and the preview window. Typed
 * like Words. */
export interface FileWords {
  /** The message box's paperclip, and the hint over the conversation while files are dragged
   * onto it ("Drop files to share them with bob"). */
  attach: string;
  dropHint: (conversation: string) => string;
  /** The uploads above the message box: the list, a bar's name and how far it got ("1.2 MB of
   * 5 MB"), the file staged before it goes, its buttons, a refusal. */
  uploads: string;
  uploading: (name: string) => string;
  progress: (sent: string, total: string) => string;
  preparing: string;
  cancelUpload: (name: string) => Part[];
  dismiss: (name: string) => Part[];
  notShared: (name: string, why: string) => Part[];
  /** A file message in one line (the conversation list, a reply's quote, the ribbon). */
  attachment: (name: string) => string;
  /** A file message's card, its buttons, and what they came to. */
  fileCard: (name: string) => string;
  preview: (name: string) => Part[];
  download: (name: string) => Part[];
  savedTo: (path: string) => string;
  downloadFailed: (why: string) => string;
  previewFailed: (why: string) => string;
  /** The details column's list of the conversation's files, newest first. */
  sharedFiles: string;
  noSharedFiles: string;
  sharedBy: (sender: string, when: string) => string;
  sharedFilesFailed: (why: string) => string;
  /** The preview window. */
  loadingPreview: string;
  truncated: string;
  noPreview: string;
  downloadFile: string;
}

/** The words of sending a conversation's history by email: the details column's action, its
 * dialog, and the line the sending leaves in the timeline and the lists. Typed like Words. */
export interface MailWords {
  /** The details column's button; it opens the dialog. */
  sendHistory: string;
  /** The dialog: its title, what it does (with the conversation's name), the address field and
   * the people it suggests, its buttons. */
  title: string;
  explain: (conversation: string) => string;
  address: string;
  placeholder: string;
  suggestions: string;
  send: string;
  sending: string;
  cancel: string;
  /** The history went: said in the details column once the dialog closes. */
  sent: (to: string) => string;
  /** The line a sending leaves, in the timeline and the conversation lists ("Alice sent the
   * history to dana@example.com"), and this user's own. */
  mailed: (name: string, to: string) => string;
  youMailed: (to: string) => string;
  /** After the sender's name on the ribbon ("bob sent the history to …"). */
  sentTo: (to: string) => string;
}

/** Why the guest page cannot use a microphone: the page is not served over https (browsers
 * keep microphones from such pages), the browser or the user did not allow it, there is none,
 * or it would not open. */
export type GuestMicProblem = "insecure" | "denied" | "missing" | "failed";

/** The words of the browser page external guests join a room's meeting from (guest.html, opened
 * by the room's link), without the app or an account. Typed like Words. */
export interface GuestWords {
  /** The browser tab's title. */
  pageTitle: string;
  /** The form: its heading and what it is, the name field, its button while idle and joining. */
  joinHeading: string;
  intro: string;
  name: string;
  nameHint: string;
  nameMissing: string;
  join: string;
  joining: string;
  /** The page's address holds no link (`/join/…`). */
  noLink: string;
  /** The server could not be reached (or dropped the connection before answering). */
  unreachable: string;
  /** The device test: its group, the browser's default microphone, one without a name yet
   * (browsers name them once allowed), its buttons, what to do while it runs. */
  deviceTest: string;
  defaultMicrophone: string;
  microphoneNumber: (n: number) => string;
  startTest: string;
  stopTest: string;
  testHint: string;
  /** Why the microphone cannot be used, and what the guest can do still. */
  micProblem: Record<GuestMicProblem, string>;
  listenOnly: string;
  /** Under the form's "Turn my camera on" box: what it does, and when the browser asks. */
  cameraHint: string;
  /** Why the camera cannot be used (the same causes as the microphone's), and what that means. */
  cameraProblem: Record<GuestMicProblem, string>;
  withoutCamera: string;
  /** This guest's own tile among the meeting's pictures. */
  selfTile: (name: string) => string;
  /** The meeting's camera button (pressed while the camera sends): turns it off and on. */
  cameraButton: string;
  /** The lobby, until a moderator lets the guest in. */
  lobby: string;
  lobbyHint: string;
  /** In the meeting: where the sound stands, the list of who is there (this guest, a guest, a
   * participant a moderator muted), this guest muted by a moderator, and the Leave button. */
  soundConnecting: string;
  soundConnected: string;
  people: string;
  you: string;
  guestTag: string;
  mutedTag: string;
  mutedByModerator: string;
  /** The mark while the meeting is recorded: its word, and its label for screen readers. */
  recording: string;
  recordingLabel: string;
  leave: string;
  /** The end: its heading, why (a reason from the server is worded as every reason is), and the
   * way back to the form. */
  endedHeading: string;
  left: string;
  connectionLost: string;
  soundFailed: string;
  joinAgain: string;
}

/** A measure as the language writes it, to a tenth: 0.5, 0,5. */
function num(n: number, lang: Locale): string {
  return formatNumber(n, lang, { maximumFractionDigits: 1 });
}

const en: Catalogue = {
  reasons: {
    malformed_frame: () => "The server could not read a request from this app.",
    not_text: () => "The server could not read a request from this app.",
    frame_too_large: (r) => `That request is too large: at most ${r.max} bytes.`,
    out_of_range: () => "That does not exist.",
    protocol_version: (r) => `This server speaks protocol ${r.supported}, not ${r.requested}: update the app.`,
    sign_in_first: () => "Sign in first.",
    already_signed_in: () => "This connection is already signed in.",
    guest_cannot_sign_in: () => "This connection is a guest in a meeting; leave it before signing in.",
    wrong_password: () => "Wrong user name or password.",
    token_unknown: () => "Your session has ended; sign in again.",
    session_revoked: () => "Your session was revoked; sign in again.",
    account_disabled: () => "This account is disabled.",
    too_many_logins: () => "Too many failed sign-ins; wait a minute and retry.",
    too_many_guest_joins: () => "Too many guests joined from your address; wait a minute and retry.",
    server_full: () => "The server has no room for another connection; try again later.",
    fell_behind: () => "The connection fell behind; it reconnects to catch up.",
    shutting_down: () => "The server is shutting down.",
    idle: (r) => `Nothing was heard from this app for ${r.seconds} seconds.`,
    server_fault: () => "The server failed to handle the request; try again.",
    too_many_watched: (r) => `Watch at most ${r.max} people at once.`,
    client_id_length: (r) => `A message id must have 1 to ${r.max} bytes.`,
    text_too_long: (r) => `A message may hold at most ${r.max} bytes; this one has ${r.size}.`,
    empty_message: () => "A message cannot be empty.",
    client_id_reused: () => "This message was already sent in another conversation.",
    field_too_long: (r) => `${en.fields[r.field]} may hold at most ${r.max} bytes.`,
    name_length: (r) => `${en.fields[r.field]} has 1 to ${r.max} characters.`,
    name_character: (r) =>
      `${en.fields[r.field]} may not hold control, invisible or direction-changing characters (${codePoint(r.code_point)}).`,
    no_such_user: (r) => `There is no user named "${r.name}".`,
    user_exists: (r) => `A user named "${r.name}" already exists.`,
    no_such_alias: (r) => `There is no alias named "${r.name}".`,
    alias_exists: (r) => `An alias named "${r.name}" already exists.`,
    invalid_user_name: (r) =>
      `User name "${r.name}" is invalid: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.`,
    direct_with_self: () => "You cannot open a conversation with yourself.",
    favourite_self: () => "You cannot add yourself to your favourites.",
    no_pending_request: (r) => `There is no pending request from ${r.name}.`,
    no_such_conversation: () => "This conversation does not exist any more.",
    not_a_member: () => "You are not a member of this conversation.",
    not_a_group: () => "This conversation is not a group.",
    not_a_room: () => "This conversation is not a room.",
    no_meeting_link: () => "A group has no meeting link.",
    no_meeting: () => "A conversation with an alias has no meeting.",
    moderators_only: () => "Only a moderator of the room may do that.",
    owner_only: () => "Only the owner of the room may do that.",
    owner_cannot_leave: () => "The owner cannot leave a room; delete it instead.",
    promote_before_leaving: () => "Make another member a moderator before you leave.",
    owner_cannot_be_removed: () => "The owner of a room cannot be removed.",
    already_member: (r) => `${r.name} is a member already.`,
    not_in_room: (r) => `${r.name} is not in the room.`,
    no_invitation: () => "You have no invitation to this group.",
    invited_self: () => "You are in the group already; invite others.",
    no_invitees: () => "Invite at least one person to start a group.",
    group_full: (r) => `A group holds at most ${r.max} members, invitations included.`,
    not_in_meeting: () => "You are not in this meeting.",
    meeting_minutes: (r) => `A meeting lasts 1 to ${r.max} minutes.`,
    scheduled_too_far: (r) => `A meeting can be scheduled at most ${r.years} years ahead.`,
    meeting_in_past: () => "That meeting would be over already; pick a later time.",
    no_scheduled_meeting: () => "That meeting is not on the calendar any more.",
    link_unknown: () => "This link does not open any room (it may have been changed).",
    direct_meeting_members_only: () => "A 1:1 meeting is for its two members only.",
    meeting_not_started: (r) =>
      `No meeting is going on in "${r.room}" yet; guests can join once a member has started it.`,
    sent_out: (r) => `A moderator sent you out of the meeting in "${r.room}"; you can join its next one.`,
    guest_limit: (r) => `The meeting in "${r.room}" has as many guests as it can take (${r.max}).`,
    name_taken: () => "That name belongs to a user of this server; a guest picks another.",
    already_guest: () => "You are in a meeting as a guest already; leave it first.",
    guest_needs_name: () => "A guest without an account joins with a name; or sign in first.",
    guest_already_admitted: () => "That guest is in the meeting already.",
    guest_not_in_lobby: () => "That guest is not waiting in the lobby (they may have left).",
    guest_not_in_meeting: () => "That guest is not in the meeting (they may have left).",
    participant_not_in_meeting: (r) => `${r.name} is not in the meeting (they may have left).`,
    meeting_ended: () => "The meeting has ended.",
    room_deleted: () => "The room was deleted.",
    removed_by_moderator: () => "A moderator removed you from the meeting.",
    refused_by_moderator: () => "A moderator did not let you into the meeting.",
    no_calls: () => "Calls are only for one-to-one conversations.",
    busy: (r) => `${r.name} is in another call; try again later.`,
    in_call_already: () => "You are already in a call; hang up before starting another.",
    no_such_call: () => "That call has ended.",
    call_not_answered: () => "The call has not been answered yet.",
    call_answered_already: () => "The call was answered on another of your devices.",
    signal_out_of_turn: () => "The call could not be set up; hang up and call again.",
    bad_sdp: () => "The call could not be set up: this app sent a connection offer the server could not read.",
    sync_first: () => "The app is still catching up with the server; try the call again in a moment.",
    no_such_message: () => "That message no longer exists, or you cannot see it.",
    sender_only: () => "Only its sender can edit or delete a message.",
    message_deleted: () => "That message was deleted.",
    not_a_text_message: () => "Only text messages can be edited, answered or reacted to.",
    invalid_reaction: () => "A reaction is a single emoji.",
    too_many_reactions: (r) => `A message can carry at most ${r.max} different reactions.`,
    file_too_large: (r) => `Files of more than ${sizeText(r.max, "en")} cannot be shared.`,
    quota_exceeded: (r) => `This file does not fit in your storage quota (${sizeText(r.used, "en")} used of ${sizeText(r.quota, "en")}).`,
    upload_offset: () => "The upload got out of step with the server; it will start again from where the server's copy stops.",
    checksum_mismatch: () => "The file arrived damaged; send it again.",
    upload_busy: () => "Another part of this upload is being received.",
    no_such_file: () => "That file no longer exists, or you cannot see it.",
    bad_file_name: () => "A file name must be 1 to 255 bytes, without a folder or control characters.",
    bad_checksum: () => "A BLAKE3 hash is 64 hexadecimal digits.",
    upload_too_long: (r) => `More bytes came than the ${formatNumber(r.size, "en")} the upload declared.`,
    upload_interrupted: () => "The upload was interrupted; what arrived is kept, so it can resume.",
    missing_header: (r) => `The request lacks its ${r.header} header.`,
    image_unreadable: () => "The image could not be read (damaged, or not the type it claims), so it has no thumbnail.",
    image_too_large: (r) => (r.width ? `The image is too large for a thumbnail (${r.width} x ${r.height} pixels).` : "The image is too large for a thumbnail."),
    no_thumbnail: () => "This file has no thumbnail.",
    mail_not_configured: () => "This server is not set up to send email.",
    no_meeting_media: () => "This server does not carry meetings' sound: its media unit is off.",
    recording_off: () => "This server does not record meetings.",
    recording_already: (r) => (r.on ? "The meeting is being recorded already." : "The meeting is not being recorded."),
    bad_email_address: () => "That is not an email address.",
    too_many_mails: (r) =>
      plural(r.per_hour, "en", {
        one: "At most # history can be sent by email per hour; try again later.",
        other: "At most # histories can be sent by email per hour; try again later.",
      }),
    mail_failed: () => "The mail server did not accept the email; nothing was sent.",
    unknown: () => "The server gave a reason this version of Confer does not know.",
  },
  fields: {
    group_name: "A group name",
    room_name: "A room name",
    meeting_title: "A meeting title",
    display_name: "A display name",
    guest_name: "A guest's name",
    status_message: "A status message",
    link: "A link",
    search: "A search",
    session_description: "A call's connection offer",
    ice_candidate: "A call's network address",
  },
  codes: {
    bad_frame: "The server could not read a request from this app.",
    frame_too_large: "That request is too large.",
    text_too_long: "That message is too long.",
    invalid: "The server refused that as invalid.",
    unsupported_version: "This app is too old or too new for the server.",
    unauthenticated: "Sign in first.",
    auth_failed: "Sign-in failed.",
    account_disabled: "This account is disabled.",
    rate_limited: "Too many attempts; wait a minute and retry.",
    forbidden: "You may not do that.",
    not_found: "That does not exist any more.",
    conflict: "That conflicts with how things are now.",
    too_many_connections: "The server has no room for another connection; try again later.",
    slow_consumer: "The connection fell behind; it reconnects to catch up.",
    shutting_down: "The server is shutting down.",
    idle: "The connection was idle for too long.",
    access_ended: "Your access to the meeting ended.",
    internal: "The server failed to handle the request; try again.",
  },
  ui: {
    status: { online: "Available", away: "Away", dnd: "Do not disturb", offline: "Offline" },
    peopleTab: "People",
    directory: "Directory",
    filterPeople: "Filter people",
    filterPlaceholder: "Filter by name",
    showOffline: "Show offline users",
    favourites: "Favourites",
    everyone: "Everyone",
    everyoneElse: "Everyone else",
    aliases: "Aliases",
    sharedAddress: "Shared address",
    loading: "Loading…",
    nobodyMatches: "Nobody matches.",
    nobodyOnline: "Nobody else is online.",
    directoryFailed: (e) => `Could not load the directory: ${e}`,
    retry: "Retry",
    openChatFailed: (e) => `Could not open the chat: ${e}`,
    account: "Account",
    settings: "Settings",
    help: "Help",
    about: "About Confer",
    signOut: "Sign out",
    appVersion: "App version",
    licence: "Licence",
    server: "Server",
    serverVersion: "Server version",
    unknown: "unknown",
    aboutFailed: (e) => `Could not read the versions: ${e}`,
    helpFailed: (e) => `Could not open the user guide: ${e}`,
    signOutFailed: (e) => `Could not sign out: ${e}`,
    icsSaved: (file) => `Saved to Downloads as ${file}`,
  },
  nav: {
    switcher: "Go to",
    switcherField: "Find people, chats and rooms",
    switcherPlaceholder: "Type a name…",
    people: "People",
    chats: "Chats",
    rooms: "Rooms",
    nothingMatches: "Nothing matches.",
    shortcut: (mac) => (mac ? "⌘K" : "Ctrl+K"),
    chatBox: "Chat with",
    chatBoxPlaceholder: "Chat with… or filter",
    startChatWith: "Start a chat with",
    noOneCalled: (name) => `No one called “${name}”.`,
    noChatMatches: "No conversation matches.",
    noChatsYet: "No conversations yet. Type a name above to start one.",
    noFavouriteChat: "No messages yet",
    rowStatus: (status) => `, ${status}`,
    muted: ", muted",
    unread: (n) => ` ${plural(n, "en", { other: "# unread" })}`,
    moreActions: (name) => `More actions for ${name}`,
    actionsFor: (name) => `Actions for ${name}`,
    markRead: "Mark as read",
    markUnread: "Mark as unread",
    hideChat: "Hide this chat until a new message",
    mute: "Mute notifications",
    unmute: "Unmute notifications",
    addFavourite: "Add to favourites",
    removeFavourite: "Remove from favourites",
    clearHistory: "Clear history",
    leaveGroup: "Leave group",
    leaveRoom: "Leave room",
    deleteRoom: "Delete room",
    closeTab: "Close tab",
    ellipsis: (label) => `${label}…`,
    confirmClear: (name) => `Delete every message with “${name}” from your view? This cannot be undone.`,
    confirmLeaveGroup: (name) => `Leave “${name}”? You will no longer see its messages unless someone invites you again.`,
    confirmLeaveRoom: (name) => `Leave “${name}”? A moderator has to add you again.`,
    confirmDeleteRoom: (name) => `Delete “${name}” for everyone? Its messages go too. This cannot be undone.`,
    clear: "Clear",
    leave: "Leave",
    delete: "Delete",
    cancel: "Cancel",
    failed: (e) => `That did not work: ${e}`,
    openConversations: "Open conversations",
    closeTabOf: (name) => `Close ${name}`,
    hideList: "Hide the conversation list",
    showList: "Show the conversation list",
    hideDetails: "Hide the details",
    showDetails: "Show the details",
    dangerZone: "Danger zone",
    waiting: (n) => plural(n, "en", { other: "# waiting in the lobby" }),
    connection: {
      connecting: "Reconnecting to the server… Messages you write are sent once it is back.",
      offline: "Offline: the server cannot be reached. Messages you write are sent once it is back.",
      auth_failed: "You are signed out: the server no longer accepts this device's session.",
    },
    connectionShort: { connecting: "Reconnecting", offline: "Offline", auth_failed: "Signed out" },
    signInAgain: "Sign in again",
  },
  common: {
    close: "Close",
    cancel: "Cancel",
    save: "Save",
    create: "Create",
    accept: "Accept",
    decline: "Decline",
    join: "Join",
    leave: "Leave",
    remove: "Remove",
    change: "Change",
    delete: "Delete",
    copyLink: "Copy link",
    changeLink: "Change link",
    linkCopied: "Link copied.",
    copyByHand: "Could not copy automatically: select the link and copy it.",
    linkChanged: "The link was changed; the old one no longer works.",
    linkFailed: "Could not get the link",
    rotateFailed: "Could not change the link",
    failed: (what, why) => `${what}: ${why}`,
    you: (name) => `${name} (you)`,
    members: (n) => plural(n, "en", { one: "# member", other: "# members" }),
    room: "Room",
    group: "Group",
    guest: "guest",
    guestNoAccount: "guest, no account",
    joinMeetingFailed: "Could not join the meeting",
    leaveMeetingFailed: "Could not leave the meeting",
    today: "Today",
    yesterday: "Yesterday",
    joined: (name) => `${name} joined`,
    left: (name) => `${name} left`,
  },
  account: {
    signInTitle: "Sign in to Confer",
    server: "Server",
    serverHint: "One address, or several separated by commas: when one is down, Confer uses the next.",
    userName: "User name",
    password: "Password",
    signIn: "Sign in",
    signingIn: "Signing in…",
    settings: "Settings",
    privacy: "Privacy",
    privacyMode: "Privacy mode",
    privacyHint:
      "No read receipts are sent for the messages you read, and for your own messages you only see the server tick (✓), not whether they were delivered or read.",
    thisDevice: "This device",
    notifications: "Notifications",
    notificationsHint: "Show a desktop notification when a message arrives.",
    autoAway: "Auto-away after minutes of inactivity",
    autoAwayMinutes: "Auto-away minutes",
    autoAwayHint: "Your status turns Away after this long without keyboard or mouse use. 0 turns it off.",
    autoAwayError: "Enter a whole number of minutes from 0 (off) to 1440.",
    theme: "Theme",
    themes: { system: "System", light: "Light", dark: "Dark" },
    language: "Language",
    languages: { auto: "Automatic (the system's)", en: "English", fr: "Français" },
    languageHint: "Automatic follows the language of this computer.",
    status: "Status",
    choices: { available: "Available", away: "Away", dnd: "Do not disturb", offline: "Appear offline" },
    customMessage: "Custom message",
    customStatusMessage: "Custom status message",
    customPlaceholder: "What are you up to?",
    enterSaves: "Enter saves the message.",
    statusFailed: "Could not change the status.",
    statusMessageFailed: "Could not change the status message.",
    idle: (status) => `${status} (idle)`,
    lastSeen: (status, when) => `${status} · last seen ${when}`,
  },
  lists: {
    conversations: "Conversations",
    conversationKinds: "Conversation kinds",
    chatsTab: "Chats",
    roomsTab: "Virtual Rooms",
    unread: () => "unread",
    newGroup: "New group",
    addPeople: "Add people",
    addPeoplePlaceholder: "Add people…",
    groupFull: (max) => `A group has at most ${formatNumber(max, "en")} members`,
    invited: "Invited",
    removeInvitee: (name) => `Remove ${name}`,
    picked: (n, max) => `${formatNumber(n, "en")} of ${plural(max, "en", { one: "# person", other: "# people" })}. They join when they accept the invitation.`,
    groupName: "Group name",
    groupNameOptional: "Group name (optional)",
    pickSomeone: "Pick at least one person.",
    noOneToAdd: (name) => `No one called “${name}” to add.`,
    createRoom: "Create room",
    createRoomButton: "+ Create room",
    roomName: "Room name",
    nameTheRoom: "Give the room a name.",
    groupInvitations: "Group invitations",
    invitesYou: (inviter, group, n) => [{ strong: inviter }, " invites you to ", { strong: group }, ` (${plural(n, "en", { one: "# member", other: "# members" })}).`],
    joinFailed: (e) => `Could not join: ${e}`,
    declineFailed: (e) => `Could not decline: ${e}`,
    favouriteRequests: "Favourite requests",
    wantsToAdd: (name) => [{ strong: name }, " wants to add you to their favourites."],
    answerFailed: (name) => `Could not answer ${name}.`,
    joinByLink: "Join by link",
    roomLink: "Room link",
    open: "Open",
    pasteLink: "Paste a room link first.",
    aRoom: "A room",
    inMeetingAsGuest: (room) => ["You are in the meeting in ", { strong: room }, " as a guest."],
    noLongerInMeeting: (room) => ["You are no longer in the meeting in ", { strong: room }, "."],
    inMeeting: (room) => ["You are in the meeting in ", { strong: room }, "."],
    roomOpen: (room) => [{ strong: room }, " is open."],
    notMember: (room) => [
      { strong: room },
      " — you are not a member (ask one of its moderators to add you). While its meeting is going on you may join it as a guest.",
    ],
    joinAsGuest: "Join the meeting as a guest",
    joinItsMeeting: "Join its meeting",
    aMeeting: "a meeting",
    guestEnded: (meeting, why) => ["Your guest access to ", { strong: meeting }, ` ended: ${why}`],
    rooms: "Rooms",
    noRooms: "No virtual rooms yet.",
    ongoing: "Ongoing",
    noMeetings: "No meetings yet.",
    since: (time) => `since ${time}`,
    youAreGuest: "You are a guest",
    joinMeetingIn: (room) => ["Join ", { hidden: `the meeting in ${room}` }],
    leaveMeetingIn: (room) => ["Leave ", { hidden: `the meeting in ${room}` }],
    inIt: "In it:",
    scheduled: "Scheduled",
    confirmRotate: (room) => `Make a new link for “${room}”? The current one stops working at once, in invitations sent already too.`,
    confirmDeleteMeeting: (title) => `Delete “${title}” from the calendar?`,
    joinMeeting: (title) => ["Join ", { hidden: title }],
    copyLinkOf: (room) => ["Copy link ", { hidden: `of ${room}` }],
    changeLinkOf: (room) => ["Change link ", { hidden: `of ${room}` }],
    addToCalendar: (title) => ["Add to calendar ", { hidden: `for ${title}` }],
    deleteMeeting: (title) => ["Delete ", { hidden: title }],
    linkIs: (link) => `Could not copy automatically; the link is ${link}`,
    deleteMeetingFailed: "Could not delete the meeting",
    icsFailed: "Could not make the calendar file",
  },
  details: {
    details: "Details",
    empty: "Details of the open conversation show here.",
    meetingLink: "Meeting link",
    meetingLinkFailed: (e) => `Could not get the meeting link: ${e}`,
    answerFailed: "Could not answer",
    conversationSettings: "Conversation settings",
    removeFavourite: "★ Remove from favourites",
    addFavourite: "☆ Add to favourites",
    requestPending: "Request pending",
    cancelRequest: "Cancel request",
    declinedRequest: (name) => `${name} declined your last request.`,
    notificationsFailed: "Could not change notifications",
    favouritesFailed: "Could not change favourites",
    cancelRequestFailed: "Could not cancel the request",
    groupLine: (n) => `Group · ${plural(n, "en", { one: "# member", other: "# members" })}`,
    members: "Members",
    invitedMark: "invited",
    groupFull: (max) => `The group is full (${formatNumber(max, "en")} members at most).`,
    invite: "Invite",
    inviteSomeone: "Invite someone…",
    wasInvited: (name) => `${name} was invited.`,
    inviteFailed: (name, e) => `Could not invite ${name}: ${e}`,
    roomOwner: "Room · owner",
    youAre: { owner: "You are the owner", moderator: "You are a moderator", member: "You are a member" },
    membersCount: (n) => `Members (${formatNumber(n, "en")})`,
    roles: { owner: "Owner", moderator: "Moderator" },
    makeModerator: (name) => ["Make ", { hidden: name }, " moderator"],
    removeMember: (name) => ["Remove ", { hidden: name }],
    addMember: "Add member",
    addSomeone: "Add someone…",
    addFailed: (name) => `Could not add ${name}`,
    removeFailed: (name) => `Could not remove ${name}`,
    promoteFailed: (name) => `Could not make ${name} a moderator`,
    wasAdded: (name) => `${name} was added.`,
    wasRemoved: (name) => `${name} was removed.`,
    isModerator: (name) => `${name} is now a moderator.`,
    meeting: "Meeting",
    goingOnSince: (time) => `Going on since ${time}`,
    recordingSince: (time) => `Recording since ${time}`,
    inTheMeeting: "In the meeting",
    removeGuest: (name) => ["Remove ", { hidden: `guest ${name}` }],
    waitingInLobby: "Waiting in the lobby",
    noAccount: "(no account)",
    admit: (name) => ["Admit ", { hidden: name }],
    refuse: (name) => ["Refuse ", { hidden: name }],
    guestAdmitted: (name) => `${name} is in the meeting.`,
    guestRefused: (name) => `${name} was not let in.`,
    guestRemoved: (name) => `${name} was removed from the meeting.`,
    guestFailed: {
      admit: (name, e) => `Could not admit ${name}: ${e}`,
      refuse: (name, e) => `Could not refuse ${name}: ${e}`,
      remove: (name, e) => `Could not remove ${name}: ${e}`,
    },
    mutedMark: ", muted by a moderator",
    mutedYou: "A moderator muted you; only a moderator can lift it.",
    muteParticipant: (name) => ["Mute ", { hidden: name }],
    unmuteParticipant: (name) => ["Unmute ", { hidden: name }],
    participantMuted: (name) => `${name} is muted: their sound is not carried until a moderator lifts it.`,
    participantUnmuted: (name) => `${name} can speak again.`,
    muteFailed: {
      mute: (name, e) => `Could not mute ${name}: ${e}`,
      unmute: (name, e) => `Could not unmute ${name}: ${e}`,
    },
    noMeeting: "No meeting going on.",
    meetingButton: { in: "Leave meeting", ongoing: "Join meeting", none: "Start meeting" },
    lobbySwitch: "Lobby: admit guests without an account one by one",
    lobbyNote: "Guests without an account wait in a lobby until a moderator admits them.",
    lobbyOn: "Guests without an account now wait in the lobby until a moderator admits them.",
    lobbyOff: "The lobby is off: guests without an account come straight in.",
    lobbyFailed: (e) => `Could not change the lobby: ${e}`,
    scheduledMeetings: "Scheduled meetings",
    scheduleMeeting: "Schedule meeting",
    meetingTitle: "Meeting title",
    startsAt: "Starts at",
    minutes: "Minutes",
    schedule: "Schedule",
    pickStart: "Pick the day and time it starts.",
    wholeMinutes: "Give the length as a whole number of minutes.",
    onCalendar: (title, when) => `“${title}” is on the calendar for ${when}.`,
    joinLink: "Join link",
    webLink: "Web link for guests without the app",
    copyWebLink: "Copy web link",
    confirmRotate: "Make a new link? The current one stops working at once.",
    muteForAll: "Mute for all",
    mutedForAll: "A moderator muted everyone in this room.",
    muteForAllFailed: "Could not change mute for all",
  },
  calls: {
    call: (name) => `Call ${name}`,
    videoCall: (name) => `Video call ${name}`,
    callGoingOn: "A call is going on.",
    soundInMeeting: "Your sound is in a meeting: leave its sound first.",
    incoming: "Incoming call",
    incomingAudio: (name) => `${name} is calling you`,
    incomingVideo: (name) => `${name} is calling you with video`,
    audioCall: "Audio call",
    videoCallKind: "Video call",
    accept: "Accept",
    acceptVideo: "Accept with video",
    decline: "Decline",
    callWith: (name) => `Call with ${name}`,
    phase: { calling: "Calling…", connecting: "Connecting…", active: "In call" },
    duration: "Call length",
    remoteVideo: (name) => `${name}'s video`,
    selfView: "Your camera",
    cameraIsOff: "Camera off",
    mute: "Mute",
    unmute: "Unmute",
    cameraOff: "Turn camera off",
    cameraOn: "Turn camera on",
    hangUp: "Hang up",
    withShortcut: (label, keys) => `${label} (${keys})`,
    keys: (letter) => `Ctrl+Shift+${letter}`,
    quality: { good: "Good connection", fair: "Fair connection", poor: "Poor connection" },
    qualityUnknown: "Connection not measured yet",
    figures: (rtt, loss) =>
      `Round trip ${rtt === null ? "not measured" : `${num(rtt, "en")} ms`}, loss ${loss === null ? "not measured" : `${num(loss, "en")}%`}`,
    ended: {
      declined: "Call declined",
      no_answer: "No answer",
      cancelled: "Call cancelled",
      unavailable: "Not reachable",
      hung_up: "Call ended",
      disconnected: "Call disconnected",
      answered_elsewhere: "Answered on another device",
      declined_elsewhere: "Declined on another device",
    },
    couldNotConnect: "The call could not connect",
    failed: (e) => `The call failed: ${e}`,
    dismiss: "Dismiss",
    devices: "Audio and video devices",
    devicesHint: "Choose the microphone, speaker and camera calls use.",
    beforeCallHint: "Check your microphone, speaker and camera before the call.",
    placeCall: "Call",
    startVideoCall: "Start video call",
    microphone: "Microphone",
    speaker: "Speaker",
    camera: "Camera",
    systemDefault: "System default",
    firstCamera: "First camera found",
    testDevice: (name) => `${name} (test)`,
    notConnected: (id) => `${id} (not connected)`,
    cameraPreview: "Camera preview",
    noPicture: "No picture from the camera yet.",
    micLevel: "Microphone level",
    micLevelValue: (db) => `${num(db, "en")} decibels`,
    testFailed: (e) => `Could not test the devices: ${e}`,
    playTestSound: "Play test sound",
    toneFailed: (e) => `Could not play the test sound: ${e}`,
    loading: "Loading…",
    save: "Save",
    cancel: "Cancel",
    devicesFailed: (e) => `Could not list the devices: ${e}`,
    deviceMenu: "Devices",
    switchFailed: (e) => `Could not switch the devices: ${e}`,
    microphoneSwitched: (lost, now) => `Your microphone “${lost}” was disconnected. Using “${now}”.`,
    microphoneGone: (lost) => `Your microphone “${lost}” was disconnected. No other microphone is available.`,
    speakerSwitched: (lost, now) => `Your speaker “${lost}” was disconnected. Using “${now}”.`,
    speakerGone: (lost) => `Your speaker “${lost}” was disconnected. No other speaker is available.`,
    cameraSwitched: (lost, now) => `Your camera “${lost}” was disconnected. Using “${now}”.`,
    cameraGone: (lost) => `Your camera “${lost}” was disconnected. No other camera is available.`,
    meetingStart: "Start a meeting",
    meetingJoinSound: "Join the meeting with sound",
    beforeMeetingHint: "Check your microphone, speaker and camera before the meeting.",
    startMeeting: "Start",
    joinMeeting: "Join",
    meetingSound: "Meeting sound",
    soundPhase: { connecting: "Connecting sound…", connected: "Sound on" },
    leaveSound: "Leave sound",
    soundCouldNotConnect: "The meeting's sound could not connect.",
    soundFailed: (e) => `The meeting's sound failed: ${e}`,
    joinWithSound: "Join with sound",
    meetingCameraOn: "Turn my camera on",
    meetingStage: "Meeting video",
    meetingView: "Meeting view",
    speakerView: "Speaker view",
    otherPeople: "Other participants",
    someone: "Someone",
    muteTile: (name) => `Mute ${name}`,
    moreTiles: (n) => plural(n, "en", { one: "# more person not shown", other: "# more people not shown" }),
    recording: "Recording",
    recordingLabel: "This meeting is being recorded",
    record: "Record",
    stopRecording: "Stop recording",
    recordHint: "Records the meeting; when stopped, the recording is shared in the room.",
    recordFailed: "Could not change the recording",
  },
  timeline: {
    newMessages: "New messages",
    newBelow: (n) => plural(n, "en", { one: "# new message", other: "# new messages" }),
    jumpToNewest: "Jump to the newest messages",
    arrived: (sender, words) => `New message from ${sender}: ${words}`,
    you: "You",
    notSent: (why) => `Not sent: ${why}`,
    loadingOlder: "Loading older messages…",
    empty: "No messages yet. Say hello!",
    messagesWith: (name) => `Messages with ${name}`,
    ticks: { pending: "Not yet sent", sent: "Sent", delivered: "Delivered", read: "Read" },
    message: "Message",
    placeholder: "Write a message… (Shift+Enter for a new line)",
    send: "Send",
    emoji: "Insert emoji",
    emojiPicker: "Emoji",
    conversationLabel: "Conversation",
    groupMembers: (n) => `Group · ${plural(n, "en", { one: "# member", other: "# members" })}`,
    roomMembers: (n) => `Room · ${plural(n, "en", { one: "# member", other: "# members" })}`,
    joined: (name) => `${name} joined`,
    left: (name) => `${name} left`,
    youJoined: "You joined",
    youLeft: "You left",
    chooseConversation: (box) => `Choose a conversation, or start one with “${box}…”.`,
  },
  messages: {
    actions: "Message actions",
    actionsFor: (sender) => `Actions for ${sender}'s message`,
    moreFor: (sender) => `More actions for ${sender}'s message`,
    reply: "Reply",
    react: "Add reaction",
    reactWith: (emoji) => `React with ${emoji}`,
    reactionPicker: "Reactions",
    allEmoji: "All emoji",
    edit: "Edit",
    delete: "Delete",
    deleteAsk: "Delete…",
    copy: "Copy text",
    copied: "Text copied.",
    copyFailed: "Could not copy the text.",
    confirmDeleteTitle: "Delete message",
    confirmDelete: "Delete this message for everyone? This cannot be undone.",
    cancel: "Cancel",
    save: "Save",
    editLabel: "Edit message",
    editHint: "Enter to save, Escape to cancel",
    edited: "(edited)",
    editedAt: (when) => `Edited ${when}`,
    deleted: "Message deleted",
    failed: (e) => `That did not work: ${e}`,
    replyingTo: (name, words) => `Replying to ${name}: ${words}`,
    cancelReply: "Cancel reply",
    inReplyTo: (name) => `In reply to ${name}`,
    notLoaded: "Original message not loaded",
    lookingFor: "Looking for the message…",
    notFound: "That message could not be found in this conversation's history.",
    tooFarBack: "That message is too far back in the history to show here.",
    reactions: "Reactions",
    reaction: (emoji, n, who) => `${emoji} ${n}, from ${who}`,
    list: (names) => (names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`),
    you: "you",
    addReaction: "Add reaction",
    typingOne: (name) => `${name} is typing…`,
    typingTwo: (a, b) => `${a} and ${b} are typing…`,
    typingMany: "Several people are typing…",
    mentionList: "People to mention",
    mentionCount: (n) => (n === 1 ? "1 person to mention; Enter or Tab picks." : `${n} people to mention; arrows choose, Enter or Tab picks.`),
    searchChat: "Search in this conversation",
    searchPlaceholder: "Search messages…",
    closeSearch: "Close search",
    searchAll: "Search messages",
    searchAllField: "Search every conversation",
    searchShortcut: (mac) => (mac ? "⌘⇧F" : "Ctrl+Shift+F"),
    searchChatShortcut: (mac) => (mac ? "⌘F" : "Ctrl+F"),
    withKeys: (label, keys) => `${label} (${keys})`,
    searchServer: "Search the server",
    searchingServer: "Searching the server…",
    serverResults: "Older messages from the server",
    offline: "The server cannot be reached: only the messages on this device were searched.",
    results: (n) => plural(n, "en", { one: "# message found", other: "# messages found" }),
    noResults: "No message found.",
    searchFailed: (e) => `The search failed: ${e}`,
    resultHead: (conversation, date) => `${conversation} · ${date}`,
    said: (sender) => `${sender}:`,
    linkPreview: (title) => `Link preview: ${title}`,
  },
  files: {
    attach: "Attach files",
    dropHint: (conversation) => `Drop files to share them with ${conversation}`,
    uploads: "Uploads",
    uploading: (name) => `Uploading ${name}`,
    progress: (sent, total) => `${sent} of ${total}`,
    preparing: "Preparing…",
    cancelUpload: (name) => ["Cancel ", { hidden: `the upload of ${name}` }],
    dismiss: (name) => ["Dismiss ", { hidden: name }],
    notShared: (name, why) => [{ strong: name }, ` was not shared: ${why}`],
    attachment: (name) => `📎 ${name}`,
    fileCard: (name) => `File ${name}`,
    preview: (name) => ["Preview ", { hidden: name }],
    download: (name) => ["Download ", { hidden: name }],
    savedTo: (path) => `Saved to ${path}`,
    downloadFailed: (why) => `Could not download the file: ${why}`,
    previewFailed: (why) => `Could not show the file: ${why}`,
    sharedFiles: "Shared files",
    noSharedFiles: "No files shared yet.",
    sharedBy: (sender, when) => `${sender} · ${when}`,
    sharedFilesFailed: (why) => `Could not list the shared files: ${why}`,
    loadingPreview: "Loading the preview…",
    truncated: "Only the beginning is shown.",
    noPreview: "No preview for this type of file.",
    downloadFile: "Download",
  },
  mail: {
    sendHistory: "Send history by email…",
    title: "Send history by email",
    explain: (conversation) => `The history of “${conversation}”, as you see it, goes to this address in one email.`,
    address: "Email address",
    placeholder: "name@example.com",
    suggestions: "People with an email address",
    send: "Send",
    sending: "Sending…",
    cancel: "Cancel",
    sent: (to) => `History sent to ${to}.`,
    mailed: (name, to) => `${name} sent the history to ${to}`,
    youMailed: (to) => `You sent the history to ${to}`,
    sentTo: (to) => `sent the history to ${to}`,
  },
  guest: {
    pageTitle: "Join a meeting · Confer",
    joinHeading: "Join the meeting",
    intro: "You join as a guest, from your browser: no account needed.",
    name: "Your name",
    nameHint: "The others in the meeting see you by this name.",
    nameMissing: "Enter your name to join.",
    join: "Join",
    joining: "Joining…",
    noLink: "This address does not hold a meeting link. Open the link you were sent.",
    unreachable: "The server could not be reached. Check your connection and try again.",
    deviceTest: "Test your microphone",
    defaultMicrophone: "The browser's default",
    microphoneNumber: (n) => `Microphone ${formatNumber(n, "en")}`,
    startTest: "Test the microphone",
    stopTest: "Stop the test",
    testHint: "Speak: the bar moves when the microphone hears you.",
    micProblem: {
      insecure: "This page is not served over https, so the browser does not let it use a microphone.",
      denied: "The browser was not allowed to use the microphone.",
      missing: "No microphone was found.",
      failed: "The microphone could not be opened.",
    },
    listenOnly: "You can still join and listen; the others will not hear you.",
    cameraHint: "The others see you. The browser asks to use your camera when you join.",
    cameraProblem: {
      insecure: "This page is not served over https, so the browser does not let it use a camera.",
      denied: "The browser was not allowed to use the camera.",
      missing: "No camera was found.",
      failed: "The camera could not be opened.",
    },
    withoutCamera: "You take part without pictures: the others do not see you.",
    selfTile: (name) => `${name} (you)`,
    cameraButton: "Camera",
    lobby: "Waiting for a moderator to let you in.",
    lobbyHint: "Keep this page open: you will join as soon as you are let in.",
    soundConnecting: "Connecting the sound…",
    soundConnected: "You are in the meeting.",
    people: "In the meeting",
    you: "you",
    guestTag: "guest",
    mutedTag: "muted",
    mutedByModerator: "A moderator muted you: the others do not hear you.",
    recording: "Recording",
    recordingLabel: "This meeting is being recorded",
    leave: "Leave",
    endedHeading: "You are out of the meeting",
    left: "You left the meeting.",
    connectionLost: "The connection to the server was lost.",
    soundFailed: "The meeting's sound could not connect.",
    joinAgain: "Join again",
  },
};

const fr: Catalogue = {
  reasons: {
    malformed_frame: () => "Le serveur n'a pas pu lire une requête de l'application.",
    not_text: () => "Le serveur n'a pas pu lire une requête de l'application.",
    frame_too_large: (r) => `Cette requête est trop volumineuse : ${r.max} octets au plus.`,
    out_of_range: () => "Cela n'existe pas.",
    protocol_version: (r) =>
      `Ce serveur parle le protocole ${r.supported}, pas le ${r.requested} : mettez l'application à jour.`,
    sign_in_first: () => "Connectez-vous d'abord.",
    already_signed_in: () => "Cette connexion est déjà authentifiée.",
    guest_cannot_sign_in: () =>
      "Cette connexion est celle d'un invité dans une réunion ; quittez-la avant de vous connecter.",
    wrong_password: () => "Nom d'utilisateur ou mot de passe incorrect.",
    token_unknown: () => "Votre session a pris fin ; reconnectez-vous.",
    session_revoked: () => "Votre session a été révoquée ; reconnectez-vous.",
    account_disabled: () => "Ce compte est désactivé.",
    too_many_logins: () => "Trop de connexions échouées ; attendez une minute et réessayez.",
    too_many_guest_joins: () => "Trop d'invités sont venus de votre adresse ; attendez une minute et réessayez.",
    server_full: () => "Le serveur n'accepte plus de connexion pour l'instant ; réessayez plus tard.",
    fell_behind: () => "La connexion a pris du retard ; elle se rétablit pour le rattraper.",
    shutting_down: () => "Le serveur s'arrête.",
    idle: (r) => `Le serveur n'a rien reçu de l'application depuis ${r.seconds} secondes.`,
    server_fault: () => "Le serveur n'a pas pu traiter la requête ; réessayez.",
    too_many_watched: (r) => `Suivez au plus ${r.max} personnes à la fois.`,
    client_id_length: (r) => `L'identifiant d'un message a de 1 à ${r.max} octets.`,
    text_too_long: (r) => `Un message contient au plus ${r.max} octets ; celui-ci en a ${r.size}.`,
    empty_message: () => "Un message ne peut pas être vide.",
    client_id_reused: () => "Ce message a déjà été envoyé dans une autre conversation.",
    field_too_long: (r) => `${fr.fields[r.field]} contient au plus ${r.max} octets.`,
    name_length: (r) => `${fr.fields[r.field]} a de 1 à ${r.max} caractères.`,
    name_character: (r) =>
      `${fr.fields[r.field]} ne peut pas contenir de caractère de contrôle, invisible ou qui change le sens d'écriture (${codePoint(r.code_point)}).`,
    no_such_user: (r) => `Il n'y a pas d'utilisateur nommé « ${r.name} ».`,
    user_exists: (r) => `Un utilisateur nommé « ${r.name} » existe déjà.`,
    no_such_alias: (r) => `Il n'existe pas d'alias nommé « ${r.name} ».`,
    alias_exists: (r) => `Un alias nommé « ${r.name} » existe déjà.`,
    invalid_user_name: (r) =>
      `Le nom d'utilisateur « ${r.name} » n'est pas valide : de 1 à 64 lettres, chiffres, « . », « _ » ou « - », en commençant par une lettre ou un chiffre.`,
    direct_with_self: () => "Vous ne pouvez pas ouvrir une conversation avec vous-même.",
    favourite_self: () => "Vous ne pouvez pas vous ajouter à vos favoris.",
    no_pending_request: (r) => `Aucune demande de ${r.name} n'est en attente.`,
    no_such_conversation: () => "Cette conversation n'existe plus.",
    not_a_member: () => "Vous n'êtes pas membre de cette conversation.",
    not_a_group: () => "Cette conversation n'est pas un groupe.",
    not_a_room: () => "Cette conversation n'est pas un salon.",
    no_meeting_link: () => "Un groupe n'a pas de lien de réunion.",
    no_meeting: () => "Une conversation avec un alias n'a pas de réunion.",
    moderators_only: () => "Seul un modérateur du salon peut faire cela.",
    owner_only: () => "Seul le propriétaire du salon peut faire cela.",
    owner_cannot_leave: () => "Le propriétaire ne peut pas quitter un salon ; supprimez-le plutôt.",
    promote_before_leaving: () => "Nommez un autre membre modérateur avant de partir.",
    owner_cannot_be_removed: () => "Le propriétaire d'un salon ne peut pas en être retiré.",
    already_member: (r) => `${r.name} est déjà membre.`,
    not_in_room: (r) => `${r.name} n'est pas dans le salon.`,
    no_invitation: () => "Vous n'avez pas d'invitation à ce groupe.",
    invited_self: () => "Vous êtes déjà dans le groupe ; invitez d'autres personnes.",
    no_invitees: () => "Invitez au moins une personne pour créer un groupe.",
    group_full: (r) => `Un groupe compte au plus ${r.max} membres, invitations comprises.`,
    not_in_meeting: () => "Vous n'êtes pas dans cette réunion.",
    meeting_minutes: (r) => `Une réunion dure de 1 à ${r.max} minutes.`,
    scheduled_too_far: (r) => `Une réunion se planifie au plus ${r.years} ans à l'avance.`,
    meeting_in_past: () => "Cette réunion serait déjà terminée ; choisissez une heure plus tardive.",
    no_scheduled_meeting: () => "Cette réunion n'est plus au calendrier.",
    link_unknown: () => "Ce lien n'ouvre aucun salon (il a peut-être été changé).",
    direct_meeting_members_only: () => "Une réunion en tête-à-tête est réservée à ses deux membres.",
    meeting_not_started: (r) =>
      `Aucune réunion n'a lieu dans « ${r.room} » pour l'instant ; les invités peuvent la rejoindre une fois qu'un membre l'a commencée.`,
    sent_out: (r) =>
      `Un modérateur vous a fait sortir de la réunion dans « ${r.room} » ; vous pourrez rejoindre la suivante.`,
    guest_limit: (r) => `La réunion dans « ${r.room} » a atteint son nombre maximal d'invités (${r.max}).`,
    name_taken: () => "Ce nom appartient à un utilisateur de ce serveur ; un invité en choisit un autre.",
    already_guest: () => "Vous êtes déjà dans une réunion en tant qu'invité ; quittez-la d'abord.",
    guest_needs_name: () => "Un invité sans compte rejoint avec un nom ; ou connectez-vous d'abord.",
    guest_already_admitted: () => "Cet invité est déjà dans la réunion.",
    guest_not_in_lobby: () => "Cet invité n'attend plus dans la salle d'attente (il est peut-être parti).",
    guest_not_in_meeting: () => "Cet invité n'est pas dans la réunion (il est peut-être parti).",
    participant_not_in_meeting: (r) => `${r.name} n'est pas dans la réunion (il est peut-être parti).`,
    meeting_ended: () => "La réunion est terminée.",
    room_deleted: () => "Le salon a été supprimé.",
    removed_by_moderator: () => "Un modérateur vous a retiré de la réunion.",
    refused_by_moderator: () => "Un modérateur ne vous a pas laissé entrer dans la réunion.",
    no_calls: () => "Les appels sont réservés aux conversations en tête-à-tête.",
    busy: (r) => `${r.name} est déjà en communication ; réessayez plus tard.`,
    in_call_already: () => "Vous êtes déjà en communication ; raccrochez avant d'en commencer une autre.",
    no_such_call: () => "Cet appel est terminé.",
    call_not_answered: () => "L'appel n'a pas encore été décroché.",
    call_answered_already: () => "L'appel a été décroché sur un autre de vos appareils.",
    signal_out_of_turn: () => "L'appel n'a pas pu être établi ; raccrochez et rappelez.",
    bad_sdp: () =>
      "L'appel n'a pas pu être établi : l'application a envoyé une offre de connexion que le serveur n'a pas pu lire.",
    sync_first: () => "L'application se met encore à jour auprès du serveur ; réessayez l'appel dans un instant.",
    no_such_message: () => "Ce message n'existe plus, ou vous ne pouvez pas le voir.",
    sender_only: () => "Seul son expéditeur peut modifier ou supprimer un message.",
    message_deleted: () => "Ce message a été supprimé.",
    not_a_text_message: () => "Seuls les messages texte peuvent être modifiés, cités ou recevoir une réaction.",
    invalid_reaction: () => "Une réaction est un seul emoji.",
    too_many_reactions: (r) => `Un message peut porter au plus ${r.max} réactions différentes.`,
    file_too_large: (r) => `Les fichiers de plus de ${sizeText(r.max, "fr")} ne peuvent pas être partagés.`,
    quota_exceeded: (r) => `Ce fichier dépasse votre quota de stockage (${sizeText(r.used, "fr")} utilisés sur ${sizeText(r.quota, "fr")}).`,
    upload_offset: () => "L'envoi s'est décalé par rapport au serveur ; il reprendra là où s'arrête la copie du serveur.",
    checksum_mismatch: () => "Le fichier est arrivé abîmé ; envoyez-le de nouveau.",
    upload_busy: () => "Une autre partie de cet envoi est en cours de réception.",
    no_such_file: () => "Ce fichier n'existe plus, ou vous ne pouvez pas le voir.",
    bad_file_name: () => "Un nom de fichier fait de 1 à 255 octets, sans dossier ni caractère de contrôle.",
    bad_checksum: () => "Un hachage BLAKE3 s'écrit en 64 chiffres hexadécimaux.",
    upload_too_long: (r) => `Il est arrivé plus d'octets que les ${formatNumber(r.size, "fr")} annoncés pour cet envoi.`,
    upload_interrupted: () => "L'envoi a été interrompu ; ce qui est arrivé est gardé, il peut reprendre.",
    missing_header: (r) => `Il manque à la requête son en-tête ${r.header}.`,
    image_unreadable: () => "L'image n'a pas pu être lue (abîmée, ou pas du type annoncé) : pas de vignette.",
    image_too_large: (r) => (r.width ? `L'image est trop grande pour une vignette (${r.width} x ${r.height} pixels).` : "L'image est trop grande pour une vignette."),
    no_thumbnail: () => "Ce fichier n'a pas de vignette.",
    mail_not_configured: () => "Ce serveur n'est pas configuré pour envoyer des e-mails.",
    no_meeting_media: () => "Ce serveur ne transmet pas le son des réunions : son relais média est arrêté.",
    recording_off: () => "Ce serveur n'enregistre pas les réunions.",
    recording_already: (r) => (r.on ? "La réunion est déjà enregistrée." : "La réunion n'est pas en cours d'enregistrement."),
    bad_email_address: () => "Ce n'est pas une adresse e-mail.",
    too_many_mails: (r) =>
      plural(r.per_hour, "fr", {
        one: "Au plus # historique peut être envoyé par e-mail par heure ; réessayez plus tard.",
        other: "Au plus # historiques peuvent être envoyés par e-mail par heure ; réessayez plus tard.",
      }),
    mail_failed: () => "Le serveur de messagerie n'a pas accepté l'e-mail ; rien n'a été envoyé.",
    unknown: () => "Le serveur a donné une raison que cette version de Confer ne connaît pas.",
  },
  fields: {
    group_name: "Le nom d'un groupe",
    room_name: "Le nom d'un salon",
    meeting_title: "Le titre d'une réunion",
    display_name: "Un nom d'affichage",
    guest_name: "Le nom d'un invité",
    status_message: "Un message de statut",
    link: "Un lien",
    search: "Une recherche",
    session_description: "L'offre de connexion d'un appel",
    ice_candidate: "L'adresse réseau d'un appel",
  },
  codes: {
    bad_frame: "Le serveur n'a pas pu lire une requête de l'application.",
    frame_too_large: "Cette requête est trop volumineuse.",
    text_too_long: "Ce message est trop long.",
    invalid: "Le serveur a refusé cette demande comme invalide.",
    unsupported_version: "Cette application est trop ancienne ou trop récente pour le serveur.",
    unauthenticated: "Connectez-vous d'abord.",
    auth_failed: "La connexion a échoué.",
    account_disabled: "Ce compte est désactivé.",
    rate_limited: "Trop de tentatives ; attendez une minute et réessayez.",
    forbidden: "Vous n'avez pas le droit de faire cela.",
    not_found: "Cela n'existe plus.",
    conflict: "Cela entre en conflit avec l'état actuel.",
    too_many_connections: "Le serveur n'accepte plus de connexion pour l'instant ; réessayez plus tard.",
    slow_consumer: "La connexion a pris du retard ; elle se rétablit pour le rattraper.",
    shutting_down: "Le serveur s'arrête.",
    idle: "La connexion est restée inactive trop longtemps.",
    access_ended: "Votre accès à la réunion a pris fin.",
    internal: "Le serveur n'a pas pu traiter la requête ; réessayez.",
  },
  ui: {
    status: { online: "Disponible", away: "Absent", dnd: "Ne pas déranger", offline: "Hors ligne" },
    peopleTab: "Personnes",
    directory: "Annuaire",
    filterPeople: "Filtrer les personnes",
    filterPlaceholder: "Filtrer par nom",
    showOffline: "Afficher les utilisateurs hors ligne",
    favourites: "Favoris",
    everyone: "Tout le monde",
    everyoneElse: "Tous les autres",
    aliases: "Alias",
    sharedAddress: "Adresse partagée",
    loading: "Chargement…",
    nobodyMatches: "Personne ne correspond.",
    nobodyOnline: "Personne d'autre n'est en ligne.",
    directoryFailed: (e) => `Impossible de charger l'annuaire : ${e}`,
    retry: "Réessayer",
    openChatFailed: (e) => `Impossible d'ouvrir la conversation : ${e}`,
    account: "Compte",
    settings: "Paramètres",
    help: "Aide",
    about: "À propos de Confer",
    signOut: "Se déconnecter",
    appVersion: "Version de l'application",
    licence: "Licence",
    server: "Serveur",
    serverVersion: "Version du serveur",
    unknown: "inconnue",
    aboutFailed: (e) => `Impossible de lire les versions : ${e}`,
    helpFailed: (e) => `Impossible d'ouvrir le guide de l'utilisateur : ${e}`,
    signOutFailed: (e) => `Impossible de se déconnecter : ${e}`,
    icsSaved: (file) => `Enregistré dans Téléchargements sous le nom ${file}`,
  },
  nav: {
    switcher: "Aller à",
    switcherField: "Chercher des personnes, des conversations et des salles",
    switcherPlaceholder: "Tapez un nom…",
    people: "Personnes",
    chats: "Conversations",
    rooms: "Salles",
    nothingMatches: "Rien ne correspond.",
    shortcut: (mac) => (mac ? "⌘K" : "Ctrl+K"),
    chatBox: "Discuter avec",
    chatBoxPlaceholder: "Discuter avec… ou filtrer",
    startChatWith: "Démarrer une conversation avec",
    noOneCalled: (name) => `Personne ne s'appelle « ${name} ».`,
    noChatMatches: "Aucune conversation ne correspond.",
    noChatsYet: "Aucune conversation pour l'instant. Tapez un nom ci-dessus pour en commencer une.",
    noFavouriteChat: "Pas encore de message",
    rowStatus: (status) => `, ${status}`,
    muted: ", en sourdine",
    unread: (n) => ` ${plural(n, "fr", { one: "# non lu", other: "# non lus" })}`,
    moreActions: (name) => `Plus d'actions pour ${name}`,
    actionsFor: (name) => `Actions pour ${name}`,
    markRead: "Marquer comme lu",
    markUnread: "Marquer comme non lu",
    hideChat: "Masquer cette discussion jusqu'au prochain message",
    mute: "Couper les notifications",
    unmute: "Réactiver les notifications",
    addFavourite: "Ajouter aux favoris",
    removeFavourite: "Retirer des favoris",
    clearHistory: "Effacer l'historique",
    leaveGroup: "Quitter le groupe",
    leaveRoom: "Quitter la salle",
    deleteRoom: "Supprimer la salle",
    closeTab: "Fermer l'onglet",
    ellipsis: (label) => `${label}…`,
    confirmClear: (name) => `Effacer de votre vue tous les messages avec « ${name} » ? C'est irréversible.`,
    confirmLeaveGroup: (name) => `Quitter « ${name} » ? Vous ne verrez plus ses messages, sauf si quelqu'un vous invite à nouveau.`,
    confirmLeaveRoom: (name) => `Quitter « ${name} » ? Un modérateur devra vous ajouter à nouveau.`,
    confirmDeleteRoom: (name) => `Supprimer « ${name} » pour tout le monde ? Ses messages disparaissent aussi. C'est irréversible.`,
    clear: "Effacer",
    leave: "Quitter",
    delete: "Supprimer",
    cancel: "Annuler",
    failed: (e) => `Cela n'a pas abouti : ${e}`,
    openConversations: "Conversations ouvertes",
    closeTabOf: (name) => `Fermer ${name}`,
    hideList: "Masquer la liste des conversations",
    showList: "Afficher la liste des conversations",
    hideDetails: "Masquer les détails",
    showDetails: "Afficher les détails",
    dangerZone: "Zone dangereuse",
    waiting: (n) =>
      plural(n, "fr", { one: "# personne attend dans la salle d'attente", other: "# personnes attendent dans la salle d'attente" }),
    connection: {
      connecting: "Reconnexion au serveur… Vos messages partiront dès son retour.",
      offline: "Hors ligne : le serveur est injoignable. Vos messages partiront dès son retour.",
      auth_failed: "Vous êtes déconnecté : le serveur n'accepte plus la session de cet appareil.",
    },
    connectionShort: { connecting: "Reconnexion", offline: "Hors ligne", auth_failed: "Déconnecté" },
    signInAgain: "Se reconnecter",
  },
  common: {
    close: "Fermer",
    cancel: "Annuler",
    save: "Enregistrer",
    create: "Créer",
    accept: "Accepter",
    decline: "Refuser",
    join: "Rejoindre",
    leave: "Quitter",
    remove: "Retirer",
    change: "Changer",
    delete: "Supprimer",
    copyLink: "Copier le lien",
    changeLink: "Changer le lien",
    linkCopied: "Lien copié.",
    copyByHand: "Impossible de copier automatiquement : sélectionnez le lien et copiez-le.",
    linkChanged: "Le lien a été changé ; l'ancien ne fonctionne plus.",
    linkFailed: "Impossible d'obtenir le lien",
    rotateFailed: "Impossible de changer le lien",
    failed: (what, why) => `${what} : ${why}`,
    you: (name) => `${name} (vous)`,
    members: (n) => plural(n, "fr", { one: "# membre", other: "# membres" }),
    room: "Salle",
    group: "Groupe",
    guest: "invité",
    guestNoAccount: "invité, sans compte",
    joinMeetingFailed: "Impossible de rejoindre la réunion",
    leaveMeetingFailed: "Impossible de quitter la réunion",
    today: "Aujourd'hui",
    yesterday: "Hier",
    joined: (name) => `${name} a rejoint la conversation`,
    left: (name) => `${name} a quitté la conversation`,
  },
  account: {
    signInTitle: "Se connecter à Confer",
    server: "Serveur",
    serverHint: "Une adresse, ou plusieurs séparées par des virgules : si l'une est injoignable, Confer passe à la suivante.",
    userName: "Nom d'utilisateur",
    password: "Mot de passe",
    signIn: "Se connecter",
    signingIn: "Connexion…",
    settings: "Paramètres",
    privacy: "Confidentialité",
    privacyMode: "Mode confidentiel",
    privacyHint:
      "Aucun accusé de lecture n'est envoyé pour les messages que vous lisez, et pour vos propres messages vous ne voyez que la coche du serveur (✓), pas s'ils ont été distribués ou lus.",
    thisDevice: "Cet appareil",
    notifications: "Notifications",
    notificationsHint: "Afficher une notification sur le bureau quand un message arrive.",
    autoAway: "Minutes d'inactivité avant de passer en Absent",
    autoAwayMinutes: "Minutes avant l'absence automatique",
    autoAwayHint: "Votre statut passe à Absent après ce délai sans utiliser le clavier ni la souris. 0 le désactive.",
    autoAwayError: "Saisissez un nombre entier de minutes, de 0 (désactivé) à 1440.",
    theme: "Thème",
    themes: { system: "Celui du système", light: "Clair", dark: "Sombre" },
    language: "Langue",
    languages: { auto: "Automatique (celle du système)", en: "English", fr: "Français" },
    languageHint: "Automatique suit la langue de cet ordinateur.",
    status: "Statut",
    choices: { available: "Disponible", away: "Absent", dnd: "Ne pas déranger", offline: "Apparaître hors ligne" },
    customMessage: "Message personnalisé",
    customStatusMessage: "Message de statut personnalisé",
    customPlaceholder: "Que faites-vous ?",
    enterSaves: "Entrée enregistre le message.",
    statusFailed: "Impossible de changer le statut.",
    statusMessageFailed: "Impossible de changer le message de statut.",
    idle: (status) => `${status} (inactif)`,
    lastSeen: (status, when) => `${status} · vu pour la dernière fois le ${when}`,
  },
  lists: {
    conversations: "Liste des conversations",
    conversationKinds: "Types de conversation",
    chatsTab: "Discussions",
    // "Salles virtuelles" takes the tab bar past the sidebar at its narrowest.
    roomsTab: "Salles",
    unread: (n) => plural(n, "fr", { one: "non lu", other: "non lus" }),
    newGroup: "Nouveau groupe",
    addPeople: "Ajouter des personnes",
    addPeoplePlaceholder: "Ajouter des personnes…",
    groupFull: (max) => `Un groupe compte au plus ${formatNumber(max, "fr")} membres`,
    invited: "Invités",
    removeInvitee: (name) => `Retirer ${name}`,
    picked: (n, max) =>
      `${plural(n, "fr", { one: "# personne", other: "# personnes" })} sur ${formatNumber(max, "fr")}. Elles rejoignent le groupe en acceptant l'invitation.`,
    groupName: "Nom du groupe",
    groupNameOptional: "Nom du groupe (facultatif)",
    pickSomeone: "Choisissez au moins une personne.",
    noOneToAdd: (name) => `Personne ne s'appelle « ${name} ».`,
    createRoom: "Créer une salle",
    createRoomButton: "+ Créer une salle",
    roomName: "Nom de la salle",
    nameTheRoom: "Donnez un nom à la salle.",
    groupInvitations: "Invitations à des groupes",
    invitesYou: (inviter, group, n) => [
      { strong: inviter },
      " vous invite dans ",
      { strong: group },
      ` (${plural(n, "fr", { one: "# membre", other: "# membres" })}).`,
    ],
    joinFailed: (e) => `Impossible de rejoindre le groupe : ${e}`,
    declineFailed: (e) => `Impossible de refuser : ${e}`,
    favouriteRequests: "Demandes d'ajout aux favoris",
    wantsToAdd: (name) => [{ strong: name }, " souhaite vous ajouter à ses favoris."],
    answerFailed: (name) => `Impossible de répondre à ${name}.`,
    joinByLink: "Rejoindre par un lien",
    roomLink: "Lien d'une salle",
    open: "Ouvrir",
    pasteLink: "Collez d'abord le lien d'une salle.",
    aRoom: "Une salle",
    inMeetingAsGuest: (room) => ["Vous êtes dans la réunion de ", { strong: room }, " en tant qu'invité."],
    noLongerInMeeting: (room) => ["Vous n'êtes plus dans la réunion de ", { strong: room }, "."],
    inMeeting: (room) => ["Vous êtes dans la réunion de ", { strong: room }, "."],
    roomOpen: (room) => [{ strong: room }, " est ouverte."],
    notMember: (room) => [
      { strong: room },
      " — vous n'en êtes pas membre (demandez à l'un de ses modérateurs de vous ajouter). Pendant sa réunion, vous pouvez y entrer en tant qu'invité.",
    ],
    joinAsGuest: "Rejoindre la réunion en tant qu'invité",
    joinItsMeeting: "Rejoindre sa réunion",
    aMeeting: "une réunion",
    guestEnded: (meeting, why) => ["Votre accès d'invité à ", { strong: meeting }, ` a pris fin : ${why}`],
    rooms: "Salles",
    noRooms: "Pas encore de salle virtuelle.",
    ongoing: "En cours",
    noMeetings: "Pas encore de réunion.",
    since: (time) => `depuis ${time}`,
    youAreGuest: "Vous êtes invité",
    joinMeetingIn: (room) => ["Rejoindre ", { hidden: `la réunion de ${room}` }],
    leaveMeetingIn: (room) => ["Quitter ", { hidden: `la réunion de ${room}` }],
    inIt: "Présents :",
    scheduled: "Programmées",
    confirmRotate: (room) =>
      `Créer un nouveau lien pour « ${room} » ? L'actuel cesse aussitôt de fonctionner, y compris dans les invitations déjà envoyées.`,
    confirmDeleteMeeting: (title) => `Supprimer « ${title} » du calendrier ?`,
    joinMeeting: (title) => ["Rejoindre ", { hidden: title }],
    copyLinkOf: (room) => ["Copier le lien ", { hidden: `de ${room}` }],
    changeLinkOf: (room) => ["Changer le lien ", { hidden: `de ${room}` }],
    addToCalendar: (title) => ["Ajouter au calendrier ", { hidden: `: ${title}` }],
    deleteMeeting: (title) => ["Supprimer ", { hidden: title }],
    linkIs: (link) => `Impossible de copier automatiquement ; le lien est ${link}`,
    deleteMeetingFailed: "Impossible de supprimer la réunion",
    icsFailed: "Impossible de créer le fichier de calendrier",
  },
  details: {
    details: "Détails",
    empty: "Les détails de la conversation ouverte s'affichent ici.",
    meetingLink: "Lien de réunion",
    meetingLinkFailed: (e) => `Impossible d'obtenir le lien de réunion : ${e}`,
    answerFailed: "Impossible de répondre",
    conversationSettings: "Réglages de la conversation",
    removeFavourite: "★ Retirer des favoris",
    addFavourite: "☆ Ajouter aux favoris",
    requestPending: "Demande en attente",
    cancelRequest: "Annuler la demande",
    declinedRequest: (name) => `${name} a refusé votre dernière demande.`,
    notificationsFailed: "Impossible de changer les notifications",
    favouritesFailed: "Impossible de changer les favoris",
    cancelRequestFailed: "Impossible d'annuler la demande",
    groupLine: (n) => `Groupe · ${plural(n, "fr", { one: "# membre", other: "# membres" })}`,
    members: "Membres",
    invitedMark: "invité",
    groupFull: (max) => `Le groupe est complet (${formatNumber(max, "fr")} membres au plus).`,
    invite: "Inviter",
    inviteSomeone: "Inviter quelqu'un…",
    wasInvited: (name) => `${name} a été invité.`,
    inviteFailed: (name, e) => `Impossible d'inviter ${name} : ${e}`,
    roomOwner: "Salle · propriétaire",
    youAre: { owner: "Vous en êtes le propriétaire", moderator: "Vous en êtes modérateur", member: "Vous en êtes membre" },
    membersCount: (n) => `Membres (${formatNumber(n, "fr")})`,
    roles: { owner: "Propriétaire", moderator: "Modérateur" },
    makeModerator: (name) => ["Nommer ", { hidden: name }, " modérateur"],
    removeMember: (name) => ["Retirer ", { hidden: name }],
    addMember: "Ajouter un membre",
    addSomeone: "Ajouter quelqu'un…",
    addFailed: (name) => `Impossible d'ajouter ${name}`,
    removeFailed: (name) => `Impossible de retirer ${name}`,
    promoteFailed: (name) => `Impossible de nommer ${name} modérateur`,
    wasAdded: (name) => `${name} a été ajouté.`,
    wasRemoved: (name) => `${name} a été retiré.`,
    isModerator: (name) => `${name} est désormais modérateur.`,
    meeting: "Réunion",
    goingOnSince: (time) => `En cours depuis ${time}`,
    recordingSince: (time) => `Enregistrée depuis ${time}`,
    inTheMeeting: "Dans la réunion",
    removeGuest: (name) => ["Retirer ", { hidden: `l'invité ${name}` }],
    waitingInLobby: "En salle d'attente",
    noAccount: "(sans compte)",
    admit: (name) => ["Admettre ", { hidden: name }],
    refuse: (name) => ["Refuser ", { hidden: name }],
    guestAdmitted: (name) => `${name} est dans la réunion.`,
    guestRefused: (name) => `${name} n'a pas été admis.`,
    guestRemoved: (name) => `${name} a été retiré de la réunion.`,
    guestFailed: {
      admit: (name, e) => `Impossible d'admettre ${name} : ${e}`,
      refuse: (name, e) => `Impossible de refuser ${name} : ${e}`,
      remove: (name, e) => `Impossible de retirer ${name} : ${e}`,
    },
    mutedMark: ", mis en sourdine par un modérateur",
    mutedYou: "Un modérateur vous a mis en sourdine ; seul un modérateur peut la lever.",
    muteParticipant: (name) => ["Mettre ", { hidden: name }, " en sourdine"],
    unmuteParticipant: (name) => ["Rétablir le son ", { hidden: `pour ${name}` }],
    participantMuted: (name) => `${name} est en sourdine : on ne l'entend plus jusqu'à ce qu'un modérateur lève la sourdine.`,
    participantUnmuted: (name) => `${name} peut de nouveau parler.`,
    muteFailed: {
      mute: (name, e) => `Impossible de mettre ${name} en sourdine : ${e}`,
      unmute: (name, e) => `Impossible de rétablir le son pour ${name} : ${e}`,
    },
    noMeeting: "Aucune réunion en cours.",
    meetingButton: { in: "Quitter la réunion", ongoing: "Rejoindre la réunion", none: "Démarrer la réunion" },
    lobbySwitch: "Salle d'attente : admettre un par un les invités sans compte",
    lobbyNote: "Les invités sans compte attendent en salle d'attente qu'un modérateur les admette.",
    lobbyOn: "Les invités sans compte attendent désormais en salle d'attente qu'un modérateur les admette.",
    lobbyOff: "La salle d'attente est désactivée : les invités sans compte entrent directement.",
    lobbyFailed: (e) => `Impossible de changer la salle d'attente : ${e}`,
    scheduledMeetings: "Réunions programmées",
    scheduleMeeting: "Programmer une réunion",
    meetingTitle: "Titre de la réunion",
    startsAt: "Début",
    minutes: "Durée en minutes",
    schedule: "Programmer",
    pickStart: "Choisissez le jour et l'heure du début.",
    wholeMinutes: "Indiquez la durée en nombre entier de minutes.",
    onCalendar: (title, when) => `« ${title} » est au calendrier pour le ${when}.`,
    joinLink: "Lien d'accès",
    webLink: "Lien web pour les invités sans l'application",
    copyWebLink: "Copier le lien web",
    confirmRotate: "Créer un nouveau lien ? L'actuel cesse aussitôt de fonctionner.",
    muteForAll: "Sourdine pour tous",
    mutedForAll: "Un modérateur a mis tout le monde en sourdine dans cette salle.",
    muteForAllFailed: "Impossible de changer la sourdine pour tous",
  },
  calls: {
    call: (name) => `Appeler ${name}`,
    videoCall: (name) => `Appel vidéo avec ${name}`,
    callGoingOn: "Un appel est en cours.",
    soundInMeeting: "Votre son est dans une réunion : quittez d'abord son son.",
    incoming: "Appel entrant",
    incomingAudio: (name) => `${name} vous appelle`,
    incomingVideo: (name) => `${name} vous appelle en vidéo`,
    audioCall: "Appel audio",
    videoCallKind: "Appel vidéo",
    accept: "Décrocher",
    acceptVideo: "Décrocher avec la vidéo",
    decline: "Refuser",
    callWith: (name) => `Appel avec ${name}`,
    phase: { calling: "Appel en cours…", connecting: "Connexion…", active: "En communication" },
    duration: "Durée de l'appel",
    remoteVideo: (name) => `Vidéo de ${name}`,
    selfView: "Votre caméra",
    cameraIsOff: "Caméra coupée",
    mute: "Couper le micro",
    unmute: "Réactiver le micro",
    cameraOff: "Couper la caméra",
    cameraOn: "Allumer la caméra",
    hangUp: "Raccrocher",
    withShortcut: (label, keys) => `${label} (${keys})`,
    keys: (letter) => `Ctrl+Maj+${letter}`,
    quality: { good: "Bonne connexion", fair: "Connexion moyenne", poor: "Mauvaise connexion" },
    qualityUnknown: "Connexion pas encore mesurée",
    figures: (rtt, loss) =>
      `Aller-retour ${rtt === null ? "non mesuré" : `${num(rtt, "fr")} ms`}, pertes ${loss === null ? "non mesurées" : `${num(loss, "fr")} %`}`,
    ended: {
      declined: "Appel refusé",
      no_answer: "Pas de réponse",
      cancelled: "Appel annulé",
      unavailable: "Injoignable",
      hung_up: "Appel terminé",
      disconnected: "Appel interrompu",
      answered_elsewhere: "Décroché sur un autre appareil",
      declined_elsewhere: "Refusé sur un autre appareil",
    },
    couldNotConnect: "L'appel n'a pas pu être établi",
    failed: (e) => `L'appel a échoué : ${e}`,
    dismiss: "Fermer",
    devices: "Périphériques audio et vidéo",
    devicesHint: "Choisissez le micro, le haut-parleur et la caméra des appels.",
    beforeCallHint: "Vérifiez votre micro, votre haut-parleur et votre caméra avant l'appel.",
    placeCall: "Appeler",
    startVideoCall: "Lancer l'appel vidéo",
    microphone: "Micro",
    speaker: "Haut-parleur",
    camera: "Caméra",
    systemDefault: "Celui du système",
    firstCamera: "La première caméra trouvée",
    testDevice: (name) => `${name} (test)`,
    notConnected: (id) => `${id} (non branché)`,
    cameraPreview: "Aperçu de la caméra",
    noPicture: "Pas encore d'image de la caméra.",
    micLevel: "Niveau du micro",
    micLevelValue: (db) => `${num(db, "fr")} décibels`,
    testFailed: (e) => `Impossible de tester les périphériques : ${e}`,
    playTestSound: "Jouer un son d'essai",
    toneFailed: (e) => `Impossible de jouer le son d'essai : ${e}`,
    loading: "Chargement…",
    save: "Enregistrer",
    cancel: "Annuler",
    devicesFailed: (e) => `Impossible de lister les périphériques : ${e}`,
    deviceMenu: "Périphériques",
    switchFailed: (e) => `Impossible de changer de périphérique : ${e}`,
    microphoneSwitched: (lost, now) => `Votre micro « ${lost} » a été débranché. Utilisation de « ${now} ».`,
    microphoneGone: (lost) => `Votre micro « ${lost} » a été débranché. Aucun autre micro n'est disponible.`,
    speakerSwitched: (lost, now) => `Votre haut-parleur « ${lost} » a été débranché. Utilisation de « ${now} ».`,
    speakerGone: (lost) => `Votre haut-parleur « ${lost} » a été débranché. Aucun autre haut-parleur n'est disponible.`,
    cameraSwitched: (lost, now) => `Votre caméra « ${lost} » a été débranchée. Utilisation de « ${now} ».`,
    cameraGone: (lost) => `Votre caméra « ${lost} » a été débranchée. Aucune autre caméra n'est disponible.`,
    meetingStart: "Démarrer une réunion",
    meetingJoinSound: "Rejoindre la réunion avec le son",
    beforeMeetingHint: "Vérifiez votre micro, votre haut-parleur et votre caméra avant la réunion.",
    startMeeting: "Démarrer",
    joinMeeting: "Rejoindre",
    meetingSound: "Son de la réunion",
    soundPhase: { connecting: "Connexion du son…", connected: "Son activé" },
    leaveSound: "Quitter le son",
    soundCouldNotConnect: "Le son de la réunion n'a pas pu se connecter.",
    soundFailed: (e) => `Le son de la réunion a échoué : ${e}`,
    joinWithSound: "Rejoindre avec le son",
    meetingCameraOn: "Activer ma caméra",
    meetingStage: "Vidéo de la réunion",
    meetingView: "Affichage de la réunion",
    speakerView: "Vue orateur",
    otherPeople: "Autres participants",
    someone: "Quelqu'un",
    muteTile: (name) => `Mettre ${name} en sourdine`,
    moreTiles: (n) => plural(n, "fr", { one: "# autre personne non affichée", other: "# autres personnes non affichées" }),
    recording: "Enregistrement",
    recordingLabel: "Cette réunion est enregistrée",
    record: "Enregistrer",
    stopRecording: "Arrêter l'enregistrement",
    recordHint: "Enregistre la réunion ; une fois arrêté, l'enregistrement est partagé dans le salon.",
    recordFailed: "Impossible de changer l'enregistrement",
  },
  timeline: {
    newMessages: "Nouveaux messages",
    newBelow: (n) => plural(n, "fr", { one: "# nouveau message", other: "# nouveaux messages" }),
    jumpToNewest: "Aller aux messages les plus récents",
    arrived: (sender, words) => `Nouveau message de ${sender} : ${words}`,
    you: "Vous",
    notSent: (why) => `Non envoyé : ${why}`,
    loadingOlder: "Chargement des messages précédents…",
    empty: "Pas encore de message. Dites bonjour !",
    messagesWith: (name) => `Messages avec ${name}`,
    ticks: { pending: "Pas encore envoyé", sent: "Envoyé", delivered: "Distribué", read: "Lu" },
    message: "Message",
    placeholder: "Message… (Maj+Entrée : nouvelle ligne)",
    send: "Envoyer",
    emoji: "Insérer un emoji",
    emojiPicker: "Emoji",
    conversationLabel: "Conversation",
    groupMembers: (n) => `Groupe · ${plural(n, "fr", { one: "# membre", other: "# membres" })}`,
    roomMembers: (n) => `Salle · ${plural(n, "fr", { one: "# membre", other: "# membres" })}`,
    joined: (name) => `${name} a rejoint la conversation`,
    left: (name) => `${name} a quitté la conversation`,
    youJoined: "Vous avez rejoint la conversation",
    youLeft: "Vous avez quitté la conversation",
    chooseConversation: (box) => `Choisissez une conversation, ou commencez-en une avec « ${box}… ».`,
  },
  messages: {
    actions: "Actions sur le message",
    actionsFor: (sender) => `Actions sur le message de ${sender}`,
    moreFor: (sender) => `Plus d'actions sur le message de ${sender}`,
    reply: "Répondre",
    react: "Ajouter une réaction",
    reactWith: (emoji) => `Réagir avec ${emoji}`,
    reactionPicker: "Réactions",
    allEmoji: "Tous les emoji",
    edit: "Modifier",
    delete: "Supprimer",
    deleteAsk: "Supprimer…",
    copy: "Copier le texte",
    copied: "Texte copié.",
    copyFailed: "Impossible de copier le texte.",
    confirmDeleteTitle: "Supprimer le message",
    confirmDelete: "Supprimer ce message pour tout le monde ? C'est irréversible.",
    cancel: "Annuler",
    save: "Enregistrer",
    editLabel: "Modifier le message",
    editHint: "Entrée pour enregistrer, Échap pour annuler",
    edited: "(modifié)",
    editedAt: (when) => `Modifié le ${when}`,
    deleted: "Message supprimé",
    failed: (e) => `Cela n'a pas abouti : ${e}`,
    replyingTo: (name, words) => `Réponse à ${name} : ${words}`,
    cancelReply: "Annuler la réponse",
    inReplyTo: (name) => `En réponse à ${name}`,
    notLoaded: "Message d'origine non chargé",
    lookingFor: "Recherche du message…",
    notFound: "Ce message est introuvable dans l'historique de la conversation.",
    tooFarBack: "Ce message est trop loin dans l'historique pour être affiché ici.",
    reactions: "Réactions",
    reaction: (emoji, n, who) => `${emoji} ${n}, de ${who}`,
    list: (names) => (names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} et ${names[names.length - 1]}`),
    you: "vous",
    addReaction: "Ajouter une réaction",
    typingOne: (name) => `${name} est en train d'écrire…`,
    typingTwo: (a, b) => `${a} et ${b} sont en train d'écrire…`,
    typingMany: "Plusieurs personnes sont en train d'écrire…",
    mentionList: "Personnes à mentionner",
    mentionCount: (n) =>
      n === 1 ? "1 personne à mentionner ; Entrée ou Tab la choisit." : `${n} personnes à mentionner ; les flèches choisissent, Entrée ou Tab valide.`,
    searchChat: "Rechercher dans cette conversation",
    searchPlaceholder: "Rechercher des messages…",
    closeSearch: "Fermer la recherche",
    searchAll: "Rechercher des messages",
    searchAllField: "Rechercher dans toutes les conversations",
    searchShortcut: (mac) => (mac ? "⌘⇧F" : "Ctrl+Maj+F"),
    searchChatShortcut: (mac) => (mac ? "⌘F" : "Ctrl+F"),
    withKeys: (label, keys) => `${label} (${keys})`,
    searchServer: "Rechercher sur le serveur",
    searchingServer: "Recherche sur le serveur…",
    serverResults: "Messages plus anciens du serveur",
    offline: "Le serveur est injoignable : seuls les messages de cet appareil ont été cherchés.",
    results: (n) => plural(n, "fr", { one: "# message trouvé", other: "# messages trouvés" }),
    noResults: "Aucun message trouvé.",
    searchFailed: (e) => `La recherche a échoué : ${e}`,
    resultHead: (conversation, date) => `${conversation} · ${date}`,
    said: (sender) => `${sender} :`,
    linkPreview: (title) => `Aperçu du lien : ${title}`,
  },
  files: {
    attach: "Joindre des fichiers",
    dropHint: (conversation) => `Déposez des fichiers pour les partager avec ${conversation}`,
    uploads: "Envois",
    uploading: (name) => `Envoi de ${name}`,
    progress: (sent, total) => `${sent} sur ${total}`,
    preparing: "Préparation…",
    cancelUpload: (name) => ["Annuler ", { hidden: `l'envoi de ${name}` }],
    dismiss: (name) => ["Fermer ", { hidden: name }],
    notShared: (name, why) => [{ strong: name }, ` n'a pas été partagé : ${why}`],
    attachment: (name) => `📎 ${name}`,
    fileCard: (name) => `Fichier ${name}`,
    preview: (name) => ["Aperçu ", { hidden: name }],
    download: (name) => ["Télécharger ", { hidden: name }],
    savedTo: (path) => `Enregistré dans ${path}`,
    downloadFailed: (why) => `Impossible de télécharger le fichier : ${why}`,
    previewFailed: (why) => `Impossible d'afficher le fichier : ${why}`,
    sharedFiles: "Fichiers partagés",
    noSharedFiles: "Aucun fichier partagé pour l'instant.",
    sharedBy: (sender, when) => `${sender} · ${when}`,
    sharedFilesFailed: (why) => `Impossible de lister les fichiers partagés : ${why}`,
    loadingPreview: "Chargement de l'aperçu…",
    truncated: "Seul le début est affiché.",
    noPreview: "Pas d'aperçu pour ce type de fichier.",
    downloadFile: "Télécharger",
  },
  mail: {
    sendHistory: "Envoyer l'historique par e-mail…",
    title: "Envoyer l'historique par e-mail",
    explain: (conversation) => `L'historique de « ${conversation} », tel que vous le voyez, part à cette adresse en un seul e-mail.`,
    address: "Adresse e-mail",
    placeholder: "nom@exemple.fr",
    suggestions: "Personnes ayant une adresse e-mail",
    send: "Envoyer",
    sending: "Envoi…",
    cancel: "Annuler",
    sent: (to) => `Historique envoyé à ${to}.`,
    mailed: (name, to) => `${name} a envoyé l'historique à ${to}`,
    youMailed: (to) => `Vous avez envoyé l'historique à ${to}`,
    sentTo: (to) => `a envoyé l'historique à ${to}`,
  },
  guest: {
    pageTitle: "Rejoindre une réunion · Confer",
    joinHeading: "Rejoindre la réunion",
    intro: "Vous rejoignez en invité, depuis votre navigateur : pas besoin de compte.",
    name: "Votre nom",
    nameHint: "Les autres participants vous voient sous ce nom.",
    nameMissing: "Saisissez votre nom pour rejoindre.",
    join: "Rejoindre",
    joining: "Connexion…",
    noLink: "Cette adresse ne contient pas de lien de réunion. Ouvrez le lien que vous avez reçu.",
    unreachable: "Impossible de joindre le serveur. Vérifiez votre connexion et réessayez.",
    deviceTest: "Tester votre micro",
    defaultMicrophone: "Celui du navigateur",
    microphoneNumber: (n) => `Micro ${formatNumber(n, "fr")}`,
    startTest: "Tester le micro",
    stopTest: "Arrêter le test",
    testHint: "Parlez : la barre bouge quand le micro vous entend.",
    micProblem: {
      insecure: "Cette page n'est pas servie en https : le navigateur ne la laisse pas utiliser de micro.",
      denied: "Le navigateur n'a pas été autorisé à utiliser le micro.",
      missing: "Aucun micro n'a été trouvé.",
      failed: "Le micro n'a pas pu être ouvert.",
    },
    listenOnly: "Vous pouvez quand même rejoindre et écouter ; les autres ne vous entendront pas.",
    cameraHint: "Les autres vous voient. Le navigateur demande à utiliser votre caméra quand vous rejoignez.",
    cameraProblem: {
      insecure: "Cette page n'est pas servie en https : le navigateur ne la laisse pas utiliser de caméra.",
      denied: "Le navigateur n'a pas été autorisé à utiliser la caméra.",
      missing: "Aucune caméra n'a été trouvée.",
      failed: "La caméra n'a pas pu être ouverte.",
    },
    withoutCamera: "Vous participez sans image : les autres ne vous voient pas.",
    selfTile: (name) => `${name} (vous)`,
    cameraButton: "Caméra",
    lobby: "En attente qu'un modérateur vous laisse entrer.",
    lobbyHint: "Gardez cette page ouverte : vous entrerez dès qu'on vous aura admis.",
    soundConnecting: "Connexion du son…",
    soundConnected: "Vous êtes dans la réunion.",
    people: "Dans la réunion",
    you: "vous",
    guestTag: "invité",
    mutedTag: "micro coupé",
    mutedByModerator: "Un modérateur a coupé votre micro : les autres ne vous entendent pas.",
    recording: "Enregistrement",
    recordingLabel: "Cette réunion est enregistrée",
    leave: "Quitter",
    endedHeading: "Vous n'êtes plus dans la réunion",
    left: "Vous avez quitté la réunion.",
    connectionLost: "La connexion au serveur a été perdue.",
    soundFailed: "Le son de la réunion n'a pas pu se connecter.",
    joinAgain: "Rejoindre à nouveau",
  },
};

const catalogues: Record<Locale, Catalogue> = { en, fr };

/** The UI's words in the given language (the user's by default). */
export function words(lang: Locale = locale()): Words {
  return catalogues[lang].ui;
}

/** The words of getting around in the given language (the user's by default). */
export function navWords(lang: Locale = locale()): NavWords {
  return catalogues[lang].nav;
}

/** Words several screens share, in the given language (the user's by default). */
export function commonWords(lang: Locale = locale()): CommonWords {
  return catalogues[lang].common;
}

/** The words of signing in, the settings and the status menu (the user's language by default). */
export function accountWords(lang: Locale = locale()): AccountWords {
  return catalogues[lang].account;
}

/** The words of the lists on the left (the user's language by default). */
export function listWords(lang: Locale = locale()): ListWords {
  return catalogues[lang].lists;
}

/** The words of the details column (the user's language by default). */
export function detailsWords(lang: Locale = locale()): DetailsWords {
  return catalogues[lang].details;
}

/** The words of calls in the given language (the user's by default). */
export function callWords(lang: Locale = locale()): CallWords {
  return catalogues[lang].calls;
}

/** The words of the open conversation in the given language (the user's by default). */
export function timelineWords(lang: Locale = locale()): TimelineWords {
  return catalogues[lang].timeline;
}

/** The words of what is done to messages in the given language (the user's by default). */
export function messageWords(lang: Locale = locale()): MessageWords {
  return catalogues[lang].messages;
}

/** The words of shared files in the given language (the user's by default). */
export function fileWords(lang: Locale = locale()): FileWords {
  return catalogues[lang].files;
}

/** The words of sending a history by email in the given language (the user's by default). */
export function mailWords(lang: Locale = locale()): MailWords {
  return catalogues[lang].mail;
}

/** The guest page's words in the given language (the user's by default). */
export function guestWords(lang: Locale = locale()): GuestWords {
  return catalogues[lang].guest;
}

/** A character as U+XXXX. */
function codePoint(n: number): string {
  return `U+${n.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** A reason in one sentence, in the given language (the user's by default). */
export function reasonText(reason: Reason, lang: Locale = locale()): string {
  const words = catalogues[lang].reasons;
  const word = words[reason.reason] as ((r: Reason) => string) | undefined;
  // A reason from a newer server that slipped past the decoder reads as unknown.
  return word ? word(reason) : words.unknown({ reason: "unknown" });
}

/** What an error category means, for a reason this build does not know. */
export function codeText(code: ErrorCode, lang: Locale = locale()): string {
  return catalogues[lang].codes[code] ?? catalogues[lang].reasons.unknown({ reason: "unknown" });
}

/** A refusal (the server's error body) in one sentence: its reason, else its category. */
export function refusalText(body: ErrorBody, lang: Locale = locale()): string {
  return body.reason.reason === "unknown" ? codeText(body.code, lang) : reasonText(body.reason, lang);
}

/** The sentence for anything a backend call rejected with: the server's reason worded here when
 * there is one, else the backend's own sentence. */
export function errorText(err: unknown, lang: Locale = locale()): string {
  if (typeof err === "object" && err !== null) {
    const e = err as { code?: unknown; message?: unknown; reason?: Reason };
    const code = typeof e.code === "string" && e.code.startsWith("refused:") ? (e.code.slice(8) as ErrorCode) : null;
    if (e.reason && e.reason.reason !== "unknown") return reasonText(e.reason, lang);
    if (code && catalogues[lang].codes[code]) return codeText(code, lang);
    if (typeof e.message === "string") return e.message;
  }
  return String(err);
}
