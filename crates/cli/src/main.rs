//! `confer-cli`: the Confer client for scripts, bots and tests, built on the client core.
//!
//! Exit codes: 0 success, 2 usage error, 3 authentication failure, 4 server unreachable,
//! 5 refused by the server; 1 anything else. Errors go to stderr as one sentence, in English or
//! French (`--lang`, CONFER_LANG, else the locale).

mod text;

use std::{io::BufRead, path::PathBuf, process::ExitCode, time::Duration};

use clap::{Parser, Subcommand, ValueEnum};
use confer_core::{CachedMessage, Client, ClientConfig, ClientEvent, CoreError, i18n::Lang};
use confer_proto::PresenceChoice;

#[derive(Parser)]
#[command(
    name = "confer-cli",
    version,
    args_override_self = true,
    about = "Confer from the command line: send, read and follow chats",
    long_about = "Confer from the command line: send, read and follow chats.\n\n\
        The password comes from --password-stdin or CONFER_PASSWORD; after the first sign-in the \
        session token is kept (OS keyring, or a 0600 file in the profile) and reused.\n\n\
        Exit codes: 0 success, 2 usage error, 3 authentication failure, 4 server unreachable, \
        5 refused by the server, 1 other failures."
)]
struct Cli {
    /// Server address (ws://host:port, http://host:port or host:port), or several separated by
    /// commas: when one is down the next is used, from where this profile left off.
    #[arg(
        long = "server",
        env = "CONFER_SERVER",
        default_value = "ws://127.0.0.1:7300",
        value_name = "URL[,URL...]",
        value_parser = parse_servers,
        global = true
    )]
    servers: Servers,
    /// Your account name.
    #[arg(long, env = "CONFER_USER", global = true)]
    user: Option<String>,
    /// Profile directory for the cache and token [default: the OS data dir].
    #[arg(long, env = "CONFER_PROFILE", global = true)]
    profile: Option<PathBuf>,
    /// Read the password from the first line of standard input.
    #[arg(long, global = true)]
    password_stdin: bool,
    /// Seconds to wait for the server before giving up.
    #[arg(long, default_value_t = 10, global = true)]
    connect_timeout: u64,
    /// The language of messages for people: en or fr [default: CONFER_LANG, else the locale
    /// (LC_ALL, LC_MESSAGES, LANG)]. Lines scripts wait for and JSON stay the same.
    #[arg(long, global = true, value_name = "en|fr", value_parser = text::parse_lang)]
    lang: Option<Lang>,
    #[command(subcommand)]
    command: Command,
}

/// What a call sends, records and how long it lasts.
/// Where sound comes from and goes to, in a call or a meeting.
#[derive(clap::Args)]
struct SoundArgs {
    /// Send this WAV file instead of the microphone (it goes straight to the encoder); it plays
    /// once, then silence.
    #[arg(long, value_name = "FILE.wav")]
    send_audio: Option<PathBuf>,
    /// Write what is heard to this file (16-bit PCM WAV, 48 kHz mono; in a meeting, everyone
    /// else mixed).
    #[arg(long, value_name = "FILE.wav")]
    record: Option<PathBuf>,
    /// The microphone to speak into (see `devices`) [default: the system default, or the test
    /// tone where there is no sound system].
    #[arg(long, conflicts_with = "send_audio")]
    microphone: Option<String>,
    /// The speaker to play the other side on (see `devices`) [default: the system default;
    /// none with --record].
    #[arg(long)]
    speaker: Option<String>,
    /// Send the microphone as captured: no echo cancellation, no noise suppression (music,
    /// measurements; a steady tone is otherwise taken for noise).
    #[arg(long)]
    original_sound: bool,
}

impl SoundArgs {
    /// Whether any was given.
    fn given(&self) -> bool {
        self.send_audio.is_some()
            || self.record.is_some()
            || self.microphone.is_some()
            || self.speaker.is_some()
            || self.original_sound
    }
}

#[derive(clap::Args)]
struct CallArgs {
    #[command(flatten)]
    sound: SoundArgs,
    /// The camera a video call sends (see `devices`) [default: the moving test pattern].
    #[arg(long)]
    camera: Option<String>,
    /// Hang up after this many seconds of talk.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Print the call's figures as one JSON object at the end.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Ice {
    All,
    Relay,
}

