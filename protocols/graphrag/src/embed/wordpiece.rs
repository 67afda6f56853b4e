//! The BERT tokenizer the static model was distilled with (bge-base-en-v1.5's): text
//! cleaned (control characters dropped, white space unified), CJK ideographs isolated,
//! accents stripped, lower-cased, split at white space and punctuation, then WordPiece
//! (greedy longest match, `##` continuations, `[UNK]` for a word that does not split or is
//! over 100 characters). Special tokens are not added, as model2vec encodes.

use std::collections::HashMap;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

const MAX_WORD_CHARS: usize = 100;
const CONTINUATION: &str = "##";

/// A WordPiece vocabulary: token ids by token text.
pub struct WordPiece {
    ids: HashMap<String, u32>,
    unknown: Option<u32>,
}

/// One token: its vocabulary id, or unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    Known(u32),
    Unknown,
}

impl WordPiece {
    /// A vocabulary of one token per line, the line number being the id.
    pub fn from_lines(vocab: &str) -> Self {
        let ids: HashMap<String, u32> =
            vocab.lines().enumerate().map(|(i, token)| (token.to_string(), i as u32)).collect();
        let unknown = ids.get("[UNK]").copied();
        WordPiece { ids, unknown }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn unknown_id(&self) -> Option<u32> {
        self.unknown
    }

    /// The tokens of `text`.
    pub fn tokenize(&self, text: &str) -> Vec<Piece> {
        let mut pieces = Vec::new();
        for word in pre_tokenize(&normalise(text)) {
            self.word_pieces(&word, &mut pieces);
        }
        pieces
    }

    fn word_pieces(&self, word: &str, out: &mut Vec<Piece>) {
        let boundaries: Vec<usize> = word.char_indices().map(|(i, _)| i).chain(std::iter::once(word.len())).collect();
        if boundaries.len() - 1 > MAX_WORD_CHARS {
            out.push(Piece::Unknown);
            return;
        }
        let first = out.len();
        let mut candidate = String::with_capacity(word.len() + CONTINUATION.len());
        let mut start = 0usize;
        while start + 1 < boundaries.len() {
            let mut found = None;
            for end in (start + 1..boundaries.len()).rev() {
                candidate.clear();
                if start > 0 {
                    candidate.push_str(CONTINUATION);
                }
                candidate.push_str(&word[boundaries[start]..boundaries[end]]);
                if let Some(&id) = self.ids.get(candidate.as_str()) {
                    found = Some((id, end));
                    break;
                }
            }
            match found {
                Some((id, end)) => {
                    out.push(Piece::Known(id));
                    start = end;
                }
                None => {
                    out.truncate(first);
                    out.push(Piece::Unknown);
                    return;
                }
            }
        }
    }
}

/// BERT's normaliser with clean_text, handle_chinese_chars, lowercase and (following
/// lowercase) strip_accents.
fn normalise(text: &str) -> String {
    let mut cleaned = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\0' || c == '\u{FFFD}' || is_control(c) {
            continue;
        }
        if c.is_whitespace() {
            cleaned.push(' ');
        } else if is_cjk_ideograph(c) {
            cleaned.push(' ');
            cleaned.push(c);
            cleaned.push(' ');
        } else {
            cleaned.push(c);
        }
    }
    cleaned.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

