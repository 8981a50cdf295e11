//! Integration tests: a real server on 127.0.0.1 speaking the real protocol over WebSockets.

mod aliases;
mod auth;
mod calls;
mod chat;
mod cluster;
mod directory;
mod favourites;
mod files;
mod fuzz;
mod groups;
mod guests;
mod hardening;
mod limits;
mod mail;
mod meeting_media;
mod meetings;
mod messages;
mod presence;
mod previews;
mod process;
mod resume;
mod rooms;
mod ticks;

use confer_proto::{Change, ErrorCode, Event, Message, PROTOCOL_VERSION, Request, Response};
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

/// Creates a room owned by `client`; returns its id.
pub async fn create_room(client: &mut Client, name: &str) -> u64 {
    match client
        .request(Request::CreateRoom { name: name.into() })
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
            reply_to: None,
        })
        .await
        .unwrap()
    {
        Response::Sent { ack } => ack,
        r => panic!("{r:?}"),
    }
}

/// The first page of the directory for `query`.
pub async fn search_users(
    client: &mut Client,
    query: &str,
    limit: Option<u32>,
) -> Vec<confer_proto::DirectoryEntry> {
    match client
        .request(Request::SearchUsers {
            query: query.into(),
            limit,
            after: None,
            online: false,
        })
        .await
        .unwrap()
    {
        Response::Users { users, .. } => users,
        r => panic!("{r:?}"),
    }
}

/// One plain HTTP/1.1 GET on the server's port; the whole answer, head included.
pub async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = String::new();
    tokio::time::timeout(confer_testkit::WAIT, s.read_to_string(&mut out))
        .await
        .expect("an HTTP answer in time")
        .unwrap();
    out
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

/// The events `client` receives before the first one `barrier` picks: how a test shows that
/// something did *not* arrive without sleeping. The barrier must be an event that the server
/// sends after the one that must not come (a later change in the same stream, a reply).
pub async fn events_before(
    client: &mut Client,
    mut barrier: impl FnMut(&Event) -> bool,
) -> Vec<Event> {
    let mut before = Vec::new();
    let deadline = tokio::time::Instant::now() + confer_testkit::WAIT;
    loop {
        let event = tokio::time::timeout_at(deadline, client.next_event())
            .await
            .expect("the barrier event never came")
            .unwrap();
        if barrier(&event) {
            return before;
        }
        before.push(event);
    }
}

/// `sender` posts `tag` in `conversation`; returns what `client` received before it. Changes
/// reach a device in stream order, so anything published before the tag is in the result.
pub async fn events_before_message(
    client: &mut Client,
    sender: &mut Client,
    conversation: u64,
    tag: &str,
) -> Vec<Event> {
    send(sender, conversation, tag, tag).await;
    events_before(client, |e| {
        matches!(e, Event::Change { change: Change::Message { message }, .. }
            if message.client_id == tag)
    })
    .await
}

/// Connects and logs in without syncing (for tests that choose the sync cursor themselves).
pub async fn login_unsynced(server: &TestServer, name: &str) -> Client {
    let mut c = Client::connect(&server.ws_url()).await.unwrap();
    let req = Request::Login {
        protocol: PROTOCOL_VERSION,
        username: name.into(),
        password: PW.into(),
        device: None,
    };
    if let Response::LoggedIn { token, .. } = c.request(req).await.unwrap() {
        c.token = Some(token);
    }
    c
}

/// Sends `n` messages (texts and client ids `{prefix}0`, `{prefix}1`, …) without waiting between
/// them; returns their sequence numbers in the order sent.
pub async fn send_pipelined(
    client: &mut Client,
    conversation: u64,
    prefix: &str,
    n: usize,
) -> Vec<u64> {
    let mut ids = Vec::new();
    for i in 0..n {
        let text = format!("{prefix}{i}");
        let req = Request::SendMessage {
            conversation,
            client_id: text.clone(),
            text,
            reply_to: None,
        };
        ids.push(client.send_request(req).await.unwrap());
    }
    let mut seqs = Vec::new();
    for id in ids {
        match client.reply(id).await.unwrap().unwrap() {
            Response::Sent { ack } => seqs.push(ack.seq),
            r => panic!("{r:?}"),
        }
    }
    seqs
}

/// The join link of `conversation`, as `client` (a moderator) reads it.
pub async fn room_link(client: &mut Client, conversation: u64) -> String {
    match client
        .request(Request::RoomLink { conversation })
        .await
        .unwrap()
    {
        Response::RoomLink { link, .. } => link,
        r => panic!("{r:?}"),
    }
}

/// The error code of a request that must be refused.
pub async fn refused_code(client: &mut Client, req: Request) -> ErrorCode {
    client.refused(req).await.unwrap().code
}
