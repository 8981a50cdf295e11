//! Meetings' media: the SFU (`confer-sfu`) run inside this process, and the grants this
//! server mints for it. The meeting rules (`domain::meetings::media_rights`) decide who may
//! connect and as what; this module turns that into a signed grant and hands it to the SFU
//! with the client's offer, as a separate SFU process would receive it. The SFU itself never
//! reads the store.
//!
//! In a cluster a meeting lives on one node (its participants' media must meet on one SFU):
//! the first node to connect someone's media claims the meeting in the store
//! (`WriteOp::ClaimMediaHost`), and the others forward joins (and a recording's start) to it
//! over NATS request/reply; a node that answers no more is replaced by the next claim.
//! Whatever stops or restricts media (a departure, a mute, a deleted room, a recording's stop)
//! goes to every node, which applies it to the rooms its SFU carries, and is awaited on the
//! meeting's node: it then holds also when the meeting's row is already gone (its last
//! participant left) or media stayed on a node the claim moved from.

use std::{
    collections::VecDeque,
    net::SocketAddr,
    sync::Arc,
    time::{Duration, SystemTime},
};

use confer_proto::{ErrorBody, ErrorCode, Reason};
use confer_sfu::{Grant, GrantError, GrantKey, Lost, Sfu, SfuOptions};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::{sync::mpsc, task::JoinHandle, task::JoinSet, time::Instant};

use crate::{
    ApiError, AppState, ServerError,
    config::Config,
    domain::meetings::MediaRights,
    store::{Outcome, UserId, WriteOp},
};

/// NATS subject of the orders every node applies to the rooms its SFU carries.
const EVERY_NODE: &str = "confer.media.all";
/// Requests to one node's SFU await its answer this long at most.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Requests from the other nodes being served at once, at most; past that they wait.
const SERVING: usize = 64;

/// What a node asks of the SFU carrying a meeting: its own, or another node's.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum MediaOrder {
    /// Connect `identity` with these rights: answers the offer. (Goes to the meeting's node.)
    Join {
        identity: String,
        rights: MediaRights,
        offer: String,
    },
    /// Start recording, for `by`, since `since_ms`. (Goes to the meeting's node.)
    StartRecording { by: UserId, since_ms: i64 },
    /// Stop recording; the tracks are mixed and shared. (Every node; awaited on the
    /// meeting's.)
    StopRecording,
    /// Mute-for-all on or off. (Every node.)
    MuteAll { on: bool },
    /// A moderator muted one participant, or lifted it. (Every node.)
    Mute { identity: String, on: bool },
    /// Someone left or was sent out: their media connections close now. (Every node.)
    Remove { identity: String },
    /// The room was deleted: everyone's media in it closes now. (Every node.)
    CloseRoom,
}

impl MediaOrder {
    /// Whether it must run where the meeting's media is (else it goes to every node).
    fn for_the_host(&self) -> bool {
        matches!(self, Self::Join { .. } | Self::StartRecording { .. })
    }
}

/// An order as it crosses the cluster.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    conversation: u64,
    order: MediaOrder,
}

/// A node's answer to an order: the SDP answer of a join, or why it was refused.
type Reply = Result<Option<String>, ErrorBody>;

/// The cluster side of a node's media.
struct Cluster {
    nats: async_nats::Client,
    node: String,
}

/// The NATS subject a node serves its SFU on (node names are free text: spelled in hex).
fn node_subject(node: &str) -> String {
    let hex: String = node.bytes().map(|b| format!("{b:02x}")).collect();
    format!("confer.media.node.{hex}")
}

/// Lost connections waiting for their grace period at most; past that the SFU's reports
/// wait (they are rare: one per device that goes away).
const LOST_QUEUE: usize = 1024;

/// The SFU and the key its grants are signed with.
pub(crate) struct MeetingMedia {
    sfu: Sfu,
    key: GrantKey,
    /// Recordings going on and being finished (see `recording`).
    pub(crate) recorder: crate::recording::Recorder,
    /// In a cluster: the bus to the other nodes' SFUs.
    cluster: Option<Cluster>,
}

/// The SFU's name for a meeting: its conversation's id.
fn room(conversation: u64) -> String {
    conversation.to_string()
}