#[derive(Subcommand)]
enum Command {
    /// Send a message to a user or a conversation; prints the message id once stored.
    Send {
        /// The recipient's name, or a conversation id (a group's, for example).
        #[arg(value_name = "USER|CONVERSATION")]
        peer: String,
        /// The text ("-" reads it from standard input).
        text: String,
        /// Queue the message in the outbox and exit without waiting for the server.
        #[arg(long)]
        no_wait: bool,
        /// Print the message as it stands afterwards, as one JSON object (the keys of
        /// `history --json`).
        #[arg(long)]
        json: bool,
    },
    /// Replace the text of one of your messages; prints its id once the server has it.
    Edit {
        /// The message: the id `send` printed, or CONVERSATION:SEQ.
        message: String,
        /// The new text ("-" reads it from standard input).
        text: String,
        /// Queue the edit and exit without waiting for the server.
        #[arg(long)]
        no_wait: bool,
        /// Print the message as it stands afterwards, as one JSON object (the keys of
        /// `history --json`).
        #[arg(long)]
        json: bool,
    },
    /// Delete one of your messages ("Message deleted" stays in its place).
    Delete {
        /// The message: the id `send` printed, or CONVERSATION:SEQ.
        message: String,
        /// Queue the deletion and exit without waiting for the server.
        #[arg(long)]
        no_wait: bool,
        /// Print the message as it stands afterwards, as one JSON object (the keys of
        /// `history --json`).
        #[arg(long)]
        json: bool,
    },
    /// React to a message with an emoji (again with --remove to take it back).
    React {
        /// The message: its id, or CONVERSATION:SEQ.
        message: String,
        /// One emoji.
        emoji: String,
        /// Take the reaction back.
        #[arg(long)]
        remove: bool,
        /// Queue it and exit without waiting for the server.
        #[arg(long)]
        no_wait: bool,
        /// Print the message as it stands afterwards, as one JSON object (the keys of
        /// `history --json`).
        #[arg(long)]
        json: bool,
    },
    /// Answer a message (quoted in the conversation); prints the new message's id.
    Reply {
        /// The message answered: its id, or CONVERSATION:SEQ.
        message: String,
        /// The text ("-" reads it from standard input).
        text: String,
        /// Queue the answer and exit without waiting for the server.
        #[arg(long)]
        no_wait: bool,
        /// Print the message as it stands afterwards, as one JSON object (the keys of
        /// `history --json`).
        #[arg(long)]
        json: bool,
    },
    /// Search the messages you may see on the server, newest first.
    Search {
        /// Words; each finds words starting with it.
        query: String,
        /// Only the conversation with this user, or this conversation id.
        #[arg(long, value_name = "USER|CONVERSATION")]
        conversation: Option<String>,
        /// At most this many results.
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Search this device's cache instead (works offline; English and French stems, accents
        /// folded).
        #[arg(long)]
        local: bool,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Print a conversation, oldest first (from the cache when offline).
    History {
        /// The other user's name, or a conversation id.
        #[arg(value_name = "USER|CONVERSATION")]
        peer: String,
        /// At most this many messages.
        #[arg(long, default_value_t = 75)]
        limit: u32,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Upload a file into a conversation and share it there; prints the file's id. Run again
    /// on the same file after an interruption, it resumes where the server's copy stops.
    Upload {
        /// The other user's name, or a conversation id.
        #[arg(value_name = "USER|CONVERSATION")]
        peer: String,
        /// The file.
        file: PathBuf,
        /// Print the upload's state as JSON.
        #[arg(long)]
        json: bool,
        /// Send no faster than this many bytes a second (suffixes k, M, G: powers of 1000).
        #[arg(long, value_name = "RATE", value_parser = parse_rate)]
        limit_rate: Option<u64>,
    },
    /// Download a shared file: into the current folder under its name (never replacing a
    /// file), or to -o PATH. Prints where it went.
    Download {
        /// The file's id (as `upload` or `files` printed it).
        file: String,
        /// Where to write it (replaced if it exists).
        #[arg(short = 'o', long, value_name = "PATH")]
        output: Option<PathBuf>,
        /// Its thumbnail (images) instead of the file.
        #[arg(long)]
        thumbnail: bool,
    },
    /// List the files shared in a conversation, newest first: id, name, size, type, sender,
    /// time (tab-separated), or JSON lines.
    Files {
        /// The other user's name, or a conversation id.
        #[arg(value_name = "USER|CONVERSATION")]
        peer: String,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Send a conversation's history, as you see it, to an email address (the server must
    /// have a mail server configured); every member sees that you did.
    MailHistory {
        /// The other user's name, or a conversation id.
        #[arg(value_name = "USER|CONVERSATION")]
        peer: String,
        /// Where to send it.
        #[arg(value_name = "ADDRESS")]
        address: String,
        /// The offset from UTC of the times in the mail, in minutes east [default: this
        /// machine's].
        #[arg(long, allow_hyphen_values = true, value_name = "MINUTES")]
        utc_offset: Option<i32>,
    },
    /// Stay connected and print events: messages, tick changes, presence, unread counts.
    Follow {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
        /// Exit after this many message events.
        #[arg(long)]
        count: Option<u64>,
        /// Exit after this many seconds.
        #[arg(long)]
        timeout: Option<u64>,
    },
    /// List your conversations, most recent first, with unread counts.
    Conversations {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Mark the conversation with a user read.
    Read {
        /// The other user's name, or a conversation id.
        #[arg(value_name = "USER|CONVERSATION")]
        peer: String,
    },
    /// Set your status.
    Status {
        /// The status.
        status: Status,
        /// A custom status message.
        #[arg(long)]
        message: Option<String>,
    },
    /// Turn privacy mode (no receipts, only the server tick) on or off.
    Privacy {
        /// on or off.
        mode: OnOff,
    },
    /// List directory users with their presence, by display name (every page).
    Who {
        /// Filter by name or display name.
        query: Option<String>,
        /// Only users shown online (available, away or busy).
        #[arg(long)]
        online: bool,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Send whatever the outbox holds and wait for the acks.
    Flush,
    /// List the microphones, speakers and cameras calls can use (the synthetic ones too).
    Devices {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
        /// Keep watching: print the whole list again (as one JSON array per line with --json)
        /// whenever it changes, until interrupted.
        #[arg(long)]
        watch: bool,
    },
    /// Measure a microphone's level (the device test's meter): prints the loudest and the
    /// average level over the time, in dBFS.
    Meter {
        /// The microphone's id (see `devices`) [default: the system default].
        #[arg(long)]
        microphone: Option<String>,
        /// How long to listen.
        #[arg(long, default_value_t = 2.0)]
        seconds: f64,
        /// One JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Call a user (1:1): waits for the answer, talks for --seconds or until they hang up.
    Call {
        /// Who to call.
        #[arg(value_name = "USER")]
        peer: String,
        /// A video call.
        #[arg(long)]
        video: bool,
        #[command(flatten)]
        media: CallArgs,
        /// Which ICE candidates: `all`, or `relay` to go through the server's TURN relay.
        #[arg(long, value_enum, default_value_t = Ice::All)]
        ice: Ice,
    },
    /// Wait for a call, answer it, talk for --seconds or until the caller hangs up.
    Answer {
        /// Only a call from this user.
        #[arg(long)]
        from: Option<String>,
        /// Send video too.
        #[arg(long)]
        video: bool,
        #[command(flatten)]
        media: CallArgs,
        /// Seconds to wait for a call to ring.
        #[arg(long, default_value_t = 120)]
        wait: u64,
    },
    /// Virtual Rooms: create, members and moderators, the join link, leave, delete, list.
    Room {
        #[command(subcommand)]
        action: RoomAction,
        /// Print the result as one JSON object (`list`: one per line).
        #[arg(long, global = true)]
        json: bool,
    },
    /// A room's meeting: start (or join) and leave.
    Meeting {
        #[command(subcommand)]
        action: MeetingAction,
        /// Print the result as one JSON object.
        #[arg(long, global = true)]
        json: bool,
    },
    /// Join a room's meeting by its link as a guest without an account (no --user needed; only
    /// the first --server is used).
    Guest {
        #[command(subcommand)]
        action: GuestAction,
    },
    /// Administer aliases on the server's machine, as `confer-server alias` does (for scripts
    /// run there; no --server or --user needed).
    Alias {
        /// The server's data directory (SQLite).
        #[arg(long, env = "CONFER_DATA", global = true)]
        data: Option<PathBuf>,
        /// The cluster's PostgreSQL URL instead.
        #[arg(long, env = "CONFER_DATABASE", global = true)]
        database: Option<String>,
        #[command(subcommand)]
        action: confer_server::admin::AliasCommand,
    },
    /// Groups: create, invite, join, decline, leave, and the invitations waiting.
    Group {
        #[command(subcommand)]
        action: GroupAction,
        /// Print the result as one JSON object.
        #[arg(long, global = true)]
        json: bool,
    },
    /// Favourites: add, remove, list, and answer others' requests.
    Favourite {
        #[command(subcommand)]
        action: FavouriteAction,
        /// Print the result as one JSON object (`list`: one per line).
        #[arg(long, global = true)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum FavouriteAction {
    /// Add someone to your favourites (a request they answer under the `subscribers` policy).
    Add {
        /// Who.
        #[arg(value_name = "USER")]
        target: String,
    },
    /// Remove someone from your favourites (or withdraw the request).
    Remove {
        /// Who.
        #[arg(value_name = "USER")]
        target: String,
    },
    /// Accept someone's request to add you to their favourites.
    Accept {
        /// Who asked.
        #[arg(value_name = "USER")]
        owner: String,
    },
    /// Decline someone's request to add you to their favourites.
    Decline {
        /// Who asked.
        #[arg(value_name = "USER")]
        owner: String,
    },
    /// Your favourites, then the requests waiting for your answer.
    List,
}

#[derive(Subcommand)]
enum RoomAction {
    /// Create a room (you own it); prints its id.
    Create {
        /// Its name.
        name: String,
    },
    /// Add a member (moderators).
    Add {
        /// The room's id.
        room: u64,
        /// Who.
        #[arg(value_name = "USER")]
        member: String,
    },
    /// Remove a member (moderators; never the owner).
    Remove {
        /// The room's id.
        room: u64,
        /// Who.
        #[arg(value_name = "USER")]
        member: String,
    },
    /// Make a member a moderator (moderators).
    Promote {
        /// The room's id.
        room: u64,
        /// Who.
        #[arg(value_name = "USER")]
        member: String,
    },
    /// Print the join link (moderators).
    Link {
        /// The room's id.
        room: u64,
    },
    /// Replace the join link; the old one stops working at once (moderators).
    RotateLink {
        /// The room's id.
        room: u64,
    },
    /// Turn mute-for-all on or off (moderators).
    MuteAll {
        /// The room's id.
        room: u64,
        /// on or off.
        mode: OnOff,
    },
    /// Start or stop recording the room's meeting (moderators; the server must be started
    /// with --recording). Stopped, the recording is shared in the room as a file.
    Record {
        /// The room's id.
        room: u64,
        /// on or off.
        mode: OnOff,
    },
    /// Mute one participant of the room's meeting (they cannot lift it themselves), or lift
    /// it with --off (moderators).
    Mute {
        /// The room's id.
        room: u64,
        /// The participant's name.
        participant: String,
        /// Lift the mute.
        #[arg(long)]
        off: bool,
    },
    /// Leave a room.
    Leave {
        /// The room's id.
        room: u64,
    },
    /// Delete a room (its owner).
    Delete {
        /// The room's id.
        room: u64,
    },
    /// Put a meeting on a room's calendar (moderators); prints its id.
    Schedule {
        /// The room's id.
        room: u64,
        /// Start, RFC 3339 (2026-12-01T09:30:00+01:00).
        #[arg(long)]
        at: String,
        /// Length in minutes.
        #[arg(long)]
        minutes: u32,
        /// What it is about [default: the room's name].
        #[arg(long)]
        title: Option<String>,
    },
    /// Remove a scheduled meeting (the room's owner).
    Unschedule {
        /// The scheduled meeting's id.
        meeting: u64,
    },
    /// Print a scheduled meeting as an .ics invitation with the room's link (moderators).
    Ics {
        /// The scheduled meeting's id.
        meeting: u64,
    },
    /// Turn the lobby for guests without an account on or off (moderators); off lets in
    /// everyone waiting.
    Lobby {
        /// The room's id.
        room: u64,
        /// on or off.
        mode: OnOff,
    },
    /// Let a guest waiting in the lobby in (moderators); `room list` shows guests' ids.
    Admit {
        /// The room's id.
        room: u64,
        /// The guest's id.
        guest: u64,
    },
    /// Refuse a waiting guest, or send a present one out of the meeting (moderators).
    Dismiss {
        /// The room's id.
        room: u64,
        /// The guest's id.
        guest: u64,
    },
    /// Meetings of your rooms: ongoing (with guests and the lobby), then scheduled.
    List,
    /// Your rooms, with members and moderators.
    Mine,
}

#[derive(Subcommand)]
enum GuestAction {
    /// Join the meeting the link opens under a display name; prints the session as JSON and
    /// exits (which leaves), or with --stay prints every change as a JSON line until
    /// interrupted or until the guest's access ends. With any sound option the guest's sound
    /// joins once admitted (the lobby waits), for --seconds (10 by default), then it leaves;
    /// --json then prints the figures as a last line.
    Join {
        /// The room's link (confer://join/… or the bare token).
        link: String,
        /// The name the others see.
        #[arg(long)]
        name: String,
        /// Stay in the meeting until interrupted (Ctrl-C or SIGTERM leaves it).
        #[arg(long)]
        stay: bool,
        #[command(flatten)]
        media: MeetingMediaArgs,
        /// With sound: print the figures as JSON at the end.
        #[arg(long)]
        json: bool,
    },
}

/// Sound in a meeting (`meeting join`): any of these connects this device's sound to it.
#[derive(clap::Args)]
struct MeetingMediaArgs {
    #[command(flatten)]
    sound: SoundArgs,
    /// Stay this many seconds with sound, then close it (the user stays in the meeting).
    #[arg(long)]
    seconds: Option<u64>,
    /// How many others can be heard at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=32))]
    hear: u64,
    /// Send pictures too (the moving test pattern, 320x180 at 15 fps, or --camera) and
    /// receive up to nine others' (counted per participant in --json).
    #[arg(long)]
    video: bool,
    /// The camera --video sends (see `devices`) [default: the moving test pattern].
    #[arg(long, requires = "video")]
    camera: Option<String>,
}

impl MeetingMediaArgs {
    fn wanted(&self) -> bool {
        self.seconds.is_some() || self.sound.given() || self.video
    }

    /// The sound (and pictures) from the command line.
    fn media(&self) -> Result<confer_core::call::CallMedia, Failure> {
        // A meeting shows several pictures at once: the test pattern is a tile's size.
        call_media(
            &self.sound,
            self.video.then_some(self.camera.as_deref()),
            false,
            (320, 180, 15),
        )
    }
}

#[derive(Subcommand)]
enum MeetingAction {
    /// Join a meeting: by its link (a member joins or starts it, anyone else comes in as a
    /// guest while it is going on) or by the id of a room or group (a member: a group's
    /// meeting is an instant one among its members). With any sound option this
    /// device's sound joins it too, for --seconds (10 by default); --json then prints the
    /// figures at the end.
    Join {
        /// The room's link (confer://join/… or the bare token), or the room's or group's id.
        #[arg(value_name = "ROOM|GROUP|LINK")]
        link: String,
        #[command(flatten)]
        media: MeetingMediaArgs,
    },
    /// Start the meeting of a room or group, or join it when it is going on.
    Start {
        /// The room's or group's id.
        room: u64,
    },
    /// Leave the meeting of a room or group (it ends with its last participant).
    Leave {
        /// The room's or group's id.
        room: u64,
    },
}

#[derive(Subcommand)]
enum GroupAction {
    /// Create a group and invite people (you are its first member); prints its id.
    Create {
        /// Who to invite.
        #[arg(required = true, value_name = "USER")]
        users: Vec<String>,
        /// A name for the group.
        #[arg(long)]
        name: Option<String>,
    },
    /// Invite someone to a group you are in.
    Invite {
        /// The group's id.
        group: u64,
        /// Who (not `user`: that name is the global --user's).
        #[arg(value_name = "USER")]
        invitee: String,
    },
    /// Accept an invitation.
    Join {
        /// The group's id.
        group: u64,
    },
    /// Refuse an invitation.
    Decline {
        /// The group's id.
        group: u64,
    },
    /// Leave a group (the last member out deletes it).
    Leave {
        /// The group's id.
        group: u64,
    },
    /// The invitations waiting for an answer.
    Invitations,
}

#[derive(Clone, Copy, ValueEnum)]
enum Status {
    Available,
    Away,
    Dnd,
    Offline,
}

#[derive(Clone, Copy, ValueEnum)]
enum OnOff {
    On,
    Off,
}

/// The `--server` list, in the order the servers are tried.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Servers(Vec<String>);

fn parse_servers(text: &str) -> Result<Servers, CoreError> {
    confer_core::parse_servers(text).map(Servers)
}

/// A failure with its exit code.
struct Failure(u8, String);

impl From<CoreError> for Failure {
    fn from(e: CoreError) -> Self {
        let code = match &e {
            CoreError::AuthFailed(_) => 3,
            CoreError::Unreachable(_) | CoreError::Offline | CoreError::Timeout => 4,
            CoreError::Refused(_) | CoreError::NotFound(_) => 5,
            CoreError::Invalid(_) => 2,
            _ => 1,
        };
        let t = text::current();
        let message = match &e {
            CoreError::Refused(body) => confer_core::i18n::refusal(text::lang(), body),
            CoreError::Offline => (t.unreachable)(t.not_connected),
            CoreError::Timeout => (t.unreachable)(t.no_answer_in_time),
            // The core's own sentences in the user's language; a technical detail (a system
            // or library error inside them) as it came.
            CoreError::Unreachable(t)
            | CoreError::AuthFailed(t)
            | CoreError::Invalid(t)
            | CoreError::NotFound(t) => t.in_lang(text::lang()),
            _ => e.to_string(),
        };
        Failure(code, message)
    }
}

/// Prints a line for people. Other users' text (message bodies, names written before the
/// server refused such characters) can hold terminal escapes or direction overrides; they are
/// shown as `\u{…}` so that they can neither drive the terminal nor disguise the line.
macro_rules! say {
    ($($arg:tt)*) => {
        println!("{}", shown(&format!($($arg)*)))
    };
}

/// The text with control characters (but tabs and newlines), direction controls and invisible
/// characters written as `\u{…}`.
fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(
                c,
                '\u{00AD}'
                    | '\u{061C}'
                    | '\u{180E}'
                    | '\u{200B}'..='\u{200F}'
                    | '\u{2028}'..='\u{202E}'
                    | '\u{2060}'..='\u{206F}'
                    | '\u{FEFF}'
            )
    };
    if !text.chars().any(hidden) {
        return text.into();
    }
    text.chars()
        .map(|c| {
            if hidden(c) {
                format!("\\u{{{:x}}}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

fn main() -> ExitCode {
    use std::io::IsTerminal;
    // Colours only for a person at a terminal: scripts and logs get plain lines.
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CONFER_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .init();
    let cli = Cli::parse();
    text::set_lang(cli.lang.unwrap_or_else(Lang::from_env));
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!(
                "confer-cli: {}",
                (text::current().cannot_start)(&e.to_string())
            );
            return ExitCode::from(1);
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(code, message)) => {
            let message = message.trim_end_matches('.');
            eprintln!("confer-cli: {message}.");
            ExitCode::from(code)
        }
    }
}

fn usage(message: impl Into<String>) -> Failure {
    Failure(2, message.into())
}

fn password(cli: &Cli) -> Result<Option<String>, Failure> {
    if cli.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure(1, (text::current().cannot_read_password)(&e.to_string())))?;
        return Ok(Some(line.trim_end_matches(['\r', '\n']).to_owned()));
    }
    Ok(std::env::var("CONFER_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty()))
}

fn profile_dir(cli: &Cli, user: &str) -> Result<PathBuf, Failure> {
    if let Some(p) = &cli.profile {
        return Ok(p.clone());
    }
    let base = dirs::data_dir().ok_or_else(|| usage(text::current().no_data_dir))?;
    // Named after the first server, as before lists: a profile made with one keeps its place.
    let url = confer_core::ws_url(&cli.servers.0[0]);
    let host: String = url
        .split("://")
        .nth(1)
        .unwrap_or(&url)
        .trim_end_matches("/v1/ws")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok(base.join("confer").join(format!("{user}@{host}")))
}

/// `confer-cli alias …`: the server's own alias commands on its store.
fn alias_admin(
    data: Option<&std::path::Path>,
    database: Option<&str>,
    command: &confer_server::admin::AliasCommand,
) -> Result<(), Failure> {
    use confer_server::{
        ServerError,
        admin::{self, Location},
        store::StoreError,
    };
    let at = match (data, database) {
        (_, Some(url)) => Location::Postgres {
            url: url.to_owned(),
            node: "confer-cli".to_owned(),
        },
        (Some(dir), None) => Location::Dir(dir.to_owned()),
        (None, None) => return Err(usage(text::current().alias_needs_store)),
    };
    match admin::alias_command(at, command) {
        Ok(lines) => {
            for line in lines {
                say!("{line}");
            }
            Ok(())
        }
        // A refusal (no such alias or user, a name taken) exits like a server refusal.
        Err(
            e @ ServerError::Store(
                StoreError::NotFound(_)
                | StoreError::Conflict(_)
                | StoreError::Invalid(_)
                | StoreError::Forbidden(_),
            ),
        ) => Err(Failure(5, e.to_string())),
        Err(e) => Err(Failure(1, e.to_string())),
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    if let Command::Alias {
        data,
        database,
        action,
    } = &cli.command
    {
        return alias_admin(data.as_deref(), database.as_deref(), action);
    }
    // Devices need no account.
    match &cli.command {
        Command::Devices { json, watch: false } => return list_devices(*json),
        Command::Devices { json, watch: true } => return watch_devices(*json).await,
        Command::Meter {
            microphone,
            seconds,
            json,
        } => return meter(microphone.as_deref(), *seconds, *json).await,
        _ => {}
    }
    if let Command::Guest {
        action:
            GuestAction::Join {
                link,
                name,
                stay,
                media,
                json,
            },
    } = &cli.command
    {
        let timeout = Duration::from_secs(cli.connect_timeout.max(1));
        // A guest session is short and holds no cursor to resume: the first server only.
        let server = &cli.servers.0[0];
        if media.wanted() {
            return guest_with_sound(server, link, name, media, *json, timeout).await;
        }
        return guest_join(server, link, name, *stay, timeout).await;
    }
    let user = cli
        .user
        .clone()
        .ok_or_else(|| usage(text::current().give_user))?;
    let text = match &cli.command {
        Command::Send { text, .. } | Command::Edit { text, .. } | Command::Reply { text, .. }
            if text == "-" =>
        {
            let mut all = String::new();
            for line in std::io::stdin().lock().lines() {
                let line = line
                    .map_err(|e| Failure(1, (text::current().cannot_read_stdin)(&e.to_string())))?;
                if !all.is_empty() {
                    all.push('\n');
                }
                all.push_str(&line);
            }
            Some(all)
        }
        _ => None,
    };
    let config = ClientConfig {
        servers: cli.servers.0.clone(),
        user: user.clone(),
        password: password(&cli)?,
        profile: profile_dir(&cli, &user)?,
        device: "confer-cli".into(),
        connect_timeout: Duration::from_secs(cli.connect_timeout.max(1)),
        // CONFER_CREDENTIALS=file keeps the token out of the OS keyring (kiosks, tests).
        use_keyring: std::env::var("CONFER_CREDENTIALS").map_or(true, |v| v != "file"),
        heartbeat: confer_core::connection::HEARTBEAT,
    };
    let timeout = Duration::from_secs(cli.connect_timeout.max(1));
    let client = Client::open(config, true)?;
    let result = command(&client, cli.command, text, timeout).await;
    client.close().await;
    result
}

/// One `who` line: name, display name, status, message (tab-separated), or the entry as JSON.
fn print_entry(entry: &confer_proto::DirectoryEntry, json: bool) {
    if json {
        println!(
            "{}",
            serde_json::to_string(entry).expect("entries serialise")
        );
        return;
    }
    let status = entry.presence.as_ref().map_or("unknown".to_owned(), |p| {
        serde_json::to_value(p.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    });
    let message = entry
        .presence
        .as_ref()
        .and_then(|p| p.message.clone())
        .unwrap_or_default();
    say!(
        "{}\t{}\t{}\t{}",
        entry.user.name,
        entry.user.display_name,
        status,
        message
    );
}

/// `devices`: the real devices (defaults first), then the synthetic ones.
fn list_devices(json: bool) -> Result<(), Failure> {
    let mut all = confer_media::hardware::devices();
    all.extend(confer_media::camera::cameras());
    all.extend(confer_media::synthetic::devices());
    for d in all {
        let kind = device_kind(d.kind);
        if json {
            let value = serde_json::json!({
                "id": d.id, "name": d.name, "kind": kind, "synthetic": d.synthetic,
            });
            say!("{value}");
        } else {
            say!("{kind}\t{}\t{}", d.id, d.name);
        }
    }
    Ok(())
}

/// `devices --watch`: the list at start and at every change (hot-plug), until interrupted.
async fn watch_devices(json: bool) -> Result<(), Failure> {
    let _watch = confer_core::phone::DeviceWatch::start(Duration::from_secs(1), move |list| {
        if json {
            say!(
                "{}",
                serde_json::to_string(list).expect("device entries serialise")
            );
        } else {
            for d in list {
                say!("{}\t{}\t{}", d.kind, d.id, d.name);
            }
            say!("");
        }
    });
    let _ = tokio::signal::ctrl_c().await;
    Ok(())
}

/// `meter`: listens to a microphone through the device test's level meter.
async fn meter(microphone: Option<&str>, seconds: f64, json: bool) -> Result<(), Failure> {
    use confer_media::AudioSource;
    if !(0.1..=600.0).contains(&seconds) {
        return Err(usage(text::current().meter_seconds));
    }
    let mut mic = confer_media::hardware::open_microphone(microphone)
        .map_err(|e| Failure(1, format!("{e}.")))?;
    let mut meter = confer_media::meter::LevelMeter::new(mic.sample_rate(), mic.channels());
    let (mut peak, mut rms_sum, mut windows) = (confer_media::meter::FLOOR_DB, 0.0f64, 0u32);
    let mut buf = vec![0.0f32; 960 * usize::from(mic.channels())];
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let end = tokio::time::Instant::now() + Duration::from_secs_f64(seconds);
    while tokio::time::Instant::now() < end {
        tick.tick().await;
        let n = mic
            .read(&mut buf)
            .map_err(|e| Failure(1, format!("{e}.")))?;
        for level in meter.feed(&buf[..n]) {
            peak = peak.max(level.peak_db);
            rms_sum += f64::from(level.rms_db);
            windows += 1;
        }
    }
    let average = if windows == 0 {
        confer_media::meter::FLOOR_DB
    } else {
        (rms_sum / f64::from(windows)) as f32
    };
    if json {
        say!(
            "{}",
            serde_json::json!({ "peak_db": peak, "rms_db": average })
        );
    } else {
        say!("{}", (text::current().meter_levels)(peak, average));
    }
    Ok(())
}

/// The source and sink of a call from the command line: a WAV file or a tone (no sound card
/// is needed), a WAV recording or nothing.
/// `video`: none for sound only, else the camera named on the command line (or none named).
/// The test pattern a video call sends without --camera: width, height, frame rate.
const CALL_PATTERN: (u32, u32, u32) = (640, 360, 30);

/// `pattern`: the test pattern's width, height and frame rate.
fn call_media(
    args: &SoundArgs,
    video: Option<Option<&str>>,
    relay_only: bool,
    pattern: (u32, u32, u32),
) -> Result<confer_core::call::CallMedia, Failure> {
    use confer_media::synthetic::{ToneSource, WavSink, WavSource};
    let bad = |e: confer_media::MediaError| Failure(2, e.to_string());
    use confer_media::hardware;
    // A device named on the command line must open; the default one may be missing.
    let source: Box<dyn confer_media::AudioSource> = match (&args.send_audio, &args.microphone) {
        (Some(path), _) => Box::new(WavSource::open(path, false).map_err(bad)?),
        (None, Some(id)) => Box::new(hardware::open_microphone(Some(id)).map_err(bad)?),
        (None, None) => match hardware::available()
            .then(|| hardware::open_microphone(None))
            .and_then(Result::ok)
        {
            Some(mic) => Box::new(mic),
            None => Box::new(ToneSource::new(440.0, 0.3).map_err(bad)?),
        },
    };
    let sink: Box<dyn confer_media::AudioSink> = match (&args.record, &args.speaker) {
        (Some(path), _) => Box::new(WavSink::create(path.clone(), confer_media::SAMPLE_RATE, 1)),
        (None, Some(id)) => Box::new(hardware::open_speaker(Some(id)).map_err(bad)?),
        (None, None) => match hardware::available()
            .then(|| hardware::open_speaker(None))
            .and_then(Result::ok)
        {
            Some(speaker) => Box::new(speaker),
            None => Box::new(confer_media::synthetic::NullSink),
        },
    };
    // A camera named on the command line must open; without one a video call sends the moving
    // test pattern, whose frame counter the other side can check.
    let camera: Option<Box<dyn confer_media::VideoSource>> = match video {
        None => None,
        Some(Some(id)) => Some(Box::new(
            confer_media::camera::open_camera(Some(id)).map_err(bad)?,
        )),
        Some(None) => Some(Box::new(
            confer_media::synthetic::PatternCamera::new(pattern.0, pattern.1, pattern.2)
                .map_err(bad)?,
        )),
    };
    Ok(confer_core::call::CallMedia {
        source,
        sink,
        camera,
        view: None,
        relay_only,
        original_sound: args.original_sound,
    })
}

/// Talks for `seconds` (or until the other side hangs up), saying on stderr when the call is
/// up (scripts wait for that line) and when a device is unplugged and what replaced it.
async fn talk(
    call: &mut confer_core::call::ActiveCall,
    seconds: u64,
) -> Vec<confer_media::peer::DeviceNotice> {
    let mut notices = call.device_notices();
    let mut changes = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    // machine-read by scripts: not translated
    eprintln!("call connected");
    while call.ended_by_peer().is_none() {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            break;
        }
        tokio::select! {
            () = call.talk(left) => {}
            Ok(notice) = notices.recv() => {
                let t = text::current();
                match &notice.now {
                    Some(now) => {
                        eprintln!("{}", (t.device_switched)(notice.kind, &notice.lost, now));
                    }
                    None => eprintln!("{}", (t.device_gone)(notice.kind, &notice.lost)),
                }
                changes.push(notice);
            }
        }
    }
    changes
}

fn device_kind(kind: confer_media::DeviceKind) -> &'static str {
    match kind {
        confer_media::DeviceKind::Microphone => "microphone",
        confer_media::DeviceKind::Speaker => "speaker",
        confer_media::DeviceKind::Camera => "camera",
    }
}

/// Prints a call's figures: one JSON object with `--json`, else a line for people.
fn report_call(
    report: confer_core::call::CallReport,
    changes: &[confer_media::peer::DeviceNotice],
    json: bool,
) {
    let m = &report.media;
    if json {
        let value = serde_json::json!({
            "setup_ms": report.setup_ms,
            "packets_sent": m.packets_sent,
            "packets_received": m.packets_received,
            "packets_lost": m.packets_lost,
            "jitter_ms": m.jitter_ms,
            "rtt_ms": m.rtt_ms,
            "candidate_type": m.candidate_type,
            "video_frames_sent": m.video_frames_sent,
            "video_frames_received": m.video_frames_received,
            "video_frames_decoded": m.video_frames_decoded,
            "ended_by_peer": report.ended_by_peer,
            "video_sent_size": m.video_sent_size,
            "video_received_size": m.video_received_size,
            "video_kbps": m.video_kbps,
            "device_changes": changes
                .iter()
                .map(|c| serde_json::json!({
                    "kind": device_kind(c.kind),
                    "lost": c.lost,
                    "now": c.now,
                }))
                .collect::<Vec<_>>(),
        });
        say!("{value}");
    } else {
        let setup_ms = report.setup_ms.map_or("?".into(), |v| v.to_string());
        say!(
            "{}",
            (text::current().call_over)(
                m.packets_sent,
                m.packets_received,
                m.packets_lost,
                &setup_ms,
                m.candidate_type.as_deref().unwrap_or("?"),
            )
        );
    }
}

/// A message reference (see `Client::message_ref`); one not cached is looked for again once
/// the client caught up with the server.
async fn find_message(
    client: &Client,
    reference: &str,
    no_wait: bool,
    timeout: Duration,
) -> Result<i64, Failure> {
    // Caught up first when the command waits for the server anyway: a catch-up page still in
    // flight would otherwise land after the change was acknowledged and show the message as
    // it was before it (until the change's own event arrives).
    if !no_wait {
        online(client, timeout).await?;
    }
    match client.message_ref(reference).await {
        Ok(id) => Ok(id),
        // Not cached yet (a new profile): the catch-up brings it.
        Err(CoreError::Offline | CoreError::NotFound(_)) => {
            online(client, timeout).await?;
            Ok(client.message_ref(reference).await?)
        }
        Err(e) => Err(e.into()),
    }
}

/// What a message command prints: the message's id, or with `--json` the message as the
/// local cache holds it once the command is done (`fallback` when it is gone from it).
async fn print_result(
    client: &Client,
    local_id: i64,
    fallback: &str,
    json: bool,
) -> Result<(), Failure> {
    let shown = client.message(local_id).await?;
    match shown {
        Some(m) if json => println!("{}", message_json(&m)),
        Some(m) => println!("{}", m.client_id),
        None if json => println!("{}", serde_json::json!({ "id": fallback })),
        None => println!("{fallback}"),
    }
    Ok(())
}

/// Waits for a queued edit, deletion or reaction unless told not to.
async fn finish_op(
    client: &Client,
    op: Option<i64>,
    no_wait: bool,
    timeout: Duration,
) -> Result<(), Failure> {
    let Some(op) = op else {
        // Applied in place to a message still in the outbox.
        return Ok(());
    };
    if no_wait {
        return Ok(());
    }
    client.wait_op(op, timeout).await.map_err(|e| match e {
        CoreError::Timeout => Failure(4, text::current().change_queued.into()),
        other => other.into(),
    })
}

/// A byte rate: "500000", "500k", "50M", "1G" (powers of 1000).
fn parse_rate(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c.to_ascii_lowercase()),
        _ => (text, ' '),
    };
    let factor: u64 = match unit {
        ' ' => 1,
        'k' => 1000,
        'm' => 1000 * 1000,
        'g' => 1000 * 1000 * 1000,
        _ => return Err(format!("{text}: give bytes per second, like 500k or 50M")),
    };
    digits
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .and_then(|n| n.checked_mul(factor))
        .ok_or_else(|| format!("{text}: give bytes per second, like 500k or 50M"))
}

async fn online(client: &Client, timeout: Duration) -> Result<(), Failure> {
    client.wait_synced(timeout).await?;
    Ok(())
}

async fn command(
    client: &Client,
    command: Command,
    stdin_text: Option<String>,
    timeout: Duration,
) -> Result<(), Failure> {
    match command {
        Command::Call {
            peer,
            video,
            media,
            ice,
        } => {
            online(client, timeout).await?;
            let conversation = client.conversation_for(&peer).await?;
            let camera = video.then_some(media.camera.as_deref());
            let call_media = call_media(&media.sound, camera, ice == Ice::Relay, CALL_PATTERN)?;
            let mut call = client.call(conversation, video, call_media).await?;
            let changes = talk(&mut call, media.seconds).await;
            report_call(call.finish(client).await?, &changes, media.json);
            Ok(())
        }
        Command::Answer {
            from,
            video,
            media,
            wait,
        } => {
            online(client, timeout).await?;
            // Scripts (and tests) wait for this line before they place the call.
            // machine-read by scripts: not translated
            eprintln!("waiting for a call");
            let ringing = client
                .next_ringing(from.as_deref(), Duration::from_secs(wait))
                .await
                .map_err(|e| match e {
                    CoreError::Timeout => Failure(1, (text::current().no_call_rang)(wait)),
                    e => e.into(),
                })?;
            // Pictures go out only in a video call, and only when asked for.
            let camera = (video && ringing.video).then_some(media.camera.as_deref());
            let call_media = call_media(&media.sound, camera, false, CALL_PATTERN)?;
            let mut call = client.accept(ringing, call_media).await?;
            let changes = talk(&mut call, media.seconds).await;
            report_call(call.finish(client).await?, &changes, media.json);
            Ok(())
        }
        Command::Send {
            peer: user,
            text,
            no_wait,
            json,
        } => {
            let text = stdin_text.unwrap_or(text);
            let conversation = match client.conversation_for(&user).await {
                Ok(c) => c,
                Err(CoreError::Offline) if !no_wait => {
                    online(client, timeout).await?;
                    client.conversation_for(&user).await?
                }
                Err(e) => return Err(e.into()),
            };
            let message = client.send(conversation, &text).await?;
            if !no_wait {
                client
                    .wait_sent(message.local_id, timeout)
                    .await
                    .map_err(|e| match e {
                        CoreError::Timeout => Failure(4, text::current().message_queued.into()),
                        other => other.into(),
                    })?;
            }
            print_result(client, message.local_id, &message.client_id, json).await
        }
        Command::Edit {
            message,
            text,
            no_wait,
            json,
        } => {
            let text = stdin_text.unwrap_or(text);
            let local_id = find_message(client, &message, no_wait, timeout).await?;
            let op = client.edit(local_id, &text).await?;
            finish_op(client, op, no_wait, timeout).await?;
            print_result(client, local_id, &message, json).await
        }
        Command::Delete {
            message,
            no_wait,
            json,
        } => {
            let local_id = find_message(client, &message, no_wait, timeout).await?;
            let op = client.delete(local_id).await?;
            finish_op(client, op, no_wait, timeout).await?;
            if json {
                print_result(client, local_id, &message, json).await?;
            }
            Ok(())
        }
        Command::React {
            message,
            emoji,
            remove,
            no_wait,
            json,
        } => {
            let local_id = find_message(client, &message, no_wait, timeout).await?;
            let op = client.react(local_id, &emoji, !remove).await?;
            finish_op(client, Some(op), no_wait, timeout).await?;
            if json {
                print_result(client, local_id, &message, json).await?;
            }
            Ok(())
        }
        Command::Reply {
            message,
            text,
            no_wait,
            json,
        } => {
            let text = stdin_text.unwrap_or(text);
            let local_id = find_message(client, &message, no_wait, timeout).await?;
            let original = client
                .message(local_id)
                .await?
                .ok_or_else(|| Failure(5, (text::current().no_such_message)(&message)))?;
            let Some(seq) = original.seq else {
                return Err(Failure(5, text::current().reply_to_unsent.into()));
            };
            let sent = client
                .send_reply(original.conversation, &text, Some(seq))
                .await?;
            if !no_wait {
                client.wait_sent(sent.local_id, timeout).await?;
            }
            print_result(client, sent.local_id, &sent.client_id, json).await
        }
        Command::Search {
            query,
            conversation,
            limit,
            local: true,
            json,
        } => {
            let conversation = match conversation {
                Some(c) => Some(client.conversation_for(&c).await?),
                None => None,
            };
            for m in client
                .search_local(&query, conversation, limit.clamp(1, 1000))
                .await?
            {
                print_message(&m, json);
            }
            Ok(())
        }
        Command::Search {
            query,
            conversation,
            limit,
            json,
            ..
        } => {
            online(client, timeout).await?;
            let conversation = match conversation {
                Some(c) => Some(client.conversation_for(&c).await?),
                None => None,
            };
            let (found, _) = client
                .search(&query, conversation, Some(limit.clamp(1, 100)), None)
                .await?;
            for m in &found {
                if json {
                    println!("{}", wire_message_json(m));
                } else {
                    say!(
                        "{} {}#{} {}: {}",
                        format_time(m.sent_at),
                        m.conversation,
                        m.seq,
                        m.sender,
                        m.text.replace('\n', "\n    ")
                    );
                }
            }
            Ok(())
        }
        Command::Upload {
            peer,
            file,
            json,
            limit_rate,
        } => {
            online(client, timeout).await?;
            let conversation = client.conversation_for(&peer).await?;
            let state = client
                .upload_file(conversation, &file, None, limit_rate)
                .await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string(&state).expect("an upload serialises")
                );
            } else {
                println!("{}", state.id);
            }
            if let Some(why) = &state.thumbnail_error {
                let why = confer_core::i18n::reason(text::lang(), why);
                eprintln!("{}", (text::current().no_thumbnail)(&why));
            }
            Ok(())
        }
        Command::Download {
            file,
            output,
            thumbnail,
        } => {
            online(client, timeout).await?;
            let here = PathBuf::from(".");
            let to = match &output {
                Some(path) => confer_core::files::DownloadTo::Path(path),
                None => confer_core::files::DownloadTo::Folder(&here),
            };
            let (path, _) = client.download_file(&file, thumbnail, to).await?;
            say!("{}", path.display());
            Ok(())
        }
        Command::MailHistory {
            peer,
            address,
            utc_offset,
        } => {
            online(client, timeout).await?;
            let conversation = client.conversation_for(&peer).await?;
            let offset = utc_offset.unwrap_or_else(local_utc_offset);
            client
                .mail_history(conversation, &address, text::lang(), offset)
                .await?;
            say!("{}", (text::current().history_mailed)(address.trim()));
            Ok(())
        }
        Command::Files { peer, json } => {
            online(client, timeout).await?;
            let conversation = client.conversation_for(&peer).await?;
            let files = client.shared_files(conversation).await?;
            if files.is_empty() && !json {
                eprintln!("{}", text::current().no_files);
            }
            for f in files {
                if json {
                    println!("{}", serde_json::to_string(&f).expect("a file serialises"));
                } else {
                    say!(
                        "{}\t{}\t{}\t{}\t{}\t{}",
                        f.file.id,
                        f.file.name,
                        f.file.size,
                        f.file.mime,
                        f.sender,
                        format_time(f.sent_at)
                    );
                }
            }
            Ok(())
        }
        Command::History {
            peer: user,
            limit,
            json,
        } => {
            if limit == 0 {
                return Err(usage(text::current().limit_at_least_one));
            }
            // Catch up when the server answers; otherwise show what the cache holds.
            if let Err(e) = client
                .wait_synced(timeout.min(Duration::from_secs(5)))
                .await
            {
                if matches!(e, CoreError::AuthFailed(_)) {
                    return Err(e.into());
                }
                tracing::warn!("showing cached history: {e}");
            }
            let conversation = client.conversation_for(&user).await.map_err(|e| match e {
                CoreError::Offline => Failure(4, (text::current().no_cached_conversation)(&user)),
                other => other.into(),
            })?;
            for m in client.history(conversation, None, limit).await? {
                print_message(&m, json);
            }
            Ok(())
        }
        Command::Follow {
            json,
            count,
            timeout: limit,
        } => {
            let mut rx = client.subscribe();
            online(client, timeout).await?;
            // What the catch-up replayed is history, not news: skip it.
            while let Ok(event) = rx.try_recv() {
                if matches!(event, ClientEvent::Synced { .. }) {
                    break;
                }
            }
            // machine-read by scripts: not translated
            eprintln!("following as {}", client.me());
            let deadline = limit.map(|s| tokio::time::Instant::now() + Duration::from_secs(s));
            let mut messages = 0u64;
            if count == Some(0) {
                return Ok(());
            }
            loop {
                let next = async { rx.recv().await };
                let event = match deadline {
                    Some(d) => match tokio::time::timeout_at(d, next).await {
                        Ok(e) => e,
                        Err(_) => return Ok(()),
                    },
                    None => next.await,
                };
                let event = match event {
                    Ok(e) => e,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!("skipped {n} events");
                        continue;
                    }
                    Err(_) => return Err(Failure(4, text::current().connection_ended.into())),
                };
                if print_event(&event, json) && matches!(event, ClientEvent::Message { .. }) {
                    messages += 1;
                    if count.is_some_and(|c| messages >= c) {
                        return Ok(());
                    }
                }
            }
        }
        Command::Conversations { json } => {
            online(client, timeout).await?;
            for c in client.conversations().await? {
                let kind = serde_json::to_value(c.info.kind).expect("kinds serialise");
                let kind = kind.as_str().unwrap_or_default();
                let others: Vec<&str> = c
                    .info
                    .members
                    .iter()
                    .map(String::as_str)
                    .filter(|m| *m != client.me())
                    .collect();
                if json {
                    println!(
                        "{}",
                        serde_json::json!({
                            "conversation": c.info.id,
                            "kind": kind,
                            "name": c.info.name,
                            "members": c.info.members,
                            "unread": c.unread,
                            "muted": c.muted,
                            "last_message": c.last_message.as_ref().map(message_json),
                        })
                    );
                } else {
                    let t = text::current();
                    let title = c.info.name.clone().unwrap_or_else(|| others.join(", "));
                    let last = c
                        .last_message
                        .as_ref()
                        .map(|m| match m.kind {
                            confer_proto::MessageKind::Joined => (t.joined)(&m.sender),
                            confer_proto::MessageKind::Left => (t.left)(&m.sender),
                            _ => format!("{}: {}", m.sender, m.text.replace('\n', " ")),
                        })
                        .unwrap_or_default();
                    say!(
                        "{}\t{kind}\t{title}\t{}\t{last}",
                        c.info.id,
                        (t.unread)(c.unread)
                    );
                }
            }
            Ok(())
        }
        Command::Read { peer: user } => {
            online(client, timeout).await?;
            let conversation = client.conversation_for(&user).await?;
            client.mark_read(conversation, None).await?;
            Ok(())
        }
        Command::Status { status, message } => {
            online(client, timeout).await?;
            let status = match status {
                Status::Available => PresenceChoice::Available,
                Status::Away => PresenceChoice::Away,
                Status::Dnd => PresenceChoice::Dnd,
                Status::Offline => PresenceChoice::Offline,
            };
            client.set_status(status, message).await?;
            Ok(())
        }
        Command::Privacy { mode } => {
            online(client, timeout).await?;
            client.set_privacy(matches!(mode, OnOff::On)).await?;
            Ok(())
        }
        Command::Who {
            query,
            online: online_only,
            json,
        } => {
            online(client, timeout).await?;
            let query = query.as_deref().unwrap_or("");
            let mut after = None;
            loop {
                let page = client
                    .directory(query, after.take(), online_only, Some(100))
                    .await?;
                for entry in &page.users {
                    print_entry(entry, json);
                }
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            Ok(())
        }
        Command::Flush => {
            let before = client.outbox_len().await?;
            online(client, timeout).await?;
            // A long outbox drains at the server's request rate: allow for it.
            let drain = timeout + Duration::from_millis(20 * before as u64);
            client.flush(drain).await.map_err(|e| match e {
                CoreError::Timeout => Failure(4, text::current().outbox_not_emptied.into()),
                other => other.into(),
            })?;
            eprintln!("{}", (text::current().sent_queued)(before));
            Ok(())
        }
        Command::Group { action, json } => {
            online(client, timeout).await?;
            group(client, action, json).await
        }
        Command::Favourite { action, json } => {
            online(client, timeout).await?;
            favourite(client, action, json).await
        }
        Command::Guest { .. } => unreachable!("guests run without an account"),
        Command::Alias { .. } => unreachable!("alias administration needs no account"),
        Command::Devices { .. } | Command::Meter { .. } => unreachable!("devices need no account"),
        Command::Room { action, json } => {
            online(client, timeout).await?;
            room(client, action, json).await
        }
        Command::Meeting { action, json } => {
            online(client, timeout).await?;
            let (verb, conversation) = match action {
                MeetingAction::Join { link, media } if media.wanted() => {
                    let conversation = match link.parse::<u64>() {
                        Ok(room) => {
                            client.start_meeting(room).await?;
                            room
                        }
                        Err(_) => client.join_by_link(&link).await?.conversation,
                    };
                    return meeting_with_sound(client, conversation, media, json).await;
                }
                MeetingAction::Join { link, .. } if link.parse::<u64>().is_ok() => {
                    let room = link.parse::<u64>().expect("checked");
                    client.start_meeting(room).await?;
                    ("started", room)
                }
                MeetingAction::Join { link, .. } => {
                    let session = client.join_by_link(&link).await?;
                    if json {
                        println!(
                            "{}",
                            serde_json::to_string(&session).expect("sessions serialise")
                        );
                    } else {
                        let role = match session.role {
                            confer_proto::MeetingRole::Member => "member",
                            _ => "guest",
                        };
                        say!("{}\t{}\t{role}", session.conversation, session.room);
                    }
                    return Ok(());
                }
                MeetingAction::Start { room } => {
                    client.start_meeting(room).await?;
                    ("started", room)
                }
                MeetingAction::Leave { room } => {
                    client.leave_meeting(room).await?;
                    ("left", room)
                }
            };
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "result": verb, "conversation": conversation })
                );
            }
            Ok(())
        }
    }
}

