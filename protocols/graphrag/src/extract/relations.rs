//! Relationships between the entities of a text: typed patterns between two entities of
//! one sentence ([`super::patterns`]: "X founded Y", "Y was founded by X", "X was born in
//! Y", ...) and co-occurrence pairs of the whole text (CO_OCCURS), plus normalised PMI,
//! which the engine turns co-occurrence counts into edge weights with. [`extract`] is what
//! GRAPHRAG.EXTRACT answers: relation ends are entity keys.

use super::patterns::{Pattern, Role, IGNORED_WORDS, PATTERNS, TIME_PREPOSITIONS};
use super::rules::{self, Candidate, EntityType, Mention};
use super::tokens::{Kind, Token};
use crate::types::{ExtractedEntity, ExtractedRelation, Extraction};
use std::collections::{HashMap, HashSet};

/// The relation type of co-occurrence pairs.
pub const CO_OCCURS: &str = "CO_OCCURS";
/// Entities of one text that co-occurrence pairs are formed between at most (the first ones).
pub const MAX_CO_OCCURRING: usize = 50;
/// How many entities after an entity of a sentence a pattern may reach.
const PAIR_WINDOW: usize = 6;
/// Words between two entities a pattern may span at most.
const MAX_BETWEEN: usize = 14;
/// Patterns less sure than this type nothing.
const MIN_HINT_CONFIDENCE: f64 = 0.6;

/// The mentions (type hints of the patterns applied) and typed relations of a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub mentions: Vec<Mention>,
    pub relations: Vec<ExtractedRelation>,
}

/// Entities, typed relations and co-occurrence pairs of `text`.
pub fn extract(text: &str) -> Extraction {
    let analysis = rules::candidates(text);
    let (candidates, mut relations) = typed(text, &analysis.tokens, analysis.candidates);
    relations.extend(co_occurrences(&analysis.tokens, &candidates));
    Extraction { entities: entities_of(&candidates), relations }
}

/// The mentions and typed relations (no co-occurrence pairs) of `text`.
pub fn analyse(text: &str) -> Analysis {
    let analysis = rules::candidates(text);
    let (candidates, relations) = typed(text, &analysis.tokens, analysis.candidates);
    Analysis { mentions: candidates.iter().map(Candidate::to_mention).collect(), relations }
}

/// The entities of mentions, in order of first mention: the most frequent full surface
/// form names each (ties: the longer, then the earlier).
pub fn entities_of_mentions(mentions: &[Mention]) -> Vec<ExtractedEntity> {
    let candidates: Vec<Candidate> = mentions
        .iter()
        .map(|m| Candidate {
            first: 0,
            last: 0,
            start: m.start,
            end: m.end,
            name: m.name.clone(),
            key: m.key.clone(),
            entity_type: EntityType::parse(&m.entity_type).unwrap_or(EntityType::Other),
            strength: 0,
            resolved: super::key::entity_key(&m.name) != m.key,
            article: None,
            sentence_initial_word: false,
        })
        .collect();
    entities_of(&candidates)
}

/// Normalised pointwise mutual information of two entities seen together in `pair_count`
/// of `total` contexts, alone in `count_a` and `count_b`: ln(p(a,b) / p(a)p(b)) / −ln p(a,b),
/// in [-1, 1] (1: always together, 0: independent, -1: never together).
pub fn pmi(pair_count: u64, count_a: u64, count_b: u64, total: u64) -> f64 {
    if pair_count == 0 || count_a == 0 || count_b == 0 || total == 0 {
        return -1.0;
    }
    let total_f = total as f64;
    let p_ab = (pair_count.min(count_a).min(count_b) as f64 / total_f).min(1.0);
    let p_a = (count_a as f64 / total_f).min(1.0);
    let p_b = (count_b as f64 / total_f).min(1.0);
    if p_ab >= 1.0 {
        return 1.0;
    }
    let value = (p_ab / (p_a * p_b)).ln() / -p_ab.ln();
    if value.is_finite() {
        value.clamp(-1.0, 1.0)
    } else {
        0.0
    }
}

