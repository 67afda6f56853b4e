//! Everything ArangoDB serves that Orbit does not do answers 501 with errorNum 9 and a
//! message naming it: Foxx, JavaScript (`/_admin/execute`, JS transactions are refused
//! in the transaction module), user-defined AQL functions, Pregel, replication and WAL
//! access, hot backup, views/ArangoSearch, analyzers, tasks, async jobs, batch requests,
//! statistics, cluster administration. Any other path is 404 "unknown path".

use super::params::Req;
use super::response::Reply;
use super::router::unknown_path;
use crate::error::AqlError;

/// What the path's family is, when Orbit knows it and does not do it.
pub fn feature(segments: &[String]) -> Option<&'static str> {
    let first = segments.first().map(String::as_str)?;
    let second = segments.get(1).map(String::as_str).unwrap_or("");
    let name = match (first, second) {
        ("_api", "foxx") | ("_admin", "foxx") => "Foxx services",
        ("_api", "engine") if segments.get(2).map(String::as_str) == Some("stats") => "storage engine statistics",
        ("_admin", "execute") => "server-side JavaScript (/_admin/execute)",
        ("_api", "aqlfunction") => "user-defined AQL functions (/_api/aqlfunction)",
        ("_api", "control_pregel") | ("_api", "pregel") => "Pregel (/_api/control_pregel)",
        ("_api", "replication") | ("_api", "wal") | ("_api", "dump") => "replication and WAL access",
        ("_admin", "backup") => "hot backup (/_admin/backup)",
        ("_api", "view") => "views and ArangoSearch (/_api/view)",
        ("_api", "analyzer") => "analyzers (/_api/analyzer)",
        ("_api", "tasks") => "server tasks (/_api/tasks)",
        ("_api", "job") => "async jobs (/_api/job)",
        ("_api", "batch") => "batch requests (/_api/batch)",
        ("_api", "simple") => "simple queries (/_api/simple)",
        ("_api", "cluster") | ("_admin", "cluster") => "cluster administration",
        ("_admin", "statistics") | ("_admin", "statistics-description") => "server statistics",
        ("_admin", "compact") => "compaction (/_admin/compact)",
        ("_admin", "support-info") => "support info (/_admin/support-info)",
        ("_admin", "license") => "licenses (/_admin/license)",
        ("_admin", "log") => "log access (/_admin/log)",
        ("_admin", "aardvark") => "the web interface (/_admin/aardvark)",
        ("_admin", "echo") => "request echo (/_admin/echo)",
        ("_admin", "wal") => "write-ahead log administration (/_admin/wal)",
        ("_admin", "test") => "server-side JavaScript tests (/_admin/test)",
        ("_api", "traversal") => "the JavaScript traversal API (/_api/traversal; use AQL traversals)",
        ("_admin", "shutdown") => "shutdown over HTTP (/_admin/shutdown)",
        ("_admin", "routing") => "routing reload (/_admin/routing)",
        ("_admin", "server") if segments.get(2).map(String::as_str) == Some("tls") => "TLS on the ArangoDB listener",
        ("_admin", "server") => "this server administration endpoint",
        ("_admin", "options") | ("_admin", "options-description") => "server startup options (/_admin/options)",
        ("_api", "collection") if segments.get(3).map(String::as_str) == Some("responsibleShard") => {
            "responsibleShard (Orbit does not shard collections)"
        }
        ("_api", "collection") if segments.get(3).map(String::as_str) == Some("compact") => {
            "collection compaction (/_api/collection/{name}/compact)"
        }
        ("_api", "collection") if segments.get(3).map(String::as_str) == Some("shards") => {
            "shards (Orbit does not shard collections)"
        }
        _ => return None,
    };
    Some(name)
}

/// The answer to a path no endpoint family took.
pub fn fallback(req: &Req) -> Result<Reply, AqlError> {
    match feature(&req.segments) {
        Some(name) => Err(AqlError::not_supported(name)),
        None => Err(unknown_path(req)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(p: &str) -> Vec<String> {
        p.split('/').filter(|s| !s.is_empty()).map(String::from).collect()
    }

    #[test]
    fn families_are_named() {
        assert_eq!(feature(&segs("/_api/view/x")), Some("views and ArangoSearch (/_api/view)"));
        assert!(feature(&segs("/_api/collection/c/responsibleShard")).is_some());
        assert_eq!(feature(&segs("/_api/collection/c/count")), None);
        assert_eq!(feature(&segs("/_api/nothing")), None);
    }
}
