//! The feature-hashing embedder: lower-cased words and the character 3- to 5-grams of each
//! word (between boundary marks) hashed with xxh3 (fixed seed) into `dim` signed buckets,
//! weighted `1 + ln(tf)` (n-grams at half weight), then L2-normalised. Needs no files.

use super::{l2_normalise, Embedder};
use crate::error::{GraphRagError, GraphRagResult};
use unicode_segmentation::UnicodeSegmentation;
use xxhash_rust::xxh3::xxh3_64_with_seed;

const SEED: u64 = 0x6F72_6269_745F_6731;
const NGRAM_WEIGHT: f32 = 0.5;
const MAX_DIM: usize = 4096;

/// Feature hashing into `dim` dimensions.
#[derive(Debug, Clone)]
pub struct HashingEmbedder {
    dim: usize,
}

impl HashingEmbedder {
    pub fn new(dim: usize) -> GraphRagResult<Self> {
        if !(1..=MAX_DIM).contains(&dim) {
            return Err(GraphRagError::invalid(format!("hashing dimension must be between 1 and {MAX_DIM}")));
        }
        Ok(HashingEmbedder { dim })
    }

    /// The embedding of one text.
    pub fn embed_one(&self, text: &str) -> Vec<f32> {
        let mut features: Vec<(u64, f32)> = Vec::new();
        let mut feature = String::new();
        let mut marked: Vec<(usize, char)> = Vec::new();
        let mut gram: Vec<u8> = Vec::new();
        for word in text.unicode_words() {
            feature.clear();
            feature.push_str("w:");
            feature.extend(word.chars().flat_map(char::to_lowercase));
            features.push((xxh3_64_with_seed(feature.as_bytes(), SEED), 1.0));
            // The word between boundary marks: "g:<word>", n-grams are byte ranges of it.
            feature.replace_range(..2, "g:<");
            feature.push('>');
            marked.clear();
            marked.extend(feature.char_indices().skip(2));
            for n in 3..=5 {
                for window in marked.windows(n) {
                    let (start, last) = (window[0].0, window[n - 1]);
                    gram.clear();
                    gram.extend_from_slice(b"g:");
                    gram.extend_from_slice(&feature.as_bytes()[start..last.0 + last.1.len_utf8()]);
                    features.push((xxh3_64_with_seed(&gram, SEED), NGRAM_WEIGHT));
                }
            }
        }
        features.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut v = vec![0.0f32; self.dim];
        let mut i = 0;
        while i < features.len() {
            let (hash, weight) = features[i];
            let mut tf = 0u32;
            while i < features.len() && features[i].0 == hash {
                tf += 1;
                i += 1;
            }
            let bucket = (hash % self.dim as u64) as usize;
            let sign = if hash >> 63 == 1 { -1.0 } else { 1.0 };
            v[bucket] += sign * weight * (1.0 + (tf as f32).ln());
        }
        l2_normalise(&mut v);
        v
    }
}

#[async_trait::async_trait]
impl Embedder for HashingEmbedder {
    fn id(&self) -> String {
        format!("hashing-v1-{}", self.dim)
    }
    fn dim(&self) -> usize {
        self.dim
    }
    fn fingerprint(&self) -> String {
        format!("hashing-v1-{}", self.dim)
    }
    async fn embed(&self, texts: &[String]) -> GraphRagResult<Vec<Vec<f32>>> {
        Ok(texts.iter().map(|t| self.embed_one(t)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn unit_length_and_deterministic() {
        let e = HashingEmbedder::new(256).unwrap();
        let v = e.embed_one("Marie Curie discovered radium");
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5);
        assert_eq!(v, HashingEmbedder::new(256).unwrap().embed_one("Marie Curie discovered radium"));
        assert_eq!(e.fingerprint(), "hashing-v1-256");
    }

    #[test]
    fn shared_words_and_morphology_are_closer() {
        let e = HashingEmbedder::new(512).unwrap();
        let a = e.embed_one("the chemist discovered radium in Paris");
        let b = e.embed_one("radium was discovered by a chemist");
        let c = e.embed_one("football scores from yesterday's league");
        assert!(cosine(&a, &b) > cosine(&a, &c) + 0.2);
        let run = e.embed_one("running");
        assert!(cosine(&run, &e.embed_one("runner")) > cosine(&run, &e.embed_one("banana")));
    }

    #[test]
    fn case_is_ignored_and_empty_text_is_zero() {
        let e = HashingEmbedder::new(64).unwrap();
        assert_eq!(e.embed_one("Paris"), e.embed_one("PARIS"));
        assert!(e.embed_one("").iter().all(|x| *x == 0.0));
        assert!(e.embed_one(" ... ").iter().all(|x| *x == 0.0));
    }

    #[test]
    fn dimension_is_bounded() {
        assert!(HashingEmbedder::new(0).is_err());
        assert!(HashingEmbedder::new(MAX_DIM + 1).is_err());
    }
}
