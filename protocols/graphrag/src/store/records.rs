//! The engine's stored rows and their binary form ([`super::codec`]). Each record
//! carries what a later re-ingest or delete needs to undo a document's contributions.

use super::codec::{Reader, Writer};
use crate::config::{EmbedderSpec, ExtractorSpec, KgConfig};
use crate::error::{GraphRagError, GraphRagResult};

/// A knowledge graph in the catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct KgRecord {
    pub id: u32,
    pub config: KgConfig,
    pub embedder_id: String,
    /// 0 until the first embedding is seen (HTTP embedders learn their dimension then).
    pub embedding_dim: u64,
    pub fingerprint: String,
    pub documents: u64,
    pub chunks: u64,
    pub entities: u64,
    pub relationships: u64,
    /// Tokens of every chunk.
    pub total_tokens: u64,
    /// BM25 terms of every chunk (BM25's average length).
    pub total_terms: u64,
    pub next_chunk: u64,
    /// Bumped by every change of the knowledge graph's content.
    pub generation: u64,
    /// The generation communities were last detected at (0: never).
    pub communities_generation: u64,
    pub communities: u64,
    pub community_levels: u64,
}

impl KgRecord {
    pub fn new(id: u32, config: KgConfig, embedder_id: String, embedding_dim: u64, fingerprint: String) -> Self {
        KgRecord {
            id,
            config,
            embedder_id,
            embedding_dim,
            fingerprint,
            documents: 0,
            chunks: 0,
            entities: 0,
            relationships: 0,
            total_tokens: 0,
            total_terms: 0,
            next_chunk: 0,
            generation: 1,
            communities_generation: 0,
            communities: 0,
            community_levels: 0,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u64(1).u64(u64::from(self.id));
        encode_embedder(&mut w, &self.config.embedder);
        w.usize(self.config.chunk_tokens).usize(self.config.overlap);
        match &self.config.extractor {
            ExtractorSpec::Rules => w.u64(0),
            ExtractorSpec::Llm { provider } => w.u64(1).str(provider),
        };
        w.u64(self.config.seed).str(&self.embedder_id).u64(self.embedding_dim).str(&self.fingerprint);
        for n in [
            self.documents,
            self.chunks,
            self.entities,
            self.relationships,
            self.total_tokens,
            self.total_terms,
            self.next_chunk,
            self.generation,
            self.communities_generation,
            self.communities,
            self.community_levels,
        ] {
            w.u64(n);
        }
        w.finish()
    }

    pub fn decode(bytes: &[u8]) -> GraphRagResult<KgRecord> {
        let mut r = Reader::new(bytes, "knowledge graph record");
        if r.u64()? != 1 {
            return Err(GraphRagError::corrupt("knowledge graph record of an unknown version"));
        }
        let id = r.u32()?;
        let embedder = decode_embedder(&mut r)?;
        let chunk_tokens = r.u64()? as usize;
        let overlap = r.u64()? as usize;
        let extractor = match r.u64()? {
            0 => ExtractorSpec::Rules,
            1 => ExtractorSpec::Llm { provider: r.string()? },
            _ => return Err(GraphRagError::corrupt("stored extractor does not decode")),
        };
        let seed = r.u64()?;
        let config = KgConfig { embedder, chunk_tokens, overlap, extractor, seed };
        let mut rec = KgRecord::new(id, config, r.string()?, r.u64()?, r.string()?);
        for slot in [
            &mut rec.documents,
            &mut rec.chunks,
            &mut rec.entities,
            &mut rec.relationships,
            &mut rec.total_tokens,
            &mut rec.total_terms,
            &mut rec.next_chunk,
            &mut rec.generation,
            &mut rec.communities_generation,
            &mut rec.communities,
            &mut rec.community_levels,
        ] {
            *slot = r.u64()?;
        }
        r.end()?;
        Ok(rec)
    }
}

fn encode_embedder(w: &mut Writer, spec: &EmbedderSpec) {
    match spec {
        EmbedderSpec::Static => {
            w.u64(0);
        }
        EmbedderSpec::Hashing { dim } => {
            w.u64(1).usize(*dim);
        }
        EmbedderSpec::OpenAi { url, model, api_key } => {
            w.u64(2).str(url).str(model);
            match api_key {
                Some(key) => w.u64(1).str(key),
                None => w.u64(0),
            };
        }
        EmbedderSpec::Ollama { url, model } => {
            w.u64(3).str(url).str(model);
        }
    }
}

fn decode_embedder(r: &mut Reader) -> GraphRagResult<EmbedderSpec> {
    Ok(match r.u64()? {
        0 => EmbedderSpec::Static,
        1 => EmbedderSpec::Hashing { dim: r.u64()? as usize },
        2 => {
            let url = r.string()?;
            let model = r.string()?;
            let api_key = if r.u64()? == 1 { Some(r.string()?) } else { None };
            EmbedderSpec::OpenAi { url, model, api_key }
        }
        3 => EmbedderSpec::Ollama { url: r.string()?, model: r.string()? },
        _ => return Err(GraphRagError::corrupt("stored embedder does not decode")),
    })
}

/// A document: its metadata, graph node and chunks; what it contributed to entities and
/// pairs is found again from its chunks' mention lists.
#[derive(Debug, Clone, PartialEq)]
pub struct DocRecord {
    pub meta: Vec<(String, String)>,
    pub node: u64,
    pub chunks: Vec<u64>,
    /// Typed relations the document stated: (source key, target key, type, confidence).
    pub relations: Vec<(String, String, String, f64)>,
}

impl DocRecord {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.usize(self.meta.len());
        for (k, v) in &self.meta {
            w.str(k).str(v);
        }
        w.u64(self.node).usize(self.chunks.len());
        for c in &self.chunks {
            w.u64(*c);
        }
        w.usize(self.relations.len());
        for (s, t, ty, conf) in &self.relations {
            w.str(s).str(t).str(ty).f64(*conf);
        }
        w.finish()
    }

