//! `confer-cli`'s own sentences in English and French. Each language is one [`CliText`], whose
//! fields are all required: a sentence added for one language does not compile until the other
//! has it too. The server's refusals are worded by `confer_core::i18n`.
//!
//! Not here, on purpose: the lines scripts wait for ("following as …", "waiting for a call",
//! "call connected"), JSON keys and the tokens of tab-separated lines (kinds, states,
//! statuses); they stay the same in every language.

use std::sync::OnceLock;

use confer_core::i18n::Lang;
use confer_media::DeviceKind;

/// The sentences `confer-cli` prints or fails with, in one language.
pub struct CliText {
    /// The tokio runtime could not start.
    pub cannot_start: fn(error: &str) -> String,
    /// The server could not be reached; `why` is [`CliText::not_connected`] or
    /// [`CliText::no_answer_in_time`].
    pub unreachable: fn(why: &str) -> String,
    /// Why: there is no connection.
    pub not_connected: &'static str,
    /// Why: the server did not answer in time.
    pub no_answer_in_time: &'static str,
    /// `--password-stdin` could not read a line.
    pub cannot_read_password: fn(error: &str) -> String,
    /// No OS data directory to keep profiles in.
    pub no_data_dir: &'static str,
    /// `alias` without `--data` or `--database`.
    pub alias_needs_store: &'static str,
    /// No `--user`.
    pub give_user: &'static str,
    /// A text given as `-` could not be read.
    pub cannot_read_stdin: fn(error: &str) -> String,
    /// `meter --seconds` out of range.
    pub meter_seconds: &'static str,
    /// `answer`: nothing rang within `--wait` seconds.
    pub no_call_rang: fn(seconds: u64) -> String,
    /// `send`: the server went away; the message waits in the outbox.
    pub message_queued: &'static str,
    /// `upload`: the file is shared, but the server drew no thumbnail, for `why`.
    pub no_thumbnail: fn(why: &str) -> String,
    /// `files`: the conversation has no file.
    pub no_files: &'static str,
    /// `mail-history` done.
    pub history_mailed: fn(to: &str) -> String,
    /// `history`: the line left when someone sent the history by email to `to`.
    pub mailed: fn(to: &str) -> String,
    /// `edit`, `delete`, `react`: the server went away; the change waits in the outbox.
    pub change_queued: &'static str,
    /// `reply`: no such message in the cache.
    pub no_such_message: fn(reference: &str) -> String,
    /// `reply`: the message answered has not reached the server yet.
    pub reply_to_unsent: &'static str,
    /// `history --limit 0`.
    pub limit_at_least_one: &'static str,
    /// `history` offline, for a conversation the cache does not hold.
    pub no_cached_conversation: fn(peer: &str) -> String,
    /// `follow`: the connection ended.
    pub connection_ended: &'static str,
    /// `flush` did not finish in time.
    pub outbox_not_emptied: &'static str,
    /// `flush` done.
    pub sent_queued: fn(count: usize) -> String,
    /// A device was unplugged during a call and the default one replaced it.
    pub device_switched: fn(kind: DeviceKind, lost: &str, now: &str) -> String,
    /// A device was unplugged during a call and none replaced it.
    pub device_gone: fn(kind: DeviceKind, lost: &str) -> String,
    /// `meter`: the loudest and the average level, in dBFS.
    pub meter_levels: fn(peak: f32, average: f32) -> String,
    /// A call's figures once it is over (`?` for what is unknown).
    pub call_over: fn(sent: u64, received: u64, lost: u64, setup_ms: &str, via: &str) -> String,
    /// `conversations`: the last message says someone joined.
    pub joined: fn(who: &str) -> String,
    /// `conversations`: the last message says someone left.
    pub left: fn(who: &str) -> String,
    /// `conversations`: how many messages are unread.
    pub unread: fn(count: u32) -> String,
    /// `room list`: when a meeting started.
    pub since: fn(time: &str) -> String,
    /// `room list`: the guests in a meeting.
    pub guests: fn(list: &str) -> String,
    /// `room list`: the guests waiting in the lobby.
    pub waiting: fn(list: &str) -> String,
    /// `room list`: the meeting is being recorded, since then.
    pub recording_since: fn(time: &str) -> String,
    /// `room list`: one guest, with the id `room admit` takes.
    pub guest: fn(name: &str, id: u64) -> String,
    /// `room mine`: the room's owner.
    pub owner: fn(name: &str) -> String,
    /// `group invitations`: who invited.
    pub invited_by: fn(name: &str) -> String,
    /// A message answering another one (its sequence number).
    pub answering: fn(seq: u64) -> String,
    /// What stays of a deleted message.
    pub message_deleted: &'static str,
    /// After an edited message's text.
    pub edited: &'static str,
    /// `room schedule` without `--title`, for a room without a name.
    pub default_meeting_title: &'static str,
    /// `guest join --stay`: the connection was lost.
    pub connection_lost: &'static str,
}

