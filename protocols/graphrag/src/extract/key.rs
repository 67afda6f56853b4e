//! Entity keys: the normalised form mentions are merged by. Lower case, Latin diacritics
//! folded ("Curie" and "CURIE", "Zürich" and "Zurich" meet), a possessive `'s` and a
//! leading article removed, punctuation other than inner `&`, `-`, `.` and `'` dropped,
//! whitespace collapsed.

/// The key of a surface form: "The Silent Orchard" → "silent orchard",
/// "Marie Curie's" → "marie curie", "Ångström  Institute" → "angstrom institute".
pub fn entity_key(surface: &str) -> String {
    let mut folded = String::with_capacity(surface.len());
    for c in surface.chars() {
        fold_char(c, &mut folded);
    }
    let trimmed = strip_possessive(folded.trim());
    let mut words: Vec<String> = Vec::new();
    for word in trimmed.split_whitespace() {
        let cleaned: String = word
            .trim_matches(|c: char| !c.is_alphanumeric())
            .chars()
            .filter(|&c| c.is_alphanumeric() || matches!(c, '&' | '-' | '.' | '\''))
            .collect();
        if !cleaned.is_empty() {
            words.push(cleaned);
        }
    }
    if words.len() > 1 && matches!(words[0].as_str(), "the" | "a" | "an") {
        words.remove(0);
    }
    words.join(" ")
}

fn strip_possessive(text: &str) -> &str {
    text.strip_suffix("'s").or_else(|| text.strip_suffix('\'')).unwrap_or(text)
}

/// Appends the lower-case, diacritic-free form of `c`.
pub(crate) fn fold_char(c: char, out: &mut String) {
    let folded = match c {
        'À'..='Å' | 'à'..='å' | 'Ā'..='ą' => "a",
        'Æ' | 'æ' => "ae",
        'Ç' | 'ç' | 'Ć'..='č' => "c",
        'Ð' | 'ð' | 'Ď'..='đ' => "d",
        'È'..='Ë' | 'è'..='ë' | 'Ē'..='ě' => "e",
        'Ĝ'..='ģ' => "g",
        'Ĥ'..='ħ' => "h",
        'Ì'..='Ï' | 'ì'..='ï' | 'Ĩ'..='ı' => "i",
        'Ĵ' | 'ĵ' => "j",
        'Ķ' | 'ķ' => "k",
        'Ĺ'..='ł' => "l",
        'Ñ' | 'ñ' | 'Ń'..='ň' => "n",
        'Ò'..='Ö' | 'Ø' | 'ò'..='ö' | 'ø' | 'Ō'..='ő' => "o",
        'Œ' | 'œ' => "oe",
        'Ŕ'..='ř' => "r",
        'Ś'..='š' => "s",
        'ß' => "ss",
        'Ţ'..='ŧ' => "t",
        'Þ' | 'þ' => "th",
        'Ù'..='Ü' | 'ù'..='ü' | 'Ũ'..='ų' => "u",
        'Ŵ' | 'ŵ' => "w",
        'Ý' | 'ý' | 'ÿ' | 'Ŷ' | 'Ÿ' => "y",
        'Ź'..='ž' => "z",
        '\u{2019}' | '\u{2018}' | '`' => "'",
        '\u{2010}'..='\u{2015}' => "-",
        c if c.is_whitespace() => " ",
        c if ('\u{0300}'..='\u{036F}').contains(&c) => "",
        c => {
            out.extend(c.to_lowercase());
            return;
        }
    };
    out.push_str(folded);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fold_case_diacritics_possessives_and_articles() {
        assert_eq!(entity_key("Marie Curie"), "marie curie");
        assert_eq!(entity_key("MARIE  CURIE's"), "marie curie");
        assert_eq!(entity_key("Curie\u{2019}s"), "curie");
        assert_eq!(entity_key("The Silent Orchard"), "silent orchard");
        assert_eq!(entity_key("Zürich"), "zurich");
        assert_eq!(entity_key("Ångström Institute"), "angstrom institute");
        assert_eq!(entity_key("Łódź"), "lodz");
        assert_eq!(entity_key("AT&T"), "at&t");
        assert_eq!(entity_key("\"Acme, Inc.\""), "acme inc");
        assert_eq!(entity_key("The"), "the");
        assert_eq!(entity_key("Straße"), "strasse");
        assert_eq!(entity_key(" "), "");
    }
}
