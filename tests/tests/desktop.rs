//! The real desktop app, driven through WebDriver under Xvfb, against a real server, with
//! `confer-cli` playing the other users and a notification server on the session bus.

use std::{
    io::{BufRead, BufReader},
    sync::Mutex,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail, ensure};
use confer_e2e::{Desktop, PASSWORD, Session, UI_WAIT, keys, save_screenshot};
use confer_proto::{Request, Response};
use serde_json::Value;

/// One app at a time: each test owns a display, a bus and a WebDriver, and the machine is small.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

fn row(peer: &str) -> String {
    format!("[data-testid=conversation][data-peer={peer}]")
}

/// The text of the first element matching `css`, or `None` when there is none.
fn text_of(s: &Session, css: &str) -> Result<Option<String>> {
    Ok(match s.find_all(css)?.first() {
        Some(e) => Some(e.text()?.trim().to_owned()),
        None => None,
    })
}

/// Waits until the text of `css` is `want` (`None`: no such element).
fn wait_text(s: &Session, css: &str, want: Option<&str>) -> Result<()> {
    s.until(&format!("{css} to read {want:?}"), UI_WAIT, |s| {
        Ok((text_of(s, css)?.as_deref() == want).then_some(()))
    })
}

/// The user's own messages, oldest first, as (text, tick state).
fn own_messages(s: &Session) -> Result<Vec<(String, String)>> {
    let v = s.execute(
        r#"return [...document.querySelectorAll('[data-testid=message][data-mine=true]')]
             .map(m => [m.querySelector('[data-testid=message-text]').textContent,
                        m.dataset.state]);"#,
        vec![],
    )?;
    Ok(v.as_array()
        .context("array")?
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap_or_default().to_owned(),
                p[1].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect())
}

fn wait_state(s: &Session, text: &str, state: &str) -> Result<()> {
    s.until(&format!("{text:?} to show {state}"), UI_WAIT, |s| {
        Ok(own_messages(s)?
            .iter()
            .any(|(t, st)| t == text && st == state)
            .then_some(()))
    })
}

