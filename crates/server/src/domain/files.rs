//! Shared files, written once over [`FileRepo`] (inside the write transaction) and
//! [`FileReads`] (on read connections): who may share into a conversation, the size cap and the
//! per-user quota, finding an interrupted upload again, the file message posted when the last
//! byte is in, and who may see a file (members who see its message; never a guest, who has no
//! account). The bytes themselves are the blob store's (`confer-files`); the HTTP front end
//! moves them and calls these rules.

use confer_proto::{FileRef, Reason, SharedFile, UploadRequest};

use super::{
    authz::{self, Action, Standing},
    chat::Cursors,
    conversations::{self, ConversationRepo},
};
use crate::store::{ConversationId, StoreError, UserId};

/// A file as stored: an upload until `seq` is set, then a shared file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    /// Upload id, then file id.
    pub id: String,
    /// Where it is shared.
    pub conversation: ConversationId,
    /// Who uploads it.
    pub uploader: UserId,
    /// Its name.
    pub name: String,
    /// Its media type.
    pub mime: String,
    /// Its declared length.
    pub size: u64,
    /// The content key of its bytes (`blake3:<hex>`; `sha256:<hex>` for files stored before
    /// BLAKE3): the blob's name once finished. While uploading, the key of the hash the client
    /// declared, or empty when the hash comes at the end.
    pub content: String,
    /// When the upload started, ms since the epoch.
    pub created_at: i64,
    /// Its message, once finished.
    pub seq: Option<u64>,
    /// The thumbnail's blob and media type, if one was drawn.
    pub thumbnail: Option<(String, String)>,
    /// An image's upright width and height.
    pub dimensions: Option<(u32, u32)>,
}

impl FileRecord {
    /// The file as messages and lists show it.
    pub fn file_ref(&self) -> FileRef {
        FileRef {
            id: self.id.clone(),
            name: self.name.clone(),
            size: self.size,
            mime: self.mime.clone(),
            thumbnail: self.thumbnail.is_some(),
            dimensions: self.dimensions,
        }
    }
}

/// The server's limits on files (from its configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileLimits {
    /// The largest file, in bytes.
    pub max_bytes: u64,
    /// What one user's files may take in all, in bytes (uploads in progress included).
    pub quota: u64,
}

/// What the server learnt of a finished upload's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// The content key the bytes were checked against (the blob's name).
    pub content: String,
    /// The media type (from the bytes for images, else the client's guess).
    pub mime: String,
    /// The thumbnail's blob and media type.
    pub thumbnail: Option<(String, String)>,
    /// An image's upright width and height.
    pub dimensions: Option<(u32, u32)>,
}

/// What the file rules read and write inside the write transaction.
pub(crate) trait FileRepo: ConversationRepo {
    /// The caller's unfinished upload of these bytes into this conversation, if any: with the
    /// same declared hash and length, or, when `content` is empty (to be given at the end),
    /// with no declared hash and the same name and length.
    fn pending_upload(
        &mut self,
        user: UserId,
        conversation: ConversationId,
        content: &str,
        name: &str,
        size: u64,
    ) -> Result<Option<FileRecord>, StoreError>;
    /// Bytes the user's files take (finished and in progress).
    fn bytes_held(&mut self, user: UserId) -> Result<u64, StoreError>;
    /// Stores a new upload.
    fn insert_file(&mut self, file: &FileRecord) -> Result<(), StoreError>;
    /// A file or upload by id.
    fn file_record(&mut self, id: &str) -> Result<Option<FileRecord>, StoreError>;
    /// Marks an upload finished as message `seq`, under the hash its bytes were checked against.
    fn finish_file(&mut self, id: &str, seq: u64, finished: &Finished) -> Result<(), StoreError>;
    /// Forgets an upload.
    fn delete_file(&mut self, id: &str) -> Result<(), StoreError>;
}

/// What the file rules read on a read connection.
pub(crate) trait FileReads {
    /// Where `user` stands towards `conversation`.
    fn file_standing(
        &mut self,
        conversation: ConversationId,
        user: UserId,
    ) -> Result<Standing, StoreError>;
    /// A member's cursors.
    fn file_cursors(
        &mut self,
        conversation: ConversationId,
        user: UserId,
    ) -> Result<Option<Cursors>, StoreError>;
    /// A file or upload by id; a finished file whose message was deleted is gone.
    fn file_by_id(&mut self, id: &str) -> Result<Option<FileRecord>, StoreError>;
    /// The finished files of a conversation whose message is after `after` and not deleted,
    /// newest first, with their sender's name and time.
    fn files_after(
        &mut self,
        conversation: ConversationId,
        after: u64,
    ) -> Result<Vec<(FileRecord, String, i64)>, StoreError>;
}

