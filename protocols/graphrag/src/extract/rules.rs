//! Rule-based entity mentions: capitalised spans (with the connectors names carry inside,
//! "University of Lyon", "Ludwig van Beethoven"), acronyms, quoted titles, years and full
//! dates, typed by gazetteer, head words, suffixes and context; titles ("Dr.", "President")
//! stripped from the name but kept as PERSON evidence; capitalised words that only open a
//! sentence ("The", "However") left out; a later bare surname ("Curie") or first word of an
//! organisation ("Northwind") resolved to the earlier full name of the same text.

use super::key::entity_key;
use super::tokens::{tokenize, Kind, Token};
use super::{gazetteer, lexicon};
use std::collections::{HashMap, HashSet};

/// One mention of an entity in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Mention {
    /// The key it merges by ([`entity_key`]), the full name's for a resolved short form.
    pub key: String,
    /// The surface form, title stripped: "Marie Curie".
    pub name: String,
    /// One of [`EntityType`]'s names.
    pub entity_type: String,
    /// Byte span of `name` in the text.
    pub start: usize,
    pub end: usize,
}

/// The types an entity can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityType {
    Person,
    Organization,
    Location,
    Work,
    Date,
    Event,
    Concept,
    Other,
}

impl EntityType {
    pub const ALL: [EntityType; 8] = [
        EntityType::Person,
        EntityType::Organization,
        EntityType::Location,
        EntityType::Work,
        EntityType::Date,
        EntityType::Event,
        EntityType::Concept,
        EntityType::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::Person => "PERSON",
            EntityType::Organization => "ORGANIZATION",
            EntityType::Location => "LOCATION",
            EntityType::Work => "WORK",
            EntityType::Date => "DATE",
            EntityType::Event => "EVENT",
            EntityType::Concept => "CONCEPT",
            EntityType::Other => "OTHER",
        }
    }

    /// A type name, case-insensitive, with the usual synonyms of NER tag sets
    /// (ORG, GPE, LOC, WORK_OF_ART, ...).
    pub fn parse(name: &str) -> Option<EntityType> {
        let upper = name.trim().to_ascii_uppercase().replace([' ', '-'], "_");
        Some(match upper.as_str() {
            "PERSON" | "PER" | "PEOPLE" | "HUMAN" | "INDIVIDUAL" | "CHARACTER" => EntityType::Person,
            "ORGANIZATION" | "ORGANISATION" | "ORG" | "COMPANY" | "INSTITUTION" | "CORPORATION" | "AGENCY"
            | "UNIVERSITY" | "GROUP" | "TEAM" => EntityType::Organization,
            "LOCATION" | "LOC" | "GPE" | "PLACE" | "CITY" | "COUNTRY" | "REGION" | "FAC" | "FACILITY" | "GEO" => {
                EntityType::Location
            }
            "WORK" | "WORK_OF_ART" | "BOOK" | "FILM" | "MOVIE" | "ALBUM" | "SONG" | "PUBLICATION" | "ARTWORK" => {
                EntityType::Work
            }
            "DATE" | "TIME" | "YEAR" => EntityType::Date,
            "EVENT" => EntityType::Event,
            "CONCEPT" | "TOPIC" | "FIELD" | "IDEA" | "TECHNOLOGY" | "PRODUCT" | "LAW" | "LANGUAGE" | "NORP" => {
                EntityType::Concept
            }
            "OTHER" | "MISC" | "UNKNOWN" => EntityType::Other,
            _ => return None,
        })
    }
}

/// The mentions of `text` in text order (their relation-pattern type hints applied).
pub fn extract_entities(text: &str) -> Vec<Mention> {
    super::relations::analyse(text).mentions
}

/// How sure a type is: 3 gazetteer, suffix, title, date or quotes; 2 context; 1 shape.
pub(crate) type Strength = u8;

/// A mention while the extractor works on it.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    /// Token range, inclusive.
    pub first: usize,
    pub last: usize,
    pub start: usize,
    pub end: usize,
    pub name: String,
    pub key: String,
    pub entity_type: EntityType,
    pub strength: Strength,
    /// A short form resolved to an earlier full name (not used to name the entity).
    pub resolved: bool,
    /// Byte offset of a sentence-opening "The" left out of the name: a WORK takes it back
    /// ("The Silent Orchard is a novel by ...").
    pub article: Option<usize>,
    /// The only word of the name opens its sentence (kept only with some evidence).
    pub sentence_initial_word: bool,
}

/// Tokens and typed candidates of a text, before relation hints.
pub(crate) struct Analysis<'a> {
    pub tokens: Vec<Token<'a>>,
    pub candidates: Vec<Candidate>,
}

