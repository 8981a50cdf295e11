//! Calls through the client core: what the user is told about calls they missed.

use std::time::Duration;

use confer_core::{Client, ClientConfig, ClientEvent};
use confer_proto::{CallOutcome, MessageKind};
use confer_testkit::TestServer;

const PW: &str = "correct horse";
const WAIT: Duration = Duration::from_secs(10);

fn config(url: &str, dir: &std::path::Path, user: &str) -> ClientConfig {
    ClientConfig {
        servers: vec![url.into()],
        user: user.into(),
        password: Some(PW.into()),
        profile: dir.join(user),
        device: "test".into(),
        connect_timeout: Duration::from_secs(5),
        use_keyring: false,
        heartbeat: confer_core::connection::HEARTBEAT,
    }
}

#[tokio::test]
async fn a_missed_call_is_notified_when_the_callee_next_signs_in() {
    let server = TestServer::start().await.unwrap();
    for u in ["alice", "bob"] {
        server.add_user(u, PW).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let alice = Client::open(config(&server.ws_url(), dir.path(), "alice"), true).unwrap();
    alice.wait_synced(WAIT).await.unwrap();
    let conversation = alice.direct_conversation("bob").await.unwrap();
    let sent = alice.send(conversation, "Are you there?").await.unwrap();
    alice.wait_sent(sent.local_id, WAIT).await.unwrap();
    // Bob has no device online: the call ends at once, missed.
    alice.place_call(conversation, true).await.unwrap();

    // Bob signs in later: his history arrives quietly, except the missed call.
    let bob = Client::open(config(&server.ws_url(), dir.path(), "bob"), true).unwrap();
    let mut events = bob.subscribe();
    let (message, decision) = tokio::time::timeout(WAIT, async {
        loop {
            if let ClientEvent::Message { message, decision } = events.recv().await.unwrap() {
                return (message, decision);
            }
        }
    })
    .await
    .expect("the missed call is news");
    assert_eq!(message.sender, "alice");
    assert!(
        matches!(message.kind, MessageKind::Call(r) if r.outcome == CallOutcome::Missed && r.video),
        "the first news is the call, not the text before it: {message:?}"
    );
    assert!(decision.notify && decision.badge, "{decision:?}");
}

#[tokio::test]
async fn the_device_test_reads_the_synthetic_microphone_and_previews_the_camera() {
    use futures_util::StreamExt;
    let frames = std::sync::Arc::new(confer_core::frames::FrameServer::start().await.unwrap());
    let (tx, mut levels) = tokio::sync::mpsc::unbounded_channel();
    let url = frames.mint();
    let (mut page, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let test = confer_core::device_test::DeviceTest::start(
        Some("synthetic:tone".into()),
        true,
        frames.clone(),
        move |l| {
            let _ = tx.send(l);
        },
    )
    .unwrap();
    let level = tokio::time::timeout(WAIT, levels.recv())
        .await
        .unwrap()
        .unwrap();
    // The tone's amplitude is 0.3: about -10 dBFS at its peaks.
    assert!(
        (-13.0..-8.0).contains(&level.peak_db),
        "the meter reads the tone: {level:?}"
    );
    let frame = tokio::time::timeout(WAIT, page.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap()
        .into_data();
    assert_eq!(frame[0], 1, "the preview is the local stream");
    drop(test);
}
