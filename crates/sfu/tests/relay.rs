//! Clients (Confer's own media peers) meeting through the SFU on loopback: each hears the
//! other in its room, and nobody outside it.

use std::{path::Path, time::Duration};

use anyhow::{Context, Result, ensure};
use confer_media::{
    AudioSink, SAMPLE_RATE,
    meter::goertzel,
    peer::{MediaIo, Peer, PeerOptions},
    synthetic::{NullSink, ToneSource, WavSink},
    wav::Wav,
};
use confer_sfu::{Error, Grant, GrantError, GrantKey, PeerId, RecordingManifest, Sfu};

/// How long the audio may take to flow.
const PATIENCE: Duration = Duration::from_secs(15);

/// The key the tests' grants are signed with (as the app's would be).
const SECRET: &[u8; 32] = b"the tests' grant key, 32 bytes.!";

async fn sfu() -> Result<(Sfu, tokio::task::JoinHandle<()>)> {
    Ok(Sfu::bind("127.0.0.1:0".parse()?, GrantKey::new(SECRET)?).await?)
}

/// A participant's grant, as the app mints it.
fn grant(room: &str, who: &str) -> Grant {
    Grant::participant(room, who, std::time::SystemTime::now())
}

fn signed(grant: &Grant) -> Result<String> {
    Ok(GrantKey::new(SECRET)?.sign(grant))
}

async fn client() -> Result<Peer> {
    client_with_slots(0).await
}

/// A client that offers `slots` audio lines to hear others on, beside its microphone's.
async fn client_with_slots(slots: usize) -> Result<Peer> {
    Ok(Peer::new(PeerOptions {
        bind: vec!["127.0.0.1:0".parse()?],
        audio_slots: slots,
        ..PeerOptions::default()
    })
    .await?)
}

/// A client that offered, got the SFU's answer, and is connected.
async fn join(sfu: &Sfu, room: &str) -> Result<(Peer, PeerId)> {
    join_as(sfu, &grant(room, "someone")).await
}

async fn join_as(sfu: &Sfu, grant: &Grant) -> Result<(Peer, PeerId)> {
    let peer = client().await?;
    let (id, answer) = sfu.join(&signed(grant)?, peer.offer().await?).await?;
    peer.accept(&answer).await?;
    peer.connected(Duration::from_secs(10)).await?;
    Ok((peer, id))
}

/// Starts a client saying a tone and playing what it hears into `sink`.
async fn speak(peer: &Peer, hz: f32, sink: Box<dyn AudioSink>) -> Result<()> {
    peer.start(MediaIo {
        source: Box::new(ToneSource::new(hz, 0.5)?),
        sink,
        camera: None,
        view: None,
    })
    .await?;
    Ok(())
}

