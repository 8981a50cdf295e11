//! 1:1 calls, written once: who may ring whom, ringing every device of the callee and
//! stopping the others when one answers, relaying signals only between the two devices in the
//! call, and the line each call leaves in the timeline ("Missed call", "Declined", "Call 4:12").
//!
//! A call is ephemeral, like presence: the [`CallBook`] holds the calls of this node in memory
//! and every transition returns [`Effect`]s (events for given devices, a timeline line to
//! write, the ring timer to arm or disarm) that the runtime (`crate::calls`) carries out. It
//! knows neither the hub nor the writer, so the rules are tested here directly and any other
//! front end (XMPP Jingle, say) drives the same book.

use std::collections::HashMap;

use confer_proto::{
    CallEnd, CallInfo, CallOutcome, CallRecord, CallSignal, Event, Field, IceServer,
    MAX_CANDIDATE_BYTES, MAX_SDP_BYTES, Reason,
};

use crate::store::{ConversationId, StoreError, UserId};

/// A device: a user's synced connection (its hub subscription id).
pub(crate) type DeviceId = u64;

/// One side of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Party {
    /// The user.
    pub user: UserId,
    /// Their account name.
    pub name: String,
}

/// What the runtime does after a transition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Effect {
    /// Send an event to one device.
    Notify {
        /// Whose device.
        user: UserId,
        /// Which.
        device: DeviceId,
        /// What (boxed: a ringing event carries the whole call).
        event: Box<Event>,
    },
    /// Write the call's line into the conversation (the caller is its sender).
    Record {
        /// The direct conversation.
        conversation: ConversationId,
        /// Who called.
        caller: UserId,
        /// How it went.
        record: CallRecord,
    },
    /// Start the ring timer: call [`CallBook::timeout`] after `RING_TIMEOUT_MS`.
    Arm {
        /// The call.
        call: u64,
    },
    /// The call was answered: stop its ring timer.
    Disarm {
        /// The call.
        call: u64,
    },
    /// The call is over (or never got going): stop its timer, end its relay credentials.
    Ended {
        /// The call.
        call: u64,
    },
}

#[derive(Debug)]
struct Call {
    info: CallInfo,
    caller: UserId,
    caller_device: DeviceId,
    callee: UserId,
    /// The callee's credentials for the relay (the caller's are in `info`).
    callee_ice: Vec<IceServer>,
    /// Devices of the callee still ringing.
    ringing: Vec<DeviceId>,
    /// The device that answered, and when.
    answered: Option<(DeviceId, i64)>,
}

impl Call {
    fn for_callee(&self) -> CallInfo {
        CallInfo {
            ice_servers: self.callee_ice.clone(),
            ..self.info.clone()
        }
    }

    fn record(&self, outcome: CallOutcome, now: i64) -> Effect {
        let duration_ms = match (outcome, self.answered) {
            (CallOutcome::Completed, Some((_, at))) => u64::try_from(now - at).unwrap_or(0),
            _ => 0,
        };
        Effect::Record {
            conversation: self.info.conversation,
            caller: self.caller,
            record: CallRecord {
                outcome,
                video: self.info.video,
                duration_ms,
            },
        }
    }
}

/// A placed call, or a refusal, with what to do either way (a busy callee still gets a missed
/// call in the timeline).
pub(crate) type Placed = (Result<CallInfo, StoreError>, Vec<Effect>);

/// The calls of this node.
#[derive(Debug, Default)]
pub(crate) struct CallBook {
    next: u64,
    calls: HashMap<u64, Call>,
    /// The call each user is in (placing, ringing or talking).
    busy: HashMap<UserId, u64>,
}

fn ended(user: UserId, device: DeviceId, call: u64, reason: CallEnd) -> Effect {
    Effect::Notify {
        user,
        device,
        event: Box::new(Event::CallEnded { call, reason }),
    }
}

