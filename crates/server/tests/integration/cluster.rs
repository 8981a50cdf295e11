//! Several nodes on one PostgreSQL database and one NATS server, all on 127.0.0.1: users on
//! different nodes chat, groups and rooms span nodes, a reader sees every position in order
//! while three nodes write, a node SIGKILLed mid-burst loses nothing, and a NATS restart in the
//! middle of traffic loses nothing either (nodes catch up from the database).

use std::{
    collections::HashSet,
    net::SocketAddr,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use confer_proto::{Change, Event, Message, Request, Response, ServerFrame};
use confer_server::admin::Location;
use confer_testkit::{Client, NatsServer, PostgresServer, TestServer, WAIT};

use super::*;

const BIN: &str = env!("CARGO_BIN_EXE_confer-server");

/// A database and a bus for one test's cluster.
struct Shared {
    database: String,
    nats: NatsServer,
}

impl Shared {
    fn new(users: &[&str]) -> Self {
        let database = PostgresServer::shared()
            .unwrap()
            .fresh_database("cluster")
            .unwrap();
        let nats = NatsServer::start().unwrap();
        let at = Location::Postgres {
            url: database.clone(),
            node: "admin".into(),
        };
        for u in users {
            confer_server::admin::add_user(&at, u, None, None, PW).unwrap();
        }
        Self { database, nats }
    }

    /// A node in this process.
    async fn node(&self, name: &str) -> TestServer {
        let (database, bus, node) = (self.database.clone(), self.nats.url(), name.to_owned());
        TestServer::start_with(move |c| {
            c.database = Some(database);
            c.bus = Some(bus);
            c.node = node;
            c.recording = true;
        })
        .await
        .unwrap()
    }
}

/// A message event from someone else.
fn message_of(e: &Event, me: &str) -> Option<(u64, Message)> {
    match e {
        Event::Change {
            position,
            change: Change::Message { message },
        } if message.sender != me => Some((*position, message.clone())),
        _ => None,
    }
}

async fn conversation_id(client: &mut Client, req: Request) -> u64 {
    match client.request(req).await.unwrap() {
        Response::Conversation { conversation } => conversation.info.id,
        r => panic!("{r:?}"),
    }
}

#[tokio::test]
async fn users_on_different_nodes_chat_in_direct_conversations_groups_and_rooms() {
    let shared = Shared::new(&["alice", "bob", "carol"]);
    let (n1, n2, n3) = (
        shared.node("n1").await,
        shared.node("n2").await,
        shared.node("n3").await,
    );
    let mut alice = login(&n1, "alice").await;
    let mut bob = login(&n2, "bob").await;
    let mut carol = login(&n3, "carol").await;

    // Direct: created and written on n1, seen live on n2.
    let direct = open_direct(&mut alice, "bob").await;
    send(&mut alice, direct, "d1", "hello from n1").await;
    let m = next_message(&mut bob).await;
    assert_eq!((m.conversation, m.text.as_str()), (direct, "hello from n1"));
    send(&mut bob, direct, "d2", "hello from n2").await;
    assert_eq!(next_message(&mut alice).await.text, "hello from n2");

    // A group created on n1, joined from n3, written from all three.
    let group = conversation_id(
        &mut alice,
        Request::CreateGroup {
            invite: vec!["bob".into(), "carol".into()],
            name: Some("Across".into()),
        },
    )
    .await;
    carol
        .wait_for(|e| match e {
            Event::Change {
                change: Change::Invited { conversation, .. },
                ..
            } if conversation.id == group => Some(()),
            _ => None,
        })
        .await
        .unwrap();
    carol
        .request(Request::JoinGroup {
            conversation: group,
        })
        .await
        .unwrap();
    bob.request(Request::JoinGroup {
        conversation: group,
    })
    .await
    .unwrap();
    send(&mut carol, group, "g1", "from n3").await;
    for client in [&mut alice, &mut bob] {
        let text = client
            .wait_for(|e| {
                message_of(e, "x")
                    .filter(|(_, m)| {
                        m.kind == confer_proto::MessageKind::Text && m.conversation == group
                    })
                    .map(|(_, m)| m.text)
            })
            .await
            .unwrap();
        assert_eq!(text, "from n3");
    }

    // A room owned on n1 gains a member on n3, who sees it live.
    let room = create_room(&mut alice, "Ops").await;
    alice
        .request(Request::AddRoomMember {
            conversation: room,
            user: "carol".into(),
        })
        .await
        .unwrap();
    carol
        .wait_for(|e| match e {
            Event::Change {
                change: Change::Conversation { conversation },
                ..
            } if conversation.id == room && conversation.members.contains(&"carol".to_owned()) => {
                Some(())
            }
            _ => None,
        })
        .await
        .unwrap();
    send(&mut carol, room, "r1", "room from n3").await;
    assert_eq!(
        alice
            .wait_for(|e| {
                message_of(e, "alice")
                    .filter(|(_, m)| {
                        m.conversation == room && m.kind == confer_proto::MessageKind::Text
                    })
                    .map(|(_, m)| m.text)
            })
            .await
            .unwrap(),
        "room from n3"
    );
}

#[tokio::test]
async fn a_reader_sees_every_position_in_order_while_three_nodes_write() {
    const EACH: usize = 150;
    let shared = Shared::new(&["alice", "bob", "carol", "dave"]);
    let nodes = [
        shared.node("n1").await,
        shared.node("n2").await,
        shared.node("n3").await,
    ];
    let mut dave = login(&nodes[0], "dave").await;
    let mut writers = Vec::new();
    for (i, name) in ["alice", "bob", "carol"].into_iter().enumerate() {
        let mut c = login(&nodes[i], name).await;
        let conv = open_direct(&mut c, "dave").await;
        writers.push((c, conv, name));
    }
    // Everything so far is before the race.
    let start = dave.sync(Some(0)).await.unwrap();
    let tasks: Vec<_> = writers
        .into_iter()
        .map(|(mut c, conv, name)| {
            tokio::spawn(async move {
                send_pipelined(&mut c, conv, &format!("{name}-"), EACH).await;
                c
            })
        })
        .collect();
    let mut seen = Vec::new();
    let mut positions = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while seen.len() < 3 * EACH {
        assert!(
            Instant::now() < deadline,
            "only {} messages arrived",
            seen.len()
        );
        if let Some((position, m)) = message_of(&dave.next_event().await.unwrap(), "dave") {
            positions.push(position);
            seen.push(m.client_id);
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "live positions out of order: {positions:?}"
    );
    assert!(positions[0] > start);
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), 3 * EACH, "duplicates among {seen:?}");
    // Each sender's messages in the order sent.
    for name in ["alice", "bob", "carol"] {
        let mine: Vec<usize> = seen
            .iter()
            .filter_map(|c| c.strip_prefix(&format!("{name}-")))
            .map(|i| i.parse().unwrap())
            .collect();
        assert_eq!(mine, (0..EACH).collect::<Vec<_>>(), "{name}");
    }
    // A reader resuming from the start on another node sees the same positions, in order.
    let mut again = login_unsynced(&nodes[2], "dave").await;
    let sync = again
        .send_request(Request::Sync { since: Some(start) })
        .await
        .unwrap();
    let mut resumed = Vec::new();
    loop {
        match again.next_frame().await.unwrap() {
            ServerFrame::Event { event } => {
                if let Some((position, _)) = message_of(&event, "dave") {
                    resumed.push(position);
                }
            }
            ServerFrame::Response { id, .. } if id == sync => break,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(resumed, positions);
}

#[tokio::test]
async fn a_nats_restart_in_the_middle_of_traffic_loses_nothing() {
    let mut shared = Shared::new(&["alice", "bob"]);
    let n1 = shared.node("n1").await;
    let n2 = shared.node("n2").await;
    let mut alice = login(&n1, "alice").await;
    let mut bob = login(&n2, "bob").await;
    let conv = open_direct(&mut alice, "bob").await;
    let mut received = Vec::new();
    let mut sent = 0;
    for phase in 0..3 {
        if phase == 1 {
            // Mid-traffic: bob has some of the messages, not all.
            assert!(!received.is_empty() && received.len() < 150);
            shared.nats.kill().unwrap();
        }
        if phase == 2 {
            shared.nats.restart().unwrap();
        }
        for _ in 0..50 {
            send(
                &mut alice,
                conv,
                &format!("m{sent}"),
                &format!("text {sent}"),
            )
            .await;
            sent += 1;
        }
        // While NATS is down bob's node hears nothing from n1: it must read the database.
        while received.len() < sent {
            let m = next_message(&mut bob).await;
            received.push(m.client_id);
        }
    }
    let expected: Vec<String> = (0..150).map(|i| format!("m{i}")).collect();
    assert_eq!(received, expected);
    assert!(
        http_metrics(n2.addr)
            .await
            .lines()
            .any(|l| l.starts_with("confer_cluster_catch_ups_total ") && !l.ends_with(" 0")),
        "bob's node never caught up from the database"
    );
}

async fn http_metrics(addr: SocketAddr) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

/// A node as a process, killed if the test ends first.
struct NodeProcess {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl NodeProcess {
    async fn start(shared: &Shared, name: &str) -> Self {
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new(BIN)
            .arg("--data")
            .arg(dir.path())
            .args(["--database", &shared.database, "--bus", &shared.nats.url()])
            .args(["--node", name, "--listen", &addr.to_string()])
            .env_remove("CONFER_CONFIG")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut node = Self {
            child,
            addr,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while !confer_testkit::healthy(addr).await {
            if let Some(status) = node.child.try_wait().unwrap() {
                panic!("node {name} exited: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "node {name} never became healthy"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        node
    }

    fn url(&self) -> String {
        format!("ws://{}/v1/ws", self.addr)
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_node_killed_mid_burst_loses_nothing_and_its_clients_move_on() {
    const N: usize = 1000;
    const WINDOW: usize = 32;
    let shared = Shared::new(&["alice", "bob"]);
    let mut n1 = NodeProcess::start(&shared, "n1").await;
    let n2 = NodeProcess::start(&shared, "n2").await;
    let n3 = NodeProcess::start(&shared, "n3").await;
    let mut alice = Client::login(&n1.url(), "alice", PW).await.unwrap();
    let mut bob = Client::login(&n3.url(), "bob", PW).await.unwrap();
    let conv = open_direct(&mut alice, "bob").await;

    // Alice pipelines her burst to n1 and counts acks; n1 dies when a third is acked.
    let mut acked = 0;
    let mut in_flight = std::collections::VecDeque::new();
    let mut next = 0;
    let killed_at = loop {
        while in_flight.len() < WINDOW && next < N {
            let req = Request::SendMessage {
                conversation: conv,
                client_id: format!("b{next}"),
                text: format!("burst {next}"),
                reply_to: None,
            };
            in_flight.push_back(alice.send_request(req).await.unwrap());
            next += 1;
        }
        let id = in_flight.pop_front().unwrap();
        alice.reply(id).await.unwrap().unwrap();
        acked += 1;
        if acked == N / 3 {
            n1.child.kill().unwrap(); // SIGKILL
            n1.child.wait().unwrap();
            break acked;
        }
    };
    // The kill landed mid-burst: messages were in flight, and most were never sent.
    assert!(killed_at < N && !in_flight.is_empty() && next < N);

    // Alice moves to n2 and resends everything not acked, then the rest: the same client ids,
    // so what n1 committed without acking is acknowledged again, not stored twice.
    let mut alice = Client::login(&n2.url(), "alice", PW).await.unwrap();
    let mut in_flight = std::collections::VecDeque::new();
    for i in killed_at..N {
        let req = Request::SendMessage {
            conversation: conv,
            client_id: format!("b{i}"),
            text: format!("burst {i}"),
            reply_to: None,
        };
        in_flight.push_back(alice.send_request(req).await.unwrap());
        if in_flight.len() == WINDOW {
            let id = in_flight.pop_front().unwrap();
            alice.reply(id).await.unwrap().unwrap();
        }
    }
    for id in in_flight {
        alice.reply(id).await.unwrap().unwrap();
    }

    // Bob, on a node that lived, got each message once, in order.
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while got.len() < N {
        assert!(Instant::now() < deadline, "bob has {} of {N}", got.len());
        let m = tokio::time::timeout(WAIT, next_message(&mut bob))
            .await
            .unwrap();
        got.push(m.client_id);
    }
    let expected: Vec<String> = (0..N).map(|i| format!("b{i}")).collect();
    assert_eq!(got, expected);
    // And the database holds exactly those, in that order.
    let stored = history_all(&mut bob, conv).await;
    assert_eq!(stored, expected);
}

/// Every text message of a conversation, oldest first.
async fn history_all(client: &mut Client, conversation: u64) -> Vec<String> {
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let page = match client
            .request(Request::History {
                conversation,
                before,
                limit: Some(500),
            })
            .await
            .unwrap()
        {
            Response::History { page } => page,
            r => panic!("{r:?}"),
        };
        before = page.messages.first().map(|m| m.seq);
        let mut ids: Vec<String> = page.messages.into_iter().map(|m| m.client_id).collect();
        ids.append(&mut out);
        out = ids;
        if !page.has_more {
            return out;
        }
    }
}

/// Bob's presence status in a presence event, if it carries his.
fn status_of(e: &Event, user: &str) -> Option<confer_proto::PresenceStatus> {
    let one = |p: &confer_proto::Presence| (p.user == user).then_some(p.status);
    match e {
        Event::Presence { presence } => one(presence),
        Event::PresenceBatch { presence } => presence.iter().rev().find_map(one),
        _ => None,
    }
}

#[tokio::test]
async fn presence_crosses_nodes_and_a_dead_nodes_users_go_offline() {
    use confer_proto::{PresenceChoice, PresenceStatus};
    let shared = Shared::new(&["alice", "bob"]);
    let n1 = shared.node("n1").await;
    let mut n2 = NodeProcess::start(&shared, "n2").await;
    let mut alice = login(&n1, "alice").await;
    alice
        .request(Request::WatchPresence {
            users: vec!["bob".into()],
        })
        .await
        .unwrap();
    // Bob signs in on the other node: alice's node hears of his device.
    let mut bob = Client::login(&n2.url(), "bob", PW).await.unwrap();
    let seen = alice
        .wait_for(|e| status_of(e, "bob").filter(|s| *s != PresenceStatus::Offline))
        .await
        .unwrap();
    assert_eq!(seen, PresenceStatus::Online);
    bob.request(Request::SetPresence {
        status: PresenceChoice::Dnd,
        message: None,
    })
    .await
    .unwrap();
    assert_eq!(
        alice
            .wait_for(|e| status_of(e, "bob").filter(|s| *s != PresenceStatus::Online))
            .await
            .unwrap(),
        PresenceStatus::Dnd
    );
    // Bob's node dies without a word: after its heartbeats stop, he is offline for alice.
    n2.child.kill().unwrap();
    n2.child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let event = tokio::time::timeout_at(deadline.into(), alice.next_event())
            .await
            .expect("bob never went offline")
            .unwrap();
        if status_of(&event, "bob") == Some(PresenceStatus::Offline) {
            break;
        }
    }
}

/// The SFU's connections on `node`, by transport, from its `/metrics`.
async fn sfu_connections(node: &TestServer) -> (u32, u32) {
    let metrics = http_get(node.addr, "/metrics").await;
    let count = |transport: &str| {
        let line = format!("confer_sfu_connections{{transport=\"{transport}\"}} ");
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&line))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {transport} connections in {metrics}"))
    };
    (count("udp"), count("tcp"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_lives_on_one_node_whichever_nodes_its_participants_come_through() {
    use super::meeting_media::{connect, power, until_closed, until_received, until_sent};

    let shared = Shared::new(&["alice", "bob", "carol"]);
    let (n1, n2, n3) = (
        shared.node("n1").await,
        shared.node("n2").await,
        shared.node("n3").await,
    );
    let mut alice = login(&n1, "alice").await;
    // Alice's second device, on another node.
    let mut alice2 = login(&n2, "alice").await;
    let mut bob = login(&n2, "bob").await;
    let mut carol = login(&n3, "carol").await;
    let room = create_room(&mut alice, "Across nodes").await;
    for user in ["bob", "carol"] {
        alice
            .request(Request::AddRoomMember {
                conversation: room,
                user: user.into(),
            })
            .await
            .unwrap();
    }
    for who in [&mut alice, &mut bob, &mut carol] {
        who.request(Request::StartMeeting { conversation: room })
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let rec = |name: &str| dir.path().join(format!("{name}.wav"));

    // Alice's media comes first, through n1: the meeting's media lives there. Bob's comes
    // through n2 and meets hers on n1's SFU.
    let a = connect(&mut alice, room, 440.0, &rec("alice")).await;
    let b = connect(&mut bob, room, 880.0, &rec("bob")).await;
    until_received(&a, 0, 50).await;
    until_received(&b, 0, 50).await;
    assert_eq!(sfu_connections(&n1).await, (2, 0), "both on n1's SFU");
    assert_eq!(sfu_connections(&n2).await, (0, 0), "none on n2's");

    // Mute-for-all from Alice's device on n2 is in force on n1's SFU when it returns.
    alice2
        .request(Request::SetMuteAll {
            conversation: room,
            muted: true,
        })
        .await
        .unwrap();
    let before = a.stats().await.packets_received;
    let heard_by_b = b.stats().await.packets_received;
    until_received(&b, heard_by_b, 50).await;
    until_sent(&b, 50).await;
    let after = a.stats().await.packets_received;
    assert!(
        after <= before + 5,
        "alice got {} of bob's packets after mute-for-all from another node",
        after - before
    );
    alice2
        .request(Request::SetMuteAll {
            conversation: room,
            muted: false,
        })
        .await
        .unwrap();
    until_received(&a, after, 50).await;

    // Bob leaves through n2: his media on n1 closes.
    bob.request(Request::LeaveMeeting { conversation: room })
        .await
        .unwrap();
    until_closed(&b, "bob's media after he left through another node").await;
    a.close().await.unwrap();
    b.close().await.unwrap();
    assert!(
        power(&rec("alice"), 880.0) > 20.0 * power(&rec("alice"), 440.0),
        "alice heard bob"
    );

    // n1 goes away with the meeting's media. Carol's media, through n3, finds it gone and
    // takes the meeting to n3; Alice's second device, through n2, meets her there.
    n1.stop().await.unwrap();
    let c = connect(&mut carol, room, 660.0, &rec("carol")).await;
    let a2 = connect(&mut alice2, room, 440.0, &rec("alice2")).await;
    until_received(&c, 0, 100).await;
    until_received(&a2, 0, 100).await;
    assert_eq!(sfu_connections(&n3).await, (2, 0), "both on n3's SFU");
    assert_eq!(sfu_connections(&n2).await, (0, 0), "none on n2's");

    // Alice records from n2: n3's SFU writes the tracks, and when she stops, n3 mixes them
    // and shares the mix in the room as her file.
    let recording = |on| Request::SetRecording {
        conversation: room,
        on,
    };
    alice2.request(recording(true)).await.unwrap();
    let heard = c.stats().await.packets_received;
    until_received(&c, heard, 100).await;
    alice2.request(recording(false)).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let files = loop {
        let files = match alice2
            .request(Request::ListFiles { conversation: room })
            .await
            .unwrap()
        {
            Response::Files { files } => files,
            r => panic!("{r:?}"),
        };
        if !files.is_empty() {
            break files;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no recording shared"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].sender, "alice");
    assert!(files[0].file.name.starts_with("meeting-"), "{files:?}");
    assert!(files[0].file.size > 1000, "{files:?}");
    assert!(
        std::fs::read_dir(n3.data_dir.join("recordings")).is_ok_and(|mut d| d.next().is_some()),
        "the tracks are written where the meeting's media is"
    );
    c.close().await.unwrap();
    a2.close().await.unwrap();
    assert!(
        power(&rec("carol"), 440.0) > 20.0 * power(&rec("carol"), 660.0),
        "carol heard alice"
    );
    assert!(
        power(&rec("alice2"), 660.0) > 20.0 * power(&rec("alice2"), 440.0),
        "alice heard carol"
    );
}
