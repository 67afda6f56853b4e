//! BM25 scoring (Lucene's defaults k1 1.2, b 0.75). Not built yet.
