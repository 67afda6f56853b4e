//! Extractive community summaries: the few sentences that together mention the most
//! central members of a community.

use std::collections::HashMap;
use std::hash::Hash;

/// Sentences a summary takes at most.
pub const MAX_SENTENCES: usize = 3;
/// Characters of one sentence kept in a summary.
const MAX_SENTENCE_CHARS: usize = 400;

/// A summary of a community from candidate `sentences` (text, entities it mentions) and the
/// community's `members` (entity, centrality). Greedy maximum coverage: each step takes the
/// sentence whose not yet covered members weigh most (ties: fewer characters, then the
/// earlier sentence), up to [`MAX_SENTENCES`]; a third sentence only when it adds a member.
/// The chosen sentences are joined in their original order. Empty when no sentence mentions
/// a member.
pub fn extractive<K: Eq + Hash>(sentences: &[(String, Vec<K>)], members: &[(K, f64)]) -> String {
    let centrality: HashMap<&K, f64> =
        members.iter().map(|(k, c)| (k, if c.is_finite() && *c > 0.0 { *c } else { 0.0 })).collect();
    let mut covered: Vec<&K> = Vec::new();
    let mut chosen: Vec<usize> = Vec::new();
    while chosen.len() < MAX_SENTENCES {
        let mut best: Option<(f64, usize, usize)> = None;
        for (index, (text, entities)) in sentences.iter().enumerate() {
            if chosen.contains(&index) || chosen.iter().any(|&c| sentences[c].0 == *text) {
                continue;
            }
            let mut seen: Vec<&K> = Vec::new();
            let mut gain = 0.0;
            let mut mentions_member = false;
            for entity in entities {
                let Some(&weight) = centrality.get(entity) else { continue };
                mentions_member = true;
                if !covered.contains(&entity) && !seen.contains(&entity) {
                    seen.push(entity);
                    gain += weight;
                }
            }
            if !mentions_member || (gain <= 0.0 && chosen.len() >= 2) {
                continue;
            }
            let better = match best {
                None => true,
                Some((best_gain, best_len, _)) => gain > best_gain || (gain == best_gain && text.len() < best_len),
            };
            if better {
                best = Some((gain, text.len(), index));
            }
        }
        let Some((_, _, index)) = best else { break };
        chosen.push(index);
        for entity in &sentences[index].1 {
            if centrality.contains_key(entity) && !covered.contains(&entity) {
                covered.push(entity);
            }
        }
    }
    chosen.sort_unstable();
    let parts: Vec<&str> = chosen.iter().map(|&i| truncate(sentences[i].0.trim(), MAX_SENTENCE_CHARS)).collect();
    parts.join(" ")
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((cut, _)) => &text[..cut],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str, entities: &[u32]) -> (String, Vec<u32>) {
        (text.to_string(), entities.to_vec())
    }

    #[test]
    fn covers_the_most_central_members_in_original_order() {
        let sentences = vec![
            s("Weather was mild.", &[]),
            s("Bob met Carol.", &[1, 2]),
            s("Alice founded Northwind with Bob.", &[0, 3, 1]),
            s("Alice founded Northwind.", &[0, 3]),
            s("Dave visited.", &[4]),
        ];
        let members = [(0, 0.5), (1, 0.2), (2, 0.1), (3, 0.4), (4, 0.05)];
        let summary = extractive(&sentences, &members);
        assert_eq!(summary, "Bob met Carol. Alice founded Northwind with Bob. Dave visited.");
    }

    #[test]
    fn ties_prefer_shorter_then_earlier_and_nothing_without_members() {
        let sentences = vec![s("A long one with x.", &[7]), s("Short x.", &[7]), s("Also x.", &[7])];
        assert_eq!(extractive(&sentences, &[(7, 1.0)]), "Short x. Also x.");
        assert_eq!(extractive(&sentences, &[(8, 1.0)]), "");
        assert_eq!(extractive::<u32>(&[], &[(1, 1.0)]), "");
    }
}
