//! 1:1 call signalling through the server: ringing every device of the callee, answering on
//! one, relaying signals between the two devices in the call, the call's line in both
//! timelines, and every refusal of bad input with no call left half-open.

use confer_proto::{
    CallEnd, CallInfo, CallOutcome, CallRecord, CallSignal, Change, ErrorCode, Event, MessageKind,
    Reason, Request, Response,
};
use confer_testkit::{Client, TestServer};

use super::*;

async fn place(client: &mut Client, conversation: u64, video: bool) -> CallInfo {
    match client
        .request(Request::PlaceCall {
            conversation,
            video,
        })
        .await
        .unwrap()
    {
        Response::Call { call } => call,
        r => panic!("{r:?}"),
    }
}

async fn ringing(client: &mut Client) -> CallInfo {
    client
        .wait_for(|e| match e {
            Event::CallRinging { call } => Some(call.clone()),
            _ => None,
        })
        .await
        .unwrap()
}

async fn ended(client: &mut Client, call: u64) -> CallEnd {
    client
        .wait_for(|e| match e {
            Event::CallEnded { call: c, reason } if *c == call => Some(*reason),
            _ => None,
        })
        .await
        .unwrap()
}

async fn signal(client: &mut Client, call: u64) -> CallSignal {
    client
        .wait_for(|e| match e {
            Event::CallSignal { call: c, signal } if *c == call => Some(signal.clone()),
            _ => None,
        })
        .await
        .unwrap()
}

/// The call line `client` receives next in `conversation`.
async fn call_line(client: &mut Client, conversation: u64) -> (String, CallRecord) {
    client
        .wait_for(|e| match e {
            Event::Change {
                change: Change::Message { message },
                ..
            } if message.conversation == conversation => match message.kind {
                MessageKind::Call(record) => Some((message.sender.clone(), record)),
                _ => None,
            },
            _ => None,
        })
        .await
        .unwrap()
}

/// The call lines of a conversation's history, oldest first.
async fn call_lines(client: &mut Client, conversation: u64) -> Vec<CallOutcome> {
    history(client, conversation)
        .await
        .into_iter()
        .filter_map(|m| match m.kind {
            MessageKind::Call(r) => {
                assert!(m.text.is_empty(), "a call line shows no text: {m:?}");
                Some(r.outcome)
            }
            _ => None,
        })
        .collect()
}

fn sdp(tag: &str) -> String {
    format!("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns={tag}\r\nt=0 0\r\n")
}

async fn refusal(client: &mut Client, req: Request) -> (ErrorCode, Reason) {
    let body = client.refused(req).await.unwrap();
    (body.code, body.reason)
}

