//! Unit tests of semantic analysis.
