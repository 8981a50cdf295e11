//! Property-based fuzzing of the whole request surface against the real server: every request
//! type, with random and hostile field values, sent in sequences by several connections at once
//! (two users and one connection that never signs in). After each case the server must still
//! accept writes, answer `/healthz` truthfully, never have answered `internal`, and have left
//! alone what none of the fuzzing parties may touch (a conversation and a room of two other
//! users).
//!
//! Bounded for `cargo xtask test`: `CONFER_FUZZ_CASES` cases (default 40) and at most
//! `CONFER_FUZZ_SECS` seconds (default 60). A longer run for nightly use:
//!
//! ```sh
//! CONFER_FUZZ_CASES=5000 CONFER_FUZZ_SECS=3600 \
//!   cargo test -p confer-server --test integration fuzz -- --nocapture
//! ```

use std::time::{Duration, Instant};

use confer_proto::{ConversationInfo, ErrorCode, Message, Request, Response};
use confer_testkit::{Client, TestServer};
use proptest::{prelude::*, test_runner::TestRunner};
use serde_json::{Value, json};

use super::*;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Values chosen to break parsers, arithmetic, SQL and terminals, plus plausible ids (small
/// numbers name real conversations, meetings and guests) so that authorization is exercised.
fn hostile() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop_oneof![
            Just(json!(0)),
            Just(json!(1)),
            Just(json!(2)),
            Just(json!(3)),
            Just(json!(-1)),
            Just(json!(i64::MAX)),
            Just(json!(i64::MIN)),
            Just(json!(1u64 << 63)),
            Just(json!(u64::MAX)),
            Just(json!(u32::MAX)),
            Just(json!(1.5)),
            Just(json!(1e308)),
        ],
        (0u64..12).prop_map(|n| json!(n)),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        prop_oneof![
            Just(json!("")),
            Just(json!(" ")),
            Just(json!("alice")),
            Just(json!("dave")),
            Just(json!("\u{0}")),
            Just(json!("\u{202E}evil")),
            Just(json!("\u{1b}[2J\u{1b}[31m")),
            Just(json!("'; DROP TABLE users; --")),
            Just(json!("../../../../etc/passwd")),
            Just(json!("confer://join/")),
            Just(json!("x".repeat(70_000))),
            Just(json!("é".repeat(300))),
        ],
        any::<String>().prop_map(Value::String),
        "\\PC{0,80}".prop_map(Value::String),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
        Just(json!([])),
        Just(json!({"type": "ping"})),
    ]
}

/// One frame: an example request (by index) with some fields replaced or removed.
#[derive(Debug, Clone)]
struct Mutation {
    request: usize,
    fields: Vec<(usize, Option<Value>)>,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    (
        any::<usize>(),
        prop::collection::vec(
            (any::<usize>(), prop::option::weighted(0.9, hostile())),
            0..4,
        ),
    )
        .prop_map(|(request, fields)| Mutation { request, fields })
}

fn frame_of(id: u64, m: &Mutation, examples: &[Value]) -> String {
    let mut req = examples[m.request % examples.len()].clone();
    if let Value::Object(map) = &mut req {
        let keys: Vec<String> = map.keys().filter(|k| *k != "type").cloned().collect();
        for (i, value) in &m.fields {
            if keys.is_empty() {
                break;
            }
            let key = &keys[i % keys.len()];
            match value {
                Some(v) => map.insert(key.clone(), v.clone()),
                None => map.remove(key),
            };
        }
    }
    json!({"id": id, "req": req}).to_string()
}

/// Sends the frames one after another and reads each answer. Returns an error only for what
/// breaks the property: an `internal` answer, or no answer at all.
async fn play(client: &mut Client, frames: Vec<(u64, String)>) -> Result<(), String> {
    for (id, frame) in frames {
        if client.send_raw(frame.clone()).await.is_err() {
            return Ok(()); // the server closed this connection (a logout, a guest's end)
        }
        match client.reply(id).await {
            Ok(Err(e)) if e.code == ErrorCode::Internal => {
                return Err(format!("{frame:.300} answered internal: {:?}", e.reason));
            }
            Ok(_) => {}
            Err(e) if e.to_string().contains("timed out") => {
                return Err(format!("{frame:.300} got no answer: {e}"));
            }
            Err(_) => return Ok(()),
        }
    }
    Ok(())
}

/// What the fuzzing parties must never change.
#[derive(Debug, PartialEq)]
struct Untouchable {
    messages: Vec<Message>,
    room: ConversationInfo,
    users: usize,
}

