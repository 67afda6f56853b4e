//! Encoding replies (filled in by the RESP work).
