//! The client core against a real in-process server over loopback.

use std::time::Duration;

use confer_core::{Client, ClientConfig, ClientEvent, ConnState, CoreError, UnreadTotals};
use confer_proto::TickState;
use confer_testkit::TestServer;

const PW: &str = "correct horse";
const WAIT: Duration = Duration::from_secs(10);

struct Env {
    server: TestServer,
    dir: tempfile::TempDir,
}

impl Env {
    async fn new() -> Self {
        let server = TestServer::start().await.unwrap();
        for u in ["alice", "bob"] {
            server.add_user(u, PW).unwrap();
        }
        Self {
            server,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn config(&self, user: &str, device: &str) -> ClientConfig {
        config(&self.server.ws_url(), self.dir.path(), user, device)
    }

    async fn client(&self, user: &str, device: &str) -> Client {
        let c = Client::open(self.config(user, device), true).unwrap();
        c.wait_synced(WAIT).await.unwrap();
        c
    }
}

fn config(url: &str, dir: &std::path::Path, user: &str, device: &str) -> ClientConfig {
    ClientConfig {
        servers: vec![url.into()],
        user: user.into(),
        password: Some(PW.into()),
        profile: dir.join(format!("{user}-{device}")),
        device: device.into(),
        connect_timeout: Duration::from_secs(5),
        // Tests keep tokens in profile files, never in the developer's keyring.
        use_keyring: false,
        heartbeat: confer_core::connection::HEARTBEAT,
    }
}

async fn state_of(client: &Client, conversation: u64, client_id: &str) -> TickState {
    let page = client.history(conversation, None, 100).await.unwrap();
    page.into_iter()
        .find(|m| m.client_id == client_id)
        .unwrap()
        .state
}

async fn wait_state(client: &Client, conversation: u64, client_id: &str, want: TickState) {
    let mut rx = client.subscribe();
    let deadline = tokio::time::Instant::now() + WAIT;
    while state_of(client, conversation, client_id).await != want {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(_) => {}
            Err(_) => panic!(
                "state never became {want:?}: {:?}",
                state_of(client, conversation, client_id).await
            ),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sender_sees_ticks_go_pending_sent_delivered_read() {
    let env = Env::new().await;
    let alice = env.client("alice", "desk").await;
    let conv = alice.direct_conversation("bob").await.unwrap();
    let queued = alice.send(conv, "tick tock").await.unwrap();
    assert_eq!(queued.state, TickState::Pending);
    let sent = alice.wait_sent(queued.local_id, WAIT).await.unwrap();
    assert_eq!(sent.state, TickState::Sent, "stored, bob has no device yet");

    // Bob's device receives it and sends the delivered receipt by itself.
    let bob = env.client("bob", "desk").await;
    wait_state(&alice, conv, &queued.client_id, TickState::Delivered).await;
    assert_eq!(
        bob.unread_totals().await.unwrap(),
        UnreadTotals { chats: 1, rooms: 0 }
    );
    bob.mark_read(conv, None).await.unwrap();
    wait_state(&alice, conv, &queued.client_id, TickState::Read).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privacy_mode_sends_no_receipts_and_shows_only_the_server_tick() {
    let env = Env::new().await;
    let alice = env.client("alice", "desk").await;
    let bob = env.client("bob", "desk").await;
    bob.set_privacy(true).await.unwrap();
    let conv = alice.direct_conversation("bob").await.unwrap();
    let m = alice.send(conv, "private?").await.unwrap();
    alice.wait_sent(m.local_id, WAIT).await.unwrap();
    let bob_conv = bob.direct_conversation("alice").await.unwrap();
    let mut rx = bob.subscribe();
    while bob.history(bob_conv, None, 10).await.unwrap().is_empty() {
        tokio::time::timeout(WAIT, rx.recv())
            .await
            .unwrap()
            .unwrap();
    }
    bob.mark_read(bob_conv, None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(state_of(&alice, conv, &m.client_id).await, TickState::Sent);

    // A private sender sees only the server tick even when the other side reads.
    let reply = bob.send(bob_conv, "yes").await.unwrap();
    bob.wait_sent(reply.local_id, WAIT).await.unwrap();
    let mut rx = alice.subscribe();
    while alice.history(conv, None, 10).await.unwrap().len() < 2 {
        tokio::time::timeout(WAIT, rx.recv())
            .await
            .unwrap()
            .unwrap();
    }
    alice.mark_read(conv, None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        state_of(&bob, bob_conv, &reply.client_id).await,
        TickState::Sent
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_on_one_device_clears_the_unread_count_on_the_other() {
    let env = Env::new().await;
    let alice = env.client("alice", "desk").await;
    let bob_desk = env.client("bob", "desk").await;
    let bob_phone = env.client("bob", "phone").await;
    let conv = alice.direct_conversation("bob").await.unwrap();
    let mut phone_events = bob_phone.subscribe();
    for text in ["one", "two"] {
        let m = alice.send(conv, text).await.unwrap();
        alice.wait_sent(m.local_id, WAIT).await.unwrap();
    }
    for client in [&bob_desk, &bob_phone] {
        let mut rx = client.subscribe();
        while client.unread_totals().await.unwrap().chats < 2 {
            tokio::time::timeout(WAIT, rx.recv())
                .await
                .expect("unread count never reached 2")
                .unwrap();
        }
    }
    bob_desk.mark_read(conv, None).await.unwrap();
    loop {
        match tokio::time::timeout(WAIT, phone_events.recv())
            .await
            .expect("phone never saw the read")
            .unwrap()
        {
            ClientEvent::Unread { totals } if totals.chats == 0 => break,
            _ => {}
        }
    }
    assert_eq!(bob_phone.unread_totals().await.unwrap().total(), 0);
    assert_eq!(bob_phone.conversations().await.unwrap()[0].unread, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_shows_history_without_a_server_and_the_outbox_survives_restarts() {
    let env = Env::new().await;
    let alice = env.client("alice", "desk").await;
    let conv = alice.direct_conversation("bob").await.unwrap();
    let first = alice.send(conv, "before the outage").await.unwrap();
    alice.wait_sent(first.local_id, WAIT).await.unwrap();
    alice.close().await;
    let server_config = confer_server::Config {
        data_dir: env.server.data_dir.clone(),
        ..Default::default()
    };
    let Env { server, dir } = env;
    let tmp = server.stop().await.unwrap();

    // No server: the cache still shows history, and a new message waits in the outbox.
    let cfg = config("ws://127.0.0.1:9/v1/ws", dir.path(), "alice", "desk");
    let offline = Client::open(cfg.clone(), true).unwrap();
    let page = offline.history(conv, None, 10).await.unwrap();
    assert_eq!(
        page.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(),
        ["before the outage"]
    );
    let queued = offline.send(conv, "during the outage").await.unwrap();
    assert!(matches!(
        offline.wait_online(Duration::from_millis(500)).await,
        Err(CoreError::Unreachable(_))
    ));
    assert_ne!(*offline.state().borrow(), ConnState::Online);
    offline.close().await;

    // A restarted client still has it pending; the returning server gets it once.
    let server = TestServer::start_config(server_config).await.unwrap();
    let cfg = ClientConfig {
        servers: vec![server.ws_url()],
        ..cfg
    };
    let back = Client::open(cfg, true).unwrap();
    let pending = back.history(conv, None, 10).await.unwrap();
    assert_eq!(pending.last().unwrap().state, TickState::Pending);
    back.flush(WAIT).await.unwrap();
    let sent = back.wait_sent(queued.local_id, WAIT).await.unwrap();
    assert_eq!(sent.seq, Some(2));
    let mut bob = confer_testkit::Client::login(&server.ws_url(), "bob", PW)
        .await
        .unwrap();
    match bob
        .request(confer_proto::Request::History {
            conversation: conv,
            before: None,
            limit: None,
        })
        .await
        .unwrap()
    {
        confer_proto::Response::History { page } => {
            let texts: Vec<_> = page.messages.iter().map(|m| m.text.as_str()).collect();
            assert_eq!(texts, ["before the outage", "during the outage"]);
        }
        r => panic!("{r:?}"),
    }
    drop(tmp);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_end_in_auth_failed_without_retrying() {
    let env = Env::new().await;
    let cfg = ClientConfig {
        password: Some("wrong".into()),
        ..env.config("alice", "desk")
    };
    let client = Client::open(cfg, true).unwrap();
    assert!(matches!(
        client.wait_online(WAIT).await,
        Err(CoreError::AuthFailed(_))
    ));
    assert_eq!(*client.state().borrow(), ConnState::AuthFailed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_belongs_to_one_user_and_bad_input_is_refused() {
    let env = Env::new().await;
    let alice = env.client("alice", "desk").await;
    let conv = alice.direct_conversation("bob").await.unwrap();
    assert!(matches!(
        alice.send(conv, "   ").await,
        Err(CoreError::Invalid(_))
    ));
    let big = "x".repeat(confer_proto::MAX_TEXT_BYTES + 1);
    assert!(matches!(
        alice.send(conv, &big).await,
        Err(CoreError::Invalid(_))
    ));
    assert!(matches!(
        alice.send(999, "to nowhere").await,
        Err(CoreError::NotFound(_))
    ));
    // The server's reason is typed; the core words it in English for the CLI.
    match alice.direct_conversation("nobody").await {
        Err(CoreError::Refused(body)) => {
            assert_eq!(
                body.reason,
                confer_proto::Reason::NoSuchUser {
                    name: "nobody".into()
                }
            );
            assert_eq!(
                CoreError::Refused(body).to_string(),
                r#"There is no user named "nobody"."#
            );
        }
        other => panic!("{other:?}"),
    }
    alice.close().await;
    let wrong = ClientConfig {
        user: "bob".into(),
        ..env.config("alice", "desk")
    };
    assert!(matches!(
        Client::open(wrong, false),
        Err(CoreError::Invalid(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_reconnects_by_itself_and_resumes_what_it_missed() {
    let env = Env::new().await;
    let bob = env.client("bob", "desk").await;
    let mut states = bob.state();
    let alice = env.client("alice", "desk").await;
    let conv = alice.direct_conversation("bob").await.unwrap();
    let m = alice.send(conv, "before").await.unwrap();
    alice.wait_sent(m.local_id, WAIT).await.unwrap();

    let addr = env.server.addr;
    let data_dir = env.server.data_dir.clone();
    let Env { server, dir: _dir } = env;
    let tmp = server.stop().await.unwrap();
    // Bob notices the loss and keeps retrying with backoff.
    tokio::time::timeout(WAIT, states.wait_for(|s| *s == ConnState::Offline))
        .await
        .unwrap()
        .unwrap();

    let server = TestServer::start_on(
        addr,
        confer_server::Config {
            data_dir,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tokio::time::timeout(
        Duration::from_secs(40),
        states.wait_for(|s| *s == ConnState::Online),
    )
    .await
    .expect("bob reconnected")
    .unwrap();
    let m = alice.send(conv, "after").await.unwrap();
    alice
        .wait_sent(m.local_id, Duration::from_secs(40))
        .await
        .unwrap();
    let mut rx = bob.subscribe();
    let bob_conv = bob.direct_conversation("alice").await.unwrap();
    while bob.history(bob_conv, None, 10).await.unwrap().len() < 2 {
        tokio::time::timeout(WAIT, rx.recv())
            .await
            .expect("bob got the message sent after the restart")
            .unwrap();
    }
    let texts: Vec<String> = bob
        .history(bob_conv, None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(texts, ["before", "after"]);
    drop((server, tmp));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_pages_from_the_cache_and_fetches_what_it_lacks() {
    let env = Env::new().await;
    let alice = env.client("alice", "desk").await;
    let conv = alice.direct_conversation("bob").await.unwrap();
    for i in 0..120 {
        alice.send(conv, &format!("m{i}")).await.unwrap();
    }
    alice.flush(WAIT).await.unwrap();
    let newest = alice.history(conv, None, 50).await.unwrap();
    assert_eq!(
        (newest.first().unwrap().seq, newest.last().unwrap().seq),
        (Some(71), Some(120))
    );
    let older = alice.history(conv, Some(71), 50).await.unwrap();
    assert_eq!(
        (older.first().unwrap().seq, older.last().unwrap().seq),
        (Some(21), Some(70))
    );
    // Evicted from the cache: the page comes from the server and is cached again.
    assert_eq!(alice.evict_before(conv, 100).await.unwrap(), 99);
    let refetched = alice.history(conv, Some(100), 30).await.unwrap();
    assert_eq!(
        refetched.iter().map(|m| m.seq.unwrap()).collect::<Vec<_>>(),
        (70..100).collect::<Vec<u64>>()
    );
    let (page, _rx) = alice.subscribe_timeline(conv, 5).await.unwrap();
    assert_eq!(page.len(), 5);
    let (totals, _rx) = alice.subscribe_unread().await.unwrap();
    assert_eq!(totals.total(), 0, "own messages are never unread");
}

/// Waits for the next `Conversations` event (the cache's list changed).
async fn until_conversations(rx: &mut tokio::sync::broadcast::Receiver<ClientEvent>) {
    loop {
        if let ClientEvent::Conversations = tokio::time::timeout(WAIT, rx.recv())
            .await
            .unwrap()
            .unwrap()
        {
            break;
        }
    }
}

/// The next `Message` event, with its notification decision.
async fn next_message_event(
    rx: &mut tokio::sync::broadcast::Receiver<ClientEvent>,
) -> (String, confer_core::Decision) {
    loop {
        let event = tokio::time::timeout(WAIT, rx.recv())
            .await
            .expect("a message event")
            .unwrap();
        if let ClientEvent::Message { message, decision } = event {
            return (message.text, decision);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incoming_messages_carry_the_notification_decision() {
    let env = Env::new().await;
    let alice = env.client("alice", "desk").await;
    let alice_phone = env.client("alice", "phone").await;
    let bob = env.client("bob", "desk").await;
    let conv = alice.direct_conversation("bob").await.unwrap();
    let bob_conv = bob.direct_conversation("alice").await.unwrap();
    let mut rx = bob.subscribe();
    let mut phone_rx = alice_phone.subscribe();

    let send = |text: &'static str| {
        let alice = &alice;
        async move {
            let m = alice.send(conv, text).await.unwrap();
            alice.wait_sent(m.local_id, WAIT).await.unwrap();
        }
    };
    send("plain").await;
    let (text, d) = next_message_event(&mut rx).await;
    assert_eq!(
        (text.as_str(), d.notify, d.blink, d.badge),
        ("plain", true, true, true)
    );
    // Alice's other device sees her own message as hers: no Message event, no notification.
    loop {
        match tokio::time::timeout(WAIT, phone_rx.recv())
            .await
            .unwrap()
            .unwrap()
        {
            ClientEvent::Updated { message } if message.text == "plain" => break,
            ClientEvent::Message { message, .. } => {
                panic!("own message raised a Message event: {message:?}")
            }
            _ => {}
        }
    }

    bob.set_view(Some(bob_conv), true);
    send("while reading").await;
    let (_, d) = next_message_event(&mut rx).await;
    assert_eq!(
        (d.notify, d.blink, d.badge),
        (false, false, false),
        "open and focused"
    );

    bob.set_view(None, false);
    bob.set_status(confer_proto::PresenceChoice::Dnd, None)
        .await
        .unwrap();
    send("do not disturb").await;
    let (_, d) = next_message_event(&mut rx).await;
    assert_eq!(
        (d.notify, d.blink, d.badge),
        (false, false, true),
        "DND silences but counts"
    );

    bob.set_status(confer_proto::PresenceChoice::Available, None)
        .await
        .unwrap();
    bob.set_muted(bob_conv, true).await.unwrap();
    // The mute reaches the cache through the stream.
    until_conversations(&mut rx).await;
    send("muted").await;
    let (_, d) = next_message_event(&mut rx).await;
    assert_eq!((d.notify, d.blink, d.badge), (false, false, false), "muted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mention_in_a_muted_group_still_notifies_through_the_server() {
    let env = Env::new().await;
    let alice = env.client("alice", "desk").await;
    let bob = env.client("bob", "desk").await;
    let mut rx = bob.subscribe();
    let group = alice
        .create_group(&["bob".into()], Some("Launch".into()))
        .await
        .unwrap();
    bob.join_group(group).await.unwrap();
    bob.set_view(None, false);
    bob.set_muted(group, true).await.unwrap();
    // The mute reaches the cache through the stream.
    until_conversations(&mut rx).await;
    for text in ["Slides are ready", "@bob can you check the numbers?"] {
        let m = alice.send(group, text).await.unwrap();
        alice.wait_sent(m.local_id, WAIT).await.unwrap();
    }
    let (text, d) = next_message_event(&mut rx).await;
    assert_eq!(
        (text.as_str(), d.notify, d.badge, d.mentioned),
        ("Slides are ready", false, false, false),
        "muted: silent"
    );
    let (text, d) = next_message_event(&mut rx).await;
    assert_eq!(
        (text.as_str(), d.notify, d.blink, d.badge, d.mentioned),
        ("@bob can you check the numbers?", true, true, false, true),
        "a mention comes through the mute (and stays out of the totals)"
    );
    // The notification names the sender by display name.
    assert_eq!(bob.display_name("alice").await, "Alice Martin");
    assert_eq!(bob.display_name("nobody-here").await, "nobody-here");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_times_out_as_unreachable() {
    // Accepts TCP connections (the kernel does) but never speaks WebSocket.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(
        &format!("ws://{}", silent.local_addr().unwrap()),
        dir.path(),
        "alice",
        "desk",
    );
    cfg.connect_timeout = Duration::from_millis(300);
    let client = Client::open(cfg, true).unwrap();
    let mut states = client.state();
    tokio::time::timeout(WAIT, states.wait_for(|s| *s == ConnState::Offline))
        .await
        .expect("the connect attempt gives up")
        .unwrap();
    assert!(matches!(
        client.wait_online(Duration::from_millis(200)).await,
        Err(CoreError::Unreachable(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn favourites_round_trip_through_the_client() {
    let env = Env::new().await;
    let alice = env.client("alice", "desk").await;
    alice.add_favourite("bob").await.unwrap();
    let confer_core::Favourites { outgoing, incoming } = alice.favourites().await.unwrap();
    assert_eq!((outgoing.len(), incoming.len()), (1, 0));
    assert_eq!(outgoing[0].target, "bob");
    alice.remove_favourite("bob").await.unwrap();
    assert!(alice.favourites().await.unwrap().outgoing.is_empty());
    let users = alice.search_users("b", None).await.unwrap();
    assert_eq!(
        users
            .iter()
            .map(|u| u.user.name.as_str())
            .collect::<Vec<_>>(),
        ["bob"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_goes_silent_is_detected_by_the_heartbeat() {
    // A WebSocket server that completes the handshake, then never reads again: pings go
    // unanswered, as with a server that hung or a network that dropped.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            if let Ok(ws) = tokio_tungstenite::accept_async(stream).await {
                held.push(ws);
            }
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&format!("ws://{addr}"), dir.path(), "alice", "desk");
    cfg.heartbeat = Duration::from_millis(200);
    cfg.connect_timeout = Duration::from_secs(2);
    let client = Client::open(cfg, true).unwrap();
    let mut states = client.state();
    // Authentication never gets an answer either: the connection is dropped for silence and
    // retried, never reaching online.
    tokio::time::timeout(WAIT, states.wait_for(|s| *s == ConnState::Offline))
        .await
        .expect("the silent connection is given up")
        .unwrap();
    assert_ne!(*client.state().borrow(), ConnState::Online);
    silent.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_and_sync_are_readable_by_late_observers_and_close_is_prompt() {
    let env = Env::new().await;
    let client = Client::open(env.config("alice", "desk"), true).unwrap();
    // Nobody watches while the client connects and syncs.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(*client.state().borrow(), ConnState::Online);
    client
        .wait_synced(Duration::from_millis(200))
        .await
        .unwrap();
    let start = std::time::Instant::now();
    client.close().await;
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "close waited for its timeout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_panel_privacy_reaches_the_server_and_device_settings_persist() {
    let env = Env::new().await;
    let alice = env.client("alice", "desk").await;
    let bob = env.client("bob", "desk").await;
    let defaults = bob.all_settings().await.unwrap();
    assert!(!defaults.privacy && defaults.device.notifications);

    let mut wanted = defaults.clone();
    wanted.privacy = true;
    wanted.device.notifications = false;
    wanted.device.auto_away_minutes = 3;
    wanted.device.theme = confer_core::Theme::Dark;
    bob.set_all_settings(wanted.clone()).await.unwrap();
    let mut too_long = wanted.clone();
    too_long.device.auto_away_minutes = 5000;
    assert!(matches!(
        bob.set_all_settings(too_long).await,
        Err(CoreError::Invalid(_))
    ));

    // Notifications off: the decision no longer notifies, but still counts.
    let mut rx = bob.subscribe();
    let conv = alice.direct_conversation("bob").await.unwrap();
    let m = alice.send(conv, "quiet").await.unwrap();
    let (_, d) = next_message_event(&mut rx).await;
    assert_eq!((d.notify, d.badge), (false, true));
    // Privacy went to the server: Bob's receipts are withheld, so Alice sees one tick only.
    alice.wait_sent(m.local_id, WAIT).await.unwrap();
    bob.mark_read(conv, None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(state_of(&alice, conv, &m.client_id).await, TickState::Sent);

    // The device settings survive a restart of the client; privacy comes back from the server.
    bob.close().await;
    let bob = env.client("bob", "desk").await;
    assert_eq!(bob.all_settings().await.unwrap(), wanted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_through_the_client_invitations_joins_and_leaving_clears_the_cache() {
    let env = Env::new().await;
    let alice = env.client("alice", "desk").await;
    let bob = env.client("bob", "desk").await;
    let mut bob_rx = bob.subscribe();
    let group = alice
        .create_group(&["bob".into()], Some("Ops".into()))
        .await
        .unwrap();
    // The invitation reaches Bob's cache through the stream.
    loop {
        let e = tokio::time::timeout(WAIT, bob_rx.recv())
            .await
            .unwrap()
            .unwrap();
        if matches!(e, ClientEvent::Invitations) {
            break;
        }
    }
    let invitations = bob.invitations().await.unwrap();
    assert_eq!(invitations.len(), 1);
    assert_eq!(
        (
            invitations[0].conversation,
            invitations[0].inviter.as_str(),
            invitations[0].name.as_deref()
        ),
        (group, "alice", Some("Ops"))
    );
    let mut alice_rx = alice.subscribe();
    assert_eq!(bob.join_group(group).await.unwrap(), group);
    let m = bob.send(group, "hello group").await.unwrap();
    bob.wait_sent(m.local_id, WAIT).await.unwrap();
    // Alice's cache has both once her stream brought them; the join is shown, not notified.
    let (join, decision) = next_message_event(&mut alice_rx).await;
    assert_eq!(join, "");
    assert_eq!(
        (decision.notify, decision.blink, decision.badge),
        (false, false, false)
    );
    let (text, decision) = next_message_event(&mut alice_rx).await;
    assert_eq!((text.as_str(), decision.notify), ("hello group", true));
    assert!(bob.invitations().await.unwrap().is_empty());
    let kinds: Vec<(String, confer_proto::MessageKind)> = alice
        .history(group, None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.sender, m.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("bob".into(), confer_proto::MessageKind::Joined),
            ("bob".into(), confer_proto::MessageKind::Text),
        ]
    );
    let view = alice
        .conversations()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.info.id == group)
        .unwrap();
    assert_eq!(view.info.kind, confer_proto::ConversationKind::Group);
    assert_eq!(view.info.name.as_deref(), Some("Ops"));
    assert_eq!(view.unread, 1, "a join is not unread");

    // Leaving drops the group from this device.
    bob.leave_group(group).await.unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    while bob
        .conversations()
        .await
        .unwrap()
        .iter()
        .any(|c| c.info.id == group)
    {
        assert!(std::time::Instant::now() < deadline, "still cached");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// An address nobody listens on: bound, then released, so connecting is refused at once.
fn closed_port() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_is_down_is_skipped_for_the_next_one_in_the_list() {
    let env = Env::new().await;
    let dead = format!("ws://{}", closed_port());
    let cfg = ClientConfig {
        servers: vec![dead.clone(), env.server.ws_url()],
        ..env.config("alice", "desk")
    };
    let alice = Client::open(cfg, true).unwrap();
    alice.wait_synced(WAIT).await.unwrap();
    let conv = alice.direct_conversation("bob").await.unwrap();
    let m = alice.send(conv, "through the second").await.unwrap();
    let sent = alice.wait_sent(m.local_id, WAIT).await.unwrap();
    assert_eq!(sent.seq, Some(1));
    alice.close().await;

    // With every server down, the error names them all.
    let other = format!("ws://{}", closed_port());
    let cfg = ClientConfig {
        servers: vec![dead.clone(), other.clone()],
        ..env.config("alice", "desk")
    };
    let offline = Client::open(cfg, true).unwrap();
    match offline.wait_online(Duration::from_millis(300)).await {
        Err(CoreError::Unreachable(text)) => {
            let text = text.to_string();
            assert!(
                text.contains(&format!("{dead}/v1/ws")) && text.contains(&format!("{other}/v1/ws")),
                "{text}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_its_server_stops_the_client_moves_to_the_next_and_resumes_from_its_cursor() {
    let env = Env::new().await;
    // Server B will serve A's data directory on another address once A has stopped.
    let b_addr = closed_port();
    let servers = vec![env.server.ws_url(), format!("ws://{b_addr}")];
    let open = |user: &str| {
        let cfg = ClientConfig {
            servers: servers.clone(),
            ..env.config(user, "desk")
        };
        Client::open(cfg, true).unwrap()
    };
    let (alice, bob) = (open("alice"), open("bob"));
    alice.wait_synced(WAIT).await.unwrap();
    bob.wait_synced(WAIT).await.unwrap();
    let conv = alice.direct_conversation("bob").await.unwrap();
    let first = alice.send(conv, "m00").await.unwrap();
    alice.wait_sent(first.local_id, WAIT).await.unwrap();
    let bob_conv = bob.direct_conversation("alice").await.unwrap();
    assert_eq!(bob_conv, conv);
    let mut rx = bob.subscribe();
    let mut bob_states = bob.state();

    // A stops in the middle of a burst: some of it is stored, some acknowledged, some neither.
    for i in 1..=10 {
        alice.send(conv, &format!("m{i:02}")).await.unwrap();
    }
    let data_dir = env.server.data_dir.clone();
    let Env { server, dir: _dir } = env;
    let tmp = server.stop().await.unwrap();
    tokio::time::timeout(WAIT, bob_states.wait_for(|s| *s != ConnState::Online))
        .await
        .expect("bob noticed that A stopped")
        .unwrap();
    // Written while no server is up: they wait in the outbox.
    let mut last = None;
    for i in 11..=20 {
        last = Some(alice.send(conv, &format!("m{i:02}")).await.unwrap());
    }

    let b = TestServer::start_on(
        b_addr,
        confer_server::Config {
            data_dir,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Backoff between rounds of both servers grows while B starts: allow a few rounds.
    let patience = Duration::from_secs(40);
    alice
        .wait_sent(last.unwrap().local_id, patience)
        .await
        .unwrap();
    tokio::time::timeout(patience, bob_states.wait_for(|s| *s == ConnState::Online))
        .await
        .expect("bob moved to B")
        .unwrap();
    while bob.history(bob_conv, None, 50).await.unwrap().len() < 21 {
        tokio::time::timeout(WAIT, rx.recv())
            .await
            .expect("bob got the messages sent while he was moving")
            .unwrap();
    }
    let page = bob.history(bob_conv, None, 50).await.unwrap();
    let texts: Vec<&str> = page.iter().map(|m| m.text.as_str()).collect();
    let expected: Vec<String> = (0..=20).map(|i| format!("m{i:02}")).collect();
    assert_eq!(texts, expected, "each once, in order");
    let seqs: Vec<Option<u64>> = page.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (1..=21).map(Some).collect::<Vec<_>>());
    // And the server holds each once too.
    let mut raw = confer_testkit::Client::login(&b.ws_url(), "bob", PW)
        .await
        .unwrap();
    match raw
        .request(confer_proto::Request::History {
            conversation: conv,
            before: None,
            limit: None,
        })
        .await
        .unwrap()
    {
        confer_proto::Response::History { page } => assert_eq!(page.messages.len(), 21),
        r => panic!("{r:?}"),
    }
    alice.close().await;
    bob.close().await;
    drop((b, tmp));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_stay_with_their_conversation_across_restarts_and_go_with_it() {
    let env = Env::new().await;
    let alice = env.client("alice", "desk").await;
    let direct = alice.direct_conversation("bob").await.unwrap();
    let group = alice
        .create_group(&["bob".into()], Some("Release crew".into()))
        .await
        .unwrap();
    alice
        .set_draft(direct, "half a thought for bob".into())
        .await
        .unwrap();
    alice.set_draft(group, "for the crew".into()).await.unwrap();
    assert_eq!(
        alice.draft(direct).await.unwrap().as_deref(),
        Some("half a thought for bob")
    );
    // Blank text drops a draft.
    alice.set_draft(group, "  ".into()).await.unwrap();
    assert_eq!(alice.draft(group).await.unwrap(), None);
    alice.set_draft(group, "for the crew".into()).await.unwrap();
    alice.close().await;

    // After a restart of the app, the drafts are still there.
    let alice = env.client("alice", "desk").await;
    assert_eq!(
        alice.draft(direct).await.unwrap().as_deref(),
        Some("half a thought for bob")
    );
    assert_eq!(
        alice.draft(group).await.unwrap().as_deref(),
        Some("for the crew")
    );
    // Leaving the group removes it from this device, its draft with it.
    let mut events = alice.subscribe();
    alice.leave_group(group).await.unwrap();
    tokio::time::timeout(WAIT, async {
        loop {
            if alice.draft(group).await.unwrap().is_none() {
                break;
            }
            let _ = events.recv().await;
        }
    })
    .await
    .expect("the draft of a conversation left is gone");
    assert!(alice.draft(direct).await.unwrap().is_some());
    alice.close().await;
}