fn no_such_call(call: u64) -> StoreError {
    StoreError::NotFound(Reason::NoSuchCall { call })
}

impl CallBook {
    /// Calls going on (ringing or answered).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.calls.len()
    }

    /// `caller`, on `caller_device`, rings `callee` in their direct conversation (the caller
    /// checked membership): every device in `callee_devices` rings. With none, the call ends at
    /// once as missed. `ice` gives each party's relay credentials for the call.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn place(
        &mut self,
        caller: Party,
        caller_device: DeviceId,
        callee: Party,
        conversation: ConversationId,
        video: bool,
        callee_devices: Vec<DeviceId>,
        ice: impl Fn(u64, &str) -> Vec<IceServer>,
        now: i64,
    ) -> Placed {
        if caller.user == callee.user {
            return (Err(StoreError::Invalid(Reason::DirectWithSelf)), vec![]);
        }
        if self.busy.contains_key(&caller.user) {
            return (Err(StoreError::Conflict(Reason::InCallAlready)), vec![]);
        }
        self.next += 1;
        let id = self.next;
        let call = Call {
            info: CallInfo {
                id,
                conversation,
                caller: caller.name.clone(),
                callee: callee.name.clone(),
                video,
                ice_servers: ice(id, &caller.name),
            },
            caller: caller.user,
            caller_device,
            callee: callee.user,
            callee_ice: ice(id, &callee.name),
            ringing: callee_devices,
            answered: None,
        };
        if self.busy.contains_key(&callee.user) {
            let refusal = StoreError::Conflict(Reason::Busy { name: callee.name });
            let effects = vec![
                call.record(CallOutcome::Missed, now),
                Effect::Ended { call: id },
            ];
            return (Err(refusal), effects);
        }
        if call.ringing.is_empty() {
            let effects = vec![
                ended(caller.user, caller_device, id, CallEnd::Unavailable),
                call.record(CallOutcome::Missed, now),
                Effect::Ended { call: id },
            ];
            return (Ok(call.info), effects);
        }
        let mut effects: Vec<Effect> = call
            .ringing
            .iter()
            .map(|&device| Effect::Notify {
                user: callee.user,
                device,
                event: Box::new(Event::CallRinging {
                    call: call.for_callee(),
                }),
            })
            .collect();
        effects.push(Effect::Arm { call: id });
        let info = call.info.clone();
        self.busy.insert(caller.user, id);
        self.busy.insert(callee.user, id);
        self.calls.insert(id, call);
        (Ok(info), effects)
    }

    /// The callee answers on `device`; the others stop ringing and the caller is told to send
    /// its offer.
    pub(crate) fn answer(
        &mut self,
        user: UserId,
        device: DeviceId,
        call: u64,
        now: i64,
    ) -> Result<(CallInfo, Vec<Effect>), StoreError> {
        let c = self
            .calls
            .get_mut(&call)
            .filter(|c| c.callee == user)
            .ok_or_else(|| no_such_call(call))?;
        if c.answered.is_some() {
            return Err(StoreError::Conflict(Reason::CallAnsweredAlready { call }));
        }
        c.answered = Some((device, now));
        let mut effects: Vec<Effect> = std::mem::take(&mut c.ringing)
            .into_iter()
            .filter(|&d| d != device)
            .map(|d| ended(user, d, call, CallEnd::AnsweredElsewhere))
            .collect();
        effects.push(Effect::Notify {
            user: c.caller,
            device: c.caller_device,
            event: Box::new(Event::CallAnswered { call }),
        });
        effects.push(Effect::Disarm { call });
        Ok((c.for_callee(), effects))
    }

    /// The callee refuses a ringing call (an answered one is hung up instead, and the caller
    /// "declining" their own call gives it up).
    pub(crate) fn decline(
        &mut self,
        user: UserId,
        device: DeviceId,
        call: u64,
        now: i64,
    ) -> Result<Vec<Effect>, StoreError> {
        let c = self.party_call(user, call)?;
        if c.answered.is_some() || c.caller == user {
            return self.hang_up(user, device, call, now);
        }
        let c = self.remove(call);
        let mut effects: Vec<Effect> = c
            .ringing
            .iter()
            .filter(|&&d| d != device)
            .map(|&d| ended(user, d, call, CallEnd::DeclinedElsewhere))
            .collect();
        effects.push(ended(c.caller, c.caller_device, call, CallEnd::Declined));
        effects.push(c.record(CallOutcome::Declined, now));
        effects.push(Effect::Ended { call });
        Ok(effects)
    }

    /// A party ends the call: the caller before an answer gives it up (a missed call for the
    /// callee), either device in the call ends it (a completed call with its duration).
    pub(crate) fn hang_up(
        &mut self,
        user: UserId,
        device: DeviceId,
        call: u64,
        now: i64,
    ) -> Result<Vec<Effect>, StoreError> {
        let c = self.party_call(user, call)?;
        match c.answered {
            None if c.caller == user => Ok(self.give_up(call, CallEnd::Cancelled, now)),
            // The callee hanging up a call that rings is declining it.
            None => self.decline(user, device, call, now),
            Some((answered, _)) => {
                let in_call = (user == c.caller && device == c.caller_device)
                    || (user == c.callee && device == answered);
                if !in_call {
                    // Another device of a party: it is not in this call.
                    return Err(no_such_call(call));
                }
                Ok(self.finish(call, device, CallEnd::HungUp, now))
            }
        }
    }

    /// Passes a signal from one device in an answered call to the other.
    pub(crate) fn signal(
        &self,
        user: UserId,
        device: DeviceId,
        call: u64,
        signal: CallSignal,
    ) -> Result<Effect, StoreError> {
        let c = self.party_call(user, call)?;
        let from_caller = user == c.caller && device == c.caller_device;
        let Some((answered, _)) = c.answered else {
            return Err(if from_caller {
                StoreError::Conflict(Reason::CallNotAnswered { call })
            } else {
                no_such_call(call)
            });
        };
        let from_callee = user == c.callee && device == answered;
        if !from_caller && !from_callee {
            return Err(no_such_call(call));
        }
        check_signal(&signal, from_caller)?;
        let (to, to_device) = if from_caller {
            (c.callee, answered)
        } else {
            (c.caller, c.caller_device)
        };
        Ok(Effect::Notify {
            user: to,
            device: to_device,
            event: Box::new(Event::CallSignal { call, signal }),
        })
    }

    /// The ring timer fired: an unanswered call ends as missed.
    pub(crate) fn timeout(&mut self, call: u64, now: i64) -> Vec<Effect> {
        match self.calls.get(&call) {
            Some(c) if c.answered.is_none() => self.give_up(call, CallEnd::NoAnswer, now),
            _ => vec![],
        }
    }

    /// A device went away (its connection closed): the call it placed or is in ends; a
    /// ringing device just stops ringing, and when none is left the call ends unanswered.
    pub(crate) fn device_gone(&mut self, user: UserId, device: DeviceId, now: i64) -> Vec<Effect> {
        let Some(&call) = self.busy.get(&user) else {
            return vec![];
        };
        let c = self
            .calls
            .get_mut(&call)
            .expect("a busy user's call exists");
        match c.answered {
            Some((answered, _))
                if (user == c.caller && device == c.caller_device)
                    || (user == c.callee && device == answered) =>
            {
                self.finish(call, device, CallEnd::Disconnected, now)
            }
            None if user == c.caller && device == c.caller_device => {
                self.give_up(call, CallEnd::Cancelled, now)
            }
            None if user == c.callee => {
                c.ringing.retain(|&d| d != device);
                if c.ringing.is_empty() {
                    self.give_up(call, CallEnd::NoAnswer, now)
                } else {
                    vec![]
                }
            }
            _ => vec![],
        }
    }

    fn party_call(&self, user: UserId, call: u64) -> Result<&Call, StoreError> {
        self.calls
            .get(&call)
            .filter(|c| c.caller == user || c.callee == user)
            .ok_or_else(|| no_such_call(call))
    }

    fn remove(&mut self, call: u64) -> Call {
        let c = self.calls.remove(&call).expect("the call exists");
        self.busy.remove(&c.caller);
        self.busy.remove(&c.callee);
        c
    }

    /// Ends an unanswered call: everyone still involved is told `why`; a missed call.
    fn give_up(&mut self, call: u64, why: CallEnd, now: i64) -> Vec<Effect> {
        let c = self.remove(call);
        let mut effects: Vec<Effect> = c
            .ringing
            .iter()
            .map(|&d| ended(c.callee, d, call, why))
            .collect();
        if why != CallEnd::Cancelled {
            effects.push(ended(c.caller, c.caller_device, call, why));
        }
        effects.push(c.record(CallOutcome::Missed, now));
        effects.push(Effect::Ended { call });
        effects
    }

    /// Ends an answered call from `device`'s side: the other device is told `why`.
    fn finish(&mut self, call: u64, device: DeviceId, why: CallEnd, now: i64) -> Vec<Effect> {
        let c = self.remove(call);
        let (answered, _) = c.answered.expect("an answered call");
        let other = if device == c.caller_device {
            (c.callee, answered)
        } else {
            (c.caller, c.caller_device)
        };
        vec![
            ended(other.0, other.1, call, why),
            c.record(CallOutcome::Completed, now),
            Effect::Ended { call },
        ]
    }
}

