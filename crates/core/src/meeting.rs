//! Meetings' media on the client: this device's microphone, speaker and (when given) camera
//! joined to the meeting the user is in, through the server's SFU. One offer with a line for
//! the microphone and one to hear each other participant at once, and with video a line for
//! the camera and one per tile; the server answers for its SFU with what the user's grant
//! allows (a moderator's mute-for-all silences the others at the SFU, not here). Everyone
//! heard is mixed into the one sink; the SFU names each packet's publisher, so what came from
//! whom is known ([`source_names`]).
//!
//! `confer-cli meeting join --seconds N` runs meetings through here.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use confer_media::peer::{DeviceNotice, Peer, PeerOptions, PeerStats};
use confer_proto::{OngoingMeeting, Request, Response, external_guest_identity, media_source};

use crate::{Client, CoreError, call::CallMedia, unexpected};

/// Most participants heard at once: the SFU's limit of audio lines, less the microphone's.
pub const MAX_HEARD: usize = 32;

/// Most participants seen at once: the largest grid's tiles (beyond, the SFU hands the lines
/// to whoever comes first; the active speakers are picked on the client).
pub const MAX_SEEN: usize = 9;

/// How long the SFU may take to connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// This device's media in a meeting.
pub struct ActiveMeeting {
    /// The room (or direct conversation).
    pub conversation: u64,
    peer: Peer,
    offered_at: Instant,
}

/// A meeting's figures for this device at its end.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingReport {
    /// From the offer to the first remote audio played, milliseconds.
    pub join_ms: Option<u64>,
    /// Media figures (what was received is everyone else's, together).
    pub media: PeerStats,
}

fn media_error(e: confer_media::MediaError) -> CoreError {
    CoreError::Invalid(format!("meeting media: {e}").into())
}

impl Client {
    /// Connects this device's media to the meeting of `conversation`, which the user is in
    /// (started or joined): says what `media.source` says, plays up to `heard` others at once
    /// into `media.sink`. With `media.camera` it sends pictures too, and with a camera or a
    /// `media.view` it receives up to [`MAX_SEEN`] others' (the first into the view).
    pub async fn join_meeting_media(
        &self,
        conversation: u64,
        media: CallMedia,
        heard: usize,
    ) -> Result<ActiveMeeting, CoreError> {
        connect(&self.inner.handle()?, conversation, media, heard).await
    }
}

/// Connects media to a meeting over `conn` (a user's connection, or an admitted guest's).
pub(crate) async fn connect(
    conn: &crate::connection::ConnHandle,
    conversation: u64,
    media: CallMedia,
    heard: usize,
) -> Result<ActiveMeeting, CoreError> {
    let video = media.camera.is_some() || media.view.is_some();
    let peer = Peer::new(PeerOptions {
        // The microphone's line hears someone too, and the camera's shows someone.
        audio_slots: heard.clamp(1, MAX_HEARD) - 1,
        video,
        video_slots: if video { MAX_SEEN - 1 } else { 0 },
        cleaning: (!media.original_sound).then(Default::default),
        ..PeerOptions::default()
    })
    .await
    .map_err(media_error)?;
    let offered_at = Instant::now();
    let offer = peer.offer().await.map_err(media_error)?;
    let answer = answer(conn, conversation, offer).await?;
    peer.accept(&answer).await.map_err(media_error)?;
    peer.connected(CONNECT_TIMEOUT).await.map_err(media_error)?;
    peer.start(confer_media::peer::MediaIo {
        source: media.source,
        sink: media.sink,
        camera: media.camera,
        view: media.view,
    })
    .await
    .map_err(media_error)?;
    Ok(ActiveMeeting {
        conversation,
        peer,
        offered_at,
    })
}

/// The SFU's answer to `offer`, through the server.
async fn answer(
    conn: &crate::connection::ConnHandle,
    conversation: u64,
    offer: String,
) -> Result<String, CoreError> {
    match conn
        .request(Request::JoinMeetingMedia {
            conversation,
            offer,
        })
        .await?
    {
        Response::MeetingMedia { answer } => Ok(answer),
        other => Err(unexpected(other)),
    }
}

impl Client {
    /// The SFU's answer (SDP) to a WebRTC offer for the meeting of `conversation`, as the
    /// user's grant allows. [`Client::join_meeting_media`] is the whole join; this is for
    /// peers built elsewhere (the SFU benchmark's synthetic participants).
    pub async fn meeting_media_answer(
        &self,
        conversation: u64,
        offer: String,
    ) -> Result<String, CoreError> {
        answer(&self.inner.handle()?, conversation, offer).await
    }
}

impl ActiveMeeting {
    /// Figures so far.
    pub async fn stats(&self) -> PeerStats {
        self.peer.stats().await
    }

    /// Mutes or unmutes this device's microphone.
    pub fn set_muted(&self, muted: bool) {
        self.peer.set_muted(muted);
    }

    /// Devices unplugged during the meeting, and the defaults that took their place.
    pub fn device_notices(&self) -> tokio::sync::broadcast::Receiver<DeviceNotice> {
        self.peer.device_notices()
    }

    /// Until the SFU closes the connection (the user left or was sent out) or `within`
    /// passes; true when it closed.
    pub async fn closed_within(&self, within: Duration) -> bool {
        self.peer.closed_within(within).await
    }

    /// Closes this device's media (the user stays in the meeting: leave it for that);
    /// returns the figures.
    pub async fn finish(self) -> Result<MeetingReport, CoreError> {
        let media = self.peer.close().await.map_err(media_error)?;
        let join_ms = media
            .first_audio
            .map(|t| t.saturating_duration_since(self.offered_at).as_millis() as u64);
        Ok(MeetingReport { join_ms, media })
    }
}

/// Who each media source of `meeting` is: every participant and guest in it, by the CSRC the
/// SFU puts on their media (see [`confer_proto::media_source`]), named as people see them.
pub fn source_names(meeting: &OngoingMeeting) -> HashMap<u32, String> {
    let mut names: HashMap<u32, String> = meeting
        .participants
        .iter()
        .map(|name| (media_source(name), name.clone()))
        .collect();
    for guest in &meeting.guests {
        // An internal guest is in by account name, an external one by id.
        let identity = if guest.external {
            external_guest_identity(guest.id)
        } else {
            guest.name.clone()
        };
        names.insert(media_source(&identity), guest.name.clone());
    }
    names
}
