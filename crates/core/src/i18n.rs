//! The words of `confer-cli` and the desktop shell for what the server says, in English and
//! French: every refusal reason as one plain sentence, with its parameters.
//!
//! English is the protocol's reference sentence (`Reason`'s `Display`, so `confer-cli`'s English
//! output does not change); French follows the web UI's catalogue (`ui/src/lib/i18n.ts`),
//! adapted to plain text with the reason's numbers and names.
//!
//! `Reason` and `Field` are `#[non_exhaustive]`, so a match on them outside `confer-proto` must
//! end with a `_` arm: the compiler cannot catch a reason added without its French sentence
//! here. The test below does instead: `confer_proto::examples::reasons()` lists every reason (an
//! exhaustive match in `confer-proto` keeps it complete), and each must have its own French
//! sentence.

use confer_proto::{ErrorBody, ErrorCode, Field, Reason};

/// A language `confer-cli` and the desktop shell speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English (the default, and the language of logs and of the protocol's sentences).
    #[default]
    En,
    /// French.
    Fr,
}

impl Lang {
    /// Every language, English first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    /// The language's code: `en` or `fr`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// A language from a code or a locale name: `en`, `fr`, `FR`, `fr_FR.UTF-8`, `fr-CA`,
    /// `en_GB@euro`… (case-insensitive). `None` for any other language, `C` or `POSIX`.
    pub fn parse(text: &str) -> Option<Lang> {
        let primary = text
            .trim()
            .split(['_', '-', '.', '@'])
            .next()
            .unwrap_or_default();
        if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else if primary.eq_ignore_ascii_case("fr") {
            Some(Lang::Fr)
        } else {
            None
        }
    }

    /// The user's language: the first of `CONFER_LANG`, `LC_ALL`, `LC_MESSAGES` and `LANG`
    /// that is set (and not empty) decides: French when it starts with `fr`, else English.
    pub fn from_env() -> Lang {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`Lang::from_env`] over any source of variables.
    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Lang {
        for name in ["CONFER_LANG", "LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Some(value) = var(name)
                && !value.trim().is_empty()
            {
                let french = value
                    .trim()
                    .get(..2)
                    .is_some_and(|p| p.eq_ignore_ascii_case("fr"));
                return if french { Lang::Fr } else { Lang::En };
            }
        }
        Lang::En
    }
}

/// A reason in one plain sentence, in the given language. English is exactly the protocol's
/// sentence (`r.to_string()`).
pub fn reason(lang: Lang, r: &Reason) -> String {
    match lang {
        Lang::En => r.to_string(),
        Lang::Fr => french(r).unwrap_or_else(|| UNKNOWN_FR.to_owned()),
    }
}

/// A refusal (the server's error body) in one plain sentence: its reason, else (a reason this
/// build does not know) its category. English is exactly what [`crate::refusal_text`] says.
pub fn refusal(lang: Lang, body: &ErrorBody) -> String {
    match (lang, &body.reason) {
        (Lang::En, Reason::Unknown) => {
            format!("The server refused the request ({}).", body.code.as_str())
        }
        (Lang::En, known) => known.to_string(),
        (Lang::Fr, Reason::Unknown) => code_text(Lang::Fr, body.code),
        (Lang::Fr, known) => french(known).unwrap_or_else(|| code_text(Lang::Fr, body.code)),
    }
}

/// A field as the subject of a sentence, capitalised: "A room name", "Le nom d'un salon".
pub fn field(lang: Lang, f: Field) -> &'static str {
    // `Field` is non-exhaustive: a field added to the protocol falls to the last arm until it
    // is worded here.
    match (lang, f) {
        (Lang::En, Field::GroupName) => "A group name",
        (Lang::En, Field::RoomName) => "A room name",
        (Lang::En, Field::MeetingTitle) => "A meeting title",
        (Lang::En, Field::DisplayName) => "A display name",
        (Lang::En, Field::GuestName) => "A guest's name",
        (Lang::En, Field::StatusMessage) => "A status message",
        (Lang::En, Field::Link) => "A link",
        (Lang::En, Field::Search) => "A search",
        (Lang::En, Field::SessionDescription) => "A session description",
        (Lang::En, Field::IceCandidate) => "An ICE candidate",
        (Lang::Fr, Field::GroupName) => "Le nom d'un groupe",
        (Lang::Fr, Field::RoomName) => "Le nom d'un salon",
        (Lang::Fr, Field::MeetingTitle) => "Le titre d'une réunion",
        (Lang::Fr, Field::DisplayName) => "Un nom d'affichage",
        (Lang::Fr, Field::GuestName) => "Le nom d'un invité",
        (Lang::Fr, Field::StatusMessage) => "Un message de statut",
        (Lang::Fr, Field::Link) => "Un lien",
        (Lang::Fr, Field::Search) => "Une recherche",
        (Lang::Fr, Field::SessionDescription) => "L'offre de connexion d'un appel",
        (Lang::Fr, Field::IceCandidate) => "L'adresse réseau d'un appel",
        (Lang::En, _) => "A text",
        (Lang::Fr, _) => "Un texte",
    }
}