#[tokio::test]
async fn a_call_rings_every_device_one_answers_and_signals_pass_between_the_two() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let mut bob_desk = login(&server, "bob").await;
    let mut bob_laptop = login(&server, "bob").await;
    let conversation = open_direct(&mut alice, "bob").await;

    let call = place(&mut alice, conversation, true).await;
    assert_eq!(
        (call.caller.as_str(), call.callee.as_str()),
        ("alice", "bob")
    );
    assert!(call.video);
    // The relay is on by default, on the server's address: credentials for this call each.
    let relay = &call.ice_servers[0];
    assert!(
        relay.urls[0].starts_with("turn:127.0.0.1:") && relay.urls[0].ends_with("?transport=udp"),
        "{relay:?}"
    );
    assert!(
        relay.username.ends_with(&format!(":{}:alice", call.id)),
        "{relay:?}"
    );
    let rung = ringing(&mut bob_desk).await;
    assert_eq!(rung.id, call.id);
    assert!(rung.ice_servers[0].username.ends_with(":bob"));
    assert_ne!(rung.ice_servers[0].credential, relay.credential);
    assert_eq!(ringing(&mut bob_laptop).await.id, call.id);

    match bob_laptop
        .request(Request::AnswerCall { call: call.id })
        .await
        .unwrap()
    {
        Response::Call { call: answered } => assert_eq!(answered.id, call.id),
        r => panic!("{r:?}"),
    }
    assert_eq!(
        ended(&mut bob_desk, call.id).await,
        CallEnd::AnsweredElsewhere
    );
    alice
        .wait_for(|e| matches!(e, Event::CallAnswered { call: c } if *c == call.id).then_some(()))
        .await
        .unwrap();
    // The desk, which stopped ringing, can neither answer nor signal.
    assert_eq!(
        refusal(&mut bob_desk, Request::AnswerCall { call: call.id }).await,
        (
            ErrorCode::Conflict,
            Reason::CallAnsweredAlready { call: call.id }
        )
    );
    let offer = CallSignal::Offer { sdp: sdp("offer") };
    let from_desk = Request::CallSignal {
        call: call.id,
        signal: CallSignal::Answer { sdp: sdp("desk") },
    };
    assert_eq!(
        refusal(&mut bob_desk, from_desk).await,
        (ErrorCode::NotFound, Reason::NoSuchCall { call: call.id })
    );

    alice
        .request(Request::CallSignal {
            call: call.id,
            signal: offer.clone(),
        })
        .await
        .unwrap();
    assert_eq!(signal(&mut bob_laptop, call.id).await, offer);
    let answer = CallSignal::Answer { sdp: sdp("answer") };
    let candidate = CallSignal::Candidate {
        candidate: "candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host".into(),
        sdp_mid: Some("0".into()),
        sdp_mline_index: Some(0),
    };
    for s in [answer.clone(), candidate.clone()] {
        bob_laptop
            .request(Request::CallSignal {
                call: call.id,
                signal: s,
            })
            .await
            .unwrap();
    }
    assert_eq!(signal(&mut alice, call.id).await, answer);
    assert_eq!(signal(&mut alice, call.id).await, candidate);

    alice
        .request(Request::HangUp { call: call.id })
        .await
        .unwrap();
    assert_eq!(ended(&mut bob_laptop, call.id).await, CallEnd::HungUp);
    for client in [&mut alice, &mut bob_desk] {
        let (sender, record) = call_line(client, conversation).await;
        assert_eq!(sender, "alice");
        assert_eq!(record.outcome, CallOutcome::Completed);
        assert!(record.video);
    }
    assert_eq!(
        call_lines(&mut bob_laptop, conversation).await,
        [CallOutcome::Completed]
    );
    // Over: neither side can hang it up again, and a new call goes through.
    assert_eq!(
        refusal(&mut bob_laptop, Request::HangUp { call: call.id }).await,
        (ErrorCode::NotFound, Reason::NoSuchCall { call: call.id })
    );
    let again = place(&mut bob_laptop, conversation, false).await;
    assert_eq!(again.caller, "bob");
    assert_eq!(ringing(&mut alice).await.id, again.id);
}

#[tokio::test]
async fn hanging_up_from_the_callee_side_ends_it_for_the_caller() {
    // Without the relay, calls carry no ICE servers (host candidates only).
    let server = TestServer::start_with(|c| c.turn = false).await.unwrap();
    for name in ["alice", "bob"] {
        server.add_user(name, PW).unwrap();
    }
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let conversation = open_direct(&mut alice, "bob").await;
    let call = place(&mut alice, conversation, false).await;
    assert!(call.ice_servers.is_empty());
    ringing(&mut bob).await;
    bob.request(Request::AnswerCall { call: call.id })
        .await
        .unwrap();
    bob.request(Request::HangUp { call: call.id })
        .await
        .unwrap();
    assert_eq!(ended(&mut alice, call.id).await, CallEnd::HungUp);
    let (_, record) = call_line(&mut alice, conversation).await;
    assert_eq!(record.outcome, CallOutcome::Completed);
    assert!(!record.video);
}

