//! Tokens, the unit of chunk sizes: words (letters and digits, with inner apostrophes and
//! the separators of numbers such as `3.14` or `1,000`) and single punctuation marks.

/// Byte spans `(start, end)` of the tokens of `text`, in order.
pub fn tokens(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        if !c.is_alphanumeric() {
            spans.push((start, start + c.len_utf8()));
            continue;
        }
        let mut end = start + c.len_utf8();
        let mut last = c;
        while let Some(&(at, next)) = chars.peek() {
            if next.is_alphanumeric() || is_mark(next) {
                end = at + next.len_utf8();
                last = next;
                chars.next();
                continue;
            }
            let joins = match next {
                '\'' => last.is_alphabetic(),
                '.' | ',' => last.is_ascii_digit(),
                _ => false,
            };
            let after = text[at + next.len_utf8()..].chars().next();
            let continues = match next {
                '\'' => after.is_some_and(char::is_alphabetic),
                _ => after.is_some_and(|a| a.is_ascii_digit()),
            };
            if joins && continues {
                chars.next();
                end = at + next.len_utf8();
                last = next;
            } else {
                break;
            }
        }
        spans.push((start, end));
    }
    spans
}

/// The number of tokens of `text`.
pub fn count_tokens(text: &str) -> usize {
    tokens(text).len()
}

/// Combining marks stay inside the word they follow.
fn is_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{20D0}'..='\u{20FF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<&str> {
        tokens(text).into_iter().map(|(s, e)| &text[s..e]).collect()
    }

    #[test]
    fn words_and_punctuation_are_tokens() {
        assert_eq!(texts("Hello, world!"), ["Hello", ",", "world", "!"]);
        assert_eq!(texts("(a) b-c"), ["(", "a", ")", "b", "-", "c"]);
        assert!(texts("   ").is_empty());
    }

    #[test]
    fn numbers_and_contractions_stay_whole() {
        assert_eq!(texts("pi is 3.14, not 1,000."), ["pi", "is", "3.14", ",", "not", "1,000", "."]);
        assert_eq!(texts("don't stop 'em"), ["don't", "stop", "'", "em"]);
        assert_eq!(texts("Smith's 1990s"), ["Smith's", "1990s"]);
    }

    #[test]
    fn non_ascii_letters_are_word_characters() {
        assert_eq!(texts("Zürich – São Paulo 東京"), ["Zürich", "–", "São", "Paulo", "東京"]);
    }

    #[test]
    fn count_matches_spans() {
        assert_eq!(count_tokens("Dr. Smith went to Washington."), 7);
        assert_eq!(count_tokens(""), 0);
    }
}
