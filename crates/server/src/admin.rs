//! Account administration on the store directly (`confer-server user …`); safe while the
//! server runs, since SQLite serialises the writers and PostgreSQL's writers take the stream
//! lock.

use std::path::{Path, PathBuf};

use crate::{
    Config, ServerError, auth,
    store::{self, Store, UserRecord, WriteOp},
};

/// Where the accounts are: a data directory (SQLite) or a PostgreSQL database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// `DIR/confer.db`.
    Dir(PathBuf),
    /// A cluster's database.
    Postgres {
        /// Its URL.
        url: String,
        /// The node acting (names nothing stored by account commands, but every store has one).
        node: String,
    },
}

impl Location {
    /// Where a server with this configuration keeps its data.
    pub fn of(config: &Config) -> Self {
        match &config.database {
            Some(url) => Self::Postgres {
                url: url.clone(),
                node: config.node.clone(),
            },
            None => Self::Dir(config.data_dir.clone()),
        }
    }
}

impl From<&Path> for Location {
    fn from(dir: &Path) -> Self {
        Self::Dir(dir.to_owned())
    }
}

impl From<&PathBuf> for Location {
    fn from(dir: &PathBuf) -> Self {
        Self::Dir(dir.clone())
    }
}

impl From<&Location> for Location {
    fn from(l: &Location) -> Self {
        l.clone()
    }
}

/// Runs `f` off any async runtime: PostgreSQL's synchronous client blocks on a runtime of its
/// own, which panics on a thread that drives async tasks (tests call these functions there).
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_ok() {
        std::thread::scope(|s| s.spawn(f).join().expect("an admin thread panicked"))
    } else {
        f()
    }
}

fn open(at: impl Into<Location>) -> Result<Box<dyn Store>, ServerError> {
    Ok(match at.into() {
        Location::Dir(dir) => {
            std::fs::create_dir_all(&dir)?;
            Box::new(store::SqliteStore::open_dir(&dir)?)
        }
        Location::Postgres { url, node } => {
            Box::new(store::PgStore::open(&url, &node, store::system_clock())?)
        }
    })
}