    pub fn decode(bytes: &[u8]) -> GraphRagResult<DocRecord> {
        let mut r = Reader::new(bytes, "document record");
        let n = r.len()?;
        let mut meta = Vec::with_capacity(n);
        for _ in 0..n {
            meta.push((r.string()?, r.string()?));
        }
        let node = r.u64()?;
        let n = r.len()?;
        let mut chunks = Vec::with_capacity(n);
        for _ in 0..n {
            chunks.push(r.u64()?);
        }
        let n = r.len()?;
        let mut relations = Vec::with_capacity(n);
        for _ in 0..n {
            relations.push((r.string()?, r.string()?, r.string()?, r.f64()?));
        }
        r.end()?;
        Ok(DocRecord { meta, node, chunks, relations })
    }
}

/// A chunk: where it comes from, its text, its BM25 terms and the entities it mentions.
#[derive(Debug, Clone, PartialEq)]
pub struct ChunkRecord {
    pub doc_id: String,
    pub ordinal: u32,
    pub text: String,
    pub tokens: u64,
    pub node: u64,
    /// (term, frequency), by term.
    pub terms: Vec<(String, u32)>,
    /// (entity key, mentions), by key.
    pub entities: Vec<(String, u32)>,
}

impl ChunkRecord {
    /// The chunk's length for BM25: its terms with their frequencies.
    pub fn term_count(&self) -> u64 {
        self.terms.iter().map(|t| u64::from(t.1)).sum()
    }

    /// `<doc_id>#<ordinal>`, the id every surface shows.
    pub fn chunk_id(&self) -> String {
        format!("{}#{}", self.doc_id, self.ordinal)
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.str(&self.doc_id).u64(u64::from(self.ordinal)).str(&self.text).u64(self.tokens).u64(self.node);
        for list in [&self.terms, &self.entities] {
            w.usize(list.len());
            for (s, n) in list {
                w.str(s).u64(u64::from(*n));
            }
        }
        w.finish()
    }

    pub fn decode(bytes: &[u8]) -> GraphRagResult<ChunkRecord> {
        let mut r = Reader::new(bytes, "chunk record");
        let doc_id = r.string()?;
        let ordinal = r.u32()?;
        let text = r.string()?;
        let tokens = r.u64()?;
        let node = r.u64()?;
        let mut lists = [Vec::new(), Vec::new()];
        for list in &mut lists {
            let n = r.len()?;
            for _ in 0..n {
                list.push((r.string()?, r.u32()?));
            }
        }
        r.end()?;
        let [terms, entities] = lists;
        Ok(ChunkRecord { doc_id, ordinal, text, tokens, node, terms, entities })
    }
}

/// An entity merged over every document.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityRecord {
    pub name: String,
    pub entity_type: String,
    /// Chunks that mention it.
    pub mentions: u64,
    pub node: u64,
}

impl EntityRecord {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.str(&self.name).str(&self.entity_type).u64(self.mentions).u64(self.node);
        w.finish()
    }

    pub fn decode(bytes: &[u8]) -> GraphRagResult<EntityRecord> {
        let mut r = Reader::new(bytes, "entity record");
        let rec = EntityRecord { name: r.string()?, entity_type: r.string()?, mentions: r.u64()?, node: r.u64()? };
        r.end()?;
        Ok(rec)
    }
}

/// Two entities seen together: chunk co-mentions, typed relations stated between them
/// and the RELATED relationship that shows it in the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct PairRecord {
    pub count: u64,
    /// (type, true when the first key is the source, times stated, confidence sum).
    pub typed: Vec<(String, bool, u64, f64)>,
    pub rel: u64,
    pub weight: f64,
}

