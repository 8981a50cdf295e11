//! Project tasks.
//!
//! - `cargo xtask test`: formatting, clippy, the UI type check and every test in the workspace.
//! - `cargo xtask run`: a local confer-server (SQLite) with a filled demo, and the app as alice
//!   (`xtask::demo`).
//! - `cargo xtask bindings`: regenerate `ui/src/lib/bindings.ts` from the protocol crate.
//! - `cargo xtask deb`: a `.deb` of the desktop app (and `confer-cli`) from a release build.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, Result, bail};
use xtask::demo;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = root();
    // Paths given on the command line are relative to where it was typed.
    let invoked_from = std::env::current_dir()?;
    std::env::set_current_dir(&root)?;
    match args.first().map(String::as_str) {
        Some("test") => test(&root, &args[1..]),
        Some("run") => run(&root, &invoked_from, &args[1..]),
        Some("bindings") => bindings(),
        Some("deb") => deb(&root),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n\
                 commands:\n  \
                 test [--no-lint]   fmt, clippy, UI checks and every test\n  \
                 run [--server-only] [--fresh] [--listen ADDR] [--data DIR]\n                    \
                 a local server with a filled demo, and the app signed in as alice\n  \
                 bindings           regenerate ui/src/lib/bindings.ts\n  \
                 deb                a .deb of the desktop app from a release build"
            );
            std::process::exit(2);
        }
    }
}

fn root() -> PathBuf {
    // `cargo run` sets the manifest dir at run time too; prefer it, since clones sharing one
    // target dir share the uplifted binary, whose compile-time path may be another clone's.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest
        .ancestors()
        .nth(2)
        .expect("workspace root")
        .to_owned()
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn step(name: &str, cmd: &mut Command) -> Result<()> {
    eprintln!("==> {name}");
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {name}"))?;
    if !status.success() {
        bail!("{name} failed ({status})");
    }
    Ok(())
}

/// Debian packages the desktop app needs to build and run.
const APP_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libssl-dev",
    "libwebkit2gtk-4.1-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libxdo-dev",
    "file",
    // The media engine (confer-media): Opus, VP8, ALSA headers for cpal, libclang for the
    // V4L2 bindings of the camera library (nokhwa).
    "libopus-dev",
    "libvpx-dev",
    "libasound2-dev",
    "libclang-dev",
];

/// And what the tests add: openssl (a TLS test's certificate), a virtual display, WebKit's
/// WebDriver, a session bus, Chromium for the browser tests, fonts to render text and emoji
/// with.
const TEST_PACKAGES: &[&str] = &[
    "openssl",
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "dbus",
    "chromium",
    "fonts-dejavu-core",
    // Emoji in messages and reactions (screenshots would show empty boxes without it).
    "fonts-noto-color-emoji",
    // Real audio devices for the media tests: a user-space PulseAudio with null sinks.
    "pulseaudio",
    "pulseaudio-utils",
    // The files benchmark's yardstick (`confer-bench files`).
    "curl",
    // A real SMTP server for the histories sent by email (`confer_testkit::SmtpServer`).
    "python3-aiosmtpd",
];

/// The server's backends beside SQLite: PostgreSQL's programs and nats-server, which the tests
/// start as real processes on 127.0.0.1 (`confer_testkit::PostgresServer`, `NatsServer`), and
/// ffmpeg, which mixes meetings' recordings (and which the recording tests read them with).
/// `cargo xtask run` installs them too, to run the server on them locally.
const SERVICE_PACKAGES: &[&str] = &["postgresql", "nats-server", "ffmpeg"];

/// What a command needs installed.
#[derive(Clone, Copy, PartialEq)]
enum Purpose {
    /// `cargo xtask test`: everything.
    Test,
    /// `cargo xtask run`: the app and the server's backends.
    Run,
    /// `cargo xtask deb`: what builds the app.
    Package,
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        || (package == "postgresql" && postgres_installed())
}

