//! One guarded GET, following redirects hop by hop.

use std::{
    net::{IpAddr, SocketAddr},
    sync::{Arc, OnceLock},
};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::{Request, StatusCode, header};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_rustls::{
    TlsConnector,
    rustls::{ClientConfig, RootCertStore, pki_types::ServerName},
};
use url::Url;

use crate::{Policy, PreviewError, Want};

/// A body fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The URL it came from, after redirects.
    pub url: String,
    /// The body, at most the policy's byte cap.
    pub body: Vec<u8>,
    /// Its declared content type, lowercased, without parameters.
    pub content_type: String,
}

/// GETs `url` under `policy`: every hop's address checked before connecting to exactly that
/// address, redirects followed up to the policy's count, the body cut (a page) or refused (an
/// image) at the byte cap.
pub async fn fetch(url: &str, policy: &Policy, want: Want) -> Result<Fetched, PreviewError> {
    let mut current = parse(url)?;
    for hop in 0..=policy.max_redirects {
        let response = get(&current, policy, want).await?;
        match response {
            Hop::Done(fetched) => return Ok(fetched),
            Hop::Redirect(location) => {
                if hop == policy.max_redirects {
                    break;
                }
                current = current
                    .join(&location)
                    .map_err(|_| PreviewError::BadUrl(location.clone()))?;
                check_scheme(&current)?;
            }
        }
    }
    Err(PreviewError::TooManyRedirects(policy.max_redirects))
}

fn parse(url: &str) -> Result<Url, PreviewError> {
    let parsed = Url::parse(url).map_err(|_| PreviewError::BadUrl(url.to_owned()))?;
    check_scheme(&parsed)?;
    Ok(parsed)
}

fn check_scheme(url: &Url) -> Result<(), PreviewError> {
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(PreviewError::BadUrl(url.to_string()));
    }
    // Credentials in a URL are someone else's to use, not the server's.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(PreviewError::BadUrl(url.to_string()));
    }
    Ok(())
}

enum Hop {
    Done(Fetched),
    Redirect(String),
}

/// The address to connect to: the host resolved here, its first address the policy permits.
/// A host whose every address is refused is `Blocked`.
async fn resolve(url: &Url, policy: &Policy) -> Result<SocketAddr, PreviewError> {
    let host = url.host_str().unwrap_or_default().to_owned();
    let port = url.port_or_known_default().unwrap_or(80);
    let addrs: Vec<SocketAddr> = match url.host() {
        Some(url::Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
        Some(url::Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
        _ => tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|_| PreviewError::Unresolved(host.clone()))?
            .collect(),
    };
    let Some(first) = addrs.first() else {
        return Err(PreviewError::Unresolved(host));
    };
    addrs
        .iter()
        .copied()
        .find(|a| policy.permits(a.ip()))
        .ok_or(PreviewError::Blocked {
            host,
            addr: first.ip(),
        })
}

fn tls() -> TlsConnector {
    static CONFIG: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let mut roots = RootCertStore::empty();
        // The system's roots: a preview of an intranet page works where its certificate is
        // trusted by the machine.
        let found = rustls_native_certs::load_native_certs();
        for cert in found.certs {
            let _ = roots.add(cert);
        }
        Arc::new(
            ClientConfig::builder_with_provider(Arc::new(
                tokio_rustls::rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .expect("the ring provider supports the default versions")
            .with_root_certificates(roots)
            .with_no_client_auth(),
        )
    });
    TlsConnector::from(config.clone())
}

async fn get(url: &Url, policy: &Policy, want: Want) -> Result<Hop, PreviewError> {
    let addr = resolve(url, policy).await?;
    let io = |e: &dyn std::fmt::Display| PreviewError::Io(e.to_string());
    let tcp = TcpStream::connect(addr).await.map_err(|e| io(&e))?;
    let host = url.host_str().unwrap_or_default().to_owned();
    let authority = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.clone(),
    };
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    let accept = match want {
        Want::Page => "text/html,application/xhtml+xml;q=0.9",
        Want::Image => "image/*",
    };
    let request = Request::get(path)
        .header(header::HOST, authority)
        .header(header::USER_AGENT, "Confer link preview")
        .header(header::ACCEPT, accept)
        .body(Empty::<Bytes>::new())
        .map_err(|e| io(&e))?;
    let (response, _driver) = if url.scheme() == "https" {
        let name = ServerName::try_from(
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
        )
        .map_err(|e| io(&e))?;
        let stream = tls().connect(name, tcp).await.map_err(|e| io(&e))?;
        send(TokioIo::new(stream), request).await?
    } else {
        send(TokioIo::new(tcp), request).await?
    };
    let status = response.status();
    if status.is_redirection() {
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(PreviewError::Status(status.as_u16()))?;
        return Ok(Hop::Redirect(location.to_owned()));
    }
    if status != StatusCode::OK {
        return Err(PreviewError::Status(status.as_u16()));
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let fits = match want {
        Want::Page => matches!(content_type.as_str(), "text/html" | "application/xhtml+xml"),
        Want::Image => matches!(
            content_type.as_str(),
            "image/png" | "image/jpeg" | "image/gif" | "image/webp"
        ),
    };
    if !fits {
        return Err(PreviewError::ContentType(content_type));
    }
    let mut body = response.into_body();
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| io(&e))?;
        let Ok(chunk) = frame.into_data() else {
            continue;
        };
        if out.len() + chunk.len() > policy.max_bytes {
            match want {
                // A page's head comes first: what fits is enough for its title.
                Want::Page => {
                    let room = policy.max_bytes - out.len();
                    out.extend_from_slice(&chunk[..room]);
                    break;
                }
                Want::Image => return Err(PreviewError::TooLarge(policy.max_bytes)),
            }
        }
        out.extend_from_slice(&chunk);
    }
    Ok(Hop::Done(Fetched {
        url: url.to_string(),
        body: out,
        content_type,
    }))
}

/// The task driving a connection, owned by the fetch that opened it: dropped with it (done,
/// failed or timed out), it stops.
struct Driver(tokio::task::JoinHandle<()>);

impl Drop for Driver {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn send<T>(
    io: TokioIo<T>,
    request: Request<Empty<Bytes>>,
) -> Result<(hyper::Response<hyper::body::Incoming>, Driver), PreviewError>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| PreviewError::Io(e.to_string()))?;
    let driver = Driver(tokio::spawn(async move {
        let _ = connection.await;
    }));
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| PreviewError::Io(e.to_string()))?;
    Ok((response, driver))
}
