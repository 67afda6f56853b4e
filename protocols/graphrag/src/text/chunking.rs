//! Sentence-aware chunking: whole sentences packed up to `chunk_tokens` tokens, each chunk
//! after the first starting with about `overlap` tokens of the previous one's tail. A
//! sentence longer than the limit is cut at token boundaries.

use super::{sentences, tokens, ChunkSpan};

/// The chunks of `text` (offsets into `text`). `chunk_tokens` of 0 is taken as 1 and the
/// overlap is capped below half the chunk size, so every chunk advances.
pub fn chunk(text: &str, chunk_tokens: usize, overlap: usize) -> Vec<ChunkSpan> {
    let limit = chunk_tokens.max(1);
    let overlap = overlap.min(limit.saturating_sub(1) / 2);
    let token_spans = tokens(text);
    let units = sentence_units(text, &token_spans, limit - overlap);
    let mut chunks = Vec::new();
    let mut start = 0usize;
    let mut next_unit = 0usize;
    while next_unit < units.len() {
        let (first_start, first_end) = units[next_unit];
        start = start.max(first_end.saturating_sub(limit)).min(first_start);
        if chunks.is_empty() {
            start = first_start;
        }
        let mut end = first_end;
        next_unit += 1;
        while let Some(&(_, unit_end)) = units.get(next_unit) {
            if unit_end - start > limit {
                break;
            }
            end = unit_end;
            next_unit += 1;
        }
        let (byte_start, byte_end) = (token_spans[start].0, token_spans[end - 1].1);
        chunks.push(ChunkSpan {
            ordinal: chunks.len() as u32,
            start: byte_start,
            end: byte_end,
            text: text[byte_start..byte_end].to_string(),
            tokens: end - start,
        });
        start = end.saturating_sub(overlap).max(start);
    }
    chunks
}

/// Sentences as token ranges `[start, end)`, with sentences over `limit` tokens cut into
/// pieces of `piece` tokens.
fn sentence_units(text: &str, token_spans: &[(usize, usize)], piece: usize) -> Vec<(usize, usize)> {
    let mut units = Vec::new();
    let mut token = 0usize;
    for (_, sentence_end) in sentences(text) {
        let first = token;
        while token < token_spans.len() && token_spans[token].1 <= sentence_end {
            token += 1;
        }
        let mut from = first;
        while from < token {
            let to = if token - from > piece { from + piece } else { token };
            units.push((from, to));
            from = to;
        }
    }
    if token < token_spans.len() {
        units.push((token, token_spans.len()));
    }
    units
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::count_tokens;

    #[test]
    fn short_text_is_one_chunk() {
        let text = "Alice met Bob. They founded Acme.";
        let chunks = chunk(text, 256, 32);
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0], ChunkSpan { ordinal: 0, start: 0, end: text.len(), text: text.into(), tokens: 8 });
        assert!(chunk("", 256, 32).is_empty());
        assert!(chunk("   ", 256, 32).is_empty());
    }

    #[test]
    fn packs_whole_sentences_within_the_limit() {
        let text = "One two three four. Five six seven eight. Nine ten eleven twelve. End now.";
        let chunks = chunk(text, 10, 0);
        let texts: Vec<&str> = chunks.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["One two three four. Five six seven eight.", "Nine ten eleven twelve. End now."]);
        assert!(chunks.iter().all(|c| c.tokens <= 10 && count_tokens(&c.text) == c.tokens));
        assert_eq!(chunks[1].ordinal, 1);
        assert_eq!(&text[chunks[1].start..chunks[1].end], chunks[1].text);
    }

    #[test]
    fn overlap_repeats_the_previous_tail() {
        let text = "Ant bee cat dog. Eel fox gnu hen. Ibis jay kea lark. Mole newt owl pig.";
        let chunks = chunk(text, 10, 2);
        let texts: Vec<&str> = chunks.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["Ant bee cat dog. Eel fox gnu hen.", "hen. Ibis jay kea lark.", "lark. Mole newt owl pig."]);
        assert!(chunks.iter().all(|c| c.tokens <= 10));
    }

    #[test]
    fn long_sentence_is_cut_at_token_boundaries() {
        let words: Vec<String> = (0..100).map(|i| format!("w{i}")).collect();
        let text = words.join(" ") + ".";
        let chunks = chunk(&text, 16, 4);
        assert!(chunks.len() >= 8);
        assert!(chunks.iter().all(|c| c.tokens <= 16 && count_tokens(&c.text) == c.tokens));
        assert!(chunks[0].text.starts_with("w0 ") && chunks.last().is_some_and(|c| c.text.ends_with("w99.")));
        for pair in chunks.windows(2) {
            assert!(pair[1].start < pair[0].end, "consecutive chunks overlap");
            assert!(pair[1].end > pair[0].end, "every chunk advances");
        }
    }

    #[test]
    fn every_token_is_in_some_chunk() {
        let text = "Dr. Who? Yes. ".repeat(50) + "Trailing words without a stop";
        let chunks = chunk(&text, 20, 5);
        let mut covered = 0;
        for c in &chunks {
            assert!(c.start <= covered, "gap before chunk {}", c.ordinal);
            covered = covered.max(c.end);
        }
        assert_eq!(covered, text.trim_end().len());
    }

    #[test]
    fn degenerate_sizes_still_advance() {
        let chunks = chunk("a b c d e", 0, 10);
        assert_eq!(chunks.len(), 5);
        assert!(chunks.iter().all(|c| c.tokens == 1));
    }

    #[test]
    fn same_input_same_chunks() {
        let text = "Ada wrote notes. Babbage built engines. ".repeat(30);
        assert_eq!(chunk(&text, 32, 8), chunk(&text, 32, 8));
    }
}