impl PairRecord {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u64(self.count).usize(self.typed.len());
        for (ty, forward, n, conf) in &self.typed {
            w.str(ty).u64(u64::from(*forward)).u64(*n).f64(*conf);
        }
        w.u64(self.rel).f64(self.weight);
        w.finish()
    }

    pub fn decode(bytes: &[u8]) -> GraphRagResult<PairRecord> {
        let mut r = Reader::new(bytes, "entity pair record");
        let count = r.u64()?;
        let n = r.len()?;
        let mut typed = Vec::with_capacity(n);
        for _ in 0..n {
            typed.push((r.string()?, r.u64()? == 1, r.u64()?, r.f64()?));
        }
        let rec = PairRecord { count, typed, rel: r.u64()?, weight: r.f64()? };
        r.end()?;
        Ok(rec)
    }

    /// The strongest typed relation (most stated, then name), or CO_OCCURS.
    pub fn dominant(&self) -> (String, bool) {
        self.typed
            .iter()
            .max_by(|a, b| a.2.cmp(&b.2).then_with(|| b.0.cmp(&a.0)))
            .map(|(ty, forward, _, _)| (ty.clone(), *forward))
            .unwrap_or_else(|| ("CO_OCCURS".to_string(), true))
    }
}

/// A detected community.
#[derive(Debug, Clone, PartialEq)]
pub struct CommunityRecord {
    pub level: u32,
    pub ordinal: u32,
    pub node: u64,
    /// Member entity keys, most central first.
    pub members: Vec<String>,
    pub summary: String,
}

impl CommunityRecord {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u64(u64::from(self.level)).u64(u64::from(self.ordinal)).u64(self.node).usize(self.members.len());
        for m in &self.members {
            w.str(m);
        }
        w.str(&self.summary);
        w.finish()
    }

    pub fn decode(bytes: &[u8]) -> GraphRagResult<CommunityRecord> {
        let mut r = Reader::new(bytes, "community record");
        let level = r.u32()?;
        let ordinal = r.u32()?;
        let node = r.u64()?;
        let n = r.len()?;
        let mut members = Vec::with_capacity(n);
        for _ in 0..n {
            members.push(r.string()?);
        }
        let rec = CommunityRecord { level, ordinal, node, members, summary: r.string()? };
        r.end()?;
        Ok(rec)
    }

    pub fn id(&self) -> String {
        format!("{}-{}", self.level, self.ordinal)
    }
}

/// A posting's value: term frequency and the chunk's length in BM25 terms.
pub fn encode_posting(tf: u32, tokens: u64) -> Vec<u8> {
    let mut w = Writer::new();
    w.u64(u64::from(tf)).u64(tokens);
    w.finish()
}

pub fn decode_posting(bytes: &[u8]) -> GraphRagResult<(u32, u64)> {
    let mut r = Reader::new(bytes, "posting");
    let out = (r.u32()?, r.u64()?);
    r.end()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_refuse_garbage() {
        let mut kg = KgRecord::new(
            7,
            KgConfig { embedder: EmbedderSpec::Hashing { dim: 64 }, ..KgConfig::default() },
            "hashing".into(),
            64,
            "fp".into(),
        );
        kg.chunks = 12;
        kg.generation = 9;
        assert_eq!(KgRecord::decode(&kg.encode()).unwrap(), kg);
        let doc = DocRecord {
            meta: vec![("a".into(), "b".into())],
            node: 3,
            chunks: vec![1, 2],
            relations: vec![("x".into(), "y".into(), "FOUNDED".into(), 0.9)],
        };
        assert_eq!(DocRecord::decode(&doc.encode()).unwrap(), doc);
        let chunk = ChunkRecord {
            doc_id: "d".into(),
            ordinal: 2,
            text: "t".into(),
            tokens: 5,
            node: 4,
            terms: vec![("t".into(), 1)],
            entities: vec![("e".into(), 2)],
        };
        assert_eq!(ChunkRecord::decode(&chunk.encode()).unwrap(), chunk);
        assert_eq!(chunk.chunk_id(), "d#2");
        let pair = PairRecord { count: 2, typed: vec![("FOUNDED".into(), false, 1, 0.8)], rel: 5, weight: 0.5 };
        assert_eq!(PairRecord::decode(&pair.encode()).unwrap(), pair);
        assert_eq!(pair.dominant(), ("FOUNDED".to_string(), false));
        let community =
            CommunityRecord { level: 1, ordinal: 3, node: 8, members: vec!["a".into()], summary: "s".into() };
        assert_eq!(CommunityRecord::decode(&community.encode()).unwrap(), community);
        assert_eq!(decode_posting(&encode_posting(3, 40)).unwrap(), (3, 40));
        let kg_bytes = kg.encode();
        assert!(KgRecord::decode(&kg_bytes[..kg_bytes.len() - 1]).is_err());
        let doc_bytes = doc.encode();
        assert!(DocRecord::decode(&doc_bytes[..doc_bytes.len() - 1]).is_err());
        let chunk_bytes = chunk.encode();
        assert!(ChunkRecord::decode(&chunk_bytes[..chunk_bytes.len() - 1]).is_err());
        let pair_bytes = pair.encode();
        assert!(PairRecord::decode(&pair_bytes[..pair_bytes.len() - 1]).is_err());
        assert!(EntityRecord::decode(&[0xff, 0xff]).is_err());
    }
}