/// `meeting join` with sound: connects, stays --seconds (or until the server closes this
/// device's sound: removed, or the meeting left from elsewhere), prints the figures.
async fn meeting_with_sound(
    client: &Client,
    conversation: u64,
    media: MeetingMediaArgs,
    json: bool,
) -> Result<(), Failure> {
    let seconds = media.seconds.unwrap_or(10);
    let sound = media.media()?;
    let meeting = client
        .join_meeting_media(conversation, sound, media.hear as usize)
        .await?;
    // machine-read by scripts: not translated
    eprintln!("meeting connected");
    let closed = meeting.closed_within(Duration::from_secs(seconds)).await;
    let report = meeting.finish().await?;
    if json {
        // Who is who, from the meeting as it is now (someone who left is shown by number).
        let names = match client.meetings().await {
            Ok((ongoing, _)) => ongoing
                .iter()
                .find(|m| m.conversation == conversation)
                .map(confer_core::meeting::source_names)
                .unwrap_or_default(),
            Err(_) => Default::default(),
        };
        print_meeting_report(conversation, closed, &report, &names);
    }
    Ok(())
}

/// The figures of a meeting's sound, as one JSON line.
fn print_meeting_report(
    conversation: u64,
    closed: bool,
    report: &confer_core::meeting::MeetingReport,
    names: &std::collections::HashMap<u32, String>,
) {
    let m = &report.media;
    let participants: Vec<_> = m
        .sources
        .iter()
        .map(|s| {
            serde_json::json!({
                "source": s.source,
                "name": names.get(&s.source),
                "audio_packets": s.audio_packets,
                "level": s.level,
                "speaking": s.speaking,
                "video_frames": s.video_frames,
                "video_size": s.video_size,
            })
        })
        .collect();
    println!(
        "{}",
        serde_json::json!({
            "conversation": conversation,
            "join_ms": report.join_ms,
            "packets_sent": m.packets_sent,
            "packets_received": m.packets_received,
            "packets_lost": m.packets_lost,
            "jitter_ms": m.jitter_ms,
            "video_frames_sent": m.video_frames_sent,
            "video_frames_decoded": m.video_frames_decoded,
            "closed_by_server": closed,
            "participants": participants,
        })
    );
}