/// English: the words `confer-cli` has always used (its tests read them).
pub const EN: CliText = CliText {
    cannot_start: |e| format!("cannot start: {e}"),
    unreachable: |why| format!("The server is unreachable ({why})."),
    not_connected: "not connected to the server",
    no_answer_in_time: "the server did not answer in time",
    cannot_read_password: |e| format!("cannot read the password from standard input: {e}"),
    no_data_dir: "no data directory is known here; give --profile",
    alias_needs_store: "give the server's data directory with --data (or its database with \
                        --database)",
    give_user: "give your account name with --user or CONFER_USER",
    cannot_read_stdin: |e| format!("cannot read standard input: {e}"),
    meter_seconds: "--seconds is between 0.1 and 600",
    no_call_rang: |seconds| format!("no call rang within {seconds} s"),
    message_queued: "The server is unreachable; the message stays in the outbox and will be \
                     sent later",
    change_queued: "The server is unreachable; the change stays queued and will be sent later",
    no_such_message: |reference| format!("There is no message {reference} here."),
    reply_to_unsent: "That message is not sent yet: answer it once it is.",
    limit_at_least_one: "--limit must be at least 1",
    no_thumbnail: |why| format!("Shared without a thumbnail: {why}"),
    no_files: "No file was shared here.",
    history_mailed: |to| format!("The history was sent to {to}."),
    mailed: |to| format!("sent the history to {to}"),
    no_cached_conversation: |peer| {
        format!("No cached conversation with {peer}, and the server is unreachable")
    },
    connection_ended: "The connection ended",
    outbox_not_emptied: "The outbox could not be emptied in time",
    sent_queued: |count| format!("sent {count} queued message(s)"),
    device_switched: |kind, lost, now| {
        format!(
            "the {} {lost:?} was disconnected; using {now:?} now",
            english_kind(kind)
        )
    },
    device_gone: |kind, lost| {
        let kind = english_kind(kind);
        format!("the {kind} {lost:?} was disconnected; no other {kind} is available")
    },
    meter_levels: |peak, average| format!("peak {peak:.1} dBFS, average {average:.1} dBFS"),
    call_over: |sent, received, lost, setup_ms, via| {
        format!(
            "call over: {sent} packets sent, {received} received, {lost} lost; set-up \
             {setup_ms} ms; via {via}"
        )
    },
    joined: |who| format!("{who} joined"),
    left: |who| format!("{who} left"),
    unread: |count| format!("{count} unread"),
    since: |time| format!("since {time}"),
    guests: |list| format!("guests: {list}"),
    waiting: |list| format!("waiting: {list}"),
    recording_since: |time| format!("recording since {time}"),
    guest: |name, id| format!("{name} (guest #{id})"),
    owner: |name| format!("owner {name}"),
    invited_by: |name| format!("from {name}"),
    answering: |seq| format!("answering #{seq}"),
    message_deleted: "Message deleted",
    edited: "(edited)",
    default_meeting_title: "Meeting",
    connection_lost: "The connection to the server was lost.",
};