fn wait_title(d: &confer_e2e::x11::Display, win: u32, want: &str) -> Result<()> {
    let deadline = Instant::now() + UI_WAIT;
    loop {
        let title = d.title(win)?;
        if title == want {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("window title is {title:?}, expected {want:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn chat_ticks_unread_counts_notifications_title_and_attention() -> Result<()> {
    let _one = serial();
    let mut desk = Desktop::start(&["alice", "bob", "carol", "dave"])?;
    // Conversations exist before the app starts.
    desk.cli("dave", &["send", "alice", "Welcome to the team, Alice!"])?;
    desk.cli("alice", &["send", "dave", "Thanks Dave!"])?;
    desk.cli("alice", &["read", "dave"])?;
    desk.cli("carol", &["send", "alice", "Lunch at 12:30?"])?;
    desk.cli(
        "bob",
        &["send", "alice", "Morning! Did the release go out?"],
    )?;
    let s = desk.launch("alice")?;
    let d = desk.display()?;
    let win = d.find_window("confer", UI_WAIT)?;
    d.focus(win)?;

    eprintln!("step: Signed in from the command line");
    // Signed in from the command line: the list shows who wrote, newest first, with counts.
    wait_text(
        &s,
        &format!("{} [data-testid=unread]", row("bob")),
        Some("1"),
    )?;
    wait_text(
        &s,
        &format!("{} [data-testid=unread]", row("carol")),
        Some("1"),
    )?;
    wait_text(&s, "[data-tab=chats] [data-testid=tab-unread]", Some("2"))?;
    let order = s.execute(
        "return [...document.querySelectorAll('[data-testid=conversation]')].map(r => r.dataset.peer);",
        vec![],
    )?;
    assert_eq!(order, serde_json::json!(["bob", "carol", "dave"]));
    wait_title(&d, win, "(2) Confer")?;

    eprintln!("step: Opening the chat in a focused window");
    // Opening the chat in a focused window reads it.
    s.wait_for(&row("bob"), UI_WAIT)?.click()?;
    wait_text(&s, &format!("{} [data-testid=unread]", row("bob")), None)?;
    wait_text(&s, "[data-tab=chats] [data-testid=tab-unread]", Some("1"))?;
    wait_title(&d, win, "(1) Confer")?;

    eprintln!("step: Shift+Enter is a newline");
    // Shift+Enter is a newline, Enter sends.
    let composer = s.wait_for("textarea[aria-label=Message]", UI_WAIT)?;
    // One key sequence per call: WebKitWebDriver does not release Shift on the null key.
    composer.send_keys("Yes, shipped at 9.")?;
    composer.send_keys(&format!("{}{}", keys::SHIFT, keys::ENTER))?;
    composer.send_keys("Notes are in the wiki.")?;
    composer.send_keys(keys::ENTER)?;
    let sent = "Yes, shipped at 9.\nNotes are in the wiki.";
    s.until("the sent message", UI_WAIT, |s| {
        Ok(own_messages(s)?
            .iter()
            .any(|(t, _)| t == sent)
            .then_some(()))
    })?;
    let composer_left = s.execute(
        "return document.querySelector('textarea[aria-label=Message]').value;",
        vec![],
    )?;
    assert_eq!(composer_left, Value::from(""), "Enter sent and cleared");
    wait_state(&s, sent, "sent")?;

    eprintln!("step: Bob's client fetches it");
    // Bob's client fetches it (delivered: 2 grey), then reads it (2 blue), both live.
    let history = desk.cli("bob", &["history", "alice", "--json"])?;
    let last: Value = serde_json::from_str(history.lines().last().context("history")?)?;
    assert_eq!(last["text"], Value::from(sent), "the newline reached Bob");
    wait_state(&s, sent, "delivered")?;
    save_screenshot(&d, win, "ticks-delivered")?;
    desk.cli("bob", &["read", "alice"])?;
    wait_state(&s, sent, "read")?;
    // The pair's own meeting link in the right column: the one the server gives Bob too.
    let conversation = s
        .wait_for(&row("bob"), UI_WAIT)?
        .attr("data-conversation-id")?
        .context("conversation id")?;
    let bobs: Value = serde_json::from_str(
        desk.cli("bob", &["room", "link", &conversation, "--json"])?
            .trim(),
    )?;
    let want = format!("confer://join/{}", bobs["link"].as_str().context("link")?);
    s.until("the meeting link", UI_WAIT, |s| {
        Ok(
            (text_of(s, "[data-testid=direct-link]")?.as_deref() == Some(want.as_str()))
                .then_some(()),
        )
    })?;
    save_screenshot(&d, win, "three-columns")?;
    eprintln!("step: status menu");
    s.wait_for("[aria-label=Status]", UI_WAIT)?.click()?;
    s.wait_for("[role=menu] [data-status=dnd]", UI_WAIT)?;
    save_screenshot(&d, win, "status-menu")?;
    s.wait_for("[aria-label=Status]", UI_WAIT)?.click()?;
    s.until("the status menu to close", UI_WAIT, |s| {
        Ok(s.find_all("[role=menu]")?.is_empty().then_some(()))
    })?;

    eprintln!("step: Unfocused: a new message");
    // Unfocused: a new message notifies, counts as unread even in the open chat, blinks the
    // title and asks for attention.
    d.unfocus()?;
    s.until("the window to lose focus", UI_WAIT, |s| {
        Ok((s.execute("return document.hasFocus();", vec![])? == Value::Bool(false)).then_some(()))
    })?;
    desk.cli("bob", &["send", "alice", "Can you review PR 42 today?"])?;
    let shown =
        desk.notifications
            .wait_for("Bob Carter", "Can you review PR 42 today?", UI_WAIT)?;
    assert_eq!(shown.app, "Confer");
    assert!(
        shown.actions.iter().any(|a| a == "default"),
        "clickable: {shown:?}"
    );
    wait_text(
        &s,
        &format!("{} [data-testid=unread]", row("bob")),
        Some("1"),
    )?;
    wait_text(&s, "[data-tab=chats] [data-testid=tab-unread]", Some("2"))?;
    let mut titles = std::collections::BTreeSet::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while titles.len() < 2 && Instant::now() < deadline {
        titles.insert(d.title(win)?);
        std::thread::sleep(Duration::from_millis(150));
    }
    assert_eq!(
        titles.into_iter().collect::<Vec<_>>(),
        ["(2) Confer", "Unread messages"],
        "the title alternates while unfocused"
    );
    s.until("the urgency hint", UI_WAIT, |_| {
        Ok(d.urgent(win)?.then_some(()))
    })?;

    eprintln!("step: Clicking a notification");
    // Clicking a notification opens its conversation.
    desk.cli("carol", &["send", "alice", "Also: standup moved to 10"])?;
    let from_carol = desk
        .notifications
        .wait_for("Carol Diaz", "standup moved", UI_WAIT)?;
    // The app listens for the click only once the notification is shown; a click sent in the
    // same instant can come before it listens, so click again until the chat opens, as a user
    // would.
    let opened = format!("{}[aria-current=true]", row("carol"));
    s.until("the notification's chat to open", UI_WAIT, |s| {
        if s.find_all(&opened)?.is_empty() {
            desk.notifications.click(from_carol.id)?;
            std::thread::sleep(Duration::from_millis(400));
            return Ok(None);
        }
        Ok(Some(()))
    })?;

    eprintln!("step: Focus back:");

    // Focus back: the blinking and the attention request stop; Carol's chat, now on screen in a
    // focused window, is read; Bob's new message stays unread.
    d.focus(win)?;
    wait_text(&s, &format!("{} [data-testid=unread]", row("carol")), None)?;
    wait_title(&d, win, "(1) Confer")?;
    s.until("the urgency hint to clear", UI_WAIT, |_| {
        Ok((!d.urgent(win)?).then_some(()))
    })?;
    let settled = Instant::now() + Duration::from_millis(2500);
    while Instant::now() < settled {
        assert_eq!(d.title(win)?, "(1) Confer", "no blinking once focused");
        std::thread::sleep(Duration::from_millis(200));
    }

    s.quit()
}

/// What `cargo xtask run` shows a newcomer: the demo it fills (`xtask::demo`, the same function,
/// on a fresh directory), the app signed in as alice. Its screenshot heads the README.
/// The texts of the open conversation's messages (or "deleted"), oldest first, with whether
/// each is marked edited and its reactions as "emoji count".
fn shown_messages(s: &Session) -> Result<Vec<(String, bool, Vec<String>)>> {
    let v = s.execute(
        r#"return [...document.querySelectorAll('[data-testid=message]')].map(m => [
             m.dataset.deleted === 'true' ? 'deleted'
               : (m.querySelector('[data-testid=message-text]')?.textContent ?? '').trim(),
             !!m.querySelector('[data-testid=edited]'),
             [...m.querySelectorAll('[data-testid=reaction]')].map(r => r.textContent.replace(/\s+/g, ' ').trim())]);"#,
        vec![],
    )?;
    Ok(serde_json::from_value(v)?)
}

#[test]
fn another_users_edits_reactions_answers_and_deletions_show_live() -> Result<()> {
    let _one = serial();
    let mut desk = Desktop::start(&["alice", "bob"])?;
    let lunch = desk.cli("bob", &["send", "alice", "Lunch at noon?"])?;
    let oops = desk.cli("bob", &["send", "alice", "Wrong chat, sorry"])?;
    let s = desk.launch("alice")?;
    let d = desk.display()?;
    let win = d.find_window("confer", UI_WAIT)?;
    d.focus(win)?;
    s.wait_for(&row("bob"), UI_WAIT)?.click()?;
    s.until("both messages", UI_WAIT, |s| {
        Ok((shown_messages(s)?.len() == 2).then_some(()))
    })?;

    // Bob fixes his text, reacts, answers himself and takes a message back, from the CLI.
    desk.cli("bob", &["edit", lunch.trim(), "Lunch at **one**?"])?;
    desk.cli("alice", &["react", lunch.trim(), "🎉"])?;
    desk.cli("bob", &["react", lunch.trim(), "🎉"])?;
    desk.cli("bob", &["reply", lunch.trim(), "The terrace on Rue Cler"])?;
    desk.cli("bob", &["delete", oops.trim()])?;
    s.until("the changes", UI_WAIT, |s| {
        let shown = shown_messages(s)?;
        let want = vec![
            ("Lunch at one?".to_owned(), true, vec!["🎉 2".to_owned()]),
            ("deleted".to_owned(), false, vec![]),
            ("The terrace on Rue Cler".to_owned(), false, vec![]),
        ];
        Ok((shown == want).then_some(()))
    })
    .map_err(|e| anyhow::anyhow!("{e}: {:?}", shown_messages(&s)))?;
    // The answer quotes the original as it now is.
    let quote = s.execute(
        r#"const all = document.querySelectorAll('[data-testid=message]');
           return all[all.length - 1].querySelector('[data-testid=reply-quote]')?.textContent ?? '';"#,
        vec![],
    )?;
    assert!(
        quote.as_str().unwrap_or_default().contains("Lunch at one?"),
        "{quote}"
    );
    save_screenshot(&d, win, "rich-messages")?;
    s.quit()
}

#[test]
fn the_demo_as_a_newcomer_sees_it() -> Result<()> {
    use xtask::demo;
    let _one = serial();
    let mut desk = Desktop::start(&[])?;
    let dir = tempfile::tempdir()?;
    let listen = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .to_string();
    let demo = demo::Demo::start(&demo::Options {
        bin: confer_e2e::bin_dir(),
        data: dir.path().join("confer-demo"),
        listen,
        fresh: true,
    })?;
    let s = desk.launch_on(demo.url(), "alice", demo::PASSWORD, &demo.app_profile())?;
    let d = desk.display()?;
    let win = d.find_window("confer", UI_WAIT)?;
    d.focus(win)?;

    // Favourites first (Bob and Carol, by name), then the other chats newest first: the group
    // with two unread, then Dave.
    wait_text(
        &s,
        &format!("{} [data-testid=unread]", row("carol")),
        Some("2"),
    )?;
    let group = "[data-testid=conversation][data-peer='Release crew']";
    wait_text(&s, &format!("{group} [data-testid=unread]"), Some("2"))?;
    let order = s.execute(
        "return [...document.querySelectorAll('[data-testid=conversation]')].map(r => r.dataset.peer);",
        vec![],
    )?;
    assert_eq!(
        order,
        serde_json::json!(["bob", "carol", "Release crew", "dave"])
    );

    // Bob's chat: Alice's answers read (two blue ticks), Bob online with his status.
    s.wait_for(&row("bob"), UI_WAIT)?.click()?;
    wait_state(&s, "Could you add the migration steps?", "read")?;
    wait_text(
        &s,
        "[data-testid=status-message]",
        Some("“Shipping 2.4 today”"),
    )?;
    wait_text(
        &s,
        &format!("{} [data-testid=unread]", row("carol")),
        Some("2"),
    )?;
    save_screenshot(&d, win, "demo")?;
    s.quit()
}

/// Lines of an ordinary working day, for a long history that looks like one in screenshots.
const WORKDAY: &[&str] = &[
    "Morning! Did the overnight build go through?",
    "The release notes are in the shared folder",
    "Can we move the design review to Thursday?",
    "I pushed the fix for the login timeout",
    "Lunch at 12:30?",
    "The customer confirmed the order for March",
    "Slides for the all-hands are almost done",
    "Who has the key to meeting room B?",
    "Tests are green again on main",
    "I'll be out tomorrow afternoon",
    "Thanks, that helps a lot",
    "Let's sync after the stand-up",
];

/// Sends `count` messages from `from` to `to` over the raw protocol, pipelined.
fn seed(desk: &Desktop, from: &str, to: &str, count: usize) -> Result<()> {
    seed_with(desk, from, to, count, |i| {
        WORKDAY[(i - 1) % WORKDAY.len()].to_owned()
    })
}

/// [`seed`] with the texts `text(1..=count)`.
fn seed_with(
    desk: &Desktop,
    from: &str,
    to: &str,
    count: usize,
    text: impl Fn(usize) -> String,
) -> Result<()> {
    let url = desk.server.ws_url();
    desk.runtime().block_on(async {
        let mut c = confer_testkit::Client::login(&url, from, PASSWORD).await?;
        let conversation = match c.request(Request::OpenDirect { user: to.into() }).await? {
            Response::Conversation { conversation } => conversation.info.id,
            other => bail!("open_direct: {other:?}"),
        };
        let mut ids = Vec::with_capacity(count);
        for i in 1..=count {
            ids.push(
                c.send_request(Request::SendMessage {
                    conversation,
                    client_id: format!("seed-{i}"),
                    text: text(i),
                    reply_to: None,
                })
                .await?,
            );
        }
        for id in ids {
            c.reply(id)
                .await?
                .map_err(|e| anyhow::anyhow!("{}", e.reason))?;
        }
        c.close().await;
        Ok(())
    })
}

/// Scroll position and the seqs of the messages in the DOM.
fn timeline(s: &Session) -> Result<(f64, f64, Vec<u64>)> {
    let v = s.execute(
        r#"const el = document.querySelector('[data-testid=timeline-scroller]');
           const seqs = [...el.querySelectorAll('[data-testid=message]')]
             .map(m => Number(m.dataset.seq)).filter(n => n > 0);
           return [el.scrollTop, el.scrollHeight - el.clientHeight - el.scrollTop, seqs];"#,
        vec![],
    )?;
    Ok((
        v[0].as_f64().unwrap_or(0.0),
        v[1].as_f64().unwrap_or(0.0),
        v[2].as_array()
            .context("seqs")?
            .iter()
            .filter_map(Value::as_u64)
            .collect(),
    ))
}

#[test]
fn scroll_up_pages_older_messages_and_the_ribbon_brings_new_ones() -> Result<()> {
    let _one = serial();
    let mut desk = Desktop::start(&["alice", "bob"])?;
    seed(&desk, "bob", "alice", 400)?;
    let s = desk.launch("alice")?;
    let d = desk.display()?;
    let win = d.find_window("confer", UI_WAIT)?;
    d.focus(win)?;
    s.wait_for(&row("bob"), UI_WAIT)?.click()?;
    // The first page is the newest messages, scrolled to the bottom.
    s.until("the newest message", UI_WAIT, |s| {
        let (_, below, seqs) = timeline(s)?;
        Ok((seqs.contains(&400) && below < 2.0).then_some(()))
    })?;

    // Scrolling up the way a user does pages older messages in without the view jumping: the
    // message at the top of the view moves a few messages per step, never a page at once, until
    // the very first message shows.
    let first_page_oldest = timeline(&s)?.2.into_iter().min().context("messages")?;
    ensure!(
        first_page_oldest > 1,
        "the first page should not hold all 400"
    );
    let mut tops = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let top = s.execute(
            r#"const el = document.querySelector('[data-testid=timeline-scroller]');
               const box = el.getBoundingClientRect();
               const top = [...el.querySelectorAll('[data-testid=message]')]
                 .filter(m => Number(m.dataset.seq) > 0)
                 .find(m => m.getBoundingClientRect().bottom > box.top + 1);
               el.scrollTop = Math.max(0, el.scrollTop - 250);
               return top ? Number(top.dataset.seq) : null;"#,
            vec![],
        )?;
        if let Some(seq) = top.as_u64() {
            tops.push(seq);
            if seq == 1 {
                break;
            }
        }
        ensure!(
            Instant::now() < deadline && tops.len() < 2000,
            "never reached the first message; tops: {tops:?}"
        );
        std::thread::sleep(Duration::from_millis(80));
    }
    let biggest_step = tops.windows(2).map(|w| w[0].saturating_sub(w[1])).max();
    assert!(
        biggest_step.is_some_and(|b| b <= 20),
        "the view jumped while paging: top messages {tops:?}"
    );
    assert!(
        tops.windows(2).all(|w| w[1] <= w[0]),
        "scrolling up never shows newer messages at the top: {tops:?}"
    );

    // A message arriving while scrolled up shows the ribbon; clicking it scrolls down.
    desk.cli(
        "bob",
        &[
            "send",
            "alice",
            "Are you still there? The client call starts in five minutes",
        ],
    )?;
    let ribbon = s.wait_for("[data-testid=ribbon]", UI_WAIT)?;
    // Its text as drawn: WebDriver's visible-text rules drop the ellipsised words, so read the
    // words and check they take room on screen.
    let shown = s.execute(
        r#"const r = arguments[0];
           return [...r.querySelectorAll('*')]
             .filter(e => e.getBoundingClientRect().width > 20)
             .map(e => e.textContent).join(' ');"#,
        vec![ribbon.as_arg()],
    )?;
    let shown = shown.as_str().unwrap_or_default();
    assert!(
        shown.contains("Bob Carter") && shown.contains("Are you still there?"),
        "the ribbon shows the author and first words: {shown:?}"
    );
    save_screenshot(&d, win, "ribbon")?;
    ribbon.click()?;
    s.until("the bottom", UI_WAIT, |s| {
        let (_, below, seqs) = timeline(s)?;
        Ok((seqs.contains(&401) && below < 2.0).then_some(()))
    })?;
    s.until("the ribbon to go", UI_WAIT, |s| {
        Ok(s.find_all("[data-testid=ribbon]")?.is_empty().then_some(()))
    })?;
    s.quit()
}

