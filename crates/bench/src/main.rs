//! `confer-bench`: benchmarks that print one JSON line of figures each.
//!
//! `cargo run --release -p confer-bench -- throughput --pairs 50 --messages 2000`
//! `cargo run --release -p confer-bench -- login-storm --users 1000`
//! `cargo build --release -p confer-server -p confer-bench && target/release/confer-bench cache`
//! `cargo build --release -p confer-bench -p confer-server && target/release/confer-bench sfu`
//! `cargo build --release -p confer-bench -p confer-desktop --bins --example bare &&
//!  target/release/confer-bench desktop [--env WEBKIT_DISABLE_COMPOSITING_MODE=1]`

use clap::{Parser, Subcommand};
use confer_bench::{ThroughputParams, cache};

#[derive(Parser)]
#[command(name = "confer-bench", about = "Confer benchmarks (JSON output)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// One-to-one message throughput and latency over loopback.
    Throughput {
        /// Sender/receiver pairs.
        #[arg(long, default_value_t = 50)]
        pairs: usize,
        /// Messages per sender.
        #[arg(long, default_value_t = 2000)]
        messages: usize,
        /// Unacknowledged sends per sender.
        #[arg(long, default_value_t = 32)]
        window: usize,
        /// Send at this many messages per second in all (spread evenly over the senders)
        /// instead of as fast as the window allows: for latency at a fixed load.
        #[arg(long)]
        rate: Option<f64>,
        /// Store: sqlite (one node) or postgres (a PostgreSQL cluster started for the run).
        #[arg(long, default_value = "sqlite")]
        store: String,
        /// Nodes sharing the PostgreSQL database (and a NATS server), with --store postgres.
        #[arg(long, default_value_t = 1)]
        nodes: usize,
    },
    /// Shared files over loopback: upload and download against curl with a plain static file
    /// server, and the server's peak memory during the upload.
    Files {
        /// The file's size in megabytes (10^6 bytes).
        #[arg(long, default_value_t = 1000)]
        mb: u64,
        /// Runs (each through a fresh server); the figures are their medians.
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// Token sign-ins of many users at once: sign-ins per second and presence traffic.
    LoginStorm {
        /// Users signing in (one device each).
        #[arg(long, default_value_t = 1000)]
        users: usize,
        /// Users each one asks presence for (the next ones by number).
        #[arg(long, default_value_t = 20)]
        watch: usize,
        /// Under the `subscribers` presence policy (default `organization`).
        #[arg(long)]
        subscribers: bool,
        /// Accepted favourites per user (the next ones by number), made before the storm.
        #[arg(long, default_value_t = 0)]
        favourites: usize,
        /// Time the TCP and WebSocket connects too (by default every socket is open first).
        #[arg(long)]
        with_connect: bool,
    },
    /// Client cache: sync N messages into an empty cache, then open the first page offline.
    Cache {
        /// Messages in the conversation.
        #[arg(long, default_value_t = 100_000)]
        messages: usize,
    },
    /// The desktop app under Xvfb: cold start to the first painted conversation list, and PSS
    /// beside a bare Tauri window (needs release `confer` and the `bare` example beside it).
    Desktop {
        /// Conversations.
        #[arg(long, default_value_t = 50)]
        conversations: usize,
        /// Messages per conversation.
        #[arg(long, default_value_t = 200)]
        messages_per: usize,
        /// Extra environment for the app and the bare window, KEY=VALUE (repeatable).
        #[arg(long = "env", value_parser = parse_env)]
        env: Vec<(String, String)>,
    },
    /// 1:1 calls on loopback: set-up time, mouth-to-ear and glass-to-glass latency, CPU per
    /// side and memory in a 640x360 30 fps video call.
    Calls {
        /// Audio calls for the set-up and mouth-to-ear figures.
        #[arg(long, default_value_t = 20)]
        calls: usize,
        /// Seconds of the video call.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Meetings through the SFU of a confer-server process: forwarded streams per core of
    /// server CPU, server memory, and a real client's join time (offer to first audio).
    Sfu {
        /// Meeting sizes (participants), one meeting each.
        #[arg(long, value_delimiter = ',', default_value = "8,16,32")]
        sizes: Vec<usize>,
        /// Seconds measured in each meeting.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Timed joins of a real client in each meeting.
        #[arg(long, default_value_t = 5)]
        joins: usize,
    },
    /// One phase of `cache`, in its own process (internal).
    #[command(hide = true)]
    CachePhase {
        /// prepare DIR N | sync URL PROFILE N | open PROFILE
        args: Vec<String>,
    },
}

fn parse_env(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("{s:?} is not KEY=VALUE"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Sfu {
            sizes,
            seconds,
            joins,
        } => {
            let figures = confer_bench::sfu::sfu(confer_bench::sfu::SfuParams {
                sizes,
                seconds,
                joins,
            })
            .await?;
            println!("{figures}");
        }
        Command::Calls { calls, seconds } => {
            if !(1..=1000).contains(&calls) || !(1..=600).contains(&seconds) {
                anyhow::bail!("--calls is 1 to 1000 and --seconds 1 to 600");
            }
            let report =
                confer_bench::calls::run(confer_bench::calls::CallParams { calls, seconds })
                    .await?;
            println!("{report}");
        }
        Command::Throughput {
            pairs,
            messages,
            window,
            rate,
            store,
            nodes,
        } => {
            let store = match (store.as_str(), nodes) {
                ("sqlite", 1) => confer_bench::BenchStore::Sqlite,
                ("sqlite", _) => anyhow::bail!("--nodes needs --store postgres"),
                ("postgres", 1..=16) => confer_bench::BenchStore::Postgres { nodes },
                ("postgres", _) => anyhow::bail!("--nodes must be 1 to 16"),
                (other, _) => anyhow::bail!("--store {other:?}: use sqlite or postgres"),
            };
            if pairs == 0 || messages == 0 || window == 0 {
                anyhow::bail!("--pairs, --messages and --window must be at least 1");
            }
            if rate.is_some_and(|r| !r.is_finite() || r <= 0.0) {
                anyhow::bail!("--rate must be a positive number of messages per second");
            }
            let report = confer_bench::throughput(ThroughputParams {
                pairs,
                messages,
                window,
                rate,
                store,
            })
            .await?;
            println!("{report}");
        }
        Command::LoginStorm {
            users,
            watch,
            subscribers,
            favourites,
            with_connect,
        } => {
            if users < 2 {
                anyhow::bail!("--users must be at least 2");
            }
            let report = confer_bench::storm::run(confer_bench::storm::StormParams {
                users,
                watch,
                subscribers,
                favourites,
                with_connect,
            })
            .await?;
            println!("{report}");
        }
        Command::Files { mb, runs } => {
            let report = confer_bench::files::files(mb, runs).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        Command::Cache { messages } => {
            if messages < 75 {
                anyhow::bail!("--messages must be at least 75 (one first page)");
            }
            let report = tokio::task::spawn_blocking(move || cache::run(messages)).await??;
            println!("{report}");
        }
        Command::Desktop {
            conversations,
            messages_per,
            env,
        } => {
            if conversations == 0 {
                anyhow::bail!("--conversations must be at least 1");
            }
            let params = confer_bench::desktop::Params {
                conversations,
                messages_per,
                env,
            };
            let report =
                tokio::task::spawn_blocking(move || confer_bench::desktop::run(&params)).await??;
            println!("{report}");
        }
        Command::CachePhase { args } => {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let report = match args.as_slice() {
                ["prepare", dir, n] => {
                    cache::prepare(std::path::Path::new(dir), n.parse()?)?;
                    serde_json::json!({})
                }
                ["sync", url, profile, n] => {
                    cache::sync(url, std::path::Path::new(profile), n.parse()?).await?
                }
                ["open", profile] => cache::open(std::path::Path::new(profile)).await?,
                ["search", profile] => cache::search(std::path::Path::new(profile)).await?,
                _ => anyhow::bail!("unknown phase {args:?}"),
            };
            println!("{report}");
        }
    }
    Ok(())
}
