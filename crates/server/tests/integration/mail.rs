//! Histories sent by email, through a real SMTP server (aiosmtpd) on 127.0.0.1: the mail holds
//! the history as its sender sees it, in the sender's language; every member sees the notice;
//! outsiders, bad addresses, the hourly limit, a server without mail and a mail server that
//! is down are refused with their codes, and nothing is sent or noted for them.

use confer_proto::{Change, ErrorCode, Event, MessageKind, Reason, Request, Response};
use confer_testkit::{Client, SmtpServer, TestServer};

use super::*;

async fn server_mailing_to(smtp: Option<&SmtpServer>, per_hour: u32) -> TestServer {
    let url = smtp.map(SmtpServer::url);
    let server = TestServer::start_with(move |c| {
        c.smtp_url = url;
        c.smtp_from = "Confer <confer@example.com>".into();
        c.history_mails_per_hour = per_hour;
    })
    .await
    .unwrap();
    for name in ["alice", "bob", "carol"] {
        server.add_user(name, PW).unwrap();
    }
    server
}

fn mail_request(conversation: u64, to: &str, language: &str) -> Request {
    Request::MailHistory {
        conversation,
        to: to.into(),
        language: Some(language.into()),
        utc_offset_minutes: Some(60),
    }
}

/// Sends the history; it must go.
async fn mail_ok(client: &mut Client, conversation: u64, to: &str, language: &str) {
    match client
        .request(mail_request(conversation, to, language))
        .await
        .unwrap()
    {
        Response::Ok => {}
        r => panic!("{r:?}"),
    }
}

/// Asks to send the history; it must be refused: the code and the reason.
async fn refusal(client: &mut Client, conversation: u64, to: &str) -> (ErrorCode, Reason) {
    let e = client
        .refused(mail_request(conversation, to, "en"))
        .await
        .unwrap();
    (e.code, e.reason)
}

async fn mailed_notice(client: &mut Client) -> (String, String) {
    client
        .wait_for(|e| match e {
            Event::Change {
                change: Change::Message { message },
                ..
            } => match &message.kind {
                MessageKind::Mailed { to } => Some((message.sender.clone(), to.clone())),
                _ => None,
            },
            _ => None,
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_member_mails_the_history_and_every_member_sees_the_notice() {
    let smtp = SmtpServer::start().unwrap();
    let server = server_mailing_to(Some(&smtp), 10).await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    bob.sync(None).await.unwrap();
    let conversation = open_direct(&mut alice, "bob").await;
    send(&mut alice, conversation, "a1", "Réunion à 15 h ?").await;
    send(&mut bob, conversation, "b1", "Oui,\nen salle Lovelace").await;

    mail_ok(&mut alice, conversation, "dana@example.com", "fr").await;
    assert_eq!(
        mailed_notice(&mut bob).await,
        ("alice".to_owned(), "dana@example.com".to_owned())
    );
    let mails = smtp.mails().unwrap();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert_eq!(mail.envelope_to, ["dana@example.com"]);
    assert_eq!(mail.envelope_from, "confer@example.com");
    assert_eq!(mail.subject, "Historique de la conversation : Bob Carter");
    let body = &mail.body;
    assert!(body.contains("Alice Martin : Réunion à 15 h ?"), "{body}");
    // Display names (testkit's); a second line of a message
    // stays under it.
    assert!(
        body.contains("Bob Carter : Oui,\n      en salle Lovelace"),
        "{body}"
    );
    assert!(body.contains("Envoyé par Alice Martin le "), "{body}");
    assert!(body.contains("(UTC+01:00)"), "{body}");

    // Bob's copy, in English: his history now ends with Alice's notice.
    mail_ok(&mut bob, conversation, "erin@example.com", "en").await;
    let mails = smtp.mails().unwrap();
    let english = &mails.last().unwrap();
    assert_eq!(english.subject, "Conversation history: Alice Martin");
    assert!(
        english
            .body
            .contains("Alice Martin sent the history to dana@example.com."),
        "{}",
        english.body
    );

    // Carol is not in the conversation: she learns nothing and sends nothing.
    let mut carol = login(&server, "carol").await;
    let (code, _) = refusal(&mut carol, conversation, "eve@example.com").await;
    assert_eq!(code, ErrorCode::Forbidden);
    // One address, bare: no list, no display name, no header smuggled in.
    for bad in [
        "not an address",
        "a@example.com, b@example.com",
        "Dana <dana@example.com>",
        "dana@example.com\r\nBcc: eve@example.com",
    ] {
        assert_eq!(
            refusal(&mut alice, conversation, bad).await,
            (ErrorCode::Invalid, Reason::BadEmailAddress),
            "{bad:?}"
        );
    }
    assert_eq!(smtp.mails().unwrap().len(), 2);
}

#[tokio::test]
async fn the_hourly_limit_no_mail_server_and_a_mail_server_down_are_refused() {
    let smtp = SmtpServer::start().unwrap();
    let server = server_mailing_to(Some(&smtp), 2).await;
    let mut alice = login(&server, "alice").await;
    let conversation = open_direct(&mut alice, "bob").await;
    send(&mut alice, conversation, "a1", "hello").await;
    for _ in 0..2 {
        mail_ok(&mut alice, conversation, "dana@example.com", "en").await;
    }
    assert_eq!(
        refusal(&mut alice, conversation, "dana@example.com").await,
        (ErrorCode::RateLimited, Reason::TooManyMails { per_hour: 2 })
    );
    assert_eq!(smtp.mails().unwrap().len(), 2);

    // No mail server configured: a code the client can word, not a failure.
    let plain = server_mailing_to(None, 10).await;
    let mut alice = login(&plain, "alice").await;
    let conversation = open_direct(&mut alice, "bob").await;
    assert_eq!(
        refusal(&mut alice, conversation, "dana@example.com").await,
        (ErrorCode::Forbidden, Reason::MailNotConfigured)
    );

    // The mail server is gone: refused, and no notice claims a mail went.
    let gone = SmtpServer::start().unwrap();
    let down = server_mailing_to(Some(&gone), 10).await;
    drop(gone);
    let mut alice = login(&down, "alice").await;
    let conversation = open_direct(&mut alice, "bob").await;
    send(&mut alice, conversation, "a1", "hello").await;
    assert_eq!(
        refusal(&mut alice, conversation, "dana@example.com").await,
        (ErrorCode::Internal, Reason::MailFailed)
    );
    assert!(
        history(&mut alice, conversation)
            .await
            .iter()
            .all(|m| !matches!(m.kind, MessageKind::Mailed { .. }))
    );
}
