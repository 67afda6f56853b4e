//! The incremental parser of client requests, as Redis's `processMultibulkBuffer` and
//! `processInlineBuffer` read them.
//!
//! A [`RequestParser`] is fed the connection's read buffer again and again; it consumes
//! whole requests (and the headers of a multibulk request still arriving, so a request
//! with a million arguments is never re-scanned) and leaves partial data in the buffer.
//! Every length it reads is bounded with Redis's own error text; after an error the
//! connection sends it and closes. A declared bulk length is never allocated up front:
//! a bulk is copied out only once all of its bytes have arrived.

use bytes::{Buf, BytesMut};

/// Longest inline request, and longest `*<count>` / `$<len>` header line (Redis's
/// PROTO_INLINE_MAX_SIZE).
pub const INLINE_MAX: usize = 64 * 1024;
/// Largest multibulk count (Redis 7.0 accepts up to INT_MAX; arguments are never
/// preallocated beyond a small bound, so only bytes actually received use memory).
pub const MAX_MULTIBULK: i64 = i32::MAX as i64;
/// Default largest bulk (proto-max-bulk-len, 512 MB).
pub const DEFAULT_MAX_BULK: i64 = 512 * 1024 * 1024;
/// Limits Redis applies before a client has authenticated (when a password is required).
const UNAUTH_MAX_MULTIBULK: i64 = 10;
const UNAUTH_MAX_BULK: i64 = 16384;

/// A request the client must be told about and then disconnected: the error line sent
/// (without the leading `-`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError(pub String);

impl ProtocolError {
    fn new(what: impl std::fmt::Display) -> Self {
        ProtocolError(format!("ERR Protocol error: {what}"))
    }
}

/// A multibulk request whose arguments are still arriving.
#[derive(Debug)]
struct Pending {
    remaining: usize,
    args: Vec<Vec<u8>>,
    /// The length of the bulk whose `$len` header has been consumed.
    bulk_len: Option<usize>,
}

/// Reads requests out of a connection's buffer; see the module docs.
#[derive(Debug)]
pub struct RequestParser {
    max_bulk_len: i64,
    pending: Option<Pending>,
}

impl Default for RequestParser {
    fn default() -> Self {
        RequestParser::new(DEFAULT_MAX_BULK)
    }
}

impl RequestParser {
    /// A parser refusing bulks longer than `max_bulk_len` (proto-max-bulk-len).
    pub fn new(max_bulk_len: i64) -> Self {
        RequestParser { max_bulk_len, pending: None }
    }

    pub fn set_max_bulk_len(&mut self, max_bulk_len: i64) {
        self.max_bulk_len = max_bulk_len;
    }

    /// True while a multibulk request has been started but not finished.
    pub fn in_request(&self) -> bool {
        self.pending.is_some()
    }

    /// The next complete request in `buf` (consumed), `Ok(None)` when more bytes are
    /// needed. Empty inline lines and `*0`/`*-1` are skipped. `authenticated`: false
    /// while a password is required and not given (Redis then bounds requests tighter).
    pub fn next_request(
        &mut self,
        buf: &mut BytesMut,
        authenticated: bool,
    ) -> Result<Option<Vec<Vec<u8>>>, ProtocolError> {
        loop {
            if self.pending.is_some() {
                return self.continue_multibulk(buf, authenticated);
            }
            if buf.is_empty() {
                return Ok(None);
            }
            if buf[0] == b'*' {
                let Some(line_end) = find_cr(buf) else {
                    if buf.len() > INLINE_MAX {
                        return Err(ProtocolError::new("too big mbulk count string"));
                    }
                    return Ok(None);
                };
                if line_end + 1 >= buf.len() {
                    return Ok(None);
                }
                let count = parse_int(&buf[1..line_end]);
                let count = match count {
                    Some(n) if n <= MAX_MULTIBULK => n,
                    _ => return Err(ProtocolError::new("invalid multibulk length")),
                };
                if !authenticated && count > UNAUTH_MAX_MULTIBULK {
                    return Err(ProtocolError::new("unauthenticated multibulk length"));
                }
                buf.advance(line_end + 2);
                if count <= 0 {
                    continue;
                }
                let count = count as usize;
                self.pending =
                    Some(Pending { remaining: count, args: Vec::with_capacity(count.min(1024)), bulk_len: None });
            } else {
                let Some(nl) = buf.iter().position(|&b| b == b'\n') else {
                    if buf.len() > INLINE_MAX {
                        return Err(ProtocolError::new("too big inline request"));
                    }
                    return Ok(None);
                };
                let mut line = &buf[..nl];
                if line.last() == Some(&b'\r') {
                    line = &line[..line.len() - 1];
                }
                let args = split_args(line).ok_or_else(|| ProtocolError::new("unbalanced quotes in request"))?;
                buf.advance(nl + 1);
                if !args.is_empty() {
                    return Ok(Some(args));
                }
            }
        }
    }

