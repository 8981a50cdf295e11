//! Meetings' media on the client: this device's microphone and speaker joined to the meeting
//! the user is in, through the server's SFU. One offer with a line for the microphone and one
//! to hear each other participant at once; the server answers for its SFU with what the
//! user's grant allows (a moderator's mute-for-all silences the others at the SFU, not here).
//! Everyone heard is mixed into the one sink.
//!
//! `confer-cli meeting join --seconds N` runs meetings through here.

use std::time::{Duration, Instant};

use confer_media::peer::{DeviceNotice, Peer, PeerOptions, PeerStats};
use confer_proto::{Request, Response};

use crate::{Client, CoreError, call::CallMedia, unexpected};

/// Most participants heard at once: the SFU's limit of audio lines, less the microphone's.
pub const MAX_HEARD: usize = 32;

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
    /// into `media.sink`. Video is not carried yet: `media.camera` must be none.
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
    if media.camera.is_some() {
        return Err(CoreError::Invalid(
            "meetings carry sound only for now: no camera".into(),
        ));
    }
    let peer = Peer::new(PeerOptions {
        // The microphone's line hears someone too.
        audio_slots: heard.clamp(1, MAX_HEARD) - 1,
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
        camera: None,
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
