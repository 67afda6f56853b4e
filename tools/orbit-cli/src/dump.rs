//! The export file: every lease and cluster node of a directory, as JSON.
//!
//! ```json
//! {"format": "orbit-leases", "version": 1, "leases": [...], "nodes": [...]}
//! ```
//! Leases and nodes use the provider types' serde form, so an export from one backend
//! imports into any other unchanged.

use crate::progress::Progress;
use crate::{CliResult, Failure};
use orbit_leases::{AddressableLease, LeaseBackend, NodeInfo};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

const FORMAT: &str = "orbit-leases";
const VERSION: u32 = 1;
/// Records stored per batch on import.
const IMPORT_BATCH: usize = 1000;

#[derive(Serialize, Deserialize)]
pub struct Dump {
    pub format: String,
    pub version: u32,
    pub leases: Vec<AddressableLease>,
    pub nodes: Vec<NodeInfo>,
}

impl Dump {
    /// Every lease of `leases` and every node of `nodes` (often one backend); every record
    /// is decoded: a corrupt one is an error.
    pub async fn read(leases: &LeaseBackend, nodes: &LeaseBackend) -> CliResult<Dump> {
        let mut leases = leases.addressable.list_all_leases().await?;
        leases.sort_by(|a, b| a.reference.cmp(&b.reference));
        let mut nodes = nodes.cluster.list_all_nodes().await?;
        nodes.sort_by(|a, b| a.node_id.cmp(&b.node_id));
        Ok(Dump { format: FORMAT.into(), version: VERSION, leases, nodes })
    }

    /// Writes the dump to `path` (a temporary file renamed into place, so a failed
    /// export never leaves half a file under the requested name).
    pub fn write(&self, path: &Path, progress: &mut Progress) -> CliResult<()> {
        let io = |e: std::io::Error| Failure(format!("cannot write {}: {e}", path.display()));
        let tmp = path.with_extension("orbit-cli-tmp");
        let mut out = BufWriter::new(File::create(&tmp).map_err(io)?);
        // Written record by record so that the progress bar moves on big exports.
        write!(out, "{{\"format\":\"{FORMAT}\",\"version\":{VERSION},\"leases\":[").map_err(io)?;
        for (i, lease) in self.leases.iter().enumerate() {
            if i > 0 {
                out.write_all(b",").map_err(io)?;
            }
            serde_json::to_writer(&mut out, lease).map_err(|e| Failure(format!("cannot encode a lease: {e}")))?;
            progress.advance(1);
        }
        out.write_all(b"],\"nodes\":[").map_err(io)?;
        for (i, node) in self.nodes.iter().enumerate() {
            if i > 0 {
                out.write_all(b",").map_err(io)?;
            }
            serde_json::to_writer(&mut out, node).map_err(|e| Failure(format!("cannot encode a node: {e}")))?;
            progress.advance(1);
        }
        out.write_all(b"]}\n").map_err(io)?;
        let file = out.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// Reads an export file, checking its format marker.
    pub fn load(path: &Path) -> CliResult<Dump> {
        let file = File::open(path).map_err(|e| Failure(format!("cannot read {}: {e}", path.display())))?;
        let dump: Dump = serde_json::from_reader(BufReader::new(file))
            .map_err(|e| Failure(format!("{} is not an orbit-cli export: {e}", path.display())))?;
        if dump.format != FORMAT || dump.version != VERSION {
            return Err(Failure(format!(
                "{} has format {:?} version {}; this orbit-cli reads {FORMAT:?} version {VERSION}",
                path.display(),
                dump.format,
                dump.version
            )));
        }
        Ok(dump)
    }

    /// Stores every lease into `leases` (in batches) and every node into `nodes`.
    pub async fn store(&self, leases: &LeaseBackend, nodes: &LeaseBackend, progress: &mut Progress) -> CliResult<()> {
        for chunk in self.leases.chunks(IMPORT_BATCH) {
            leases.addressable.store_leases_bulk(chunk).await?;
            progress.advance(chunk.len());
        }
        for node in &self.nodes {
            nodes.cluster.store_node(node).await?;
            progress.advance(1);
        }
        Ok(())
    }
}