/// Spans longer than this many tokens are not names.
const MAX_NAME_TOKENS: usize = 10;

pub(crate) fn candidates(text: &str) -> Analysis<'_> {
    let tokens = tokenize(text);
    let lower_words: HashSet<String> = tokens
        .iter()
        .filter(|t| t.is_word() && t.text.chars().next().is_some_and(char::is_lowercase))
        .map(|t| t.text.to_string())
        .collect();
    let mut used = vec![false; tokens.len()];
    let mut found = Vec::new();
    dates(text, &tokens, &mut used, &mut found);
    quoted_works(text, &tokens, &mut used, &mut found);
    names(text, &tokens, &lower_words, &mut used, &mut found);
    found.sort_by_key(|c: &Candidate| c.start);
    resolve_short_forms(&mut found);

    Analysis { tokens, candidates: found }
}

fn candidate(text: &str, tokens: &[Token], first: usize, last: usize, ty: EntityType, strength: Strength) -> Candidate {
    let (start, end) = (tokens[first].start, tokens[last].end);
    let name = text[start..end].to_string();
    Candidate {
        first,
        last,
        start,
        end,
        key: entity_key(&name),
        name,
        entity_type: ty,
        strength,
        resolved: false,
        article: None,
        sentence_initial_word: false,
    }
}

// ---- dates ----

fn year(token: &Token) -> Option<u32> {
    if token.kind != Kind::Number || token.text.len() != 4 {
        return None;
    }
    token.text.parse().ok().filter(|y| (1000..=2099).contains(y))
}

fn day(token: &Token) -> Option<u32> {
    let digits = token.text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix_ok = matches!(&token.text[digits.len()..], "" | "st" | "nd" | "rd" | "th");
    if digits.is_empty() || digits.len() > 2 || !suffix_ok || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|d| (1..=31).contains(d))
}

fn month_of(token: &Token) -> Option<u32> {
    if token.is_capitalised() {
        lexicon::month(token.text)
    } else {
        None
    }
}

/// Years, decades, "12 March 1962", "March 12, 1962", "March 1962", "1962-03-12".
fn dates(text: &str, tokens: &[Token], used: &mut [bool], found: &mut Vec<Candidate>) {
    let at = |i: usize| tokens.get(i);
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        let mut hit: Option<(usize, String)> = None;
        if let Some(m) = month_of(t) {
            if let Some(d) = at(i + 1).and_then(day) {
                let comma = at(i + 2).is_some_and(|c| c.is(","));
                let year_at = if comma { i + 3 } else { i + 2 };
                if let Some(y) = at(year_at).and_then(year) {
                    hit = Some((year_at, format!("{y:04}-{m:02}-{d:02}")));
                }
            } else if let Some(y) = at(i + 1).and_then(year) {
                hit = Some((i + 1, format!("{y:04}-{m:02}")));
            }
        } else if let Some(d) = day(t) {
            if let (Some(m), Some(y)) = (at(i + 1).and_then(month_of), at(i + 2).and_then(year)) {
                hit = Some((i + 2, format!("{y:04}-{m:02}-{d:02}")));
            }
        }
        if hit.is_none() {
            hit = iso_date(t).map(|key| (i, key)).or_else(|| lone_year(tokens, i).map(|key| (i, key)));
        }
        if let Some((last, key)) = hit {
            let mut c = candidate(text, tokens, i, last, EntityType::Date, 3);
            c.key = key;
            found.push(c);
            used[i..=last].iter_mut().for_each(|u| *u = true);
            i = last + 1;
        } else {
            i += 1;
        }
    }
}

fn iso_date(t: &Token) -> Option<String> {
    let parts: Vec<&str> = t.text.split('-').collect();
    if t.kind != Kind::Number || parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
        return None;
    }
    let (y, m, d): (u32, u32, u32) = (parts[0].parse().ok()?, parts[1].parse().ok()?, parts[2].parse().ok()?);
    ((1000..=2099).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)).then(|| t.text.to_string())
}

/// A year or decade standing alone: not a price, a number in a list, or a quantity.
fn lone_year(tokens: &[Token], i: usize) -> Option<String> {
    let t = &tokens[i];
    let decade = t.kind == Kind::Word
        && t.text.len() == 5
        && t.text.ends_with("0s")
        && t.text[..4].bytes().all(|b| b.is_ascii_digit());
    if year(t).is_none() && !decade {
        return None;
    }
    let previous = i.checked_sub(1).and_then(|p| tokens.get(p));
    if previous.is_some_and(|p| matches!(p.text, "$" | "€" | "£" | "¥" | "#" | "No" | "no" | "number" | "+" | "-"))
    {
        return None;
    }
    if tokens.get(i + 1).is_some_and(|n| n.is_word() && lexicon::is_quantity_noun(n.text)) {
        return None;
    }
    Some(t.text.to_string())
}