/// The testkit needs PostgreSQL's programs, not the `postgresql` metapackage: a versioned
/// package (`postgresql-15`) alone provides them in /usr/lib/postgresql/VERSION/bin.
fn postgres_installed() -> bool {
    std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .any(|v| {
            ["initdb", "pg_ctl", "postgres", "createdb", "psql"]
                .iter()
                .all(|p| v.path().join("bin").join(p).is_file())
        })
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Installs what is missing: Debian packages (as root, or through sudo), tauri-driver for the
/// end-to-end tests, the UI's npm packages.
fn setup(root: &Path, purpose: Purpose) -> Result<()> {
    let for_tests = purpose == Purpose::Test;
    let mut wanted: Vec<&str> = APP_PACKAGES.to_vec();
    if for_tests {
        wanted.extend(TEST_PACKAGES);
    }
    if purpose != Purpose::Package {
        wanted.extend(SERVICE_PACKAGES);
    }
    if !have("npm") {
        wanted.extend(["nodejs", "npm"]);
    }
    install_packages(wanted)?;
    if for_tests && !have("tauri-driver") {
        step(
            "cargo install tauri-driver",
            cargo().args(["install", "tauri-driver", "--locked"]),
        )?;
    }
    let ui = root.join("ui");
    // Install when packages are missing or package-lock.json changed since the last install.
    let modified = |p: PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let stale = match (
        modified(ui.join("package-lock.json")),
        modified(ui.join("node_modules/.package-lock.json")),
    ) {
        (Some(lock), Some(installed)) => lock > installed,
        _ => true,
    };
    if stale {
        // `npm ci` installs exactly what the lockfile says and never rewrites it, so every
        // machine (and CI) builds the UI from the same packages.
        step(
            "npm ci (ui)",
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&ui),
        )?;
    }
    Ok(())
}

