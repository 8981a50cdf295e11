//! Benchmarks that run against a real server over loopback sockets and report JSON figures.

pub mod cache;
pub mod calls;
pub mod desktop;
pub mod files;
pub mod process;
pub mod sfu;
pub mod storm;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use confer_proto::{Change, Event, Request, Response};
use confer_testkit::{Client, TestServer};
use serde_json::json;

/// Parameters of the one-to-one throughput benchmark.
#[derive(Debug, Clone, Copy)]
pub struct ThroughputParams {
    /// Sender/receiver pairs (2 × pairs users log in).
    pub pairs: usize,
    /// Messages each sender sends.
    pub messages: usize,
    /// Unacknowledged sends a sender keeps in flight.
    pub window: usize,
    /// Messages per second in all, paced evenly across the senders; `None` sends as fast as the
    /// window allows.
    pub rate: Option<f64>,
    /// Where the server keeps its data.
    pub store: BenchStore,
}

/// The store (and cluster) a throughput run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BenchStore {
    /// One node, embedded SQLite (the default deployment).
    Sqlite,
    /// `nodes` nodes in this process on one PostgreSQL database (fsync on, like a real
    /// deployment) and, with more than one node, one NATS server; pair `i` sends on node
    /// `i % nodes` and receives on the next node.
    Postgres {
        /// Nodes.
        nodes: usize,
    },
}

/// The servers of a run and what they depend on (dropped after them).
struct Servers {
    nodes: Vec<TestServer>,
    _nats: Option<confer_testkit::NatsServer>,
    _postgres: Option<confer_testkit::PostgresServer>,
}

async fn start_servers(store: BenchStore) -> Result<Servers> {
    let tune = |c: &mut confer_server::Config| {
        // The benchmark measures the server's path, not the abuse limits.
        c.requests_per_second = 1_000_000;
        c.request_burst = 1_000_000;
        c.device_queue = 1 << 16;
    };
    match store {
        BenchStore::Sqlite => Ok(Servers {
            nodes: vec![TestServer::start_with(tune).await?],
            _nats: None,
            _postgres: None,
        }),
        BenchStore::Postgres { nodes } => {
            let pg = confer_testkit::PostgresServer::start()?;
            // The test cluster runs without fsync; a measured one commits to disk.
            // One statement per call: psql runs a multi-statement -c in one transaction, and
            // ALTER SYSTEM refuses to run in one.
            for sql in [
                "ALTER SYSTEM SET fsync = on",
                "ALTER SYSTEM SET synchronous_commit = on",
                "ALTER SYSTEM SET full_page_writes = on",
                "SELECT pg_reload_conf()",
            ] {
                pg.psql("postgres", sql)?;
            }
            let database = pg.create_database("bench")?;
            let nats = if nodes > 1 {
                Some(confer_testkit::NatsServer::start()?)
            } else {
                None
            };
            let mut servers = Vec::new();
            for n in 0..nodes {
                let (database, bus) = (database.clone(), nats.as_ref().map(|n| n.url()));
                servers.push(
                    TestServer::start_with(move |c| {
                        tune(c);
                        c.database = Some(database);
                        c.bus = bus;
                        c.node = format!("n{n}");
                    })
                    .await?,
                );
            }
            Ok(Servers {
                nodes: servers,
                _nats: nats,
                _postgres: Some(pg),
            })
        }
    }
}

/// The process's peak resident memory (servers and load generator together), in MiB.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some((kib / 1024.0 * 10.0).round() / 10.0)
}

const PASSWORD: &str = "bench-password";

