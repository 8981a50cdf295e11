//! An external guest: a connection without an account, in one room's meeting by its link, for
//! as long as the connection and the meeting last.

use std::time::Duration;

use confer_proto::{ErrorCode, Event, MeetingSession, Reason, Request, Response};
use tokio::sync::mpsc;

use crate::{
    CoreError,
    connection::{Connection, HEARTBEAT, Inbound},
};

/// How a join link is written out; the token is what the server knows.
pub const LINK_PREFIX: &str = "confer://join/";

/// The token in a link given as `confer://join/<token>` or as the bare token.
pub fn link_token(link: &str) -> Result<String, CoreError> {
    let link = link.trim();
    let token = link.strip_prefix(LINK_PREFIX).unwrap_or(link);
    if token.is_empty() || !token.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(CoreError::Invalid(
            format!(
                "{link:?} is not a room link; it looks like {LINK_PREFIX}<letters and digits>."
            )
            .into(),
        ));
    }
    Ok(token.to_owned())
}

/// What happens to a guest's session.
#[derive(Debug, Clone, PartialEq)]
pub enum GuestUpdate {
    /// Admitted from the lobby, or the meeting's people changed.
    Session(MeetingSession),
    /// The server ended the guest's access (the meeting ended, a moderator refused or removed
    /// them, or the server is stopping).
    Ended {
        /// The category.
        code: ErrorCode,
        /// Why, precisely.
        reason: Reason,
    },
    /// The connection to the server was lost before the server said anything.
    Lost,
}

/// A guest's session: its connection and what the server said of it.
pub struct GuestClient {
    conn: Connection,
    inbound: mpsc::UnboundedReceiver<Inbound>,
    session: MeetingSession,
    ended: bool,
}

impl GuestClient {
    /// Connects to `server` and joins the meeting `link` opens under `name`; waits in the lobby
    /// when the room has one on (the session says whether it was admitted).
    pub async fn join(
        server: &str,
        link: &str,
        name: &str,
        timeout: Duration,
    ) -> Result<Self, CoreError> {
        let link = link_token(link)?;
        let (conn, inbound) =
            Connection::connect(&crate::ws_url(server), timeout, HEARTBEAT).await?;
        let reply = conn
            .handle()
            .request(Request::JoinByLink {
                link,
                name: Some(name.to_owned()),
            })
            .await;
        match reply {
            Ok(Response::Joined { session }) => Ok(Self {
                conn,
                inbound,
                session,
                ended: false,
            }),
            Ok(other) => {
                conn.close().await;
                Err(crate::unexpected(other))
            }
            Err(e) => {
                conn.close().await;
                Err(e)
            }
        }
    }

    /// The session as last heard.
    pub fn session(&self) -> &MeetingSession {
        &self.session
    }

    /// The next change to the session; `None` once the connection is gone.
    pub async fn next_update(&mut self) -> Option<GuestUpdate> {
        if self.ended {
            return None;
        }
        loop {
            match self.inbound.recv().await {
                Some(Inbound::Event(Event::GuestSession { session })) => {
                    self.session = session.clone();
                    return Some(GuestUpdate::Session(session));
                }
                Some(Inbound::Event(Event::Closing { code, reason })) => {
                    self.ended = true;
                    return Some(GuestUpdate::Ended { code, reason });
                }
                Some(_) => continue,
                None => {
                    self.ended = true;
                    return Some(GuestUpdate::Lost);
                }
            }
        }
    }

    /// Connects this device's sound to the meeting, once a moderator let the guest in (the
    /// lobby has none): as [`Client::join_meeting_media`](crate::Client::join_meeting_media).
    pub async fn join_meeting_media(
        &self,
        media: crate::call::CallMedia,
        heard: usize,
    ) -> Result<crate::meeting::ActiveMeeting, CoreError> {
        crate::meeting::connect(&self.conn.handle(), self.session.conversation, media, heard).await
    }

    /// Leaves the meeting and closes the connection.
    pub async fn leave(self) -> Result<(), CoreError> {
        let result = if self.ended {
            Ok(())
        } else {
            self.conn
                .handle()
                .request(Request::LeaveMeeting {
                    conversation: self.session.conversation,
                })
                .await
                .map(|_| ())
        };
        self.conn.close().await;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_read_with_or_without_their_prefix() {
        assert_eq!(link_token("confer://join/ab12").unwrap(), "ab12");
        assert_eq!(link_token("  ab12\n").unwrap(), "ab12");
        for bad in ["", "confer://join/", "https://example.com/x", "ab 12"] {
            assert!(
                matches!(link_token(bad), Err(CoreError::Invalid(_))),
                "{bad:?}"
            );
        }
    }
}