/// Alice's presence status as Bob's `confer-cli who` sees it.
fn status_seen_by_bob(desk: &Desktop) -> Result<String> {
    let out = desk.cli("bob", &["who", "alice", "--json"])?;
    for line in out.lines() {
        let entry: Value = serde_json::from_str(line)?;
        if entry["user"]["name"] == "alice" {
            return Ok(entry["presence"]["status"]
                .as_str()
                .unwrap_or("unknown")
                .to_owned());
        }
    }
    bail!("alice is not in the directory: {out}")
}

fn wait_status(desk: &Desktop, want: &str, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        let status = status_seen_by_bob(desk)?;
        if status == want {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "alice is {status}, not {want}, after {timeout:?}"
        );
        std::thread::sleep(Duration::from_secs(1));
    }
}

#[test]
fn auto_away_follows_the_system_idle_time_set_in_settings() -> Result<()> {
    let _one = serial();
    let mut desk = Desktop::start(&["alice", "bob"])?;
    let s = desk.launch("alice")?;
    let d = desk.display()?;
    let win = d.find_window("confer", UI_WAIT)?;
    d.focus(win)?;
    s.wait_for("[data-tab=chats]", UI_WAIT)?;
    wait_status(&desk, "online", UI_WAIT)?;

    // Auto-away after one minute, set in the settings dialog.
    s.wait_for("button[aria-label=Settings]", UI_WAIT)?
        .click()?;
    let minutes = s.wait_for(
        "[role=dialog] input[aria-label='Auto-away minutes']",
        UI_WAIT,
    )?;
    minutes.clear()?;
    minutes.send_keys("1")?;
    s.wait_for("[role=dialog] button[type=submit]", UI_WAIT)?
        .click()?;
    s.until("the dialog to close", UI_WAIT, |s| {
        Ok(s.find_all("[role=dialog]")?.is_empty().then_some(()))
    })?;

    // Nothing has touched the display's input devices since it started (WebDriver's events
    // stay inside the app), so about a minute after the start Alice turns away.
    wait_status(&desk, "away", Duration::from_secs(100))?;
    // Real input brings her back.
    d.real_input()?;
    wait_status(&desk, "online", Duration::from_secs(20))?;
    s.quit()
}

#[test]
fn a_room_created_in_the_app_changes_its_link_and_the_old_link_is_refused() -> Result<()> {
    let _one = serial();
    let mut desk = Desktop::start(&["alice", "bob", "carol"])?;
    // Bob's room, where Alice is a member, with something unread and a meeting on.
    let made: Value = serde_json::from_str(
        desk.cli("bob", &["room", "create", "Design review", "--json"])?
            .trim(),
    )?;
    let review = made["conversation"]
        .as_u64()
        .context("room id")?
        .to_string();
    desk.cli("bob", &["room", "add", &review, "alice"])?;
    desk.cli("bob", &["room", "add", &review, "carol"])?;
    desk.cli("bob", &["room", "promote", &review, "carol"])?;
    desk.cli("bob", &["send", &review, "Slides are up for Thursday"])?;
    desk.cli("bob", &["meeting", "start", &review])?;
    let s = desk.launch("alice")?;
    let d = desk.display()?;
    let win = d.find_window("confer", UI_WAIT)?;
    d.focus(win)?;

    s.wait_for("[data-tab=rooms]", UI_WAIT)?.click()?;
    let review_row = format!("[data-testid=room][data-conversation-id='{review}']");
    wait_text(&s, &format!("{review_row} [data-testid=unread]"), Some("1"))?;
    wait_text(&s, "[data-tab=rooms] [data-testid=tab-unread]", Some("1"))?;

    // Create a room from the app.
    s.wait_for("[data-testid=create-room]", UI_WAIT)?.click()?;
    let name = s.wait_for("[role=dialog] input[aria-label='Room name']", UI_WAIT)?;
    name.send_keys("Weekly planning")?;
    s.wait_for("[role=dialog] button[type=submit]", UI_WAIT)?
        .click()?;
    let row = s.wait_for("[data-testid=room][data-name='Weekly planning']", UI_WAIT)?;
    let id = row.attr("data-conversation-id")?.context("room id")?;
    row.click()?;
    // Its details show the owner, the roles and the link.
    s.wait_for(
        "[data-testid=member][data-user=alice][data-role=owner]",
        UI_WAIT,
    )?;
    let link_of = |s: &Session| -> Result<Option<String>> {
        Ok(text_of(s, "[data-testid=room-link]")?.filter(|l| l.starts_with("confer://join/")))
    };
    let old = s.until("the room's link", UI_WAIT, link_of)?;
    save_screenshot(&d, win, "virtual-rooms")?;

    // Change the link (with its confirmation); the new one differs.
    s.wait_for("[data-testid=rotate-link]", UI_WAIT)?.click()?;
    s.wait_for("[data-testid=confirm-rotate]", UI_WAIT)?
        .click()?;
    let new = s.until("a new link", UI_WAIT, |s| {
        Ok(link_of(s)?.filter(|l| *l != old))
    })?;

    // The old link is refused at once; the new one opens the room.
    let open = |link: &str| -> Result<()> {
        let input = s.wait_for("input[aria-label='Room link']", UI_WAIT)?;
        input.clear()?;
        input.send_keys(link)?;
        input.send_keys(keys::ENTER)
    };
    open(&old)?;
    let error = s.wait_for("[data-testid=link-error]", UI_WAIT)?.text()?;
    assert!(
        error.contains("does not open any room"),
        "the old link is refused: {error:?}"
    );
    save_screenshot(&d, win, "virtual-rooms-old-link")?;
    open(&new)?;
    let result = s.wait_for("[data-testid=link-result]", UI_WAIT)?;
    assert_eq!(
        result.attr("data-conversation-id")?.as_deref(),
        Some(id.as_str())
    );
    // The server agrees: the link Bob would be given is the new one.
    let token = new.trim_start_matches("confer://join/");
    let ics_room: Value =
        serde_json::from_str(desk.cli("alice", &["room", "link", &id, "--json"])?.trim())?;
    assert_eq!(ics_room["link"].as_str(), Some(token));
    s.quit()
}

