//! The sets commands (to be filled in by the sets work).

use super::{CommandSpec, Ctx};
use crate::error::RedisResult;
use crate::resp::Frame;

pub const SPECS: &[CommandSpec] = &[];

pub async fn execute(_ctx: &mut Ctx<'_>, args: &[Vec<u8>]) -> RedisResult<Frame> {
    Err(super::unknown_command(args))
}
