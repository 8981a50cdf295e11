//! The previewer: fetches the card (title, description, image) of a message's first link
//! after the message is stored, and attaches it through the writer like any change of the
//! message (`message_updated`). Sends never wait for it.
//!
//! The fetch runs under [`confer_preview`]'s guard against server-side request forgery, with
//! the configuration's allowlist. The page's image is redrawn here (decode limits, a small
//! JPEG or PNG) and travels inside the card as a `data:` URL: no third-party byte reaches a
//! client as it was, and the card is cached with its message on every device.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use base64::Engine;
use confer_preview::{AllowRange, Policy};
use confer_proto::LinkPreview;
use tokio::{
    sync::{broadcast, mpsc},
    task::JoinSet,
};
use tokio_util::task::TaskTracker;

use std::sync::Arc;

use crate::{config::Config, metrics::Metrics, store::WriteOp, writer::WriterHandle};

/// Messages waiting for their card; beyond this a card is skipped (a burst of links must not
/// hold memory).
const QUEUE: usize = 256;
/// Pages fetched at once.
const AT_ONCE: usize = 4;
/// URLs remembered (cards and failures).
const CACHE_ENTRIES: usize = 1024;
/// How long a card is reused for the same URL.
const CARD_FOR: Duration = Duration::from_secs(3600);
/// How long a URL without a card is not tried again.
const MISS_FOR: Duration = Duration::from_secs(600);
/// The longest side of a card's image, in pixels.
const IMAGE_SIDE: u32 = 240;
/// A card's image larger than this, as a data URL, is left out.
const MAX_IMAGE_URL: usize = 64 * 1024;

/// One message waiting for its card.
#[derive(Debug)]
struct Job {
    conversation: u64,
    seq: u64,
    url: String,
}

/// Where the handlers hand messages with a link. Off (`link_previews = false`), it takes none.
pub(crate) struct Previewer {
    jobs: Option<mpsc::Sender<Job>>,
}

impl Previewer {
    /// Starts the previewer's task (owned by `tracker`, stopped by `shutdown`), unless the
    /// configuration turns previews off.
    pub(crate) fn start(
        config: &Config,
        writer: WriterHandle,
        metrics: Arc<Metrics>,
        tracker: &TaskTracker,
        shutdown: broadcast::Receiver<()>,
    ) -> Self {
        if !config.link_previews {
            return Self { jobs: None };
        }
        let policy = Policy {
            // Checked by `Config::validate`.
            allow: config
                .link_preview_allow
                .iter()
                .filter_map(|r| AllowRange::parse(r))
                .collect(),
            ..Policy::default()
        };
        let (tx, rx) = mpsc::channel(QUEUE);
        tracker.spawn(run(rx, policy, writer, metrics, shutdown));
        Self { jobs: Some(tx) }
    }

    /// The link a card would be fetched for: the text's first `http(s)` link, when previews
    /// are on.
    pub(crate) fn link_in(&self, text: &str) -> Option<String> {
        self.jobs.as_ref()?;
        confer_preview::first_link(text).map(str::to_owned)
    }

    /// Asks for the card of `url` for message `seq`.
    pub(crate) fn request(&self, conversation: u64, seq: u64, url: String) {
        let Some(jobs) = &self.jobs else { return };
        if jobs
            .try_send(Job {
                conversation,
                seq,
                url,
            })
            .is_err()
        {
            tracing::debug!(conversation, seq, "preview queue full: no card");
        }
    }
}

/// Cards and failures by URL, each for its time.
#[derive(Default)]
struct Cache(HashMap<String, (Instant, Option<LinkPreview>)>);

impl Cache {
    fn get(&self, url: &str) -> Option<Option<LinkPreview>> {
        let (at, card) = self.0.get(url)?;
        let keep = if card.is_some() { CARD_FOR } else { MISS_FOR };
        (at.elapsed() < keep).then(|| card.clone())
    }

    fn put(&mut self, url: String, card: Option<LinkPreview>) {
        if self.0.len() >= CACHE_ENTRIES {
            // Full: entries past the shorter of the two times go; if that is not enough, all
            // go (a sweep is rare and cheap at this size).
            let now = Instant::now();
            self.0
                .retain(|_, (at, _)| now.duration_since(*at) < MISS_FOR);
            if self.0.len() >= CACHE_ENTRIES {
                self.0.clear();
            }
        }
        self.0.insert(url, (Instant::now(), card));
    }
}

