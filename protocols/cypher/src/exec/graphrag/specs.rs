//! The signatures of the `graphrag.*` procedures: names, inputs with their defaults,
//! output columns with their types, and whether they write — what planning (YIELD
//! columns, argument counts), SHOW PROCEDURES and the access-mode check read.

use crate::error::{CypherError, CypherResult};

/// One procedure: its name under `graphrag.`, its inputs (the first `required` have no
/// default), its output columns with their types, whether it writes.
pub(crate) struct Spec {
    pub name: &'static str,
    pub inputs: &'static [(&'static str, &'static str)],
    pub required: usize,
    pub outputs: &'static [(&'static str, &'static str)],
    pub writes: bool,
    pub description: &'static str,
}

const STRING: &str = "STRING";
const INTEGER: &str = "INTEGER";
const FLOAT: &str = "FLOAT";
const MAP: &str = "MAP";

pub(crate) const SPECS: &[Spec] = &[
    Spec {
        name: "create",
        inputs: &[("kg", STRING), ("options", MAP)],
        required: 1,
        outputs: &[("name", STRING), ("embedder", STRING), ("chunkTokens", INTEGER), ("overlap", INTEGER)],
        writes: true,
        description: "Creates a knowledge graph; options {embedder, chunkTokens, overlap}.",
    },
    Spec {
        name: "drop",
        inputs: &[("kg", STRING)],
        required: 1,
        outputs: &[("name", STRING), ("dropped", "BOOLEAN")],
        writes: true,
        description: "Drops a knowledge graph and everything in it.",
    },
    Spec {
        name: "build",
        inputs: &[("kg", STRING), ("docId", STRING), ("text", STRING), ("meta", MAP)],
        required: 3,
        outputs: &[
            ("entitiesExtracted", INTEGER),
            ("relationshipsExtracted", INTEGER),
            ("graphNodesCreated", INTEGER),
            ("graphRelationshipsCreated", INTEGER),
            ("chunks", INTEGER),
            ("processingTimeMs", INTEGER),
        ],
        writes: true,
        description: "Ingests (or re-ingests) a document into a knowledge graph.",
    },
    Spec {
        name: "deleteDocument",
        inputs: &[("kg", STRING), ("docId", STRING)],
        required: 2,
        outputs: &[("docId", STRING), ("deleted", "BOOLEAN")],
        writes: true,
        description: "Removes a document and its contributions from a knowledge graph.",
    },
    Spec {
        name: "retrieve",
        inputs: &[("kg", STRING), ("question", STRING), ("options", MAP)],
        required: 2,
        outputs: &[("chunkId", STRING), ("docId", STRING), ("score", FLOAT), ("text", STRING), ("rank", INTEGER)],
        writes: false,
        description: "The best chunks for a question, best first; options {mode, k, maxHops}.",
    },
    Spec {
        name: "query",
        inputs: &[("kg", STRING), ("question", STRING), ("options", MAP)],
        required: 2,
        outputs: &[
            ("response", STRING),
            ("confidence", FLOAT),
            ("entities", "LIST<STRING>"),
            ("citations", "LIST<MAP>"),
            ("reasoningPaths", "LIST<MAP>"),
            ("mode", STRING),
            ("llmProvider", STRING),
            ("explanation", STRING),
        ],
        writes: false,
        description:
            "An answer with citations; options {mode, k, maxHops, contextSize, llmProvider, includeExplanation}.",
    },
    Spec {
        name: "extractEntities",
        inputs: &[("text", STRING), ("kg", STRING)],
        required: 1,
        outputs: &[("name", STRING), ("type", STRING), ("key", STRING), ("mentions", INTEGER)],
        writes: false,
        description: "The entities of a text (stores nothing).",
    },
    Spec {
        name: "extractRelations",
        inputs: &[("text", STRING), ("kg", STRING)],
        required: 1,
        outputs: &[("source", STRING), ("target", STRING), ("type", STRING), ("confidence", FLOAT)],
        writes: false,
        description: "The relationships between the entities of a text (stores nothing).",
    },
    Spec {
        name: "findPaths",
        inputs: &[("kg", STRING), ("from", STRING), ("to", STRING), ("maxHops", INTEGER)],
        required: 3,
        outputs: &[("entities", "LIST<STRING>"), ("relationships", "LIST<STRING>"), ("score", FLOAT)],
        writes: false,
        description: "Paths of RELATED edges between two entities, strongest first.",
    },
    Spec {
        name: "findSimilar",
        inputs: &[("kg", STRING), ("entity", STRING), ("limit", INTEGER), ("threshold", FLOAT)],
        required: 2,
        outputs: &[("key", STRING), ("name", STRING), ("type", STRING), ("similarity", FLOAT)],
        writes: false,
        description: "Entities similar to an entity, most similar first.",
    },
    Spec {
        name: "detectCommunities",
        inputs: &[("kg", STRING), ("level", INTEGER)],
        required: 1,
        outputs: &[
            ("id", STRING),
            ("level", INTEGER),
            ("size", INTEGER),
            ("entities", "LIST<STRING>"),
            ("summary", STRING),
        ],
        writes: false,
        description: "The communities of a knowledge graph, of one level or all.",
    },
    Spec {
        name: "getStats",
        inputs: &[("kg", STRING)],
        required: 1,
        outputs: &[
            ("name", STRING),
            ("documents", INTEGER),
            ("chunks", INTEGER),
            ("entities", INTEGER),
            ("relationships", INTEGER),
            ("communities", INTEGER),
            ("communityLevels", INTEGER),
            ("embedder", STRING),
            ("embeddingDim", INTEGER),
            ("chunkTokens", INTEGER),
            ("overlap", INTEGER),
            ("graphTable", STRING),
        ],
        writes: false,
        description: "Counts and settings of a knowledge graph.",
    },
    Spec {
        name: "listEntities",
        inputs: &[("kg", STRING), ("options", MAP)],
        required: 1,
        outputs: &[
            ("key", STRING),
            ("name", STRING),
            ("type", STRING),
            ("mentions", INTEGER),
            ("degree", INTEGER),
            ("nodeId", INTEGER),
        ],
        writes: false,
        description: "Entities by mentions; options {type, limit, offset}.",
    },
];