async fn untouchable(server: &TestServer, private: u64, room: u64) -> Untouchable {
    let mut dave = login(server, "dave").await;
    let messages = history(&mut dave, private).await;
    let room = match dave.request(Request::ListConversations).await.unwrap() {
        Response::Conversations { conversations } => {
            conversations
                .into_iter()
                .find(|c| c.info.id == room)
                .expect("dave's room")
                .info
        }
        r => panic!("{r:?}"),
    };
    let users = confer_server::admin::list_users(&server.location)
        .unwrap()
        .len();
    dave.close().await;
    Untouchable {
        messages,
        room,
        users,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_never_break_the_server() {
    let server = TestServer::start_with(|c| {
        // Let the fuzzing parties run at full speed and sign in with wrong passwords as often
        // as they like: the limits have their own tests.
        c.requests_per_second = 1_000_000;
        c.request_burst = 1_000_000;
        c.login_failures_per_account = 1_000_000;
        c.login_failures_per_address = 1_000_000;
        c.guest_joins_per_address = 1_000_000;
    })
    .await
    .unwrap();
    for name in ["alice", "bob", "dave", "erin", "frank"] {
        server.add_user(name, PW).unwrap();
    }
    // Dave and Erin's conversation and Dave's room: out of the fuzzing parties' reach.
    let mut dave = login(&server, "dave").await;
    let private = open_direct(&mut dave, "erin").await;
    for i in 0..3 {
        send(
            &mut dave,
            private,
            &format!("canary-{i}"),
            "between dave and erin",
        )
        .await;
    }
    let room = create_room(&mut dave, "Dave's room").await;
    dave.request(Request::AddRoomMember {
        conversation: room,
        user: "erin".into(),
    })
    .await
    .unwrap();
    dave.request(Request::StartMeeting { conversation: room })
        .await
        .unwrap();
    let writes = open_direct(&mut dave, "frank").await;
    dave.close().await;
    let expected = untouchable(&server, private, room).await;

    let examples: Vec<Value> = confer_proto::examples::requests()
        .iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect();
    let cases = env_number("CONFER_FUZZ_CASES", 40) as u32;
    let budget = Duration::from_secs(env_number("CONFER_FUZZ_SECS", 60));
    let started = Instant::now();
    let ran = std::cell::Cell::new(0u32);
    let handle = tokio::runtime::Handle::current();
    let strategy = prop::collection::vec(prop::collection::vec(mutation(), 1..10), 3);
    let mut runner = TestRunner::new(proptest::test_runner::Config {
        cases,
        failure_persistence: None,
        ..Default::default()
    });
    let result = tokio::task::block_in_place(|| {
        runner.run(&strategy, |parties| {
            if started.elapsed() > budget {
                return Ok(()); // out of time: the remaining cases pass untried
            }
            ran.set(ran.get() + 1);
            handle
                .block_on(case(&server, &examples, parties, writes, ran.get()))
                .map_err(TestCaseError::fail)?;
            let now = handle.block_on(untouchable(&server, private, room));
            prop_assert_eq!(&now, &expected);
            Ok(())
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!("fuzz: {} cases in {:?}", ran.get(), started.elapsed());
    assert!(ran.get() > 0);
}

/// Two users and one anonymous connection play their frames at once; then a write must go
/// through and `/healthz` must say so.
async fn case(
    server: &TestServer,
    examples: &[Value],
    parties: Vec<Vec<Mutation>>,
    writes: u64,
    n: u32,
) -> Result<(), String> {
    let mut alice = login(server, "alice").await;
    let mut bob = login(server, "bob").await;
    let mut anonymous = Client::connect(&server.ws_url()).await.unwrap();
    let frames = |i: usize| -> Vec<(u64, String)> {
        parties[i]
            .iter()
            .enumerate()
            .map(|(k, m)| {
                let id = 1_000_000 + k as u64;
                (id, frame_of(id, m, examples))
            })
            .collect()
    };
    let (a, b, c) = tokio::join!(
        play(&mut alice, frames(0)),
        play(&mut bob, frames(1)),
        play(&mut anonymous, frames(2)),
    );
    a.and(b).and(c)?;
    let mut dave = login(server, "dave").await;
    match dave
        .request(Request::SendMessage {
            conversation: writes,
            client_id: format!("after-case-{n}"),
            text: "writes still go through".into(),
            reply_to: None,
        })
        .await
    {
        Ok(Response::Sent { .. }) => {}
        other => return Err(format!("a write after the case failed: {other:?}")),
    }
    if !confer_testkit::healthy(server.addr).await {
        return Err("/healthz failed after the case".into());
    }
    Ok(())
}