/// `guest join` with sound: waits in the lobby if there is one (printing each change of the
/// session as `guest join --stay` does), connects once admitted, stays --seconds (or until the
/// server closes it), prints the figures, leaves.
async fn guest_with_sound(
    server: &str,
    link: &str,
    name: &str,
    media: &MeetingMediaArgs,
    json: bool,
    timeout: Duration,
) -> Result<(), Failure> {
    use confer_core::guest::{GuestClient, GuestUpdate};
    let sound = media.media()?;
    let mut guest = GuestClient::join(server, link, name, timeout).await?;
    println!(
        "{}",
        serde_json::to_string(guest.session()).expect("sessions serialise")
    );
    while !guest.session().admitted {
        match guest.next_update().await {
            Some(GuestUpdate::Session(session)) => {
                println!(
                    "{}",
                    serde_json::to_string(&session).expect("sessions serialise")
                );
            }
            Some(GuestUpdate::Ended { code, reason }) => {
                let words = confer_core::i18n::reason(text::lang(), &reason);
                println!(
                    "{}",
                    serde_json::json!({ "ended": code, "reason": reason, "text": words })
                );
                return Ok(());
            }
            Some(GuestUpdate::Lost) | None => {
                let words = text::current().connection_lost;
                println!(
                    "{}",
                    serde_json::json!({ "ended": "connection_lost", "text": words })
                );
                return Ok(());
            }
        }
    }
    let conversation = guest.session().conversation;
    let meeting = guest.join_meeting_media(sound, media.hear as usize).await?;
    // machine-read by scripts: not translated
    eprintln!("meeting connected");
    let closed = meeting
        .closed_within(Duration::from_secs(media.seconds.unwrap_or(10)))
        .await;
    let report = meeting.finish().await?;
    if json {
        let names = guest
            .session()
            .meeting
            .as_ref()
            .map(confer_core::meeting::source_names)
            .unwrap_or_default();
        print_meeting_report(conversation, closed, &report, &names);
    }
    Ok(guest.leave().await?)
}