// ---- quoted titles ----

fn is_open_quote(t: &Token) -> bool {
    t.kind == Kind::Punct && matches!(t.text, "\"" | "\u{201C}")
}

fn is_close_quote(t: &Token) -> bool {
    t.kind == Kind::Punct && matches!(t.text, "\"" | "\u{201D}")
}

/// "The Silent Orchard" in quotes: a short title-cased run between quotes is a WORK.
fn quoted_works(text: &str, tokens: &[Token], used: &mut [bool], found: &mut Vec<Candidate>) {
    let mut i = 0;
    while i < tokens.len() {
        if !is_open_quote(&tokens[i]) {
            i += 1;
            continue;
        }
        let Some(close) = (i + 1..tokens.len().min(i + 14)).find(|&j| is_close_quote(&tokens[j])) else {
            i += 1;
            continue;
        };
        let inner = &tokens[i + 1..close];
        let words: Vec<&Token> = inner.iter().filter(|t| t.is_word() || t.kind == Kind::Number).collect();
        let long_words: Vec<&&Token> = words.iter().filter(|t| t.text.chars().count() > 3).collect();
        let capitalised = long_words.iter().filter(|t| t.is_capitalised()).count();
        let title_like = !words.is_empty()
            && words.len() <= 10
            && inner.first().is_some_and(|t| t.is_capitalised() || t.kind == Kind::Number)
            && !inner.iter().any(|t| matches!(t.text, "." | "!" | "?" | "," | ";" | ":"))
            && capitalised * 2 >= long_words.len()
            && !used[i + 1..close].iter().any(|&u| u);
        if title_like {
            found.push(candidate(text, tokens, i + 1, close - 1, EntityType::Work, 3));
            used[i..=close].iter_mut().for_each(|u| *u = true);
        }
        i = close + 1;
    }
}

// ---- capitalised spans ----

fn lower(t: &Token) -> String {
    t.text.to_lowercase()
}

/// Where the name starting at `first` ends (inclusive token index).
fn span_end(tokens: &[Token], used: &[bool], first: usize) -> usize {
    let sentence = tokens[first].sentence;
    let usable = |k: usize| k < tokens.len() && !used[k] && tokens[k].sentence == sentence;
    let capital_at = |k: usize| usable(k) && (tokens[k].is_capitalised() || roman_numeral(&tokens[k]));
    let titled_work = tokens[first].text == "The";
    let mut last = first;
    let mut k = first + 1;
    while usable(k) && k - first < MAX_NAME_TOKENS {
        let t = &tokens[k];
        let previous = &tokens[last];
        if capital_at(k) {
            last = k;
            k += 1;
        } else if t.is(".") && lexicon::is_title_abbreviation(previous.text) && capital_at(k + 1) {
            k += 1;
        } else if t.is("&") && capital_at(k + 1) {
            last = k + 1;
            k += 2;
        } else if t.is_word() && lexicon::is_particle(t.text) && capital_at(k + 1) {
            last = k + 1;
            k += 2;
        } else if t.is_word() && (connects_after(t.text, previous.text) || (t.text == "of" && titled_work)) {
            if capital_at(k + 1) {
                last = k + 1;
                k += 2;
            } else if tokens.get(k + 1).is_some_and(|n| n.text == "the") && capital_at(k + 2) {
                last = k + 2;
                k += 3;
            } else {
                break;
            }
        } else {
            break;
        }
    }
    last
}

fn connects_after(connector: &str, head: &str) -> bool {
    match connector {
        "of" | "on" => lexicon::is_of_head(head),
        "for" => lexicon::is_for_head(head),
        _ => false,
    }
}

fn roman_numeral(t: &Token) -> bool {
    t.kind == Kind::Word && matches!(t.text, "II" | "III" | "IV" | "VI" | "VII" | "VIII" | "IX" | "XI" | "XII")
}

/// Capitalised spans, trimmed, titled and typed.
fn names(text: &str, tokens: &[Token], lower_words: &HashSet<String>, used: &mut [bool], found: &mut Vec<Candidate>) {
    let mut i = 0;
    while i < tokens.len() {
        if used[i] || !tokens[i].is_capitalised() {
            i += 1;
            continue;
        }
        let last = span_end(tokens, used, i);
        if let Some(c) = name_in_span(text, tokens, lower_words, i, last) {
            used[c.first..=c.last].iter_mut().for_each(|u| *u = true);
            found.push(c);
        }
        i = last + 1;
    }
}