/// Installs the Debian packages of `wanted` that are missing (as root, or through sudo), and
/// only those: on a machine that has them, no apt-get runs at all.
fn install_packages(wanted: Vec<&str>) -> Result<()> {
    if !have("dpkg-query") {
        eprintln!(
            "warning: not a Debian system; make sure the equivalents of these are installed: {}",
            wanted.join(" ")
        );
        return Ok(());
    }
    let missing: Vec<&str> = wanted.into_iter().filter(|p| !installed(p)).collect();
    if !missing.is_empty() {
        let root_user = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        let apt = |args: &[&str]| {
            let mut cmd = if root_user {
                Command::new("apt-get")
            } else {
                // sudo resets the environment: pass the non-interactive frontend through
                // `env`, or a package's debconf question would wait for an answer.
                let mut c = Command::new("sudo");
                c.args(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
                c
            };
            cmd.args(["-o", "DPkg::Lock::Timeout=900"])
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive");
            cmd
        };
        step("apt-get update", &mut apt(&["update"]))?;
        step(
            &format!("apt-get install {}", missing.join(" ")),
            apt(&["install", "-y", "--no-install-recommends"]).args(&missing),
        )?;
    }
    Ok(())
}

/// Builds the UI (the desktop binary embeds ui/dist).
fn build_ui(root: &Path) -> Result<()> {
    step(
        "UI build",
        Command::new("npm")
            .args(["run", "--silent", "build"])
            .current_dir(root.join("ui")),
    )
}

fn test(root: &Path, args: &[String]) -> Result<()> {
    let lint = !args.iter().any(|a| a == "--no-lint");
    setup(root, Purpose::Test)?;
    build_ui(root)?;
    let ui = root.join("ui");
    if lint {
        step(
            "cargo fmt --check",
            cargo().args(["fmt", "--all", "--check"]),
        )?;
        step(
            "cargo clippy",
            cargo().args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
        )?;
        step(
            "UI type check",
            Command::new("npm")
                .args(["run", "--silent", "check"])
                .current_dir(&ui),
        )?;
    }
    step(
        "UI component tests",
        Command::new("npm")
            .args(["run", "--silent", "test"])
            .current_dir(&ui),
    )?;
    step(
        "UI browser tests (Chromium)",
        Command::new("npm")
            .args(["run", "--silent", "test:browser"])
            .current_dir(&ui),
    )?;
    // The desktop end-to-end tests (crate tests/) run the binaries from the target dir, which
    // `cargo test` alone does not build (it builds test harnesses of binaries), and tauri-driver
    // from the PATH.
    step(
        "cargo build (binaries for the end-to-end tests)",
        cargo().args(["build", "--workspace", "--bins"]),
    )?;
    step(
        "cargo test",
        cargo().args(["test", "--workspace", "--all-targets", "--no-fail-fast"]),
    )?;
    // The server's integration suite again, each server on a fresh PostgreSQL database (the
    // conformance suite runs on both stores within `cargo test` already).
    step(
        "cargo test (the server's integration suite on PostgreSQL)",
        cargo()
            .args(["test", "-p", "confer-server", "--test", "integration"])
            .env("CONFER_TEST_STORE", "postgres"),
    )?;
    eprintln!("==> all checks passed");
    Ok(())
}

fn bindings() -> Result<()> {
    step(
        "regenerate docs/protocol.md",
        cargo()
            .args(["test", "-p", "confer-proto", "--lib", "fresh"])
            .env("CONFER_UPDATE_BINDINGS", "1"),
    )?;
    step(
        "regenerate ui/src/lib/bindings.ts",
        cargo()
            .args(["test", "-p", "confer-core", "--lib", "fresh"])
            .env("CONFER_UPDATE_BINDINGS", "1"),
    )
}

fn run(root: &Path, invoked_from: &Path, args: &[String]) -> Result<()> {
    const USAGE: &str =
        "usage: cargo xtask run [--server-only] [--fresh] [--listen ADDR] [--data DIR]";
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let mut options = demo::Options {
        bin: target.join("debug"),
        data: target.join("confer-demo"),
        listen: demo::DEFAULT_LISTEN.to_owned(),
        fresh: false,
    };
    let mut server_only = false;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--server-only" => server_only = true,
            "--fresh" => options.fresh = true,
            "--listen" => options.listen = rest.next().context(USAGE)?.clone(),
            "--data" => options.data = invoked_from.join(rest.next().context(USAGE)?),
            _ => bail!(USAGE),
        }
    }
    if server_only {
        install_packages(SERVICE_PACKAGES.to_vec())?;
    } else {
        setup(root, Purpose::Run)?;
        build_ui(root)?;
    }
    let mut packages = vec!["-p", "confer-server", "-p", "confer-cli"];
    if !server_only {
        packages.extend(["-p", "confer-desktop"]);
    }
    step(
        "cargo build",
        cargo().arg("build").args(&packages).arg("--bins"),
    )?;
    eprintln!(
        "==> demo in {}{}",
        options.data.display(),
        if options.fresh { " (fresh)" } else { "" }
    );
    let demo = demo::Demo::start(&options)?;
    let accounts: Vec<&str> = demo::USERS.iter().map(|u| u.0).collect();
    eprintln!(
        "Demo server on {}/v1/ws ({}; log: {})\n\
         Accounts: {} (password {})",
        demo.url(),
        if demo.seeded_now() {
            "filled just now"
        } else {
            "as the last run left it; --fresh starts over"
        },
        demo.data().join("server.log").display(),
        accounts.join(", "),
        demo::PASSWORD,
    );
    let play = || {
        eprintln!(
            "\nPlay bob from another terminal:\n\n    {}\n",
            demo.play_commands().join("\n    ")
        );
    };
    if server_only {
        play();
        eprintln!("Ctrl-C stops the server.");
        return demo.wait();
    }
    // The app's profile and token stay in the demo's directory too; signing in again writes
    // the token, which says the app is up.
    let profile = demo.app_profile();
    let token = profile.join("token");
    let _ = std::fs::remove_file(&token);
    let mut app = Command::new(target.join("debug/confer"))
        .args(["--server", demo.url(), "--user", "alice", "--profile"])
        .arg(&profile)
        .env("CONFER_PASSWORD", demo::PASSWORD)
        .env("CONFER_CREDENTIALS", "file")
        .spawn()
        .context("cannot start the desktop app")?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !token.exists() && std::time::Instant::now() < deadline {
        if app.try_wait()?.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    if app.try_wait()?.is_none() {
        eprintln!("\n==> the app is up, signed in as alice");
        play();
    }
    let status = app.wait()?;
    drop(demo);
    if !status.success() {
        bail!("the desktop app exited with {status}");
    }
    Ok(())
}

