//! Benchmarks that run against a real server over loopback sockets and report JSON figures.

pub mod cache;
pub mod desktop;
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
}

const PASSWORD: &str = "bench-password";

/// Runs the benchmark on a fresh in-process server; returns the JSON report.
pub async fn throughput(p: ThroughputParams) -> Result<serde_json::Value> {
    let server = TestServer::start_with(|c| {
        // The benchmark measures the server's path, not the abuse limits.
        c.requests_per_second = 1_000_000;
        c.request_burst = 1_000_000;
        c.device_queue = 1 << 16;
    })
    .await?;
    let url = server.ws_url();
    for i in 0..p.pairs {
        server.add_user(&format!("s{i}"), PASSWORD)?;
        server.add_user(&format!("r{i}"), PASSWORD)?;
    }
    let mut pairs = Vec::new();
    for i in 0..p.pairs {
        let mut sender = Client::login(&url, &format!("s{i}"), PASSWORD).await?;
        let receiver = Client::login(&url, &format!("r{i}"), PASSWORD).await?;
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
    server.stop().await?;

    latencies.sort_unstable();
    let pct = |q: f64| {
        let i = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies.get(i).copied().unwrap_or(0) as f64 / 1e6
    };
    Ok(json!({
        "bench": "one_to_one_throughput",
        "pairs": p.pairs,
        "users": p.pairs * 2,
        "messages_per_sender": p.messages,
        "window": p.window,
        "rate": p.rate,
        "delivered": latencies.len(),
        "seconds": (elapsed * 1000.0).round() / 1000.0,
        "delivered_per_sec": (latencies.len() as f64 / elapsed).round(),
        "latency_ms": { "p50": pct(0.50), "p99": pct(0.99), "max": pct(1.0) },
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
        })
        .await
        .unwrap();
        assert_eq!(paced["delivered"], 40);
        assert_eq!(paced["rate"], 400.0);
    }
}