/// `guest join`: an external guest's session, printed as JSON lines.
async fn guest_join(
    server: &str,
    link: &str,
    name: &str,
    stay: bool,
    timeout: Duration,
) -> Result<(), Failure> {
    use confer_core::guest::{GuestClient, GuestUpdate};
    let mut guest = GuestClient::join(server, link, name, timeout).await?;
    println!(
        "{}",
        serde_json::to_string(guest.session()).expect("sessions serialise")
    );
    if !stay {
        return Ok(guest.leave().await?);
    }
    let interrupted = interrupted();
    tokio::pin!(interrupted);
    loop {
        tokio::select! {
            update = guest.next_update() => match update {
                Some(GuestUpdate::Session(session)) => {
                    println!("{}", serde_json::to_string(&session).expect("sessions serialise"));
                }
                Some(GuestUpdate::Ended { code, reason }) => {
                    // The typed reason for scripts, and its sentence for people.
                    let words = confer_core::i18n::reason(text::lang(), &reason);
                    println!("{}", serde_json::json!({ "ended": code, "reason": reason, "text": words }));
                    return Ok(());
                }
                Some(GuestUpdate::Lost) => {
                    let words = text::current().connection_lost;
                    println!("{}", serde_json::json!({ "ended": "connection_lost", "text": words }));
                    return Ok(());
                }
                None => return Ok(()),
            },
            _ = &mut interrupted => return Ok(guest.leave().await?),
        }
    }
}

