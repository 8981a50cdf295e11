//! `confer-bench`: benchmarks that print one JSON line of figures each.
//!
//! `cargo run --release -p confer-bench -- throughput --pairs 50 --messages 2000`

use clap::{Parser, Subcommand};
use confer_bench::ThroughputParams;

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
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Throughput {
            pairs,
            messages,
            window,
        } => {
            if pairs == 0 || messages == 0 || window == 0 {
                anyhow::bail!("--pairs, --messages and --window must be at least 1");
            }
            let report = confer_bench::throughput(ThroughputParams {
                pairs,
                messages,
                window,
            })
            .await?;
            println!("{report}");
        }
    }
    Ok(())
}
