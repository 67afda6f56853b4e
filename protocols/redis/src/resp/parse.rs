//! Parsing client requests (filled in by the RESP work).