fn name_in_span(
    text: &str,
    tokens: &[Token],
    lower_words: &HashSet<String>,
    mut first: usize,
    last: usize,
) -> Option<Candidate> {
    let whole_key = entity_key(&text[tokens[first].start..tokens[last].end]);
    let alone = first == last;
    let opener = alone && lexicon::is_sentence_opener(tokens[first].text) && !tokens[first].is_acronym();
    let known = !opener && (gazetteer::is_known_organisation(&whole_key) || gazetteer::is_known_place(&whole_key));
    let mut article = None;
    if tokens[first].sentence_start && !known && opens_sentence(&tokens[first], first == last, lower_words) {
        article = (tokens[first].text == "The").then_some(tokens[first].start);
        first = next_name_token(tokens, first, last)?;
    }
    let mut titled = false;
    if !known && !typed_by_last_word(&tokens[last]) {
        while first < last && lexicon::is_title(tokens[first].text) {
            let next = next_name_token(tokens, first, last)?;
            if !tokens[next].is_capitalised() {
                break;
            }
            titled = true;
            first = next;
        }
    }
    let t = &tokens[first];
    if first == last && !titled {
        let single_letter = t.text.chars().count() == 1;
        if single_letter || lexicon::is_non_entity(t.text) || lexicon::is_title(t.text) {
            return None;
        }
    }
    let mut c = candidate(text, tokens, first, last, EntityType::Other, 0);
    if c.key.is_empty() {
        return None;
    }
    let (ty, strength) = classify(tokens, &c, titled, article.is_some());
    c.entity_type = ty;
    c.strength = strength;
    c.article = article;
    c.sentence_initial_word = first == last && tokens[first].sentence_start;
    Some(c)
}

/// The next capitalised token of the span after `index`, skipping a title's dot.
fn next_name_token(tokens: &[Token], index: usize, last: usize) -> Option<usize> {
    (index + 1..=last).find(|&k| tokens[k].kind != Kind::Punct)
}

/// A sentence's first word that is not part of the name after it: stop words, and a lone
/// word the text also uses in lower case ("Founded", "Meanwhile").
fn opens_sentence(t: &Token, alone: bool, lower_words: &HashSet<String>) -> bool {
    if lexicon::is_sentence_opener(t.text) {
        return true;
    }
    let lowered = lower(t);
    let first_name = gazetteer::is_first_name(&entity_key(t.text));
    !first_name && !lexicon::is_title(t.text) && (lower_words.contains(&lowered) || (alone && t.text.ends_with("ly")))
}

fn typed_by_last_word(t: &Token) -> bool {
    lexicon::is_org_suffix(t.text) || lexicon::is_location_suffix(t.text) || lexicon::is_event_word(t.text)
}

/// The type of a name and how sure it is.
fn classify(tokens: &[Token], c: &Candidate, titled: bool, article_dropped: bool) -> (EntityType, Strength) {
    use EntityType::*;
    let span = &tokens[c.first..=c.last];
    let words: Vec<&str> = span.iter().filter(|t| t.is_capitalised() || roman_numeral(t)).map(|t| t.text).collect();
    let bare: &[&str] = match words.first() {
        Some(&"The") if words.len() > 1 => &words[1..],
        _ => &words,
    };
    let (Some(&first), Some(&last)) = (bare.first(), bare.last()) else { return (Other, 0) };
    let multi = bare.len() > 1;
    let previous = previous_word(tokens, c.first);
    let next = tokens.get(c.last + 1).filter(|t| t.is_word()).map(|t| t.text);
    let common_word = span.len() == 1 && !span[0].is_acronym() && lexicon::is_sentence_opener(span[0].text);
    if gazetteer::is_known_organisation(&c.key) && !common_word {
        return (Organization, 3);
    }
    if gazetteer::is_known_place(&c.key) {
        return (Location, 3);
    }
    if titled {
        return (Person, 3);
    }
    if words.len() > 1 && words[0] == "The" {
        return if lexicon::is_org_suffix(last) { (Organization, 3) } else { (Work, 2) };
    }
    if (multi && lexicon::is_org_suffix(last)) || bare.iter().any(|w| lexicon::is_org_head(w)) {
        return (Organization, if multi { 3 } else { 1 });
    }
    if lexicon::is_event_word(last) || (multi && matches!(first, "Battle" | "Siege" | "Treaty" | "Sack" | "Fall")) {
        return (Event, if multi { 3 } else { 1 });
    }
    if multi && (lexicon::is_location_suffix(last) || lexicon::is_location_prefix(first)) {
        return (Location, 3);
    }
    if previous.as_deref().is_some_and(lexicon::is_work_cue) {
        return (Work, 3);
    }
    if multi && bare.len() <= 4 && gazetteer::is_first_name(&entity_key(first)) {
        return (Person, 3);
    }
    if next.is_some_and(lexicon::is_speech_verb) {
        return (Person, 2);
    }
    let before = previous.as_deref();
    let motion = before == Some("to")
        && previous_word(tokens, c.first.saturating_sub(1)).as_deref().is_some_and(lexicon::is_motion_verb);
    if !multi && (before.is_some_and(lexicon::is_place_preposition) || before == Some("from") || motion) {
        return (Location, 2);
    }
    if article_dropped && multi {
        return (Work, 1);
    }
    if multi && lexicon::is_award_word(last) {
        return (Other, 2);
    }
    if !multi && lexicon::has_location_ending(first) {
        return (Location, 1);
    }
    if !multi && span.len() == 1 && span[0].is_acronym() {
        return (Organization, 2);
    }
    if multi
        && bare.len() <= 3
        && bare.iter().all(|w| w.chars().all(|ch| ch.is_alphabetic() || ch == '\'' || ch == '-'))
    {
        return (Person, 1);
    }
    if !multi && lexicon::has_concept_ending(first) {
        return (Concept, 1);
    }
    (Other, 0)
}