/// What an error category means, in one sentence: the fallback for a reason this build does
/// not know.
pub fn code_text(lang: Lang, code: ErrorCode) -> String {
    use ErrorCode as C;
    // `ErrorCode` is non-exhaustive: a code added to the protocol falls to the last arms.
    let text = match (lang, code) {
        (Lang::En, C::BadFrame) => "The server could not read a request from this app.",
        (Lang::En, C::FrameTooLarge) => "That request is too large.",
        (Lang::En, C::TextTooLong) => "That message is too long.",
        (Lang::En, C::Invalid) => "The server refused that as invalid.",
        (Lang::En, C::UnsupportedVersion) => "This app is too old or too new for the server.",
        (Lang::En, C::Unauthenticated) => "Sign in first.",
        (Lang::En, C::AuthFailed) => "Sign-in failed.",
        (Lang::En, C::AccountDisabled) => "This account is disabled.",
        (Lang::En, C::RateLimited) => "Too many attempts; wait a minute and retry.",
        (Lang::En, C::Forbidden) => "You may not do that.",
        (Lang::En, C::NotFound) => "That does not exist any more.",
        (Lang::En, C::Conflict) => "That conflicts with how things are now.",
        (Lang::En, C::TooManyConnections) => {
            "The server has no room for another connection; try again later."
        }
        (Lang::En, C::SlowConsumer) => "The connection fell behind; it reconnects to catch up.",
        (Lang::En, C::ShuttingDown) => "The server is shutting down.",
        (Lang::En, C::Idle) => "The connection was idle for too long.",
        (Lang::En, C::AccessEnded) => "Your access to the meeting ended.",
        (Lang::En, C::Internal) => "The server failed to handle the request; try again.",
        (Lang::Fr, C::BadFrame) => "Le serveur n'a pas pu lire une requête de l'application.",
        (Lang::Fr, C::FrameTooLarge) => "Cette requête est trop volumineuse.",
        (Lang::Fr, C::TextTooLong) => "Ce message est trop long.",
        (Lang::Fr, C::Invalid) => "Le serveur a refusé cette demande comme invalide.",
        (Lang::Fr, C::UnsupportedVersion) => {
            "Cette application est trop ancienne ou trop récente pour le serveur."
        }
        (Lang::Fr, C::Unauthenticated) => "Connectez-vous d'abord.",
        (Lang::Fr, C::AuthFailed) => "La connexion a échoué.",
        (Lang::Fr, C::AccountDisabled) => "Ce compte est désactivé.",
        (Lang::Fr, C::RateLimited) => "Trop de tentatives ; attendez une minute et réessayez.",
        (Lang::Fr, C::Forbidden) => "Vous n'avez pas le droit de faire cela.",
        (Lang::Fr, C::NotFound) => "Cela n'existe plus.",
        (Lang::Fr, C::Conflict) => "Cela entre en conflit avec l'état actuel.",
        (Lang::Fr, C::TooManyConnections) => {
            "Le serveur n'accepte plus de connexion pour l'instant ; réessayez plus tard."
        }
        (Lang::Fr, C::SlowConsumer) => {
            "La connexion a pris du retard ; elle se rétablit pour le rattraper."
        }
        (Lang::Fr, C::ShuttingDown) => "Le serveur s'arrête.",
        (Lang::Fr, C::Idle) => "La connexion est restée inactive trop longtemps.",
        (Lang::Fr, C::AccessEnded) => "Votre accès à la réunion a pris fin.",
        (Lang::Fr, C::Internal) => "Le serveur n'a pas pu traiter la requête ; réessayez.",
        (Lang::En, _) => "The server refused the request.",
        (Lang::Fr, _) => "Le serveur a refusé la requête.",
    };
    text.to_owned()
}

/// What [`reason`] says in French for a reason this build does not know.
const UNKNOWN_FR: &str =
    "Le serveur a donné une raison que cette version de Confer ne connaît pas.";