fn entities_of(candidates: &[Candidate]) -> Vec<ExtractedEntity> {
    let mut order: Vec<&str> = Vec::new();
    let mut by_key: HashMap<&str, (EntityType, u32, Vec<(&str, u32)>)> = HashMap::new();
    for c in candidates {
        let entry = by_key.entry(c.key.as_str()).or_insert_with(|| {
            order.push(c.key.as_str());
            (c.entity_type, 0, Vec::new())
        });
        entry.1 += 1;
        if !c.resolved {
            match entry.2.iter_mut().find(|(name, _)| *name == c.name) {
                Some(form) => form.1 += 1,
                None => entry.2.push((c.name.as_str(), 1)),
            }
        }
    }
    order
        .into_iter()
        .filter_map(|key| {
            let (ty, mentions, forms) = by_key.remove(key)?;
            let mut name: Option<(&str, u32)> = None;
            for &(form, count) in &forms {
                let better = match name {
                    None => true,
                    Some((best, best_count)) => count > best_count || (count == best_count && form.len() > best.len()),
                };
                if better {
                    name = Some((form, count));
                }
            }
            let name = name.map(|(n, _)| n.to_string()).unwrap_or_else(|| key.to_string());
            Some(ExtractedEntity { key: key.to_string(), name, entity_type: ty.as_str().to_string(), mentions })
        })
        .collect()
}

/// Typed relations of the candidates, whose types the patterns' hints then complete; a
/// lone sentence-opening word still of unknown type and in no relation is dropped.
fn typed(text: &str, tokens: &[Token], mut candidates: Vec<Candidate>) -> (Vec<Candidate>, Vec<ExtractedRelation>) {
    rules::unify_types(&mut candidates);
    let mut owner: Vec<Option<usize>> = vec![None; tokens.len()];
    for (index, c) in candidates.iter().enumerate() {
        for slot in owner.iter_mut().take(c.last + 1).skip(c.first) {
            *slot = Some(index);
        }
    }
    let mut found = Relations::default();
    let mut hints: Vec<(String, EntityType, bool)> = Vec::new();
    let mut hinted: HashSet<String> = HashSet::new();
    for i in 0..candidates.len() {
        let a = &candidates[i];
        for j in (i + 1)..candidates.len().min(i + 1 + PAIR_WINDOW) {
            let b = &candidates[j];
            if tokens[b.first].sentence != tokens[a.first].sentence {
                break;
            }
            if a.key == b.key {
                continue;
            }
            let Some(between) = between_words(tokens, &owner, &candidates, a, b) else { continue };
            let context = Context { lead: lead_words(tokens, a), trail: trail_words(tokens, b) };
            if let Some((pattern, confidence)) = match_pair(&context, &between, a, b) {
                let (source, target) = if pattern.reversed { (b, a) } else { (a, b) };
                if pattern.confidence >= MIN_HINT_CONFIDENCE {
                    for (end, role) in [(source, pattern.source), (target, pattern.target)] {
                        if let Some(ty) = role_type(role) {
                            if end.entity_type != ty && hinted.insert(end.key.clone()) {
                                hints.push((end.key.clone(), ty, role == Role::WorkNamed));
                            }
                        }
                    }
                }
                found.add(&source.key, &target.key, pattern.relation, confidence);
            }
        }
    }
    let mut by_key: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, c) in candidates.iter().enumerate() {
        by_key.entry(c.key.as_str()).or_default().push(index);
    }
    let mut retyped: Vec<(usize, EntityType, bool)> = Vec::new();
    for (key, ty, forced) in &hints {
        for &index in by_key.get(key.as_str()).map(Vec::as_slice).unwrap_or(&[]) {
            let c = &candidates[index];
            if *forced || c.strength < 2 || matches!(c.entity_type, EntityType::Other | EntityType::Concept) {
                retyped.push((index, *ty, *forced));
            }
        }
    }
    for (index, ty, forced) in retyped {
        candidates[index].entity_type = ty;
        candidates[index].strength = if forced { 4 } else { 2 };
    }
    rules::unify_types(&mut candidates);
    let related: HashSet<&str> = found.list.iter().flat_map(|r| [r.source.as_str(), r.target.as_str()]).collect();
    let keep: Vec<bool> = candidates
        .iter()
        .map(|c| {
            let unknown = matches!(c.entity_type, EntityType::Other | EntityType::Concept);
            !(c.sentence_initial_word && unknown && !c.resolved) || related.contains(c.key.as_str())
        })
        .collect();
    let mut keep = keep.into_iter();
    candidates.retain(|_| keep.next().unwrap_or(true));
    for c in candidates.iter_mut() {
        if let (EntityType::Work, Some(article)) = (c.entity_type, c.article) {
            if let Some(name) = text.get(article..c.end) {
                c.name = name.to_string();
                c.start = article;
            }
        }
    }
    (candidates, found.list)
}