impl MeetingMedia {
    /// Starts the SFU the configuration asks for: one run as its own process at
    /// `sfu_control`, or one in this process on `sfu_listen`, else on the listening address
    /// with any free port. That one advertises the address it binds, so an unspecified one
    /// (listening on every interface without `sfu_listen`) leaves it off, and says so.
    ///
    /// The task runs until the last handle is dropped (with the server's state): an SFU in
    /// this process then tells every connection goodbye, while one run as its own process
    /// only loses its control connection (its participants stay connected); the caller awaits
    /// it then. The receiver gets the connections
    /// lost on their own, for [`follow_lost`].
    pub(crate) async fn start(
        config: &Config,
        listening: SocketAddr,
        nats: Option<async_nats::Client>,
    ) -> Result<Option<(Self, JoinHandle<()>, mpsc::Receiver<Lost>)>, ServerError> {
        if !config.sfu {
            return Ok(None);
        }
        let (lost_tx, lost) = mpsc::channel(LOST_QUEUE);
        let started = match config.sfu_control {
            Some(control) => Some(Self::connect(config, control, lost_tx).await?),
            None => Self::run_here(config, listening, lost_tx).await?,
        };
        let Some((sfu, task, key)) = started else {
            return Ok(None);
        };
        Ok(Some((
            Self {
                sfu,
                key,
                recorder: Default::default(),
                cluster: nats.map(|nats| Cluster {
                    nats,
                    node: config.node.clone(),
                }),
            },
            task,
            lost,
        )))
    }

    /// Connects to an SFU run as its own process at `control`: the key comes from the file
    /// the two share.
    async fn connect(
        config: &Config,
        control: SocketAddr,
        lost: mpsc::Sender<Lost>,
    ) -> Result<(Sfu, JoinHandle<()>, GrantKey), ServerError> {
        let Some(file) = &config.sfu_key_file else {
            return Err(ServerError::Config(
                "sfu_control needs sfu_key_file, the grant key shared with that SFU".into(),
            ));
        };
        let secret = std::fs::read(file).map_err(|e| {
            ServerError::Config(format!("cannot read the SFU's key {}: {e}", file.display()))
        })?;
        let key = || {
            GrantKey::new(secret.trim_ascii()).map_err(|e| {
                ServerError::Config(format!("the SFU's key in {}: {e}", file.display()))
            })
        };
        let (sfu, task) = Sfu::connect(control, key()?, Some(lost))
            .await
            .map_err(|e| {
                ServerError::Config(format!("cannot reach the SFU's control at {control}: {e}"))
            })?;
        tracing::info!(%control, media = %sfu.local_addr(), "meeting media (SFU process)");
        Ok((sfu, task, key()?))
    }

    /// Starts an SFU in this process (none when it would have no address to advertise).
    async fn run_here(
        config: &Config,
        listening: SocketAddr,
        lost: mpsc::Sender<Lost>,
    ) -> Result<Option<(Sfu, JoinHandle<()>, GrantKey)>, ServerError> {
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
        let key = || GrantKey::new(&secret).map_err(|e| ServerError::Config(e.to_string()));
        let options = SfuOptions {
            udp: bind,
            tcp: config.sfu_tcp.then(|| {
                config
                    .sfu_tcp_listen
                    .unwrap_or_else(|| SocketAddr::new(bind.ip(), 0))
            }),
            public_ip: config.sfu_public_ip,
        };
        let (sfu, task) = Sfu::start(options, key()?, Some(lost))
            .await
            .map_err(|e| ServerError::Config(format!("cannot start the SFU on {bind}: {e}")))?;
        tracing::info!(
            addr = %sfu.local_addr(),
            tcp = ?sfu.tcp_addr(),
            "meeting media (SFU) listening"
        );
        Ok(Some((sfu, task, key()?)))
    }

    /// The SFU, for the recordings.
    pub(crate) fn sfu(&self) -> &Sfu {
        &self.sfu
    }

