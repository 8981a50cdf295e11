//! Shared files over the server's HTTP endpoints: the round trip and its checksum, resuming an
//! interrupted upload, who may download (members who see the message; not outsiders, not
//! guests), the size cap and the quota, thumbnails.

use std::path::{Path, PathBuf};

use confer_files::{ClientError, FileClient};
use confer_proto::{ErrorCode, MessageKind, Reason, Request, Response, SharedFile};
use confer_testkit::{Client, TestServer};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::*;

fn files_of(client: &Client, server: &TestServer) -> FileClient {
    FileClient::new(
        &server.ws_url(),
        client.token.as_deref().expect("signed in"),
    )
    .unwrap()
}

/// A file of `len` pseudo-random bytes (seeded, so a failure can be replayed).
fn random_file(dir: &Path, name: &str, len: usize, seed: u64) -> PathBuf {
    let mut x = seed | 1;
    let bytes: Vec<u8> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn refused(e: ClientError) -> (ErrorCode, Reason) {
    match e {
        ClientError::Refused(body) => (body.code, body.reason),
        e => panic!("expected a refusal, got {e}"),
    }
}

async fn list_files(client: &mut Client, conversation: u64) -> Vec<SharedFile> {
    match client
        .request(Request::ListFiles { conversation })
        .await
        .unwrap()
    {
        Response::Files { files } => files,
        r => panic!("{r:?}"),
    }
}

#[tokio::test]
async fn a_file_round_trips_with_its_sha256_and_only_members_download_it() {
    let server = server_with_users().await;
    let dir = tempfile::tempdir().unwrap();
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let mut carol = login(&server, "carol").await;
    let conversation = open_direct(&mut alice, "bob").await;
    let path = random_file(dir.path(), "report final.bin", 3 * 1024 * 1024 + 17, 7);
    let original = std::fs::read(&path).unwrap();

    let state = files_of(&alice, &server)
        .upload(conversation, &path, Some("application/pdf".into()), None)
        .await
        .unwrap();
    let file = state.file.expect("shared once the last byte is in");
    assert_eq!(
        (file.name.as_str(), file.size, file.thumbnail),
        ("report final.bin", original.len() as u64, false)
    );
    assert_eq!(file.mime, "application/pdf");

    // Bob sees the file message, and downloads the same bytes.
    let message = bob
        .wait_for(|e| match e {
            confer_proto::Event::Change {
                change: confer_proto::Change::Message { message },
                ..
            } if message.kind.file().is_some() => Some(message.clone()),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(message.kind, MessageKind::File(Box::new(file.clone())));
    assert_eq!(
        (message.sender.as_str(), message.seq),
        ("alice", state.seq.unwrap())
    );
    let mut got = Vec::new();
    let (len, name) = files_of(&bob, &server)
        .download(&file.id, false, &mut got)
        .await
        .unwrap();
    assert_eq!(
        (len, name.as_deref()),
        (original.len() as u64, Some("report final.bin"))
    );
    assert_eq!(sha256_hex(&got), sha256_hex(&original));
    // It is in the history and in the conversation's file list.
    let listed = list_files(&mut bob, conversation).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (&listed[0].file, listed[0].sender.as_str()),
        (&file, "alice")
    );

    // Carol is no member: the file does not exist for her, and she cannot list or share.
    let e = files_of(&carol, &server)
        .download(&file.id, false, &mut Vec::new())
        .await
        .unwrap_err();
    assert_eq!(refused(e), (ErrorCode::NotFound, Reason::NoSuchFile));
    let e = carol
        .refused(Request::ListFiles { conversation })
        .await
        .unwrap();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let e = files_of(&carol, &server)
        .upload(conversation, &path, None, None)
        .await
        .unwrap_err();
    assert_eq!(
        refused(e),
        (ErrorCode::Forbidden, Reason::NotAMember { conversation })
    );
    // Without a session, nothing.
    let e = FileClient::new(&server.ws_url(), "not-a-token")
        .unwrap()
        .download(&file.id, false, &mut Vec::new())
        .await
        .unwrap_err();
    assert_eq!(refused(e), (ErrorCode::AuthFailed, Reason::TokenUnknown));

    // Deleting the message takes the file away.
    alice
        .request(Request::DeleteMessage {
            conversation,
            seq: state.seq.unwrap(),
        })
        .await
        .unwrap();
    let e = files_of(&bob, &server)
        .download(&file.id, false, &mut Vec::new())
        .await
        .unwrap_err();
    assert_eq!(refused(e), (ErrorCode::NotFound, Reason::NoSuchFile));
    assert!(list_files(&mut bob, conversation).await.is_empty());
}

#[tokio::test]
async fn an_interrupted_upload_resumes_where_the_servers_bytes_stop() {
    let server = server_with_users().await;
    let dir = tempfile::tempdir().unwrap();
    let mut alice = login(&server, "alice").await;
    let conversation = open_direct(&mut alice, "bob").await;
    let path = random_file(dir.path(), "big.bin", 2 * 1024 * 1024, 11);
    let bytes = std::fs::read(&path).unwrap();
    let token = alice.token.clone().unwrap();

    // Start the upload, then send half its bytes and drop the connection mid-body, as a
    // client killed mid-upload does.
    let request = confer_proto::UploadRequest {
        conversation,
        name: "big.bin".into(),
        size: bytes.len() as u64,
        // As `FileClient` declares it: the hash comes after the last byte.
        blake3: None,
        mime: None,
    };
    let id = raw_start(&server, &token, &request).await;
    let first_id = id.clone();
    let half = bytes.len() / 2;
    let mut tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "PATCH /v1/uploads/{id} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
         Upload-Offset: 0\r\nContent-Length: {}\r\n\r\n",
        server.addr,
        bytes.len()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(&bytes[..half]).await.unwrap();
    tcp.flush().await.unwrap();
    drop(tcp);
    // The server keeps what reached it: wait until it holds those bytes.
    let mut held = 0;
    for _ in 0..500 {
        held = raw_offset(&server, &token, &id).await;
        if held == half as u64 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(held, half as u64, "the bytes before the cut are kept");

    // The same file again: found again, sent from where the server's bytes stop.
    let first = std::sync::Arc::new(std::sync::Mutex::new(None));
    let seen = first.clone();
    let progress: confer_files::Progress = std::sync::Arc::new(move |at, _| {
        seen.lock().unwrap().get_or_insert(at);
    });
    let state = files_of(&alice, &server)
        .upload(conversation, &path, None, Some(progress))
        .await
        .unwrap();
    assert_eq!(state.id, id, "the same upload");
    assert_eq!(
        *first.lock().unwrap(),
        Some(half as u64),
        "resumed, not restarted"
    );
    let file = state.file.unwrap();
    let mut got = Vec::new();
    files_of(&alice, &server)
        .download(&file.id, false, &mut got)
        .await
        .unwrap();
    assert_eq!(sha256_hex(&got), sha256_hex(&bytes));

    // Interrupted again, and the file changed before the retry: the server's half no longer
    // matches it, so the upload starts over and shares the file as it is now.
    let id = raw_start(&server, &token, &request).await;
    let mut tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    tcp.write_all(head.replace(&first_id, &id).as_bytes())
        .await
        .unwrap();
    tcp.write_all(&bytes[..half]).await.unwrap();
    tcp.flush().await.unwrap();
    drop(tcp);
    for _ in 0..500 {
        if raw_offset(&server, &token, &id).await == half as u64 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(raw_offset(&server, &token, &id).await, half as u64);
    let mut edited = bytes.clone();
    edited[10] ^= 0xff;
    std::fs::write(&path, &edited).unwrap();
    let state = files_of(&alice, &server)
        .upload(conversation, &path, None, None)
        .await
        .unwrap();
    assert_ne!(state.id, id, "started over");
    let mut got = Vec::new();
    files_of(&alice, &server)
        .download(&state.file.unwrap().id, false, &mut got)
        .await
        .unwrap();
    assert_eq!(sha256_hex(&got), sha256_hex(&edited));
}

/// `POST /v1/uploads` by hand; returns the upload's id.
async fn raw_start(
    server: &TestServer,
    token: &str,
    request: &confer_proto::UploadRequest,
) -> String {
    let body = serde_json::to_string(request).unwrap();
    let answer = raw(
        server,
        &format!(
            "POST /v1/uploads HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    let json = answer.split("\r\n\r\n").nth(1).unwrap();
    serde_json::from_str::<confer_proto::UploadState>(json)
        .unwrap_or_else(|e| panic!("{e}: {answer}"))
        .id
}

/// `HEAD /v1/uploads/{id}`: the `Upload-Offset` header.
async fn raw_offset(server: &TestServer, token: &str, id: &str) -> u64 {
    let answer = raw(
        server,
        &format!(
            "HEAD /v1/uploads/{id} HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer {token}\r\n\
             Connection: close\r\n\r\n"
        ),
    )
    .await;
    answer
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("upload-offset: ")
                .map(str::to_owned)
        })
        .unwrap_or_else(|| panic!("no offset in {answer}"))
        .trim()
        .parse()
        .unwrap()
}

async fn raw(server: &TestServer, request: &str) -> String {
    use tokio::io::AsyncReadExt;
    let mut tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(confer_testkit::WAIT, tcp.read_to_end(&mut out))
        .await
        .unwrap()
        .unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn the_size_cap_and_the_quota_refuse_before_any_byte_is_sent() {
    let server = TestServer::start_with(|c| {
        c.max_file_bytes = 1000;
        c.file_quota_bytes = 2500;
    })
    .await
    .unwrap();
    for name in ["alice", "bob"] {
        server.add_user(name, PW).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let mut alice = login(&server, "alice").await;
    let conversation = open_direct(&mut alice, "bob").await;
    let client = files_of(&alice, &server);

    let big = random_file(dir.path(), "big", 1001, 1);
    let e = client
        .upload(conversation, &big, None, None)
        .await
        .unwrap_err();
    assert_eq!(
        refused(e),
        (ErrorCode::Invalid, Reason::FileTooLarge { max: 1000 })
    );
    for i in 0..2 {
        let ok = random_file(dir.path(), &format!("ok{i}"), 900, 2 + i);
        client.upload(conversation, &ok, None, None).await.unwrap();
    }
    let third = random_file(dir.path(), "third", 900, 9);
    let e = client
        .upload(conversation, &third, None, None)
        .await
        .unwrap_err();
    assert_eq!(
        refused(e),
        (
            ErrorCode::Forbidden,
            Reason::QuotaExceeded {
                quota: 2500,
                used: 1800
            }
        )
    );
    // A wrong checksum: refused at the end, and nothing is shared.
    let declared = confer_proto::UploadRequest {
        conversation,
        name: "lie".into(),
        size: 3,
        blake3: Some(confer_files::blake3_hex(b"abc")),
        mime: None,
    };
    let token = alice.token.clone().unwrap();
    let id = raw_start(&server, &token, &declared).await;
    let answer = raw(
        &server,
        &format!(
            "PATCH /v1/uploads/{id} HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer {token}\r\n\
             Upload-Offset: 0\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabd"
        ),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("\"checksum_mismatch\""), "{answer}");
    assert_eq!(list_files(&mut alice, conversation).await.len(), 2);

    // Declared without its hash: with every byte in, the upload waits for it; a malformed
    // hash is refused and the upload kept, a wrong one drops it.
    let undeclared = confer_proto::UploadRequest {
        name: "later".into(),
        blake3: None,
        ..declared
    };
    let id = raw_start(&server, &token, &undeclared).await;
    let patch = |headers: String, body: &'static str| {
        let (server, token, id) = (&server, &token, &id);
        async move {
            raw(
                server,
                &format!(
                    "PATCH /v1/uploads/{id} HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer {token}\r\n\
                     {headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                ),
            )
            .await
        }
    };
    let answer = patch("Upload-Offset: 0\r\n".into(), "abd").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"offset\":3"), "{answer}");
    assert!(
        !answer.contains("\"file\":{"),
        "not shared without its hash: {answer}"
    );
    let answer = patch("Upload-Offset: 3\r\nUpload-Blake3: zz\r\n".into(), "").await;
    assert!(answer.contains("\"bad_checksum\""), "{answer}");
    assert_eq!(raw_offset(&server, &token, &id).await, 3, "kept");
    let answer = patch(
        format!(
            "Upload-Offset: 3\r\nUpload-Blake3: {}\r\n",
            confer_files::blake3_hex(b"abc")
        ),
        "",
    )
    .await;
    assert!(answer.contains("\"checksum_mismatch\""), "{answer}");
    assert_eq!(list_files(&mut alice, conversation).await.len(), 2);

    // Without a hash but asking for the server's: shared with the last byte, named by what
    // arrived.
    let id = raw_start(&server, &token, &undeclared).await;
    let answer = raw(
        &server,
        &format!(
            "PATCH /v1/uploads/{id} HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer {token}\r\n\
             Upload-Offset: 0\r\nUpload-Server-Hash: ?1\r\nContent-Length: 3\r\n\
             Connection: close\r\n\r\nxyz"
        ),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"file\":{"), "shared at once: {answer}");
    assert_eq!(list_files(&mut alice, conversation).await.len(), 3);
    let mut got = Vec::new();
    files_of(&alice, &server)
        .download(&id, false, &mut got)
        .await
        .unwrap();
    assert_eq!(got, b"xyz");
}

#[tokio::test]
async fn guests_of_a_meeting_neither_list_nor_download_the_rooms_files() {
    let server = server_with_users().await;
    let dir = tempfile::tempdir().unwrap();
    let mut alice = login(&server, "alice").await;
    let mut carol = login(&server, "carol").await;
    let room = create_room(&mut alice, "Review").await;
    let path = random_file(dir.path(), "slides.bin", 5000, 3);
    let file = files_of(&alice, &server)
        .upload(room, &path, None, None)
        .await
        .unwrap()
        .file
        .unwrap();
    alice
        .request(Request::StartMeeting { conversation: room })
        .await
        .unwrap();
    let link = room_link(&mut alice, room).await;
    // An internal guest (signed in, not a member) is in the meeting, not in the room.
    carol
        .request(Request::JoinByLink {
            link: link.clone(),
            name: None,
        })
        .await
        .unwrap();
    let e = files_of(&carol, &server)
        .download(&file.id, false, &mut Vec::new())
        .await
        .unwrap_err();
    assert_eq!(refused(e), (ErrorCode::NotFound, Reason::NoSuchFile));
    // An external guest has no session: no list, and no token to download with.
    let mut guest = Client::connect(&server.ws_url()).await.unwrap();
    guest
        .request(Request::JoinByLink {
            link,
            name: Some("Zoe".into()),
        })
        .await
        .unwrap();
    let e = guest
        .refused(Request::ListFiles { conversation: room })
        .await
        .unwrap();
    assert_eq!(
        (e.code, e.reason),
        (ErrorCode::Unauthenticated, Reason::SignInFirst)
    );
    let answer = raw(
        &server,
        &format!(
            "GET /v1/files/{} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
            file.id
        ),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
}

/// A small PNG (an RGB gradient), made by hand: no image crate in the test.
/// PNG's chunk checksum (CRC-32, IEEE).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png(width: u32, height: u32) -> Vec<u8> {
    fn adler32(bytes: &[u8]) -> u32 {
        let (mut a, mut b) = (1u32, 0u32);
        for &x in bytes {
            a = (a + u32::from(x)) % 65521;
            b = (b + a) % 65521;
        }
        (b << 16) | a
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0); // no filter
        for x in 0..width {
            raw.extend_from_slice(&[(x % 256) as u8, (y % 256) as u8, 128]);
        }
    }
    // zlib with stored (uncompressed) blocks.
    let mut z = vec![0x78, 0x01];
    for (i, block) in raw.chunks(65535).enumerate() {
        let last = (i + 1) * 65535 >= raw.len();
        z.push(u8::from(last));
        z.extend_from_slice(&(block.len() as u16).to_le_bytes());
        z.extend_from_slice(&(!(block.len() as u16)).to_le_bytes());
        z.extend_from_slice(block);
    }
    z.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

#[tokio::test]
async fn an_image_gets_a_thumbnail_and_broken_ones_a_clear_reason() {
    let server = server_with_users().await;
    let dir = tempfile::tempdir().unwrap();
    let mut alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let conversation = open_direct(&mut alice, "bob").await;
    let client = files_of(&alice, &server);

    // Named as text, typed as text: the bytes say PNG.
    let path = dir.path().join("whiteboard.txt");
    std::fs::write(&path, png(640, 480)).unwrap();
    let state = client
        .upload(conversation, &path, Some("text/plain".into()), None)
        .await
        .unwrap();
    let file = state.file.unwrap();
    assert_eq!(state.thumbnail_error, None);
    assert_eq!(
        (file.mime.as_str(), file.thumbnail, file.dimensions),
        ("image/png", true, Some((640, 480)))
    );
    let mut thumb = Vec::new();
    files_of(&bob, &server)
        .download(&file.id, true, &mut thumb)
        .await
        .unwrap();
    assert_eq!(&thumb[..3], &[0xFF, 0xD8, 0xFF], "a JPEG thumbnail");

    // A hundred broken images: truncated PNGs, a declared 50,000 x 50,000 PNG, JPEG and GIF
    // headers with nothing after, text named .png. Each is shared without a thumbnail and
    // with a reason; the server stays up.
    let whole = png(64, 48);
    let mut huge = png(1, 1);
    huge[16..20].copy_from_slice(&50_000u32.to_be_bytes());
    huge[20..24].copy_from_slice(&50_000u32.to_be_bytes());
    let crc = crc32(&huge[12..29]);
    huge[29..33].copy_from_slice(&crc.to_be_bytes());
    let mut cases: Vec<(String, Vec<u8>)> = vec![("huge.png".into(), huge)];
    for i in 0..96usize {
        let cut = 9 + (i * (whole.len() - 20)) / 96;
        cases.push((format!("cut{i}.png"), whole[..cut].to_vec()));
    }
    cases.push(("empty.jpg".into(), vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16]));
    cases.push(("gif.gif".into(), b"GIF89a\x10\x00\x10\x00".to_vec()));
    cases.push(("text.png".into(), b"not an image at all".to_vec()));
    assert_eq!(cases.len(), 100);
    for (name, bytes) in cases {
        let path = dir.path().join(&name);
        std::fs::write(&path, &bytes).unwrap();
        let state = client
            .upload(conversation, &path, Some("image/png".into()), None)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let file = state.file.unwrap();
        assert!(!file.thumbnail, "{name}");
        let want = if name == "huge.png" {
            Reason::ImageTooLarge {
                width: 50_000,
                height: 50_000,
            }
        } else {
            Reason::ImageUnreadable
        };
        assert_eq!(state.thumbnail_error, Some(want), "{name}");
    }
    assert!(confer_testkit::healthy(server.addr).await);
}

#[tokio::test]
async fn a_preview_fetches_only_the_head_of_a_large_file() {
    let server = server_with_users().await;
    let dir = tempfile::tempdir().unwrap();
    let mut alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let conversation = open_direct(&mut alice, "bob").await;
    let path = random_file(dir.path(), "server.log", 3_000_000, 11);
    let original = std::fs::read(&path).unwrap();
    let file = files_of(&alice, &server)
        .upload(conversation, &path, Some("text/plain".into()), None)
        .await
        .unwrap()
        .file
        .unwrap();
    let head = files_of(&bob, &server)
        .download_head(&file.id, 256 * 1024)
        .await
        .unwrap();
    assert_eq!(head, original[..256 * 1024]);
    // Shorter than the limit: the whole file.
    let all = files_of(&bob, &server)
        .download_head(&file.id, 10_000_000)
        .await
        .unwrap();
    assert_eq!(all.len(), original.len());
    assert!(all == original);
}
