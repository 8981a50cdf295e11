//! One test suite for every [`super::Store`] implementation.
//!
//! `store_conformance_tests!(make)` expands the suite in the calling module, where
//! `make(dir: &Path, clock: Clock) -> impl Store` opens a fresh store in a temp dir.

macro_rules! store_conformance_tests {
    ($make:ident) => {
        mod conformance {
            use std::sync::{
                Arc,
                atomic::{AtomicI64, Ordering},
            };

            use confer_proto::{Change, FavouriteState, PresenceChoice, TickState};

            use super::$make;
            use crate::store::{
                Outcome, PresencePolicy, Store, StoreError, UserId, WriteOp, sqlite::Clock,
            };

            const DAY: i64 = 24 * 60 * 60 * 1000;

            struct Fixture {
                store: Box<dyn Store>,
                now: Arc<AtomicI64>,
                _dir: tempfile::TempDir,
            }

            impl Fixture {
                fn new() -> Self {
                    let dir = tempfile::tempdir().unwrap();
                    let now = Arc::new(AtomicI64::new(1_000 * DAY));
                    let clock_now = now.clone();
                    let clock: Clock = Arc::new(move || clock_now.load(Ordering::SeqCst));
                    Self { store: Box::new($make(dir.path(), clock)), now, _dir: dir }
                }

                fn write(&self, op: WriteOp) -> Result<crate::store::Committed, StoreError> {
                    self.store.write_batch(vec![op]).unwrap().pop().unwrap()
                }

                fn user(&self, name: &str) -> UserId {
                    match self
                        .write(WriteOp::CreateUser {
                            name: name.into(),
                            display_name: format!("{name} Display"),
                            email: None,
                            password_hash: "x".into(),
                        })
                        .unwrap()
                        .outcome
                    {
                        Outcome::User(id) => id,
                        other => panic!("{other:?}"),
                    }
                }

                fn direct(&self, a: UserId, b: &str) -> u64 {
                    match self.write(WriteOp::OpenDirect { user: a, other: b.into() }).unwrap().outcome {
                        Outcome::Conversation(c) => c.info.id,
                        other => panic!("{other:?}"),
                    }
                }

                fn send(&self, user: UserId, conversation: u64, client_id: &str) -> u64 {
                    match self
                        .write(WriteOp::SendMessage {
                            user,
                            conversation,
                            client_id: client_id.into(),
                            text: format!("text {client_id}"),
                        })
                        .unwrap()
                        .outcome
                    {
                        Outcome::Sent(ack) => ack.seq,
                        other => panic!("{other:?}"),
                    }
                }
            }

            #[test]
            fn users_are_unique_case_insensitively_and_names_validated() {
                let f = Fixture::new();
                f.user("alice");
                let dup = f.write(WriteOp::CreateUser {
                    name: "ALICE".into(),
                    display_name: "A".into(),
                    email: None,
                    password_hash: "x".into(),
                });
                assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
                let bad = f.write(WriteOp::CreateUser {
                    name: "no spaces".into(),
                    display_name: "A".into(),
                    email: None,
                    password_hash: "x".into(),
                });
                assert!(matches!(bad, Err(StoreError::Invalid(_))), "{bad:?}");
                assert_eq!(f.store.list_users().unwrap().len(), 1);
                assert_eq!(f.store.user_by_name("Alice").unwrap().unwrap().info.name, "alice");
            }

            #[test]
            fn a_failed_op_does_not_undo_the_rest_of_its_batch() {
                let f = Fixture::new();
                let ops = ["a", "a", "b"].map(|n| WriteOp::CreateUser {
                    name: n.into(),
                    display_name: n.into(),
                    email: None,
                    password_hash: "x".into(),
                });
                let results = f.store.write_batch(ops.into()).unwrap();
                assert!(results[0].is_ok() && results[1].is_err() && results[2].is_ok());
                assert_eq!(f.store.list_users().unwrap().len(), 2);
            }

            #[test]
            fn sessions_are_revoked_by_logout_password_change_and_disable() {
                let f = Fixture::new();
                let alice = f.user("alice");
                let session = |hash: &[u8]| match f
                    .write(WriteOp::CreateSession { user: alice, token_hash: hash.to_vec(), device: None })
                    .unwrap()
                    .outcome
                {
                    Outcome::Session(id) => id,
                    other => panic!("{other:?}"),
                };
                let s1 = session(b"h1");
                assert_eq!(f.store.session_by_token_hash(b"h1").unwrap().unwrap().user.id, alice);
                f.write(WriteOp::RevokeSession { session: s1 }).unwrap();
                assert!(f.store.session_by_token_hash(b"h1").unwrap().is_none());
                session(b"h2");
                f.write(WriteOp::SetPassword { name: "alice".into(), password_hash: "y".into() }).unwrap();
                assert!(f.store.session_by_token_hash(b"h2").unwrap().is_none());
                session(b"h3");
                f.write(WriteOp::DisableUser { name: "alice".into() }).unwrap();
                assert!(f.store.session_by_token_hash(b"h3").unwrap().is_none());
                assert!(f.store.user_by_name("alice").unwrap().unwrap().disabled);
            }

            #[test]
            fn a_pair_has_one_direct_conversation() {
                let f = Fixture::new();
                let alice = f.user("alice");
                let bob = f.user("bob");
                let c1 = f.direct(alice, "bob");
                let c2 = f.direct(bob, "alice");
                assert_eq!(c1, c2);
                assert!(matches!(
                    f.write(WriteOp::OpenDirect { user: alice, other: "alice".into() }),
                    Err(StoreError::Invalid(_))
                ));
                assert!(matches!(
                    f.write(WriteOp::OpenDirect { user: alice, other: "nobody".into() }),
                    Err(StoreError::NotFound(_))
                ));
            }

            #[test]
            fn sending_is_idempotent_and_members_only() {
                let f = Fixture::new();
                let alice = f.user("alice");
                f.user("bob");
                let carol = f.user("carol");
                let conv = f.direct(alice, "bob");
                assert_eq!(f.send(alice, conv, "m1"), 1);
                assert_eq!(f.send(alice, conv, "m2"), 2);
                let again = f
                    .write(WriteOp::SendMessage {
                        user: alice,
                        conversation: conv,
                        client_id: "m1".into(),
                        text: "different".into(),
                    })
                    .unwrap();
                assert!(again.published.is_empty());
                assert!(matches!(again.outcome, Outcome::Sent(ref a) if a.seq == 1 && a.duplicate));
                let refused = f.write(WriteOp::SendMessage {
                    user: carol,
                    conversation: conv,
                    client_id: "c1".into(),
                    text: "hi".into(),
                });
                assert!(matches!(refused, Err(StoreError::Forbidden(_))), "{refused:?}");
                assert!(matches!(f.store.history(carol, conv, None, None, 0), Err(StoreError::Forbidden(_))));
                let page = f.store.history(alice, conv, None, None, f.now.load(Ordering::SeqCst)).unwrap();
                assert_eq!(page.messages.iter().map(|m| m.seq).collect::<Vec<_>>(), [1, 2]);
                assert_eq!(page.messages[0].text, "text m1");
            }

            #[test]
            fn ticks_follow_public_receipts_and_privacy_hides_them() {
                let f = Fixture::new();
                let alice = f.user("alice");
                let bob = f.user("bob");
                let conv = f.direct(alice, "bob");
                f.send(alice, conv, "m1");
                f.send(alice, conv, "m2");
                let state = |viewer| {
                    f.store.history(viewer, conv, None, None, 0).unwrap().messages.iter().map(|m| m.state).collect::<Vec<_>>()
                };
                assert_eq!(state(alice), [TickState::Sent, TickState::Sent]);
                let c = f.write(WriteOp::MarkDelivered { user: bob, conversation: conv, seq: 2 }).unwrap();
                assert!(c.published.iter().any(|p| p.recipients == [alice]
                    && matches!(p.change, Change::Ticks { delivered_through: 2, read_through: 0, .. })));
                assert_eq!(state(alice), [TickState::Delivered, TickState::Delivered]);
                f.write(WriteOp::MarkRead { user: bob, conversation: conv, seq: 1 }).unwrap();
                assert_eq!(state(alice), [TickState::Read, TickState::Delivered]);
                assert_eq!(f.store.conversation(bob, conv).unwrap().unread, 1);

                // Bob goes private: his reads move his own cursor but no public receipt.
                f.write(WriteOp::SetPrivacy { user: bob, enabled: true }).unwrap();
                let c = f.write(WriteOp::MarkRead { user: bob, conversation: conv, seq: 2 }).unwrap();
                assert!(c.published.iter().all(|p| p.recipients == [bob]));
                assert_eq!(f.store.conversation(bob, conv).unwrap().unread, 0);
                assert_eq!(state(alice), [TickState::Read, TickState::Delivered]);
                // A private viewer sees only the server tick on their own messages.
                f.send(bob, conv, "b1");
                f.write(WriteOp::MarkRead { user: alice, conversation: conv, seq: 3 }).unwrap();
                assert!(state(bob).iter().all(|s| *s == TickState::Sent));
            }

            #[test]
            fn first_page_is_thirty_days_or_the_newest_75() {
                let f = Fixture::new();
                let alice = f.user("alice");
                f.user("bob");
                let conv = f.direct(alice, "bob");
                let start = f.now.load(Ordering::SeqCst);
                for i in 0..100 {
                    f.send(alice, conv, &format!("old{i}"));
                }
                f.now.store(start + 40 * DAY, Ordering::SeqCst);
                for i in 0..10 {
                    f.send(alice, conv, &format!("new{i}"));
                }
                let now = f.now.load(Ordering::SeqCst);
                let first = f.store.history(alice, conv, None, None, now).unwrap();
                assert_eq!(first.messages.len(), 75);
                assert_eq!(first.messages.last().unwrap().seq, 110);
                assert!(first.has_more);
                let older = f.store.history(alice, conv, Some(first.messages[0].seq), Some(50), now).unwrap();
                assert_eq!(older.messages.len(), 35);
                assert_eq!((older.messages[0].seq, older.messages[34].seq), (1, 35));
                assert!(!older.has_more);
                // 90 recent messages: all of them on the first page.
                for i in 0..80 {
                    f.send(alice, conv, &format!("more{i}"));
                }
                let first = f.store.history(alice, conv, None, None, now).unwrap();
                assert_eq!(first.messages.len(), 90);
            }

            #[test]
            fn clear_history_hides_for_one_user_only() {
                let f = Fixture::new();
                let alice = f.user("alice");
                let bob = f.user("bob");
                let conv = f.direct(alice, "bob");
                f.send(alice, conv, "m1");
                f.send(alice, conv, "m2");
                f.write(WriteOp::ClearHistory { user: bob, conversation: conv }).unwrap();
                f.send(alice, conv, "m3");
                let bob_view = f.store.history(bob, conv, None, None, 0).unwrap();
                assert_eq!(bob_view.messages.iter().map(|m| m.seq).collect::<Vec<_>>(), [3]);
                assert_eq!(f.store.history(alice, conv, None, None, 0).unwrap().messages.len(), 3);
                let s = f.store.conversation(bob, conv).unwrap();
                assert_eq!((s.unread, s.cleared_through), (1, 2));
                let replay = f.store.changes_since(bob, 0, 100).unwrap();
                let seqs: Vec<u64> = replay
                    .changes
                    .iter()
                    .filter_map(|(_, c)| match c {
                        Change::Message { message } => Some(message.seq),
                        _ => None,
                    })
                    .collect();
                assert_eq!(seqs, [3]);
            }

            #[test]
            fn changes_since_shows_only_what_concerns_the_user_in_order() {
                let f = Fixture::new();
                let alice = f.user("alice");
                let bob = f.user("bob");
                let carol = f.user("carol");
                let ab = f.direct(alice, "bob");
                f.send(alice, ab, "m1");
                f.write(WriteOp::SetMuted { user: bob, conversation: ab, muted: true }).unwrap();
                let all_bob = f.store.changes_since(bob, 0, 100).unwrap();
                let all_alice = f.store.changes_since(alice, 0, 100).unwrap();
                assert_eq!(all_bob.changes.len(), 3); // conversation, message, settings
                assert_eq!(all_alice.changes.len(), 2);
                assert!(all_bob.changes.windows(2).all(|w| w[0].0 < w[1].0));
                assert!(f.store.changes_since(carol, 0, 100).unwrap().changes.is_empty());
                let after = f.store.changes_since(bob, all_bob.changes[0].0, 1).unwrap();
                assert_eq!(after.changes.len(), 1);
                assert_eq!(after.changes[0].0, all_bob.changes[1].0);
                assert_eq!(f.store.max_position().unwrap(), all_bob.scanned_to);
            }

            #[test]
            fn favourites_need_acceptance_under_the_subscribers_policy() {
                let f = Fixture::new();
                let alice = f.user("alice");
                let bob = f.user("bob");
                f.write(WriteOp::AddFavourite { user: alice, target: "bob".into(), policy: PresencePolicy::Subscribers })
                    .unwrap();
                let (out, _) = f.store.favourites(alice).unwrap();
                assert_eq!(out[0].state, FavouriteState::Pending);
                let (_, incoming) = f.store.favourites(bob).unwrap();
                assert_eq!(incoming[0].owner, "alice");
                assert!(f.store.presence_watchers(bob).unwrap().is_empty());
                f.write(WriteOp::AnswerSubscription { user: bob, requester: "alice".into(), accept: true }).unwrap();
                assert_eq!(f.store.presence_watchers(bob).unwrap(), [alice]);
                let again = f.write(WriteOp::AnswerSubscription { user: bob, requester: "alice".into(), accept: false });
                assert!(matches!(again, Err(StoreError::NotFound(_))));
                f.write(WriteOp::RemoveFavourite { user: alice, target: "bob".into() }).unwrap();
                assert!(f.store.presence_watchers(bob).unwrap().is_empty());
                assert!(f.store.favourites(alice).unwrap().0.is_empty());
                // Under the organisation policy a favourite is accepted at once.
                f.write(WriteOp::AddFavourite { user: bob, target: "alice".into(), policy: PresencePolicy::Organization })
                    .unwrap();
                assert_eq!(f.store.favourites(bob).unwrap().0[0].state, FavouriteState::Accepted);
            }

            #[test]
            fn status_and_privacy_are_stored_settings() {
                let f = Fixture::new();
                let alice = f.user("alice");
                let c = f
                    .write(WriteOp::SetStatus { user: alice, status: PresenceChoice::Dnd, message: Some("focus".into()) })
                    .unwrap();
                assert!(matches!(c.published[0].change, Change::Settings { .. }));
                f.write(WriteOp::SetPrivacy { user: alice, enabled: true }).unwrap();
                let s = f.store.user_by_id(alice).unwrap().unwrap().settings;
                assert_eq!((s.status, s.status_message.as_deref(), s.privacy), (PresenceChoice::Dnd, Some("focus"), true));
            }
        }
    };
}
