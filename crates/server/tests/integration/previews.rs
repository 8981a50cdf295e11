//! Link cards: the server fetches the page of a message's first link (here a web server of the
//! test's own on 127.0.0.1, allowlisted as an intranet would be), redraws its image, and every
//! member gets the card with the message, live and in history. By default the same page, being
//! on a private address, is never even requested.

use std::time::{Duration, Instant};

use confer_proto::{Change, Event, LinkPreview, Message, Request};
use confer_testkit::{Client, Page, TestServer, WebServer};

use super::*;

/// A 4 x 4 red PNG.
const PNG: &[u8] = &[
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 4, 0, 0, 0, 4, 8, 2, 0,
    0, 0, 38, 147, 9, 41, 0, 0, 0, 16, 73, 68, 65, 84, 120, 156, 99, 56, 163, 164, 4, 71, 12, 196,
    113, 0, 196, 227, 17, 1, 96, 144, 65, 159, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

/// The test's intranet: a page with a card and an image, a page with a title only, and a
/// redirect to the cloud metadata address.
fn intranet() -> WebServer {
    WebServer::start([
        (
            "/minutes".to_owned(),
            Page::ok(
                "text/html; charset=utf-8",
                r#"<html><head><title>minutes</title>
                <meta property="og:title" content="Q3 planning minutes">
                <meta property="og:description" content="Decisions &amp; owners">
                <meta property="og:image" content="/card.png"></head></html>"#,
            ),
        ),
        (
            "/wiki".to_owned(),
            Page::ok("text/html", "<title>Team wiki</title>"),
        ),
        ("/card.png".to_owned(), Page::ok("image/png", PNG)),
        (
            "/to-metadata".to_owned(),
            Page::redirect("http://169.254.169.254/latest/meta-data"),
        ),
    ])
    .unwrap()
}

/// The next update of a message that carries a card, or takes it away.
async fn next_card(client: &mut Client) -> (Message, Option<LinkPreview>) {
    client
        .wait_for(|e| match e {
            Event::Change {
                change: Change::MessageUpdated { message },
                ..
            } => Some((message.clone(), message.preview.clone().map(|p| *p))),
            _ => None,
        })
        .await
        .unwrap()
}

/// Waits (bounded) until `/metrics` shows `count` link previews with `outcome`.
async fn wait_for_outcomes(server: &TestServer, outcome: &str, count: usize) {
    let line = format!("confer_link_previews_total{{outcome=\"{outcome}\"}} {count}\n");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let metrics = http_get(server.addr, "/metrics").await;
        if metrics.contains(&line) {
            return;
        }
        assert!(Instant::now() < deadline, "no {line:?} in\n{metrics}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_link_gets_its_card_for_every_member_live_and_in_history() {
    let site = intranet();
    let server = TestServer::start_with(|c| {
        c.link_previews = true;
        c.link_preview_allow = vec!["127.0.0.1".into()];
    })
    .await
    .unwrap();
    for name in ["alice", "bob"] {
        server.add_user(name, PW).unwrap();
    }
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    bob.sync(None).await.unwrap();
    let conversation = open_direct(&mut alice, "bob").await;
    let link = site.url("/minutes");
    let ack = send(
        &mut alice,
        conversation,
        "m1",
        &format!("Minutes are up ({link}), and https://example.invalid/second is not first"),
    )
    .await;

    let (message, card) = next_card(&mut bob).await;
    assert_eq!(message.seq, ack.seq);
    let card = card.expect("a card");
    assert_eq!(card.url, link);
    assert_eq!(card.title.as_deref(), Some("Q3 planning minutes"));
    assert_eq!(card.description.as_deref(), Some("Decisions & owners"));
    // The page's image, redrawn by the server: no byte of the page's own file reaches clients.
    let image = card.image.clone().expect("the page's image");
    assert!(image.starts_with("data:image/jpeg;base64,"), "{image:.40}");
    let history_card = history(&mut alice, conversation)
        .await
        .into_iter()
        .find(|m| m.seq == ack.seq)
        .and_then(|m| m.preview);
    assert_eq!(history_card.as_deref(), Some(&card));

    // The same link again: the card comes from the server's cache, the page is not fetched
    // twice.
    let again = send(&mut alice, conversation, "m2", &format!("again: {link}")).await;
    let (message, second) = next_card(&mut bob).await;
    assert_eq!((message.seq, second.as_ref()), (again.seq, Some(&card)));
    assert_eq!(site.hits("/minutes"), 1);

    // An edit that changes the link takes the card away, and the new link's card follows.
    alice
        .request(Request::EditMessage {
            conversation,
            seq: ack.seq,
            text: format!("Moved to {}", site.url("/wiki")),
        })
        .await
        .unwrap();
    let (message, gone) = next_card(&mut bob).await;
    assert_eq!((message.seq, gone), (ack.seq, None));
    let (message, wiki) = next_card(&mut bob).await;
    assert_eq!(message.seq, ack.seq);
    let wiki = wiki.expect("the new link's card");
    assert_eq!(
        (wiki.title.as_deref(), wiki.description, wiki.image),
        (Some("Team wiki"), None, None)
    );

    // Deleting the message takes its card with it.
    alice
        .request(Request::DeleteMessage {
            conversation,
            seq: ack.seq,
        })
        .await
        .unwrap();
    let (message, none) = next_card(&mut bob).await;
    assert!(message.deleted && none.is_none(), "{message:?}");

    // A redirect from the allowed address to the cloud metadata address is refused at that
    // hop: no card.
    let redirected = send(&mut alice, conversation, "m3", &site.url("/to-metadata")).await;
    wait_for_outcomes(&server, "refused", 1).await;
    assert!(
        history(&mut alice, conversation)
            .await
            .iter()
            .find(|m| m.seq == redirected.seq)
            .is_some_and(|m| m.preview.is_none())
    );
}

#[tokio::test]
async fn private_addresses_are_refused_by_default_and_never_requested() {
    let site = intranet();
    let server = TestServer::start_with(|c| c.link_previews = true)
        .await
        .unwrap();
    for name in ["alice", "bob"] {
        server.add_user(name, PW).unwrap();
    }
    let mut alice = login(&server, "alice").await;
    let conversation = open_direct(&mut alice, "bob").await;
    let port = site.addr().port();
    let links = [
        format!("http://127.0.0.1:{port}/minutes"),
        format!("http://localhost:{port}/minutes"),
        format!("http://[::1]:{port}/minutes"),
        format!("http://[::ffff:127.0.0.1]:{port}/minutes"),
        "http://169.254.169.254/latest/meta-data".to_owned(),
        "http://10.0.0.1/".to_owned(),
    ];
    for (i, link) in links.iter().enumerate() {
        send(
            &mut alice,
            conversation,
            &format!("p{i}"),
            &format!("see {link}"),
        )
        .await;
    }
    wait_for_outcomes(&server, "refused", links.len()).await;
    assert_eq!(site.all_hits(), 0, "a refused page was requested");
    assert!(
        history(&mut alice, conversation)
            .await
            .iter()
            .all(|m| m.preview.is_none())
    );
}
