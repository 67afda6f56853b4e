//! The offline default embedder: potion-base-2M, a model2vec static embedding model
//! (29,528 WordPiece tokens × 64 dimensions, MIT licensed) shipped in
//! `assets/potion-base-2M/` as f16 rows. A text's vector is the mean of its tokens' rows
//! (unknown tokens skipped), L2-normalised, as model2vec computes it. The model is decoded
//! once per process.

use super::wordpiece::{Piece, WordPiece};
use super::{l2_normalise, Embedder};
use crate::error::{GraphRagError, GraphRagResult};
use std::sync::{Arc, OnceLock};

const VOCAB: &str = include_str!("../../assets/potion-base-2M/vocab.txt");
const WEIGHTS_F16: &[u8] = include_bytes!("../../assets/potion-base-2M/embeddings.f16");
const DIM: usize = 64;
const MODEL_ID: &str = "potion-base-2M";

/// The static model, shared by every knowledge graph that uses it.
pub struct StaticEmbedder {
    tokenizer: WordPiece,
    rows: Vec<f32>,
    fingerprint: String,
}

static SHARED: OnceLock<Result<Arc<StaticEmbedder>, GraphRagError>> = OnceLock::new();

impl StaticEmbedder {
    /// The process-wide instance, decoded on first use.
    pub fn shared() -> GraphRagResult<Arc<StaticEmbedder>> {
        SHARED.get_or_init(|| StaticEmbedder::load(VOCAB, WEIGHTS_F16).map(Arc::new)).clone()
    }

    /// A model from a vocabulary (one token per line) and its rows as little-endian f16.
    pub fn load(vocab: &str, weights_f16: &[u8]) -> GraphRagResult<StaticEmbedder> {
        let tokenizer = WordPiece::from_lines(vocab);
        if tokenizer.is_empty() || weights_f16.len() != tokenizer.len() * DIM * 2 {
            return Err(GraphRagError::corrupt(format!(
                "static model: {} weight bytes do not hold {} tokens of {DIM} f16",
                weights_f16.len(),
                tokenizer.len()
            )));
        }
        let rows = weights_f16.chunks_exact(2).map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32()).collect();
        let mut digest = xxhash_rust::xxh3::Xxh3::new();
        digest.update(vocab.as_bytes());
        digest.update(weights_f16);
        let fingerprint = format!("{MODEL_ID}-f16-{:032x}", digest.digest128());
        Ok(StaticEmbedder { tokenizer, rows, fingerprint })
    }

    /// The embedding of one text.
    pub fn embed_one(&self, text: &str) -> Vec<f32> {
        let mut sum = vec![0.0f32; DIM];
        let mut count = 0usize;
        for piece in self.tokenizer.tokenize(text) {
            let Piece::Known(id) = piece else { continue };
            if Some(id) == self.tokenizer.unknown_id() {
                continue;
            }
            let Some(row) = self.rows.get(id as usize * DIM..(id as usize + 1) * DIM) else { continue };
            sum.iter_mut().zip(row).for_each(|(s, r)| *s += r);
            count += 1;
        }
        if count > 0 {
            let inverse = 1.0 / count as f32;
            sum.iter_mut().for_each(|s| *s *= inverse);
        }
        l2_normalise(&mut sum);
        sum
    }
}

#[async_trait::async_trait]
impl Embedder for StaticEmbedder {
    fn id(&self) -> String {
        MODEL_ID.to_string()
    }
    fn dim(&self) -> usize {
        DIM
    }
    fn fingerprint(&self) -> String {
        self.fingerprint.clone()
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
    fn shipped_model_loads_once_with_its_shape() {
        let model = StaticEmbedder::shared().unwrap();
        assert_eq!(model.tokenizer.len(), 29_528);
        assert_eq!(model.rows.len(), 29_528 * DIM);
        assert!(Arc::ptr_eq(&model, &StaticEmbedder::shared().unwrap()));
        assert!(model.fingerprint().starts_with("potion-base-2M-f16-"));
        assert_eq!(model.fingerprint().len(), "potion-base-2M-f16-".len() + 32);
    }

    #[test]
    fn unit_length_and_deterministic() {
        let model = StaticEmbedder::shared().unwrap();
        let v = model.embed_one("Marie Curie discovered radium in Paris.");
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "norm {norm}");
        assert_eq!(v, model.embed_one("Marie Curie discovered radium in Paris."));
        assert!(model.embed_one("").iter().all(|x| *x == 0.0));
    }