    /// Connects `identity`'s media to the meeting of `conversation` with the rights the
    /// meeting rules gave: answers its offer.
    async fn join(
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
}

/// Carries out `order` for the meeting of `conversation` where it belongs: on this node's SFU,
/// on the node carrying the meeting (claimed by the first join), or on every node. Answers a
/// join's SDP. Orders that only stop or restrict media are logged when they fail, not
/// refused: the rules already stored them.
pub(crate) async fn order(
    state: &Arc<AppState>,
    conversation: u64,
    order: MediaOrder,
) -> Result<Option<String>, ApiError> {
    let Some(media) = &state.meeting_media else {
        return Err(ApiError::new(ErrorCode::Forbidden, Reason::NoMeetingMedia));
    };
    let Some(cluster) = &media.cluster else {
        return apply(state, media, conversation, order).await;
    };
    let envelope = Envelope {
        conversation,
        order,
    };
    let payload = serde_json::to_vec(&envelope).map_err(|e| {
        tracing::error!(error = %e, "cannot encode a media order");
        ApiError::fault()
    })?;
    if !envelope.order.for_the_host() {
        // Every node applies it to what its SFU carries: it holds also where media stayed on a
        // node the claim has moved from, and when the meeting's row went with this very
        // change (its last participant left, its room was deleted).
        if let Err(e) = cluster
            .nats
            .publish(EVERY_NODE, payload.clone().into())
            .await
        {
            tracing::warn!(error = %e, conversation, "a media order did not reach the other nodes");
        }
        let host = state.read(move |s| s.media_host(conversation)).await;
        return match host {
            // And on the node carrying the meeting it is in force when this returns.
            Ok(Some(host)) if host != cluster.node => match ask(cluster, &host, payload).await {
                Ok(reply) => reply.map_err(ApiError),
                // Gone, and the meeting's media with it.
                Err(Unanswered::Gone) => Ok(None),
                Err(Unanswered::Failed) => Err(ApiError::fault()),
            },
            _ => apply(state, media, conversation, envelope.order).await,
        };
    }
    let mut replacing = None;
    // Twice at most: the node found holding it may be gone, and the claim then moves.
    for _ in 0..2 {
        let op = WriteOp::ClaimMediaHost {
            conversation,
            node: cluster.node.clone(),
            replacing: replacing.take(),
        };
        let committed = state.writer.write(op).await.map_err(ApiError::from)?;
        let Outcome::Host(host) = committed.outcome else {
            tracing::error!("a media claim answered no node");
            return Err(ApiError::fault());
        };
        if host == cluster.node {
            return apply(state, media, conversation, envelope.order).await;
        }
        match ask(cluster, &host, payload.clone()).await {
            Ok(reply) => return reply.map_err(ApiError),
            Err(Unanswered::Gone) => {
                tracing::warn!(%host, conversation, "the node carrying a meeting's media is gone; this one takes it");
                replacing = Some(host);
            }
            Err(Unanswered::Failed) => return Err(ApiError::fault()),
        }
    }
    Err(ApiError::fault())
}

/// Why another node did not answer an order.
enum Unanswered {
    /// No such node listens (it stopped or died).
    Gone,
    /// It failed, or took too long (logged).
    Failed,
}

/// Sends an order to `host` and awaits its answer.
async fn ask(cluster: &Cluster, host: &str, payload: Vec<u8>) -> Result<Reply, Unanswered> {
    let asked = tokio::time::timeout(
        REQUEST_TIMEOUT,
        cluster.nats.request(node_subject(host), payload.into()),
    )
    .await;
    match asked {
        Ok(Ok(answer)) => serde_json::from_slice(&answer.payload).map_err(|e| {
            tracing::error!(error = %e, %host, "an unreadable answer to a media order");
            Unanswered::Failed
        }),
        Ok(Err(e)) if e.kind() == async_nats::client::RequestErrorKind::NoResponders => {
            Err(Unanswered::Gone)
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, %host, "a media order to another node failed");
            Err(Unanswered::Failed)
        }
        Err(_) => {
            tracing::error!(%host, "a media order to another node timed out");
            Err(Unanswered::Failed)
        }
    }
}