/// The power at `want` and at `other` over the recording's second half (the first may start
/// before the other side is heard).
fn tones(path: &Path, want: f32, other: f32) -> Result<(f32, f32)> {
    let wav = Wav::read(path)?;
    ensure!(wav.sample_rate == SAMPLE_RATE, "{} Hz", wav.sample_rate);
    let tail = &wav.samples[wav.samples.len() / 2..];
    Ok((
        goertzel(tail, SAMPLE_RATE, want),
        goertzel(tail, SAMPLE_RATE, other),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_participant_hears_the_other() -> Result<()> {
    let (sfu, _task) = sfu().await?;
    let dir = tempfile::tempdir()?;
    let (a_rec, b_rec) = (dir.path().join("a.wav"), dir.path().join("b.wav"));
    let (a, a_id) = join(&sfu, "room").await?;
    let (b, b_id) = join(&sfu, "room").await?;
    speak(
        &a,
        440.0,
        Box::new(WavSink::create(a_rec.clone(), SAMPLE_RATE, 1)),
    )
    .await?;
    speak(
        &b,
        880.0,
        Box::new(WavSink::create(b_rec.clone(), SAMPLE_RATE, 1)),
    )
    .await?;

    // Until each has played a second of the other.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let (sa, sb) = (a.stats().await, b.stats().await);
        if sa.packets_received >= 50 && sb.packets_received >= 50 {
            break;
        }
        ensure!(
            tokio::time::Instant::now() < deadline,
            "A {sa:?}\nB {sb:?}\nSFU {:?}",
            sfu.stats().await?
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stats = sfu.stats().await?;
    for id in [a_id, b_id] {
        let peer = stats.peers.get(&id).context("a participant is missing")?;
        ensure!(peer.connected && peer.forwarded >= 50, "{stats:?}");
    }
    a.close().await?;
    b.close().await?;

    let (heard, own) = tones(&a_rec, 880.0, 440.0)?;
    ensure!(
        heard > 20.0 * own,
        "A hears 880 Hz: {heard} vs 440 Hz: {own}"
    );
    let (heard, own) = tones(&b_rec, 440.0, 880.0)?;
    ensure!(
        heard > 20.0 * own,
        "B hears 440 Hz: {heard} vs 880 Hz: {own}"
    );

    sfu.leave(a_id).await;
    sfu.leave(b_id).await;
    ensure!(sfu.stats().await?.peers.is_empty(), "both have left");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_room_hears_nothing() -> Result<()> {
    let (sfu, task) = sfu().await?;
    let (a, _) = join(&sfu, "room").await?;
    let (b, _) = join(&sfu, "room").await?;
    let (c, c_id) = join(&sfu, "elsewhere").await?;
    speak(&a, 440.0, Box::new(NullSink)).await?;
    speak(&b, 880.0, Box::new(NullSink)).await?;
    speak(&c, 660.0, Box::new(NullSink)).await?;

    // Until the room talks and the SFU has had plenty of C's audio to misdirect.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let stats = sfu.stats().await?;
        let from_c = stats.peers.get(&c_id).map_or(0, |p| p.received);
        if b.stats().await.packets_received >= 50 && from_c >= 50 {
            break;
        }
        ensure!(tokio::time::Instant::now() < deadline, "{stats:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stats = sfu.stats().await?;
    let to_c = stats.peers.get(&c_id).context("C is missing")?.forwarded;
    ensure!(to_c == 0, "the SFU sent C {to_c} packets: {stats:?}");
    let heard = c.stats().await.packets_received;
    ensure!(heard == 0, "C heard {heard} packets");

    for peer in [a, b, c] {
        peer.close().await?;
    }
    // Dropping the last handle ends the task.
    drop(sfu);
    tokio::time::timeout(Duration::from_secs(5), task).await??;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_valid_grant_joins() -> Result<()> {
    let (sfu, _task) = sfu().await?;
    let peer = client().await?;
    let offer = peer.offer().await?;
    let now = std::time::SystemTime::now();
    let mut expired = Grant::participant("room", "late", now - 2 * confer_sfu::GRANT_LIFETIME);
    let forged = GrantKey::new(&[9; 32])?.sign(&grant("room", "mallory"));
    let mut cases = vec![
        (forged, GrantError::BadSignature),
        ("not a grant".to_owned(), GrantError::Malformed),
        (signed(&expired)?, GrantError::Expired),
    ];
    // Altered after signing: moved to another room.
    let token = signed(&grant("room", "eve"))?;
    let (_, tag) = token.split_once('.').context("a token")?;
    expired.room = "other".into();
    let moved = signed(&expired)?;
    let (body, _) = moved.split_once('.').context("a token")?;
    cases.push((format!("{body}.{tag}"), GrantError::BadSignature));
    for (token, want) in cases {
        match sfu.join(&token, offer.clone()).await {
            Err(Error::Grant(got)) => ensure!(got == want, "{got:?} for {want:?}"),
            other => anyhow::bail!("{want:?} expected, got {other:?}"),
        }
    }
    ensure!(sfu.stats().await?.peers.is_empty(), "nobody joined");
    let (_, id) = join_as(&sfu, &grant("room", "alice")).await?;
    let stats = sfu.stats().await?;
    let joined = stats.peers.get(&id).context("alice joined")?;
    ensure!(
        (joined.room.as_str(), joined.identity.as_str()) == ("room", "alice"),
        "{joined:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_grant_decides_who_is_heard_and_who_hears() -> Result<()> {
    let (sfu, _task) = sfu().await?;
    // A speaks; L (a listener: may not publish) speaks too but is not relayed; D (deaf to
    // the room: may not subscribe) receives nothing.
    let mut listener = grant("room", "listener");
    listener.publish_audio = false;
    let mut deaf = grant("room", "deaf");
    deaf.subscribe = false;
    let dir = tempfile::tempdir()?;
    let a_rec = dir.path().join("a.wav");
    let (a, a_id) = join_as(&sfu, &grant("room", "a")).await?;
    let (l, l_id) = join_as(&sfu, &listener).await?;
    let (d, d_id) = join_as(&sfu, &deaf).await?;
    speak(
        &a,
        440.0,
        Box::new(WavSink::create(a_rec.clone(), SAMPLE_RATE, 1)),
    )
    .await?;
    speak(&l, 880.0, Box::new(NullSink)).await?;
    speak(&d, 660.0, Box::new(NullSink)).await?;

    // Until L hears A and the SFU has had plenty of L's and D's audio to misdirect.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let stats = sfu.stats().await?;
        let got = |id: &PeerId| stats.peers.get(id).map_or(0, |p| p.received);
        if l.stats().await.packets_received >= 50 && got(&l_id) >= 50 && got(&d_id) >= 50 {
            break;
        }
        ensure!(tokio::time::Instant::now() < deadline, "{stats:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stats = sfu.stats().await?;
    let forwarded = |id: &PeerId| stats.peers.get(id).map_or(u64::MAX, |p| p.forwarded);
    // A hears D (who may publish) and not L; D hears nobody.
    ensure!(forwarded(&d_id) == 0, "D may not subscribe: {stats:?}");
    ensure!(forwarded(&a_id) >= 50, "A hears D: {stats:?}");
    ensure!(d.stats().await.packets_received == 0, "D receives nothing");
    a.close().await?;
    l.close().await?;
    d.close().await?;
    let (heard, listener) = tones(&a_rec, 660.0, 880.0)?;
    ensure!(
        heard > 20.0 * listener,
        "A hears D's 660 Hz ({heard}), not L's 880 Hz ({listener})"
    );
    Ok(())
}

/// Polls the SFU's figures until `done` holds (bounded by [`PATIENCE`]).
async fn until_stats(
    sfu: &Sfu,
    what: &str,
    done: impl Fn(&confer_sfu::Stats) -> bool,
) -> Result<confer_sfu::Stats> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let stats = sfu.stats().await?;
        if done(&stats) {
            return Ok(stats);
        }
        ensure!(tokio::time::Instant::now() < deadline, "{what}: {stats:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn relayed(stats: &confer_sfu::Stats, id: PeerId) -> u64 {
    stats.peers.get(&id).map_or(0, |p| p.relayed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mute_for_all_silences_everyone_but_the_moderators_until_lifted() -> Result<()> {
    let (sfu, _task) = sfu().await?;
    let mut moderator = grant("room", "mod");
    moderator.moderate = true;
    let (m, m_id) = join_as(&sfu, &moderator).await?;
    let (b, b_id) = join_as(&sfu, &grant("room", "b")).await?;
    let (c, c_id) = join_as(&sfu, &grant("room", "c")).await?;
    for (peer, hz) in [(&m, 440.0), (&b, 660.0), (&c, 880.0)] {
        speak(peer, hz, Box::new(NullSink)).await?;
    }
    until_stats(&sfu, "everyone heard", |s| {
        [m_id, b_id, c_id]
            .iter()
            .all(|id| s.peers[id].forwarded >= 50)
    })
    .await?;

    sfu.mute_all("room", true).await?;
    // Commands and relaying take turns on one task: what is counted now is final for B and C.
    let muted = sfu.stats().await?;
    ensure!(
        (
            muted.peers[&m_id].muted,
            muted.peers[&b_id].muted,
            muted.peers[&c_id].muted
        ) == (false, true, true),
        "{muted:?}"
    );
    // The moderator goes on being heard (by both, now that B's and C's tracks are free)...
    let later = until_stats(&sfu, "the moderator heard", |s| {
        relayed(s, m_id) >= relayed(&muted, m_id) + 100
    })
    .await?;
    // ...and not one more packet of B's or C's went anywhere.
    for id in [b_id, c_id] {
        ensure!(
            relayed(&later, id) == relayed(&muted, id),
            "{id:?} still relayed: {muted:?} then {later:?}"
        );
    }
    // A participant joining now is muted too.
    let (d, d_id) = join_as(&sfu, &grant("room", "d")).await?;
    ensure!(
        sfu.stats().await?.peers[&d_id].muted,
        "a late joiner is muted"
    );

    // Lifted: unmuted, and heard again (each subscriber has one track so far, which the
    // moderator may keep: B's or C's audio, or both, take the free ones).
    sfu.mute_all("room", false).await?;
    let lifted = until_stats(&sfu, "B or C heard again", |s| {
        relayed(s, b_id) + relayed(s, c_id) > relayed(&later, b_id) + relayed(&later, c_id)
    })
    .await?;
    ensure!(
        [b_id, c_id, d_id].iter().all(|id| !lifted.peers[id].muted),
        "{lifted:?}"
    );
    for peer in [m, b, c, d] {
        peer.close().await?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_muted_participant_is_not_relayed_and_a_removed_one_is_cut_off() -> Result<()> {
    let (sfu, _task) = sfu().await?;
    let (a, a_id) = join_as(&sfu, &grant("room", "a")).await?;
    let b_grant = grant("room", "b");
    let (b, b_id) = join_as(&sfu, &b_grant).await?;
    speak(&a, 440.0, Box::new(NullSink)).await?;
    speak(&b, 880.0, Box::new(NullSink)).await?;
    until_stats(&sfu, "both heard", |s| {
        relayed(s, a_id) >= 50 && relayed(s, b_id) >= 50
    })
    .await?;

    ensure!(sfu.mute("room", "b", true).await? == 1, "one connection");
    ensure!(sfu.mute("room", "nobody", true).await? == 0, "nobody");
    let muted = sfu.stats().await?;
    let later = until_stats(&sfu, "A heard", |s| {
        relayed(s, a_id) >= relayed(&muted, a_id) + 50
    })
    .await?;
    ensure!(
        relayed(&later, b_id) == relayed(&muted, b_id),
        "B muted: {later:?}"
    );
    sfu.mute("room", "b", false).await?;
    until_stats(&sfu, "B heard again", |s| {
        relayed(s, b_id) > relayed(&later, b_id)
    })
    .await?;

    // Removed: the connection is gone at once, and its grant no longer opens the door.
    ensure!(sfu.remove("room", "b").await? == 1, "one connection closed");
    let stats = sfu.stats().await?;
    ensure!(
        !stats.peers.contains_key(&b_id) && stats.peers.contains_key(&a_id),
        "{stats:?}"
    );
    let again = client().await?;
    match sfu.join(&signed(&b_grant)?, again.offer().await?).await {
        Err(Error::Grant(GrantError::Revoked)) => {}
        other => anyhow::bail!("the old grant should be revoked: {other:?}"),
    }
    // A grant minted after the removal (a moderator let them back) is good: here one
    // millisecond after it at least, since both readings may fall in the same millisecond.
    let mut fresh = grant("room", "b");
    fresh.issued_ms += 1;
    let (back, _) = join_as(&sfu, &fresh).await?;
    for peer in [a, b, back] {
        peer.close().await?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_slot_for_each_other_everyone_hears_everyone_else() -> Result<()> {
    let (sfu, _task) = sfu().await?;
    let dir = tempfile::tempdir()?;
    // Frequencies no sum or difference of two others lands on.
    let people = [
        ("ann", 410.0),
        ("ben", 630.0),
        ("cat", 870.0),
        ("dan", 1130.0),
    ];
    let mut joined = Vec::new();
    for (who, hz) in people {
        let peer = client_with_slots(people.len() - 2).await?;
        let (id, answer) = sfu
            .join(&signed(&grant("room", who))?, peer.offer().await?)
            .await?;
        peer.accept(&answer).await?;
        peer.connected(Duration::from_secs(10)).await?;
        let recording = dir.path().join(format!("{who}.wav"));
        peer.start(MediaIo {
            // Quiet enough that three at once do not clip.
            source: Box::new(ToneSource::new(hz, 0.25)?),
            sink: Box::new(WavSink::create(recording.clone(), SAMPLE_RATE, 1)),
            camera: None,
            view: None,
        })
        .await?;
        joined.push((who, hz, peer, id, recording));
    }
    // Until every line of every participant carries someone, and a few seconds of it.
    let full = until_stats(&sfu, "every line taken", |stats| {
        stats.peers.len() == people.len()
            && stats.peers.values().all(|p| {
                p.hearing.len() == people.len() - 1 && p.hearing.iter().all(Option::is_some)
            })
    })
    .await?;
    for (who, _, _, id, _) in &joined {
        let mut heard: Vec<String> = full.peers[id].hearing.iter().flatten().cloned().collect();
        heard.sort();
        let others: Vec<String> = people
            .iter()
            .map(|p| p.0.to_owned())
            .filter(|p| p != who)
            .collect();
        ensure!(heard == others, "{who} hears {heard:?}");
    }
    let start = sfu.stats().await?;
    until_stats(&sfu, "three seconds of everyone", |stats| {
        joined.iter().all(|(_, _, _, id, _)| {
            stats.peers[id].forwarded >= start.peers[id].forwarded + 3 * 150
        })
    })
    .await?;
    for (_, _, peer, _, _) in &joined {
        peer.close().await?;
    }
    for (who, hz, _, _, recording) in &joined {
        let wav = Wav::read(recording)?;
        let tail = &wav.samples[wav.samples.len() / 2..];
        let own = goertzel(tail, SAMPLE_RATE, *hz);
        for (other, other_hz) in people.iter().filter(|p| p.0 != *who) {
            let heard = goertzel(tail, SAMPLE_RATE, *other_hz);
            ensure!(
                heard > 20.0 * own,
                "{who} hears {other} ({other_hz} Hz) at {heard}, itself ({hz} Hz) at {own}"
            );
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_comer_whose_lines_all_fill_before_its_media_starts_hears_everyone() -> Result<()> {
    let (sfu, _task) = sfu().await?;
    // Seven speak already (each with a source, so that the late comer's client knows them).
    let mut speakers = Vec::new();
    for n in 0..7u32 {
        let g = Grant {
            source: 100 + n,
            ..grant("room", &format!("p{n}"))
        };
        let (peer, _) = join_as(&sfu, &g).await?;
        speak(&peer, 300.0 + 100.0 * n as f32, Box::new(NullSink)).await?;
        speakers.push(peer);
    }
    // Zoe offers a line for each of them, connects, and starts her media only once the SFU
    // has given all seven lines away: every track reaches her client before anything drains
    // them, as on a busy machine.
    let zoe = client_with_slots(6).await?;
    let (id, answer) = sfu
        .join(&signed(&grant("room", "zoe"))?, zoe.offer().await?)
        .await?;
    zoe.accept(&answer).await?;
    zoe.connected(Duration::from_secs(10)).await?;
    until_stats(&sfu, "zoe's seven lines taken", |stats| {
        stats.peers[&id].hearing.iter().all(Option::is_some)
    })
    .await?;
    speak(&zoe, 1500.0, Box::new(NullSink)).await?;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let heard = zoe.stats().await.sources;
        let sources: Vec<u32> = heard
            .iter()
            .filter(|s| s.audio_packets >= 50)
            .map(|s| s.source)
            .collect();
        if sources.len() == 7 {
            break;
        }
        ensure!(
            tokio::time::Instant::now() < deadline,
            "zoe hears only {sources:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    zoe.close().await?;
    for peer in speakers {
        peer.close().await?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everyone_sees_everyone_else_and_knows_whose_media_each_line_carries() -> Result<()> {
    use confer_media::synthetic::PatternCamera;
    let (sfu, _task) = sfu().await?;
    // Ann, Ben and Cat send pictures; Dee's grant does not let hers out. Each one's media
    // carries its grant's source (the app derives it from the identity; any number will do).
    let people = [
        ("ann", 11, true),
        ("ben", 22, true),
        ("cat", 33, true),
        ("dee", 44, false),
    ];
    let mut joined = Vec::new();
    for (who, source, video) in people {
        let peer = Peer::new(PeerOptions {
            bind: vec!["127.0.0.1:0".parse()?],
            audio_slots: people.len() - 2,
            video: true,
            video_slots: people.len() - 2,
            ..PeerOptions::default()
        })
        .await?;
        let g = Grant {
            source,
            publish_video: video,
            ..grant("room", who)
        };
        let (id, answer) = sfu.join(&signed(&g)?, peer.offer().await?).await?;
        peer.accept(&answer).await?;
        peer.connected(Duration::from_secs(10)).await?;
        peer.start(MediaIo {
            source: Box::new(ToneSource::new(
                300.0 + f32::from(source as u8) * 10.0,
                0.3,
            )?),
            sink: Box::new(NullSink),
            camera: Some(Box::new(PatternCamera::new(160, 96, 15)?)),
            view: None,
        })
        .await?;
        joined.push((who, source, peer, id));
    }
    // Until each has decoded pictures of every other sender and heard every other, by source.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let mut missing = Vec::new();
        for (who, own, peer, _) in &joined {
            let stats = peer.stats().await;
            for (other, source, video) in people.iter().filter(|p| p.0 != *who) {
                let got = stats.sources.iter().find(|s| s.source == *source);
                let heard = got.is_some_and(|s| s.audio_packets >= 50);
                let seen = got.is_some_and(|s| s.video_frames >= 10);
                if !heard || (*video && !seen) {
                    missing.push(format!("{who} of {other}: {got:?}"));
                }
            }
            // Nobody gets its own media back, nor pictures the grant kept in.
            for s in &stats.sources {
                ensure!(s.source != *own, "{who} got its own media: {s:?}");
                ensure!(
                    s.source != 44 || s.video_frames == 0,
                    "{who} saw Dee: {s:?}"
                );
            }
        }
        if missing.is_empty() {
            break;
        }
        ensure!(
            tokio::time::Instant::now() < deadline,
            "still missing: {missing:#?}\nSFU {:?}",
            sfu.stats().await?
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let stats = sfu.stats().await?;
    for (who, _, _, id) in &joined {
        let mut seen: Vec<&str> = stats.peers[id]
            .seeing
            .iter()
            .flatten()
            .map(String::as_str)
            .collect();
        seen.sort();
        let senders: Vec<&str> = people
            .iter()
            .filter(|p| p.2 && p.0 != *who)
            .map(|p| p.0)
            .collect();
        ensure!(seen == senders, "{who} sees {seen:?}");
        // Its client reports on the pictures it gets (which would step its lines down to a
        // narrower layer were they lossy; on loopback they are not).
        let peer = &stats.peers[id];
        ensure!(
            peer.video_reports >= 1 && peer.steps_down == 0,
            "{who}'s reports: {peer:?}"
        );
        // Each sender whose pictures a line came to carry was asked for a keyframe (browsers
        // send one only when asked); Dee's pictures go nowhere, so she never is.
        let sends = people.iter().any(|p| p.0 == *who && p.2);
        let asked = stats.peers[id].keyframes_asked;
        ensure!(
            (asked >= 1) == sends,
            "{who} was asked for {asked} keyframes"
        );
    }
    // And each sender's client heard the requests (its encoder answers with a keyframe).
    for (who, _, peer, _) in &joined {
        let sends = people.iter().any(|p| p.0 == *who && p.2);
        let requested = peer.stats().await.keyframes_requested;
        ensure!(
            (requested >= 1) == sends,
            "{who}'s client heard {requested} keyframe requests"
        );
    }
    for (_, _, peer, _) in joined {
        peer.close().await?;
    }
    Ok(())
}

/// The packets of an Ogg file, page by page (each of the recorder's pages holds one), after its
/// two header pages; with the last page's granule position.
fn ogg_packets(path: &Path) -> Result<(Vec<Vec<u8>>, u64)> {
    let bytes = std::fs::read(path)?;
    let (mut at, mut packets, mut granule) = (0, Vec::new(), 0);
    while at < bytes.len() {
        ensure!(&bytes[at..at + 4] == b"OggS", "no page at {at}");
        granule = u64::from_le_bytes(bytes[at + 6..at + 14].try_into()?);
        let segments = usize::from(bytes[at + 26]);
        let len: usize = bytes[at + 27..at + 27 + segments]
            .iter()
            .map(|&b| usize::from(b))
            .sum();
        let start = at + 27 + segments;
        packets.push(bytes[start..start + len].to_vec());
        at = start + len;
    }
    ensure!(packets.len() >= 2 && packets[0].starts_with(b"OpusHead"));
    ensure!(packets[1].starts_with(b"OpusTags"));
    Ok((packets.split_off(2), granule))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_writes_each_track_as_it_was_heard_or_seen_for_as_long_as_it_ran() -> Result<()>
{
    use confer_media::{audio::OpusDecoder, synthetic::PatternCamera};
    let (sfu, _task) = sfu().await?;
    let dir = tempfile::tempdir()?;
    // Ann speaks with her camera on, Ben speaks, Cat speaks but a moderator muted her: what
    // nobody heard is not recorded either.
    let people = [
        ("ann", 440.0, true),
        ("ben", 660.0, false),
        ("cat", 880.0, false),
    ];
    let mut joined = Vec::new();
    for (n, (who, hz, camera)) in people.into_iter().enumerate() {
        let peer = Peer::new(PeerOptions {
            bind: vec!["127.0.0.1:0".parse()?],
            audio_slots: 2,
            video: camera,
            ..PeerOptions::default()
        })
        .await?;
        let g = Grant {
            source: 100 + n as u32,
            ..grant("room", who)
        };
        let (id, answer) = sfu.join(&signed(&g)?, peer.offer().await?).await?;
        peer.accept(&answer).await?;
        peer.connected(Duration::from_secs(10)).await?;
        peer.start(MediaIo {
            source: Box::new(ToneSource::new(hz, 0.5)?),
            sink: Box::new(NullSink),
            camera: if camera {
                Some(Box::new(PatternCamera::new(160, 96, 15)?))
            } else {
                None
            },
            view: None,
        })
        .await?;
        joined.push((peer, id));
    }
    sfu.mute("room", "cat", true).await?;
    let ben = joined[1].1;
    until_stats(&sfu, "everyone sending", |s| {
        joined.iter().all(|(_, id)| s.peers[id].received > 20)
    })
    .await?;
    ensure!(
        sfu.stop_recording("room").await?.is_none(),
        "nothing to stop yet"
    );
    let into = dir.path().join("rec");
    sfu.start_recording("room", into.clone()).await?;
    let twice = sfu.start_recording("room", dir.path().join("again")).await;
    ensure!(matches!(twice, Err(Error::Recording(_))), "{twice:?}");
    // Five seconds of Ben's packets (20 ms each) go by, long enough for Ann's camera to send
    // a keyframe (this client sends one every 3 s).
    let from = sfu.stats().await?.peers[&ben].received;
    until_stats(&sfu, "five seconds", |s| {
        s.peers[&ben].received >= from + 250
    })
    .await?;
    let manifest = sfu.stop_recording("room").await?.context("the recording")?;
    let tracks: Vec<(&str, &str)> = manifest
        .tracks
        .iter()
        .map(|t| (t.identity.as_str(), t.kind.as_str()))
        .collect();
    let mut sorted = tracks.clone();
    sorted.sort();
    ensure!(
        sorted == [("ann", "audio"), ("ann", "video"), ("ben", "audio")],
        "tracks {tracks:?}"
    );
    ensure!(
        (4_800..7_000).contains(&manifest.duration_ms),
        "ran {} ms",
        manifest.duration_ms
    );
    let on_disk: Vec<String> = std::fs::read_dir(&into)?
        .map(|e| Ok(e?.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_>>()?;
    for track in &manifest.tracks {
        ensure!(
            on_disk.contains(&track.file),
            "{} missing: {on_disk:?}",
            track.file
        );
        ensure!(track.source == if track.identity == "ann" { 100 } else { 101 });
        let path = into.join(&track.file);
        if track.kind == "audio" {
            // It plays as long as the recording ran (from its first packet), and holds its
            // publisher's tone.
            let (packets, granule) = ogg_packets(&path)?;
            let played = granule * 1000 / 48_000;
            ensure!(played == track.duration_ms, "{played} ms against {track:?}");
            let expected = manifest.duration_ms - track.start_ms;
            ensure!(
                played + 300 >= expected && played <= expected + 300,
                "{} played {played} ms of {expected}",
                track.identity
            );
            let mut decoder = OpusDecoder::new()?;
            let mut samples = Vec::new();
            for p in &packets {
                samples.extend(decoder.decode(p)?);
            }
            ensure!(
                samples.len() as u64 * 1000 / 48_000 + 30 >= played,
                "decoded {}",
                samples.len()
            );
            let tail = &samples[samples.len() / 2..];
            let own = if track.identity == "ann" {
                440.0
            } else {
                660.0
            };
            let other = if track.identity == "ann" {
                660.0
            } else {
                440.0
            };
            let (want, not) = (
                goertzel(tail, SAMPLE_RATE, own),
                goertzel(tail, SAMPLE_RATE, other),
            );
            ensure!(
                want > 10.0 * not,
                "{}: {want} against {not}",
                track.identity
            );
        } else {
            // A WebM file from a keyframe on, at 15 frames a second.
            let bytes = std::fs::read(&path)?;
            ensure!(bytes.starts_with(&[0x1a, 0x45, 0xdf, 0xa3]), "not EBML");
            ensure!(bytes.windows(5).any(|w| w == b"V_VP8"), "no VP8 track");
            ensure!(track.units >= 15, "{} frames", track.units);
            let expected = manifest.duration_ms - track.start_ms;
            ensure!(
                track.duration_ms + 500 >= expected && track.duration_ms <= expected + 500,
                "video lasts {} ms of {expected}",
                track.duration_ms
            );
        }
    }
    let written: RecordingManifest =
        serde_json::from_slice(&std::fs::read(into.join(confer_sfu::record::MANIFEST))?)?;
    ensure!(written == manifest);
    // Another recording of the same room can start afterwards, into a new directory.
    sfu.start_recording("room", dir.path().join("second"))
        .await?;
    ensure!(sfu.stop_recording("room").await?.is_some());
    for (peer, _) in joined {
        peer.close().await?;
    }
    Ok(())
}

/// A client offering one line of each kind (its own), connected as `who` with `source`.
async fn join_with(sfu: &Sfu, who: &str, source: u32) -> Result<(Peer, PeerId)> {
    let peer = Peer::new(PeerOptions {
        bind: vec!["127.0.0.1:0".parse()?],
        video: true,
        ..PeerOptions::default()
    })
    .await?;
    let g = Grant {
        source,
        ..grant("room", who)
    };
    let (id, answer) = sfu.join(&signed(&g)?, peer.offer().await?).await?;
    peer.accept(&answer).await?;
    peer.connected(Duration::from_secs(10)).await?;
    Ok((peer, id))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_the_lines_a_client_offered_whoever_speaks_is_heard_and_seen() -> Result<()> {
    use confer_media::synthetic::PatternCamera;
    let (sfu, _task) = sfu().await?;
    // Sam offers one line of each kind (beside sending nothing himself): room for one other.
    // Ben comes first, silent, his camera on, and takes both lines.
    let (sam, sam_id) = join_with(&sfu, "sam", 1).await?;
    sam.start(MediaIo {
        source: Box::new(ToneSource::new(440.0, 0.0)?),
        sink: Box::new(NullSink),
        camera: None,
        view: None,
    })
    .await?;
    let (ben, _) = join_with(&sfu, "ben", 2).await?;
    ben.start(MediaIo {
        source: Box::new(ToneSource::new(550.0, 0.0)?),
        sink: Box::new(NullSink),
        camera: Some(Box::new(PatternCamera::new(160, 96, 15)?)),
        view: None,
    })
    .await?;
    let lines_of = |stats: &confer_sfu::Stats| {
        let p = &stats.peers[&sam_id];
        (p.hearing.clone(), p.seeing.clone())
    };
    let ben_only = (vec![Some("ben".to_owned())], vec![Some("ben".to_owned())]);
    until_stats(&sfu, "ben on both of sam's lines", |s| {
        lines_of(s) == ben_only
    })
    .await?;
    // Ann comes in speaking, camera on: she takes both lines from silent Ben.
    let (ann, _) = join_with(&sfu, "ann", 3).await?;
    ann.start(MediaIo {
        source: Box::new(ToneSource::new(660.0, 0.3)?),
        sink: Box::new(NullSink),
        camera: Some(Box::new(PatternCamera::new(160, 96, 15)?)),
        view: None,
    })
    .await?;
    let ann_only = (vec![Some("ann".to_owned())], vec![Some("ann".to_owned())]);
    until_stats(&sfu, "ann, who speaks, on both of sam's lines", |s| {
        lines_of(s) == ann_only
    })
    .await?;
    // Sam hears and sees her.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let stats = sam.stats().await;
        let anns = stats.sources.iter().find(|s| s.source == 3);
        if anns.is_some_and(|s| s.audio_packets >= 50 && s.video_frames >= 10) {
            break;
        }
        ensure!(
            tokio::time::Instant::now() < deadline,
            "sam of ann: {anns:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Silent, Ben does not take them back.
    ensure!(lines_of(&sfu.stats().await?) == ann_only);
    for peer in [sam, ben, ann] {
        peer.close().await?;
    }
    Ok(())
}
