//! String order as ArangoDB's AQL has it: an ICU collator of the root locale with
//! upper case first and identical strength (ArangoDB's default language; see
//! arangodb/arangodb#19526 and its LanguageFeature test). This is an approximation of
//! the Unicode Collation Algorithm's root table good for Latin text:
//!
//! 1. primary: base letters, case- and accent-insensitively, with whitespace <
//!    punctuation < symbols < digits < letters (non-ignorable, as ICU's default);
//!    other scripts after Latin by code point of their lower-case form;
//! 2. secondary: accents (forward, in the root table's order of marks);
//! 3. tertiary: upper case before lower case, variants (ß, ſ, no-break space) last;
//! 4. identical: code point (UTF-8 byte) order, so distinct strings never tie.
//!
//! [`collate`] compares two strings level by level without allocating;
//! [`sort_key`] writes the bytes whose order is that same order (the persistent
//! index's string encoding).

use std::cmp::Ordering;

/// One collation element: primary weight (0: ignorable), secondary (0: ignorable),
/// tertiary.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Element(u16, u8, u8);

const COMMON: u8 = 1;
const UPPER: u8 = 0;
const LOWER: u8 = 1;
const VARIANT: u8 = 2;

/// ASCII punctuation and symbols in the root table's order.
const PUNCTUATION: &[u8] = b"_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$";
/// Combining marks as letters of the tables below, in the root table's order of their
/// secondary weights ('/' stroke, '&' ligature).
const MARKS: &[u8] = b"agbcvrdhto/&zqmuknwlxyjefpis";

/// U+00C0..U+024F and U+1E00..U+1EFF: the base letter of each code point ('.' when it
/// has none) and its first and second combining mark.
const LATIN_A: [&[u8]; 3] = [
    b"AAAAAA.CEEEEIIII.NOOOOO..UUUUY..aaaaaa.ceeeeiiii.nooooo..uuuuy.yAaAaAaCcCcCcCcDd..EeEeEeEeEeGgGgGgGgHh..IiIiIiIiI...JjKk.LlLlLl....NnNnNn...OoOoOo..RrRrRrSsSsSsSsTtTt..UuUuUuUuUuUuWwYyYZzZzZz.................................Oo.............Uu............................AaIiOoUuUuUuUuUu.AaAa....GgKkOoOo..j...Gg..NnAa....AaAaEeEeIiIiOoOoRrRrUuUuSsTt..Hh......AaEeOoOoOoOoYy............................",
    b"gactdr.zgacdgacd.tgactd..gacda..gactdr.zgacdgacd.tgactd..gacda.dmmbbqqaaccoovvvv..mmbbooqqvvccbboozzcc..ttmmbbqqo...cczz.aazzvv....aazzvv...mmbbhh..aazzvvaacczzvvzzvv..ttmmbbrrhhqqccccdaaoovv.................................nn.............nn............................vvvvvvvvdddddddd.ddoo....vvvvqqqq..v...aa..ggrr....eeffeeffeeffeeffeeffeeffwwww..vv......oozzddttoooomm............................",
    b".....................................................................................................................................................................................................................................................................................mmaavvgg.mmmm..........mm............aa..............................................mmmm..mm..............................",
];
const LATIN_B: [&[u8]; 3] = [
    b"..BbBbBbCcDdDdDdDdDdEeEeEeEeEeFfGgHhHhHhHhHhIiIiKkKkKkLlLlLlLlMmMmMmNnNnNnNnOoOoOoOoPpPpRrRrRrRrSsSsSsSsSsTtTtTtTtUuUuUuUuUuVvVvWwWwWwWwWwXxXxYyZzZzZzhtwy......AaAaAaAaAaAaAaAaAaAaAaAaEeEeEeEeEeEeEeEeIiIiOoOoOoOoOoOoOoOoOoOoOoOoUuUuUuUuUuUuUuYyYyYyYy......",
    b"..oouullzzoouullzzyymmmmyyjjzzoommoouuddzziijjddaauulluuuullyyaaoouuoouullyyttttmmmmaaoooouuuulloouuaavvuuoouullyyxxjjyyttmmttuuggaaddoouuooddooccuullldrr......uukkccccccccuubbbbbbbbuuuukkttccccccccuukkuuuukkccccccccuunnnnnnnnnnuukknnnnnnnnnngguukktt......",
    b"........aa..........ggaa....bb................aa........mm..................aaddggaa........mm......oooooo..............aadd........................................aaggkkttccaaggkkttbb......aaggkkttcc........aaggkkttccaaggkkttuu....aaggkkttuu..............",
];

fn letter(lower: u8, tertiary: u8) -> Element {
    Element(0x2000 + u16::from(lower.wrapping_sub(b'a')) * 4, COMMON, tertiary)
}