#[test]
fn a_moderator_admits_a_guest_from_the_lobby_and_joins_another_meeting_as_a_guest() -> Result<()> {
    let _one = serial();
    let mut desk = Desktop::start(&["alice", "bob", "carol"])?;
    let id_of = |out: String| -> Result<String> {
        let v: Value = serde_json::from_str(out.trim())?;
        Ok(v["conversation"].as_u64().context("room id")?.to_string())
    };
    // Bob's customer call, which Alice moderates, with the lobby on and the meeting going on.
    let call = id_of(desk.cli("bob", &["room", "create", "Customer call", "--json"])?)?;
    desk.cli("bob", &["room", "add", &call, "alice"])?;
    desk.cli("bob", &["room", "promote", &call, "alice"])?;
    desk.cli("bob", &["room", "lobby", &call, "on"])?;
    desk.cli("bob", &["meeting", "start", &call])?;
    let call_link = format!(
        "confer://join/{}",
        desk.cli("bob", &["room", "link", &call])?.trim()
    );
    // Carol's stand-up, where Alice is not a member.
    let standup = id_of(desk.cli("carol", &["room", "create", "Carol's stand-up", "--json"])?)?;
    desk.cli("carol", &["meeting", "start", &standup])?;
    let standup_link = format!(
        "confer://join/{}",
        desk.cli("carol", &["room", "link", &standup])?.trim()
    );

    let planned: Value = serde_json::from_str(
        desk.cli(
            "bob",
            &[
                "room",
                "schedule",
                &call,
                "--at",
                "2035-12-01T09:30:00Z",
                "--minutes",
                "30",
                "--title",
                "Follow-up call",
                "--json",
            ],
        )?
        .trim(),
    )?;
    let planned = planned["id"].as_u64().context("meeting id")?;

    let s = desk.launch("alice")?;
    let d = desk.display()?;
    let win = d.find_window("confer", UI_WAIT)?;
    d.focus(win)?;
    s.wait_for("[data-tab=rooms]", UI_WAIT)?.click()?;

    // The scheduled call's invitation is saved as a file with the room's link (WebKitGTK would
    // drop a page's own download).
    s.wait_for(
        &format!(
            "[data-testid=scheduled-meeting][data-meeting-id='{planned}'] [data-testid=meeting-ics]"
        ),
        UI_WAIT,
    )?
    .click()?;
    let saved = desk.home().join("Downloads/Follow-up call.ics");
    s.until("the .ics in Downloads", UI_WAIT, |_| {
        Ok(saved.exists().then_some(()))
    })?;
    let ics = std::fs::read_to_string(&saved)?;
    ensure!(ics.contains(&format!("URL:{call_link}\r\n")), "{ics}");
    ensure!(ics.contains("SUMMARY:Follow-up call\r\n"), "{ics}");

    s.wait_for(
        &format!("[data-testid=room][data-conversation-id='{call}']"),
        UI_WAIT,
    )?
    .click()?;
    // The room's settings come in after its row is opened (and the `lobby on` notice may land
    // after the first fetch), so wait for the switch to show the setting rather than read it once.
    s.until("the lobby switch shows as on", UI_WAIT, |s| {
        let toggle = s.wait_for("[data-testid=lobby-toggle]", UI_WAIT)?;
        Ok((toggle.attr("checked")?.is_some()
            || toggle.attr("aria-checked")?.as_deref() == Some("true"))
        .then_some(()))
    })?;

    // A guest without an account waits in the lobby until Alice admits them in the app.
    let zoe = desk.guest(&call_link, "Zoe from Acme")?;
    let waiting = zoe.next_json(UI_WAIT)?;
    ensure!(waiting["admitted"] == false, "waiting: {waiting}");
    let guest_id = waiting["guest"].as_u64().context("guest id")?.to_string();
    let row = s.wait_for(
        &format!("[data-testid=lobby-guest][data-guest-id='{guest_id}']"),
        UI_WAIT,
    )?;
    ensure!(row.text()?.contains("Zoe from Acme"));
    save_screenshot(&d, win, "meeting-lobby")?;
    s.wait_for(
        &format!("[data-testid=lobby-guest][data-guest-id='{guest_id}'] [data-testid=admit-guest]"),
        UI_WAIT,
    )?
    .click()?;
    let admitted = zoe.next_json(UI_WAIT)?;
    ensure!(admitted["admitted"] == true, "admitted: {admitted}");
    ensure!(
        admitted["meeting"]["participants"] == serde_json::json!(["bob"]),
        "{admitted}"
    );
    s.until("Zoe among the meeting's guests", UI_WAIT, |s| {
        Ok(text_of(s, "[data-testid=meeting-guest]")?.filter(|t| t.contains("Zoe from Acme")))
    })?;
    // The ongoing meeting comes first, then the scheduled one.
    let listing = desk.cli("bob", &["room", "list", "--json"])?;
    let listed: Value = serde_json::from_str(listing.lines().next().context("a meeting")?)?;
    ensure!(listed["guests"][0]["name"] == "Zoe from Acme", "{listed}");
    ensure!(listed["lobby"].is_null(), "nobody waits any more: {listed}");

    // Alice joins Carol's stand-up by its link, as a guest: in the meeting, not in the room.
    let input = s.wait_for("input[aria-label='Room link']", UI_WAIT)?;
    input.clear()?;
    input.send_keys(&standup_link)?;
    input.send_keys(keys::ENTER)?;
    s.wait_for("[data-testid=join-as-guest]", UI_WAIT)?
        .click()?;
    let ongoing = format!("[data-testid=ongoing-meeting][data-conversation-id='{standup}']");
    s.until("the stand-up in Ongoing, as a guest", UI_WAIT, |s| {
        Ok(text_of(s, &ongoing)?.filter(|t| t.contains("guest")))
    })?;
    let carol_sees: Value =
        serde_json::from_str(desk.cli("carol", &["room", "list", "--json"])?.trim())?;
    ensure!(carol_sees["guests"][0]["name"] == "alice", "{carol_sees}");
    ensure!(
        s.find_all(&format!(
            "[data-testid=room][data-conversation-id='{standup}']"
        ))?
        .is_empty(),
        "the stand-up is not among Alice's rooms"
    );
    save_screenshot(&d, win, "meeting-guest")?;

    // Her access ends with the meeting.
    desk.cli("carol", &["meeting", "leave", &standup])?;
    s.until("the stand-up gone from Ongoing", UI_WAIT, |s| {
        Ok(s.find_all(&ongoing)?.is_empty().then_some(()))
    })?;
    s.until("the reason shown", UI_WAIT, |s| {
        Ok(text_of(s, "[data-testid=guest-ended]")?
            .filter(|t| t.contains("Carol's stand-up") && t.contains("The meeting has ended.")))
    })?;
    s.quit()
}

/// The `data-user` of the People view's rows, in order.
fn people_rows(s: &Session) -> Result<Value> {
    s.execute(
        "return [...document.querySelectorAll('[data-testid=person]')].map(r => r.dataset.user);",
        vec![],
    )
}

