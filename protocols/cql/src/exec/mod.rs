//! The CQL executor: [`crate::engine::CqlEngine`] over the parser's statements and the
//! wide-column model.

pub mod bind;
pub mod clock;
pub mod result;
pub mod table_def;