#[tokio::test]
async fn a_declined_call_stops_ringing_everywhere_and_says_declined() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let mut bob_desk = login(&server, "bob").await;
    let mut bob_laptop = login(&server, "bob").await;
    let conversation = open_direct(&mut alice, "bob").await;
    let call = place(&mut alice, conversation, false).await;
    ringing(&mut bob_desk).await;
    ringing(&mut bob_laptop).await;
    bob_desk
        .request(Request::DeclineCall { call: call.id })
        .await
        .unwrap();
    assert_eq!(ended(&mut alice, call.id).await, CallEnd::Declined);
    assert_eq!(
        ended(&mut bob_laptop, call.id).await,
        CallEnd::DeclinedElsewhere
    );
    assert_eq!(
        call_line(&mut bob_laptop, conversation).await.1.outcome,
        CallOutcome::Declined
    );
    assert_eq!(
        call_lines(&mut alice, conversation).await,
        [CallOutcome::Declined]
    );
}

#[tokio::test]
async fn an_unanswered_call_ends_as_missed_in_both_timelines() {
    let server = TestServer::start_with(|c| c.ring_timeout_ms = 300)
        .await
        .unwrap();
    for name in ["alice", "bob"] {
        server.add_user(name, PW).unwrap();
    }
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let conversation = open_direct(&mut alice, "bob").await;
    let call = place(&mut alice, conversation, true).await;
    ringing(&mut bob).await;
    assert_eq!(ended(&mut alice, call.id).await, CallEnd::NoAnswer);
    assert_eq!(ended(&mut bob, call.id).await, CallEnd::NoAnswer);
    for client in [&mut alice, &mut bob] {
        assert_eq!(
            call_line(client, conversation).await.1.outcome,
            CallOutcome::Missed
        );
    }
    assert_eq!(
        refusal(&mut bob, Request::AnswerCall { call: call.id }).await,
        (ErrorCode::NotFound, Reason::NoSuchCall { call: call.id })
    );
}

#[tokio::test]
async fn a_callee_with_no_device_online_gets_the_missed_call_when_they_sign_in() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let conversation = open_direct(&mut alice, "carol").await;
    let call = place(&mut alice, conversation, false).await;
    assert_eq!(ended(&mut alice, call.id).await, CallEnd::Unavailable);
    assert_eq!(
        call_line(&mut alice, conversation).await.1.outcome,
        CallOutcome::Missed
    );
    // Carol signs in later: the missed call is in what she syncs.
    let mut carol = login_unsynced(&server, "carol").await;
    carol.sync(None).await.unwrap();
    let (sender, record) = call_line(&mut carol, conversation).await;
    assert_eq!(
        (sender.as_str(), record.outcome),
        ("alice", CallOutcome::Missed)
    );
}

#[tokio::test]
async fn a_caller_whose_connection_drops_gives_the_call_up() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let conversation = open_direct(&mut alice, "bob").await;
    let call = place(&mut alice, conversation, false).await;
    ringing(&mut bob).await;
    alice.close().await;
    assert_eq!(ended(&mut bob, call.id).await, CallEnd::Cancelled);
    assert_eq!(
        call_line(&mut bob, conversation).await.1.outcome,
        CallOutcome::Missed
    );
    // Bob is free again.
    let again = place(&mut bob, conversation, false).await;
    assert_eq!(ended(&mut bob, again.id).await, CallEnd::Unavailable);
}

