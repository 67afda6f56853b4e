//! COPY FROM's input scanner: bytes in whatever pieces the client sends them → lines →
//! de-escaped fields, in PostgreSQL's text and CSV formats.
//!
//! [`LineDecoder::push`] appends a piece; [`LineDecoder::next_line`] hands out the next
//! complete line (a line may span any number of pieces: the scan resumes where it
//! stopped, with the CSV quote state kept); [`LineDecoder::split`] cuts a line into
//! fields kept in one reused buffer. The rules are those of PostgreSQL 15's
//! copyfromparse.c: the first line fixes the newline style (`\n`, `\r` or `\r\n`) and a
//! different one later is an error; `\.` ends the data (text format: anywhere, with the
//! data before it on its line still read; CSV: only alone on a line); text escapes
//! `\b \f \n \r \t \v`, octal `\NNN`, hex `\xHH`, and `\c` for any other c; the NULL
//! string is compared with the raw field, before de-escaping (CSV: only unquoted).

use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Eol {
    Nl,
    Cr,
    CrNl,
}

/// A bad-input error found while scanning, before the line is complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError {
    pub message: String,
    pub hint: Option<String>,
}

fn scan_error(message: &str, hint: Option<&str>) -> ScanError {
    ScanError { message: message.to_string(), hint: hint.map(str::to_string) }
}

/// The format parameters the scanner needs.
#[derive(Debug, Clone)]
pub struct DecodeOptions {
    pub csv: bool,
    pub delimiter: u8,
    pub quote: u8,
    pub escape: u8,
    pub null: Vec<u8>,
}

/// The longest line accepted (PostgreSQL's limit for one line buffer is 1 GB).
pub const MAX_LINE: usize = (1 << 30) - 1;

pub struct LineDecoder {
    opts: DecodeOptions,
    buf: Vec<u8>,
    line_start: usize,
    scan: usize,
    in_quote: bool,
    last_was_esc: bool,
    eol: Option<Eol>,
    /// Physical lines read so far (CSV newlines inside quotes count, as in PostgreSQL).
    lineno: u64,
    /// Newlines inside quotes in the line being read.
    quoted_newlines: u64,
    /// The end-of-data marker was seen; everything after it is ignored.
    ended: bool,
    /// De-escaped fields of the last split line.
    out: Vec<u8>,
    fields: Vec<Option<Range<usize>>>,
}

impl LineDecoder {
    pub fn new(opts: DecodeOptions) -> Self {
        LineDecoder {
            opts,
            buf: Vec::new(),
            line_start: 0,
            scan: 0,
            in_quote: false,
            last_was_esc: false,
            eol: None,
            lineno: 0,
            quoted_newlines: 0,
            ended: false,
            out: Vec::new(),
            fields: Vec::new(),
        }
    }