    fn continue_multibulk(
        &mut self,
        buf: &mut BytesMut,
        authenticated: bool,
    ) -> Result<Option<Vec<Vec<u8>>>, ProtocolError> {
        let Some(pending) = self.pending.as_mut() else { return Ok(None) };
        while pending.remaining > 0 {
            let len = match pending.bulk_len {
                Some(len) => len,
                None => {
                    let Some(line_end) = find_cr(buf) else {
                        if buf.len() > INLINE_MAX {
                            return Err(ProtocolError::new("too big bulk count string"));
                        }
                        return Ok(None);
                    };
                    if line_end + 1 >= buf.len() {
                        return Ok(None);
                    }
                    if buf[0] != b'$' {
                        return Err(ProtocolError::new(format!("expected '$', got '{}'", buf[0] as char)));
                    }
                    let len = match parse_int(&buf[1..line_end]) {
                        Some(n) if n >= 0 && n <= self.max_bulk_len => n,
                        _ => return Err(ProtocolError::new("invalid bulk length")),
                    };
                    if !authenticated && len > UNAUTH_MAX_BULK {
                        return Err(ProtocolError::new("unauthenticated bulk length"));
                    }
                    buf.advance(line_end + 2);
                    pending.bulk_len = Some(len as usize);
                    len as usize
                }
            };
            if buf.len() < len + 2 {
                return Ok(None);
            }
            pending.args.push(buf.split_to(len).to_vec());
            // Like Redis, the two bytes after the bulk are skipped unchecked.
            buf.advance(2);
            pending.bulk_len = None;
            pending.remaining -= 1;
        }
        Ok(self.pending.take().map(|p| p.args))
    }

    /// Bytes still needed to finish the bulk being read (a hint for the read buffer's
    /// growth), 0 when not inside a bulk.
    pub fn bulk_bytes_wanted(&self, buffered: usize) -> usize {
        match self.pending.as_ref().and_then(|p| p.bulk_len) {
            Some(len) => (len + 2).saturating_sub(buffered),
            None => 0,
        }
    }
}

fn find_cr(buf: &[u8]) -> Option<usize> {
    buf.iter().position(|&b| b == b'\r')
}

/// Redis's `string2ll`: an optional '-', digits, no leading zeros, no '+', fits in i64.
fn parse_int(bytes: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(bytes).ok()?;
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return None;
    }
    if s == "-0" {
        return None;
    }
    s.parse().ok()
}

