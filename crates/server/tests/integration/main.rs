//! Integration tests: a real server on 127.0.0.1 speaking the real protocol over WebSockets.

mod auth;
mod chat;
mod favourites;
mod limits;
mod presence;
mod process;
mod resume;
mod ticks;

use confer_proto::{Change, Event, Message, Request, Response};
use confer_testkit::{Client, TestServer};

pub const PW: &str = "correct horse";

/// A server with users alice, bob and carol.
pub async fn server_with_users() -> TestServer {
    let server = TestServer::start().await.unwrap();
    for name in ["alice", "bob", "carol"] {
        server.add_user(name, PW).unwrap();
    }
    server
}

pub async fn login(server: &TestServer, name: &str) -> Client {
    Client::login(&server.ws_url(), name, PW).await.unwrap()
}

/// Opens the direct conversation of `client` with `other`; returns its id.
pub async fn open_direct(client: &mut Client, other: &str) -> u64 {
    match client
        .request(Request::OpenDirect { user: other.into() })
        .await
        .unwrap()
    {
        Response::Conversation { conversation } => conversation.info.id,
        r => panic!("{r:?}"),
    }
}

pub async fn send(
    client: &mut Client,
    conversation: u64,
    client_id: &str,
    text: &str,
) -> confer_proto::SendAck {
    match client
        .request(Request::SendMessage {
            conversation,
            client_id: client_id.into(),
            text: text.into(),
        })
        .await
        .unwrap()
    {
        Response::Sent { ack } => ack,
        r => panic!("{r:?}"),
    }
}

pub async fn history(client: &mut Client, conversation: u64) -> Vec<Message> {
    match client
        .request(Request::History {
            conversation,
            before: None,
            limit: None,
        })
        .await
        .unwrap()
    {
        Response::History { page } => page.messages,
        r => panic!("{r:?}"),
    }
}

/// Waits for the next message event from someone else (a sender's own devices get its
/// messages too).
pub async fn next_message(client: &mut Client) -> Message {
    let me = client.user.clone();
    client
        .wait_for(|e| match e {
            Event::Change {
                change: Change::Message { message },
                ..
            } if Some(&message.sender) != me.as_ref() => Some(message.clone()),
            _ => None,
        })
        .await
        .unwrap()
}
