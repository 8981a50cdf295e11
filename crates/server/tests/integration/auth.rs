//! Accounts and sessions: login, token auth, logout, disable, wrong passwords, rate limits.

use confer_proto::{ErrorCode, PROTOCOL_VERSION, Reason, Request, Response};
use confer_testkit::{Client, TestServer};

use super::*;

fn login_req(user: &str, password: &str) -> Request {
    Request::Login {
        protocol: PROTOCOL_VERSION,
        username: user.into(),
        password: password.into(),
        device: None,
    }
}

async fn token(server: &TestServer, user: &str) -> String {
    let mut c = Client::connect(&server.ws_url()).await.unwrap();
    match c.request(login_req(user, PW)).await.unwrap() {
        Response::LoggedIn {
            token, user: info, ..
        } => {
            assert_eq!(info.name, user);
            token
        }
        r => panic!("{r:?}"),
    }
}

#[tokio::test]
async fn requests_need_a_signed_in_connection() {
    let server = server_with_users().await;
    let mut c = Client::connect(&server.ws_url()).await.unwrap();
    assert_eq!(c.request(Request::Ping).await.unwrap(), Response::Pong);
    for req in [
        Request::ListConversations,
        Request::Sync { since: None },
        Request::Logout,
    ] {
        assert_eq!(refused_code(&mut c, req).await, ErrorCode::Unauthenticated);
    }
}

#[tokio::test]
async fn wrong_passwords_tokens_and_versions_are_refused() {
    let server = server_with_users().await;
    let mut c = Client::connect(&server.ws_url()).await.unwrap();
    assert_eq!(
        refused_code(&mut c, login_req("alice", "wrong")).await,
        ErrorCode::AuthFailed
    );
    assert_eq!(
        refused_code(&mut c, login_req("nobody", PW)).await,
        ErrorCode::AuthFailed
    );
    let err = c
        .refused(Request::Auth {
            protocol: PROTOCOL_VERSION,
            token: "0".repeat(64),
        })
        .await
        .unwrap();
    assert_eq!(err.code, ErrorCode::AuthFailed);
    assert_eq!(err.reason, Reason::TokenUnknown);
    let err = c
        .refused(Request::Login {
            protocol: 99,
            username: "alice".into(),
            password: PW.into(),
            device: None,
        })
        .await
        .unwrap();
    assert_eq!(err.code, ErrorCode::UnsupportedVersion);
    assert_eq!(
        err.reason,
        Reason::ProtocolVersion {
            supported: PROTOCOL_VERSION,
            requested: 99
        }
    );
    // Older than the oldest version still accepted: refused alike.
    let old = confer_proto::MIN_PROTOCOL_VERSION - 1;
    let err = c
        .refused(Request::Login {
            protocol: old,
            username: "alice".into(),
            password: PW.into(),
            device: None,
        })
        .await
        .unwrap();
    assert_eq!(err.code, ErrorCode::UnsupportedVersion);
    // Every version from the oldest accepted to the newest signs in.
    for protocol in confer_proto::MIN_PROTOCOL_VERSION..=PROTOCOL_VERSION {
        let mut c = Client::connect(&server.ws_url()).await.unwrap();
        let req = Request::Login {
            protocol,
            username: "alice".into(),
            password: PW.into(),
            device: None,
        };
        assert!(matches!(
            c.request(req).await.unwrap(),
            Response::LoggedIn { .. }
        ));
    }
    // Names are case-insensitive.
    assert!(matches!(
        c.request(login_req("ALICE", PW)).await.unwrap(),
        Response::LoggedIn { .. }
    ));
}

#[tokio::test]
async fn logout_revokes_the_token() {
    let server = server_with_users().await;
    let token = token(&server, "alice").await;
    let mut c = Client::connect(&server.ws_url()).await.unwrap();
    c.request(Request::Auth {
        protocol: PROTOCOL_VERSION,
        token: token.clone(),
    })
    .await
    .unwrap();
    c.request(Request::Logout).await.unwrap();
    assert_eq!(
        refused_code(&mut c, Request::ListConversations).await,
        ErrorCode::Unauthenticated
    );
    let mut c2 = Client::connect(&server.ws_url()).await.unwrap();
    assert_eq!(
        refused_code(
            &mut c2,
            Request::Auth {
                protocol: PROTOCOL_VERSION,
                token
            }
        )
        .await,
        ErrorCode::AuthFailed
    );
}

#[tokio::test]
async fn disabling_an_account_revokes_its_sessions() {
    let server = server_with_users().await;
    let token = token(&server, "bob").await;
    confer_server::admin::disable_user(&server.location, "bob").unwrap();
    let mut c = Client::connect(&server.ws_url()).await.unwrap();
    assert_eq!(
        refused_code(
            &mut c,
            Request::Auth {
                protocol: PROTOCOL_VERSION,
                token
            }
        )
        .await,
        ErrorCode::AuthFailed
    );
    assert_eq!(
        refused_code(&mut c, login_req("bob", PW)).await,
        ErrorCode::AccountDisabled
    );
    // A disabled user is gone from the directory and cannot be messaged.
    let mut alice = login(&server, "alice").await;
    let users = search_users(&mut alice, "bob", None).await;
    assert!(users.is_empty());
    assert_eq!(
        refused_code(&mut alice, Request::OpenDirect { user: "bob".into() }).await,
        ErrorCode::NotFound
    );
}