/// French.
pub const FR: CliText = CliText {
    cannot_start: |e| format!("démarrage impossible : {e}"),
    unreachable: |why| format!("Le serveur est injoignable ({why})."),
    not_connected: "pas de connexion au serveur",
    no_answer_in_time: "le serveur n'a pas répondu à temps",
    cannot_read_password: |e| {
        format!("impossible de lire le mot de passe sur l'entrée standard : {e}")
    },
    no_data_dir: "aucun dossier de données n'est connu ici ; indiquez --profile",
    alias_needs_store: "indiquez le dossier de données du serveur avec --data (ou sa base de \
                        données avec --database)",
    give_user: "indiquez votre nom de compte avec --user ou CONFER_USER",
    cannot_read_stdin: |e| format!("impossible de lire l'entrée standard : {e}"),
    meter_seconds: "--seconds va de 0.1 à 600",
    no_call_rang: |seconds| format!("aucun appel n'a sonné en {seconds} s"),
    message_queued: "Le serveur est injoignable ; le message reste dans la boîte d'envoi et \
                     partira plus tard",
    change_queued: "Le serveur est injoignable ; la modification reste en attente et partira \
                    plus tard",
    no_such_message: |reference| format!("Il n'y a pas de message {reference} ici."),
    reply_to_unsent: "Ce message n'est pas encore envoyé : répondez-y une fois qu'il le sera.",
    limit_at_least_one: "--limit vaut au moins 1",
    no_thumbnail: |why| format!("Partagé sans vignette : {why}"),
    no_files: "Aucun fichier n'a été partagé ici.",
    history_mailed: |to| format!("L'historique a été envoyé à {to}."),
    mailed: |to| format!("a envoyé l'historique à {to}"),
    no_cached_conversation: |peer| {
        format!("Aucune conversation avec {peer} en cache, et le serveur est injoignable")
    },
    connection_ended: "La connexion a pris fin",
    outbox_not_emptied: "La boîte d'envoi n'a pas pu être vidée à temps",
    sent_queued: |count| match count {
        0 | 1 => format!("{count} message en attente envoyé"),
        _ => format!("{count} messages en attente envoyés"),
    },
    device_switched: |kind, lost, now| {
        let (the, unplugged, it) = french_kind(kind);
        format!("{the} « {lost} » a été {unplugged} ; « {now} » {it} remplace")
    },
    device_gone: |kind, lost| {
        let (the, unplugged, _) = french_kind(kind);
        let none = match kind {
            DeviceKind::Microphone => "aucun autre micro n'est disponible",
            DeviceKind::Speaker => "aucun autre haut-parleur n'est disponible",
            DeviceKind::Camera => "aucune autre caméra n'est disponible",
        };
        format!("{the} « {lost} » a été {unplugged} ; {none}")
    },
    meter_levels: |peak, average| {
        format!(
            "crête {} dBFS, moyenne {} dBFS",
            decimal_comma(peak),
            decimal_comma(average)
        )
    },
    call_over: |sent, received, lost, setup_ms, via| {
        format!(
            "appel terminé : {sent} paquets envoyés, {received} reçus, {lost} perdus ; \
             établissement {setup_ms} ms ; via {via}"
        )
    },
    joined: |who| format!("{who} a rejoint le groupe"),
    left: |who| format!("{who} a quitté le groupe"),
    unread: |count| match count {
        0 | 1 => format!("{count} non lu"),
        _ => format!("{count} non lus"),
    },
    since: |time| format!("depuis {time}"),
    guests: |list| format!("invités : {list}"),
    waiting: |list| format!("en attente : {list}"),
    recording_since: |time| format!("enregistrée depuis {time}"),
    guest: |name, id| format!("{name} (invité #{id})"),
    owner: |name| format!("propriétaire {name}"),
    invited_by: |name| format!("invité par {name}"),
    answering: |seq| format!("en réponse à #{seq}"),
    message_deleted: "Message supprimé",
    edited: "(modifié)",
    default_meeting_title: "Réunion",
    connection_lost: "La connexion au serveur a été perdue.",
};

/// A device kind in an English sentence (as `devices` lists it).
fn english_kind(kind: DeviceKind) -> &'static str {
    match kind {
        DeviceKind::Microphone => "microphone",
        DeviceKind::Speaker => "speaker",
        DeviceKind::Camera => "camera",
    }
}

/// A device kind in a French sentence with its article, then "unplugged" and "it" agreeing
/// with it.
fn french_kind(kind: DeviceKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        DeviceKind::Microphone => ("le micro", "débranché", "le"),
        DeviceKind::Speaker => ("le haut-parleur", "débranché", "le"),
        DeviceKind::Camera => ("la caméra", "débranchée", "la"),
    }
}

/// A level with one decimal, as French writes it (-12,5).
fn decimal_comma(level: f32) -> String {
    format!("{level:.1}").replace('.', ",")
}

/// The language chosen for this run (set once, from `--lang`).
static LANG: OnceLock<Lang> = OnceLock::new();

/// Chooses the language for this run; the first choice stays.
pub fn set_lang(lang: Lang) {
    let _ = LANG.set(lang);
}

/// The language of this run: `--lang`, else the environment's.
pub fn lang() -> Lang {
    *LANG.get_or_init(Lang::from_env)
}

/// The sentences in the language of this run.
pub fn current() -> &'static CliText {
    of(lang())
}

/// The sentences in a language.
pub fn of(lang: Lang) -> &'static CliText {
    match lang {
        Lang::En => &EN,
        Lang::Fr => &FR,
    }
}

