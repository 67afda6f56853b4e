//! The seeded synthetic world of the quality benchmark. Not built yet.