async fn run(
    mut jobs: mpsc::Receiver<Job>,
    policy: Policy,
    writer: WriterHandle,
    metrics: Arc<Metrics>,
    mut shutdown: broadcast::Receiver<()>,
) {
    let mut cache = Cache::default();
    // The fetches in flight belong to this task: dropped with it at shutdown, they stop.
    let mut fetching: JoinSet<(String, Option<LinkPreview>)> = JoinSet::new();
    // Messages waiting for a fetch in flight; a second message with the same link waits for
    // the same fetch rather than repeat it.
    let mut waiting: Vec<Job> = Vec::new();
    loop {
        tokio::select! {
            _ = shutdown.recv() => return,
            job = jobs.recv(), if fetching.len() < AT_ONCE => {
                let Some(job) = job else { return };
                if let Some(card) = cache.get(&job.url) {
                    attach(&writer, job, card).await;
                    continue;
                }
                let in_flight = waiting.iter().any(|w| w.url == job.url);
                if !in_flight {
                    let (url, policy) = (job.url.clone(), policy.clone());
                    let metrics = metrics.clone();
                    fetching.spawn(async move {
                        let card = fetch_card(&url, &policy, &metrics).await;
                        (url, card)
                    });
                }
                waiting.push(job);
            }
            Some(done) = fetching.join_next(), if !fetching.is_empty() => {
                let Ok((url, card)) = done else { continue };
                cache.put(url.clone(), card.clone());
                let (ready, rest): (Vec<Job>, Vec<Job>) =
                    waiting.drain(..).partition(|w| w.url == url);
                waiting = rest;
                for job in ready {
                    attach(&writer, job, card.clone()).await;
                }
            }
        }
    }
}

async fn attach(writer: &WriterHandle, job: Job, card: Option<LinkPreview>) {
    let Some(card) = card else { return };
    let op = WriteOp::AttachPreview {
        conversation: job.conversation,
        seq: job.seq,
        url: job.url,
        preview: Box::new(card),
    };
    if let Err(e) = writer.write(op).await {
        tracing::warn!(error = %e, "attaching a link preview failed");
    }
}

/// The card of `url`, or none (the reason goes to the log: clients only see no card).
async fn fetch_card(url: &str, policy: &Policy, metrics: &Metrics) -> Option<LinkPreview> {
    let page = match confer_preview::preview(url, policy).await {
        Ok(page) => page,
        Err(e) => {
            let refused = matches!(e, confer_preview::PreviewError::Blocked { .. });
            metrics.link_preview(if refused { "refused" } else { "failed" });
            tracing::info!(%url, error = %e, "no link preview");
            return None;
        }
    };
    metrics.link_preview("card");
    let image = match page.image {
        Some(image) => tokio::task::spawn_blocking(move || {
            match confer_files::thumbnail_within(&image.bytes, IMAGE_SIDE) {
                Ok(t) => {
                    let data = base64::engine::general_purpose::STANDARD.encode(&t.bytes);
                    let url = format!("data:{};base64,{data}", t.mime);
                    (url.len() <= MAX_IMAGE_URL).then_some(url)
                }
                Err(e) => {
                    tracing::debug!(error = %e, "a link preview's image was not drawn");
                    None
                }
            }
        })
        .await
        .ok()
        .flatten(),
        None => None,
    };
    Some(LinkPreview {
        url: page.url,
        title: page.title,
        description: page.description,
        image,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{cluster::Fanout, store::SqliteStore};

    #[tokio::test]
    async fn turned_off_the_previewer_takes_no_link_and_runs_no_task() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open_dir(dir.path()).unwrap());
        let metrics = Arc::new(Metrics::default());
        let fanout = Fanout::Local(crate::hub::Hub::new(64));
        let (writer, thread) = crate::writer::spawn(store, fanout, "local".into(), metrics.clone());
        let tracker = TaskTracker::new();
        let (stop, _) = broadcast::channel(1);
        let text = "minutes (https://wiki.example.com/q3), then http://x.org";
        for (on, link) in [(false, None), (true, Some("https://wiki.example.com/q3"))] {
            let config = Config {
                link_previews: on,
                ..Config::default()
            };
            let previewer = Previewer::start(
                &config,
                writer.clone(),
                metrics.clone(),
                &tracker,
                stop.subscribe(),
            );
            assert_eq!(previewer.link_in(text).as_deref(), link, "on: {on}");
            assert_eq!(tracker.len(), usize::from(on), "on: {on}");
        }
        let _ = stop.send(());
        tracker.close();
        tracker.wait().await;
        writer.stop().await;
        thread.join().unwrap();
    }
}