    #[test]
    fn related_words_are_closer() {
        let model = StaticEmbedder::shared().unwrap();
        let king = model.embed_one("king");
        assert!(cosine(&king, &model.embed_one("queen")) > cosine(&king, &model.embed_one("banana")));
        let doctor = model.embed_one("The doctor treated the patient in the hospital.");
        let nurse = model.embed_one("A nurse cared for the sick man at the clinic.");
        let stocks = model.embed_one("Stock markets fell sharply on Tuesday.");
        assert!(cosine(&doctor, &nurse) > cosine(&doctor, &stocks));
    }

    /// Token ids and leading components computed by model2vec 0.10 (`StaticModel.encode`)
    /// and Hugging Face tokenizers (`encode(text, add_special_tokens=False)`) on the
    /// original f32 files; the shipped f16 rows agree to about 1e-3.
    #[test]
    fn agrees_with_model2vec_and_hugging_face_tokenizers() {
        let model = StaticEmbedder::shared().unwrap();
        let cases: [(&str, &[u32], [f32; 6]); 6] = [
            (
                "Marie Curie discovered radium in Paris.",
                &[4038, 11737, 6379, 2609, 9964, 11817, 1005, 2006, 18],
                [0.34256, -0.22933, -0.01402, 0.13798, -0.25869, 0.1856],
            ),
            ("king", &[1338], [0.05752, -0.09811, 0.1608, 0.12987, 0.20584, 0.24216]),
            (
                "Caf\u{e9} d\u{e9}j\u{e0}-vu, na\u{ef}ve fa\u{e7}ade!",
                &[6674, 1145, 2906, 17, 23734, 16, 14749, 7514, 5],
                [0.01093, -0.22893, -0.23995, -0.10336, -0.42203, 0.17142],
            ),
            (
                "The U.S. Army's 3.14% budget \u{2014} \u{201c}quoted\u{201d} text\u{2026}",
                &[1002, 63, 18, 61, 18, 1396, 11, 61, 23, 18, 1409, 9, 4172, 523, 529, 8345, 530, 2799, 535],
                [-0.15009, 0.22989, -0.06952, 0.0844, 0.33702, 0.04521],
            ),
            (
                "unaffable xylophonist \u{6771}\u{4eac} \u{30bf}\u{30ef}\u{30fc}",
                &[13483, 19967, 2474, 66, 7522, 6367, 7753, 1929, 885, 761, 715, 29268, 29271],
                [0.01344, -0.33031, -0.17734, -0.27607, 0.15457, 0.21487],
            ),
            ("Hello\tworld\u{7} ok", &[6598, 1094, 6935], [-0.25723, -0.03584, -0.30449, 0.02429, 0.1898, 0.38261]),
        ];
        for (text, ids, leading) in cases {
            let pieces: Vec<u32> = model
                .tokenizer
                .tokenize(text)
                .into_iter()
                .map(|p| match p {
                    Piece::Known(id) => id,
                    Piece::Unknown => 1,
                })
                .collect();
            assert_eq!(pieces, ids, "{text}");
            let v = model.embed_one(text);
            for (got, want) in v.iter().zip(leading) {
                assert!((got - want).abs() < 2e-3, "{text}: {:?} vs {leading:?}", &v[..6]);
            }
        }
    }

    #[test]
    fn bad_weights_are_refused() {
        assert_eq!(
            StaticEmbedder::load("a\nb\n", &[0u8; 10]).err().map(|e| e.kind),
            Some(crate::error::ErrorKind::Corrupt)
        );
        assert!(StaticEmbedder::load("", &[]).is_err());
    }
}
