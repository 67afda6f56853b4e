//! The tokenizer of the rule-based extractor: words, numbers and punctuation with byte
//! spans, a possessive `'s` split off its word, and the sentence each token belongs to
//! (abbreviation-aware, so "Dr. Alice Marlow" stays in one sentence).

use super::lexicon;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Word,
    Number,
    /// A possessive `'s` / `’s` after a word.
    Possessive,
    Punct,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
    pub sentence: u32,
    /// The first word of its sentence (an opening quote or bracket before it aside).
    pub sentence_start: bool,
}

impl Token<'_> {
    pub fn is_word(&self) -> bool {
        self.kind == Kind::Word
    }

    /// A word starting with an upper-case letter.
    pub fn is_capitalised(&self) -> bool {
        self.kind == Kind::Word && self.text.chars().next().is_some_and(char::is_uppercase)
    }

    /// Two to six letters, all upper case (digits and `&` allowed after the first): "NASA", "AT&T".
    pub fn is_acronym(&self) -> bool {
        let letters = self.text.chars().filter(|c| c.is_alphabetic()).count();
        self.kind == Kind::Word
            && (2..=8).contains(&self.text.chars().count())
            && letters >= 2
            && self.text.chars().next().is_some_and(char::is_uppercase)
            && self.text.chars().all(|c| c.is_uppercase() || c.is_ascii_digit() || c == '&' || c == '.')
    }

    pub fn is(&self, punct: &str) -> bool {
        self.text == punct
    }
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}'
}

/// Characters that stay inside a word when letters or digits follow them.
fn joins_word(c: char) -> bool {
    matches!(c, '-' | '&' | '.' | '\u{2010}' | '\u{2011}') || is_apostrophe(c)
}

/// The tokens of `text`.
pub(crate) fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut raw: Vec<(usize, usize, Kind)> = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        if !c.is_alphanumeric() {
            raw.push((start, start + c.len_utf8(), Kind::Punct));
            continue;
        }
        let mut end = start + c.len_utf8();
        let mut all_digits = c.is_ascii_digit();
        loop {
            let Some(&(i, next)) = chars.peek() else { break };
            if next.is_alphanumeric() {
                all_digits &= next.is_ascii_digit() || next == ',';
                end = i + next.len_utf8();
                chars.next();
                continue;
            }
            let after = text[i + next.len_utf8()..].chars().next();
            let digit_group = all_digits && next == ',' && after.is_some_and(|a| a.is_ascii_digit());
            if !(joins_word(next) || digit_group) || !after.is_some_and(char::is_alphanumeric) {
                break;
            }
            if is_apostrophe(next) && possessive_follows(&text[i..]) {
                break;
            }
            let decimal = all_digits && after.is_some_and(|a| a.is_ascii_digit());
            if next == '.' && !decimal && !abbreviation_dot(&text[start..i], after) {
                break;
            }
            end = i + next.len_utf8();
            chars.next();
        }
        let word = &text[start..end];
        let kind = if word.chars().next().is_some_and(|c| c.is_ascii_digit())
            && word.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '.' || c == '-')
        {
            Kind::Number
        } else {
            Kind::Word
        };
        raw.push((start, end, kind));
        if let Some(&(i, next)) = chars.peek() {
            if is_apostrophe(next) && possessive_follows(&text[i..]) {
                let len = next.len_utf8() + 1;
                raw.push((i, i + len, Kind::Possessive));
                chars.next();
                chars.next();
            }
        }
    }
    with_sentences(text, raw)
}

/// `'s` at `rest` ending the word (followed by something that is not a letter).
fn possessive_follows(rest: &str) -> bool {
    let mut it = rest.chars();
    let _apostrophe = it.next();
    matches!(it.next(), Some('s') | Some('S')) && !it.next().is_some_and(char::is_alphanumeric)
}

/// A dot inside a word: initials and dotted abbreviations ("U.S.", "e.g").
fn abbreviation_dot(before: &str, after: Option<char>) -> bool {
    let last_piece = before.rsplit('.').next().unwrap_or(before);
    last_piece.chars().count() == 1 && after.is_some_and(char::is_alphabetic)
}