#[tokio::test]
async fn bad_call_requests_get_clear_refusals_and_leave_no_call_half_open() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let mut carol = login(&server, "carol").await;
    let direct = open_direct(&mut alice, "bob").await;
    let carol_bob = open_direct(&mut carol, "bob").await;
    let group = match alice
        .request(Request::CreateGroup {
            invite: vec!["bob".into()],
            name: None,
        })
        .await
        .unwrap()
    {
        Response::Conversation { conversation } => conversation.info.id,
        r => panic!("{r:?}"),
    };
    let room = create_room(&mut alice, "Planning").await;

    // Only in a direct conversation, only by its members.
    for conversation in [group, room] {
        assert_eq!(
            refusal(
                &mut alice,
                Request::PlaceCall {
                    conversation,
                    video: false
                }
            )
            .await,
            (ErrorCode::Invalid, Reason::NoCalls { conversation })
        );
    }
    assert_eq!(
        refusal(
            &mut carol,
            Request::PlaceCall {
                conversation: direct,
                video: false
            }
        )
        .await,
        (
            ErrorCode::Forbidden,
            Reason::NotAMember {
                conversation: direct
            }
        )
    );
    assert_eq!(
        refusal(
            &mut alice,
            Request::PlaceCall {
                conversation: 999_999,
                video: false
            }
        )
        .await,
        (
            ErrorCode::NotFound,
            Reason::NoSuchConversation {
                conversation: 999_999
            }
        )
    );
    // A connection that has not synced gets no call events, so it cannot take part.
    let mut unsynced = login_unsynced(&server, "alice").await;
    assert_eq!(
        refusal(
            &mut unsynced,
            Request::PlaceCall {
                conversation: direct,
                video: false
            }
        )
        .await,
        (ErrorCode::Invalid, Reason::SyncFirst)
    );
    // Calls that do not exist.
    for req in [
        Request::HangUp { call: 77 },
        Request::AnswerCall { call: 77 },
        Request::DeclineCall { call: 77 },
        Request::CallSignal {
            call: 77,
            signal: CallSignal::Offer { sdp: sdp("x") },
        },
    ] {
        assert_eq!(
            refusal(&mut alice, req).await,
            (ErrorCode::NotFound, Reason::NoSuchCall { call: 77 })
        );
    }

    let call = place(&mut alice, direct, false).await;
    ringing(&mut bob).await;
    // Carol is not in it.
    assert_eq!(
        refusal(&mut carol, Request::HangUp { call: call.id }).await,
        (ErrorCode::NotFound, Reason::NoSuchCall { call: call.id })
    );
    // Signals wait for the answer.
    let offer = Request::CallSignal {
        call: call.id,
        signal: CallSignal::Offer { sdp: sdp("early") },
    };
    assert_eq!(
        refusal(&mut alice, offer).await,
        (
            ErrorCode::Conflict,
            Reason::CallNotAnswered { call: call.id }
        )
    );
    // Bob is busy for Carol, who gets refused (and a missed call in her timeline with him),
    // and Alice cannot place a second call.
    assert_eq!(
        refusal(
            &mut carol,
            Request::PlaceCall {
                conversation: carol_bob,
                video: true
            }
        )
        .await,
        (ErrorCode::Conflict, Reason::Busy { name: "bob".into() })
    );
    assert_eq!(
        call_line(&mut carol, carol_bob).await.1.outcome,
        CallOutcome::Missed
    );
    assert_eq!(
        refusal(
            &mut alice,
            Request::PlaceCall {
                conversation: direct,
                video: false
            }
        )
        .await,
        (ErrorCode::Conflict, Reason::InCallAlready)
    );

    bob.request(Request::AnswerCall { call: call.id })
        .await
        .unwrap();
    // Garbage SDP, an answer from the caller, a malformed signal frame.
    let garbage = Request::CallSignal {
        call: call.id,
        signal: CallSignal::Offer {
            sdp: "<html>not sdp</html>".into(),
        },
    };
    assert_eq!(
        refusal(&mut alice, garbage).await,
        (ErrorCode::Invalid, Reason::BadSdp)
    );
    let out_of_turn = Request::CallSignal {
        call: call.id,
        signal: CallSignal::Answer { sdp: sdp("mine") },
    };
    assert_eq!(
        refusal(&mut alice, out_of_turn).await,
        (ErrorCode::Invalid, Reason::SignalOutOfTurn)
    );
    let raw = format!(
        r#"{{"id":9001,"req":{{"type":"call_signal","call":{},"signal":{{"type":"bogus"}}}}}}"#,
        call.id
    );
    alice.send_raw(raw).await.unwrap();
    let bad = alice.reply(9001).await.unwrap().unwrap_err();
    assert_eq!(bad.code, ErrorCode::BadFrame);

    // The call is still whole: it ends cleanly, and both are free again.
    alice
        .request(Request::HangUp { call: call.id })
        .await
        .unwrap();
    assert_eq!(ended(&mut bob, call.id).await, CallEnd::HungUp);
    let next = place(&mut carol, carol_bob, false).await;
    assert_eq!(ringing(&mut bob).await.id, next.id);
}
