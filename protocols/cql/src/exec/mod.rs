//! The CQL executor: [`crate::engine::CqlEngine`] over the parser's statements and the
//! wide-column model.

pub mod bind;
pub mod clock;
pub mod literal;
pub mod plan;
pub mod result;
pub mod run;
pub mod select;
pub mod table_def;
pub mod write;
