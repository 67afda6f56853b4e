//! BM25 terms: Unicode words (UAX #29), lower-cased, stop words dropped, stemmed. The same
//! function serves documents and questions, so both sides meet on the same terms.

use super::stem::stem;
use super::stopwords::is_stop_word;
use unicode_segmentation::UnicodeSegmentation;

/// The longest term kept, in bytes; longer "words" (base64, hashes) are noise for BM25.
const MAX_TERM_BYTES: usize = 64;

/// The BM25 terms of `text`, in order of occurrence (repeats kept).
pub fn terms(text: &str) -> Vec<String> {
    text.unicode_words()
        .filter_map(|word| {
            let mut lower = word.to_lowercase();
            if lower.contains('\u{2019}') {
                lower = lower.replace('\u{2019}', "'");
            }
            if lower.len() > MAX_TERM_BYTES || is_stop_word(&lower) {
                return None;
            }
            let term = stem(&lower);
            (!term.is_empty() && !is_stop_word(&term)).then_some(term)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_cases_drops_stop_words_and_stems() {
        assert_eq!(terms("The Cats were chasing the mice."), ["cat", "chase", "mice"]);
        assert_eq!(terms("Who founded Acme Corp?"), ["found", "acme", "corp"]);
    }

    #[test]
    fn questions_and_documents_meet() {
        let doc = terms("Marie Curie founded the Radium Institute in 1920.");
        for term in terms("Which institute did Marie Curie found?") {
            assert!(doc.contains(&term), "{term} missing from {doc:?}");
        }
    }

    #[test]
    fn possessives_numbers_and_unicode_words() {
        assert_eq!(terms("Curie's 2 prizes"), ["curie", "2", "prize"]);
        assert_eq!(terms("Zürich, São Paulo"), ["zürich", "são", "paulo"]);
        assert_eq!(terms("3.14 and U.S."), ["3.14", "u.s"]);
    }

    #[test]
    fn punctuation_only_and_overlong_words_give_nothing() {
        assert!(terms("... !!! --").is_empty());
        assert!(terms(&"x".repeat(65)).is_empty());
        assert!(terms("").is_empty());
    }
}
