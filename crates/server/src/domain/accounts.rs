//! Accounts and sessions, written once over [`AccountRepo`]: creating users (names stored
//! lower-case, so every client sees one spelling), passwords, disabling, sessions. Replacing a
//! password or disabling an account revokes every session of the user.

use confer_proto::{Field, Reason};

use super::{names, users::UserLookup};
use crate::store::{StoreError, UserId};

/// An account about to be stored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewUser<'a> {
    /// Account name, lower-case and checked.
    pub name: &'a str,
    /// Display name, cleaned.
    pub display_name: &'a str,
    /// E-mail.
    pub email: Option<&'a str>,
    /// Argon2id PHC string.
    pub password_hash: &'a str,
    /// Where the user sorts in the directory (see [`directory_key`]).
    pub sort_key: &'a str,
}

/// The directory's order: display names without case or accents ("Émile" among the E's, not
/// after Z), in every script. Computed here once and stored, so that every store pages the
/// directory in the same order (collations, `lower()` and accent folding differ between SQLite
/// and PostgreSQL and between locales); ties go by account name.
pub(crate) fn directory_key(display_name: &str) -> String {
    use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};
    display_name
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// What the account rules read and write, inside the store's write transaction.
pub(crate) trait AccountRepo: UserLookup {
    /// Whether an alias has this name (any case): users and aliases share names.
    fn alias_name_taken(&mut self, name: &str) -> Result<bool, StoreError>;
    /// Stores an account; returns its id.
    fn insert_user(&mut self, user: NewUser<'_>, at: i64) -> Result<UserId, StoreError>;
    /// Replaces a password hash.
    fn set_password_hash(&mut self, user: UserId, hash: &str) -> Result<(), StoreError>;
    /// Marks an account disabled.
    fn set_disabled(&mut self, user: UserId) -> Result<(), StoreError>;
    /// Revokes every live session of the user (they show up in `revoked_since`).
    fn revoke_sessions_of(&mut self, user: UserId) -> Result<(), StoreError>;
    /// Revokes one session.
    fn revoke_session(&mut self, session: i64) -> Result<(), StoreError>;
    /// Stores a session; returns its id.
    fn insert_session(
        &mut self,
        user: UserId,
        token_hash: &[u8],
        device: Option<&str>,
        at: i64,
    ) -> Result<i64, StoreError>;
}

/// Creates an account.
pub(crate) fn create_user(
    r: &mut impl AccountRepo,
    name: &str,
    display_name: &str,
    email: Option<&str>,
    password_hash: &str,
    now: i64,
) -> Result<UserId, StoreError> {
    let name = name.to_lowercase();
    validate_login(&name)?;
    let display_name = names::clean(Field::DisplayName, display_name, 128)?;
    if r.lookup_user(&name)?.is_some() {
        return Err(StoreError::Conflict(Reason::UserExists { name }));
    }
    if r.alias_name_taken(&name)? {
        return Err(StoreError::Conflict(Reason::AliasExists { name }));
    }
    r.insert_user(
        NewUser {
            name: &name,
            display_name: &display_name,
            email,
            password_hash,
            sort_key: &directory_key(&display_name),
        },
        now,
    )
}

/// Replaces a password; every session of the user ends.
pub(crate) fn set_password(
    r: &mut impl AccountRepo,
    name: &str,
    password_hash: &str,
) -> Result<(), StoreError> {
    let user = existing(r, name)?;
    r.set_password_hash(user, password_hash)?;
    r.revoke_sessions_of(user)
}

/// Disables an account; every session of the user ends.
pub(crate) fn disable_user(r: &mut impl AccountRepo, name: &str) -> Result<(), StoreError> {
    let user = existing(r, name)?;
    r.set_disabled(user)?;
    r.revoke_sessions_of(user)
}

fn existing(r: &mut impl AccountRepo, name: &str) -> Result<UserId, StoreError> {
    Ok(r.lookup_user(name)?
        .ok_or_else(|| {
            StoreError::NotFound(Reason::NoSuchUser {
                name: name.to_owned(),
            })
        })?
        .id)
}

/// 1 to 64 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit: a login
/// that every protocol (XMPP's localpart included) and every shell can carry.
pub(crate) fn validate_login(name: &str) -> Result<(), StoreError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(Reason::InvalidUserName {
            name: name.to_owned(),
        }))
    }
}