/// A reason in French; `None` for a reason added to the protocol and not worded here yet.
fn french(r: &Reason) -> Option<String> {
    // One arm per reason, in the protocol's order; the last arm is the one the compiler
    // requires for a non-exhaustive enum of another crate (the tests catch its use).
    let text = match r {
        Reason::MalformedFrame { detail } => {
            format!("Le serveur n'a pas pu lire une requête de l'application : {detail}.")
        }
        Reason::NotText => "Le serveur n'a pas pu lire une requête de l'application : \
                            les requêtes sont du texte JSON."
            .to_owned(),
        Reason::FrameTooLarge { max } => {
            format!("Cette requête est trop volumineuse : {max} octets au plus.")
        }
        Reason::OutOfRange { field } => format!(
            "Cela n'existe pas : les identifiants et les positions (ici {}) vont jusqu'à \
             2^63 - 1.",
            quoted(field)
        ),
        Reason::ProtocolVersion {
            supported,
            requested,
        } => format!(
            "Ce serveur parle le protocole {supported}, pas le {requested} : \
             mettez l'application à jour."
        ),
        Reason::SignInFirst => "Connectez-vous d'abord.".to_owned(),
        Reason::AlreadySignedIn => "Cette connexion est déjà authentifiée.".to_owned(),
        Reason::GuestCannotSignIn => "Cette connexion est celle d'un invité dans une réunion ; \
                                      quittez-la avant de vous connecter."
            .to_owned(),
        Reason::WrongPassword => "Nom d'utilisateur ou mot de passe incorrect.".to_owned(),
        Reason::TokenUnknown => "Votre session a pris fin ; reconnectez-vous.".to_owned(),
        Reason::SessionRevoked => "Votre session a été révoquée ; reconnectez-vous.".to_owned(),
        Reason::AccountDisabled => "Ce compte est désactivé.".to_owned(),
        Reason::TooManyLogins => {
            "Trop de connexions échouées ; attendez une minute et réessayez.".to_owned()
        }
        Reason::TooManyGuestJoins => "Trop d'invités sont venus de votre adresse ; \
                                      attendez une minute et réessayez."
            .to_owned(),
        Reason::ServerFull => {
            "Le serveur n'accepte plus de connexion pour l'instant ; réessayez plus tard."
                .to_owned()
        }
        Reason::FellBehind => {
            "La connexion a pris du retard ; elle se rétablit pour le rattraper.".to_owned()
        }
        Reason::ShuttingDown => "Le serveur s'arrête.".to_owned(),
        Reason::Idle { seconds } => {
            format!("Le serveur n'a rien reçu de l'application depuis {seconds} secondes.")
        }
        Reason::ServerFault => "Le serveur n'a pas pu traiter la requête ; réessayez.".to_owned(),
        Reason::TooManyWatched { max } => format!("Suivez au plus {max} personnes à la fois."),
        Reason::ClientIdLength { max } => {
            format!("L'identifiant d'un message a de 1 à {max} octets.")
        }
        Reason::TextTooLong { max, size } => {
            format!("Un message contient au plus {max} octets ; celui-ci en a {size}.")
        }
        Reason::EmptyMessage => "Un message ne peut pas être vide.".to_owned(),
        Reason::ClientIdReused { client_id } => format!(
            "Ce message a déjà été envoyé dans une autre conversation (identifiant {}).",
            quoted(client_id)
        ),
        Reason::FieldTooLong { field: f, max } => {
            format!("{} contient au plus {max} octets.", field(Lang::Fr, *f))
        }
        Reason::NameLength { field: f, max } => {
            format!("{} a de 1 à {max} caractères.", field(Lang::Fr, *f))
        }
        Reason::NameCharacter {
            field: f,
            code_point,
        } => format!(
            "{} ne peut pas contenir de caractère de contrôle, invisible ou qui change le sens \
             d'écriture (U+{code_point:04X}).",
            field(Lang::Fr, *f)
        ),
        Reason::NoSuchUser { name } => {
            format!("Il n'y a pas d'utilisateur nommé {}.", quoted(name))
        }
        Reason::UserExists { name } => {
            format!("Un utilisateur nommé {} existe déjà.", quoted(name))
        }
        Reason::NoSuchAlias { name } => format!("Il n'existe pas d'alias nommé {}.", quoted(name)),
        Reason::AliasExists { name } => format!("Un alias nommé {} existe déjà.", quoted(name)),
        Reason::InvalidUserName { name } => format!(
            "Le nom d'utilisateur {} n'est pas valide : de 1 à 64 lettres, chiffres, « . », \
             « _ » ou « - », en commençant par une lettre ou un chiffre.",
            quoted(name)
        ),
        Reason::DirectWithSelf => {
            "Vous ne pouvez pas ouvrir une conversation avec vous-même.".to_owned()
        }
        Reason::FavouriteSelf => "Vous ne pouvez pas vous ajouter à vos favoris.".to_owned(),
        Reason::NoPendingRequest { name } => {
            format!("Aucune demande de {} n'est en attente.", quoted(name))
        }
        Reason::NoSuchConversation { conversation } => {
            format!("La conversation {conversation} n'existe pas.")
        }
        Reason::NotAMember { conversation } => {
            format!("Vous n'êtes pas membre de la conversation {conversation}.")
        }
        Reason::NotAGroup { conversation } => {
            format!("La conversation {conversation} n'est pas un groupe.")
        }
        Reason::NotARoom { conversation } => {
            format!("La conversation {conversation} n'est pas un salon.")
        }
        Reason::NoMeetingLink { conversation } => {
            format!("La conversation {conversation} n'a pas de lien de réunion.")
        }
        Reason::NoMeeting { conversation } => {
            format!("La conversation {conversation} n'a pas de réunion.")
        }
        Reason::ModeratorsOnly { conversation } => {
            format!("Seul un modérateur du salon {conversation} peut faire cela.")
        }
        Reason::OwnerOnly { conversation } => {
            format!("Seul le propriétaire du salon {conversation} peut faire cela.")
        }
        Reason::OwnerCannotLeave => {
            "Le propriétaire ne peut pas quitter un salon ; supprimez-le plutôt.".to_owned()
        }
        Reason::PromoteBeforeLeaving => {
            "Nommez un autre membre modérateur avant de partir.".to_owned()
        }
        Reason::OwnerCannotBeRemoved => {
            "Le propriétaire d'un salon ne peut pas en être retiré.".to_owned()
        }
        Reason::AlreadyMember { name } => format!("{name} est déjà membre."),
        Reason::NotInRoom { name } => format!("{name} n'est pas dans le salon."),
        Reason::NoInvitation { conversation } => {
            format!("Vous n'avez pas d'invitation au groupe {conversation}.")
        }
        Reason::InvitedSelf => {
            "Vous êtes déjà dans le groupe ; invitez d'autres personnes.".to_owned()
        }
        Reason::NoInvitees => "Invitez au moins une personne pour créer un groupe.".to_owned(),
        Reason::GroupFull { max } => {
            format!("Un groupe compte au plus {max} membres, invitations comprises.")
        }
        Reason::NotInMeeting { conversation } => {
            format!("Vous n'êtes pas dans la réunion de la conversation {conversation}.")
        }
        Reason::MeetingMinutes { max } => format!("Une réunion dure de 1 à {max} minutes."),
        Reason::ScheduledTooFar { years } => {
            format!("Une réunion se planifie au plus {years} ans à l'avance.")
        }
        Reason::MeetingInPast => {
            "Cette réunion serait déjà terminée ; choisissez une heure plus tardive.".to_owned()
        }
        Reason::NoScheduledMeeting { meeting } => {
            format!("La réunion planifiée {meeting} n'est pas au calendrier.")
        }
        Reason::LinkUnknown => {
            "Ce lien n'ouvre aucun salon (il a peut-être été changé).".to_owned()
        }
        Reason::DirectMeetingMembersOnly => {
            "Une réunion en tête-à-tête est réservée à ses deux membres.".to_owned()
        }
        Reason::MeetingNotStarted { room } => format!(
            "Aucune réunion n'a lieu dans {} pour l'instant ; les invités peuvent la rejoindre \
             une fois qu'un membre l'a commencée.",
            quoted(room)
        ),
        Reason::SentOut { room } => format!(
            "Un modérateur vous a fait sortir de la réunion dans {} ; vous pourrez rejoindre la \
             suivante.",
            quoted(room)
        ),
        Reason::GuestLimit { room, max } => format!(
            "La réunion dans {} a atteint son nombre maximal d'invités ({max}).",
            quoted(room)
        ),
        Reason::NameTaken => "Ce nom appartient à un utilisateur de ce serveur ; un invité en \
                              choisit un autre."
            .to_owned(),
        Reason::AlreadyGuest => {
            "Vous êtes déjà dans une réunion en tant qu'invité ; quittez-la d'abord.".to_owned()
        }
        Reason::GuestNeedsName => {
            "Un invité sans compte rejoint avec un nom ; ou connectez-vous d'abord.".to_owned()
        }
        Reason::GuestAlreadyAdmitted { guest } => {
            format!("L'invité {guest} est déjà dans la réunion.")
        }
        Reason::GuestNotInLobby { guest } => format!(
            "L'invité {guest} n'attend plus dans la salle d'attente (il est peut-être parti)."
        ),
        Reason::ParticipantNotInMeeting { name } => {
            format!("{name} n'est pas dans la réunion (il est peut-être parti).")
        }
        Reason::GuestNotInMeeting { guest } => {
            format!("L'invité {guest} n'est pas dans la réunion (il est peut-être parti).")
        }
        Reason::MeetingEnded => "La réunion est terminée.".to_owned(),
        Reason::RoomDeleted => "Le salon a été supprimé.".to_owned(),
        Reason::RemovedByModerator => "Un modérateur vous a retiré de la réunion.".to_owned(),
        Reason::RefusedByModerator => {
            "Un modérateur ne vous a pas laissé entrer dans la réunion.".to_owned()
        }
        Reason::NoCalls { conversation } => format!(
            "La conversation {conversation} n'a pas d'appels : les appels sont réservés aux \
             conversations en tête-à-tête."
        ),
        Reason::Busy { name } => {
            format!("{name} est déjà en communication ; réessayez plus tard.")
        }
        Reason::InCallAlready => "Vous êtes déjà en communication ; raccrochez avant d'en \
                                  commencer une autre."
            .to_owned(),
        Reason::NoSuchCall { call } => {
            format!("Il n'y a pas d'appel {call} (il est peut-être terminé).")
        }
        Reason::CallNotAnswered { call } => {
            format!("L'appel {call} n'a pas encore été décroché.")
        }
        Reason::CallAnsweredAlready { call } => {
            format!("L'appel {call} a été décroché sur un autre de vos appareils.")
        }
        Reason::SignalOutOfTurn => {
            "L'appel n'a pas pu être établi ; raccrochez et rappelez.".to_owned()
        }
        Reason::BadSdp => "L'appel n'a pas pu être établi : l'application a envoyé une offre de \
                           connexion que le serveur n'a pas pu lire."
            .to_owned(),
        Reason::SyncFirst => "L'application se met encore à jour auprès du serveur ; réessayez \
                              l'appel dans un instant."
            .to_owned(),
        Reason::NoSuchMessage { conversation, seq } => format!(
            "Il n'y a pas de message {seq} dans la conversation {conversation}, ou vous ne \
             pouvez pas le voir."
        ),
        Reason::SenderOnly { seq, .. } => {
            format!("Seul son expéditeur peut modifier ou supprimer le message {seq}.")
        }
        Reason::MessageDeleted { seq, .. } => format!("Le message {seq} a été supprimé."),
        Reason::NotATextMessage { seq, .. } => format!(
            "Le message {seq} n'est pas un texte : seuls les messages texte peuvent être \
             modifiés, cités ou recevoir une réaction."
        ),
        Reason::InvalidReaction => "Une réaction est un seul emoji.".to_owned(),
        Reason::TooManyReactions { max } => {
            format!("Un message peut porter au plus {max} réactions différentes.")
        }
        Reason::FileTooLarge { max } => format!(
            "Les fichiers de plus de {} ne peuvent pas être partagés.",
            octets(*max)
        ),
        Reason::QuotaExceeded { quota, used } => format!(
            "Ce fichier dépasse votre quota de stockage ({} utilisés sur {}).",
            octets(*used),
            octets(*quota)
        ),
        Reason::UploadOffset { held } => {
            format!("L'envoi reprend à l'octet {held}, pas là où commence cette partie.")
        }
        Reason::ChecksumMismatch => {
            "Le fichier est arrivé abîmé (sa somme de contrôle diffère) ; envoyez-le de nouveau."
                .to_owned()
        }
        Reason::UploadBusy => "Une autre partie de cet envoi est en cours de réception.".to_owned(),
        Reason::NoSuchFile => "Ce fichier n'existe pas, ou vous ne pouvez pas le voir.".to_owned(),
        Reason::BadFileName => {
            "Un nom de fichier fait de 1 à 255 octets, sans dossier ni caractère de contrôle."
                .to_owned()
        }
        Reason::BadChecksum => "Un hachage BLAKE3 s'écrit en 64 chiffres hexadécimaux.".to_owned(),
        Reason::UploadTooLong { size } => {
            format!("Il est arrivé plus d'octets que les {size} annoncés pour cet envoi.")
        }
        Reason::UploadInterrupted => {
            "L'envoi a été interrompu ; ce qui est arrivé est gardé, il peut reprendre.".to_owned()
        }
        Reason::MissingHeader { header } => {
            format!("Il manque à la requête son en-tête {header}.")
        }
        Reason::ImageUnreadable => {
            "L'image n'a pas pu être lue (abîmée, ou pas du type annoncé) : pas de vignette."
                .to_owned()
        }
        Reason::ImageTooLarge { width: 0, .. } => {
            "L'image est trop grande pour une vignette.".to_owned()
        }
        Reason::ImageTooLarge { width, height } => {
            format!("L'image est trop grande pour une vignette ({width} x {height} pixels).")
        }
        Reason::NoThumbnail => "Ce fichier n'a pas de vignette.".to_owned(),
        Reason::RecordingOff => "Ce serveur n'enregistre pas les réunions.".to_owned(),
        Reason::RecordingAlready { on: true } => "La réunion est déjà enregistrée.".to_owned(),
        Reason::RecordingAlready { on: false } => {
            "La réunion n'est pas en cours d'enregistrement.".to_owned()
        }
        Reason::NoMeetingMedia => {
            "Ce serveur ne transmet pas le son des réunions : son relais média est arrêté."
                .to_owned()
        }
        Reason::MailNotConfigured => {
            "Ce serveur n'est pas configuré pour envoyer des e-mails.".to_owned()
        }
        Reason::BadEmailAddress => "Ce n'est pas une adresse e-mail.".to_owned(),
        Reason::TooManyMails { per_hour } => format!(
            "Au plus {per_hour} historiques peuvent être envoyés par e-mail par heure ; \
             réessayez plus tard."
        ),
        Reason::MailFailed => {
            "Le serveur de messagerie n'a pas accepté l'e-mail ; rien n'a été envoyé.".to_owned()
        }
        Reason::Unknown => UNKNOWN_FR.to_owned(),
        _ => return None,
    };
    Some(text)
}

