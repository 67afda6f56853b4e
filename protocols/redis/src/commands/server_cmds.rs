//! Server commands (INFO, DBSIZE, FLUSHDB, COMMAND, CONFIG, ...) and the specs of the
//! connection-level commands (to be filled in by the connection work).

use super::{CommandSpec, Ctx};
use crate::error::RedisResult;
use crate::resp::Frame;

/// Commands the connection handles itself (PING, HELLO, AUTH, SELECT, MULTI, ...).
pub const CONNECTION_SPECS: &[CommandSpec] = &[];

pub const SPECS: &[CommandSpec] = &[];

pub async fn execute(_ctx: &mut Ctx<'_>, args: &[Vec<u8>]) -> RedisResult<Frame> {
    Err(super::unknown_command(args))
}