/// Packages the release build as a `.deb` with `dpkg-deb`, from the bundle settings of the root
/// `tauri.conf.json` (the Tauri CLI insists on finding its config inside the Rust crate, which
/// this repository's layout does not do; Windows and macOS bundles come from the same settings).
fn deb(root: &Path) -> Result<()> {
    setup(root, Purpose::Package)?;
    build_ui(root)?;
    step(
        "cargo build --release",
        cargo().args([
            "build",
            "--release",
            "-p",
            "confer-desktop",
            "-p",
            "confer-cli",
            "--bins",
        ]),
    )?;
    let conf: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("tauri.conf.json"))?)?;
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let version = text(&conf["version"]);
    let bundle = &conf["bundle"];
    let depends: Vec<String> = bundle["linux"]["deb"]["depends"]
        .as_array()
        .into_iter()
        .flatten()
        .map(text)
        .collect();
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let release = target.join("release");
    let staging = target.join(format!("deb/confer_{version}_amd64"));
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    let put = |rel: &str, from: &Path, mode: u32| -> Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let to = staging.join(rel);
        std::fs::create_dir_all(to.parent().expect("parent"))?;
        std::fs::copy(from, &to).with_context(|| format!("copy {}", from.display()))?;
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(mode))?;
        Ok(())
    };
    put("usr/bin/confer", &release.join("confer"), 0o755)?;
    put("usr/bin/confer-cli", &release.join("confer-cli"), 0o755)?;
    for (size, file) in [
        ("32x32", "32x32.png"),
        ("128x128", "128x128.png"),
        ("256x256", "128x128@2x.png"),
    ] {
        put(
            &format!("usr/share/icons/hicolor/{size}/apps/confer.png"),
            &root.join("icons").join(file),
            0o644,
        )?;
    }
    let desktop = staging.join("usr/share/applications/confer.desktop");
    std::fs::create_dir_all(desktop.parent().expect("parent"))?;
    std::fs::write(
        &desktop,
        format!(
            "[Desktop Entry]\nType=Application\nName={}\nComment={}\nExec=confer\nIcon=confer\n\
             Categories=Office;Chat;Network;InstantMessaging;\nTerminal=false\n\
             StartupWMClass=confer\n",
            text(&conf["productName"]),
            text(&bundle["shortDescription"]),
        ),
    )?;
    let installed_kib: u64 = ["usr/bin/confer", "usr/bin/confer-cli"]
        .iter()
        .filter_map(|p| std::fs::metadata(staging.join(p)).ok())
        .map(|m| m.len() / 1024)
        .sum();
    let control = staging.join("DEBIAN/control");
    std::fs::create_dir_all(control.parent().expect("parent"))?;
    std::fs::write(
        &control,
        format!(
            "Package: confer\nVersion: {version}\nArchitecture: amd64\nMaintainer: Confer developers\n\
             Installed-Size: {installed_kib}\nDepends: {}\nSection: net\nPriority: optional\n\
             Description: {}\n {}\n",
            depends.join(", "),
            text(&bundle["shortDescription"]),
            text(&bundle["longDescription"]),
        ),
    )?;
    let out = target.join(format!("deb/confer_{version}_amd64.deb"));
    step(
        "dpkg-deb --build",
        Command::new("dpkg-deb")
            .args(["--root-owner-group", "--build"])
            .arg(&staging)
            .arg(&out),
    )?;
    eprintln!("==> {}", out.display());
    Ok(())
}
