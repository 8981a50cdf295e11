//! Shared files: where their bytes live and what is drawn of them.
//!
//! [`BlobStore`] is the storage trait (a directory today, object storage later): uploads grow
//! a partial blob chunk by chunk, so an interrupted one resumes where the bytes stop; a
//! finished one is checked against its BLAKE3 and kept under that hash, once however many
//! times it is shared. [`thumbnail`] draws the small picture of an image under decode limits.
//! The crate knows nothing of users or conversations: the server's domain layer decides who
//! may store or read what.

mod ahead;
mod blobs;
pub mod client;
mod thumbnail;

pub use blobs::{
    BlobReader, BlobStore, BlobStream, Body, FsBlobStore, blake3_hex, content_key, is_upload_id,
    new_upload_id,
};
pub use client::{ClientError, FileClient, Progress, sha256_of};
pub use thumbnail::{
    THUMBNAIL_SIDE, Thumbnail, ThumbnailError, is_image_type, sniff_image, thumbnail,
    thumbnail_within,
};

/// Errors of the blob store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FilesError {
    /// The disk (or the object store) failed.
    #[error("storage error: {0}")]
    Io(#[from] std::io::Error),
    /// A chunk did not start where the stored bytes end (a client's stale view of an
    /// upload): it must ask where to resume.
    #[error("the upload holds {held} bytes, not {offset}")]
    OffsetMismatch {
        /// Bytes held.
        held: u64,
        /// Where the chunk said it starts.
        offset: u64,
    },
    /// More bytes came than the upload declared.
    #[error("the upload is larger than its declared {declared} bytes")]
    TooLong {
        /// The declared size.
        declared: u64,
    },
    /// The finished bytes do not hash to the declared SHA-256 (the partial is dropped).
    #[error("the file's SHA-256 is {actual}, not the declared {declared}")]
    ChecksumMismatch {
        /// Declared by the client.
        declared: String,
        /// Computed from the bytes.
        actual: String,
    },
    /// Another chunk of this upload is being written.
    #[error("the upload is busy with another chunk")]
    Busy,
    /// No such blob or partial (or a malformed id or hash).
    #[error("no such blob")]
    NotFound,
    /// The body of a chunk failed while being read (the client went away).
    #[error("the upload was interrupted: {0}")]
    Interrupted(String),
}
