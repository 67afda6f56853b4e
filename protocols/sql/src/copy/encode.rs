//! COPY TO's output: one line per row in PostgreSQL's text or CSV format, values in
//! PostgreSQL's text output ([`crate::format::format_text`]) escaped as copyto.c does.

use super::statement::{CopyOptions, ForceQuote};
use crate::format::format_text;
use crate::types::SqlType;
use orbit_storage::Value;

/// Encodes rows for one COPY TO.
pub struct RowEncoder {
    csv: bool,
    delimiter: u8,
    quote: u8,
    escape: u8,
    null: Vec<u8>,
    /// Per column: FORCE_QUOTE applies.
    force_quote: Vec<bool>,
}

impl RowEncoder {
    /// `columns`: the output column names (for FORCE_QUOTE).
    pub fn new(options: &CopyOptions, columns: &[String]) -> Self {
        let force_quote = columns
            .iter()
            .map(|c| match &options.force_quote {
                ForceQuote::None => false,
                ForceQuote::All => true,
                ForceQuote::Columns(cols) => cols.contains(c),
            })
            .collect();
        RowEncoder {
            csv: options.csv(),
            delimiter: options.delimiter,
            quote: options.quote,
            escape: options.escape,
            null: options.null.as_bytes().to_vec(),
            force_quote,
        }
    }

    /// The header line (column names), newline included.
    pub fn header(&self, columns: &[String], out: &mut Vec<u8>) {
        let single = columns.len() == 1;
        for (i, name) in columns.iter().enumerate() {
            if i > 0 {
                out.push(self.delimiter);
            }
            if self.csv {
                self.csv_value(name.as_bytes(), false, single, out);
            } else {
                self.text_value(name.as_bytes(), out);
            }
        }
        out.push(b'\n');
    }

    /// One row, newline included.
    pub fn row(&self, row: &[Value], types: &[SqlType], out: &mut Vec<u8>) {
        let single = row.len() == 1;
        for (i, value) in row.iter().enumerate() {
            if i > 0 {
                out.push(self.delimiter);
            }
            let ty = types.get(i).unwrap_or(&SqlType::Text);
            let text = match value {
                Value::Null => None,
                Value::Text(s) => {
                    // No copy for the commonest type.
                    self.put(s.as_bytes(), i, single, out);
                    continue;
                }
                other => format_text(other, ty),
            };
            match text {
                None => out.extend_from_slice(&self.null),
                Some(s) => self.put(s.as_bytes(), i, single, out),
            }
        }
        out.push(b'\n');
    }

    fn put(&self, bytes: &[u8], column: usize, single: bool, out: &mut Vec<u8>) {
        if self.csv {
            let force = self.force_quote.get(column).copied().unwrap_or(false);
            self.csv_value(bytes, force, single, out);
        } else {
            self.text_value(bytes, out);
        }
    }

    /// CopyAttributeOutText.
    fn text_value(&self, bytes: &[u8], out: &mut Vec<u8>) {
        let delim = self.delimiter;
        let mut start = 0;
        for (i, &c) in bytes.iter().enumerate() {
            let escaped = if c < 0x20 {
                match c {
                    8 => Some(b'b'),
                    12 => Some(b'f'),
                    b'\n' => Some(b'n'),
                    b'\r' => Some(b'r'),
                    b'\t' => Some(b't'),
                    11 => Some(b'v'),
                    _ if c == delim => Some(c),
                    _ => None,
                }
            } else if c == b'\\' || c == delim {
                Some(c)
            } else {
                None
            };
            if let Some(e) = escaped {
                out.extend_from_slice(&bytes[start..i]);
                out.push(b'\\');
                out.push(e);
                start = i + 1;
            }
        }
        out.extend_from_slice(&bytes[start..]);
    }

    /// CopyAttributeOutCSV.
    fn csv_value(&self, bytes: &[u8], force: bool, single: bool, out: &mut Vec<u8>) {
        let (delim, quote, escape) = (self.delimiter, self.quote, self.escape);
        let quoted = force
            || bytes == &self.null[..]
            || (single && bytes == b"\\.")
            || bytes.iter().any(|&c| c == delim || c == quote || c == b'\n' || c == b'\r');
        if !quoted {
            out.extend_from_slice(bytes);
            return;
        }
        out.push(quote);
        let mut start = 0;
        for (i, &c) in bytes.iter().enumerate() {
            if c == quote || c == escape {
                out.extend_from_slice(&bytes[start..i]);
                out.push(escape);
                start = i;
            }
        }
        out.extend_from_slice(&bytes[start..]);
        out.push(quote);
    }
}

#[cfg(test)]
mod tests {
    use super::super::statement::parse_copy;
    use super::*;

    fn encode(sql: &str, row: Vec<Value>) -> String {
        let stmt = parse_copy(sql).expect("parses");
        let names: Vec<String> = (0..row.len()).map(|i| format!("c{i}")).collect();
        let enc = RowEncoder::new(&stmt.options, &names);
        let types = vec![SqlType::Text; row.len()];
        let mut out = Vec::new();
        enc.row(&row, &types, &mut out);
        String::from_utf8(out).expect("utf-8")
    }

    fn t(s: &str) -> Value {
        Value::Text(s.to_string())
    }

    #[test]
    fn text_format_escapes_like_postgres() {
        let out = encode("copy t to stdout", vec![t("a\tb\nc\\d\re"), Value::Null, t(""), t("\x01\x08\x0b\x0c")]);
        assert_eq!(out, "a\\tb\\nc\\\\d\\re\t\\N\t\t\x01\\b\\v\\f\n");
        let out = encode("copy t to stdout (delimiter '|', null 'NULL')", vec![t("x|y"), Value::Null]);
        assert_eq!(out, "x\\|y|NULL\n");
    }

    #[test]
    fn csv_quotes_like_postgres() {
        let out = encode(
            "copy t to stdout csv",
            vec![t("plain"), t("a,b"), t("say \"hi\""), t(""), Value::Null, t("l1\nl2")],
        );
        assert_eq!(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"\",,\"l1\nl2\"\n");
        let out = encode("copy t to stdout (format csv, escape '\\', force_quote *)", vec![t("x\"y"), Value::Null]);
        assert_eq!(out, "\"x\\\"y\",\n");
        let out = encode("copy t to stdout csv", vec![t("\\.")]);
        assert_eq!(out, "\"\\.\"\n");
        let out = encode("copy t to stdout (format csv, force_quote (c1))", vec![t("a"), t("b")]);
        assert_eq!(out, "a,\"b\"\n");
    }
}