/// A byte count in French ("100 Mo", "1,5 Go", "512 octets").
fn octets(n: u64) -> String {
    confer_proto::bytes_text(n)
        .replace("bytes", "octets")
        .replace("kB", "ko")
        .replace("MB", "Mo")
        .replace("GB", "Go")
        .replace("TB", "To")
        .replace('.', ",")
}

/// A name in French quotation marks, with control, invisible and direction-changing
/// characters written as `\u{…}` (as the English sentences' `{:?}` does), so that a name can
/// neither drive a terminal nor disguise the sentence.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 6);
    out.push_str("« ");
    for c in text.chars() {
        let hidden = c.is_control()
            || matches!(
                c,
                '\u{00AD}'
                    | '\u{061C}'
                    | '\u{180E}'
                    | '\u{200B}'..='\u{200F}'
                    | '\u{2028}'..='\u{202E}'
                    | '\u{2060}'..='\u{206F}'
                    | '\u{FEFF}'
            );
        if hidden {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out.push_str(" »");
    out
}

/// The client core's own sentences (bad input, sign-in, reaching the server), with their
/// parameters, so that each front end says them in its language. The matches below are
/// exhaustive: a sentence added without its French wording does not compile.
#[derive(Debug, Clone, PartialEq)]
pub enum Sentence {
    /// A blank message.
    EmptyMessage,
    /// A message over the size limit.
    MessageTooLong {
        /// The limit, in bytes.
        max: usize,
        /// This message's size, in bytes.
        len: usize,
    },
    /// No server address in the configuration.
    NoServer,
    /// The profile directory belongs to another account.
    ProfileOfAnother {
        /// The profile directory.
        profile: String,
        /// Its owner.
        owner: String,
        /// Who tried to use it.
        user: String,
    },
    /// None of the servers answered.
    CannotReach {
        /// The servers, as configured.
        servers: String,
    },
    /// Connecting to one server timed out.
    ConnectTimedOut {
        /// Its address.
        url: String,
    },
    /// Connecting to one server failed.
    CannotConnect {
        /// Its address.
        url: String,
        /// Why, as the network library said it.
        detail: String,
    },
    /// The server refused the user name, password or token.
    WrongCredentials,
    /// No stored session and no password.
    NoPassword,
    /// The server refused the sign-in, for this reason.
    SignInRefused(ErrorBody),
    /// No message by that reference.
    NoSuchMessage {
        /// The reference given.
        reference: String,
    },
    /// A reference that is neither a message id nor CONVERSATION:SEQ.
    NotAMessageRef {
        /// The reference given.
        reference: String,
    },
    /// A reaction to a message still in the outbox.
    ReactOnceSent,
    /// Nothing from anyone else to mark unread.
    NothingToMarkUnread,
    /// A conversation the cache does not hold.
    NoConversationInCache {
        /// Its id.
        conversation: u64,
    },
}

/// A sentence of the core in the given language.
pub fn sentence(lang: Lang, s: &Sentence) -> String {
    use Sentence as S;
    match lang {
        Lang::En => match s {
            S::EmptyMessage => "A message cannot be empty.".to_owned(),
            S::MessageTooLong { max, len } => {
                format!("A message may hold at most {max} bytes; this one has {len}.")
            }
            S::NoServer => {
                "Give at least one server address (several are separated by commas).".to_owned()
            }
            S::ProfileOfAnother {
                profile,
                owner,
                user,
            } => format!("The profile {profile} belongs to {owner}; use another --profile for {user}."),
            S::CannotReach { servers } => format!("cannot reach {servers}"),
            S::ConnectTimedOut { url } => format!("connecting to {url} timed out"),
            S::CannotConnect { url, detail } => format!("cannot connect to {url}: {detail}"),
            S::WrongCredentials => "Wrong user name, password or token.".to_owned(),
            S::NoPassword => "No stored session and no password was given.".to_owned(),
            S::SignInRefused(body) => refusal(Lang::En, body),
            S::NoSuchMessage { reference } => format!("There is no message {reference} here."),
            S::NotAMessageRef { reference } => {
                format!("\"{reference}\" is not a message id or CONVERSATION:SEQ.")
            }
            S::ReactOnceSent => "A message is reacted to once it is sent.".to_owned(),
            S::NothingToMarkUnread => {
                "There is no message from anyone else to mark unread.".to_owned()
            }
            S::NoConversationInCache { conversation } => {
                format!("There is no conversation {conversation} in the cache.")
            }
        },
        Lang::Fr => match s {
            S::EmptyMessage => "Un message ne peut pas être vide.".to_owned(),
            S::MessageTooLong { max, len } => {
                format!("Un message fait au plus {max} octets ; celui-ci en fait {len}.")
            }
            S::NoServer => {
                "Indiquez au moins une adresse de serveur (plusieurs sont séparées par des virgules)."
                    .to_owned()
            }
            S::ProfileOfAnother {
                profile,
                owner,
                user,
            } => format!(
                "Le profil {profile} appartient à {owner} ; utilisez un autre --profile pour {user}."
            ),
            S::CannotReach { servers } => format!("impossible de joindre {servers}"),
            S::ConnectTimedOut { url } => format!("la connexion à {url} a expiré"),
            S::CannotConnect { url, detail } => {
                format!("impossible de se connecter à {url} : {detail}")
            }
            S::WrongCredentials => "Nom d'utilisateur, mot de passe ou jeton incorrect.".to_owned(),
            S::NoPassword => "Aucune session enregistrée et aucun mot de passe fourni.".to_owned(),
            S::SignInRefused(body) => refusal(Lang::Fr, body),
            S::NoSuchMessage { reference } => format!("Il n'y a pas de message {reference} ici."),
            S::NotAMessageRef { reference } => format!(
                "« {reference} » n'est ni un identifiant de message ni CONVERSATION:SEQ."
            ),
            S::ReactOnceSent => "On réagit à un message une fois qu'il est envoyé.".to_owned(),
            S::NothingToMarkUnread => {
                "Aucun message d'une autre personne à marquer comme non lu.".to_owned()
            }
            S::NoConversationInCache { conversation } => {
                format!("Il n'y a pas de conversation {conversation} dans le cache.")
            }
        },
    }
}

/// What a core error says: one of the core's sentences, worded in each language by
/// [`sentence`], or a technical detail (a system or library error) kept as it came.
#[derive(Debug, Clone, PartialEq)]
pub enum Text {
    /// A sentence of the core.
    Said(Sentence),
    /// A detail as it came (English, or the system's words).
    Detail(String),
}

impl Text {
    /// The text in the given language (a detail as it is).
    pub fn in_lang(&self, lang: Lang) -> String {
        match self {
            Text::Said(s) => sentence(lang, s),
            Text::Detail(d) => d.clone(),
        }
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.in_lang(Lang::En))
    }
}

