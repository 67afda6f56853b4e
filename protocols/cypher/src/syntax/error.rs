//! Syntax errors in Neo4j's shape: the message, then `(line L, column C (offset: O))`, the
//! offending line quoted and a caret under the position.

use crate::ast::Position;
use crate::error::CypherError;

/// The 1-based line and column (in characters) of a byte offset into `src`.
pub fn position(src: &str, offset: usize) -> Position {
    let mut offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    let mut line = 1;
    let mut line_start = 0;
    for (i, c) in src.char_indices() {
        if i >= offset {
            break;
        }
        if c == '\n' {
            line += 1;
            line_start = i + 1;
        }
    }
    let column = src.get(line_start..offset).map_or(0, |s| s.chars().count()) + 1;
    Position { offset, line, column }
}

pub fn syntax_error(src: &str, offset: usize, msg: &str) -> CypherError {
    let p = position(src, offset);
    let line_start = src[..p.offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[p.offset..].find('\n').map_or(src.len(), |i| p.offset + i);
    let line_text = src[line_start..line_end].trim_end_matches('\r');
    CypherError::syntax(format!(
        "{msg} (line {}, column {} (offset: {}))\n\"{line_text}\"\n{}^",
        p.line,
        p.column,
        p.offset,
        " ".repeat(p.column)
    ))
}
