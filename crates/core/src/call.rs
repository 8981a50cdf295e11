//! 1:1 calls end to end on the client: the server's signalling ([`Client::place_call`] and
//! friends) joined to the media engine ([`confer_media::peer::Peer`]). The caller places the
//! call, waits for the answer, sends its offer and takes the callee's answer; the callee
//! answers, waits for the offer and replies. Either side then talks until one hangs up.
//!
//! The desktop shell and `confer-cli call` / `answer` both run calls through here.

use std::time::{Duration, Instant};

use confer_media::{
    AudioSink, AudioSource, MediaError, VideoSink, VideoSource,
    peer::{DeviceNotice, IceServer, MediaIo, Peer, PeerOptions, PeerStats},
};
use confer_proto::{CallEnd, CallInfo, CallSignal, Event};
use tokio::sync::broadcast;

use crate::{Client, CoreError};

/// How a call's media is set up.
pub struct CallMedia {
    /// What this side says.
    pub source: Box<dyn AudioSource>,
    /// Where what the other side says goes.
    pub sink: Box<dyn AudioSink>,
    /// This side's camera, in a video call.
    pub camera: Option<Box<dyn VideoSource>>,
    /// Where the other side's pictures go.
    pub view: Option<Box<dyn VideoSink>>,
    /// Only relayed candidates (through the server's TURN relay).
    pub relay_only: bool,
    /// Send a live microphone as captured, without echo cancellation or noise suppression
    /// (music, measurements: "original sound").
    pub original_sound: bool,
}

impl CallMedia {
    fn into_io(self) -> MediaIo {
        MediaIo {
            source: self.source,
            sink: self.sink,
            camera: self.camera,
            view: self.view,
        }
    }
}

/// A call in progress.
pub struct ActiveCall {
    /// The call as the server described it.
    pub info: CallInfo,
    peer: Peer,
    events: broadcast::Receiver<Event>,
    /// When this side sent its offer (the caller) or got it (the callee).
    offered_at: Instant,
    ended: Option<CallEnd>,
}

/// A call's figures at its end.
#[derive(Debug, Clone, PartialEq)]
pub struct CallReport {
    /// From the offer to the first remote audio decoded, milliseconds.
    pub setup_ms: Option<u64>,
    /// Media figures.
    pub media: PeerStats,
    /// Why it ended: `None` when this side hung up.
    pub ended_by_peer: Option<CallEnd>,
}

/// How long the other side may take to answer, to send its description, to connect.
const STEP_TIMEOUT: Duration = Duration::from_secs(20);

fn media_error(e: MediaError) -> CoreError {
    CoreError::Invalid(format!("call media: {e}").into())
}

fn peer_options(info: &CallInfo, media: &CallMedia) -> PeerOptions {
    let relay_only = media.relay_only;
    PeerOptions {
        ice_servers: info
            .ice_servers
            .iter()
            .map(|s| IceServer {
                urls: s.urls.clone(),
                username: s.username.clone(),
                credential: s.credential.clone(),
            })
            .collect(),
        relay_only,
        video: info.video,
        cleaning: (!media.original_sound).then(Default::default),
        ..PeerOptions::default()
    }
}

