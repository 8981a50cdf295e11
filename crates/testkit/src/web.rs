//! A small static web server on 127.0.0.1 for tests that need pages to fetch (link previews):
//! fixed answers by path, requests counted by path. It runs on a thread of its own, so sync
//! and async tests alike can use it, and stops when dropped.

use std::{
    collections::HashMap,
    io::{Read, Write},
    net::{SocketAddr, TcpListener, TcpStream},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use anyhow::Result;

/// One answer.
#[derive(Debug, Clone)]
pub struct Page {
    /// Status line after `HTTP/1.1 `, such as `200 OK` or `302 Found`.
    pub status: &'static str,
    /// Its headers besides Content-Length and Connection.
    pub headers: Vec<(String, String)>,
    /// Its body.
    pub body: Vec<u8>,
}

impl Page {
    /// A `200 OK` of `content_type`.
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status: "200 OK",
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// A `302 Found` to `location`.
    pub fn redirect(location: &str) -> Self {
        Self {
            status: "302 Found",
            headers: vec![("Location".into(), location.into())],
            body: Vec::new(),
        }
    }
}

/// The server. Unknown paths get `404 Not Found`.
pub struct WebServer {
    addr: SocketAddr,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    stop: Arc<AtomicBool>,
}

impl WebServer {
    /// Serves `pages` (path → answer) on a free port.
    pub fn start(pages: impl IntoIterator<Item = (String, Page)>) -> Result<Self> {
        let pages: HashMap<String, Page> = pages.into_iter().collect();
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let hits = Arc::new(Mutex::new(HashMap::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (h, s) = (hits.clone(), stop.clone());
        std::thread::spawn(move || {
            for socket in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    return;
                }
                if let Ok(socket) = socket {
                    answer(socket, &pages, &h);
                }
            }
        });
        Ok(Self { addr, hits, stop })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Requests for `path` so far.
    pub fn hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .expect("hits lock")
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// Requests for any path so far.
    pub fn all_hits(&self) -> usize {
        self.hits.lock().expect("hits lock").values().sum()
    }
}

impl Drop for WebServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

fn answer(
    mut socket: TcpStream,
    pages: &HashMap<String, Page>,
    hits: &Mutex<HashMap<String, usize>>,
) {
    let _ = socket.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let path = String::from_utf8_lossy(&head)
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_owned();
    *hits
        .lock()
        .expect("hits lock")
        .entry(path.clone())
        .or_default() += 1;
    let missing = Page {
        status: "404 Not Found",
        headers: Vec::new(),
        body: Vec::new(),
    };
    let page = pages.get(&path).unwrap_or(&missing);
    let mut out = format!("HTTP/1.1 {}\r\n", page.status);
    for (name, value) in &page.headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        page.body.len()
    ));
    let _ = socket.write_all(out.as_bytes());
    let _ = socket.write_all(&page.body);
}