/// Carries out `order` on this node's SFU.
async fn apply(
    state: &Arc<AppState>,
    media: &MeetingMedia,
    conversation: u64,
    order: MediaOrder,
) -> Result<Option<String>, ApiError> {
    let room = room(conversation);
    let failed = |e: confer_sfu::Error, what: &str| {
        tracing::warn!(error = %e, conversation, "{what} did not reach the SFU");
    };
    match order {
        MediaOrder::Join {
            identity,
            rights,
            offer,
        } => {
            return media
                .join(conversation, &identity, rights, offer)
                .await
                .map(Some);
        }
        MediaOrder::StartRecording { by, since_ms } => {
            crate::recording::start(state, conversation, by, since_ms).await?;
        }
        MediaOrder::StopRecording => crate::recording::stop(state, conversation).await,
        MediaOrder::MuteAll { on } => {
            if let Err(e) = media.sfu.mute_all(&room, on).await {
                failed(e, "mute-for-all");
            }
        }
        MediaOrder::Mute { identity, on } => {
            if let Err(e) = media.sfu.mute(&room, &identity, on).await {
                failed(e, "a mute");
            }
        }
        MediaOrder::Remove { identity } => {
            if let Err(e) = media.sfu.remove(&room, &identity).await {
                failed(e, "a departure");
            }
            // If the meeting ended while being recorded, the recording stops with it.
            crate::recording::after_departure(state, conversation).await;
        }
        MediaOrder::CloseRoom => {
            if let Err(e) = media.sfu.close_room(&room).await {
                failed(e, "a deleted room");
            }
            // A recording there ended with it (its tracks stay on disk; there is no room to
            // share them in).
            crate::recording::after_departure(state, conversation).await;
        }
    }
    Ok(None)
}

/// In a cluster, carries out the other nodes' orders on this node's SFU until the server
/// stops: those for the meetings it carries (answered), and those for every node.
pub(crate) async fn serve_cluster(state: Arc<AppState>) {
    let Some(cluster) = state
        .meeting_media
        .as_ref()
        .and_then(|m| m.cluster.as_ref())
    else {
        return;
    };
    let (mut asked, mut told) = match (
        cluster.nats.subscribe(node_subject(&cluster.node)).await,
        cluster.nats.subscribe(EVERY_NODE).await,
    ) {
        (Ok(a), Ok(t)) => (a, t),
        _ => {
            tracing::error!(
                "cannot subscribe to the cluster's media orders: meetings stay on each node"
            );
            return;
        }
    };
    let mut shutdown = state.shutdown.subscribe();
    // The orders being carried out: they end with this task.
    let mut serving = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.recv() => return,
            Some(msg) = asked.next(), if serving.len() < SERVING => {
                let (state, nats) = (state.clone(), cluster.nats.clone());
                serving.spawn(async move {
                    let reply: Reply = match serde_json::from_slice::<Envelope>(&msg.payload) {
                        Ok(e) => order_here(&state, e).await,
                        Err(e) => Err(ApiError::new(
                            ErrorCode::Invalid,
                            Reason::MalformedFrame { detail: e.to_string() },
                        )
                        .0),
                    };
                    if let (Some(to), Ok(bytes)) = (msg.reply, serde_json::to_vec(&reply)) {
                        // The asking node gives up after a while; a late answer is dropped.
                        let _ = nats.publish(to, bytes.into()).await;
                    }
                });
            }
            Some(msg) = told.next(), if serving.len() < SERVING => {
                match serde_json::from_slice::<Envelope>(&msg.payload) {
                    Ok(e) if !e.order.for_the_host() => {
                        let state = state.clone();
                        serving.spawn(async move {
                            let _ = order_here(&state, e).await;
                        });
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "an unreadable media order"),
                }
            }
            Some(_) = serving.join_next(), if !serving.is_empty() => {}
        }
    }
}

/// Another node's order, carried out on this node's SFU.
async fn order_here(state: &Arc<AppState>, e: Envelope) -> Reply {
    let Some(media) = &state.meeting_media else {
        return Err(ApiError::new(ErrorCode::Forbidden, Reason::NoMeetingMedia).0);
    };
    apply(state, media, e.conversation, e.order)
        .await
        .map_err(|e| e.0)
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
            let identity = lost.identity.clone();
            let _ = order(state, conversation, MediaOrder::Remove { identity }).await;
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