/// Waits for the next event of call `id` that `pick` keeps; an end of the call is an error
/// unless `pick` keeps it.
async fn next_call_event<T>(
    events: &mut broadcast::Receiver<Event>,
    id: u64,
    mut pick: impl FnMut(&Event) -> Option<T>,
) -> Result<T, CoreError> {
    let wait = async {
        loop {
            match events.recv().await {
                Ok(e) => {
                    if let Some(v) = pick(&e) {
                        return Ok(v);
                    }
                    if let Event::CallEnded { call, reason } = e
                        && call == id
                    {
                        return Err(CoreError::Invalid(
                            format!("the call ended: {reason:?}").into(),
                        ));
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return Err(CoreError::Offline),
            }
        }
    };
    tokio::time::timeout(STEP_TIMEOUT, wait)
        .await
        .map_err(|_| CoreError::Timeout)?
}

impl Client {
    /// Calls the other member of a direct conversation and, once they answer, connects the
    /// media. Ends with an error when the call is declined, missed or fails to connect (the
    /// call is then hung up, so nothing is left half-open).
    pub async fn call(
        &self,
        conversation: u64,
        video: bool,
        media: CallMedia,
    ) -> Result<ActiveCall, CoreError> {
        let events = self.subscribe_calls();
        let info = self.place_call(conversation, video).await?;
        self.connect_placed(info, events, media).await
    }

    /// The rest of [`Client::call`] once the call is placed: `events` must have been subscribed
    /// before it was, so that the answer cannot slip by.
    pub async fn connect_placed(
        &self,
        info: CallInfo,
        mut events: broadcast::Receiver<Event>,
        media: CallMedia,
    ) -> Result<ActiveCall, CoreError> {
        let id = info.id;
        let setup = async {
            // The callee has the full ring time to answer.
            let ring = Duration::from_millis(confer_proto::RING_TIMEOUT_MS) + STEP_TIMEOUT;
            tokio::time::timeout(
                ring,
                next_call_event(&mut events, id, |e| {
                    matches!(e, Event::CallAnswered { call } if *call == id).then_some(())
                }),
            )
            .await
            .map_err(|_| CoreError::Timeout)??;
            let peer = Peer::new(peer_options(&info, &media))
                .await
                .map_err(media_error)?;
            let offer = peer.offer().await.map_err(media_error)?;
            let offered_at = Instant::now();
            self.call_signal(id, CallSignal::Offer { sdp: offer })
                .await?;
            let answer = next_call_event(&mut events, id, |e| match e {
                Event::CallSignal {
                    call,
                    signal: CallSignal::Answer { sdp },
                } if *call == id => Some(sdp.clone()),
                _ => None,
            })
            .await?;
            peer.accept(&answer).await.map_err(media_error)?;
            peer.connected(STEP_TIMEOUT).await.map_err(media_error)?;
            peer.start(media.into_io()).await.map_err(media_error)?;
            Ok::<_, CoreError>((peer, offered_at))
        };
        let result = setup.await;
        self.settle(info, events, result).await
    }

    /// The end of a set-up: the call in progress, or, whatever step failed, the call hung up
    /// (so nothing is left half-open).
    async fn settle(
        &self,
        info: CallInfo,
        events: broadcast::Receiver<Event>,
        setup: Result<(Peer, Instant), CoreError>,
    ) -> Result<ActiveCall, CoreError> {
        match setup {
            Ok((peer, offered_at)) => Ok(ActiveCall {
                info,
                peer,
                events,
                offered_at,
                ended: None,
            }),
            Err(e) => {
                let _ = self.hang_up(info.id).await;
                Err(e)
            }
        }
    }

    /// Waits for a call to ring on this device (from `from`, when given) and returns it.
    pub async fn next_ringing(
        &self,
        from: Option<&str>,
        timeout: Duration,
    ) -> Result<CallInfo, CoreError> {
        let mut events = self.subscribe_calls();
        Self::ringing_on(&mut events, from, timeout).await
    }

    /// The next call ringing among `events` (subscribed with [`Client::subscribe_calls`]
    /// before the call could ring).
    pub async fn ringing_on(
        events: &mut broadcast::Receiver<Event>,
        from: Option<&str>,
        timeout: Duration,
    ) -> Result<CallInfo, CoreError> {
        let wait = async {
            loop {
                match events.recv().await {
                    Ok(Event::CallRinging { call })
                        if from.is_none_or(|f| f.eq_ignore_ascii_case(&call.caller)) =>
                    {
                        return Ok(call);
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return Err(CoreError::Offline),
                }
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| CoreError::Timeout)?
    }

    /// Answers a ringing call and connects its media.
    pub async fn accept(&self, info: CallInfo, media: CallMedia) -> Result<ActiveCall, CoreError> {
        let mut events = self.subscribe_calls();
        let id = info.id;
        let info = self.answer_call(id).await?;
        let setup = async {
            let peer = Peer::new(peer_options(&info, &media))
                .await
                .map_err(media_error)?;
            let offer = next_call_event(&mut events, id, |e| match e {
                Event::CallSignal {
                    call,
                    signal: CallSignal::Offer { sdp },
                } if *call == id => Some(sdp.clone()),
                _ => None,
            })
            .await?;
            let offered_at = Instant::now();
            let answer = peer.answer(&offer).await.map_err(media_error)?;
            self.call_signal(id, CallSignal::Answer { sdp: answer })
                .await?;
            peer.connected(STEP_TIMEOUT).await.map_err(media_error)?;
            peer.start(media.into_io()).await.map_err(media_error)?;
            Ok::<_, CoreError>((peer, offered_at))
        };
        let result = setup.await;
        self.settle(info, events, result).await
    }
}

impl ActiveCall {
    /// Talks for `duration`, or until the other side hangs up (or its connection goes).
    pub async fn talk(&mut self, duration: Duration) {
        let id = self.info.id;
        let ended = async {
            loop {
                match self.events.recv().await {
                    Ok(Event::CallEnded { call, reason }) if call == id => return Some(reason),
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        };
        if let Ok(reason) = tokio::time::timeout(duration, ended).await {
            self.ended = reason.or(Some(CallEnd::Disconnected));
        }
    }

    /// Why the other side ended the call, once it did.
    pub fn ended_by_peer(&self) -> Option<CallEnd> {
        self.ended
    }

    /// Mutes the microphone, turns the camera off (or back on).
    pub fn set_controls(&self, muted: bool, camera_off: bool) {
        self.peer.set_muted(muted);
        self.peer.set_camera_off(camera_off);
    }

    /// Current media figures.
    pub async fn stats(&self) -> PeerStats {
        self.peer.stats().await
    }

    /// Speaks into another microphone from now on.
    pub fn use_microphone(&self, source: Box<dyn AudioSource>) -> Result<(), CoreError> {
        self.peer.use_microphone(source).map_err(media_error)
    }

    /// Plays the other side on another speaker from now on.
    pub fn use_speaker(&self, sink: Box<dyn AudioSink>) -> Result<(), CoreError> {
        self.peer.use_speaker(sink).map_err(media_error)
    }

    /// Sends another camera from now on (a video call).
    pub fn use_camera(&self, camera: Box<dyn VideoSource>) {
        self.peer.use_camera(camera);
    }

    /// Devices unplugged during the call, and the defaults that took their place.
    pub fn device_notices(&self) -> tokio::sync::broadcast::Receiver<DeviceNotice> {
        self.peer.device_notices()
    }

    /// Hangs up (unless the other side did) and closes the media; returns the figures.
    pub async fn finish(self, client: &Client) -> Result<CallReport, CoreError> {
        if self.ended.is_none() {
            // The other side may have hung up at the same moment: then there is no call left.
            match client.hang_up(self.info.id).await {
                Ok(()) | Err(CoreError::Refused(_)) => {}
                Err(e) => return Err(e),
            }
        }
        let media = self.peer.close().await.map_err(media_error)?;
        let setup_ms = media
            .first_audio
            .map(|t| t.saturating_duration_since(self.offered_at).as_millis() as u64);
        Ok(CallReport {
            setup_ms,
            media,
            ended_by_peer: self.ended,
        })
    }
}
