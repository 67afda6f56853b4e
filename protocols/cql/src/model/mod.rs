//! The wide-column model over `TableStorage`: values and their native encoding
//! ([`value`], [`native`]), order-preserving keys and Murmur3 tokens ([`keys`]), the
//! schema catalog ([`catalog`]) and Cassandra's cell storage semantics ([`cells`],
//! [`store`]).

pub mod catalog;
pub mod cells;
pub mod codec;
pub mod keys;
pub mod murmur3;
pub mod native;
pub mod read;
pub mod schema_codec;
pub mod space;
pub mod store;
pub mod value;

pub use value::CqlValue;

#[cfg(test)]
mod store_tests;