impl From<Sentence> for Text {
    fn from(s: Sentence) -> Self {
        Text::Said(s)
    }
}

impl From<String> for Text {
    fn from(d: String) -> Self {
        Text::Detail(d)
    }
}

impl From<&str> for Text {
    fn from(d: &str) -> Self {
        Text::Detail(d.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use confer_proto::examples;

    use super::*;

    /// The numbers and names a reason carries, as a sentence writes them (a code point as
    /// U+XXXX); its `Field`, if any, apart.
    fn facts(r: &Reason) -> (Vec<String>, Option<Field>) {
        let value = serde_json::to_value(r).expect("reasons serialise");
        let serde_json::Value::Object(map) = value else {
            panic!("a reason serialises as an object: {value}");
        };
        let (mut texts, mut field) = (Vec::new(), None);
        for (key, v) in map {
            match (key.as_str(), v) {
                ("reason", _) => {}
                ("code_point", serde_json::Value::Number(n)) => {
                    texts.push(format!("U+{:04X}", n.as_u64().expect("a code point")));
                }
                (_, serde_json::Value::Number(n)) => texts.push(n.to_string()),
                ("field", v @ serde_json::Value::String(_))
                    if serde_json::from_value::<Field>(v.clone()).is_ok() =>
                {
                    field = serde_json::from_value::<Field>(v).ok();
                }
                (_, serde_json::Value::String(s)) => texts.push(s),
                // A flag picks the sentence (recording already on, or not); it is no fact.
                (_, serde_json::Value::Bool(_)) => {}
                (key, v) => panic!("unexpected parameter {key}: {v}"),
            }
        }
        (texts, field)
    }

    #[test]
    fn every_reason_has_its_own_french_sentence_with_its_facts() {
        for (_, r) in examples::reasons() {
            let en = reason(Lang::En, &r);
            assert_eq!(en, r.to_string(), "English is the protocol's sentence");
            assert!(french(&r).is_some(), "{r:?} has no French sentence");
            let fr = reason(Lang::Fr, &r);
            assert!(!fr.trim().is_empty(), "{r:?}");
            assert_ne!(fr, en, "{r:?} is not translated");
            for (lang, text) in [("en", &en), ("fr", &fr)] {
                assert!(
                    text.ends_with(['.', '!', '?', '…']),
                    "{lang} {r:?} ends like a sentence: {text}"
                );
            }
            let (texts, f) = facts(&r);
            // What the English sentence shows, the French one shows too.
            for fact in texts.iter().filter(|fact| en.contains(fact.as_str())) {
                assert!(fr.contains(fact.as_str()), "{r:?}: {fr:?} lacks {fact:?}");
            }
            if let Some(f) = f {
                assert!(en.contains(field(Lang::En, f)), "{r:?}: {en}");
                assert!(fr.contains(field(Lang::Fr, f)), "{r:?}: {fr}");
            }
        }
    }

    #[test]
    fn refusals_fall_back_on_the_code() {
        for (code, r) in examples::reasons() {
            let body = ErrorBody::new(code, r);
            assert_eq!(refusal(Lang::En, &body), crate::refusal_text(&body));
            let fr = refusal(Lang::Fr, &body);
            assert!(fr.ends_with('.') && fr != refusal(Lang::En, &body), "{fr}");
        }
        let unknown = ErrorBody::new(ErrorCode::Forbidden, Reason::Unknown);
        assert_eq!(
            refusal(Lang::En, &unknown),
            "The server refused the request (forbidden)."
        );
        assert_eq!(
            refusal(Lang::Fr, &unknown),
            "Vous n'avez pas le droit de faire cela."
        );
        let known = ErrorBody::new(ErrorCode::Conflict, Reason::Busy { name: "bob".into() });
        assert_eq!(
            refusal(Lang::Fr, &known),
            "bob est déjà en communication ; réessayez plus tard."
        );
    }

    #[test]
    fn every_code_has_a_sentence_in_each_language() {
        for (code, _) in examples::reasons() {
            let (en, fr) = (code_text(Lang::En, code), code_text(Lang::Fr, code));
            assert!(en.ends_with('.') && fr.ends_with('.'), "{en} / {fr}");
            assert_ne!(en, fr, "{code:?}");
            assert_ne!(en, "The server refused the request.", "{code:?} is worded");
        }
    }

    #[test]
    fn names_cannot_drive_the_terminal() {
        let r = Reason::NoSuchUser {
            name: "x\u{1b}[2J\u{202e}y".into(),
        };
        assert_eq!(
            reason(Lang::Fr, &r),
            "Il n'y a pas d'utilisateur nommé « x\\u{1b}[2J\\u{202e}y »."
        );
    }

    #[test]
    fn languages_parse_from_codes_and_locales() {
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("EN"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), Some(Lang::Fr));
        assert_eq!(Lang::parse("Fr"), Some(Lang::Fr));
        assert_eq!(Lang::parse("fr_FR.UTF-8"), Some(Lang::Fr));
        assert_eq!(Lang::parse("fr-CA"), Some(Lang::Fr));
        assert_eq!(Lang::parse("en_GB@euro"), Some(Lang::En));
        assert_eq!(Lang::parse(" fr "), Some(Lang::Fr));
        assert_eq!(Lang::parse("de_DE.UTF-8"), None);
        assert_eq!(Lang::parse("C"), None);
        assert_eq!(Lang::parse("french"), None);
        assert_eq!(Lang::parse(""), None);
        for lang in Lang::ALL {
            assert_eq!(Lang::parse(lang.as_str()), Some(lang));
        }
    }

    #[test]
    fn the_first_variable_set_decides_the_language() {
        fn env(pairs: &[(&str, &str)]) -> Lang {
            let vars: HashMap<String, String> = pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            Lang::from_vars(move |name| vars.get(name).cloned())
        }
        assert_eq!(env(&[]), Lang::En);
        assert_eq!(env(&[("LANG", "fr_FR.UTF-8")]), Lang::Fr);
        assert_eq!(env(&[("LANG", "de_DE.UTF-8")]), Lang::En);
        assert_eq!(env(&[("LANG", "fr_FR.UTF-8"), ("LC_ALL", "C")]), Lang::En);
        assert_eq!(
            env(&[("LANG", "en_US.UTF-8"), ("LC_MESSAGES", "fr_BE.UTF-8")]),
            Lang::Fr
        );
        assert_eq!(env(&[("LC_ALL", ""), ("LANG", "fr_FR")]), Lang::Fr);
        assert_eq!(env(&[("LC_ALL", "fr_FR"), ("CONFER_LANG", "en")]), Lang::En);
        assert_eq!(env(&[("LANG", "en_GB"), ("CONFER_LANG", "FR")]), Lang::Fr);
    }
}