const MAX_NAME_BYTES: usize = 255;

/// A file name as stored: its last path component, which must be 1 to 255 bytes of printable
/// text.
pub(crate) fn check_name(name: &str) -> Result<String, StoreError> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if base.is_empty()
        || base == "."
        || base == ".."
        || base.len() > MAX_NAME_BYTES
        || base.chars().any(char::is_control)
    {
        return Err(StoreError::Invalid(Reason::BadFileName));
    }
    Ok(base.to_owned())
}

/// A BLAKE3 a client gives (hex, any case), lowercased; anything else is refused.
pub(crate) fn check_hash(blake3: &str) -> Result<String, StoreError> {
    let h = blake3.to_ascii_lowercase();
    if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StoreError::Invalid(Reason::BadChecksum));
    }
    Ok(h)
}

/// A media type the client guessed, kept only when it looks like one.
fn check_mime(mime: Option<&str>) -> String {
    match mime {
        Some(m)
            if m.len() <= 100
                && m.split_once('/')
                    .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
                && m.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            m.to_ascii_lowercase()
        }
        _ => "application/octet-stream".to_owned(),
    }
}

/// Starts an upload, or finds the caller's interrupted upload of the same bytes into the same
/// conversation (so that it resumes). `id` names a new one.
pub(crate) fn start_upload(
    r: &mut impl FileRepo,
    user: UserId,
    request: &UploadRequest,
    limits: FileLimits,
    id: String,
    now: i64,
) -> Result<FileRecord, StoreError> {
    let conversation = request.conversation;
    authz::user_can(
        r.standing(conversation, user)?,
        Action::ShareFile,
        conversation,
    )?;
    let name = check_name(&request.name)?;
    // No hash yet: the client hashes as it sends, and gives it with the last bytes.
    let content = match &request.blake3 {
        Some(h) => confer_files::content_key(&check_hash(h)?),
        None => String::new(),
    };
    if request.size > limits.max_bytes {
        return Err(StoreError::Invalid(Reason::FileTooLarge {
            max: limits.max_bytes,
        }));
    }
    if let Some(pending) = r.pending_upload(user, conversation, &content, &name, request.size)? {
        return Ok(pending);
    }
    let used = r.bytes_held(user)?;
    if used.saturating_add(request.size) > limits.quota {
        return Err(StoreError::Forbidden(Reason::QuotaExceeded {
            quota: limits.quota,
            used,
        }));
    }
    let file = FileRecord {
        id,
        conversation,
        uploader: user,
        name,
        mime: check_mime(request.mime.as_deref()),
        size: request.size,
        content,
        created_at: now,
        seq: None,
        thumbnail: None,
        dimensions: None,
    };
    r.insert_file(&file)?;
    Ok(file)
}

/// The caller's own unfinished upload (anyone else's is not found).
fn own_upload(r: &mut impl FileRepo, user: UserId, id: &str) -> Result<FileRecord, StoreError> {
    match r.file_record(id)? {
        Some(f) if f.uploader == user && f.seq.is_none() => Ok(f),
        _ => Err(StoreError::NotFound(Reason::NoSuchFile)),
    }
}

/// The last byte is in and checked: the file message is posted to the conversation (if the
/// uploader is still a member) and the file is shared.
pub(crate) fn finish_upload(
    r: &mut impl FileRepo,
    user: UserId,
    id: &str,
    finished: Finished,
    now: i64,
) -> Result<(FileRecord, u64), StoreError> {
    let file = own_upload(r, user, id)?;
    let file = share(r, user, file, finished, now)?;
    let seq = file.seq.unwrap_or_default();
    Ok((file, seq))
}

