//! Where the session token lives: the OS keyring, or a 0600 file in the profile when no keyring
//! service is available.

use std::path::{Path, PathBuf};

use crate::CoreError;

const SERVICE: &str = "confer";

/// A token store for one account on one server.
#[derive(Debug, Clone)]
pub struct TokenStore {
    account: String,
    file: PathBuf,
    use_keyring: bool,
}

/// Beside the token file once the fallback was reported, so it is said once per profile.
const FALLBACK_NOTED: &str = "keyring-unavailable";

impl TokenStore {
    /// The store for `user` on `server`: the OS keyring when `use_keyring`, falling back to
    /// `PROFILE/token`.
    pub fn new(profile: &Path, server: &str, user: &str, use_keyring: bool) -> Self {
        Self {
            account: format!("{user}@{server}"),
            file: profile.join("token"),
            use_keyring,
        }
    }

    fn entry(&self) -> Option<keyring::Entry> {
        if !self.use_keyring {
            return None;
        }
        keyring::Entry::new(SERVICE, &self.account).ok()
    }

    /// The stored token, if any.
    pub fn load(&self) -> Option<String> {
        if let Some(token) = self.entry().and_then(|e| e.get_password().ok()) {
            return Some(token);
        }
        std::fs::read_to_string(&self.file)
            .ok()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
    }

    /// Stores a token.
    pub fn save(&self, token: &str) -> Result<(), CoreError> {
        if let Some(entry) = self.entry() {
            match entry.set_password(token) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    self.note_fallback(&e);
                }
            }
        }
        write_private(&self.file, token)
    }

    /// Says once per profile that the keyring did not work (later, only at debug level);
    /// returns whether it warned.
    fn note_fallback(&self, e: &keyring::Error) -> bool {
        let marker = self.file.with_file_name(FALLBACK_NOTED);
        if marker.exists() {
            tracing::debug!(error = %e, "no usable keyring; the token is in {}", self.file.display());
            return false;
        }
        tracing::warn!(
            error = %e,
            "no usable keyring; keeping the token in a 0600 file, {} (said once per profile)",
            self.file.display()
        );
        if let Some(dir) = marker.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = std::fs::write(&marker, format!("{e}\n"));
        true
    }

    /// Forgets the token.
    pub fn clear(&self) {
        if let Some(entry) = self.entry() {
            let _ = entry.delete_credential();
        }
        let _ = std::fs::remove_file(&self.file);
    }
}

fn write_private(path: &Path, contents: &str) -> Result<(), CoreError> {
    let err = |e: std::io::Error| CoreError::Credentials(format!("{}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    #[cfg(unix)]
    {
        use std::{io::Write, os::unix::fs::OpenOptionsExt};
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)
            .map_err(err)?;
        f.write_all(contents.as_bytes()).map_err(err)
    }
    #[cfg(not(unix))]
    {
        std::fs::write(path, contents).map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_fallback_is_private_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore {
            account: "a@s".into(),
            file: dir.path().join("token"),
            use_keyring: false,
        };
        assert_eq!(store.load(), None);
        store.save("secret-token").unwrap();
        assert_eq!(store.load().as_deref(), Some("secret-token"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("token"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        store.clear();
        assert_eq!(store.load(), None);
    }

    #[test]
    fn the_keyring_fallback_is_said_once_per_profile() {
        let dir = tempfile::tempdir().unwrap();
        let store = |profile: &Path| TokenStore::new(profile, "ws://s", "a", true);
        let error = keyring::Error::NoStorageAccess("no keyring here".into());
        let first = store(dir.path());
        assert!(first.note_fallback(&error));
        assert!(!first.note_fallback(&error));
        assert!(
            !store(dir.path()).note_fallback(&error),
            "remembered in the profile"
        );
        assert!(store(&dir.path().join("other")).note_fallback(&error));
    }
}
