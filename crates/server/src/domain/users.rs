//! Finding a user by name, for every rule: a user one can reach (to start something with them)
//! is an enabled account; a user one acts on to end something (remove them from a room, drop
//! them from favourites, decline their request) may be disabled, or they would stay forever.

use confer_proto::Reason;

use crate::store::{StoreError, UserRecord};

/// The one lookup the rules need from a store.
pub(crate) trait UserLookup {
    /// A user by account name (any case), disabled or not.
    fn lookup_user(&mut self, name: &str) -> Result<Option<UserRecord>, StoreError>;
}

/// An enabled user, else `NotFound`.
pub(crate) fn reachable(r: &mut impl UserLookup, name: &str) -> Result<UserRecord, StoreError> {
    existing(r, name).and_then(|u| {
        if u.disabled {
            Err(no_such(name))
        } else {
            Ok(u)
        }
    })
}

/// Any user, disabled or not, else `NotFound`.
pub(crate) fn existing(r: &mut impl UserLookup, name: &str) -> Result<UserRecord, StoreError> {
    r.lookup_user(name)?.ok_or_else(|| no_such(name))
}

fn no_such(name: &str) -> StoreError {
    StoreError::NotFound(Reason::NoSuchUser {
        name: name.to_owned(),
    })
}
