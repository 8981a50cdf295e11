//! Account administration on the store directly (`confer-server user …`); safe while the
//! server runs, since SQLite serialises the writers.

use std::path::Path;

use crate::{
    ServerError, auth,
    store::{SqliteStore, Store, UserRecord, WriteOp},
};

fn open(data_dir: &Path) -> Result<SqliteStore, ServerError> {
    std::fs::create_dir_all(data_dir)?;
    Ok(SqliteStore::open_dir(data_dir)?)
}

fn write(store: &SqliteStore, op: WriteOp) -> Result<(), ServerError> {
    let result = store
        .write_batch(vec![op])?
        .pop()
        .expect("one result per op");
    result.map(|_| ()).map_err(ServerError::from)
}

fn check_password(password: &str) -> Result<String, ServerError> {
    if password.chars().count() < 8 {
        return Err(ServerError::Config(
            "a password must have at least 8 characters".into(),
        ));
    }
    auth::hash_password(password).map_err(|e| ServerError::Password(e.to_string()))
}

/// Creates an account.
pub fn add_user(
    data_dir: &Path,
    name: &str,
    display_name: Option<&str>,
    email: Option<&str>,
    password: &str,
) -> Result<(), ServerError> {
    let store = open(data_dir)?;
    let op = WriteOp::CreateUser {
        name: name.to_owned(),
        display_name: display_name.unwrap_or(name).to_owned(),
        email: email.map(str::to_owned),
        password_hash: check_password(password)?,
    };
    write(&store, op)
}

/// Every account.
pub fn list_users(data_dir: &Path) -> Result<Vec<UserRecord>, ServerError> {
    Ok(open(data_dir)?.list_users()?)
}

/// Replaces a password; every session of the user is revoked.
pub fn set_password(data_dir: &Path, name: &str, password: &str) -> Result<(), ServerError> {
    let store = open(data_dir)?;
    write(
        &store,
        WriteOp::SetPassword {
            name: name.to_owned(),
            password_hash: check_password(password)?,
        },
    )
}

/// Disables an account; every session of the user is revoked.
pub fn disable_user(data_dir: &Path, name: &str) -> Result<(), ServerError> {
    let store = open(data_dir)?;
    write(
        &store,
        WriteOp::DisableUser {
            name: name.to_owned(),
        },
    )
}