/// Relations in the order found, each (source, target, type) once with its best confidence.
#[derive(Default)]
struct Relations {
    list: Vec<ExtractedRelation>,
    index: HashMap<(String, String, &'static str), usize>,
}

impl Relations {
    fn add(&mut self, source: &str, target: &str, relation: &'static str, confidence: f64) {
        match self.index.get(&(source.to_string(), target.to_string(), relation)) {
            Some(&at) => self.list[at].confidence = self.list[at].confidence.max(confidence),
            None => {
                self.index.insert((source.to_string(), target.to_string(), relation), self.list.len());
                self.list.push(ExtractedRelation {
                    source: source.to_string(),
                    target: target.to_string(),
                    relation_type: relation.to_string(),
                    confidence,
                });
            }
        }
    }
}

/// The normalised words between two candidates, other candidates as `<TYPE>`.
fn between_words(
    tokens: &[Token],
    owner: &[Option<usize>],
    candidates: &[Candidate],
    a: &Candidate,
    b: &Candidate,
) -> Option<Vec<String>> {
    if b.first <= a.last || b.first - a.last - 1 > MAX_BETWEEN {
        return None;
    }
    let mut words: Vec<String> = Vec::new();
    let mut k = a.last + 1;
    while k < b.first {
        if let Some(index) = owner[k] {
            let c = &candidates[index];
            words.push(format!("<{}>", c.entity_type.as_str()));
            k = c.last.max(k) + 1;
            continue;
        }
        let t = &tokens[k];
        k += 1;
        match t.kind {
            Kind::Punct if matches!(t.text, "\"" | "\u{201C}" | "\u{201D}" | "'" | "\u{2018}") => {}
            Kind::Possessive => words.push("'s".to_string()),
            _ => words.push(t.text.to_lowercase()),
        }
    }
    let mut cleaned: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let date_next = words.get(i + 1).is_some_and(|n| n == "<DATE>");
        if TIME_PREPOSITIONS.contains(&w.as_str()) && date_next {
            i += 2;
            continue;
        }
        if IGNORED_WORDS.contains(&w.as_str()) || (w == "<DATE>" && cleaned.last().is_some_and(|l| l == ",")) {
            i += 1;
            continue;
        }
        if w == "," && cleaned.last().is_some_and(|l| l == ",") {
            i += 1;
            continue;
        }
        cleaned.push(w.clone());
        i += 1;
    }
    Some(cleaned)
}

/// Up to four lower-case words (and commas) before `a` in its sentence, articles left out.
fn lead_words(tokens: &[Token], a: &Candidate) -> Vec<String> {
    let sentence = tokens[a.first].sentence;
    let mut words: Vec<String> = tokens[..a.first]
        .iter()
        .rev()
        .take_while(|t| t.sentence == sentence && (t.is_word() || t.is(",")))
        .filter(|t| !t.text.eq_ignore_ascii_case("the"))
        .take(4)
        .map(|t| t.text.to_lowercase())
        .collect();
    words.reverse();
    words
}

/// Up to six lower-case tokens after `b` in its sentence, articles left out.
fn trail_words(tokens: &[Token], b: &Candidate) -> Vec<String> {
    let sentence = tokens[b.first].sentence;
    tokens[b.last + 1..]
        .iter()
        .take_while(|t| t.sentence == sentence)
        .filter(|t| !t.text.eq_ignore_ascii_case("the"))
        .take(6)
        .map(|t| if t.kind == Kind::Possessive { "'s".to_string() } else { t.text.to_lowercase() })
        .collect()
}

/// The words around a pair: before its first entity and after its second.
struct Context {
    lead: Vec<String>,
    trail: Vec<String>,
}

/// The first pattern matching the words between `a` and `b` (or the words with a leading
/// ", ... ," aside removed) and the words around them, whose roles the two ends fill, with
/// its confidence.
fn match_pair(context: &Context, between: &[String], a: &Candidate, b: &Candidate) -> Option<(&'static Pattern, f64)> {
    let mut variants: Vec<(Vec<&str>, f64)> = vec![(between.iter().map(String::as_str).collect(), 1.0)];
    if between.first().is_some_and(|w| w == ",") {
        if let Some(close) = between.iter().skip(1).position(|w| w == ",").map(|p| p + 1) {
            if close <= 9 && close + 1 < between.len() {
                variants.push((between[close + 1..].iter().map(String::as_str).collect(), 0.9));
            }
        }
    }
    for (words, factor) in &variants {
        for pattern in PATTERNS {
            if !words_match(pattern.words, words)
                || !lead_matches(pattern.lead, &context.lead)
                || !trail_matches(pattern.trail, &context.trail)
                || (pattern.words == "," && in_a_list(context))
            {
                continue;
            }
            let (source, target) = if pattern.reversed { (b, a) } else { (a, b) };
            if fills(pattern.source, source) && fills(pattern.target, target) {
                return Some((pattern, pattern.confidence * factor));
            }
        }
    }
    None
}