/// The lower-case word before token `index`, skipping an article.
fn previous_word(tokens: &[Token], index: usize) -> Option<String> {
    let mut k = index;
    while k > 0 {
        k -= 1;
        let t = &tokens[k];
        if !t.is_word() {
            return None;
        }
        let w = lower(t);
        if matches!(w.as_str(), "the" | "a" | "an" | "his" | "her" | "their" | "its") {
            continue;
        }
        return Some(w);
    }
    None
}

/// A later one-word mention of an earlier multi-word person (by surname) or organisation
/// (by first word) takes that name's key and type.
fn resolve_short_forms(found: &mut [Candidate]) {
    let mut by_surname: HashMap<String, (String, EntityType, Strength)> = HashMap::new();
    let mut by_first_word: HashMap<String, (String, EntityType, Strength)> = HashMap::new();
    for c in found.iter_mut() {
        let words: Vec<&str> = c.key.split(' ').collect();
        if words.len() > 1 {
            if c.entity_type == EntityType::Person {
                if let Some(&surname) = words.last() {
                    by_surname.insert(surname.to_string(), (c.key.clone(), c.entity_type, c.strength));
                }
            } else if c.entity_type == EntityType::Organization && !lexicon::is_org_suffix(words[0]) {
                by_first_word.insert(words[0].to_string(), (c.key.clone(), c.entity_type, c.strength));
            }
            continue;
        }
        if c.entity_type == EntityType::Date || c.strength >= 3 {
            continue;
        }
        let target = by_surname.get(&c.key).or_else(|| by_first_word.get(&c.key));
        if let Some((key, ty, strength)) = target {
            c.key = key.clone();
            c.entity_type = *ty;
            c.strength = *strength;
            c.resolved = true;
        }
    }
}

/// One type per key: the strongest evidence, then the most mentions, then the earliest.
pub(crate) fn unify_types(found: &mut [Candidate]) {
    let mut best: HashMap<&str, (Strength, EntityType, usize)> = HashMap::new();
    let mut votes: HashMap<(&str, EntityType), usize> = HashMap::new();
    for c in found.iter() {
        *votes.entry((c.key.as_str(), c.entity_type)).or_default() += 1;
    }
    for c in found.iter() {
        let count = votes.get(&(c.key.as_str(), c.entity_type)).copied().unwrap_or(0);
        let entry = best.entry(c.key.as_str()).or_insert((c.strength, c.entity_type, count));
        if (c.strength, count) > (entry.0, entry.2) {
            *entry = (c.strength, c.entity_type, count);
        }
    }
    let resolved: HashMap<String, (Strength, EntityType)> =
        best.into_iter().map(|(k, (s, t, _))| (k.to_string(), (s, t))).collect();
    for c in found.iter_mut() {
        if let Some(&(s, t)) = resolved.get(&c.key) {
            c.strength = s;
            c.entity_type = t;
        }
    }
}

impl Candidate {
    pub(crate) fn to_mention(&self) -> Mention {
        Mention {
            key: self.key.clone(),
            name: self.name.clone(),
            entity_type: self.entity_type.as_str().to_string(),
            start: self.start,
            end: self.end,
        }
    }
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