    /// Appends a piece of input (ignored after the end marker).
    pub fn push(&mut self, data: &[u8]) {
        if self.ended {
            return;
        }
        if self.line_start > 0 && (self.line_start == self.buf.len() || self.line_start > 64 * 1024) {
            self.buf.drain(..self.line_start);
            self.scan -= self.line_start;
            self.line_start = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// True once `\.` was read.
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// The number of the line being read (1-based), for error context.
    pub fn current_line(&self) -> u64 {
        self.lineno + 1 + self.quoted_newlines
    }

    /// The number of the last line returned by [`next_line`](Self::next_line).
    pub fn line_number(&self) -> u64 {
        self.lineno
    }

    /// Bytes of a line returned by [`next_line`](Self::next_line) (valid until the next push).
    pub fn line(&self, range: &Range<usize>) -> &[u8] {
        &self.buf[range.clone()]
    }

    /// Bytes buffered but not yet part of a complete line.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.line_start
    }

    /// The next complete line, `None` when more input is needed (or, with `eof`, when the
    /// data is exhausted). With `eof` a last line without newline is returned too.
    pub fn next_line(&mut self, eof: bool) -> Result<Option<Range<usize>>, ScanError> {
        if self.ended {
            return Ok(None);
        }
        let found = if self.opts.csv { self.scan_csv(eof)? } else { self.scan_text(eof)? };
        if found.is_none() && self.pending() > MAX_LINE {
            return Err(scan_error("COPY line is too long (more than 1 GB)", None));
        }
        if found.is_some() {
            self.lineno += 1 + self.quoted_newlines;
            self.quoted_newlines = 0;
        }
        Ok(found)
    }

    fn take_line(&mut self, end: usize, next: usize) -> Range<usize> {
        let line = self.line_start..end;
        self.line_start = next;
        self.scan = next;
        line
    }

    /// Line end at `i` (a `\n` or `\r`); checks the newline style. `None`: need more input.
    fn line_end(&mut self, i: usize, eof: bool) -> Result<Option<usize>, ScanError> {
        let b = &self.buf;
        let (newline_msg, newline_hint, cr_msg, cr_hint) = if self.opts.csv {
            (
                "unquoted newline found in data",
                "Use quoted CSV field to represent newline.",
                "unquoted carriage return found in data",
                "Use quoted CSV field to represent carriage return.",
            )
        } else {
            (
                "literal newline found in data",
                "Use \"\\n\" to represent newline.",
                "literal carriage return found in data",
                "Use \"\\r\" to represent carriage return.",
            )
        };
        if b[i] == b'\n' {
            match self.eol {
                None => self.eol = Some(Eol::Nl),
                Some(Eol::Nl) => {}
                Some(_) => return Err(scan_error(newline_msg, Some(newline_hint))),
            }
            return Ok(Some(i + 1));
        }
        // '\r': look at the next byte.
        let next = match b.get(i + 1) {
            Some(n) => Some(*n),
            None if eof => None,
            None => return Ok(None),
        };
        match self.eol {
            None => {
                if next == Some(b'\n') {
                    self.eol = Some(Eol::CrNl);
                    Ok(Some(i + 2))
                } else {
                    self.eol = Some(Eol::Cr);
                    Ok(Some(i + 1))
                }
            }
            Some(Eol::Cr) => Ok(Some(i + 1)),
            Some(Eol::CrNl) if next == Some(b'\n') => Ok(Some(i + 2)),
            Some(_) => Err(scan_error(cr_msg, Some(cr_hint))),
        }
    }

    /// After `\.` at `dot + 1`: checks what follows. `Ok(None)`: need more input.
    fn end_marker(&mut self, after: usize, eof: bool) -> Result<Option<()>, ScanError> {
        let rest = &self.buf[after..];
        let mismatch = || scan_error("end-of-copy marker does not match previous newline style", None);
        match rest.first() {
            None if eof => Ok(Some(())),
            None => Ok(None),
            Some(b'\n') => match self.eol {
                None | Some(Eol::Nl) => Ok(Some(())),
                _ => Err(mismatch()),
            },
            Some(b'\r') => {
                let crnl = match rest.get(1) {
                    Some(n) => *n == b'\n',
                    None if eof => false,
                    None => return Ok(None),
                };
                match (self.eol, crnl) {
                    (None, _) | (Some(Eol::CrNl), true) | (Some(Eol::Cr), false) => Ok(Some(())),
                    _ => Err(mismatch()),
                }
            }
            Some(_) => Err(scan_error("end-of-copy marker corrupt", None)),
        }
    }

    fn scan_text(&mut self, eof: bool) -> Result<Option<Range<usize>>, ScanError> {
        let mut i = self.scan;
        loop {
            let b = &self.buf;
            while i < b.len() && !matches!(b[i], b'\\' | b'\n' | b'\r') {
                i += 1;
            }
            if i >= b.len() {
                self.scan = i;
                if eof && self.line_start < b.len() {
                    let end = b.len();
                    return Ok(Some(self.take_line(end, end)));
                }
                return Ok(None);
            }
            match b[i] {
                b'\\' => {
                    let Some(&next) = b.get(i + 1) else {
                        if eof {
                            i += 1;
                            continue;
                        }
                        self.scan = i;
                        return Ok(None);
                    };
                    if next == b'.' {
                        match self.end_marker(i + 2, eof)? {
                            None => {
                                self.scan = i;
                                return Ok(None);
                            }
                            Some(()) => {
                                self.ended = true;
                                let start = self.line_start;
                                self.line_start = self.buf.len();
                                self.scan = self.buf.len();
                                return Ok(if i > start { Some(start..i) } else { None });
                            }
                        }
                    }
                    i += 2;
                }
                _ => match self.line_end(i, eof)? {
                    None => {
                        self.scan = i;
                        return Ok(None);
                    }
                    Some(next) => return Ok(Some(self.take_line(i, next))),
                },
            }
        }
    }

    fn scan_csv(&mut self, eof: bool) -> Result<Option<Range<usize>>, ScanError> {
        // With the escape equal to the quote, the quote is simply a toggle.
        let quote = self.opts.quote;
        let escape = if self.opts.escape == quote { None } else { Some(self.opts.escape) };
        // `\.` alone on a line ends the data.
        if self.scan == self.line_start && !eof && self.buf[self.line_start..] == *b"\\" {
            return Ok(None);
        }
        if self.scan == self.line_start && self.buf[self.line_start..].starts_with(b"\\.") {
            let after = self.line_start + 2;
            let rest = &self.buf[after..];
            let complete = !rest.is_empty() || eof;
            if !complete || (rest.first() == Some(&b'\r') && rest.len() < 2 && !eof) {
                return Ok(None);
            }
            if matches!(rest.first(), None | Some(b'\n') | Some(b'\r')) && self.end_marker(after, eof).is_ok() {
                self.ended = true;
                self.line_start = self.buf.len();
                self.scan = self.buf.len();
                return Ok(None);
            }
        }
        let quoted_eol = if self.eol == Some(Eol::Nl) { b'\n' } else { b'\r' };
        let mut i = self.scan;
        while i < self.buf.len() {
            let c = self.buf[i];
            if c == b'\r' && i + 1 >= self.buf.len() && !eof {
                self.scan = i;
                return Ok(None);
            }
            if self.in_quote && Some(c) == escape {
                self.last_was_esc = !self.last_was_esc;
            }
            if c == quote && !self.last_was_esc {
                self.in_quote = !self.in_quote;
            }
            if Some(c) != escape {
                self.last_was_esc = false;
            }
            if self.in_quote && c == quoted_eol {
                self.quoted_newlines += 1;
            }
            if !self.in_quote && (c == b'\n' || c == b'\r') {
                match self.line_end(i, eof)? {
                    None => {
                        self.scan = i;
                        return Ok(None);
                    }
                    Some(next) => return Ok(Some(self.take_line(i, next))),
                }
            }
            i += 1;
        }
        self.scan = i;
        if eof && self.line_start < self.buf.len() {
            let end = self.buf.len();
            return Ok(Some(self.take_line(end, end)));
        }
        Ok(None)
    }

    /// Splits a line into fields; read them with [`field`](Self::field). The error is
    /// PostgreSQL's "unterminated CSV quoted field".
    pub fn split(&mut self, line: &Range<usize>) -> Result<usize, ScanError> {
        self.out.clear();
        self.fields.clear();
        let b = &self.buf[line.clone()];
        if self.opts.csv {
            split_csv(b, &self.opts, &mut self.out, &mut self.fields)?;
        } else {
            split_text(b, &self.opts, &mut self.out, &mut self.fields);
        }
        Ok(self.fields.len())
    }

    pub fn field_count(&self) -> usize {
        self.fields.len()
    }

    /// A field of the last split line; `None` is SQL NULL.
    pub fn field(&self, i: usize) -> Option<&[u8]> {
        self.fields.get(i).and_then(|f| f.as_ref()).map(|r| &self.out[r.clone()])
    }

    /// Whether field `i` was the unquoted NULL string; used by FORCE_NOT_NULL.
    pub fn null_text(&self) -> &[u8] {
        &self.opts.null
    }
}

fn split_text(b: &[u8], opts: &DecodeOptions, out: &mut Vec<u8>, fields: &mut Vec<Option<Range<usize>>>) {
    let delim = opts.delimiter;
    let mut i = 0;
    loop {
        let start = i;
        let out_start = out.len();
        let mut at_delim = false;
        loop {
            let run = i;
            while i < b.len() && b[i] != delim && b[i] != b'\\' {
                i += 1;
            }
            out.extend_from_slice(&b[run..i]);
            if i >= b.len() {
                break;
            }
            if b[i] == delim {
                at_delim = true;
                break;
            }
            // A backslash escape.
            i += 1;
            let Some(&c) = b.get(i) else { break };
            i += 1;
            match c {
                b'0'..=b'7' => {
                    let mut v = u32::from(c - b'0');
                    for _ in 0..2 {
                        match b.get(i) {
                            Some(&d @ b'0'..=b'7') => {
                                v = v * 8 + u32::from(d - b'0');
                                i += 1;
                            }
                            _ => break,
                        }
                    }
                    out.push((v & 0xff) as u8);
                }
                b'x' => match b.get(i).and_then(|h| (*h as char).to_digit(16)) {
                    Some(h) => {
                        i += 1;
                        let mut v = h;
                        if let Some(h2) = b.get(i).and_then(|h| (*h as char).to_digit(16)) {
                            v = v * 16 + h2;
                            i += 1;
                        }
                        out.push(v as u8);
                    }
                    None => out.push(b'x'),
                },
                b'b' => out.push(8),
                b'f' => out.push(12),
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b't' => out.push(b'\t'),
                b'v' => out.push(11),
                other => out.push(other),
            }
        }
        let raw_end = if at_delim { i } else { i.min(b.len()) };
        if b[start..raw_end] == opts.null[..] {
            out.truncate(out_start);
            fields.push(None);
        } else {
            fields.push(Some(out_start..out.len()));
        }
        if !at_delim {
            return;
        }
        i += 1;
    }
}

fn split_csv(
    b: &[u8],
    opts: &DecodeOptions,
    out: &mut Vec<u8>,
    fields: &mut Vec<Option<Range<usize>>>,
) -> Result<(), ScanError> {
    let (delim, quote, escape) = (opts.delimiter, opts.quote, opts.escape);
    let mut i = 0;
    loop {
        let start = i;
        let out_start = out.len();
        let mut saw_quote = false;
        let mut at_delim = false;
        'field: loop {
            // Outside quotes.
            loop {
                let Some(&c) = b.get(i) else { break 'field };
                i += 1;
                if c == delim {
                    at_delim = true;
                    break 'field;
                }
                if c == quote {
                    saw_quote = true;
                    break;
                }
                out.push(c);
            }
            // Inside quotes.
            loop {
                let Some(&c) = b.get(i) else {
                    return Err(scan_error("unterminated CSV quoted field", None));
                };
                i += 1;
                if c == escape {
                    if let Some(&n) = b.get(i) {
                        if n == escape || n == quote {
                            out.push(n);
                            i += 1;
                            continue;
                        }
                    }
                }
                if c == quote {
                    break;
                }
                out.push(c);
            }
        }
        let raw_end = if at_delim { i - 1 } else { i };
        if !saw_quote && b[start..raw_end] == opts.null[..] {
            out.truncate(out_start);
            fields.push(None);
        } else {
            fields.push(Some(out_start..out.len()));
        }
        if !at_delim {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text() -> DecodeOptions {
        DecodeOptions { csv: false, delimiter: b'\t', quote: b'"', escape: b'"', null: b"\\N".to_vec() }
    }

    fn csv() -> DecodeOptions {
        DecodeOptions { csv: true, delimiter: b',', quote: b'"', escape: b'"', null: Vec::new() }
    }

    /// All rows of `input` fed in pieces of `piece` bytes: fields as strings ("<NULL>").
    fn rows(opts: DecodeOptions, input: &[u8], piece: usize) -> Result<Vec<Vec<String>>, ScanError> {
        let mut d = LineDecoder::new(opts);
        let mut out = Vec::new();
        let mut chunks: Vec<&[u8]> = input.chunks(piece.max(1)).collect();
        if chunks.is_empty() {
            chunks.push(b"");
        }
        let n = chunks.len();
        for (k, chunk) in chunks.into_iter().enumerate() {
            d.push(chunk);
            let eof = k + 1 == n;
            while let Some(line) = d.next_line(eof)? {
                d.split(&line)?;
                out.push(
                    (0..d.field_count())
                        .map(|f| match d.field(f) {
                            None => "<NULL>".to_string(),
                            Some(v) => String::from_utf8_lossy(v).into_owned(),
                        })
                        .collect(),
                );
            }
        }
        Ok(out)
    }

    fn all_pieces(opts: DecodeOptions, input: &[u8]) -> Vec<Vec<String>> {
        let whole = rows(opts.clone(), input, input.len()).expect("decodes");
        for piece in 1..input.len().min(9) {
            assert_eq!(rows(opts.clone(), input, piece).expect("decodes"), whole, "piece size {piece}");
        }
        whole
    }

    #[test]
    fn text_rows_and_escapes() {
        let r = all_pieces(text(), b"1\tabc\t\\N\n2\t\\t\\n\\\\\\101\\x41\\q\t\n\\N\t\t\\\\N\n");
        assert_eq!(r, vec![vec!["1", "abc", "<NULL>"], vec!["2", "\t\n\\AAq", ""], vec!["<NULL>", "", "\\N"],]);
        // The end marker: alone, or after data on its line; the rest is ignored.
        assert_eq!(all_pieces(text(), b"a\n\\.\nignored\n"), vec![vec!["a"]]);
        assert_eq!(all_pieces(text(), b"a\nb\\.\n"), vec![vec!["a"], vec!["b"]]);
        assert_eq!(all_pieces(text(), b"a\n\\."), vec![vec!["a"]]);
        // An escaped backslash followed by a period is data.
        assert_eq!(all_pieces(text(), b"\\\\.\n"), vec![vec!["\\."]]);
        // Empty line: one empty field. No final newline: still a line.
        assert_eq!(all_pieces(text(), b"\nx"), vec![vec![""], vec!["x"]]);
        // Backslash-newline is a newline in the data.
        assert_eq!(all_pieces(text(), b"a\\\nb\n"), vec![vec!["a\nb"]]);
    }

    #[test]
    fn newline_styles() {
        assert_eq!(all_pieces(text(), b"a\r\nb\r\n\\.\r\n"), vec![vec!["a"], vec!["b"]]);
        assert_eq!(all_pieces(text(), b"a\rb\r"), vec![vec!["a"], vec!["b"]]);
        let e = rows(text(), b"a\r\nb\n", 100).unwrap_err();
        assert_eq!(e.message, "literal newline found in data");
        let e = rows(text(), b"a\nb\r\n", 100).unwrap_err();
        assert_eq!(e.message, "literal carriage return found in data");
        assert_eq!(e.hint.as_deref(), Some("Use \"\\r\" to represent carriage return."));
        let e = rows(text(), b"a\n\\.x\n", 100).unwrap_err();
        assert_eq!(e.message, "end-of-copy marker corrupt");
        let e = rows(text(), b"a\r\n\\.\n", 100).unwrap_err();
        assert_eq!(e.message, "end-of-copy marker does not match previous newline style");
    }

    #[test]
    fn csv_rows() {
        let r = all_pieces(csv(), b"1,\"a,b\",\n2,\"say \"\"hi\"\"\",\"\"\n3,\"two\nlines\",x\n\\.\n");
        assert_eq!(r, vec![vec!["1", "a,b", "<NULL>"], vec!["2", "say \"hi\"", ""], vec!["3", "two\nlines", "x"]]);
        // \. inside a line or quoted is data; alone on a line it ends the data.
        assert_eq!(all_pieces(csv(), b"a\\.\n\"\\.\"\n\\.\nz\n"), vec![vec!["a\\."], vec!["\\."]]);
        let mut o = csv();
        o.escape = b'\\';
        o.null = b"NULL".to_vec();
        assert_eq!(all_pieces(o, b"\"a\\\"b\",NULL,\"NULL\"\n"), vec![vec!["a\"b", "<NULL>", "NULL"]]);
        let e = rows(csv(), b"\"open,1\n2,3\n", 100).unwrap_err();
        assert_eq!(e.message, "unterminated CSV quoted field");
        let e = rows(csv(), b"a\nb\rc\n", 100).unwrap_err();
        assert_eq!(e.message, "unquoted carriage return found in data");
    }

    #[test]
    fn csv_line_numbers_count_quoted_newlines() {
        let mut d = LineDecoder::new(csv());
        d.push(b"1,\"x\ny\"\n2,z\n");
        let l = d.next_line(true).unwrap().unwrap();
        assert_eq!(d.line(&l), b"1,\"x\ny\"");
        assert_eq!(d.line_number(), 1);
        d.next_line(true).unwrap().unwrap();
        assert_eq!(d.line_number(), 2);
    }
}
