//! The HNSW graph (Malkov & Yashunin 2016): not built yet.
