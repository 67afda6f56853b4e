//! Retrieval modes. Not built yet.
