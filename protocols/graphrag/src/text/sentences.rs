//! Sentence boundaries. A sentence ends at `.`, `!` or `?` (with any closing quotes or
//! brackets) followed by white space, except after a title ("Dr."), a known abbreviation
//! followed by a lower-case word or a name ("e.g.", "Inc."), an initial ("J. Smith"), a
//! dotted acronym that continues the sentence ("U.S. Army"), or before a lower-case word.
//! Decimals never split since the period is not followed by white space.

/// Titles before a name: a period after them never ends a sentence.
const TITLES: &[&str] = &[
    "capt", "col", "dr", "gen", "gov", "hon", "jr", "lt", "messrs", "mr", "mrs", "ms", "mt", "prof", "rep", "rev",
    "sen", "sgt", "sr", "st",
];

/// Abbreviations that end a sentence only when a typical sentence opener follows.
const ABBREVIATIONS: &[&str] = &[
    "al", "approx", "apr", "aug", "ave", "cf", "co", "corp", "dec", "dept", "e.g", "est", "etc", "feb", "i.e", "inc",
    "jan", "jul", "jun", "ltd", "mar", "nov", "oct", "sept", "vs",
];

/// Abbreviations before a number ("No. 5", "pp. 10"): they continue the sentence only
/// when a digit follows.
const NUMBER_ABBREVIATIONS: &[&str] = &["art", "ch", "fig", "no", "nos", "p", "pp", "sec", "vol"];

/// Words that typically open a sentence: after an abbreviation, such a capitalised word
/// means the abbreviation ended its sentence.
const OPENERS: &[&str] = &[
    "a", "after", "an", "and", "as", "at", "but", "during", "he", "her", "his", "however", "i", "in", "it", "its",
    "on", "she", "since", "that", "the", "their", "there", "these", "they", "this", "we", "when", "while", "you",
];

/// Byte spans `(start, end)` of the sentences of `text`, trimmed of white space.
pub fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if start.is_none() {
            if c.is_whitespace() {
                continue;
            }
            start = Some(at);
        }
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let mut end = at + c.len_utf8();
        while let Some(&(next_at, next)) = chars.peek() {
            if matches!(next, '.' | '!' | '?') || is_closing(next) {
                end = next_at + next.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        let rest = &text[end..];
        if !rest.starts_with(char::is_whitespace) && !rest.is_empty() {
            continue;
        }
        let Some(sentence_start) = start else { continue };
        if ends_sentence(&text[sentence_start..end], c, rest.trim_start()) {
            spans.push((sentence_start, end));
            start = None;
        }
    }
    if let Some(sentence_start) = start {
        let end = sentence_start + text[sentence_start..].trim_end().len();
        if end > sentence_start {
            spans.push((sentence_start, end));
        }
    }
    spans
}

/// Whether the terminator `mark` at the end of `sentence` ends it, given what follows.
fn ends_sentence(sentence: &str, mark: char, following: &str) -> bool {
    let Some(next_word) = following.split_whitespace().next() else { return true };
    let next_first = next_word.chars().find(|c| c.is_alphanumeric());
    if next_first.is_some_and(|c| c.is_lowercase()) {
        return false;
    }
    if mark != '.' || sentence.ends_with("..") {
        return true;
    }
    let word = last_word(sentence);
    let lower = word.to_lowercase();
    if TITLES.contains(&lower.as_str()) {
        return false;
    }
    if NUMBER_ABBREVIATIONS.contains(&lower.as_str()) && next_first.is_some_and(|c| c.is_ascii_digit()) {
        return false;
    }
    let single_letter = word.chars().count() == 1 && word.chars().all(char::is_uppercase);
    let dotted_acronym = word.contains('.')
        && word.split('.').all(|part| (1..=2).contains(&part.chars().count()) && part.chars().all(char::is_alphabetic));
    let abbreviation = ABBREVIATIONS.contains(&lower.as_str());
    if single_letter || dotted_acronym || abbreviation {
        let opener: String = next_word.chars().filter(|c| c.is_alphabetic()).collect::<String>().to_lowercase();
        return OPENERS.contains(&opener.as_str());
    }
    true
}

