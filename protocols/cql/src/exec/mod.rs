//! The CQL executor over the wide-column model. Statements resolved against the catalog
//! are [`plan::Plan`]s, built from parts that do not depend on the parser's AST
//! ([`table_def`] for CREATE TABLE, [`write`] for INSERT/UPDATE/DELETE, [`select`] for
//! WHERE/ORDER BY, [`bind`] and [`literal`] for values) and run by [`run::Runner`]
//! (results and paging state in [`result`], server timestamps in [`clock`]);
//! [`translate`] turns the parser's statements into plans (function calls and type hints
//! in terms through [`term_call`], the SELECT clause through [`selectors`], Cassandra's
//! native functions in [`functions`], JSON in [`json`] and [`json_read`]) and
//! [`engine::Executor`] is the `CqlEngine` the wire talks to.

pub mod assign;
pub mod batch_size;
pub mod bind;
pub mod clock;
pub mod condition;
pub mod conditional_batch;
pub mod engine;
pub mod functions;
pub mod json;
pub mod json_read;
pub mod literal;
pub mod multi_column;
pub mod page;
pub mod plan;
pub mod result;
pub mod roles;
pub mod run;
pub mod select;
pub mod selection;
pub mod selectors;
pub mod system_view;
pub mod table_def;
pub mod term_call;
pub mod translate;
pub mod write;
pub mod write_keys;
