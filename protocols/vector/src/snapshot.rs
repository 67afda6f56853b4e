//! The versioned binary snapshot of a [`crate::VectorIndex`]: not built yet.
