//! OpenAI-compatible chat completions (answers and the LLM extractor). Not built yet.