#[test]
fn the_people_view_toggles_offline_users_opens_a_chat_and_the_avatar_menu_signs_out() -> Result<()>
{
    let _one = serial();
    let mut desk = Desktop::start(&["alice", "bob", "carol", "dave"])?;
    // Bob is online and busy, with a message; carol and dave stay offline.
    let url = desk.server.ws_url();
    let mut bob = desk.runtime().block_on(async {
        let mut bob = confer_testkit::Client::login(&url, "bob", PASSWORD).await?;
        bob.request(Request::SetPresence {
            status: confer_proto::PresenceChoice::Dnd,
            message: Some("Presenting".into()),
        })
        .await?;
        anyhow::Ok(bob)
    })?;
    let s = desk.launch("alice")?;
    let d = desk.display()?;
    let win = d.find_window("confer", UI_WAIT)?;
    d.focus(win)?;

    s.wait_for("#tab-people", UI_WAIT)?.click()?;
    // Offline users hidden (the default): only the others online.
    s.until("online users only", UI_WAIT, |s| {
        let rows = people_rows(s)?;
        Ok((rows == serde_json::json!(["bob"])).then_some(()))
    })?;
    s.until("bob's message", UI_WAIT, |s| {
        let text = s.execute(
            "return document.querySelector('[data-testid=person][data-user=bob] \
             [data-testid=person-message]')?.textContent ?? '';",
            vec![],
        )?;
        Ok(text
            .as_str()
            .is_some_and(|t| t.ends_with("Presenting"))
            .then_some(()))
    })?;
    ensure!(
        s.wait_for("[data-testid=person][data-user=bob]", UI_WAIT)?
            .attr("data-status")?
            .as_deref()
            == Some("dnd"),
        "bob's row shows him busy"
    );
    // Shown: everyone, by display name, offline ones marked so.
    s.wait_for("[data-testid=show-offline]", UI_WAIT)?.click()?;
    s.until("everyone", UI_WAIT, |s| {
        let rows = people_rows(s)?;
        Ok((rows == serde_json::json!(["bob", "carol", "dave"])).then_some(()))
    })?;
    ensure!(
        s.wait_for("[data-testid=person][data-user=carol]", UI_WAIT)?
            .attr("data-status")?
            .as_deref()
            == Some("offline")
    );
    save_screenshot(&d, win, "people")?;
    // Carol comes online while shown: her row follows.
    let _carol = desk
        .runtime()
        .block_on(confer_testkit::Client::login(&url, "carol", PASSWORD))?;
    s.until("carol online", UI_WAIT, |s| {
        let status = s
            .wait_for("[data-testid=person][data-user=carol]", UI_WAIT)?
            .attr("data-status")?;
        Ok((status.as_deref() == Some("online")).then_some(()))
    })?;

    // Opening bob's row opens the 1:1 chat, which bob then sees.
    s.wait_for("[data-testid=person][data-user=bob]", UI_WAIT)?
        .click()?;
    s.wait_for(&row("bob"), UI_WAIT)?;
    desk.runtime().block_on(async {
        let conversations = bob.request(Request::ListConversations).await?;
        match conversations {
            Response::Conversations { conversations } => {
                ensure!(conversations.len() == 1, "{conversations:?}");
                Ok(())
            }
            r => bail!("unexpected {r:?}"),
        }
    })?;

    // The avatar menu: About tells the server's address and version; Sign out forgets the
    // token and shows the sign-in form.
    s.wait_for(".status-button", UI_WAIT)?.click()?;
    s.wait_for("[data-action=about]", UI_WAIT)?.click()?;
    wait_text(
        &s,
        "[data-testid=about-server-version]",
        Some(env!("CARGO_PKG_VERSION")),
    )?;
    let server = s.wait_for("[data-testid=about-server]", UI_WAIT)?.text()?;
    let host = url
        .trim_start_matches("ws://")
        .split('/')
        .next()
        .unwrap_or("");
    ensure!(server.contains(host), "{server} is not {url}");
    s.wait_for("button.close", UI_WAIT)?.click()?;

    // Help opens the user guide in a window of its own.
    let main = s.window_handle()?;
    s.wait_for(".status-button", UI_WAIT)?.click()?;
    s.wait_for("[data-action=help]", UI_WAIT)?.click()?;
    let help = s.until("the help window", UI_WAIT, |s| {
        Ok(s.window_handles()?.into_iter().find(|h| *h != main))
    })?;
    s.switch_to_window(&help)?;
    let heading = s.wait_for("[data-testid=user-guide] h1", UI_WAIT)?.text()?;
    ensure!(heading == "Confer user guide", "{heading}");
    s.switch_to_window(&main)?;

    let token = desk.home().with_file_name("app-alice").join("token");
    ensure!(token.exists(), "signed in with a stored token");
    s.until("the menu again", UI_WAIT, |s| {
        if s.find_all("[data-action=sign-out]")?.is_empty() {
            if let Some(b) = s.find_all(".status-button")?.first() {
                let _ = b.click();
            }
            return Ok(None);
        }
        Ok(Some(()))
    })?;
    s.wait_for("[data-action=sign-out]", UI_WAIT)?.click()?;
    s.wait_for("input[name=server]", UI_WAIT)?;
    ensure!(!token.exists(), "the token is forgotten after signing out");
    s.quit()
}

#[test]
fn writing_to_an_alias_from_the_app_is_answered_by_a_member_from_the_cli() -> Result<()> {
    let _one = serial();
    let mut desk = Desktop::start(&["alice", "bob", "carol"])?;
    confer_server::admin::add_alias(
        &desk.server.location,
        "support",
        "IT Support",
        &["bob".into(), "carol".into()],
        false,
    )?;
    let s = desk.launch("alice")?;
    let d = desk.display()?;
    let win = d.find_window("confer", UI_WAIT)?;
    d.focus(win)?;

    // The alias heads the People view, with no status of its own; opening it opens the chat.
    s.wait_for("#tab-people", UI_WAIT)?.click()?;
    s.wait_for("[data-testid=alias][data-user=support]", UI_WAIT)?
        .click()?;
    let row = s.wait_for("[data-testid=conversation]", UI_WAIT)?;
    let conversation = row
        .attr("data-conversation-id")?
        .context("the conversation row has its id")?;
    let composer = s.wait_for("textarea[aria-label=Message]", UI_WAIT)?;
    composer.send_keys("My laptop does not start.")?;
    composer.send_keys(keys::ENTER)?;

    // Bob, a member of the alias, answers from the command line; alice sees the alias answer.
    let history = desk.cli("bob", &["history", &conversation, "--json"])?;
    ensure!(
        history.contains("My laptop does not start."),
        "bob sees the question: {history}"
    );
    desk.cli(
        "bob",
        &[
            "send",
            &conversation,
            "Hold the power button for ten seconds.",
        ],
    )?;
    s.until("the answer", UI_WAIT, |s| {
        let senders = s.execute(
            "return [...document.querySelectorAll('[data-testid=message]')]\
             .map(m => m.dataset.sender);",
            vec![],
        )?;
        Ok((senders == serde_json::json!(["alice", "support"])).then_some(()))
    })?;
    let label = s.execute(
        "return [...document.querySelectorAll('[data-testid=message] .sender')]\
         .map(e => e.textContent.trim());",
        vec![],
    )?;
    ensure!(label == serde_json::json!(["IT Support"]), "{label}");
    save_screenshot(&d, win, "alias")?;
    s.quit()
}

/// The remote video's rectangle in the window.
fn remote_video_rect(s: &Session) -> Result<(i16, i16, u16, u16)> {
    let r = s.execute(
        "const r = document.querySelector('[data-testid=remote-video]').getBoundingClientRect();\
         return [Math.round(r.x), Math.round(r.y), Math.round(r.width), Math.round(r.height)];",
        vec![],
    )?;
    let n = |i: usize| r[i].as_f64().unwrap_or(0.0);
    ensure!(
        n(2) >= 16.0 && n(3) >= 16.0,
        "the remote video is on screen: {r}"
    );
    Ok((n(0) as i16, n(1) as i16, n(2) as u16, n(3) as u16))
}

#[test]
fn a_video_call_from_the_header_shows_the_other_sides_pictures_and_leaves_its_line() -> Result<()> {
    let _one = serial();
    let mut desk = Desktop::start(&["alice", "bob"])?;
    desk.cli("bob", &["send", "alice", "Call me when you can."])?;
    // Bob answers from the command line, sending the moving test pattern.
    let mut bob = desk.spawn_cli(
        "bob",
        &[
            "answer",
            "--from",
            "alice",
            "--video",
            "--seconds",
            "8",
            "--json",
        ],
    )?;
    let mut err = BufReader::new(bob.stderr.take().context("bob's stderr")?);
    let mut line = String::new();
    while !line.contains("waiting for a call") {
        line.clear();
        ensure!(
            err.read_line(&mut line)? > 0,
            "confer-cli answer exited early"
        );
    }
    let s = desk.launch("alice")?;
    let d = desk.display()?;
    let win = d.find_window("confer", UI_WAIT)?;
    d.focus(win)?;
    s.wait_for(&row("bob"), UI_WAIT)?.click()?;
    s.wait_for("[data-testid=video-call-button]", UI_WAIT)?
        .click()?;
    // The device dialog comes first; its main button places the call.
    s.wait_for("[data-testid=device-dialog-submit]", UI_WAIT)?
        .click()?;
    s.wait_for("[data-testid=call-view]", UI_WAIT)?;
    s.wait_for("[data-testid=call-timer]", UI_WAIT)?;
    // Pictures arrive and move: the same rectangle differs between two moments.
    let (x, y, w, h) = remote_video_rect(&s)?;
    let first = s.until("a remote picture", UI_WAIT, |_| {
        let px = d.pixels(win, x, y, w, h)?;
        // Not one flat colour any more: something was drawn.
        Ok(px.chunks_exact(4).any(|p| p[..3] != px[..3]).then_some(px))
    })?;
    s.until("the picture moves", UI_WAIT, |_| {
        Ok((d.pixels(win, x, y, w, h)? != first).then_some(()))
    })?;
    save_screenshot(&d, win, "call")?;
    s.wait_for("[data-testid=hang-up]", UI_WAIT)?.click()?;
    // Back to the chat, with the call's line in the timeline.
    s.until("the call line", UI_WAIT, |s| {
        let kinds = s.execute(
            "return [...document.querySelectorAll('[data-testid=system-line]')]\
             .map(l => l.dataset.kind + ':' + (l.dataset.outcome || ''));",
            vec![],
        )?;
        Ok((kinds == serde_json::json!(["call:completed"])).then_some(()))
    })?;
    s.until("the call view to go", UI_WAIT, |s| {
        Ok(text_of(s, "[data-testid=call-view]")?
            .is_none()
            .then_some(()))
    })?;
    let out = bob.wait_with_output()?;
    ensure!(out.status.success(), "confer-cli answer failed");
    let figures: Value = serde_json::from_slice(&out.stdout)?;
    ensure!(
        figures["ended_by_peer"] == "hung_up",
        "bob was told alice hung up: {figures}"
    );
    s.quit()
}

/// The meter's reading, dBFS, when `want` holds of it (else an error saying what it reads).
fn meter_db(s: &Session, want: impl Fn(f64) -> bool) -> Result<Option<f64>> {
    let value = s
        .wait_for("[data-testid=mic-meter]", UI_WAIT)?
        .attr("aria-valuenow")?;
    match value.as_deref().map(str::parse::<f64>) {
        Some(Ok(db)) if want(db) => Ok(Some(db)),
        _ => bail!("the meter reads {value:?}"),
    }
}