/// Resolves on Ctrl-C or (on Unix) SIGTERM.
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Runs a `room` action and prints its result (`--json`: one object).
async fn room(client: &Client, action: RoomAction, json: bool) -> Result<(), Failure> {
    let mut link = None;
    let (verb, conversation) = match action {
        RoomAction::Create { name } => ("created", client.create_room(&name).await?),
        RoomAction::Add { room, member } => {
            client.add_room_member(room, &member).await?;
            ("added", room)
        }
        RoomAction::Remove { room, member } => {
            client.remove_room_member(room, &member).await?;
            ("removed", room)
        }
        RoomAction::Promote { room, member } => {
            client.promote_moderator(room, &member).await?;
            ("promoted", room)
        }
        RoomAction::Link { room } => {
            link = Some(client.room_link(room).await?);
            ("link", room)
        }
        RoomAction::RotateLink { room } => {
            link = Some(client.rotate_room_link(room).await?);
            ("link", room)
        }
        RoomAction::MuteAll { room, mode } => {
            client.set_mute_all(room, matches!(mode, OnOff::On)).await?;
            ("muted", room)
        }
        RoomAction::Record { room, mode } => {
            let on = matches!(mode, OnOff::On);
            client.set_recording(room, on).await?;
            (if on { "recording" } else { "recorded" }, room)
        }
        RoomAction::Mute {
            room,
            participant,
            off,
        } => {
            client
                .set_participant_muted(room, &participant, !off)
                .await?;
            (if off { "unmuted" } else { "muted" }, room)
        }
        RoomAction::Leave { room } => {
            client.leave_room(room).await?;
            ("left", room)
        }
        RoomAction::Delete { room } => {
            client.delete_room(room).await?;
            ("deleted", room)
        }
        RoomAction::Schedule {
            room,
            at,
            minutes,
            title,
        } => {
            let starts_at = confer_core::calendar::parse_rfc3339(&at)?;
            let title = match title {
                Some(t) => t,
                None => client
                    .conversations()
                    .await?
                    .into_iter()
                    .find(|c| c.info.id == room)
                    .and_then(|c| c.info.name)
                    .unwrap_or_else(|| text::current().default_meeting_title.into()),
            };
            let meeting = client
                .schedule_meeting(room, &title, starts_at, minutes)
                .await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string(&meeting).expect("meetings serialise")
                );
            } else {
                println!("{}", meeting.id);
            }
            return Ok(());
        }
        RoomAction::Unschedule { meeting } => {
            client.delete_scheduled_meeting(meeting).await?;
            ("unscheduled", meeting)
        }
        RoomAction::Lobby { room, mode } => {
            client.set_lobby(room, matches!(mode, OnOff::On)).await?;
            ("lobby", room)
        }
        RoomAction::Admit { room, guest } => {
            client.admit_guest(room, guest).await?;
            ("admitted", room)
        }
        RoomAction::Dismiss { room, guest } => {
            client.remove_guest(room, guest).await?;
            ("dismissed", room)
        }
        RoomAction::Ics { meeting } => {
            print!("{}", client.meeting_ics(meeting).await?);
            return Ok(());
        }
        RoomAction::List => {
            let (ongoing, scheduled) = client.meetings().await?;
            for m in ongoing {
                if json {
                    let mut v = serde_json::to_value(&m).expect("meetings serialise");
                    v["state"] = "ongoing".into();
                    println!("{v}");
                } else {
                    let t = text::current();
                    let guests = |list: &[confer_proto::MeetingGuest]| {
                        list.iter()
                            .map(|g| (t.guest)(&g.name, g.id))
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    // "ongoing" is a token, like the JSON's state; the rest is for people.
                    let mut line = format!(
                        "ongoing\t{}\t{}\t{}\t{}",
                        m.conversation,
                        m.name,
                        (t.since)(&format_time(m.started_at)),
                        m.participants.join(", ")
                    );
                    if !m.guests.is_empty() {
                        line.push_str(&format!("\t{}", (t.guests)(&guests(&m.guests))));
                    }
                    if !m.lobby.is_empty() {
                        line.push_str(&format!("\t{}", (t.waiting)(&guests(&m.lobby))));
                    }
                    if let Some(since) = m.recording {
                        line.push_str(&format!("\t{}", (t.recording_since)(&format_time(since))));
                    }
                    say!("{line}");
                }
            }
            for m in scheduled {
                if json {
                    let mut v = serde_json::to_value(&m).expect("meetings serialise");
                    v["state"] = "scheduled".into();
                    println!("{v}");
                } else {
                    say!(
                        "scheduled\t{}\t{}\t{}\t{} ({} min)\t#{}",
                        m.conversation,
                        m.name,
                        m.title,
                        format_time(m.starts_at),
                        m.minutes,
                        m.id
                    );
                }
            }
            return Ok(());
        }
        RoomAction::Mine => {
            for c in client.conversations().await? {
                if c.info.kind != confer_proto::ConversationKind::Room {
                    continue;
                }
                if json {
                    println!(
                        "{}",
                        serde_json::json!({
                            "conversation": c.info.id,
                            "name": c.info.name,
                            "owner": c.info.owner,
                            "moderators": c.info.moderators,
                            "members": c.info.members,
                            "mute_all": c.info.mute_all,
                            "lobby": c.info.lobby,
                            "unread": c.unread,
                        })
                    );
                } else {
                    say!(
                        "{}\t{}\t{}\t{}",
                        c.info.id,
                        c.info.name.unwrap_or_default(),
                        (text::current().owner)(&c.info.owner.unwrap_or_default()),
                        c.info.members.join(", ")
                    );
                }
            }
            return Ok(());
        }
    };
    if json {
        let mut out = serde_json::json!({ "result": verb, "conversation": conversation });
        if let Some(link) = &link {
            out["link"] = link.clone().into();
        }
        println!("{out}");
    } else {
        println!("{}", link.unwrap_or_else(|| conversation.to_string()));
    }
    Ok(())
}