/// White-space separated words, each punctuation character a word of its own.
fn pre_tokenize(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if c.is_whitespace() || is_punctuation(c) {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            if !c.is_whitespace() {
                words.push(c.to_string());
            }
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Control characters other than the white space ones (BERT keeps \t \n \r as space).
fn is_control(c: char) -> bool {
    if matches!(c, '\t' | '\n' | '\r') {
        return false;
    }
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

fn is_cjk_ideograph(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F | 0x2B820..=0x2CEAF | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F)
}

/// ASCII punctuation and symbols, and the Unicode punctuation blocks.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(c,
            '\u{00A1}' | '\u{00A7}' | '\u{00AB}' | '\u{00B6}' | '\u{00B7}' | '\u{00BB}' | '\u{00BF}' | '\u{037E}'
            | '\u{0387}' | '\u{055A}'..='\u{055F}' | '\u{0589}' | '\u{05BE}' | '\u{05C0}' | '\u{05C3}' | '\u{05F3}'
            | '\u{05F4}' | '\u{060C}' | '\u{061B}' | '\u{061F}' | '\u{066A}'..='\u{066D}' | '\u{06D4}'
            | '\u{0964}' | '\u{0965}' | '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{2043}' | '\u{2045}'..='\u{2051}'
            | '\u{2053}'..='\u{205E}' | '\u{207D}' | '\u{207E}' | '\u{208D}' | '\u{208E}' | '\u{2308}'..='\u{230B}'
            | '\u{2329}' | '\u{232A}' | '\u{2768}'..='\u{2775}' | '\u{27C5}' | '\u{27C6}' | '\u{27E6}'..='\u{27EF}'
            | '\u{2983}'..='\u{2998}' | '\u{29D8}'..='\u{29DB}' | '\u{29FC}' | '\u{29FD}' | '\u{2E00}'..='\u{2E4F}'
            | '\u{3001}'..='\u{3003}' | '\u{3008}'..='\u{3011}' | '\u{3014}'..='\u{301F}' | '\u{3030}' | '\u{303D}'
            | '\u{30A0}' | '\u{30FB}' | '\u{FE10}'..='\u{FE19}' | '\u{FE30}'..='\u{FE52}' | '\u{FE54}'..='\u{FE61}'
            | '\u{FE63}' | '\u{FE68}' | '\u{FE6A}' | '\u{FE6B}' | '\u{FF01}'..='\u{FF03}' | '\u{FF05}'..='\u{FF0A}'
            | '\u{FF0C}'..='\u{FF0F}' | '\u{FF1A}' | '\u{FF1B}' | '\u{FF1F}' | '\u{FF20}' | '\u{FF3B}'..='\u{FF3D}'
            | '\u{FF3F}' | '\u{FF5B}' | '\u{FF5D}' | '\u{FF5F}'..='\u{FF65}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> WordPiece {
        WordPiece::from_lines("[PAD]\n[UNK]\nun\n##aff\n##able\nrun\n##ning\n,\n!\ncafe\nx\n##x\n東\n")
    }

    #[test]
    fn greedy_longest_match_with_continuations() {
        let v = vocab();
        assert_eq!(v.tokenize("unaffable"), [Piece::Known(2), Piece::Known(3), Piece::Known(4)]);
        assert_eq!(
            v.tokenize("Running, RUN!"),
            [Piece::Known(5), Piece::Known(6), Piece::Known(7), Piece::Known(5), Piece::Known(8)]
        );
    }

    #[test]
    fn a_word_that_does_not_split_is_one_unknown() {
        let v = vocab();
        assert_eq!(v.tokenize("unaffablez run"), [Piece::Unknown, Piece::Known(5)]);
        assert_eq!(v.tokenize(&"x".repeat(100)).len(), 100);
        assert_eq!(v.tokenize(&"x".repeat(101)), [Piece::Unknown]);
        assert_eq!(v.unknown_id(), Some(1));
    }

    #[test]
    fn accents_case_controls_and_cjk_are_normalised() {
        let v = vocab();
        assert_eq!(v.tokenize("Café\u{0007}"), [Piece::Known(9)]);
        assert_eq!(v.tokenize("CAFE\u{0301}"), [Piece::Known(9)]);
        assert_eq!(v.tokenize("x東x"), [Piece::Known(10), Piece::Known(12), Piece::Known(10)]);
        assert!(v.tokenize(" \t\n ").is_empty());
    }

    #[test]
    fn punctuation_splits_words() {
        assert_eq!(pre_tokenize("a-b c's (d)"), ["a", "-", "b", "c", "'", "s", "(", "d", ")"]);
        assert_eq!(pre_tokenize("¿qué? «x»"), ["¿", "qué", "?", "«", "x", "»"]);
    }
}
