//! Previews fetched from a real HTTP server on 127.0.0.1 (allowed by the policy, as an
//! intranet would be), and every kind of address a preview must not reach refused by default.

use std::{net::SocketAddr, time::Duration};

use confer_preview::{AllowRange, Policy, PreviewError, Want, fetch, preview};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\nnot really an image, but typed as one";

/// A small web server: each path answers as the test needs. It stops with the test's runtime.
async fn web() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head);
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let (status, kind, extra, body): (&str, &str, String, Vec<u8>) = match path.as_str()
                {
                    "/page" => (
                        "200 OK",
                        "text/html; charset=utf-8",
                        String::new(),
                        br#"<html><head><title>Plain</title>
                            <meta property="og:title" content="Quarterly report">
                            <meta property="og:description" content="Numbers &amp; plans">
                            <meta property="og:image" content="/card.png"></head><body>x</body>"#
                            .to_vec(),
                    ),
                    "/card.png" => ("200 OK", "image/png", String::new(), PNG.to_vec()),
                    "/big-page" => {
                        let mut b = b"<title>Big one</title>".to_vec();
                        b.resize(4 << 20, b' ');
                        ("200 OK", "text/html", String::new(), b)
                    }
                    "/big-image-page" => (
                        "200 OK",
                        "text/html",
                        String::new(),
                        b"<title>Heavy card</title><meta property=og:image content=/big.png>"
                            .to_vec(),
                    ),
                    "/big.png" => ("200 OK", "image/png", String::new(), vec![0; 4 << 20]),
                    "/text" => ("200 OK", "text/plain", String::new(), b"plain".to_vec()),
                    "/to-private" => (
                        "302 Found",
                        "text/plain",
                        "Location: http://169.254.169.254/latest/meta-data\r\n".into(),
                        vec![],
                    ),
                    "/slow" => {
                        // Never answers; the client's time runs out first.
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        return;
                    }
                    p if p.starts_with("/hop/") => {
                        let n: u32 = p[5..].parse().unwrap_or(0);
                        let next = if n == 0 {
                            "/page".to_owned()
                        } else {
                            format!("/hop/{}", n - 1)
                        };
                        (
                            "302 Found",
                            "text/plain",
                            format!("Location: {next}\r\n"),
                            vec![],
                        )
                    }
                    _ => ("404 Not Found", "text/plain", String::new(), b"no".to_vec()),
                };
                let reply = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
                let _ = socket.write_all(&body).await;
            });
        }
    });
    addr
}

fn allowing_loopback() -> Policy {
    Policy {
        allow: vec![AllowRange::parse("127.0.0.1").unwrap()],
        timeout: Duration::from_secs(5),
        ..Policy::default()
    }
}

#[tokio::test]
async fn a_page_on_an_allowed_address_gives_its_title_description_and_image() {
    let addr = web().await;
    let p = preview(&format!("http://{addr}/page"), &allowing_loopback())
        .await
        .unwrap();
    assert_eq!(p.title.as_deref(), Some("Quarterly report"));
    assert_eq!(p.description.as_deref(), Some("Numbers & plans"));
    let image = p.image.unwrap();
    assert_eq!(
        (image.bytes.as_slice(), image.content_type.as_str()),
        (PNG, "image/png")
    );
}

#[tokio::test]
async fn private_and_special_addresses_are_refused_by_default() {
    let addr = web().await;
    let port = addr.port();
    let default = Policy::default();
    for url in [
        format!("http://127.0.0.1:{port}/page"),
        format!("http://localhost:{port}/page"),
        format!("http://[::1]:{port}/page"),
        "http://169.254.169.254/latest/meta-data".to_owned(),
        "http://10.0.0.1/".to_owned(),
        "http://192.168.0.1/".to_owned(),
        "http://100.64.0.1/".to_owned(),
        "http://[fd00::1]/".to_owned(),
        "http://[::ffff:127.0.0.1]/".to_owned(),
        "http://0.0.0.0/".to_owned(),
    ] {
        match preview(&url, &default).await {
            Err(PreviewError::Blocked { .. }) => {}
            other => panic!("{url}: {other:?}"),
        }
    }
    // A name that resolves to 127.0.0.1 is allowed only through the allowlist.
    assert!(
        preview(
            &format!("http://localhost:{port}/page"),
            &allowing_loopback()
        )
        .await
        .is_ok()
    );
    // Other schemes are not fetched at all.
    for url in [
        "file:///etc/passwd",
        "ftp://x.org/",
        "gopher://127.0.0.1/",
        "not a url",
    ] {
        assert!(
            matches!(preview(url, &default).await, Err(PreviewError::BadUrl(_))),
            "{url}"
        );
    }
    assert!(matches!(
        preview(
            &format!("http://user:pw@127.0.0.1:{port}/page"),
            &allowing_loopback()
        )
        .await,
        Err(PreviewError::BadUrl(_))
    ));
}

#[tokio::test]
async fn redirects_are_followed_three_times_and_each_hop_is_checked() {
    let addr = web().await;
    let policy = allowing_loopback();
    let p = preview(&format!("http://{addr}/hop/2"), &policy)
        .await
        .unwrap();
    assert_eq!(p.url, format!("http://{addr}/page"));
    assert!(matches!(
        preview(&format!("http://{addr}/hop/3"), &policy).await,
        Err(PreviewError::TooManyRedirects(3))
    ));
    // A redirect to the cloud metadata address, or to a name of the loopback, is refused even
    // though the first hop was allowed.
    match preview(&format!("http://{addr}/to-private"), &policy).await {
        Err(PreviewError::Blocked { addr, .. }) => assert_eq!(addr.to_string(), "169.254.169.254"),
        other => panic!("{other:?}"),
    }
    let only_this = Policy {
        allow: vec![AllowRange::parse(&format!("{}/32", addr.ip())).unwrap()],
        ..policy.clone()
    };
    assert!(
        preview(&format!("http://{addr}/page"), &only_this)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn sizes_times_and_types_are_capped() {
    let addr = web().await;
    let policy = Policy {
        max_bytes: 64 << 10,
        timeout: Duration::from_millis(800),
        ..allowing_loopback()
    };
    // A huge page is cut: its head still gives the title.
    let big = fetch(&format!("http://{addr}/big-page"), &policy, Want::Page)
        .await
        .unwrap();
    assert_eq!(big.body.len(), 64 << 10);
    let p = preview(&format!("http://{addr}/big-page"), &policy)
        .await
        .unwrap();
    assert_eq!(p.title.as_deref(), Some("Big one"));
    // A huge image is refused: the card goes without it.
    let p = preview(&format!("http://{addr}/big-image-page"), &policy)
        .await
        .unwrap();
    assert_eq!((p.title.as_deref(), p.image), (Some("Heavy card"), None));
    assert!(matches!(
        fetch(&format!("http://{addr}/big.png"), &policy, Want::Image).await,
        Err(PreviewError::TooLarge(_))
    ));
    assert!(matches!(
        preview(&format!("http://{addr}/slow"), &policy).await,
        Err(PreviewError::Timeout)
    ));
    assert!(matches!(
        preview(&format!("http://{addr}/text"), &policy).await,
        Err(PreviewError::ContentType(_))
    ));
    assert!(matches!(
        preview(&format!("http://{addr}/missing"), &policy).await,
        Err(PreviewError::Status(404))
    ));
}