fn ascii_letter(b: u8) -> Element {
    if b.is_ascii_uppercase() {
        letter(b.to_ascii_lowercase(), UPPER)
    } else {
        letter(b, LOWER)
    }
}

fn mark(m: u8) -> Element {
    let w = MARKS.iter().position(|&x| x == m).unwrap_or(MARKS.len());
    Element(0, COMMON + 1 + w as u8, LOWER)
}

/// A letter sorting right after `base` (ð after d, ı after i, ŋ after n, þ after z).
fn after(base: u8, tertiary: u8) -> Element {
    let Element(p, s, _) = letter(base, tertiary);
    Element(p + 1, s, tertiary)
}

fn combining(c: u32) -> u8 {
    match c {
        0x301 => b'a',
        0x300 => b'g',
        0x306 => b'b',
        0x302 => b'c',
        0x30C => b'v',
        0x30A => b'r',
        0x308 => b'd',
        0x30B => b'h',
        0x303 => b't',
        0x307 => b'o',
        0x338 => b'/',
        0x327 => b'z',
        0x328 => b'q',
        0x304 => b'm',
        0x323 => b'u',
        0x309 => b'k',
        0x31B => b'n',
        0x326 => b'w',
        _ => b'?',
    }
}

/// The elements of one character (at most three).
fn elements(c: char) -> ([Element; 3], usize) {
    const NONE: Element = Element(0, 0, 0);
    let one = |e: Element| ([e, NONE, NONE], 1);
    let two = |a: Element, b: Element| ([a, b, NONE], 2);
    let three = |a: Element, b: Element, c: Element| ([a, b, c], 3);
    let cp = c as u32;
    if let Ok(b) = u8::try_from(cp) {
        if b.is_ascii_alphabetic() {
            return one(ascii_letter(b));
        }
        if b.is_ascii_digit() {
            return one(Element(0x1000 + u16::from(b - b'0'), COMMON, LOWER));
        }
        if let Some(i) = b"\t\n\x0b\x0c\r".iter().position(|&x| x == b) {
            return one(Element(0x10 + i as u16, COMMON, LOWER));
        }
        if b == b' ' {
            return one(Element(0x18, COMMON, LOWER));
        }
        if let Some(i) = PUNCTUATION.iter().position(|&x| x == b) {
            return one(Element(0x100 + 2 * i as u16, COMMON, LOWER));
        }
    }
    let table = match cp {
        0xC0..=0x24F => Some((LATIN_A, (cp - 0xC0) as usize)),
        0x1E00..=0x1EFF => Some((LATIN_B, (cp - 0x1E00) as usize)),
        _ => None,
    };
    if let Some((t, i)) = table {
        let (base, m1, m2) = (t[0].get(i), t[1].get(i), t[2].get(i));
        if let (Some(&base), Some(&m1), Some(&m2)) = (base, m1, m2) {
            if base != b'.' {
                return if m2 == b'.' {
                    two(ascii_letter(base), mark(m1))
                } else {
                    three(ascii_letter(base), mark(m1), mark(m2))
                };
            }
        }
    }
    match c {
        'ß' => return two(letter(b's', VARIANT), letter(b's', VARIANT)),
        'ſ' => return one(letter(b's', VARIANT)),
        'æ' | 'Æ' | 'œ' | 'Œ' => {
            let t = if c.is_uppercase() { UPPER } else { LOWER };
            let first = if matches!(c, 'æ' | 'Æ') { b'a' } else { b'o' };
            return three(letter(first, t), mark(b'&'), letter(b'e', t));
        }
        'ø' | 'Ø' | 'đ' | 'Đ' | 'ħ' | 'Ħ' | 'ł' | 'Ł' | 'ŧ' | 'Ŧ' | 'ƀ' | 'ɨ' => {
            let lower = c.to_lowercase().next().unwrap_or(c);
            let base = match lower {
                'ø' => b'o',
                'đ' => b'd',
                'ħ' => b'h',
                'ł' => b'l',
                'ŧ' => b't',
                'ƀ' => b'b',
                _ => b'i',
            };
            let t = if c.is_uppercase() { UPPER } else { LOWER };
            return two(letter(base, t), mark(b'/'));
        }
        'ð' => return one(after(b'd', LOWER)),
        'Ð' => return one(after(b'd', UPPER)),
        'ı' => return one(after(b'i', LOWER)),
        'ŋ' => return one(after(b'n', LOWER)),
        'Ŋ' => return one(after(b'n', UPPER)),
        'þ' => return one(after(b'z', LOWER)),
        'Þ' => return one(after(b'z', UPPER)),
        '\u{a0}' => return one(Element(0x18, COMMON, VARIANT)),
        _ => {}
    }
    if (0x300..=0x36F).contains(&cp) {
        return one(mark(combining(cp)));
    }
    if c.is_control() {
        return one(NONE);
    }
    if c.is_whitespace() {
        return one(Element(0x18, COMMON, VARIANT));
    }
    if c.is_alphabetic() {
        let lower = c.to_lowercase().next().unwrap_or(c) as u32;
        let t = if c.is_uppercase() { UPPER } else { LOWER };
        return one(Element((0x3000 + lower).min(0xFFFF) as u16, COMMON, t));
    }
    if c.is_numeric() {
        return one(Element(0x100A, COMMON, LOWER));
    }
    one(Element((0x200 + cp).min(0xFFF) as u16, COMMON, LOWER))
}