/// Runs the benchmark on a fresh in-process server; returns the JSON report.
pub async fn throughput(p: ThroughputParams) -> Result<serde_json::Value> {
    let servers = start_servers(p.store).await?;
    let urls: Vec<String> = servers.nodes.iter().map(TestServer::ws_url).collect();
    let server = &servers.nodes[0];
    for i in 0..p.pairs {
        server.add_user(&format!("s{i}"), PASSWORD)?;
        server.add_user(&format!("r{i}"), PASSWORD)?;
    }
    let mut pairs = Vec::new();
    for i in 0..p.pairs {
        let (send_at, receive_at) = (&urls[i % urls.len()], &urls[(i + 1) % urls.len()]);
        let mut sender = Client::login(send_at, &format!("s{i}"), PASSWORD).await?;
        let receiver = Client::login(receive_at, &format!("r{i}"), PASSWORD).await?;
        let conv = match sender
            .request(Request::OpenDirect {
                user: format!("r{i}"),
            })
            .await?
        {
            Response::Conversation { conversation } => conversation.info.id,
            r => bail!("unexpected reply {r:?}"),
        };
        pairs.push((sender, receiver, conv));
    }

    let epoch = Arc::new(Instant::now());
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (i, (mut sender, mut receiver, conv)) in pairs.into_iter().enumerate() {
        let epoch2 = epoch.clone();
        // At a fixed rate each sender ticks every pairs/rate seconds, the senders' ticks spread
        // over the period so that they do not all send at once.
        let mut pace = p.rate.map(|rate| {
            let period = Duration::from_secs_f64(p.pairs as f64 / rate);
            let offset = period.mul_f64(i as f64 / p.pairs as f64);
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + offset, period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks
        });
        let send = tokio::spawn(async move {
            let mut in_flight = std::collections::VecDeque::new();
            for n in 0..p.messages {
                if let Some(ticks) = pace.as_mut() {
                    ticks.tick().await;
                }
                let text = format!("{} {n}", epoch2.elapsed().as_nanos());
                let req = Request::SendMessage {
                    conversation: conv,
                    client_id: format!("b{n}"),
                    text,
                    reply_to: None,
                };
                in_flight.push_back(sender.send_request(req).await?);
                if in_flight.len() >= p.window {
                    let id = in_flight.pop_front().expect("non-empty");
                    sender
                        .reply(id)
                        .await?
                        .map_err(|e| anyhow::anyhow!("send refused: {}", e.reason))?;
                }
            }
            for id in in_flight {
                sender
                    .reply(id)
                    .await?
                    .map_err(|e| anyhow::anyhow!("send refused: {}", e.reason))?;
            }
            anyhow::Ok(())
        });
        let epoch3 = epoch.clone();
        let receive = tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(p.messages);
            while latencies.len() < p.messages {
                let event = tokio::time::timeout(Duration::from_secs(60), receiver.next_event())
                    .await
                    .context("receiver stalled")??;
                if let Event::Change {
                    change: Change::Message { message },
                    ..
                } = event
                {
                    let sent_ns: u128 = message.text.split(' ').next().unwrap_or("0").parse()?;
                    latencies.push(epoch3.elapsed().as_nanos().saturating_sub(sent_ns) as u64);
                }
            }
            anyhow::Ok(latencies)
        });
        tasks.push((send, receive));
    }
    let mut latencies = Vec::new();
    for (send, receive) in tasks {
        send.await??;
        latencies.extend(receive.await??);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let Servers {
        nodes,
        _nats,
        _postgres,
    } = servers;
    for node in nodes {
        node.stop().await?;
    }

    latencies.sort_unstable();
    let pct = |q: f64| {
        let i = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies.get(i).copied().unwrap_or(0) as f64 / 1e6
    };
    Ok(json!({
        "bench": "one_to_one_throughput",
        "store": match p.store {
            BenchStore::Sqlite => "sqlite".to_owned(),
            BenchStore::Postgres { nodes } => format!("postgres, {nodes} node(s)"),
        },
        "pairs": p.pairs,
        "users": p.pairs * 2,
        "messages_per_sender": p.messages,
        "window": p.window,
        "rate": p.rate,
        "delivered": latencies.len(),
        "seconds": (elapsed * 1000.0).round() / 1000.0,
        "delivered_per_sec": (latencies.len() as f64 / elapsed).round(),
        "latency_ms": { "p50": pct(0.50), "p99": pct(0.99), "max": pct(1.0) },
        "peak_rss_mib": peak_rss_mib(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_small_run_delivers_every_message_and_reports_figures() {
        let report = throughput(ThroughputParams {
            pairs: 2,
            messages: 50,
            window: 8,
            rate: None,
            store: BenchStore::Sqlite,
        })
        .await
        .unwrap();
        assert_eq!(report["delivered"], 100);
        assert!(
            report["latency_ms"]["p99"].as_f64().unwrap()
                >= report["latency_ms"]["p50"].as_f64().unwrap()
        );
        assert!(report["delivered_per_sec"].as_f64().unwrap() > 0.0);
        let paced = throughput(ThroughputParams {
            pairs: 2,
            messages: 20,
            window: 8,
            rate: Some(400.0),
            store: BenchStore::Sqlite,
        })
        .await
        .unwrap();
        assert_eq!(paced["delivered"], 40);
        assert_eq!(paced["rate"], 400.0);
    }
}
