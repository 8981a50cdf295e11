//! Meetings in rooms: starting and joining, who is present, the end with the last participant,
//! and the rooms' calendars.

use confer_proto::{Change, ErrorCode, Event, Request, Response};
use confer_testkit::Client;

use super::*;

async fn room_with_members(alice: &mut Client) -> u64 {
    let conversation = match alice
        .request(Request::CreateRoom {
            name: "Weekly planning".into(),
        })
        .await
        .unwrap()
    {
        Response::Conversation { conversation } => conversation.info.id,
        r => panic!("{r:?}"),
    };
    alice
        .request(Request::AddRoomMember {
            conversation,
            user: "bob".into(),
        })
        .await
        .unwrap();
    conversation
}

async fn meetings(client: &mut Client) -> (Vec<Vec<String>>, Vec<String>) {
    match client.request(Request::ListMeetings).await.unwrap() {
        Response::Meetings { ongoing, scheduled } => (
            ongoing.into_iter().map(|m| m.participants).collect(),
            scheduled.into_iter().map(|m| m.title).collect(),
        ),
        r => panic!("{r:?}"),
    }
}

#[tokio::test]
async fn a_meeting_goes_on_while_someone_is_in_it() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let mut carol = login(&server, "carol").await;
    let room = room_with_members(&mut alice).await;
    assert_eq!(meetings(&mut bob).await.0, Vec::<Vec<String>>::new());

    alice
        .request(Request::StartMeeting { conversation: room })
        .await
        .unwrap();
    // Starting an ongoing meeting joins it.
    bob.request(Request::StartMeeting { conversation: room })
        .await
        .unwrap();
    assert_eq!(meetings(&mut alice).await.0, [["alice", "bob"]]);
    // Non-members neither join nor see it.
    assert_eq!(
        refused_code(&mut carol, Request::StartMeeting { conversation: room }).await,
        ErrorCode::Forbidden
    );
    assert!(meetings(&mut carol).await.0.is_empty());

    alice
        .request(Request::LeaveMeeting { conversation: room })
        .await
        .unwrap();
    assert_eq!(meetings(&mut bob).await.0, [["bob"]]);
    assert_eq!(
        refused_code(&mut alice, Request::LeaveMeeting { conversation: room }).await,
        ErrorCode::NotFound
    );
    bob.request(Request::LeaveMeeting { conversation: room })
        .await
        .unwrap();
    // The last one out ends it, and the members are told.
    let ended = alice
        .wait_for(|e| match e {
            Event::Change {
                change:
                    Change::Meeting {
                        conversation,
                        ongoing: None,
                        ..
                    },
                ..
            } if *conversation == room => Some(()),
            _ => None,
        })
        .await;
    assert!(ended.is_ok());
    assert!(meetings(&mut alice).await.0.is_empty());

    // Someone removed from the room leaves its meeting too.
    bob.request(Request::StartMeeting { conversation: room })
        .await
        .unwrap();
    alice
        .request(Request::RemoveRoomMember {
            conversation: room,
            user: "bob".into(),
        })
        .await
        .unwrap();
    assert!(meetings(&mut alice).await.0.is_empty());
}

#[tokio::test]
async fn the_calendar_takes_valid_future_meetings_from_moderators() {
    let server = server_with_users().await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let room = room_with_members(&mut alice).await;
    let far = 2_051_222_400_000; // 2035-01-01
    let schedule = |title: &str, starts_at: i64, minutes: u32| Request::ScheduleMeeting {
        conversation: room,
        title: title.into(),
        starts_at,
        minutes,
    };
    assert_eq!(
        refused_code(&mut bob, schedule("Bob's", far, 30)).await,
        ErrorCode::Forbidden,
        "members do not schedule"
    );
    for bad in [
        schedule("", far, 30),
        schedule("Zero", far, 0),
        schedule("Too long", far, 1441),
        schedule("Past", 1_000_000, 30),
    ] {
        assert_eq!(refused_code(&mut alice, bad).await, ErrorCode::Invalid);
    }
    let later = match alice
        .request(schedule("Retro", far + 86_400_000, 45))
        .await
        .unwrap()
    {
        Response::Scheduled { meeting } => {
            assert_eq!(
                (
                    meeting.minutes,
                    meeting.organizer.as_str(),
                    meeting.name.as_str()
                ),
                (45, "alice", "Weekly planning")
            );
            meeting.id
        }
        r => panic!("{r:?}"),
    };
    alice
        .request(schedule("Sprint review", far, 30))
        .await
        .unwrap();
    assert_eq!(meetings(&mut bob).await.1, ["Sprint review", "Retro"]);

    // Only the owner deletes one.
    assert_eq!(
        refused_code(&mut bob, Request::DeleteScheduledMeeting { meeting: later }).await,
        ErrorCode::Forbidden
    );
    alice
        .request(Request::DeleteScheduledMeeting { meeting: later })
        .await
        .unwrap();
    assert_eq!(meetings(&mut bob).await.1, ["Sprint review"]);
    // Deleting the room takes its calendar along.
    alice
        .request(Request::DeleteRoom { conversation: room })
        .await
        .unwrap();
    assert!(meetings(&mut alice).await.1.is_empty());
}