fn all(s: &str) -> impl Iterator<Item = Element> + '_ {
    s.chars().flat_map(|c| {
        let (es, n) = elements(c);
        es.into_iter().take(n)
    })
}

fn primaries(s: &str) -> impl Iterator<Item = u16> + '_ {
    all(s).map(|e| e.0).filter(|p| *p != 0)
}

fn secondaries(s: &str) -> impl Iterator<Item = u8> + '_ {
    all(s).map(|e| e.1).filter(|w| *w != 0)
}

fn tertiaries(s: &str) -> impl Iterator<Item = u8> + '_ {
    all(s).filter(|e| e.1 != 0).map(|e| e.2)
}

/// ArangoDB's order of two strings (see the module note).
pub fn collate(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    primaries(a)
        .cmp(primaries(b))
        .then_with(|| secondaries(a).cmp(secondaries(b)))
        .then_with(|| tertiaries(a).cmp(tertiaries(b)))
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

/// Appends the primary, secondary and tertiary weights of `s`, each level ended by
/// zero bytes, so that byte order of the keys is [`collate`]'s order up to the
/// identical level (the caller appends the string itself for that one).
pub fn sort_key(s: &str, out: &mut Vec<u8>) {
    for p in primaries(s) {
        out.extend_from_slice(&p.to_be_bytes());
    }
    out.extend_from_slice(&[0, 0]);
    out.extend(secondaries(s));
    out.push(0);
    out.extend(tertiaries(s).map(|t| t + 1));
    out.push(0);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ascending(list: &[&str]) {
        for w in list.windows(2) {
            assert_eq!(collate(w[0], w[1]), Ordering::Less, "{:?} < {:?}", w[0], w[1]);
            assert_eq!(collate(w[1], w[0]), Ordering::Greater, "{:?} > {:?}", w[1], w[0]);
            let (mut a, mut b) = (Vec::new(), Vec::new());
            sort_key(w[0], &mut a);
            a.extend_from_slice(w[0].as_bytes());
            sort_key(w[1], &mut b);
            b.extend_from_slice(w[1].as_bytes());
            assert!(a < b, "sort key of {:?} < {:?}", w[0], w[1]);
        }
    }

    #[test]
    fn upper_case_first_then_accents_then_next_letter() {
        // ICU root with caseFirst=upper, ArangoDB's default: A < a < Á < á < b.
        ascending(&["A", "a", "Á", "á", "Ä", "ä", "B", "b", "Ba", "bA", "ba", "bb", "c"]);
        ascending(&["Äpfel", "apple", "Banana", "zebra", "Zürich"]);
    }

    #[test]
    fn classic_uca_orders() {
        // Accents are a secondary difference read from the front (not French order).
        ascending(&["cote", "coté", "côte", "côté"]);
        ascending(&["Resume", "resume", "Résumé", "résumé", "resumes"]);
        ascending(&["ss", "ß", "st"]);
        ascending(&["ae", "æ", "af"]);
        ascending(&["o", "ö", "ø", "p"]);
        ascending(&["d", "ð", "e"]);
        ascending(&["z", "þ"]);
    }

    #[test]
    fn whitespace_punctuation_symbols_digits_letters() {
        ascending(&[
            "\t", " ", "_", "-", ",", ";", ":", "!", "?", ".", "'", "\"", "(", ")", "[", "]", "{", "}", "@", "*", "/",
            "\\", "&", "#", "%", "`", "^", "+", "<", "=", ">", "|", "~", "$", "0", "1", "9", "a", "z",
        ]);
        // Not byte order: '~' (0x7e) and '[' (0x5b) sort before letters and digits.
        ascending(&["a~", "a0", "aa", "aB", "ab"]);
        ascending(&["", " ", "a", "a a", "a-b", "aa", "ab"]);
    }

    #[test]
    fn other_scripts_follow_latin_and_distinct_strings_never_tie() {
        ascending(&["z", "α", "Β", "β", "ж"]);
        assert_eq!(collate("abc", "abc"), Ordering::Equal);
        assert_ne!(collate("e\u{301}", "é"), Ordering::Equal);
        assert_ne!(collate("a\u{1}", "a"), Ordering::Equal);
        assert_eq!(collate("a\u{1}", "a"), Ordering::Greater);
    }
}
