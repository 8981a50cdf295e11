//! People: a user's own settings (privacy, chosen status, last seen) and favourites with their
//! requests, written once over [`PeopleRepo`].
//!
//! Under the `organization` presence policy a favourite is accepted at once; under
//! `subscribers` it is a request the other user accepts or declines, and presence is shared
//! only once accepted. Both sides hear of every change on all their devices.

use confer_proto::{Change, Favourite, FavouriteState, PresenceChoice, Reason, UserSettings};

use super::users::{self, UserLookup};
use crate::store::{ConversationId, PresencePolicy, StoreError, UserId};

/// What the people rules read and write; implemented by each store inside its transaction.
pub(crate) trait PeopleRepo: UserLookup {
    /// A user's account name.
    fn name_of(&mut self, user: UserId) -> Result<String, StoreError>;
    /// A user's settings as stored.
    fn settings(&mut self, user: UserId) -> Result<UserSettings, StoreError>;
    /// Turns privacy mode on or off.
    fn set_privacy(&mut self, user: UserId, on: bool) -> Result<(), StoreError>;
    /// Stores the chosen status and its message.
    fn set_status(
        &mut self,
        user: UserId,
        status: PresenceChoice,
        message: Option<&str>,
    ) -> Result<(), StoreError>;
    /// Stores when the user's last device went away.
    fn set_last_seen(&mut self, user: UserId, at: i64) -> Result<(), StoreError>;
    /// The conversations the user is a member of.
    fn memberships(&mut self, user: UserId) -> Result<Vec<ConversationId>, StoreError>;
    /// (delivered_through, read_through) of `sender`'s messages in a conversation.
    fn ticks_of(
        &mut self,
        conversation: ConversationId,
        sender: UserId,
    ) -> Result<(u64, u64), StoreError>;
    /// The state of `owner`'s favourite `target`, if any.
    fn favourite(
        &mut self,
        owner: UserId,
        target: UserId,
    ) -> Result<Option<FavouriteState>, StoreError>;
    /// Creates or updates a favourite.
    fn put_favourite(
        &mut self,
        owner: UserId,
        target: UserId,
        state: FavouriteState,
        at: i64,
    ) -> Result<(), StoreError>;
    /// Deletes a favourite; false when there was none.
    fn delete_favourite(&mut self, owner: UserId, target: UserId) -> Result<bool, StoreError>;
    /// Answers a pending request; false when none was pending.
    fn answer_request(
        &mut self,
        owner: UserId,
        target: UserId,
        state: FavouriteState,
    ) -> Result<bool, StoreError>;
    /// Appends a change for one user to the stream.
    fn publish(
        &mut self,
        conversation: Option<ConversationId>,
        user: UserId,
        change: Change,
    ) -> Result<(), StoreError>;
}

/// Privacy mode: no public receipts, no ticks. Turning it off brings the user's devices up to
/// date with the ticks withheld meanwhile.
pub(crate) fn set_privacy(
    r: &mut impl PeopleRepo,
    user: UserId,
    on: bool,
) -> Result<(), StoreError> {
    if r.settings(user)?.privacy == on {
        return Ok(());
    }
    r.set_privacy(user, on)?;
    publish_settings(r, user)?;
    if !on {
        for conversation in r.memberships(user)? {
            let ticks = super::chat::ticks(conversation, r.ticks_of(conversation, user)?);
            r.publish(Some(conversation), user, ticks)?;
        }
    }
    Ok(())
}

/// The chosen status and custom message (a blank message is none).
pub(crate) fn set_status(
    r: &mut impl PeopleRepo,
    user: UserId,
    status: PresenceChoice,
    message: Option<String>,
) -> Result<(), StoreError> {
    let message = message.filter(|m| !m.trim().is_empty());
    r.set_status(user, status, message.as_deref())?;
    publish_settings(r, user)
}

/// When the user's last device went away (not in the stream: presence carries it).
pub(crate) fn set_last_seen(
    r: &mut impl PeopleRepo,
    user: UserId,
    at: i64,
) -> Result<(), StoreError> {
    r.set_last_seen(user, at)
}

/// Adds a favourite: accepted at once, or a request under the `subscribers` policy. Adding
/// again changes nothing once accepted or while the same request waits.
pub(crate) fn add_favourite(
    r: &mut impl PeopleRepo,
    user: UserId,
    target: &str,
    policy: PresencePolicy,
    now: i64,
) -> Result<(), StoreError> {
    let target = users::reachable(r, target)?;
    if target.id == user {
        return Err(StoreError::Invalid(Reason::FavouriteSelf));
    }
    let state = match policy {
        PresencePolicy::Organization => FavouriteState::Accepted,
        PresencePolicy::Subscribers => FavouriteState::Pending,
    };
    let unchanged = r
        .favourite(user, target.id)?
        .is_some_and(|s| s == FavouriteState::Accepted || s == state);
    if !unchanged {
        r.put_favourite(user, target.id, state, now)?;
        publish_favourite(r, user, target.id, state)?;
    }
    Ok(())
}

/// Removes a favourite (or withdraws a request).
pub(crate) fn remove_favourite(
    r: &mut impl PeopleRepo,
    user: UserId,
    target: &str,
) -> Result<(), StoreError> {
    let target = users::existing(r, target)?;
    if r.delete_favourite(user, target.id)? {
        publish_favourite(r, user, target.id, FavouriteState::Removed)?;
    }
    Ok(())
}

/// The watched user accepts or declines a pending request.
pub(crate) fn answer_subscription(
    r: &mut impl PeopleRepo,
    user: UserId,
    requester: &str,
    accept: bool,
) -> Result<(), StoreError> {
    let requester = users::existing(r, requester)?;
    let state = if accept {
        FavouriteState::Accepted
    } else {
        FavouriteState::Declined
    };
    if !r.answer_request(requester.id, user, state)? {
        return Err(StoreError::NotFound(Reason::NoPendingRequest {
            name: requester.info.name,
        }));
    }
    publish_favourite(r, requester.id, user, state)
}

/// Every device of the user gets its settings as they are now.
fn publish_settings(r: &mut impl PeopleRepo, user: UserId) -> Result<(), StoreError> {
    let settings = r.settings(user)?;
    r.publish(None, user, Change::Settings { settings })
}

/// Both sides hear of a favourite's change: the target sees requests arrive and end.
fn publish_favourite(
    r: &mut impl PeopleRepo,
    owner: UserId,
    target: UserId,
    state: FavouriteState,
) -> Result<(), StoreError> {
    let favourite = Favourite {
        owner: r.name_of(owner)?,
        target: r.name_of(target)?,
        state,
    };
    r.publish(
        None,
        owner,
        Change::Favourite {
            favourite: favourite.clone(),
        },
    )?;
    r.publish(None, target, Change::Favourite { favourite })
}
