//! Statements resolved against the catalog: what the executor runs once names are bound
//! to definitions and literals and markers to typed values. Translating the parser's
//! AST into a [`Plan`] is the translator's job; running one is [`super::run`]'s.

use crate::model::{CqlValue, Mutation, Slice};
use crate::schema::{KeyspaceDef, TableDef};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    Use(String),
    CreateKeyspace {
        def: KeyspaceDef,
        if_not_exists: bool,
    },
    DropKeyspace {
        name: String,
        if_exists: bool,
    },
    CreateTable {
        def: TableDef,
        if_not_exists: bool,
    },
    DropTable {
        keyspace: String,
        name: String,
        if_exists: bool,
    },
    Truncate {
        keyspace: String,
        name: String,
    },
    /// INSERT, UPDATE and DELETE: the mutations of one statement (their timestamps are
    /// filled in when the statement runs unless `USING TIMESTAMP` set one).
    Write {
        mutations: Vec<Mutation>,
        timestamp: Option<i64>,
    },
    Select(SelectPlan),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SelectPlan {
    pub table: Arc<TableDef>,
    /// Indexes into `table.columns`, in result order.
    pub columns: Vec<usize>,
    /// The partition of `WHERE pk = ...`; `None` scans the table in token order.
    pub partition: Option<Vec<CqlValue>>,
    pub slice: Slice,
    pub limit: Option<u64>,
}