#[test]
fn the_device_dialog_before_a_call_tests_a_real_microphone_and_places_no_call_on_cancel()
-> Result<()> {
    let _one = serial();
    let mut desk = Desktop::start(&["alice", "bob"])?;
    // A sound server with one null sink: its monitor is the default microphone.
    let tone = desk.home().join("tone.wav");
    std::fs::create_dir_all(desk.home())?;
    tone_wav(&tone, 1_000.0, 30.0)?;
    desk.with_sound(&["desk"])?;
    desk.cli("bob", &["send", "alice", "Can you hear me?"])?;
    let s = desk.launch("alice")?;
    let d = desk.display()?;
    let win = d.find_window("confer", UI_WAIT)?;
    d.focus(win)?;
    s.wait_for(&row("bob"), UI_WAIT)?.click()?;
    s.wait_for("[data-testid=call-button]", UI_WAIT)?.click()?;
    // The dialog comes before the call, testing the default microphone: silence first.
    s.wait_for("[data-testid=device-dialog]", UI_WAIT)?;
    let quiet = s.until("a quiet meter", UI_WAIT, |s| meter_db(s, |db| db <= -55.0))?;
    let mut player = desk
        .pulse()
        .context("the sound server")?
        .play("desk", &tone)?;
    let loud = s.until("the meter to move with the tone", UI_WAIT, |s| {
        meter_db(s, |db| db > -20.0)
    });
    let shot = save_screenshot(&d, win, "device-test");
    let _ = player.kill();
    let _ = player.wait();
    let loud = loud?;
    shot?;
    s.until("the meter to fall back", UI_WAIT, |s| {
        meter_db(s, |db| db <= -55.0)
    })?;
    println!("meter: {quiet} dBFS quiet, {loud} dBFS with the tone");
    // Cancel calls no one: no call view, no call line.
    s.wait_for("[data-testid=device-dialog-cancel]", UI_WAIT)?
        .click()?;
    s.until("the dialog to close", UI_WAIT, |s| {
        Ok(s.find_all("[data-testid=device-dialog]")?
            .is_empty()
            .then_some(()))
    })?;
    ensure!(s.find_all("[data-testid=call-view]")?.is_empty());
    s.quit()
}

/// Power at `hz` over the second half of a recording (where everyone is connected).
fn power_at(path: &std::path::Path, hz: f32) -> Result<f32> {
    let wav = confer_media::wav::Wav::read(path).context("reading the recording")?;
    let tail = &wav.samples[wav.samples.len() / 2..];
    Ok(confer_media::meter::goertzel(
        tail,
        confer_media::SAMPLE_RATE,
        hz,
    ))
}

/// A room the first of `people` creates with the others in it, from the CLI; its id.
fn room_of(desk: &Desktop, name: &str, people: &[&str]) -> Result<String> {
    let made: Value = serde_json::from_str(
        desk.cli(people[0], &["room", "create", name, "--json"])?
            .trim(),
    )?;
    let room = made["conversation"]
        .as_u64()
        .context("room id")?
        .to_string();
    for who in &people[1..] {
        desk.cli(people[0], &["room", "add", &room, who])?;
    }
    Ok(room)
}

/// Opens a room from the Virtual Rooms tab.
fn open_room(s: &Session, room: &str) -> Result<()> {
    s.wait_for("[data-tab=rooms]", UI_WAIT)?.click()?;
    s.wait_for(
        &format!("[data-testid=room][data-conversation-id='{room}']"),
        UI_WAIT,
    )?
    .click()
}

#[test]
fn a_meeting_started_with_sound_from_the_room_header_is_heard_by_a_cli_participant() -> Result<()> {
    let _one = serial();
    let mut desk = Desktop::start(&["alice", "bob"])?;
    // A sound server whose one null sink's monitor is the app's default microphone.
    std::fs::create_dir_all(desk.home())?;
    let tone = desk.home().join("tone.wav");
    tone_wav(&tone, 1_000.0, 60.0)?;
    let silence = desk.home().join("silence.wav");
    tone_wav(&silence, 0.0, 30.0)?;
    desk.with_sound(&["desk"])?;
    let room = room_of(&desk, "Stand-up", &["alice", "bob"])?;
    let s = desk.launch("alice")?;
    let d = desk.display()?;
    let win = d.find_window("confer", UI_WAIT)?;
    d.focus(win)?;
    open_room(&s, &room)?;
    // The header's button starts the meeting, after the device test.
    s.wait_for("[data-testid=meeting-call-button]", UI_WAIT)?
        .click()?;
    s.wait_for("[data-testid=device-dialog-submit]", UI_WAIT)?
        .click()?;
    s.wait_for("[data-testid=meeting-sound][data-phase=connected]", UI_WAIT)?;
    let mut player = desk
        .pulse()
        .context("the sound server")?
        .play("desk", &tone)?;
    // Bob joins from the command line, silent, recording what he hears.
    let heard = desk.home().join("bob-heard.wav");
    let joined = desk.cli(
        "bob",
        &[
            "meeting",
            "join",
            &room,
            "--seconds",
            "6",
            "--send-audio",
            silence.to_str().context("path")?,
            "--record",
            heard.to_str().context("path")?,
        ],
    );
    let shot = save_screenshot(&d, win, "meeting-sound");
    let _ = player.kill();
    let _ = player.wait();
    joined?;
    shot?;
    let (tone_power, off_power) = (power_at(&heard, 1_000.0)?, power_at(&heard, 1_370.0)?);
    println!("bob hears the app's microphone: {tone_power} at 1 kHz, {off_power} beside");
    ensure!(
        tone_power > 20.0 * off_power.max(1e-9),
        "bob does not hear alice's microphone: {tone_power} at 1 kHz against {off_power}"
    );
    // Leaving the sound keeps alice in the meeting.
    s.wait_for("[data-testid=meeting-sound-leave]", UI_WAIT)?
        .click()?;
    s.until("the sound bar to go", UI_WAIT, |s| {
        Ok(s.find_all("[data-testid=meeting-sound]")?
            .is_empty()
            .then_some(()))
    })?;
    let list = desk.cli("alice", &["room", "list", "--json"])?;
    ensure!(
        list.lines().any(|l| {
            serde_json::from_str::<Value>(l).is_ok_and(|m| {
                m["state"] == "ongoing"
                    && m["participants"]
                        .as_array()
                        .is_some_and(|ps| ps.iter().any(|p| p == "alice"))
            })
        }),
        "alice is still in the meeting: {list}"
    );
    s.quit()
}

/// Children killed when the test ends, however it ends.
struct Reaped(Vec<std::process::Child>);

