//! Meetings' media: the SFU (`confer-sfu`) run inside this process, and the grants this
//! server mints for it. The meeting rules (`domain::meetings::media_rights`) decide who may
//! connect and as what; this module turns that into a signed grant and hands it to the SFU
//! with the client's offer, as a separate SFU process would receive it. The SFU itself never
//! reads the store.

use std::{
    collections::VecDeque,
    net::SocketAddr,
    sync::Arc,
    time::{Duration, SystemTime},
};

use confer_proto::{ErrorCode, Reason};
use confer_sfu::{Grant, GrantError, GrantKey, Lost, Sfu, SfuOptions};
use tokio::{sync::mpsc, task::JoinHandle, time::Instant};

use crate::{
    ApiError, AppState, ServerError, config::Config, domain::meetings::MediaRights, store::WriteOp,
};

/// Lost connections waiting for their grace period at most; past that the SFU's reports
/// wait (they are rare: one per device that goes away).
const LOST_QUEUE: usize = 1024;

/// The SFU and the key its grants are signed with.
pub(crate) struct MeetingMedia {
    sfu: Sfu,
    key: GrantKey,
    /// Recordings going on and being finished (see `recording`).
    pub(crate) recorder: crate::recording::Recorder,
}

/// The SFU's name for a meeting: its conversation's id.
fn room(conversation: u64) -> String {
    conversation.to_string()
}

impl MeetingMedia {
    /// Starts the SFU the configuration asks for: on `sfu_listen`, else on the listening
    /// address with any free port. It advertises the address it binds, so an unspecified one
    /// (listening on every interface without `sfu_listen`) leaves it off, and says so.
    ///
    /// The task runs until the last handle is dropped (with the server's state), then tells
    /// every connection goodbye: the caller awaits it then. The receiver gets the connections
    /// lost on their own, for [`follow_lost`].
    pub(crate) async fn start(
        config: &Config,
        listening: SocketAddr,
    ) -> Result<Option<(Self, JoinHandle<()>, mpsc::Receiver<Lost>)>, ServerError> {
        if !config.sfu {
            return Ok(None);
        }
        let bind = config
            .sfu_listen
            .unwrap_or_else(|| SocketAddr::new(listening.ip(), 0));
        if bind.ip().is_unspecified() && config.sfu_public_ip.is_none() {
            tracing::warn!(
                "meetings carry no media: the SFU would listen on every interface, so set sfu_listen (or sfu_public_ip) to the address devices reach"
            );
            return Ok(None);
        }
        // A fresh key each start: grants live a minute, and none outlives this process's SFU.
        let secret: [u8; 32] = rand::random();
        let key = |s: &[u8]| GrantKey::new(s).map_err(|e| ServerError::Config(e.to_string()));
        let (lost_tx, lost) = mpsc::channel(LOST_QUEUE);
        let options = SfuOptions {
            udp: bind,
            tcp: config.sfu_tcp.then(|| {
                config
                    .sfu_tcp_listen
                    .unwrap_or_else(|| SocketAddr::new(bind.ip(), 0))
            }),
            public_ip: config.sfu_public_ip,
        };
        let (sfu, task) = Sfu::start(options, key(&secret)?, Some(lost_tx))
            .await
            .map_err(|e| ServerError::Config(format!("cannot start the SFU on {bind}: {e}")))?;
        tracing::info!(
            addr = %sfu.local_addr(),
            tcp = ?sfu.tcp_addr(),
            "meeting media (SFU) listening"
        );
        Ok(Some((
            Self {
                sfu,
                key: key(&secret)?,
                recorder: Default::default(),
            },
            task,
            lost,
        )))
    }

    /// The SFU, for the recordings.
    pub(crate) fn sfu(&self) -> &Sfu {
        &self.sfu
    }

    /// Connects `identity`'s media to the meeting of `conversation` with the rights the
    /// meeting rules gave: answers its offer.
    pub(crate) async fn join(
        &self,
        conversation: u64,
        identity: &str,
        rights: MediaRights,
        offer: String,
    ) -> Result<String, ApiError> {
        let room = room(conversation);
        // The SFU forgets mute-for-all when the server restarts: the room's state comes with
        // each connection, from the store.
        if let Some(muted) = rights.room_muted {
            self.sfu.mute_all(&room, muted).await.map_err(fault)?;
        }
        self.sfu
            .mute(&room, identity, rights.muted)
            .await
            .map_err(fault)?;
        let grant = Grant {
            moderate: rights.moderate,
            source: confer_proto::media_source(identity),
            ..Grant::participant(&room, identity, SystemTime::now())
        };
        match self.sfu.join(&self.key.sign(&grant), offer).await {
            Ok((_, answer)) => Ok(answer),
            Err(confer_sfu::Error::BadOffer(why)) => {
                tracing::debug!(%why, "meeting media offer refused");
                Err(ApiError::new(ErrorCode::Invalid, Reason::BadSdp))
            }
            // Removed from the meeting within the last minute.
            Err(confer_sfu::Error::Grant(GrantError::Revoked)) => Err(ApiError::new(
                ErrorCode::NotFound,
                Reason::NotInMeeting { conversation },
            )),
            Err(e) => Err(fault(e)),
        }
    }