fn with_sentences<'a>(text: &'a str, raw: Vec<(usize, usize, Kind)>) -> Vec<Token<'a>> {
    let mut tokens = Vec::with_capacity(raw.len());
    let mut sentence = 0u32;
    let mut at_start = true;
    let mut previous_end = 0usize;
    for (index, &(start, end, kind)) in raw.iter().enumerate() {
        if !at_start && text[previous_end..start].contains("\n\n") {
            sentence += 1;
            at_start = true;
        }
        let piece = &text[start..end];
        let opener = kind == Kind::Punct && matches!(piece, "\"" | "\u{201C}" | "(" | "[" | "'" | "\u{2018}");
        let starts = at_start && kind != Kind::Punct;
        tokens.push(Token { text: piece, start, end, kind, sentence, sentence_start: starts });
        if starts {
            at_start = false;
        }
        if kind == Kind::Punct && matches!(piece, "." | "!" | "?") && ends_sentence(text, &raw, index) {
            sentence += 1;
            at_start = true;
        } else if !opener && kind != Kind::Punct {
            at_start = false;
        }
        previous_end = end;
    }
    tokens
}

/// Whether the terminal punctuation at `raw[index]` ends its sentence.
fn ends_sentence(text: &str, raw: &[(usize, usize, Kind)], index: usize) -> bool {
    let (start, _, _) = raw[index];
    if &text[start..start + 1] != "." {
        return true;
    }
    let Some(&(ps, pe, pk)) = index.checked_sub(1).and_then(|i| raw.get(i)) else { return true };
    if pe != start || pk != Kind::Word {
        return true;
    }
    let previous = &text[ps..pe];
    let next = raw.get(index + 1).map(|&(s, e, _)| &text[s..e]);
    if lexicon::is_title_abbreviation(previous) {
        return false;
    }
    if previous.eq_ignore_ascii_case("no") {
        return !raw.get(index + 1).is_some_and(|&(_, _, kind)| kind == Kind::Number);
    }
    let single_initial = previous.chars().count() == 1 && previous.chars().all(char::is_uppercase);
    let next_capitalised = next.is_some_and(|n| n.chars().next().is_some_and(char::is_uppercase));
    if single_initial && next_capitalised && !lexicon::is_sentence_opener(next.unwrap_or("")) {
        return false;
    }
    if lexicon::is_abbreviation(previous) {
        return next.is_none_or(|n| n.chars().next().is_some_and(char::is_uppercase) && lexicon::is_sentence_opener(n));
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<&str> {
        tokenize(text).iter().map(|t| t.text).collect()
    }

    #[test]
    fn words_numbers_possessives_and_punctuation() {
        assert_eq!(
            texts("Curie's co-founded AT&T, in 1,962 (U.S.)."),
            vec!["Curie", "'s", "co-founded", "AT&T", ",", "in", "1,962", "(", "U.S", ".", ")", "."]
        );
        let t = tokenize("O\u{2019}Brien\u{2019}s 3.5 km");
        assert_eq!(t[0].text, "O\u{2019}Brien");
        assert_eq!(t[1].kind, Kind::Possessive);
        assert_eq!(t[2].kind, Kind::Number);
        assert_eq!(t[3].kind, Kind::Word);
    }

    #[test]
    fn sentences_respect_titles_and_initials() {
        let t = tokenize("Dr. Alice Marlow met J. R. Smith. The lab opened! \"However, no.\" Then Acme Inc. grew.");
        let starts: Vec<&str> = t.iter().filter(|t| t.sentence_start).map(|t| t.text).collect();
        assert_eq!(starts, vec!["Dr", "The", "However", "Then"]);
        let last = t.last().unwrap();
        assert_eq!(last.sentence, 3);
        assert_eq!(t.iter().find(|t| t.text == "grew").unwrap().sentence, 3);
    }

    #[test]
    fn capitalisation_and_acronyms() {
        let t = tokenize("NASA IBM Alice x I AT&T");
        assert!(t[0].is_acronym() && t[1].is_acronym() && t[5].is_acronym());
        assert!(!t[2].is_acronym() && t[2].is_capitalised());
        assert!(!t[3].is_capitalised());
        assert!(!t[4].is_acronym());
    }
}
