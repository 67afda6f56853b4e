//! Graph algorithms over a compact weighted graph ([`WeightedGraph`]): hierarchical Leiden
//! communities ([`leiden`]), personalised PageRank ([`ppr`]), the strongest bounded paths
//! between two nodes ([`paths`]) and extractive community summaries ([`summary`]).
//!
//! Nodes are dense `u32` ids `0..n`; the engine maps entity keys to them. Everything here is
//! deterministic: the same graph (and seed) gives the same result, ties broken by node id.

pub mod graph;
pub mod leiden;
pub mod paths;
pub mod ppr;
mod rng;
pub mod summary;

pub use graph::WeightedGraph;