    /// Mute-for-all changed: the SFU stops (or resumes) relaying everyone but the moderators.
    pub(crate) async fn mute_all(&self, conversation: u64, on: bool) {
        if let Err(e) = self.sfu.mute_all(&room(conversation), on).await {
            tracing::warn!(error = %e, conversation, "mute-for-all did not reach the SFU");
        }
    }

    /// A moderator muted one participant, or lifted it: the SFU stops (or resumes) relaying
    /// them.
    pub(crate) async fn mute(&self, conversation: u64, identity: &str, on: bool) {
        if let Err(e) = self.sfu.mute(&room(conversation), identity, on).await {
            tracing::warn!(error = %e, conversation, "a mute did not reach the SFU");
        }
    }

    /// The room was deleted: everyone's media connections in it close now.
    pub(crate) async fn close_room(&self, conversation: u64) {
        if let Err(e) = self.sfu.close_room(&room(conversation)).await {
            tracing::warn!(error = %e, conversation, "a deleted room did not reach the SFU");
        }
    }

    /// Someone left the meeting or was sent out: their media connections close now.
    pub(crate) async fn remove(&self, conversation: u64, identity: &str) {
        if let Err(e) = self.sfu.remove(&room(conversation), identity).await {
            tracing::warn!(error = %e, conversation, "a departure did not reach the SFU");
        }
    }
}

/// Meeting presence follows the media: a participant whose media connection was lost and who
/// has none back after `meeting_grace_secs` leaves the meeting, as if they had left it
/// themselves (everyone sees them go). Runs until the server stops.
pub(crate) async fn follow_lost(state: Arc<AppState>, mut lost: mpsc::Receiver<Lost>) {
    let grace = Duration::from_secs(state.config.meeting_grace_secs);
    let mut shutdown = state.shutdown.subscribe();
    // One grace period for everyone, so the queue is in deadline order.
    let mut waiting: VecDeque<(Instant, Lost)> = VecDeque::new();
    loop {
        let next = waiting.front().map(|(due, _)| *due);
        tokio::select! {
            _ = shutdown.recv() => return,
            report = lost.recv(), if waiting.len() < LOST_QUEUE => match report {
                Some(report) => waiting.push_back((Instant::now() + grace, report)),
                None => return,
            },
            () = tokio::time::sleep_until(next.unwrap_or_else(Instant::now)), if next.is_some() => {
                if let Some((_, report)) = waiting.pop_front() {
                    leave_if_still_gone(&state, report).await;
                }
            }
        }
    }
}

/// The grace period of `lost` is over: unless a connection of theirs is back, they leave.
async fn leave_if_still_gone(state: &Arc<AppState>, lost: Lost) {
    let Some(media) = &state.meeting_media else {
        return;
    };
    let Ok(conversation) = lost.room.parse::<u64>() else {
        return;
    };
    match media.sfu.present(&lost.room, &lost.identity).await {
        Ok(false) => {}
        // Back, or the SFU is stopping with the server.
        Ok(true) | Err(_) => return,
    }
    let name = lost.identity.clone();
    let user = match state.read(move |s| s.user_by_name(&name)).await {
        Ok(Some(user)) => user,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(error = ?e.0, "a lost participant could not be looked up");
            return;
        }
    };
    let op = WriteOp::LeaveMeeting {
        user: user.id,
        conversation,
    };
    match state.writer.write(op).await {
        Ok(_) => {
            tracing::info!(
                conversation,
                identity = %lost.identity,
                "left the meeting: its media connection was lost"
            );
            // Grants minted before now are refused: the device joins the meeting again first.
            media.remove(conversation, &lost.identity).await;
            crate::recording::after_departure(state, conversation).await;
        }
        // Already out (left, sent out, or the meeting ended meanwhile).
        Err(e) => {
            tracing::debug!(error = %e, conversation, "a lost participant was not in the meeting")
        }
    }
}

fn fault(e: confer_sfu::Error) -> ApiError {
    tracing::error!(error = %e, "the SFU failed");
    ApiError::fault()
}
