//! Normalisation of document and question text: NFKC, typographic quotes and dashes to
//! ASCII, control characters removed, runs of whitespace collapsed to one space.

use unicode_normalization::UnicodeNormalization;

/// The normalised form of `text`; offsets of chunks refer to this string.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfkc() {
        let c = ascii_punctuation(c);
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if c.is_control() || is_invisible(c) {
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        match c {
            '\u{2026}' => out.push_str("..."),
            _ => out.push(c),
        }
    }
    out
}

fn ascii_punctuation(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{00B4}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}' | '\u{00BB}' => '"',
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}' | '\u{2212}' => '-',
        _ => c,
    }
}

/// Format characters that render as nothing (zero-width space and joiners, BOM, soft hyphen).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapses_whitespace_and_trims() {
        assert_eq!(normalise("  Hello \t\n  world  \r\n"), "Hello world");
        assert_eq!(normalise(""), "");
        assert_eq!(normalise(" \n\t "), "");
    }

    #[test]
    fn quotes_and_dashes_become_ascii() {
        assert_eq!(
            normalise("\u{201C}It\u{2019}s\u{201D} \u{2014} a test \u{2013} 1\u{2212}2"),
            "\"It's\" - a test - 1-2"
        );
        assert_eq!(normalise("wait\u{2026}"), "wait...");
    }

    #[test]
    fn nfkc_folds_compatibility_forms() {
        assert_eq!(normalise("\u{FB01}ne \u{FF21}\u{FF22}\u{FF23} \u{2460} x\u{00B2}"), "fine ABC 1 x2");
        assert_eq!(normalise("e\u{0301}cole"), "\u{00E9}cole");
    }

    #[test]
    fn control_and_invisible_characters_are_removed() {
        assert_eq!(normalise("a\u{0000}b\u{0007}c\u{200B}d\u{FEFF}e\u{00AD}f"), "abcdef");
        assert_eq!(normalise("line\u{0085}next"), "line next");
    }

    #[test]
    fn normalising_twice_changes_nothing() {
        let once = normalise(" \u{201C}Dr.\u{00A0}Smith\u{201D}\u{2014}the U.S.\u{2009}envoy\u{2026} ");
        assert_eq!(normalise(&once), once);
    }
}
