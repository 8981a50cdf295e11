//! `schedule_meeting`: a moderator puts a meeting on the room's calendar.

use std::sync::Arc;

use confer_proto::Response;

use super::{unexpected, write};
use crate::{
    ApiError, AppState,
    connection::Session,
    store::{Outcome, WriteOp},
};

pub(super) async fn handle(
    state: &Arc<AppState>,
    session: &mut Session,
    conversation: u64,
    title: String,
    starts_at: i64,
    minutes: u32,
) -> Result<Response, ApiError> {
    let user = session.user()?.id;
    let op = WriteOp::ScheduleMeeting {
        user,
        conversation,
        title,
        starts_at,
        minutes,
    };
    match write(state, op).await?.outcome {
        Outcome::Scheduled(meeting) => Ok(Response::Scheduled { meeting: *meeting }),
        other => Err(unexpected(other)),
    }
}
