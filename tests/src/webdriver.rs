//! A small W3C WebDriver client: only the commands the desktop tests use, over plain HTTP/1.1
//! on loopback (tauri-driver speaks nothing else).

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

/// The W3C key for an element reference in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Keys for [`Element::send_keys`].
pub mod keys {
    /// Enter.
    pub const ENTER: &str = "\u{E007}";
    /// Shift, held to the end of the `send_keys` call (WebKitWebDriver ignores the null key).
    pub const SHIFT: &str = "\u{E008}";
    /// Control, held like [`SHIFT`].
    pub const CONTROL: &str = "\u{E009}";
}

/// One WebDriver session.
pub struct Session {
    port: u16,
    id: String,
}

/// An element of the page.
pub struct Element<'s> {
    session: &'s Session,
    id: String,
}

/// One command. tauri-driver now and then closes a connection without answering; a command
/// that got no answer at all is sent again (twice at most).
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value> {
    for _ in 0..3 {
        if let Some(value) = http_once(port, method, path, body)? {
            return Ok(value);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("WebDriver {method} {path}: connection closed without a reply, three times")
}

fn http_once(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Option<Value>> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .with_context(|| format!("cannot reach the WebDriver on port {port}"))?;
    // Creating a session starts the app; everything else answers in well under this.
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .with_context(|| format!("WebDriver {method} {path}: no reply"))?;
    if raw.is_empty() {
        return Ok(None);
    }
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .with_context(|| format!("malformed HTTP reply from the WebDriver: {text:.200}"))?;
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)?
    } else {
        body.to_owned()
    };
    let reply: Value = serde_json::from_str(&body)
        .with_context(|| format!("WebDriver reply is not JSON: {body:.200}"))?;
    let value = reply.get("value").cloned().unwrap_or(Value::Null);
    if let Some(error) = value.get("error").and_then(Value::as_str) {
        bail!(
            "WebDriver {method} {path}: {error}: {}",
            value.get("message").and_then(Value::as_str).unwrap_or("")
        );
    }
    Ok(Some(value))
}

fn dechunk(mut body: &str) -> Result<String> {
    let mut out = String::new();
    loop {
        let (size, rest) = body.split_once("\r\n").context("bad chunk")?;
        let size = usize::from_str_radix(size.trim(), 16)?;
        if size == 0 {
            return Ok(out);
        }
        out.push_str(rest.get(..size).context("short chunk")?);
        body = rest.get(size + 2..).context("short chunk")?;
    }
}

