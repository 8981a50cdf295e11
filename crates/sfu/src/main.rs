//! `confer-sfu`: the meetings' SFU as a process of its own, for a server that runs it
//! elsewhere (`sfu_control` in the server's configuration). It shares the grant key with the
//! server, which drives it over the control port (`serve_control`) and signs the grants it
//! checks; and, for recordings, the server's data directory, where it writes the tracks.

use std::{
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    process::ExitCode,
};

use anyhow::{Context, bail};
use clap::Parser;
use confer_sfu::{GrantKey, Sfu, SfuOptions, serve_control};

#[derive(Parser)]
#[command(
    name = "confer-sfu",
    version,
    about = "Confer's meeting SFU, run as its own process and driven by a confer-server"
)]
struct Cli {
    /// UDP address for the participants' media (the one candidate answers advertise, unless
    /// --public-ip says otherwise).
    #[arg(long, env = "CONFER_SFU_LISTEN")]
    udp: SocketAddr,
    /// TCP address of the fallback for devices whose UDP is blocked [default: the UDP
    /// address, any port].
    #[arg(long, env = "CONFER_SFU_TCP_LISTEN")]
    tcp: Option<SocketAddr>,
    /// Offer no TCP fallback.
    #[arg(long)]
    no_tcp: bool,
    /// The address devices reach the SFU at, when bound to every interface or behind a NAT.
    #[arg(long, env = "CONFER_SFU_PUBLIC_IP")]
    public_ip: Option<IpAddr>,
    /// Where the server connects to drive it: bind it where only the server's hosts reach.
    #[arg(long, env = "CONFER_SFU_CONTROL")]
    control: SocketAddr,
    /// A file holding the grant key shared with the server (at least 32 bytes; surrounding
    /// whitespace is ignored).
    #[arg(long, env = "CONFER_SFU_KEY_FILE")]
    key_file: PathBuf,
}

/// The grant key in `path`.
fn read_key(path: &PathBuf) -> anyhow::Result<(GrantKey, GrantKey)> {
    let text = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let secret = text.trim_ascii();
    let key = |s: &[u8]| {
        GrantKey::new(s).with_context(|| format!("the key in {} is too short", path.display()))
    };
    Ok((key(secret)?, key(secret)?))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let (key, control_key) = read_key(&cli.key_file)?;
    if cli.udp.ip().is_unspecified() && cli.public_ip.is_none() {
        bail!(
            "--udp {} is every interface: give --public-ip, the address devices reach",
            cli.udp
        );
    }
    let options = SfuOptions {
        udp: cli.udp,
        tcp: (!cli.no_tcp).then(|| cli.tcp.unwrap_or_else(|| SocketAddr::new(cli.udp.ip(), 0))),
        public_ip: cli.public_ip,
    };
    let (lost_tx, lost) = tokio::sync::mpsc::channel(1024);
    let (sfu, task) = Sfu::start(options, key, Some(lost_tx))
        .await
        .with_context(|| format!("cannot start the SFU on {}", cli.udp))?;
    let control = tokio::net::TcpListener::bind(cli.control)
        .await
        .with_context(|| format!("cannot listen for control on {}", cli.control))?;
    tracing::info!(
        media = %sfu.local_addr(),
        tcp = ?sfu.tcp_addr(),
        control = %control.local_addr()?,
        "confer-sfu listening"
    );
    let stop = async {
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("SIGTERM handler");
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    };
    serve_control(control, sfu, control_key, lost, stop).await;
    // The last handle went with the control server: the SFU says goodbye to everyone.
    let _ = task.await;
    Ok(())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("confer-sfu: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("confer-sfu: {e:#}");
            ExitCode::FAILURE
        }
    }
}