/// A meeting's recording is shared in its room, as a file from whoever started it, if they are
/// still a member (the bytes are in the blob store already). It counts against no quota: the
/// server made it.
pub(crate) fn share_recording(
    r: &mut impl FileRepo,
    user: UserId,
    mut file: FileRecord,
    now: i64,
) -> Result<FileRecord, StoreError> {
    file.name = check_name(&file.name)?;
    file.uploader = user;
    file.seq = None;
    let finished = Finished {
        content: file.content.clone(),
        mime: file.mime.clone(),
        thumbnail: None,
        dimensions: None,
    };
    // Refused (not a member) after this, the transaction takes the row back with it.
    r.insert_file(&file)?;
    share(r, user, file, finished, now)
}

/// A stored file whose bytes are in: its message is posted (if `user` may share there) and the
/// file is shared under it.
fn share(
    r: &mut impl FileRepo,
    user: UserId,
    mut file: FileRecord,
    finished: Finished,
    now: i64,
) -> Result<FileRecord, StoreError> {
    let conversation = file.conversation;
    authz::user_can(
        r.standing(conversation, user)?,
        Action::ShareFile,
        conversation,
    )?;
    file.content = finished.content.clone();
    file.mime = finished.mime.clone();
    file.thumbnail = finished.thumbnail.clone();
    file.dimensions = finished.dimensions;
    let seq = conversations::share_file(r, conversation, user, file.file_ref(), now)?;
    r.finish_file(&file.id, seq, &finished)?;
    file.seq = Some(seq);
    Ok(file)
}

/// Gives an unfinished upload up (its bytes are the caller's to drop).
pub(crate) fn cancel_upload(
    r: &mut impl FileRepo,
    user: UserId,
    id: &str,
) -> Result<(), StoreError> {
    own_upload(r, user, id)?;
    r.delete_file(id)
}

/// The caller's unfinished upload, for the next chunk.
pub(crate) fn upload_for(
    r: &mut impl FileReads,
    user: UserId,
    id: &str,
) -> Result<FileRecord, StoreError> {
    match r.file_by_id(id)? {
        Some(f) if f.uploader == user && f.seq.is_none() => Ok(f),
        _ => Err(StoreError::NotFound(Reason::NoSuchFile)),
    }
}

/// A shared file the caller may download: a member of its conversation who sees its message.
/// Anyone else learns nothing (not found, as for a file that does not exist).
pub(crate) fn file_for(
    r: &mut impl FileReads,
    user: UserId,
    id: &str,
) -> Result<FileRecord, StoreError> {
    let gone = || StoreError::NotFound(Reason::NoSuchFile);
    let Some(file) = r.file_by_id(id)? else {
        return Err(gone());
    };
    let Some(seq) = file.seq else {
        return Err(gone());
    };
    let standing = r.file_standing(file.conversation, user)?;
    authz::user_can(standing, Action::ReadFile, file.conversation)?;
    let cursors = r.file_cursors(file.conversation, user)?.ok_or_else(gone)?;
    if seq <= cursors.cleared {
        return Err(gone());
    }
    Ok(file)
}

/// The files of a conversation the caller sees, newest first.
pub(crate) fn files(
    r: &mut impl FileReads,
    user: UserId,
    conversation: ConversationId,
) -> Result<Vec<SharedFile>, StoreError> {
    let standing = r.file_standing(conversation, user)?;
    authz::user_can(standing, Action::Participate, conversation)?;
    let cleared = r.file_cursors(conversation, user)?.map_or(0, |c| c.cleared);
    Ok(r.files_after(conversation, cleared)?
        .into_iter()
        .map(|(f, sender, sent_at)| SharedFile {
            file: f.file_ref(),
            sender,
            seq: f.seq.unwrap_or(0),
            sent_at,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_their_last_component_and_refuse_the_rest() {
        assert_eq!(
            check_name("C:\\Users\\a\\report.pdf").ok().as_deref(),
            Some("report.pdf")
        );
        assert_eq!(
            check_name("../../etc/passwd").ok().as_deref(),
            Some("passwd")
        );
        for bad in ["", "  ", "dir/", "..", "a\u{7}b", &"x".repeat(256)] {
            assert!(
                matches!(
                    check_name(bad),
                    Err(StoreError::Invalid(Reason::BadFileName))
                ),
                "{bad:?}"
            );
        }
        assert_eq!(check_mime(Some("Image/PNG")), "image/png");
        assert_eq!(check_mime(Some("<script>")), "application/octet-stream");
        assert!(check_hash("ab").is_err());
    }
}