impl Session {
    /// Starts `application` with `args` through tauri-driver on `port`.
    pub fn start(port: u16, application: &str, args: &[String]) -> Result<Self> {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "tauri:options": {"application": application, "args": args}
        }}});
        let value = http(port, "POST", "/session", Some(&caps))?;
        let id = value["sessionId"]
            .as_str()
            .context("no session id")?
            .to_owned();
        Ok(Self { port, id })
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value> {
        http(
            self.port,
            method,
            &format!("/session/{}{path}", self.id),
            body.as_ref(),
        )
    }

    /// The element that has the focus (the page's body when nothing has).
    pub fn active(&self) -> Result<Element<'_>> {
        let value = self.cmd("GET", "/element/active", None)?;
        let id = value[ELEMENT_KEY]
            .as_str()
            .context("no active element")?
            .to_owned();
        Ok(Element { session: self, id })
    }

    /// All elements matching a CSS selector (possibly none).
    pub fn find_all(&self, css: &str) -> Result<Vec<Element<'_>>> {
        let value = self.cmd(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        )?;
        Ok(value
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e[ELEMENT_KEY].as_str())
            .map(|id| Element {
                session: self,
                id: id.to_owned(),
            })
            .collect())
    }

    /// Waits up to `timeout` for an element matching `css`.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element<'_>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(e) = self.find_all(css)?.into_iter().next() {
                return Ok(e);
            }
            if Instant::now() > deadline {
                bail!(
                    "no element matches {css} after {timeout:?}; the page shows: {}",
                    self.page_text()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits up to `timeout` for `check` to return `Some`, polling; the error names `what`.
    pub fn until<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut check: impl FnMut(&Self) -> Result<Option<T>>,
    ) -> Result<T> {
        let deadline = Instant::now() + timeout;
        let mut last_err = None;
        loop {
            match check(self) {
                Ok(Some(v)) => return Ok(v),
                Ok(None) => {}
                Err(e) => last_err = Some(e),
            }
            if Instant::now() > deadline {
                bail!(
                    "timed out after {timeout:?} waiting for {what} (last error: {last_err:?}); \
                     the page shows: {}",
                    self.page_text()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The page's visible text (for failure messages), shortened.
    pub fn page_text(&self) -> String {
        match self.execute("return document.body.innerText;", vec![]) {
            Ok(v) => {
                let text = v.as_str().unwrap_or_default().replace('\n', " | ");
                text.chars().take(600).collect()
            }
            Err(e) => format!("(cannot read the page: {e})"),
        }
    }

    /// The handles of the app's windows (WebDriver's top-level browsing contexts).
    pub fn window_handles(&self) -> Result<Vec<String>> {
        let value = self.cmd("GET", "/window/handles", None)?;
        Ok(value
            .as_array()
            .context("window handles are not a list")?
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect())
    }

    /// The window commands go to.
    pub fn window_handle(&self) -> Result<String> {
        Ok(self
            .cmd("GET", "/window", None)?
            .as_str()
            .context("the window handle is not a string")?
            .to_owned())
    }

    /// Sends the next commands to another window.
    pub fn switch_to_window(&self, handle: &str) -> Result<()> {
        self.cmd("POST", "/window", Some(json!({ "handle": handle })))
            .map(|_| ())
    }

    /// Runs a script in the page and returns its result.
    pub fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    /// Ends the session (and the app). The app exiting can cut the reply short, so only a
    /// refusal that did arrive is an error.
    pub fn quit(self) -> Result<()> {
        match self.cmd("DELETE", "", None) {
            Err(e) if e.to_string().contains("without a reply") => Ok(()),
            other => other.map(|_| ()),
        }
    }
}

impl Element<'_> {
    /// Clicks it.
    pub fn click(&self) -> Result<()> {
        self.session
            .cmd(
                "POST",
                &format!("/element/{}/click", self.id),
                Some(json!({})),
            )
            .map(|_| ())
    }

    /// Empties an input.
    pub fn clear(&self) -> Result<()> {
        self.session
            .cmd(
                "POST",
                &format!("/element/{}/clear", self.id),
                Some(json!({})),
            )
            .map(|_| ())
    }

    /// Types into it (see [`keys`]).
    pub fn send_keys(&self, text: &str) -> Result<()> {
        self.session
            .cmd(
                "POST",
                &format!("/element/{}/value", self.id),
                Some(json!({"text": text})),
            )
            .map(|_| ())
    }

    /// Its rendered text.
    pub fn text(&self) -> Result<String> {
        Ok(self
            .session
            .cmd("GET", &format!("/element/{}/text", self.id), None)?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// An attribute, if set.
    pub fn attr(&self, name: &str) -> Result<Option<String>> {
        Ok(self
            .session
            .cmd(
                "GET",
                &format!("/element/{}/attribute/{name}", self.id),
                None,
            )?
            .as_str()
            .map(str::to_owned))
    }

    /// This element as a script argument.
    pub fn as_arg(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }

    /// Descendants matching a CSS selector.
    pub fn find_all(&self, css: &str) -> Result<Vec<Element<'_>>> {
        let value = self.session.cmd(
            "POST",
            &format!("/element/{}/elements", self.id),
            Some(json!({"using": "css selector", "value": css})),
        )?;
        Ok(value
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e[ELEMENT_KEY].as_str())
            .map(|id| Element {
                session: self.session,
                id: id.to_owned(),
            })
            .collect())
    }
}