/// Quotes and brackets that may close a sentence after its terminator.
fn is_closing(c: char) -> bool {
    matches!(c, '"' | '\'' | ')' | ']' | '}' | '\u{2019}' | '\u{201D}' | '\u{00BB}')
}

/// The word before the final period of `sentence`: letters and inner periods.
fn last_word(sentence: &str) -> &str {
    let body = sentence.trim_end_matches(is_closing);
    let body = body.strip_suffix('.').unwrap_or(body);
    let start = body
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_alphanumeric() || c == '.'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    &body[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        sentences(text).into_iter().map(|(s, e)| &text[s..e]).collect()
    }

    #[test]
    fn splits_on_terminators() {
        assert_eq!(split("One. Two! Three? Four"), ["One.", "Two!", "Three?", "Four"]);
        assert_eq!(split("  Padded.   Out.  "), ["Padded.", "Out."]);
        assert!(split("   ").is_empty());
    }

    #[test]
    fn titles_and_initials_do_not_split() {
        assert_eq!(
            split("Dr. Smith met Mr. J. R. Jones. They talked."),
            ["Dr. Smith met Mr. J. R. Jones.", "They talked."]
        );
        assert_eq!(split("Prof. Ada Lovelace wrote it."), ["Prof. Ada Lovelace wrote it."]);
    }

    #[test]
    fn acronyms_split_only_before_an_opener() {
        assert_eq!(split("The U.S. Army left. It rained."), ["The U.S. Army left.", "It rained."]);
        assert_eq!(split("She moved to the U.S. He stayed."), ["She moved to the U.S.", "He stayed."]);
        assert_eq!(split("Fruit, e.g. apples, is sweet."), ["Fruit, e.g. apples, is sweet."]);
        assert_eq!(split("Acme Inc. The end."), ["Acme Inc.", "The end."]);
        assert_eq!(split("Acme Inc. Chairman spoke."), ["Acme Inc. Chairman spoke."]);
    }

    #[test]
    fn decimals_quotes_and_ellipses() {
        assert_eq!(split("Pi is 3.14 or so. Next."), ["Pi is 3.14 or so.", "Next."]);
        assert_eq!(split("Pi is 3.14. Next."), ["Pi is 3.14.", "Next."]);
        assert_eq!(split("He said \"Stop.\" Then left."), ["He said \"Stop.\"", "Then left."]);
        assert_eq!(split("Wait... What?! Yes (really.) Ok"), ["Wait...", "What?!", "Yes (really.)", "Ok"]);
    }

    #[test]
    fn number_abbreviations_and_times() {
        assert_eq!(split("See No. 5 and pp. 10-12. Done."), ["See No. 5 and pp. 10-12.", "Done."]);
        assert_eq!(split("Yes or no. Maybe later."), ["Yes or no.", "Maybe later."]);
        assert_eq!(
            split("It ended at 5 p.m. The next day was calm."),
            ["It ended at 5 p.m.", "The next day was calm."]
        );
        assert_eq!(
            split("He moved to St. Louis in Jan. 1990. He stayed."),
            ["He moved to St. Louis in Jan. 1990.", "He stayed."]
        );
        assert_eq!(split("He joined IBM. She left."), ["He joined IBM.", "She left."]);
    }

    #[test]
    fn lower_case_continuation_does_not_split() {
        assert_eq!(split("It cost approx. ten dollars. Fine."), ["It cost approx. ten dollars.", "Fine."]);
        assert_eq!(split("Is it? maybe not."), ["Is it? maybe not."]);
    }

    #[test]
    fn typographic_closing_quotes_before_normalisation() {
        assert_eq!(split("He said \u{201C}Stop.\u{201D} Then left."), ["He said \u{201C}Stop.\u{201D}", "Then left."]);
    }

    #[test]
    fn spans_cover_non_ascii_text() {
        let text = "Zürich ist schön. São Paulo é grande.";
        assert_eq!(split(text), ["Zürich ist schön.", "São Paulo é grande."]);
    }
}
