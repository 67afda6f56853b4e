//! Engine tests through the public API: a session over an in-memory storage.

mod basics;
mod features;
mod slt;
