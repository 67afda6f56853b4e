//! Store-backed flows: databases, collections, documents, indexes, import, edges,
//! cursors, stream transactions and gharial, each against ArangoDB's recorded answer.
