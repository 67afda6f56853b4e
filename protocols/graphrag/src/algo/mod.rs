//! Graph algorithms over a compact weighted graph: hierarchical Leiden, personalised
//! PageRank, bounded path search. Not built yet.