/// Runs a `favourite` action and prints its result (`--json`: one object).
async fn favourite(client: &Client, action: FavouriteAction, json: bool) -> Result<(), Failure> {
    let (verb, user) = match action {
        FavouriteAction::Add { target } => {
            client.add_favourite(&target).await?;
            ("added", target)
        }
        FavouriteAction::Remove { target } => {
            client.remove_favourite(&target).await?;
            ("removed", target)
        }
        FavouriteAction::Accept { owner } => {
            client.answer_subscription(&owner, true).await?;
            ("accepted", owner)
        }
        FavouriteAction::Decline { owner } => {
            client.answer_subscription(&owner, false).await?;
            ("declined", owner)
        }
        FavouriteAction::List => {
            let all = client.favourites().await?;
            let mine = all.outgoing.iter().map(|f| ("favourite", &f.target, f));
            let asked = all.incoming.iter().map(|f| ("request", &f.owner, f));
            for (kind, user, f) in mine.chain(asked) {
                let state = serde_json::to_value(f.state).expect("states serialise");
                if json {
                    println!(
                        "{}",
                        serde_json::json!({ "kind": kind, "user": user, "state": state })
                    );
                } else {
                    println!("{kind}\t{user}\t{}", state.as_str().unwrap_or_default());
                }
            }
            return Ok(());
        }
    };
    if json {
        println!("{}", serde_json::json!({ "result": verb, "user": user }));
    }
    Ok(())
}