fn lead_matches(pattern: &str, lead: &[String]) -> bool {
    let expected: Vec<&str> = pattern.split_whitespace().collect();
    expected.len() <= lead.len() && lead[lead.len() - expected.len()..].iter().zip(&expected).all(|(w, e)| w == e)
}

/// "China, Japan and Peru": a comma between two names of a list states no relation.
fn in_a_list(context: &Context) -> bool {
    let list_word = |w: Option<&String>| w.is_some_and(|w| matches!(w.as_str(), "," | "and" | "or"));
    list_word(context.trail.first()) || list_word(context.lead.last())
}

fn trail_matches(pattern: &str, trail: &[String]) -> bool {
    let expected: Vec<&str> = pattern.split_whitespace().collect();
    expected.len() <= trail.len() && trail.iter().zip(&expected).all(|(w, e)| *e == "*" || w == e)
}

fn words_match(pattern: &str, words: &[&str]) -> bool {
    let mut expected = pattern.split(' ');
    let mut given = words.iter();
    loop {
        match (expected.next(), given.next()) {
            (None, None) => return true,
            (Some("*"), Some(w)) => {
                if !w.chars().next().is_some_and(char::is_alphabetic) {
                    return false;
                }
            }
            (Some(e), Some(w)) if e == *w => {}
            _ => return false,
        }
    }
}

fn role_type(role: Role) -> Option<EntityType> {
    match role {
        Role::Person => Some(EntityType::Person),
        Role::Org => Some(EntityType::Organization),
        Role::Place => Some(EntityType::Location),
        Role::Work | Role::WorkNamed => Some(EntityType::Work),
        Role::PlaceOnly | Role::WorkOnly | Role::Date | Role::Agent => None,
    }
}

/// Whether a candidate can be the `role` end of a relation.
fn fills(role: Role, c: &Candidate) -> bool {
    let ty = c.entity_type;
    let weak = c.strength < 2 || matches!(ty, EntityType::Other | EntityType::Concept);
    match role {
        Role::Agent => matches!(ty, EntityType::Person | EntityType::Organization) || (weak && ty != EntityType::Date),
        Role::PlaceOnly => ty == EntityType::Location,
        Role::WorkOnly => ty == EntityType::Work,
        Role::Date => ty == EntityType::Date,
        Role::WorkNamed => ty != EntityType::Date && (ty != EntityType::Person || c.strength < 2),
        _ => role_type(role) == Some(ty) || (weak && ty != EntityType::Date),
    }
}

/// CO_OCCURS between the first [`MAX_CO_OCCURRING`] entities of the text other than dates,
/// source and target in key order; confidence 1 when they share a sentence, else 0.5.
fn co_occurrences(tokens: &[Token], candidates: &[Candidate]) -> Vec<ExtractedRelation> {
    let mut keys: Vec<&str> = Vec::new();
    let mut sentences: HashMap<&str, Vec<u32>> = HashMap::new();
    for c in candidates.iter().filter(|c| c.entity_type != EntityType::Date) {
        let list = sentences.entry(c.key.as_str()).or_default();
        if list.is_empty() {
            if keys.len() == MAX_CO_OCCURRING {
                sentences.remove(c.key.as_str());
                continue;
            }
            keys.push(c.key.as_str());
        }
        let sentence = tokens[c.first].sentence;
        if !list.contains(&sentence) {
            list.push(sentence);
        }
    }
    let mut pairs = Vec::new();
    for (i, a) in keys.iter().enumerate() {
        for b in &keys[i + 1..] {
            let (source, target) = if a < b { (a, b) } else { (b, a) };
            let shared = sentences[a].iter().any(|s| sentences[b].contains(s));
            pairs.push(ExtractedRelation {
                source: source.to_string(),
                target: target.to_string(),
                relation_type: CO_OCCURS.to_string(),
                confidence: if shared { 1.0 } else { 0.5 },
            });
        }
    }
    pairs
}

#[cfg(test)]
#[path = "relations_tests.rs"]
mod tests;
