//! Login storm: many users sign in with their session tokens at once, as after a server restart
//! or at nine in the morning. Measures sign-ins per second and the presence traffic they cause.
//!
//! A sign-in is what a client does on an open socket: `auth` with its token, `watch_presence`
//! (with `--watch`), then `sync` until its reply. The users and tokens are created first and
//! every socket is open before the clock starts; `logins_per_sec` is the users over the time
//! until the last `sync` reply. `presence_events` counts the presence updates delivered to all
//! clients (a batch counts each of its entries), `presence_frames` the frames carrying them,
//! `snapshot_entries` the entries of all `sync` replies. `peak_rss_mib` is the whole process:
//! the server and its thousand clients.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use confer_proto::{Event, PROTOCOL_VERSION, Request, Response, ServerFrame};
use confer_server::{
    auth,
    store::{Outcome, PresencePolicy, SqliteStore, Store, WriteOp},
};
use confer_testkit::{Client, TestServer};
use serde_json::json;

/// Parameters of the login storm.
#[derive(Debug, Clone, Copy)]
pub struct StormParams {
    /// Users signing in, each with one device.
    pub users: usize,
    /// How many other users each one asks presence for (the next ones by number, as a
    /// conversation list would); 0 asks for none.
    pub watch: usize,
    /// Under the `subscribers` presence policy instead of `organization`.
    pub subscribers: bool,
    /// Accepted favourites per user (the next ones by number), made before the storm: they
    /// are watched without asking and, under `subscribers`, the only ones seen.
    pub favourites: usize,
    /// Start the clock before the sockets connect instead of once they are all open.
    pub with_connect: bool,
}

/// Nothing for this long after the last sign-in: the presence traffic has settled.
const QUIET: Duration = Duration::from_millis(1000);

fn name(i: usize) -> String {
    format!("u{i:05}")
}

/// Creates the users and one session token each, straight in the store (as `confer-server user
/// add` does), so that the storm measures token sign-ins only.
fn prepare(server: &TestServer, p: &StormParams) -> Result<Vec<String>> {
    let users = p.users;
    let store = SqliteStore::open_dir(&server.data_dir)?;
    // One hash for everyone: hashing a thousand passwords would only slow the preparation.
    let hash = auth::hash_password("bench-password").map_err(|e| anyhow::anyhow!("{e}"))?;
    let ops = (0..users)
        .map(|i| WriteOp::CreateUser {
            name: name(i),
            display_name: format!("User {i}"),
            email: None,
            password_hash: hash.clone(),
        })
        .collect();
    let mut ids = Vec::with_capacity(users);
    for r in store.write_batch(ops)? {
        match r?.outcome {
            Outcome::User(id) => ids.push(id),
            o => bail!("unexpected outcome {o:?}"),
        }
    }
    let tokens: Vec<String> = (0..users).map(|_| auth::new_token()).collect();
    let ops = ids
        .iter()
        .zip(&tokens)
        .map(|(&user, token)| WriteOp::CreateSession {
            user,
            token_hash: auth::token_hash(token),
            device: Some("storm".into()),
        })
        .collect();
    for r in store.write_batch(ops)? {
        r?;
    }
    let policy = if p.subscribers {
        PresencePolicy::Subscribers
    } else {
        PresencePolicy::Organization
    };
    let pairs = || {
        (0..users)
            .flat_map(move |i| (1..=p.favourites.min(users - 1)).map(move |k| (i, (i + k) % users)))
    };
    let requests = pairs()
        .map(|(i, j)| WriteOp::AddFavourite {
            user: ids[i],
            target: name(j),
            policy,
        })
        .collect();
    for r in store.write_batch(requests)? {
        r?;
    }
    if p.subscribers {
        let answers = pairs()
            .map(|(i, j)| WriteOp::AnswerSubscription {
                user: ids[j],
                requester: name(i),
                accept: true,
            })
            .collect();
        for r in store.write_batch(answers)? {
            r?;
        }
    }
    Ok(tokens)
}

/// Presence updates a frame carries.
fn presence_count(frame: &ServerFrame) -> u64 {
    match frame {
        ServerFrame::Event {
            event: Event::Presence { .. },
        } => 1,
        ServerFrame::Event {
            event: Event::PresenceBatch { presence },
        } => presence.len() as u64,
        _ => 0,
    }
}