/// Runs a `group` action and prints its result (`--json`: one object).
async fn group(client: &Client, action: GroupAction, json: bool) -> Result<(), Failure> {
    let (verb, conversation) = match action {
        GroupAction::Create { users, name } => {
            ("created", client.create_group(&users, name).await?)
        }
        GroupAction::Invite { group, invitee } => {
            client.invite_to_group(group, &invitee).await?;
            ("invited", group)
        }
        GroupAction::Join { group } => ("joined", client.join_group(group).await?),
        GroupAction::Decline { group } => {
            client.decline_group(group).await?;
            ("declined", group)
        }
        GroupAction::Leave { group } => {
            client.leave_group(group).await?;
            ("left", group)
        }
        GroupAction::Invitations => {
            for i in client.invitations().await? {
                if json {
                    println!(
                        "{}",
                        serde_json::to_string(&i).expect("invitations serialise")
                    );
                } else {
                    say!(
                        "{}\t{}\t{}\t{}",
                        i.conversation,
                        i.name.unwrap_or_default(),
                        (text::current().invited_by)(&i.inviter),
                        i.members.join(", ")
                    );
                }
            }
            return Ok(());
        }
    };
    if json {
        println!(
            "{}",
            serde_json::json!({ "result": verb, "conversation": conversation })
        );
    } else {
        println!("{conversation}");
    }
    Ok(())
}

fn state_str(m: &CachedMessage) -> String {
    serde_json::to_value(m.state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn reactions_json(reactions: &[confer_proto::Reaction]) -> serde_json::Value {
    reactions
        .iter()
        .map(|r| serde_json::json!({"emoji": r.emoji, "count": r.users.len(), "users": r.users}))
        .collect()
}

/// This machine's offset from UTC in minutes, from `date +%z` (`+0100`); UTC when it cannot
/// be told.
fn local_utc_offset() -> i32 {
    std::process::Command::new("date")
        .arg("+%z")
        .output()
        .ok()
        .and_then(|o| {
            let z = String::from_utf8_lossy(&o.stdout).trim().to_owned();
            let sign = match z.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let hours: i32 = z.get(1..3)?.parse().ok()?;
            let minutes: i32 = z.get(3..5)?.parse().ok()?;
            Some(sign * (hours * 60 + minutes))
        })
        .unwrap_or(0)
}

fn message_json(m: &CachedMessage) -> serde_json::Value {
    serde_json::json!({
        "id": m.client_id,
        "conversation": m.conversation,
        "seq": m.seq,
        "sender": m.sender,
        "text": m.text,
        "sent_at": m.sent_at,
        "state": state_str(m),
        "error": m.error,
        "kind": m.kind,
        "edited": m.edited_at.is_some(),
        "edited_at": m.edited_at,
        "deleted": m.deleted,
        "reply_to": m.reply_to,
        "reactions": reactions_json(&m.reactions),
        "mentions": m.mentions,
        "preview": m.preview,
    })
}

/// A message as the server sent it (search results), with the same keys as history.
fn wire_message_json(m: &confer_proto::Message) -> serde_json::Value {
    serde_json::json!({
        "id": m.client_id,
        "conversation": m.conversation,
        "seq": m.seq,
        "sender": m.sender,
        "text": m.text,
        "sent_at": m.sent_at,
        "state": serde_json::to_value(m.state).unwrap_or_default(),
        "error": null,
        "kind": m.kind,
        "edited": m.edited_at.is_some(),
        "edited_at": m.edited_at,
        "deleted": m.deleted,
        "reply_to": m.reply_to,
        "reactions": reactions_json(&m.reactions),
        "mentions": m.mentions,
        "preview": m.preview,
    })
}

fn print_message(m: &CachedMessage, json: bool) {
    if json {
        println!("{}", message_json(m));
        return;
    }
    let t = text::current();
    if let Some(original) = m.reply_to {
        say!("  ↳ {}", (t.answering)(original));
    }
    let text = if m.deleted {
        t.message_deleted.to_owned()
    } else if let confer_proto::MessageKind::Mailed { to } = &m.kind {
        (t.mailed)(to)
    } else if let Some(f) = m.kind.file() {
        format!(
            "\u{1F4CE} {} ({})",
            f.name,
            confer_proto::bytes_text(f.size)
        )
    } else {
        m.text.replace('\n', "\n    ")
    };
    let edited = if m.edited_at.is_some() && !m.deleted {
        format!(" {}", t.edited)
    } else {
        String::new()
    };
    say!(
        "{} {}: {}{} [{}]",
        format_time(m.sent_at),
        m.sender,
        text,
        edited,
        state_str(m)
    );
    if !m.reactions.is_empty() {
        let line: Vec<String> = m
            .reactions
            .iter()
            .map(|r| format!("{} {} ({})", r.emoji, r.users.len(), r.users.join(", ")))
            .collect();
        say!("    {}", line.join("  "));
    }
    if let Some(p) = &m.preview {
        // The card under the message: its title (or address) and description.
        let title = p.title.as_deref().unwrap_or(&p.url);
        match &p.description {
            Some(d) => say!("    \u{1F517} {title} — {d}"),
            None => say!("    \u{1F517} {title}"),
        }
    }
}

/// Prints an event; returns true when it was printed.
fn print_event(event: &ClientEvent, json: bool) -> bool {
    let value = match event {
        ClientEvent::Message { message, decision } => {
            let mut v = message_json(message);
            v["event"] = "message".into();
            v["notify"] = decision.notify.into();
            v
        }
        ClientEvent::Updated { message } => {
            let mut v = message_json(message);
            v["event"] = "tick".into();
            v
        }
        ClientEvent::Changed { message } => {
            let mut v = message_json(message);
            v["event"] = "changed".into();
            v
        }
        ClientEvent::Typing { .. } => serde_json::to_value(event).expect("events serialise"),
        ClientEvent::Ticks { .. }
        | ClientEvent::Presence { .. }
        | ClientEvent::Unread { .. }
        | ClientEvent::ReadCursor { .. }
        | ClientEvent::State { .. } => serde_json::to_value(event).expect("events serialise"),
        _ => return false,
    };
    if json {
        println!("{value}");
    } else {
        match event {
            ClientEvent::Message { message, .. } => print_message(message, false),
            _ => println!("{value}"),
        }
    }
    true
}

/// `YYYY-MM-DD HH:MM` in UTC.
fn format_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::{Cli, Servers};

    #[test]
    fn server_takes_one_address_or_a_comma_separated_list() {
        let parse = |args: &[&str]| {
            Cli::try_parse_from(["confer-cli"].iter().chain(args).chain(&["who"]))
                .map(|cli| cli.servers)
        };
        let list = |urls: &[&str]| Servers(urls.iter().map(|u| u.to_string()).collect());
        assert_eq!(
            parse(&["--server", "ws://a:1"]).unwrap(),
            list(&["ws://a:1"])
        );
        assert_eq!(
            parse(&["--server", "ws://a:1, b:2,,wss://c/v1/ws"]).unwrap(),
            list(&["ws://a:1", "b:2", "wss://c/v1/ws"])
        );
        // The last --server wins, as for every flag.
        assert_eq!(
            parse(&["--server", "a:1", "--server", "b:2,c:3"]).unwrap(),
            list(&["b:2", "c:3"])
        );
        let empty = parse(&["--server", " , "]).unwrap_err();
        assert_eq!(empty.kind(), clap::error::ErrorKind::ValueValidation);
        assert!(empty.to_string().contains("at least one server"), "{empty}");
    }

    #[test]
    fn times_format_in_utc() {
        assert_eq!(super::format_time(0), "1970-01-01 00:00");
        assert_eq!(super::format_time(1_795_000_000_000), "2026-11-18 11:06");
    }

    #[test]
    fn other_users_text_cannot_drive_the_terminal() {
        assert_eq!(
            super::shown("\u{1b}[2Jhi \u{202e}gpj.exe\u{0}"),
            "\\u{1b}[2Jhi \\u{202e}gpj.exe\\u{0}"
        );
        assert_eq!(super::shown("Zoë\tok\n  next"), "Zoë\tok\n  next");
    }
}
