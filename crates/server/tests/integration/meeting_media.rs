//! Meetings' media through the server's SFU: the meeting rules decide who connects (members in
//! the meeting, not others), everyone in hears the others, and mute-for-all and leaving are
//! enforced on the media, not only shown.

use std::{path::Path, time::Duration};

use confer_media::{
    SAMPLE_RATE,
    meter::goertzel,
    peer::{MediaIo, Peer, PeerOptions},
    synthetic::{ToneSource, WavSink},
    wav::Wav,
};
use confer_proto::{ErrorCode, Reason, Request, Response};
use confer_testkit::{Client, TestServer};

use super::*;

/// How long media may take to flow.
pub(super) const PATIENCE: Duration = Duration::from_secs(15);

/// alice, bob and carol signed in, and a room of alice's (the owner) with bob and carol as
/// members, whose meeting alice and bob are in.
async fn meeting(server: &TestServer) -> (Client, Client, Client, u64) {
    let mut alice = login(server, "alice").await;
    let mut bob = login(server, "bob").await;
    let carol = login(server, "carol").await;
    let room = create_room(&mut alice, "Weekly planning").await;
    for user in ["bob", "carol"] {
        alice
            .request(Request::AddRoomMember {
                conversation: room,
                user: user.into(),
            })
            .await
            .unwrap();
    }
    for who in [&mut alice, &mut bob] {
        who.request(Request::StartMeeting { conversation: room })
            .await
            .unwrap();
    }
    (alice, bob, carol, room)
}

/// A participant's media peer, offering a line to hear each of `others`.
pub(super) async fn peer(others: usize) -> Peer {
    Peer::new(PeerOptions {
        bind: vec!["127.0.0.1:0".parse().unwrap()],
        audio_slots: others.saturating_sub(1),
        ..PeerOptions::default()
    })
    .await
    .unwrap()
}

/// Connects `client`'s media to the meeting and starts saying a tone into it, recording what it
/// hears to `recording`.
pub(super) async fn connect(client: &mut Client, room: u64, hz: f32, recording: &Path) -> Peer {
    let peer = peer(1).await;
    let offer = peer.offer().await.unwrap();
    let answer = match client
        .request(Request::JoinMeetingMedia {
            conversation: room,
            offer,
        })
        .await
        .unwrap()
    {
        Response::MeetingMedia { answer } => answer,
        r => panic!("{r:?}"),
    };
    // Besides its UDP port, the SFU offers its TCP fallback (on by default).
    assert!(
        answer.contains(" tcp ") && answer.contains("tcptype passive"),
        "{answer}"
    );
    peer.accept(&answer).await.unwrap();
    peer.connected(Duration::from_secs(10)).await.unwrap();
    peer.start(MediaIo {
        source: Box::new(ToneSource::new(hz, 0.5).unwrap()),
        sink: Box::new(WavSink::create(recording.to_owned(), SAMPLE_RATE, 1)),
        camera: None,
        view: None,
    })
    .await
    .unwrap();
    peer
}

