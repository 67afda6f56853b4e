//! MySQL SQL semantics on top of the shared engine, used only when the engine's dialect
//! is [`crate::Dialect::MySql`]: PostgreSQL sessions never reach this module.
//!
//! * [`rewrite`]: the pre-pass over parsed statements (`?` parameters, identifier case,
//!   result column names).
//! * [`types`]: MySQL column types (integer widths and ranges, UNSIGNED, ENUM/SET,
//!   TEXT/BLOB sizes, DATETIME, YEAR), their storage types and the declared type text
//!   kept in the table's options under `mysql.type.<column>`, and the strict-mode
//!   checks of a value written to a column.
//! * [`format`]: MySQL's text form of values (the listener's row values).
//! * [`alter`]: RENAME TABLE, CREATE TABLE LIKE, DROP TABLE/INDEX and ALTER TABLE MODIFY/CHANGE.
//! * [`ddl`]: CREATE TABLE columns, keys, table options and AUTO_INCREMENT counters.
//! * [`expr`]: expression typing (string/number conversions, `/`, DIV, `<=>`, XOR,
//!   case-insensitive string comparison, CAST targets, INTERVAL arithmetic).
//! * [`calls`] (typing), [`functions`], [`datetime`], [`json`]: the MySQL function library.
//! * [`modify`]: multi-table UPDATE and DELETE (several targets, outer joins).
//! * [`foreign_keys`]: FOREIGN KEY constraints (RESTRICT), their checks and errors.
//! * [`insert`]: AUTO_INCREMENT values, LAST_INSERT_ID and the duplicate-key message.
//! * [`enums`]: ENUM columns sorted and computed by their members' positions.
//! * [`time_zone`]: the session's time zone offset and TIMESTAMP columns,
//! * [`errors`]: MySQL's error texts and SQLSTATEs for the engine's errors.

pub mod alter;
pub mod calls;
pub mod datetime;
pub mod ddl;
pub mod enums;
pub mod errors;
pub mod expr;
pub mod format;
pub mod functions;
pub mod having;
pub mod insert;
pub mod item_names;
pub mod json;
pub mod foreign_keys;
pub mod modify;
pub mod rewrite;
pub mod strings;
pub mod time_zone;
pub mod types;
