//! The app's sound in a meeting, through the client core's phone and a real server's SFU:
//! joined, heard, muted, closed here, and cut by the server when the user leaves the meeting
//! elsewhere. The devices are the profile's synthetic ones (a tone, a silent speaker): no sound
//! card here.

use std::{sync::Arc, time::Duration};

use confer_core::{
    Client, ClientConfig, ClientEvent,
    call::CallMedia,
    frames::FrameServer,
    phone::{MeetingSoundPhase, MeetingSoundView, Phone},
};
use confer_media::synthetic::{NullSink, ToneSource};
use confer_testkit::TestServer;

const PW: &str = "correct horse";
const WAIT: Duration = Duration::from_secs(20);

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

/// The next meeting-sound event.
async fn next_sound(
    events: &mut tokio::sync::broadcast::Receiver<ClientEvent>,
) -> MeetingSoundView {
    tokio::time::timeout(WAIT, async {
        loop {
            if let ClientEvent::MeetingSound { sound } = events.recv().await.unwrap() {
                return sound;
            }
        }
    })
    .await
    .expect("a meeting-sound event")
}

/// The first meeting-sound event that `wanted` (who is heard and speaking changes in between).
async fn until_sound(
    events: &mut tokio::sync::broadcast::Receiver<ClientEvent>,
    wanted: impl Fn(&MeetingSoundView) -> bool,
) -> MeetingSoundView {
    tokio::time::timeout(WAIT, async {
        loop {
            if let ClientEvent::MeetingSound { sound } = events.recv().await.unwrap()
                && wanted(&sound)
            {
                return sound;
            }
        }
    })
    .await
    .expect("the meeting-sound event waited for")
}