/// Waits until `peer`'s figures say `done` (bounded by [`PATIENCE`]).
pub(super) async fn until(
    peer: &Peer,
    what: &str,
    done: impl Fn(&confer_media::peer::PeerStats) -> bool,
) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let stats = peer.stats().await;
        if done(&stats) {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{what}: {stats:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until `peer` has received `more` packets beyond `from`.
pub(super) async fn until_received(peer: &Peer, from: u64, more: u64) {
    until(peer, "receiving", |s| s.packets_received >= from + more).await;
}

/// Waits until `peer` has sent `more` packets beyond what it had sent when called.
pub(super) async fn until_sent(peer: &Peer, more: u64) {
    let from = peer.stats().await.packets_sent;
    until(peer, "sending", |s| s.packets_sent >= from + more).await;
}

/// Waits until `peer`'s connection is closed (the SFU's goodbye reached it).
pub(super) async fn until_closed(peer: &Peer, what: &str) {
    assert!(peer.closed_within(PATIENCE).await, "{what}");
}

/// The power at `hz` over the recording's second half.
pub(super) fn power(path: &Path, hz: f32) -> f32 {
    let wav = Wav::read(path).unwrap();
    let tail = &wav.samples[wav.samples.len() / 2..];
    goertzel(tail, SAMPLE_RATE, hz)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_meeting_rules_decide_who_connects_and_the_sfu_enforces_mute_for_all() {
    let server = server_with_users().await;
    let (mut alice, mut bob, mut carol, room) = meeting(&server).await;
    let dir = tempfile::tempdir().unwrap();

    // Carol is a member but not in the meeting: no media for her.
    let offer = peer(1).await.offer().await.unwrap();
    let refused = carol
        .refused(Request::JoinMeetingMedia {
            conversation: room,
            offer,
        })
        .await
        .unwrap();
    assert_eq!(
        (refused.code, refused.reason),
        (
            ErrorCode::NotFound,
            Reason::NotInMeeting { conversation: room }
        )
    );
    // Nor an offer that is not SDP.
    let refused = bob
        .refused(Request::JoinMeetingMedia {
            conversation: room,
            offer: "hello".into(),
        })
        .await
        .unwrap();
    assert_eq!(refused.reason, Reason::BadSdp);

    let (a_rec, b_rec) = (dir.path().join("alice.wav"), dir.path().join("bob.wav"));
    let a = connect(&mut alice, room, 440.0, &a_rec).await;
    let b = connect(&mut bob, room, 880.0, &b_rec).await;
    // A second of each other.
    until_received(&a, 0, 50).await;
    until_received(&b, 0, 50).await;
    // The metrics count both connections, on UDP (the TCP fallback is for devices whose UDP
    // is blocked).
    let metrics = http_get(server.addr, "/metrics").await;
    assert!(
        metrics.contains("\nconfer_sfu_connections{transport=\"udp\"} 2\n")
            && metrics.contains("\nconfer_sfu_connections{transport=\"tcp\"} 0\n"),
        "{metrics}"
    );

    // Mute-for-all: bob's sound no longer reaches alice (the owner, a moderator, is spared:
    // bob still hears her).
    alice
        .request(Request::SetMuteAll {
            conversation: room,
            muted: true,
        })
        .await
        .unwrap();
    // The mute was in force when the request returned: what alice receives from now on is
    // at most what was already on its way.
    let before = a.stats().await.packets_received;
    let heard_by_b = b.stats().await.packets_received;
    until_received(&b, heard_by_b, 50).await;
    until_sent(&b, 50).await;
    let after = a.stats().await.packets_received;
    assert!(
        after <= before + 5,
        "alice got {} of bob's packets after mute-for-all",
        after - before
    );
    a.close().await.unwrap();
    b.close().await.unwrap();

    assert!(
        power(&a_rec, 880.0) > 20.0 * power(&a_rec, 440.0),
        "alice heard bob before the mute"
    );
    assert!(
        power(&b_rec, 440.0) > 20.0 * power(&b_rec, 880.0),
        "bob heard alice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaving_the_meeting_cuts_the_media_and_a_server_without_sfu_says_so() {
    let server = server_with_users().await;
    let (mut alice, mut bob, _carol, room) = meeting(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let a = connect(&mut alice, room, 440.0, &dir.path().join("a.wav")).await;
    let b = connect(&mut bob, room, 880.0, &dir.path().join("b.wav")).await;
    until_received(&a, 0, 50).await;

    bob.request(Request::LeaveMeeting { conversation: room })
        .await
        .unwrap();
    // The SFU closes bob's connection at once (its goodbye reaches bob's peer).
    until_closed(&b, "bob's media still up after leaving").await;
    a.close().await.unwrap();
    b.close().await.unwrap();

    let off = confer_testkit::TestServer::start_with(|c| c.sfu = false)
        .await
        .unwrap();
    off.add_user("alice", PW).unwrap();
    let mut alice = login(&off, "alice").await;
    let room = create_room(&mut alice, "Quiet").await;
    alice
        .request(Request::StartMeeting { conversation: room })
        .await
        .unwrap();
    let refused = alice
        .refused(Request::JoinMeetingMedia {
            conversation: room,
            offer: peer(1).await.offer().await.unwrap(),
        })
        .await
        .unwrap();
    assert_eq!(
        (refused.code, refused.reason),
        (ErrorCode::Forbidden, Reason::NoMeetingMedia)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_internal_guest_connects_once_let_in_and_is_cut_off_when_sent_out() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let mut carol = login(&server, "carol").await;
    // A room of alice's alone; carol, a user of the server, comes by its link.
    let room = create_room(&mut alice, "Customer call").await;
    alice
        .request(Request::StartMeeting { conversation: room })
        .await
        .unwrap();
    let link = room_link(&mut alice, room).await;
    let guest = match carol
        .request(Request::JoinByLink { link, name: None })
        .await
        .unwrap()
    {
        Response::Joined { session } => session.guest.expect("carol is a guest"),
        r => panic!("{r:?}"),
    };
    let dir = tempfile::tempdir().unwrap();
    let a = connect(&mut alice, room, 440.0, &dir.path().join("a.wav")).await;
    let c = connect(&mut carol, room, 880.0, &dir.path().join("c.wav")).await;
    until_received(&a, 0, 50).await;
    until_received(&c, 0, 50).await;

    alice
        .request(Request::RemoveGuest {
            conversation: room,
            guest,
        })
        .await
        .unwrap();
    // The SFU closes carol's connection at once, and her media cannot come back.
    until_closed(&c, "carol's media still up after being sent out").await;
    let refused = carol
        .refused(Request::JoinMeetingMedia {
            conversation: room,
            offer: peer(1).await.offer().await.unwrap(),
        })
        .await
        .unwrap();
    assert_eq!(refused.reason, Reason::NotInMeeting { conversation: room });
    a.close().await.unwrap();
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderator_mutes_one_participant_who_cannot_lift_it_even_by_reconnecting() {
    let server = server_with_users().await;
    let (mut alice, mut bob, mut carol, room) = meeting(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let mute = |user: &str, muted| Request::SetParticipantMuted {
        conversation: room,
        user: user.into(),
        muted,
    };
    let a = connect(&mut alice, room, 440.0, &dir.path().join("a.wav")).await;
    let b = connect(&mut bob, room, 880.0, &dir.path().join("b.wav")).await;
    until_received(&a, 0, 50).await;

    // Only moderators mute, and only those in the meeting.
    let refused = bob.refused(mute("alice", true)).await.unwrap();
    assert_eq!(refused.code, ErrorCode::Forbidden);
    let refused = carol.refused(mute("bob", true)).await.unwrap();
    assert_eq!(refused.code, ErrorCode::Forbidden);
    let refused = alice.refused(mute("carol", true)).await.unwrap();
    assert_eq!(
        refused.reason,
        Reason::ParticipantNotInMeeting {
            name: "carol".into()
        }
    );

    // Alice mutes bob: his sound stops reaching her at once; he still hears her.
    alice.request(mute("bob", true)).await.unwrap();
    let before = a.stats().await.packets_received;
    until_sent(&b, 50).await;
    let heard_by_b = b.stats().await.packets_received;
    until_received(&b, heard_by_b, 25).await;
    let after = a.stats().await.packets_received;
    assert!(
        after <= before + 5,
        "alice got {} of bob's packets after muting him",
        after - before
    );
    // Bob cannot lift it, and connecting again does not either.
    let refused = bob.refused(mute("bob", false)).await.unwrap();
    assert_eq!(refused.code, ErrorCode::Forbidden);
    b.close().await.unwrap();
    let b = connect(&mut bob, room, 880.0, &dir.path().join("b2.wav")).await;
    let before = a.stats().await.packets_received;
    until_sent(&b, 50).await;
    let after = a.stats().await.packets_received;
    assert!(
        after <= before + 5,
        "alice got {} of bob's packets once he reconnected",
        after - before
    );

    // Lifted: alice hears him again.
    alice.request(mute("bob", false)).await.unwrap();
    let from = a.stats().await.packets_received;
    until_received(&a, from, 50).await;
    a.close().await.unwrap();
    b.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_removed_from_the_room_or_leaving_it_loses_the_media_at_once() {
    let server = server_with_users().await;
    let (mut alice, mut bob, mut carol, room) = meeting(&server).await;
    carol
        .request(Request::StartMeeting { conversation: room })
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let a = connect(&mut alice, room, 440.0, &dir.path().join("a.wav")).await;
    let b = connect(&mut bob, room, 880.0, &dir.path().join("b.wav")).await;
    let c = connect(&mut carol, room, 660.0, &dir.path().join("c.wav")).await;
    until_received(&b, 0, 50).await;
    until_received(&c, 0, 50).await;

    // A moderator removes bob from the room: out of its meeting, so out of its media.
    alice
        .request(Request::RemoveRoomMember {
            conversation: room,
            user: "bob".into(),
        })
        .await
        .unwrap();
    until_closed(&b, "bob's media still up after his removal").await;
    // Carol leaves the room herself: the same.
    carol
        .request(Request::LeaveRoom { conversation: room })
        .await
        .unwrap();
    until_closed(&c, "carol's media still up after leaving the room").await;
    for p in [a, b, c] {
        p.close().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_the_room_closes_everyones_media_in_its_meeting() {
    let server = server_with_users().await;
    let (mut alice, mut bob, _carol, room) = meeting(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let a = connect(&mut alice, room, 440.0, &dir.path().join("a.wav")).await;
    let b = connect(&mut bob, room, 880.0, &dir.path().join("b.wav")).await;
    until_received(&a, 0, 50).await;
    until_received(&b, 0, 50).await;
    alice
        .request(Request::DeleteRoom { conversation: room })
        .await
        .unwrap();
    until_closed(&b, "bob's media still up after the room was deleted").await;
    until_closed(&a, "alice's media still up after deleting the room").await;
    for p in [a, b] {
        p.close().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_groups_members_hold_an_instant_meeting_and_leaving_the_group_cuts_its_media() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let mut carol = login(&server, "carol").await;
    let group = match alice
        .request(Request::CreateGroup {
            invite: vec!["bob".into(), "carol".into()],
            name: Some("Release crew".into()),
        })
        .await
        .unwrap()
    {
        Response::Conversation { conversation } => conversation.info.id,
        r => panic!("{r:?}"),
    };
    for who in [&mut bob, &mut carol] {
        who.request(Request::JoinGroup {
            conversation: group,
        })
        .await
        .unwrap();
    }
    // Any member starts it and the others join it the same way: no link, no lobby.
    for who in [&mut bob, &mut alice, &mut carol] {
        who.request(Request::StartMeeting {
            conversation: group,
        })
        .await
        .unwrap();
    }
    match carol.request(Request::ListMeetings).await.unwrap() {
        Response::Meetings { ongoing, .. } => {
            let meeting = ongoing
                .iter()
                .find(|m| m.conversation == group)
                .expect("the group's meeting is listed");
            assert_eq!(meeting.participants.len(), 3, "{meeting:?}");
        }
        r => panic!("{r:?}"),
    }
    let dir = tempfile::tempdir().unwrap();
    let a = connect(&mut alice, group, 440.0, &dir.path().join("a.wav")).await;
    let b = connect(&mut bob, group, 880.0, &dir.path().join("b.wav")).await;
    let c = connect(&mut carol, group, 660.0, &dir.path().join("c.wav")).await;
    for p in [&a, &b, &c] {
        until_received(p, 0, 50).await;
    }
    // Nobody moderates a group's meeting: that takes a room.
    let refused = alice
        .refused(Request::SetParticipantMuted {
            conversation: group,
            user: "bob".into(),
            muted: true,
        })
        .await
        .unwrap();
    assert_eq!(
        (refused.code, refused.reason),
        (
            ErrorCode::Invalid,
            Reason::NotARoom {
                conversation: group
            }
        )
    );

    // Out of the group, out of its meeting and its media at once.
    bob.request(Request::LeaveGroup {
        conversation: group,
    })
    .await
    .unwrap();
    until_closed(&b, "bob's media still up after leaving the group").await;
    until_received(&a, a.stats().await.packets_received, 50).await;
    carol
        .request(Request::LeaveGroup {
            conversation: group,
        })
        .await
        .unwrap();
    until_closed(&c, "carol's media still up after leaving the group").await;
    // The last one out deletes the group, and its meeting with it.
    alice
        .request(Request::LeaveGroup {
            conversation: group,
        })
        .await
        .unwrap();
    until_closed(&a, "alice's media still up after the group was gone").await;
    for p in [a, b, c] {
        p.close().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_external_guest_gets_media_only_once_admitted_and_loses_it_with_its_connection() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let room = create_room(&mut alice, "Customer call").await;
    alice
        .request(Request::SetLobby {
            conversation: room,
            enabled: true,
        })
        .await
        .unwrap();
    alice
        .request(Request::StartMeeting { conversation: room })
        .await
        .unwrap();
    let link = room_link(&mut alice, room).await;
    let mut zoe = Client::connect(&server.ws_url()).await.unwrap();
    let zoe_id = match zoe
        .request(Request::JoinByLink {
            link,
            name: Some("Zoe".into()),
        })
        .await
        .unwrap()
    {
        Response::Joined { session } => {
            assert!(!session.admitted, "the lobby holds her");
            session.guest.unwrap()
        }
        r => panic!("{r:?}"),
    };
    // In the lobby: no grant, so no media.
    let refused = zoe
        .refused(Request::JoinMeetingMedia {
            conversation: room,
            offer: peer(1).await.offer().await.unwrap(),
        })
        .await
        .unwrap();
    assert_eq!(refused.reason, Reason::NotInMeeting { conversation: room });

    alice
        .request(Request::AdmitGuest {
            conversation: room,
            guest: zoe_id,
        })
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let a = connect(&mut alice, room, 440.0, &dir.path().join("a.wav")).await;
    let z = connect(&mut zoe, room, 880.0, &dir.path().join("z.wav")).await;
    until_received(&a, 0, 100).await;
    until_received(&z, 0, 100).await;
    // Each hears the other's tone.
    a.close().await.unwrap();
    assert!(
        power(&dir.path().join("a.wav"), 880.0) > 20.0 * power(&dir.path().join("a.wav"), 440.0)
    );

    // Her browser goes away: her place in the meeting, and her media, with it.
    drop(zoe);
    until_closed(&z, "zoe's media still up after her connection closed").await;
    z.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_ends_with_its_meeting_and_without_ffmpeg_each_track_is_shared_as_written() {
    let server = TestServer::start_with(|c| {
        c.recording = true;
        // No ffmpeg to mix with.
        c.ffmpeg = "/nonexistent/ffmpeg".into();
    })
    .await
    .unwrap();
    for name in ["alice", "bob", "carol"] {
        server.add_user(name, PW).unwrap();
    }
    let (mut alice, mut bob, _carol, room) = meeting(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let a = connect(&mut alice, room, 440.0, &dir.path().join("a.wav")).await;
    let b = connect(&mut bob, room, 880.0, &dir.path().join("b.wav")).await;
    until_received(&a, 0, 50).await;
    // Bob may not record (a member, not a moderator); alice may.
    let refused = bob
        .refused(Request::SetRecording {
            conversation: room,
            on: true,
        })
        .await
        .unwrap();
    assert_eq!(
        refused.reason,
        Reason::ModeratorsOnly { conversation: room }
    );
    alice
        .request(Request::SetRecording {
            conversation: room,
            on: true,
        })
        .await
        .unwrap();
    // A second of both voices recorded.
    let from = a.stats().await.packets_received;
    until_received(&a, from, 50).await;
    until_sent(&a, 50).await;
    // Both leave: the meeting ends, and its recording with it.
    for who in [&mut alice, &mut bob] {
        who.request(Request::LeaveMeeting { conversation: room })
            .await
            .unwrap();
    }
    until_closed(&a, "alice's media").await;
    until_closed(&b, "bob's media").await;
    // Each voice comes to the room as its own Ogg file, from alice.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let files = loop {
        let files = match alice
            .request(Request::ListFiles { conversation: room })
            .await
            .unwrap()
        {
            Response::Files { files } => files,
            r => panic!("{r:?}"),
        };
        if files.len() >= 2 {
            break files;
        }
        assert!(tokio::time::Instant::now() < deadline, "shared: {files:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut names: Vec<String> = files
        .iter()
        .map(|f| {
            assert_eq!(
                (f.sender.as_str(), f.file.mime.as_str()),
                ("alice", "audio/ogg")
            );
            assert!(f.file.size > 1000, "{f:?}");
            // meeting-STAMP-NN-identity-audio.ogg: the stamp varies, the rest does not.
            f.file
                .name
                .rsplit('-')
                .take(2)
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect();
    names.sort();
    assert_eq!(names, ["audio.ogg-alice", "audio.ogg-bob"]);
    assert_eq!(files.len(), 2);
}
