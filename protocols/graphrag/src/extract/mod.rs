//! Entity and relationship extraction. Not built yet.