/// Alice and bob, signed in to a real server, both in the meeting of a room alice made; the
/// server and the profiles' directory live as long as the test holds them.
async fn in_a_meeting() -> (TestServer, tempfile::TempDir, Arc<Client>, Client, u64) {
    let server = TestServer::start().await.unwrap();
    for u in ["alice", "bob"] {
        server.add_user(u, PW).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let alice =
        Arc::new(Client::open(config(&server.ws_url(), dir.path(), "alice"), true).unwrap());
    let bob = Client::open(config(&server.ws_url(), dir.path(), "bob"), true).unwrap();
    alice.wait_synced(WAIT).await.unwrap();
    bob.wait_synced(WAIT).await.unwrap();
    let room = alice.create_room("Stand-up").await.unwrap();
    alice.add_room_member(room, "bob").await.unwrap();
    alice.start_meeting(room).await.unwrap();
    bob.start_meeting(room).await.unwrap();
    (server, dir, alice, bob, room)
}

/// Waits until `bob` has received `more` packets beyond what he had.
async fn bob_hears(bob: &confer_core::meeting::ActiveMeeting, more: u64) {
    let from = bob.stats().await.packets_received;
    tokio::time::timeout(WAIT, async {
        while bob.stats().await.packets_received < from + more {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("bob hears alice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_apps_meeting_sound_connects_mutes_closes_and_ends_when_the_meeting_is_left() {
    let (_server, _dir, alice, bob, room) = in_a_meeting().await;
    let bob_sound = bob
        .join_meeting_media(
            room,
            CallMedia {
                source: Box::new(ToneSource::new(880.0, 0.3).unwrap()),
                sink: Box::new(NullSink),
                camera: None,
                view: None,
                relay_only: false,
                original_sound: false,
            },
            4,
        )
        .await
        .unwrap();

    let frames = Arc::new(FrameServer::start().await.unwrap());
    let phone = Phone::start(alice.clone(), frames);
    phone
        .use_devices(
            Some("synthetic:tone".into()),
            Some("synthetic:silence".into()),
            None,
        )
        .unwrap();
    let mut events = alice.subscribe();
    let view = phone.join_meeting_sound(room, false).await.unwrap();
    assert_eq!(
        (view.conversation, view.phase, view.muted),
        (room, MeetingSoundPhase::Connected, false)
    );
    assert_eq!(
        next_sound(&mut events).await.phase,
        MeetingSoundPhase::Connecting
    );
    assert_eq!(
        next_sound(&mut events).await.phase,
        MeetingSoundPhase::Connected
    );
    assert_eq!(phone.meeting_sound(), Some(view.clone()));
    // Bob hears the app's microphone.
    bob_hears(&bob_sound, 50).await;

    phone.set_meeting_muted(true);
    let muted = until_sound(&mut events, |v| v.muted).await;
    assert!(
        muted.muted && muted.phase == MeetingSoundPhase::Connected,
        "{muted:?}"
    );
    // One microphone: no call while the meeting has it.
    let direct = alice.direct_conversation("bob").await.unwrap();
    assert!(phone.place(direct, false).await.is_err());

    // Closed here: the user stays in the meeting.
    phone.leave_meeting_sound().await;
    until_sound(&mut events, |v| v.phase == MeetingSoundPhase::Ended).await;
    assert_eq!(phone.meeting_sound(), None);
    let (ongoing, _) = alice.meetings().await.unwrap();
    assert!(
        ongoing
            .iter()
            .any(|m| m.conversation == room && m.participants.iter().any(|p| p == "alice")),
        "{ongoing:?}"
    );

    // Back in, then the meeting is left (as from another window or device): the server cuts
    // the sound and the phone says it ended, with no call from the UI.
    phone.join_meeting_sound(room, false).await.unwrap();
    assert_eq!(
        next_sound(&mut events).await.phase,
        MeetingSoundPhase::Connecting
    );
    assert_eq!(
        next_sound(&mut events).await.phase,
        MeetingSoundPhase::Connected
    );
    bob_hears(&bob_sound, 50).await;
    alice.leave_meeting(room).await.unwrap();
    let ended = until_sound(&mut events, |v| v.phase == MeetingSoundPhase::Ended).await;
    assert_eq!(
        (ended.conversation, ended.phase),
        (room, MeetingSoundPhase::Ended)
    );
    assert_eq!(phone.meeting_sound(), None);

    // Out of the meeting, the sound is refused, and the UI is told it failed.
    let refused = phone.join_meeting_sound(room, false).await;
    assert!(refused.is_err(), "{refused:?}");
    assert_eq!(
        next_sound(&mut events).await.phase,
        MeetingSoundPhase::Connecting
    );
    let failed = next_sound(&mut events).await;
    assert!(
        failed.phase == MeetingSoundPhase::Ended && failed.error.is_some(),
        "{failed:?}"
    );
    bob_sound.finish().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_apps_meeting_puts_each_one_seen_on_a_tile_with_their_name_and_shows_who_speaks() {
    use futures_util::StreamExt;
    let (_server, _dir, alice, bob, room) = in_a_meeting().await;
    // Bob talks and shows the test pattern (no camera here: the synthetic one, behind the
    // same trait).
    let bob_media = bob
        .join_meeting_media(
            room,
            CallMedia {
                source: Box::new(ToneSource::new(660.0, 0.3).unwrap()),
                sink: Box::new(NullSink),
                camera: Some(Box::new(
                    confer_media::synthetic::PatternCamera::new(320, 180, 15).unwrap(),
                )),
                view: None,
                relay_only: false,
                original_sound: false,
            },
            4,
        )
        .await
        .unwrap();

    let frames = Arc::new(FrameServer::start().await.unwrap());
    let (mut page, _) = tokio_tungstenite::connect_async(frames.mint())
        .await
        .unwrap();
    let phone = Phone::start(alice.clone(), frames.clone());
    phone
        .use_devices(
            Some("synthetic:silence".into()),
            Some("synthetic:silence".into()),
            None,
        )
        .unwrap();
    let mut events = alice.subscribe();
    let view = phone.join_meeting_sound(room, true).await.unwrap();
    assert!(view.camera, "{view:?}");
    // Bob on a tile, by name, speaking (his tone).
    let seen = until_sound(&mut events, |v| {
        v.people
            .iter()
            .any(|p| p.name.as_deref() == Some("bob") && p.tile.is_some() && p.speaking)
    })
    .await;
    let tile = seen.people[0].tile.unwrap();
    // His pictures come on that tile's stream of the frame socket, and alice's own on the
    // self view's.
    let (mut on_tile, mut own) = (0, 0);
    tokio::time::timeout(WAIT, async {
        while on_tile < 5 || own < 5 {
            let frame = page.next().await.unwrap().unwrap().into_data();
            match frame[0] {
                1 => own += 1,
                s if s == 2 + tile => on_tile += 1,
                other => panic!("a frame on stream {other}"),
            }
        }
    })
    .await
    .expect("bob's pictures on his tile and alice's in the self view");
    // Alice's camera reaches bob, named by her source.
    let alice_source = confer_proto::media_source("alice");
    tokio::time::timeout(WAIT, async {
        loop {
            let stats = bob_media.stats().await;
            if stats
                .sources
                .iter()
                .any(|s| s.source == alice_source && s.video_frames >= 5)
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("bob sees alice");
    // Bob stops: the highlight goes.
    bob_media.finish().await.unwrap();
    until_sound(&mut events, |v| {
        v.people
            .iter()
            .all(|p| p.name.as_deref() != Some("bob") || !p.speaking)
    })
    .await;
    phone.leave_meeting_sound().await;
}