fn write(store: &dyn Store, op: WriteOp) -> Result<(), ServerError> {
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

/// Opens the store at `at`, runs `f` on it and closes it, off any async runtime.
fn with_store<T: Send>(
    at: impl Into<Location>,
    f: impl FnOnce(&dyn Store) -> Result<T, ServerError> + Send,
) -> Result<T, ServerError> {
    let at = at.into();
    off_runtime(move || f(open(at)?.as_ref()))
}

/// Creates an account.
pub fn add_user(
    at: impl Into<Location>,
    name: &str,
    display_name: Option<&str>,
    email: Option<&str>,
    password: &str,
) -> Result<(), ServerError> {
    let op = WriteOp::CreateUser {
        name: name.to_owned(),
        display_name: display_name.unwrap_or(name).to_owned(),
        email: email.map(str::to_owned),
        password_hash: check_password(password)?,
    };
    with_store(at, |store| write(store, op))
}

/// Creates accounts that share one initial password, in one transaction: an import (or a test)
/// hashes the password once instead of once per account. `users` holds (name, display name).
pub fn add_users(
    at: impl Into<Location>,
    users: &[(String, String)],
    password: &str,
) -> Result<(), ServerError> {
    let hash = check_password(password)?;
    let ops = users
        .iter()
        .map(|(name, display_name)| WriteOp::CreateUser {
            name: name.clone(),
            display_name: display_name.clone(),
            email: None,
            password_hash: hash.clone(),
        })
        .collect();
    with_store(at, |store| {
        for result in store.write_batch(ops)? {
            result?;
        }
        Ok(())
    })
}

/// The alias commands, shared by `confer-server alias` and `confer-cli alias` (scripts on the
/// server's machine), so that both take the same arguments.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum AliasCommand {
    /// Define an alias with its first members.
    Add {
        /// Its name, like an account name (writers use it like a user's).
        name: String,
        /// Name shown to others [default: the name].
        #[arg(long)]
        display_name: Option<String>,
        /// A member (repeatable).
        #[arg(long = "member")]
        members: Vec<String>,
        /// Writers see who answers instead of the alias alone.
        #[arg(long)]
        show_members: bool,
    },
    /// List aliases: name, display name, members, whether writers see them.
    List {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Remove an alias; its conversations go for everyone in them.
    Remove {
        /// The alias.
        name: String,
    },
    /// Add a member: they join every conversation of the alias from now on.
    AddMember {
        /// The alias.
        name: String,
        /// The user.
        member: String,
    },
    /// Remove a member: they lose the alias's conversations.
    RemoveMember {
        /// The alias.
        name: String,
        /// The user.
        member: String,
    },
}

/// Runs an alias command; returns the lines to print.
pub fn alias_command(
    at: impl Into<Location>,
    command: &AliasCommand,
) -> Result<Vec<String>, ServerError> {
    let at = at.into();
    Ok(match command {
        AliasCommand::Add {
            name,
            display_name,
            members,
            show_members,
        } => {
            let shown = display_name.as_deref().unwrap_or(name);
            add_alias(&at, name, shown, members, *show_members)?;
            vec![format!("added alias {name}")]
        }
        AliasCommand::List { json } => list_aliases(&at)?
            .into_iter()
            .map(|a| {
                if *json {
                    serde_json::json!({
                        "name": a.info.name,
                        "display_name": a.info.display_name,
                        "members": a.members,
                        "show_members": a.show_members,
                    })
                    .to_string()
                } else {
                    let shows = if a.show_members {
                        "shows members"
                    } else {
                        "hides members"
                    };
                    format!(
                        "{}\t{}\t{}\t{shows}",
                        a.info.name,
                        a.info.display_name,
                        a.members.join(",")
                    )
                }
            })
            .collect(),
        AliasCommand::Remove { name } => {
            remove_alias(&at, name)?;
            vec![format!("removed alias {name}")]
        }
        AliasCommand::AddMember { name, member } => {
            alias_member(&at, name, member, true)?;
            vec![format!("{member} now answers for {name}")]
        }
        AliasCommand::RemoveMember { name, member } => {
            alias_member(&at, name, member, false)?;
            vec![format!("{member} no longer answers for {name}")]
        }
    })
}

/// Defines an alias with its first members, in one transaction.
pub fn add_alias(
    at: impl Into<Location>,
    name: &str,
    display_name: &str,
    members: &[String],
    show_members: bool,
) -> Result<(), ServerError> {
    let mut ops = vec![WriteOp::CreateAlias {
        name: name.to_owned(),
        display_name: display_name.to_owned(),
        show_members,
    }];
    ops.extend(members.iter().map(|m| WriteOp::AddAliasMember {
        alias: name.to_owned(),
        member: m.clone(),
    }));
    with_store(at, |store| {
        let mut results = store.write_batch(ops)?.into_iter();
        // The alias itself first: refused (its name taken, say), nothing else was done.
        results.next().expect("one result per op")?;
        // All or nothing: a bad member leaves no half-made alias behind.
        if let Some(e) = results.find_map(Result::err) {
            write(
                store,
                WriteOp::DeleteAlias {
                    name: name.to_owned(),
                },
            )?;
            return Err(e.into());
        }
        Ok(())
    })
}

/// Every alias with its members.
pub fn list_aliases(at: impl Into<Location>) -> Result<Vec<store::AliasListing>, ServerError> {
    with_store(at, |store| Ok(store.aliases()?))
}

/// Removes an alias; its conversations go.
pub fn remove_alias(at: impl Into<Location>, name: &str) -> Result<(), ServerError> {
    let op = WriteOp::DeleteAlias {
        name: name.to_owned(),
    };
    with_store(at, |store| write(store, op))
}

/// Adds (`true`) or removes a member of an alias.
pub fn alias_member(
    at: impl Into<Location>,
    alias: &str,
    member: &str,
    add: bool,
) -> Result<(), ServerError> {
    let (alias, member) = (alias.to_owned(), member.to_owned());
    let op = if add {
        WriteOp::AddAliasMember { alias, member }
    } else {
        WriteOp::RemoveAliasMember { alias, member }
    };
    with_store(at, |store| write(store, op))
}

/// Every account.
pub fn list_users(at: impl Into<Location>) -> Result<Vec<UserRecord>, ServerError> {
    with_store(at, |store| Ok(store.list_users()?))
}

/// Replaces a password; every session of the user is revoked.
pub fn set_password(
    at: impl Into<Location>,
    name: &str,
    password: &str,
) -> Result<(), ServerError> {
    let op = WriteOp::SetPassword {
        name: name.to_owned(),
        password_hash: check_password(password)?,
    };
    with_store(at, |store| write(store, op))
}

/// Disables an account; every session of the user is revoked.
pub fn disable_user(at: impl Into<Location>, name: &str) -> Result<(), ServerError> {
    let op = WriteOp::DisableUser {
        name: name.to_owned(),
    };
    with_store(at, |store| write(store, op))
}
