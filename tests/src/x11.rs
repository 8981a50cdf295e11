//! The X side of the tests: a private Xvfb display, and the app's native window as a window
//! manager would see it (its title, the urgency hint that `request_user_attention` sets, and
//! input focus, which the tests move away and back to make the app unfocused).

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use x11rb::{
    connection::Connection,
    protocol::xproto::{AtomEnum, ConnectionExt, InputFocus, MapState, Window},
    rust_connection::RustConnection,
};

/// The urgency bit of `WM_HINTS.flags` (ICCCM `XUrgencyHint`).
const URGENCY_HINT: u32 = 1 << 8;

/// An Xvfb server, killed on drop.
pub struct Xvfb {
    child: Child,
    /// `:N`.
    pub display: String,
}

impl Xvfb {
    /// Starts Xvfb on the first free display number.
    pub fn start() -> Result<Self> {
        let mut child = Command::new("Xvfb")
            .args(["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start Xvfb (apt-get install xvfb)")?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut line)
            .context("Xvfb did not report its display")?;
        let n: u32 = line
            .trim()
            .parse()
            .with_context(|| format!("Xvfb printed {line:?}, not a display number"))?;
        Ok(Self {
            child,
            display: format!(":{n}"),
        })
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A connection to the display, for looking at the app's window.
pub struct Display {
    conn: RustConnection,
    root: Window,
}

impl Display {
    /// Connects to `display` (`:N`).
    pub fn connect(display: &str) -> Result<Self> {
        let (conn, screen) = x11rb::connect(Some(display))?;
        let root = conn.setup().roots[screen].root;
        Ok(Self { conn, root })
    }

    fn atom(&self, name: &str) -> Result<u32> {
        Ok(self.conn.intern_atom(false, name.as_bytes())?.reply()?.atom)
    }

    fn property(&self, window: Window, name: &str, kind: u32) -> Result<Vec<u8>> {
        let atom = self.atom(name)?;
        Ok(self
            .conn
            .get_property(false, window, atom, kind, 0, 1024)?
            .reply()?
            .value)
    }

    /// The visible top-level window whose `WM_CLASS` names `class`, waiting up to `timeout`.
    pub fn find_window(&self, class: &str, timeout: Duration) -> Result<Window> {
        let deadline = Instant::now() + timeout;
        loop {
            for w in self.conn.query_tree(self.root)?.reply()?.children {
                let attrs = self.conn.get_window_attributes(w)?.reply()?;
                let wm_class = self.property(w, "WM_CLASS", AtomEnum::STRING.into())?;
                if attrs.map_state == MapState::VIEWABLE
                    && String::from_utf8_lossy(&wm_class)
                        .to_lowercase()
                        .contains(class)
                {
                    return Ok(w);
                }
            }
            if Instant::now() > deadline {
                bail!("no visible window of class {class} after {timeout:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The window's title as a window manager shows it.
    pub fn title(&self, window: Window) -> Result<String> {
        let utf8 = self.atom("UTF8_STRING")?;
        let name = self.property(window, "_NET_WM_NAME", utf8)?;
        Ok(String::from_utf8_lossy(&name).into_owned())
    }

    /// Whether the window asks for attention (the taskbar entry blinks).
    pub fn urgent(&self, window: Window) -> Result<bool> {
        let hints = self.property(window, "WM_HINTS", AtomEnum::WM_HINTS.into())?;
        let flags = hints
            .get(..4)
            .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
            .unwrap_or(0);
        Ok(flags & URGENCY_HINT != 0)
    }

    /// Gives the keyboard focus to `window`.
    pub fn focus(&self, window: Window) -> Result<()> {
        self.conn
            .set_input_focus(InputFocus::PARENT, window, x11rb::CURRENT_TIME)?
            .check()?;
        self.conn.flush()?;
        Ok(())
    }

    /// Takes the keyboard focus away from every application window.
    pub fn unfocus(&self) -> Result<()> {
        self.focus(self.root)
    }
}