/// `--lang`: `en`, `fr`, or a locale name such as `fr_FR.UTF-8`.
pub fn parse_lang(text: &str) -> Result<Lang, String> {
    Lang::parse(text)
        .ok_or_else(|| format!("{text:?} is not a language confer-cli speaks: use en or fr"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every sentence of a catalogue, each with sample arguments. The destructuring names
    /// every field: a sentence added to `CliText` does not compile until it is listed here.
    fn sentences(t: &CliText) -> Vec<(&'static str, String)> {
        let CliText {
            cannot_start,
            unreachable,
            not_connected,
            no_answer_in_time,
            cannot_read_password,
            no_data_dir,
            alias_needs_store,
            give_user,
            cannot_read_stdin,
            meter_seconds,
            no_call_rang,
            message_queued,
            no_thumbnail,
            no_files,
            history_mailed,
            mailed,
            change_queued,
            no_such_message,
            reply_to_unsent,
            limit_at_least_one,
            no_cached_conversation,
            connection_ended,
            outbox_not_emptied,
            sent_queued,
            device_switched,
            device_gone,
            meter_levels,
            call_over,
            joined,
            left,
            unread,
            since,
            guests,
            waiting,
            recording_since,
            guest,
            owner,
            invited_by,
            answering,
            message_deleted,
            edited,
            default_meeting_title,
            connection_lost,
        } = t;
        vec![
            ("cannot_start", cannot_start("no threads")),
            ("unreachable", unreachable("x")),
            ("not_connected", (*not_connected).to_owned()),
            ("no_answer_in_time", (*no_answer_in_time).to_owned()),
            ("cannot_read_password", cannot_read_password("closed")),
            ("no_data_dir", (*no_data_dir).to_owned()),
            ("alias_needs_store", (*alias_needs_store).to_owned()),
            ("give_user", (*give_user).to_owned()),
            ("cannot_read_stdin", cannot_read_stdin("closed")),
            ("meter_seconds", (*meter_seconds).to_owned()),
            ("no_call_rang", no_call_rang(120)),
            ("message_queued", (*message_queued).to_owned()),
            ("no_thumbnail", no_thumbnail("damaged")),
            ("no_files", (*no_files).to_owned()),
            ("history_mailed", history_mailed("dana@example.com")),
            ("mailed", mailed("dana@example.com")),
            ("change_queued", (*change_queued).to_owned()),
            ("no_such_message", no_such_message("7:41")),
            ("reply_to_unsent", (*reply_to_unsent).to_owned()),
            ("limit_at_least_one", (*limit_at_least_one).to_owned()),
            ("no_cached_conversation", no_cached_conversation("bob")),
            ("connection_ended", (*connection_ended).to_owned()),
            ("outbox_not_emptied", (*outbox_not_emptied).to_owned()),
            ("sent_queued", sent_queued(3)),
            (
                "device_switched",
                device_switched(DeviceKind::Camera, "Desk cam", "Built-in"),
            ),
            ("device_gone", device_gone(DeviceKind::Speaker, "Headset")),
            ("meter_levels", meter_levels(-12.5, -30.24)),
            ("call_over", call_over(500, 498, 2, "140", "host")),
            ("joined", joined("bob")),
            ("left", left("bob")),
            ("unread", unread(2)),
            ("since", since("2026-11-18 11:06")),
            ("guests", guests("erin")),
            ("waiting", waiting("Zoe")),
            ("recording_since", recording_since("11:06")),
            ("guest", guest("Zoe", 8)),
            ("owner", owner("alice")),
            ("invited_by", invited_by("alice")),
            ("answering", answering(41)),
            ("message_deleted", (*message_deleted).to_owned()),
            ("edited", (*edited).to_owned()),
            ("default_meeting_title", (*default_meeting_title).to_owned()),
            ("connection_lost", (*connection_lost).to_owned()),
        ]
    }

    #[test]
    fn every_sentence_is_translated() {
        let (en, fr) = (sentences(&EN), sentences(&FR));
        assert_eq!(en.len(), fr.len());
        for ((name, en), (_, fr)) in en.iter().zip(&fr) {
            assert!(!en.trim().is_empty() && !fr.trim().is_empty(), "{name}");
            assert_ne!(en, fr, "{name} is not translated");
        }
    }

    #[test]
    fn english_keeps_its_words() {
        assert_eq!(
            (EN.device_switched)(DeviceKind::Microphone, "Desk", "Headset"),
            "the microphone \"Desk\" was disconnected; using \"Headset\" now"
        );
        assert_eq!(
            (EN.device_gone)(DeviceKind::Speaker, "Desk"),
            "the speaker \"Desk\" was disconnected; no other speaker is available"
        );
        assert_eq!(
            (EN.unreachable)(EN.not_connected),
            "The server is unreachable (not connected to the server)."
        );
        assert_eq!(
            (EN.meter_levels)(-12.5, -30.24),
            "peak -12.5 dBFS, average -30.2 dBFS"
        );
        assert_eq!(
            (FR.meter_levels)(-12.5, -3.0),
            "crête -12,5 dBFS, moyenne -3,0 dBFS"
        );
        assert_eq!(
            (FR.device_switched)(DeviceKind::Camera, "Desk", "Built-in"),
            "la caméra « Desk » a été débranchée ; « Built-in » la remplace"
        );
    }

    #[test]
    fn lang_takes_codes_and_locales() {
        assert_eq!(parse_lang("fr"), Ok(Lang::Fr));
        assert_eq!(parse_lang("EN"), Ok(Lang::En));
        assert_eq!(parse_lang("fr_FR.UTF-8"), Ok(Lang::Fr));
        assert!(parse_lang("de").is_err());
    }
}