/// Sizes, the shape of a session description, and who sends which.
fn check_signal(signal: &CallSignal, from_caller: bool) -> Result<(), StoreError> {
    let too_long = |field, max: usize| {
        Err(StoreError::Invalid(Reason::FieldTooLong {
            field,
            max: max as u64,
        }))
    };
    match signal {
        CallSignal::Offer { .. } if !from_caller => {
            Err(StoreError::Invalid(Reason::SignalOutOfTurn))
        }
        CallSignal::Answer { .. } if from_caller => {
            Err(StoreError::Invalid(Reason::SignalOutOfTurn))
        }
        CallSignal::Offer { sdp } | CallSignal::Answer { sdp } => {
            if sdp.len() > MAX_SDP_BYTES {
                too_long(Field::SessionDescription, MAX_SDP_BYTES)
            } else if !sdp.starts_with("v=0") {
                Err(StoreError::Invalid(Reason::BadSdp))
            } else {
                Ok(())
            }
        }
        CallSignal::Candidate {
            candidate, sdp_mid, ..
        } => {
            let mid = sdp_mid.as_deref().map_or(0, str::len);
            if candidate.len() > MAX_CANDIDATE_BYTES || mid > MAX_CANDIDATE_BYTES {
                too_long(Field::IceCandidate, MAX_CANDIDATE_BYTES)
            } else {
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: UserId = 1;
    const BOB: UserId = 2;
    const CAROL: UserId = 3;

    fn party(user: UserId, name: &str) -> Party {
        Party {
            user,
            name: name.into(),
        }
    }

    fn no_ice(_: u64, _: &str) -> Vec<IceServer> {
        vec![]
    }

    /// Alice (device 10) rings Bob on devices 20 and 21.
    fn ringing(book: &mut CallBook) -> u64 {
        let (placed, effects) = book.place(
            party(ALICE, "alice"),
            10,
            party(BOB, "bob"),
            5,
            false,
            vec![20, 21],
            no_ice,
            1_000,
        );
        let call = placed.expect("placed").id;
        assert_eq!(effects.len(), 3, "two rings and the timer: {effects:?}");
        call
    }

    fn records(effects: &[Effect]) -> Vec<(CallOutcome, u64)> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Record { record, .. } => Some((record.outcome, record.duration_ms)),
                _ => None,
            })
            .collect()
    }

    fn told(effects: &[Effect]) -> Vec<(DeviceId, CallEnd)> {
        let mut v: Vec<_> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::Notify { device, event, .. } => match **event {
                    Event::CallEnded { reason, .. } => Some((*device, reason)),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        v.sort_by_key(|(d, _)| *d);
        v
    }

    fn offer() -> CallSignal {
        CallSignal::Offer {
            sdp: "v=0\r\n".into(),
        }
    }

    #[test]
    fn answering_on_one_device_stops_the_other_and_a_hang_up_records_the_duration() {
        let mut book = CallBook::default();
        let call = ringing(&mut book);
        let (_, effects) = book.answer(BOB, 21, call, 2_000).unwrap();
        assert_eq!(told(&effects), vec![(20, CallEnd::AnsweredElsewhere)]);
        assert!(effects.contains(&Effect::Notify {
            user: ALICE,
            device: 10,
            event: Box::new(Event::CallAnswered { call })
        }));
        // A second answer, from the device that stopped ringing, is refused.
        assert!(matches!(
            book.answer(BOB, 20, call, 2_100),
            Err(StoreError::Conflict(Reason::CallAnsweredAlready { .. }))
        ));
        // The other device cannot hang up a call it is not in.
        assert!(book.hang_up(BOB, 20, call, 2_200).is_err());
        let effects = book.hang_up(BOB, 21, call, 254_000).unwrap();
        assert_eq!(told(&effects), vec![(10, CallEnd::HungUp)]);
        assert_eq!(records(&effects), vec![(CallOutcome::Completed, 252_000)]);
        assert_eq!(book.len(), 0);
        assert!(book.busy.is_empty());
    }

    #[test]
    fn declining_stops_every_device_and_tells_the_caller() {
        let mut book = CallBook::default();
        let call = ringing(&mut book);
        let effects = book.decline(BOB, 20, call, 3_000).unwrap();
        assert_eq!(
            told(&effects),
            vec![(10, CallEnd::Declined), (21, CallEnd::DeclinedElsewhere)]
        );
        assert_eq!(records(&effects), vec![(CallOutcome::Declined, 0)]);
        assert!(matches!(
            book.hang_up(ALICE, 10, call, 3_100),
            Err(StoreError::NotFound(Reason::NoSuchCall { .. }))
        ));
    }

    #[test]
    fn an_unanswered_call_is_missed_on_timeout_and_when_the_caller_gives_up() {
        let mut book = CallBook::default();
        let call = ringing(&mut book);
        let effects = book.timeout(call, 46_000);
        assert_eq!(
            told(&effects),
            vec![
                (10, CallEnd::NoAnswer),
                (20, CallEnd::NoAnswer),
                (21, CallEnd::NoAnswer)
            ]
        );
        assert_eq!(records(&effects), vec![(CallOutcome::Missed, 0)]);
        // A timer that fires after the end does nothing.
        assert!(book.timeout(call, 47_000).is_empty());

        let call = ringing(&mut book);
        let effects = book.hang_up(ALICE, 10, call, 5_000).unwrap();
        assert_eq!(
            told(&effects),
            vec![(20, CallEnd::Cancelled), (21, CallEnd::Cancelled)]
        );
        assert_eq!(records(&effects), vec![(CallOutcome::Missed, 0)]);
    }

    #[test]
    fn nobody_online_is_a_missed_call_at_once_and_busy_is_refused() {
        let mut book = CallBook::default();
        let (placed, effects) = book.place(
            party(ALICE, "alice"),
            10,
            party(BOB, "bob"),
            5,
            true,
            vec![],
            no_ice,
            0,
        );
        assert!(placed.is_ok());
        assert_eq!(told(&effects), vec![(10, CallEnd::Unavailable)]);
        assert_eq!(records(&effects), vec![(CallOutcome::Missed, 0)]);
        assert_eq!(book.len(), 0);

        ringing(&mut book);
        // Carol calls Bob, who is being rung: busy, and a missed call in their timeline.
        let (placed, effects) = book.place(
            party(CAROL, "carol"),
            30,
            party(BOB, "bob"),
            6,
            false,
            vec![20],
            no_ice,
            0,
        );
        assert!(matches!(
            placed,
            Err(StoreError::Conflict(Reason::Busy { ref name })) if name == "bob"
        ));
        assert_eq!(records(&effects), vec![(CallOutcome::Missed, 0)]);
        // Alice, placing a call, cannot place another.
        let (placed, _) = book.place(
            party(ALICE, "alice"),
            10,
            party(CAROL, "carol"),
            7,
            false,
            vec![30],
            no_ice,
            0,
        );
        assert!(matches!(
            placed,
            Err(StoreError::Conflict(Reason::InCallAlready))
        ));
    }

    #[test]
    fn signals_pass_only_between_the_two_devices_in_turn_and_well_formed() {
        let mut book = CallBook::default();
        let call = ringing(&mut book);
        assert!(matches!(
            book.signal(ALICE, 10, call, offer()),
            Err(StoreError::Conflict(Reason::CallNotAnswered { .. }))
        ));
        book.answer(BOB, 20, call, 2_000).unwrap();
        let relayed = book.signal(ALICE, 10, call, offer()).unwrap();
        assert!(matches!(
            relayed,
            Effect::Notify {
                user: BOB,
                device: 20,
                ..
            }
        ));
        for (user, device, signal, want) in [
            (BOB, 20, offer(), Reason::SignalOutOfTurn),
            (
                ALICE,
                10,
                CallSignal::Offer {
                    sdp: "hello".into(),
                },
                Reason::BadSdp,
            ),
            (
                ALICE,
                10,
                CallSignal::Offer {
                    sdp: format!("v=0\r\n{}", "a".repeat(MAX_SDP_BYTES)),
                },
                Reason::FieldTooLong {
                    field: Field::SessionDescription,
                    max: MAX_SDP_BYTES as u64,
                },
            ),
            (
                BOB,
                20,
                CallSignal::Candidate {
                    candidate: "c".repeat(MAX_CANDIDATE_BYTES + 1),
                    sdp_mid: None,
                    sdp_mline_index: None,
                },
                Reason::FieldTooLong {
                    field: Field::IceCandidate,
                    max: MAX_CANDIDATE_BYTES as u64,
                },
            ),
            (BOB, 21, offer(), Reason::NoSuchCall { call }),
            (CAROL, 30, offer(), Reason::NoSuchCall { call }),
        ] {
            match book.signal(user, device, call, signal) {
                Err(StoreError::Invalid(r) | StoreError::NotFound(r)) => assert_eq!(r, want),
                other => panic!("{want:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_device_going_away_ends_its_call() {
        let mut book = CallBook::default();
        let call = ringing(&mut book);
        // One ringing device goes: the other still rings.
        assert!(book.device_gone(BOB, 20, 1_500).is_empty());
        // The last one goes: nobody can answer.
        let effects = book.device_gone(BOB, 21, 1_600);
        assert_eq!(told(&effects), vec![(10, CallEnd::NoAnswer)]);
        assert_eq!(records(&effects), vec![(CallOutcome::Missed, 0)]);

        let call2 = ringing(&mut book);
        assert_ne!(call, call2);
        book.answer(BOB, 21, call2, 2_000).unwrap();
        let effects = book.device_gone(ALICE, 10, 12_000);
        assert_eq!(told(&effects), vec![(21, CallEnd::Disconnected)]);
        assert_eq!(records(&effects), vec![(CallOutcome::Completed, 10_000)]);
        assert!(book.busy.is_empty());
    }
}