const PREFIXES: [&str; 2] = ["graphrag.", "orbit.graphrag."];

/// The procedure a (case-insensitive) name calls, if it is one of ours.
pub(crate) fn spec(name: &str) -> Option<&'static Spec> {
    let lower = name.to_ascii_lowercase();
    let short = PREFIXES.iter().find_map(|p| lower.strip_prefix(p))?;
    SPECS.iter().find(|s| s.name.eq_ignore_ascii_case(short))
}

impl Spec {
    pub(crate) fn columns(&self) -> Vec<String> {
        self.outputs.iter().map(|(n, _)| n.to_string()).collect()
    }

    /// Neo4j's signature form: `graphrag.retrieve(kg :: STRING, ...) :: (chunkId :: STRING, ...)`.
    pub(crate) fn signature(&self, prefix: &str) -> String {
        let inputs: Vec<String> = self
            .inputs
            .iter()
            .enumerate()
            .map(|(i, (n, t))| if i < self.required { format!("{n} :: {t}") } else { format!("{n} = null :: {t}") })
            .collect();
        let outputs: Vec<String> = self.outputs.iter().map(|(n, t)| format!("{n} :: {t}")).collect();
        format!("{prefix}{}({}) :: ({})", self.name, inputs.join(", "), outputs.join(", "))
    }

    /// The compile-time check of the number of arguments.
    pub(crate) fn check_count(&self, name: &str, given: usize) -> CypherResult<()> {
        if given >= self.required && given <= self.inputs.len() {
            return Ok(());
        }
        Err(CypherError::semantic(format!(
            "Procedure call does not provide the required number of arguments: got {given} expected at least {} (total: {}, {} of which have default values).\n\nProcedure {name} has signature: {}",
            self.required,
            self.inputs.len(),
            self.inputs.len() - self.required,
            self.signature("graphrag.")
        )))
    }
}