impl Drop for Reaped {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The frame sequence each tile's canvas has drawn up to, by tile name.
fn tile_sequences(s: &Session) -> Result<Vec<(String, u64)>> {
    let mut out = Vec::new();
    for tile in s.find_all("[data-testid=meeting-tile]")? {
        let name = tile.attr("data-name")?.unwrap_or_default();
        let sequence = match tile.find_all("canvas")?.into_iter().next() {
            Some(canvas) => canvas
                .attr("data-sequence")?
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            None => 0,
        };
        out.push((name, sequence));
    }
    Ok(out)
}

#[test]
fn a_meeting_from_the_room_header_shows_four_moving_tiles_and_mute_for_all_silences_them()
-> Result<()> {
    let _one = serial();
    // A server that records meetings (an optional component).
    let mut desk = Desktop::start_with(&["alice", "bob", "carol", "dave"], |c| {
        c.recording = true;
    })?;
    std::fs::create_dir_all(desk.home())?;
    let room = room_of(&desk, "Design review", &["alice", "bob", "carol", "dave"])?;
    let s = desk.launch("alice")?;
    let d = desk.display()?;
    let win = d.find_window("confer", UI_WAIT)?;
    d.focus(win)?;
    open_room(&s, &room)?;
    // The header's button, the device test, the camera on (no camera here: the app's test
    // pattern stands in, behind the same trait as a real one).
    s.wait_for("[data-testid=meeting-call-button]", UI_WAIT)?
        .click()?;
    s.wait_for("[data-testid=meeting-camera-on]", UI_WAIT)?
        .click()?;
    s.wait_for("[data-testid=device-dialog-submit]", UI_WAIT)?
        .click()?;
    s.wait_for("[data-testid=meeting-sound][data-phase=connected]", UI_WAIT)?;
    // Three join from the command line with video, each saying its own tone.
    let mut clis = Reaped(Vec::new());
    for (who, hz) in [("bob", 500.0), ("carol", 700.0), ("dave", 900.0)] {
        let tone = desk.home().join(format!("{who}.wav"));
        tone_wav(&tone, hz, 150.0)?;
        clis.0.push(desk.spawn_cli(
            who,
            &[
                "meeting",
                "join",
                &room,
                "--video",
                "--seconds",
                "150",
                "--send-audio",
                tone.to_str().context("path")?,
            ],
        )?);
    }
    // Four tiles with pictures: alice's own and the three others', named.
    let wait = Duration::from_secs(60);
    s.until("four live tiles", wait, |s| {
        let live = s.find_all("[data-testid=meeting-tile][data-live=true]")?;
        Ok((live.len() == 4).then_some(()))
    })?;
    // Each named (someone who came in after the app last asked for names is named within
    // seconds).
    s.until("the four tiles named", wait, |s| {
        let mut names: Vec<String> = tile_sequences(s)?.into_iter().map(|t| t.0).collect();
        names.sort();
        Ok((names == ["alice", "bob", "carol", "dave"]).then_some(()))
    })?;
    // Moving: every tile draws new frames.
    let before = tile_sequences(&s)?;
    s.until("every tile to move", wait, |s| {
        let now = tile_sequences(s)?;
        Ok(before
            .iter()
            .all(|(name, seq)| now.iter().any(|(n, q)| n == name && *q >= seq + 5))
            .then_some(()))
    })?;
    // Someone is heard speaking (the tones): the highlight is on.
    s.until("a speaking highlight", wait, |s| {
        Ok((!s
            .find_all("[data-testid=meeting-tile][data-speaking=true]")?
            .is_empty())
        .then_some(()))
    })?;
    save_screenshot(&d, win, "meeting-grid")?;
    // Mute for all: the SFU stops carrying the others' sound, and the highlight goes.
    s.wait_for("[data-testid=meeting-mute-all]", UI_WAIT)?
        .click()?;
    s.wait_for("[data-testid=meeting-mute-all][aria-pressed=true]", UI_WAIT)?;
    s.until("nobody heard speaking", Duration::from_secs(15), |s| {
        Ok(
            s.find_all("[data-testid=meeting-tile][data-speaking=true]")?
                .is_empty()
                .then_some(()),
        )
    })?;
    // The three members are marked muted; alice, who owns the room, is not.
    let marked = s.find_all("[data-testid=meeting-tile][data-muted=true]")?;
    let mut muted_names = Vec::new();
    for tile in marked {
        muted_names.push(tile.attr("data-name")?.unwrap_or_default());
    }
    muted_names.sort();
    ensure!(
        muted_names == ["bob", "carol", "dave"],
        "marked muted: {muted_names:?}"
    );
    // Their pictures go on.
    let muted = tile_sequences(&s)?;
    s.until("the tiles to keep moving", wait, |s| {
        let now = tile_sequences(s)?;
        Ok(muted
            .iter()
            .all(|(name, seq)| now.iter().any(|(n, q)| n == name && *q > *seq))
            .then_some(()))
    })?;
    save_screenshot(&d, win, "meeting-muted")?;
    // Alice records the meeting: the mark shows, for a couple of seconds of moving pictures.
    s.wait_for("[data-testid=meeting-record]", UI_WAIT)?
        .click()?;
    s.wait_for("[data-testid=meeting-recording]", UI_WAIT)?;
    let recorded = tile_sequences(&s)?;
    s.until("two seconds of pictures recorded", wait, |s| {
        let now = tile_sequences(s)?;
        Ok(recorded
            .iter()
            .all(|(name, seq)| now.iter().any(|(n, q)| n == name && *q >= seq + 30))
            .then_some(()))
    })?;
    save_screenshot(&d, win, "meeting-recording")?;
    // Stopped, the mark goes, and the mix comes to the room's files in the details column.
    s.wait_for("[data-testid=meeting-record]", UI_WAIT)?
        .click()?;
    s.until("the recording mark to go", UI_WAIT, |s| {
        Ok(s.find_all("[data-testid=meeting-recording]")?
            .is_empty()
            .then_some(()))
    })?;
    // The mix comes to the room as alice's file message, and into the room's files (the
    // details column's list, further down, downloads it too).
    let id = s.until("the recording's file message", Duration::from_secs(90), |s| {
        let found = s.execute(
            "const card = [...document.querySelectorAll('[data-testid=file-card]')].find((c) => \
               /^meeting-.*\\.webm$/.test(c.querySelector('[data-testid=file-name]')?.textContent?.trim() ?? '')); \
             return card ? card.dataset.fileId : null;",
            vec![],
        )?;
        Ok(found.as_str().map(str::to_owned))
    })?;
    s.wait_for(
        &format!("[data-testid=shared-file][data-file-id='{id}']"),
        UI_WAIT,
    )?;
    for child in &mut clis.0 {
        ensure!(child.try_wait()?.is_none(), "a CLI participant ended early");
    }
    drop(clis);
    s.quit()
}

/// A mono 48 kHz 16-bit WAV file of a sine tone at half scale.
fn tone_wav(path: &std::path::Path, frequency: f64, seconds: f64) -> Result<()> {
    let n = (48_000.0 * seconds) as usize;
    let mut data = Vec::with_capacity(n * 2);
    for i in 0..n {
        let v = (i as f64 / 48_000.0 * frequency * std::f64::consts::TAU).sin() * 0.5;
        data.extend_from_slice(&((v * 32_767.0) as i16).to_le_bytes());
    }
    let mut out = Vec::with_capacity(44 + data.len());
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&48_000u32.to_le_bytes());
    out.extend_from_slice(&96_000u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&data);
    std::fs::write(path, out)?;
    Ok(())
}

/// Presses `chord` (WebDriver key codes, modifiers first, held to its end) on whatever has the
/// focus.
fn press(s: &Session, chord: &str) -> Result<()> {
    s.active()?.send_keys(chord)
}

const QUESTION: &str = "Can you review the budget by Friday?";

