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
    protocol::xproto::{
        AtomEnum, ConnectionExt, CreateWindowAux, ImageFormat, InputFocus, MapState, Window,
        WindowClass,
    },
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
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
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
    /// The window `unfocus` gave the focus to, destroyed when the focus comes back.
    thief: std::cell::Cell<Option<Window>>,
}

impl Display {
    /// Connects to `display` (`:N`).
    pub fn connect(display: &str) -> Result<Self> {
        let (conn, screen) = x11rb::connect(Some(display))?;
        let root = conn.setup().roots[screen].root;
        Ok(Self {
            conn,
            root,
            thief: Default::default(),
        })
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
        if let Some(thief) = self.thief.take() {
            self.conn.destroy_window(thief)?;
        }
        self.conn.flush()?;
        Ok(())
    }

    /// Moves the pointer through the X server, as a real mouse does: unlike WebDriver's events,
    /// which WebKit synthesizes inside the app, this resets the system idle time.
    pub fn real_input(&self) -> Result<()> {
        use x11rb::protocol::xtest::ConnectionExt as _;
        // Two moves, so the pointer really changes position whatever it was.
        for (x, y) in [(600, 300), (640, 320)] {
            self.conn
                .xtest_fake_input(
                    x11rb::protocol::xproto::MOTION_NOTIFY_EVENT,
                    0,
                    x11rb::CURRENT_TIME,
                    self.root,
                    x,
                    y,
                    0,
                )?
                .check()?;
        }
        self.conn.flush()?;
        Ok(())
    }

    /// The raw pixels (BGRX) of a rectangle of the window, to compare two moments.
    pub fn pixels(&self, window: Window, x: i16, y: i16, w: u16, h: u16) -> Result<Vec<u8>> {
        Ok(self
            .conn
            .get_image(ImageFormat::Z_PIXMAP, window, x, y, w, h, !0)?
            .reply()?
            .data)
    }

    /// A PNG of the window as it is on the display (the real pixels, title bar aside).
    pub fn screenshot(&self, window: Window) -> Result<Vec<u8>> {
        let geometry = self.conn.get_geometry(window)?.reply()?;
        let (w, h) = (geometry.width, geometry.height);
        let image = self
            .conn
            .get_image(ImageFormat::Z_PIXMAP, window, 0, 0, w, h, !0)?
            .reply()?;
        if image.depth != 24 && image.depth != 32 {
            bail!("unexpected window depth {}", image.depth);
        }
        // 32 bits per pixel, little-endian BGRX.
        let mut rgb = Vec::with_capacity(usize::from(w) * usize::from(h) * 3);
        for px in image.data.chunks_exact(4) {
            rgb.extend_from_slice(&[px[2], px[1], px[0]]);
        }
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, u32::from(w), u32::from(h));
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.write_header()?.write_image_data(&rgb)?;
        Ok(out)
    }

    /// Moves the keyboard focus to another (tiny) window, as clicking another application
    /// would. Focusing the root would not do: with the pointer over the app, GTK counts the
    /// app as focused still.
    pub fn unfocus(&self) -> Result<()> {
        let other = self.conn.generate_id()?;
        self.conn.create_window(
            x11rb::COPY_DEPTH_FROM_PARENT,
            other,
            self.root,
            0,
            0,
            1,
            1,
            0,
            WindowClass::INPUT_OUTPUT,
            x11rb::COPY_FROM_PARENT,
            &CreateWindowAux::new().override_redirect(1),
        )?;
        self.conn.map_window(other)?;
        self.conn.flush()?;
        // Focus can only go to a viewable window.
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.conn.get_window_attributes(other)?.reply()?.map_state != MapState::VIEWABLE {
            if Instant::now() > deadline {
                bail!("the focus thief window never mapped");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.focus(other)?;
        self.thief.set(Some(other));
        Ok(())
    }
}