/// Redis's `sdssplitargs`: arguments separated by whitespace; `"..."` with `\n`, `\r`,
/// `\t`, `\b`, `\a`, `\\`, `\"` and `\xHH` escapes; `'...'` with `\'`. A closing quote
/// must be followed by whitespace or the end. `None`: unbalanced quotes.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    // Redis scans a C string: a NUL byte ends the line.
    let line = match line.iter().position(|&b| b == 0) {
        Some(nul) => &line[..nul],
        None => line,
    };
    let mut args = Vec::new();
    let mut i = 0;
    let n = line.len();
    let is_space = |b: u8| matches!(b, b' ' | b'\n' | b'\r' | b'\t' | 0x0b | 0x0c);
    loop {
        while i < n && is_space(line[i]) {
            i += 1;
        }
        if i >= n {
            return Some(args);
        }
        let mut current = Vec::new();
        let mut in_dq = false;
        let mut in_sq = false;
        loop {
            if in_dq {
                if i >= n {
                    return None;
                }
                let c = line[i];
                if c == b'\\'
                    && i + 3 < n
                    && line[i + 1] == b'x'
                    && hex(line[i + 2]).is_some()
                    && hex(line[i + 3]).is_some()
                {
                    let v = hex(line[i + 2]).unwrap_or(0) * 16 + hex(line[i + 3]).unwrap_or(0);
                    current.push(v);
                    i += 3;
                } else if c == b'\\' && i + 1 < n {
                    i += 1;
                    current.push(match line[i] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    if i + 1 < n && !is_space(line[i + 1]) {
                        return None;
                    }
                    i += 1;
                    break;
                } else {
                    current.push(c);
                }
            } else if in_sq {
                if i >= n {
                    return None;
                }
                let c = line[i];
                if c == b'\\' && i + 1 < n && line[i + 1] == b'\'' {
                    i += 1;
                    current.push(b'\'');
                } else if c == b'\'' {
                    if i + 1 < n && !is_space(line[i + 1]) {
                        return None;
                    }
                    i += 1;
                    break;
                } else {
                    current.push(c);
                }
            } else {
                if i >= n {
                    break;
                }
                match line[i] {
                    b' ' | b'\n' | b'\r' | b'\t' => break,
                    b'"' => in_dq = true,
                    b'\'' => in_sq = true,
                    c => current.push(c),
                }
            }
            i += 1;
        }
        args.push(current);
    }
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(input: &[u8]) -> Result<Vec<Vec<Vec<u8>>>, ProtocolError> {
        let mut parser = RequestParser::default();
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        while let Some(req) = parser.next_request(&mut buf, true)? {
            out.push(req);
        }
        Ok(out)
    }

    fn strs(reqs: &[Vec<Vec<u8>>]) -> Vec<Vec<String>> {
        reqs.iter().map(|r| r.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect()).collect()
    }

    fn err(input: &[u8]) -> String {
        match parse_all(input) {
            Err(ProtocolError(e)) => e,
            Ok(r) => panic!("expected an error, got {:?}", strs(&r)),
        }
    }

    #[test]
    fn multibulk_and_inline() {
        let reqs =
            parse_all(b"*2\r\n$4\r\nECHO\r\n$3\r\na\r\n\r\nPING\r\n\r\n  \r\nset k  v\n*0\r\n*-1\r\n*1\r\n$0\r\n\r\n")
                .expect("ok");
        assert_eq!(
            strs(&reqs),
            vec![vec!["ECHO", "a\r\n"], vec!["PING"], vec!["set", "k", "v"], vec![""]]
                .into_iter()
                .map(|v| v.into_iter().map(String::from).collect::<Vec<_>>())
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn inline_quoting() {
        assert_eq!(
            split_args(br#"set "a b\x41\n" 'it\'s' c"#),
            Some(vec![b"set".to_vec(), b"a bA\n".to_vec(), b"it's".to_vec(), b"c".to_vec()])
        );
        assert_eq!(split_args(b"\"abc"), None);
        assert_eq!(split_args(b"\"abc\"x"), None);
        assert_eq!(split_args(b"'abc"), None);
        assert_eq!(split_args(b"  "), Some(vec![]));
        assert_eq!(split_args(b"a\0b c"), Some(vec![b"a".to_vec()]));
        assert_eq!(split_args(b"\"a\0\""), None);
        assert_eq!(err(b"set \"a\r\n"), "ERR Protocol error: unbalanced quotes in request");
    }

    #[test]
    fn bounds() {
        assert_eq!(err(b"*abc\r\n"), "ERR Protocol error: invalid multibulk length");
        assert_eq!(err(b"*2147483648\r\n"), "ERR Protocol error: invalid multibulk length");
        assert_eq!(err(b"*1\r\n$-1\r\n"), "ERR Protocol error: invalid bulk length");
        assert_eq!(err(b"*1\r\n$536870913\r\n"), "ERR Protocol error: invalid bulk length");
        assert_eq!(err(b"*1\r\n+x\r\n"), "ERR Protocol error: expected '$', got '+'");
        assert_eq!(err(&vec![b'a'; INLINE_MAX + 1]), "ERR Protocol error: too big inline request");
        let mut big = b"*".to_vec();
        big.extend(vec![b'1'; INLINE_MAX + 1]);
        assert_eq!(err(&big), "ERR Protocol error: too big mbulk count string");
        let mut big = b"*1\r\n$".to_vec();
        big.extend(vec![b'1'; INLINE_MAX + 1]);
        assert_eq!(err(&big), "ERR Protocol error: too big bulk count string");
    }

    #[test]
    fn unauthenticated_bounds() {
        let mut parser = RequestParser::default();
        let mut buf = BytesMut::from(&b"*11\r\n"[..]);
        assert_eq!(
            parser.next_request(&mut buf, false),
            Err(ProtocolError("ERR Protocol error: unauthenticated multibulk length".into()))
        );
    }

    #[test]
    fn huge_declared_bulk_is_not_allocated() {
        let mut parser = RequestParser::default();
        let mut buf = BytesMut::from(&b"*1\r\n$500000000\r\nabc"[..]);
        assert_eq!(parser.next_request(&mut buf, true), Ok(None));
        assert!(buf.capacity() < 1024 * 1024);
        assert_eq!(buf.len(), 3);
        assert!(parser.in_request());
    }

    #[test]
    fn every_split_point() {
        let input: &[u8] =
            b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\nPING\r\n*1\r\n$4\r\nPING\r\necho \"a b\" 'c'\r\n\r\n*2\r\n$0\r\n\r\n$2\r\nxy\r\n";
        let expected = parse_all(input).expect("whole input");
        assert_eq!(expected.len(), 5);
        for a in 0..=input.len() {
            for b in a..=input.len() {
                let mut parser = RequestParser::default();
                let mut buf = BytesMut::new();
                let mut got = Vec::new();
                for chunk in [&input[..a], &input[a..b], &input[b..]] {
                    buf.extend_from_slice(chunk);
                    while let Some(req) = parser.next_request(&mut buf, true).expect("no error") {
                        got.push(req);
                    }
                }
                assert_eq!(got, expected, "split at {a}/{b}");
                assert!(buf.is_empty());
            }
        }
    }

    #[test]
    fn garbage_never_panics() {
        // A small deterministic generator (xorshift) biased toward protocol bytes.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet = b"*$\r\n0123456789-+ \"'\\xabc";
        for _ in 0..20_000 {
            let len = (next() % 64) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    let r = next();
                    if r % 4 == 0 {
                        (r >> 8) as u8
                    } else {
                        alphabet[(r >> 8) as usize % alphabet.len()]
                    }
                })
                .collect();
            let mut parser = RequestParser::default();
            let mut buf = BytesMut::new();
            for chunk in bytes.chunks(1 + (next() % 7) as usize) {
                buf.extend_from_slice(chunk);
                while let Ok(Some(_)) = parser.next_request(&mut buf, next() % 2 == 0) {}
            }
        }
    }
}
