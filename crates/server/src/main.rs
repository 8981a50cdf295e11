//! `confer-server`: serve, or administer accounts.

use std::{io::BufRead, net::SocketAddr, path::PathBuf, process::ExitCode};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use confer_server::{Config, admin, store::PresencePolicy};

#[derive(Parser)]
#[command(name = "confer-server", version, about = "The Confer chat server")]
struct Cli {
    /// Data directory (holds confer.db and, optionally, confer.toml).
    #[arg(long, global = true, env = "CONFER_DATA")]
    data: Option<PathBuf>,
    /// A TOML config file (default: DATA/confer.toml when it exists).
    #[arg(long, global = true, env = "CONFER_CONFIG")]
    config: Option<PathBuf>,
    /// A PostgreSQL URL: run as a node of a cluster sharing this database [default: SQLite in
    /// the data directory].
    #[arg(long, global = true, env = "CONFER_DATABASE")]
    database: Option<String>,
    /// A NATS URL: the nodes of a cluster fan out and share presence over it.
    #[arg(long, env = "CONFER_BUS")]
    bus: Option<String>,
    /// This node's name, unique in its cluster [default: local].
    #[arg(long, env = "CONFER_NODE")]
    node: Option<String>,
    /// Address to listen on [default: 127.0.0.1:7300].
    #[arg(long, env = "CONFER_LISTEN")]
    listen: Option<SocketAddr>,
    /// PEM certificate chain for TLS.
    #[arg(long, env = "CONFER_TLS_CERT")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for TLS.
    #[arg(long, env = "CONFER_TLS_KEY")]
    tls_key: Option<PathBuf>,
    /// Most WebSocket sessions at once.
    #[arg(long, env = "CONFER_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// The largest file that can be shared, in bytes [default: 100000000].
    #[arg(long, env = "CONFER_MAX_FILE_BYTES")]
    max_file_bytes: Option<u64>,
    /// Where shared files are kept [default: files under the data directory].
    #[arg(long, env = "CONFER_FILES_DIR")]
    files_dir: Option<PathBuf>,
    /// The built web UI (`ui/dist`), from which browsers' guests get the page at /join/TOKEN
    /// [default: none, no guest page].
    #[arg(long, env = "CONFER_WEB_DIR")]
    web_dir: Option<PathBuf>,
    /// An address or CIDR range link previews may reach although it is private (repeat it).
    #[arg(long = "link-preview-allow", value_name = "ADDRESS[/PREFIX]")]
    link_preview_allow: Vec<String>,
    /// Fetch no link previews.
    #[arg(long)]
    no_link_previews: bool,
    /// The mail server for histories sent by email (smtp://host:port).
    #[arg(long, env = "CONFER_SMTP_URL")]
    smtp_url: Option<String>,
    /// The sender address of those mails.
    #[arg(long, env = "CONFER_SMTP_FROM")]
    smtp_from: Option<String>,
    /// Who sees presence: organization or subscribers.
    #[arg(long, env = "CONFER_PRESENCE_POLICY", value_parser = parse_policy)]
    presence_policy: Option<PresencePolicy>,
    /// UDP address of the TURN relay for calls [default: the listening address, any port].
    #[arg(long, env = "CONFER_TURN_LISTEN")]
    turn_listen: Option<SocketAddr>,
    /// The address devices reach the relay at (needed when it listens on 0.0.0.0).
    #[arg(long, env = "CONFER_TURN_PUBLIC_IP")]
    turn_public_ip: Option<std::net::IpAddr>,
    /// Run without the TURN relay (calls then need a direct path between the devices).
    #[arg(long)]
    no_turn: bool,
    /// UDP address of the meetings' SFU [default: the listening address, any port].
    #[arg(long, env = "CONFER_SFU_LISTEN")]
    sfu_listen: Option<SocketAddr>,
    /// TCP address of the SFU's fallback for devices whose UDP is blocked [default: the SFU's
    /// address, any port].
    #[arg(long, env = "CONFER_SFU_TCP_LISTEN")]
    sfu_tcp_listen: Option<SocketAddr>,
    /// Offer no TCP fallback (UDP only).
    #[arg(long)]
    no_sfu_tcp: bool,
    /// The address devices reach the SFU at (needed when it listens on 0.0.0.0 or behind NAT).
    #[arg(long, env = "CONFER_SFU_PUBLIC_IP")]
    sfu_public_ip: Option<std::net::IpAddr>,
    /// The control address of an SFU run as its own process (confer-sfu --control), to use
    /// instead of one in this process.
    #[arg(long, env = "CONFER_SFU_CONTROL")]
    sfu_control: Option<SocketAddr>,
    /// The grant key shared with that SFU: a file of at least 32 bytes.
    #[arg(long, env = "CONFER_SFU_KEY_FILE")]
    sfu_key_file: Option<PathBuf>,
    /// Run without the meetings' SFU (meetings are then presence only).
    #[arg(long)]
    no_sfu: bool,
    /// Record meetings when a moderator asks (tracks under the data dir, mixed with ffmpeg).
    #[arg(long, env = "CONFER_RECORDING")]
    recording: bool,
    /// Seconds a participant whose media connection was lost stays in the meeting [default: 20].
    #[arg(long, env = "CONFER_MEETING_GRACE_SECS")]
    meeting_grace_secs: Option<u64>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve (the default).
    Serve,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage aliases: shared addresses ("support") that several people answer.
    #[command(subcommand)]
    Alias(admin::AliasCommand),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account.
    Add {
        /// Account name: letters, digits, '.', '_', '-'.
        name: String,
        /// Name shown to others.
        #[arg(long)]
        display_name: Option<String>,
        /// E-mail address.
        #[arg(long)]
        email: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts.
    List,
    /// Set a new password (revokes the user's sessions).
    Passwd {
        /// Account name.
        name: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account (revokes its sessions).
    Disable {
        /// Account name.
        name: String,
    },
}

fn parse_policy(s: &str) -> Result<PresencePolicy, String> {
    match s {
        "organization" => Ok(PresencePolicy::Organization),
        "subscribers" => Ok(PresencePolicy::Subscribers),
        _ => Err(format!(
            "unknown presence policy {s:?}: use organization or subscribers"
        )),
    }
}

fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if !from_stdin {
        bail!("give the password on standard input with --password-stdin");
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn config(cli: &Cli) -> anyhow::Result<Config> {
    let data = cli.data.clone();
    let file = cli.config.clone().or_else(|| {
        let default = data.as_ref()?.join("confer.toml");
        default.exists().then_some(default)
    });
    let mut config = match &file {
        Some(path) => Config::from_toml_file(path)?,
        None => Config::default(),
    };
    if let Some(d) = data {
        config.data_dir = d;
    }
    if cli.database.is_some() {
        config.database = cli.database.clone();
    }
    if cli.bus.is_some() {
        config.bus = cli.bus.clone();
    }
    if let Some(n) = &cli.node {
        config.node = n.clone();
    }
    if let Some(l) = cli.listen {
        config.listen = l;
    }
    if cli.tls_cert.is_some() {
        config.tls_cert = cli.tls_cert.clone();
    }
    if cli.tls_key.is_some() {
        config.tls_key = cli.tls_key.clone();
    }
    if let Some(m) = cli.max_file_bytes {
        config.max_file_bytes = m;
        config.file_quota_bytes = config.file_quota_bytes.max(m);
    }
    if let Some(d) = &cli.web_dir {
        config.web_dir = Some(d.clone());
    }
    if let Some(d) = &cli.files_dir {
        config.files_dir = Some(d.clone());
    }
    config
        .link_preview_allow
        .extend(cli.link_preview_allow.iter().cloned());
    if cli.no_link_previews {
        config.link_previews = false;
    }
    if cli.smtp_url.is_some() {
        config.smtp_url = cli.smtp_url.clone();
    }
    if let Some(f) = &cli.smtp_from {
        config.smtp_from = f.clone();
    }
    if let Some(m) = cli.max_connections {
        config.max_connections = m;
    }
    if let Some(p) = cli.presence_policy {
        config.presence_policy = p;
    }
    if cli.turn_listen.is_some() {
        config.turn_listen = cli.turn_listen;
    }
    if cli.turn_public_ip.is_some() {
        config.turn_public_ip = cli.turn_public_ip;
    }
    if cli.no_turn {
        config.turn = false;
    }
    if cli.sfu_listen.is_some() {
        config.sfu_listen = cli.sfu_listen;
    }
    if cli.sfu_tcp_listen.is_some() {
        config.sfu_tcp_listen = cli.sfu_tcp_listen;
    }
    if cli.no_sfu_tcp {
        config.sfu_tcp = false;
    }
    if cli.sfu_public_ip.is_some() {
        config.sfu_public_ip = cli.sfu_public_ip;
    }
    if cli.sfu_control.is_some() {
        config.sfu_control = cli.sfu_control;
    }
    if cli.sfu_key_file.is_some() {
        config.sfu_key_file = cli.sfu_key_file.clone();
    }
    if cli.no_sfu {
        config.sfu = false;
    }
    if cli.recording {
        config.recording = true;
    }
    if let Some(secs) = cli.meeting_grace_secs {
        config.meeting_grace_secs = secs;
    }
    config.validate()?;
    Ok(config)
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let shutdown = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("install SIGTERM handler");
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        tracing::info!("shutdown requested");
    };
    confer_server::run(listener, config, shutdown).await?;
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
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("confer-server: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let config = config(&cli)?;
    let dir = &admin::Location::of(&config);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(serve(config))
        }
        Command::User(UserCommand::Add {
            name,
            display_name,
            email,
            password_stdin,
        }) => {
            let password = read_password(password_stdin)?;
            admin::add_user(
                dir,
                &name,
                display_name.as_deref(),
                email.as_deref(),
                &password,
            )?;
            println!("created user {name}");
            Ok(())
        }
        Command::User(UserCommand::List) => {
            for u in admin::list_users(dir)? {
                let state = if u.disabled { "disabled" } else { "active" };
                let email = u.info.email.as_deref().unwrap_or("-");
                println!(
                    "{}\t{}\t{}\t{}",
                    u.info.name, u.info.display_name, email, state
                );
            }
            Ok(())
        }
        Command::User(UserCommand::Passwd {
            name,
            password_stdin,
        }) => {
            let password = read_password(password_stdin)?;
            admin::set_password(dir, &name, &password)?;
            println!("password changed for {name}; their sessions were revoked");
            Ok(())
        }
        Command::User(UserCommand::Disable { name }) => {
            admin::disable_user(dir, &name)?;
            println!("disabled {name}; their sessions were revoked");
            Ok(())
        }
        Command::Alias(command) => {
            for line in admin::alias_command(dir, &command)? {
                println!("{line}");
            }
            Ok(())
        }
    }
}
