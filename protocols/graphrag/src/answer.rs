//! Extractive and LLM answers with citations. Not built yet.