#[tokio::test]
async fn a_new_password_revokes_old_sessions() {
    let server = server_with_users().await;
    let token = token(&server, "carol").await;
    confer_server::admin::set_password(&server.location, "carol", "another password").unwrap();
    let mut c = Client::connect(&server.ws_url()).await.unwrap();
    assert_eq!(
        refused_code(
            &mut c,
            Request::Auth {
                protocol: PROTOCOL_VERSION,
                token
            }
        )
        .await,
        ErrorCode::AuthFailed
    );
    assert_eq!(
        refused_code(&mut c, login_req("carol", PW)).await,
        ErrorCode::AuthFailed
    );
    c.request(login_req("carol", "another password"))
        .await
        .unwrap();
}

#[tokio::test]
async fn failed_logins_are_limited_per_account() {
    let server = TestServer::start_with(|c| {
        c.login_failures_per_account = 3;
        c.login_failures_per_address = 100;
    })
    .await
    .unwrap();
    server.add_user("alice", PW).unwrap();
    server.add_user("bob", PW).unwrap();
    let mut c = Client::connect(&server.ws_url()).await.unwrap();
    for _ in 0..3 {
        assert_eq!(
            refused_code(&mut c, login_req("alice", "bad")).await,
            ErrorCode::AuthFailed
        );
    }
    // Now even the right password is refused for this account, but not for another.
    assert_eq!(
        refused_code(&mut c, login_req("alice", PW)).await,
        ErrorCode::RateLimited
    );
    c.request(login_req("bob", PW)).await.unwrap();
}

#[tokio::test]
async fn failed_logins_are_limited_per_address() {
    let server = TestServer::start_with(|c| {
        c.login_failures_per_account = 100;
        c.login_failures_per_address = 3;
    })
    .await
    .unwrap();
    server.add_user("alice", PW).unwrap();
    let mut c = Client::connect(&server.ws_url()).await.unwrap();
    for name in ["x1", "x2", "x3"] {
        assert_eq!(
            refused_code(&mut c, login_req(name, "bad")).await,
            ErrorCode::AuthFailed
        );
    }
    assert_eq!(
        refused_code(&mut c, login_req("alice", PW)).await,
        ErrorCode::RateLimited
    );
}

async fn expect_revoked(c: &mut Client) {
    loop {
        match c.next_frame().await {
            Ok(confer_proto::ServerFrame::Event {
                event: confer_proto::Event::Closing { code, .. },
            }) => {
                assert_eq!(code, ErrorCode::AuthFailed);
                return;
            }
            Ok(_) => continue,
            Err(e) => panic!("connection ended without a closing event: {e:#}"),
        }
    }
}

#[tokio::test]
async fn revoking_a_session_closes_its_live_connections() {
    let server = TestServer::start_with(|c| c.revocation_poll_ms = 50)
        .await
        .unwrap();
    for name in ["alice", "bob", "carol"] {
        server.add_user(name, PW).unwrap();
    }
    // Disabling, from another process's point of view (straight into the database).
    let mut bob = login(&server, "bob").await;
    confer_server::admin::disable_user(&server.location, "bob").unwrap();
    expect_revoked(&mut bob).await;

    // A new password ends the old sessions.
    let mut carol = login(&server, "carol").await;
    confer_server::admin::set_password(&server.location, "carol", "a brand new one").unwrap();
    expect_revoked(&mut carol).await;

    // Logging out on one device ends every connection using that token.
    let token = token(&server, "alice").await;
    let mut laptop = Client::connect(&server.ws_url()).await.unwrap();
    laptop
        .request(Request::Auth {
            protocol: PROTOCOL_VERSION,
            token: token.clone(),
        })
        .await
        .unwrap();
    let mut phone = Client::connect(&server.ws_url()).await.unwrap();
    phone
        .request(Request::Auth {
            protocol: PROTOCOL_VERSION,
            token,
        })
        .await
        .unwrap();
    let mut other_session = login(&server, "alice").await;
    laptop.request(Request::Logout).await.unwrap();
    expect_revoked(&mut phone).await;
    // A different session of the same user stays.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        other_session.request(Request::Ping).await.unwrap(),
        Response::Pong
    );
}

#[tokio::test]
async fn names_are_case_insensitive_and_reported_in_one_spelling() {
    let server = TestServer::start().await.unwrap();
    confer_server::admin::add_user(&server.location, "Alice", None, None, PW).unwrap();
    server.add_user("bob", PW).unwrap();
    let mut alice = Client::login(&server.ws_url(), "ALICE", PW).await.unwrap();
    assert_eq!(alice.user.as_deref(), Some("alice"));
    let conv = open_direct(&mut alice, "BOB").await;
    let ack = send(&mut alice, conv, "c1", "hi").await;
    let mut bob = login(&server, "bob").await;
    let h = history(&mut bob, conv).await;
    assert_eq!((h[0].sender.as_str(), h[0].seq), ("alice", ack.seq));
}