/// Ctrl+K to each chat (two tabs), an answer and a reaction from the action bar that Bob reads
/// from the CLI, a search of every chat that opens Bob's chat at an old message, then the whole
/// app switched to French in the settings.
#[test]
fn switcher_tabs_answer_react_search_and_french() -> Result<()> {
    let _one = serial();
    let mut desk = Desktop::start(&["alice", "bob", "carol"])?;
    desk.cli(
        "bob",
        &[
            "send",
            "alice",
            "The budget figures for Q3 are in the shared folder",
        ],
    )?;
    // Enough later messages that the first one is far above the first page.
    const CHATTER: &[&str] = &[
        "Morning! Stand-up moved to 9:45 today",
        "The staging deploy went fine, release notes are in the wiki",
        "Can you check the customer's ticket about invoices?",
        "I'll be out for lunch until 2",
        "Design review is **Thursday**, slides due Wednesday",
        "Thanks, looks good to me 👍",
        "The new build fixes the login issue on macOS",
        "Who has the key to room B?",
        "Heads-up: the VPN will restart at 6 pm",
        "Draft of the proposal is in `Shared/Sales/2027`",
    ];
    seed_with(&desk, "bob", "alice", 60, |i| {
        CHATTER[(i - 1) % CHATTER.len()].to_owned()
    })?;
    let question = desk.cli("bob", &["send", "alice", QUESTION])?;
    desk.cli(
        "carol",
        &[
            "send",
            "alice",
            "Le café est prêt, on se retrouve en salle B ?",
        ],
    )?;
    let s = desk.launch("alice")?;
    let d = desk.display()?;
    let win = d.find_window("confer", UI_WAIT)?;
    d.focus(win)?;
    s.wait_for(&row("bob"), UI_WAIT)?;

    // Ctrl+K, a few letters, Enter: each chat opens in a tab of its own.
    for peer in ["carol", "bob"] {
        press(&s, &format!("{}k", keys::CONTROL))?;
        let field = s.wait_for(
            "[role=dialog] input[role=combobox], [role=dialog] input",
            UI_WAIT,
        )?;
        field.send_keys(&peer[..3])?;
        s.until(&format!("{peer} offered"), UI_WAIT, |s| {
            Ok(text_of(s, "[role=option][aria-selected=true]")?
                .filter(|t| t.contains(peer))
                .map(|_| ()))
        })?;
        field.send_keys(keys::ENTER)?;
        // The header names the person by display name.
        wait_text(&s, "main h1", Some(&confer_testkit::display_name(peer)))?;
    }
    s.until("two tabs", UI_WAIT, |s| {
        Ok((s.find_all("[data-testid=conversation-tab]")?.len() == 2).then_some(()))
    })?;
    save_screenshot(&d, win, "tabs")?;

    // Answer Bob's question and react to it, from its action bar.
    let seq = s.until("bob's question", UI_WAIT, |s| {
        let v = s.execute(
            r#"const m = [...document.querySelectorAll('[data-testid=message]')]
                 .find(m => m.textContent.includes('by Friday'));
               return m ? m.dataset.seq : null;"#,
            vec![],
        )?;
        Ok(v.as_str().map(str::to_owned))
    })?;
    let last = format!("[data-testid=message][data-seq='{seq}']");
    // The action bar shows on hover or while the focus is in it; WebDriver has no hover here,
    // so each tool gets the focus before its click.
    let tool = |name: &str| -> Result<()> {
        let css = format!("{last} [data-testid={name}]");
        s.wait_for(&css, UI_WAIT)?;
        s.execute(
            "document.querySelector(arguments[0]).focus();",
            vec![Value::String(css.clone())],
        )?;
        s.wait_for(&css, UI_WAIT)?.click()
    };
    tool("react")?;
    s.wait_for("[data-testid=quick-emoji] button[data-emoji]", UI_WAIT)?
        .click()?;
    s.wait_for(&format!("{last} [data-testid=reaction]"), UI_WAIT)?;
    tool("reply")?;
    s.wait_for("[data-testid=reply-banner]", UI_WAIT)?;
    let composer = s.wait_for("textarea[aria-label=Message]", UI_WAIT)?;
    composer.send_keys("Yes, on Thursday")?;
    composer.send_keys(keys::ENTER)?;
    let bob_sees = || -> Result<Vec<Value>> {
        desk.cli("bob", &["history", "alice", "--json"])?
            .lines()
            .map(|l| Ok(serde_json::from_str(l)?))
            .collect()
    };
    let deadline = Instant::now() + UI_WAIT;
    loop {
        let messages = bob_sees()?;
        let asked = messages
            .iter()
            .find(|m| m["id"].as_str() == Some(question.trim()) || m["text"] == QUESTION)
            .context("the question in bob's history")?;
        let answered = messages
            .iter()
            .any(|m| m["text"] == "Yes, on Thursday" && m["reply_to"] == asked["seq"]);
        let reacted = asked["reactions"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["users"].to_string().contains("alice")));
        if answered && reacted {
            break;
        }
        ensure!(
            Instant::now() < deadline,
            "bob never saw the answer and the reaction: {messages:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // Search every chat: the oldest hit opens Bob's chat at that message.
    press(&s, &format!("{}{}f", keys::CONTROL, keys::SHIFT))?;
    let field = s.wait_for("[data-testid=search-dialog] input", UI_WAIT)?;
    field.send_keys("budgets")?;
    s.until("two hits", UI_WAIT, |s| {
        Ok((s
            .find_all("[data-testid=search-dialog] [data-testid=search-result]")?
            .len()
            == 2)
            .then_some(()))
    })?;
    save_screenshot(&d, win, "search-results")?;
    let hits = s.find_all("[data-testid=search-dialog] [data-testid=search-result]")?;
    ensure!(hits[1].text()?.contains("Q3"), "{}", hits[1].text()?);
    hits[1].click()?;
    s.until("the old message shown and highlighted", UI_WAIT, |s| {
        let v = s.execute(
            r#"const m = [...document.querySelectorAll('[data-testid=message]')]
                 .find(m => m.textContent.includes('figures for Q3'));
               if (!m) return false;
               const box = document.querySelector('[data-testid=timeline-scroller]').getBoundingClientRect();
               const r = m.getBoundingClientRect();
               return m.classList.contains('highlighted') && r.top >= box.top && r.bottom <= box.bottom;"#,
            vec![],
        )?;
        Ok((v == Value::Bool(true)).then_some(()))
    })?;
    wait_text(&s, "main h1", Some("Bob Carter"))?;

    // French, chosen in the settings: applied at once.
    s.wait_for("button[aria-label=Settings]", UI_WAIT)?
        .click()?;
    s.wait_for("[data-testid=language]", UI_WAIT)?;
    s.execute(
        r#"const l = document.querySelector('[data-testid=language]');
           l.value = 'fr'; l.dispatchEvent(new Event('change', { bubbles: true }));"#,
        vec![],
    )?;
    s.wait_for("[role=dialog] button[type=submit]", UI_WAIT)?
        .click()?;
    s.until("the app in French", UI_WAIT, |s| {
        let v = s.execute(
            "return document.documentElement.lang === 'fr' \
             && !!document.querySelector('button[aria-label=Paramètres]');",
            vec![],
        )?;
        Ok((v == Value::Bool(true)).then_some(()))
    })?;
    ensure!(
        s.find_all("button[aria-label=Settings]")?.is_empty(),
        "an English label is left"
    );
    save_screenshot(&d, win, "french")?;
    s.quit()
}

/// A `width` x `height` PNG: a chart-like gradient with bars.
fn chart_png(width: u32, height: u32) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    let mut data = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            let bar = x * 6 / width;
            let top = height - height * (bar + 2) / 8;
            let (r, g, b) = if y > top && x % (width / 6) > width / 24 {
                (40, 110 + bar * 20, 200)
            } else {
                (246, 247, 250 - y * 20 / height)
            };
            data.extend([r as u8, g as u8, b as u8]);
        }
    }
    writer.write_image_data(&data)?;
    writer.finish()?;
    Ok(out)
}

/// Whether the first image matching `css` has loaded (a real decoded picture).
fn image_loaded(s: &Session, css: &str) -> Result<bool> {
    let v = s.execute(
        "const i = document.querySelector(arguments[0]); \
         return !!i && i.complete && i.naturalWidth > 0;",
        vec![css.into()],
    )?;
    Ok(v.as_bool().unwrap_or(false))
}

#[test]
fn a_picture_from_the_attach_button_reaches_bob_with_its_thumbnail_preview_and_a_link_card()
-> Result<()> {
    let _one = serial();
    let chart = chart_png(1200, 720)?;
    let intranet = confer_testkit::WebServer::start([
        (
            "/q3".to_owned(),
            confer_testkit::Page::ok(
                "text/html; charset=utf-8",
                r#"<html><head><title>Q3 review</title>
                <meta property="og:title" content="Q3 review: numbers and next steps">
                <meta property="og:description" content="Revenue up 12 %, two hires in support, the Lyon office opens in March.">
                <meta property="og:image" content="/chart.png"></head></html>"#,
            ),
        ),
        (
            "/chart.png".to_owned(),
            confer_testkit::Page::ok("image/png", chart.clone()),
        ),
    ])?;
    let mut desk = Desktop::start_with(&["alice", "bob"], |c| {
        c.link_previews = true;
        c.link_preview_allow = vec!["127.0.0.1".into()];
    })?;
    desk.cli("bob", &["send", "alice", "Could you send me the Q3 chart?"])?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("q3-chart.png");
    std::fs::write(&path, &chart)?;

    let s = desk.launch("alice")?;
    let d = desk.display()?;
    let win = d.find_window("confer", UI_WAIT)?;
    d.focus(win)?;
    s.wait_for(&row("bob"), UI_WAIT)?.click()?;
    // WebDriver cannot drop files on a window: the paperclip's file input takes the path, as
    // the system's file dialog would give it.
    s.wait_for("[data-testid=attach-input]", UI_WAIT)?
        .send_keys(&path.display().to_string())?;
    let mine = "[data-testid=message][data-mine=true] [data-testid=file-card]";
    s.until("alice's picture shared with its thumbnail", UI_WAIT, |s| {
        image_loaded(s, &format!("{mine} [data-testid=thumbnail] img")).map(|l| l.then_some(()))
    })
    .map_err(|e| anyhow::anyhow!("{e}: {}", s.page_text()))?;
    let name = s.execute(
        "return document.querySelector(arguments[0])?.textContent ?? null;",
        vec![format!("{mine} [data-testid=file-name]").into()],
    )?;
    ensure!(name == "q3-chart.png", "the card names the file: {name}");
    s.quit()?;

    // Bob: the picture's thumbnail in his timeline, its preview in a window of its own.
    let s = desk.launch("bob")?;
    let win = d.find_window("confer", UI_WAIT)?;
    d.focus(win)?;
    s.wait_for(&row("alice"), UI_WAIT)?.click()?;
    let theirs = "[data-testid=message][data-mine=false] [data-testid=file-card]";
    s.until("the thumbnail at bob's", UI_WAIT, |s| {
        image_loaded(s, &format!("{theirs} [data-testid=thumbnail] img")).map(|l| l.then_some(()))
    })
    .map_err(|e| anyhow::anyhow!("{e}: {}", s.page_text()))?;
    // The link card: alice sends the review's link from the command line.
    let link = intranet.url("/q3");
    desk.cli(
        "alice",
        &[
            "send",
            "bob",
            &format!("Here it is, with the review: {link}"),
        ],
    )?;
    s.until("the link card", UI_WAIT, |s| {
        Ok(text_of(s, "[data-testid=link-card]")?
            .filter(|t| t.contains("Q3 review: numbers and next steps"))
            .map(|_| ()))
    })
    .map_err(|e| anyhow::anyhow!("{e}: {}", s.page_text()))?;
    s.until("the card's picture", UI_WAIT, |s| {
        image_loaded(s, "[data-testid=link-card] img").map(|l| l.then_some(()))
    })?;
    ensure!(
        intranet.hits("/q3") == 1,
        "the server fetched the page once"
    );
    save_screenshot(&d, win, "files-and-link-card")?;

    let main = s.window_handle()?;
    s.find_all(&format!("{theirs} button"))?
        .first()
        .context("the Preview button")?
        .click()?;
    let preview = s.until("the preview window", UI_WAIT, |s| {
        Ok(s.window_handles()?.into_iter().find(|h| *h != main))
    })?;
    s.switch_to_window(&preview)?;
    s.until("the previewed picture", UI_WAIT, |s| {
        image_loaded(s, "[data-testid=file-preview] img").map(|l| l.then_some(()))
    })
    .map_err(|e| anyhow::anyhow!("{e}: {}", s.page_text()))?;
    let shown = s.execute(
        "const i = document.querySelector('[data-testid=file-preview] img'); \
         return [i.naturalWidth, i.naturalHeight];",
        vec![],
    )?;
    ensure!(
        shown == serde_json::json!([1200, 720]),
        "the whole picture: {shown}"
    );
    s.switch_to_window(&main)?;
    s.quit()
}
