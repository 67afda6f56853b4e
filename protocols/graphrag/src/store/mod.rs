//! The storage layout of knowledge graphs. Not built yet.