/// Runs the storm on a fresh in-process server; returns the JSON report.
pub async fn run(p: StormParams) -> Result<serde_json::Value> {
    let server = TestServer::start_with(|c| {
        // The storm measures sign-ins, not the abuse limits.
        c.requests_per_second = 1_000_000;
        c.request_burst = 1_000_000;
        c.device_queue = 1 << 16;
        c.max_http_connections = p.users + 64;
        // The clients send no heartbeats while they wait for the storm to end.
        c.idle_timeout_secs = 3600;
        if p.subscribers {
            c.presence_policy = PresencePolicy::Subscribers;
        }
    })
    .await?;
    let tokens = prepare(&server, &p)?;
    let url = server.ws_url();

    let all_in = Arc::new(AtomicBool::new(false));
    let presence = Arc::new(AtomicU64::new(0));
    let frames = Arc::new(AtomicU64::new(0));
    let (signed_in, mut signed_in_rx) = tokio::sync::mpsc::unbounded_channel();
    // Every socket is open before the first sign-in: a thousand simultaneous TCP connects
    // overflow the listen queue, and the retried SYNs (a second later) would be measured
    // instead of the server's sign-in work. The connects are timed on their own.
    let connected_all = Arc::new(tokio::sync::Barrier::new(p.users + 1));
    let connecting = Instant::now();
    let mut tasks = Vec::with_capacity(p.users);
    for (i, token) in tokens.into_iter().enumerate() {
        let (url, all_in, presence, frames, signed_in, connected_all) = (
            url.clone(),
            all_in.clone(),
            presence.clone(),
            frames.clone(),
            signed_in.clone(),
            connected_all.clone(),
        );
        let watch: Vec<String> = (1..=p.watch.min(p.users - 1))
            .map(|k| name((i + k) % p.users))
            .collect();
        tasks.push(tokio::spawn(async move {
            let client = Client::connect(&url).await;
            let connected = connecting.elapsed();
            if !p.with_connect {
                connected_all.wait().await;
            }
            let mut client = client?;
            let began = if p.with_connect {
                connecting
            } else {
                Instant::now()
            };
            match client
                .request(Request::Auth {
                    protocol: PROTOCOL_VERSION,
                    token,
                })
                .await?
            {
                Response::Authenticated { .. } => {}
                r => bail!("unexpected auth reply {r:?}"),
            }
            if !watch.is_empty() {
                client
                    .request(Request::WatchPresence { users: watch })
                    .await?;
            }
            let synced = client.request(Request::Sync { since: None }).await?;
            let Response::Synced {
                presence: snapshot, ..
            } = synced
            else {
                bail!("unexpected sync reply {synced:?}");
            };
            let _ = signed_in.send((
                connected,
                began.elapsed(),
                Instant::now(),
                snapshot.len() as u64,
            ));
            // The count of sign-ins ends when every task has sent or failed.
            drop(signed_in);
            // Keep reading, as a client does, until the storm is over and presence settles.
            loop {
                // Frames as sent (a batch counts once as a frame): nothing of presence came
                // before the sync reply.
                match tokio::time::timeout(QUIET, client.next_frame()).await {
                    Ok(Ok(frame)) => {
                        let n = presence_count(&frame);
                        if n > 0 {
                            presence.fetch_add(n, Ordering::Relaxed);
                            frames.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Ok(Err(e)) => return Err(e.context("reading events")),
                    Err(_) if all_in.load(Ordering::Relaxed) => break,
                    Err(_) => {}
                }
            }
            anyhow::Ok(client)
        }));
    }
    drop(signed_in);
    let start = if p.with_connect {
        connecting
    } else {
        connected_all.wait().await;
        Instant::now()
    };
    let mut latencies = Vec::with_capacity(p.users);
    let mut connects = Vec::with_capacity(p.users);
    let mut last_in = start;
    let mut snapshot_entries = 0;
    while let Some((connect, latency, at, snapshot)) = signed_in_rx.recv().await {
        connects.push(connect);
        latencies.push(latency);
        last_in = last_in.max(at);
        snapshot_entries += snapshot;
    }
    all_in.store(true, Ordering::Relaxed);
    let mut clients = Vec::with_capacity(p.users);
    for t in tasks {
        clients.push(t.await.context("storm task")??);
    }
    if latencies.len() != p.users {
        bail!("only {} of {} users signed in", latencies.len(), p.users);
    }
    let seconds = (last_in - start).as_secs_f64();
    let delivered = presence.load(Ordering::Relaxed);
    for c in clients {
        c.close().await;
    }
    server.stop().await?;
    latencies.sort_unstable();
    connects.sort_unstable();
    let pct = |all: &[Duration], q: f64| {
        let i = ((all.len() as f64 - 1.0) * q).round() as usize;
        all.get(i)
            .map_or(0.0, |d| (d.as_secs_f64() * 1e4).round() / 10.0)
    };
    Ok(json!({
        "bench": "login_storm",
        "users": p.users,
        "watch": p.watch,
        "policy": if p.subscribers { "subscribers" } else { "organization" },
        "favourites": p.favourites,
        "with_connect": p.with_connect,
        "seconds": (seconds * 1000.0).round() / 1000.0,
        "logins_per_sec": (p.users as f64 / seconds).round(),
        "login_ms": {
            "p50": pct(&latencies, 0.5),
            "p99": pct(&latencies, 0.99),
            "max": pct(&latencies, 1.0),
        },
        "connect_ms": {
            "p50": pct(&connects, 0.5),
            "p99": pct(&connects, 0.99),
            "max": pct(&connects, 1.0),
        },
        "presence_events": delivered,
        "presence_frames": frames.load(Ordering::Relaxed),
        "snapshot_entries": snapshot_entries,
        "peak_rss_mib": crate::cache::peak_rss_kib() / 1024,
    }))
}
