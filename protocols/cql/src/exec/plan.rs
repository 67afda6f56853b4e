//! Statements resolved against the catalog: what the executor runs once names are bound
//! to definitions and literals and markers to typed values. Translating the parser's
//! AST into a [`Plan`] is the translator's job; running one is [`super::run`]'s.

use super::condition::WriteCondition;
use super::functions::Function;
use crate::model::{CqlValue, Mutation, Slice};
use crate::schema::{ColumnDef, IndexDef, KeyspaceDef, TableDef, UserTypeDef};
use crate::types::CqlType;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    Use(String),
    CreateKeyspace {
        def: KeyspaceDef,
        if_not_exists: bool,
    },
    AlterKeyspace(KeyspaceDef),
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
    /// A lightweight transaction: the mutation applies when the condition holds over
    /// the row (`clustering` empty: the partition's static row) read in the same
    /// transaction.
    Conditional {
        mutation: Mutation,
        clustering: Vec<CqlValue>,
        condition: WriteCondition,
    },
    Select(SelectPlan),
    /// CREATE/ALTER/DROP ROLE and LIST ROLES (run by the executor, which knows the
    /// configured users and the session's login).
    Role(super::roles::RolePlan),
    /// `BEGIN BATCH ... APPLY BATCH` in a query string.
    Batch {
        kind: crate::engine::BatchKind,
        plans: Vec<Plan>,
        timestamp: Option<i64>,
    },
    CreateType {
        def: UserTypeDef,
        if_not_exists: bool,
    },
    DropType {
        keyspace: String,
        name: String,
        if_exists: bool,
    },
    CreateIndex {
        keyspace: String,
        table: String,
        index: IndexDef,
        if_not_exists: bool,
    },
    DropIndex {
        keyspace: String,
        name: String,
        if_exists: bool,
    },
    AlterTable {
        keyspace: String,
        name: String,
        change: TableChange,
    },
}

/// What ALTER TABLE changes.
#[derive(Debug, Clone, PartialEq)]
pub enum TableChange {
    Add(Vec<ColumnDef>),
    Drop(Vec<String>),
    Options { options: std::collections::BTreeMap<String, String>, default_ttl: Option<u32> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct SelectPlan {
    pub table: Arc<TableDef>,
    /// Indexes into `table.columns`, in result order.
    pub columns: Vec<usize>,
    /// The partition of `WHERE pk = ...`; `None` scans the table in token order unless
    /// `in_partitions` names several (`pk IN (...)`).
    pub partition: Option<Vec<CqlValue>>,
    pub in_partitions: Vec<Vec<CqlValue>>,
    /// `token(pk) > ...` bounds of a scan.
    pub tokens: (std::ops::Bound<i64>, std::ops::Bound<i64>),
    /// ALLOW FILTERING's restrictions, checked on every row read.
    pub filters: Vec<super::select::Restriction>,
    /// SELECT DISTINCT: the first row of each partition only.
    pub distinct: bool,
    /// GROUP BY: how many primary key columns (partition key first) make a group.
    pub group_by: usize,
    /// PER PARTITION LIMIT.
    pub per_partition_limit: Option<u64>,
    /// SELECT JSON: each row as one `[json]` text column.
    pub json: bool,
    pub slice: Slice,
    pub limit: Option<u64>,
    /// What each result column computes; `Columns` returns `columns` as they are.
    pub selection: Selection,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    Columns,
    /// Selectors with their result names and types (aliases, functions, aggregates).
    Items(Vec<SelectItem>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SelectItem {
    /// The result column's name: the alias, or Cassandra's name for the selector
    /// (`count`, `system.max(v)`, `writetime(v)`).
    pub name: String,
    pub ty: CqlType,
    pub expr: SelectExpr,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SelectExpr {
    /// `table.columns[i]`.
    Column(usize),
    WriteTime(usize),
    Ttl(usize),
    /// `count(*)` / `count(1)`: rows.
    CountRows,
    /// `token(pk...)`: the partition's Murmur3 token.
    Token,
    /// `m[k]` / `s[e]`: one element of a map or set column (`table.columns[i]`).
    Element(usize, CqlValue),
    /// An aggregate over a selector, with the type it answers.
    Aggregate(AggregateFn, Box<SelectExpr>, CqlType),
    /// `u.f`: field `usize` of a user-type value.
    Field(Box<SelectExpr>, usize),
    /// A constant: a literal or bound marker among the selectors.
    Value(Option<CqlValue>),
    /// A native scalar function over selectors.
    Call(Function, Vec<SelectExpr>),
}

impl SelectExpr {
    /// True when the expression folds rows: an aggregate, or a call over one.
    pub fn is_aggregate(&self) -> bool {
        match self {
            SelectExpr::CountRows | SelectExpr::Aggregate(..) => true,
            SelectExpr::Call(_, args) => args.iter().any(SelectExpr::is_aggregate),
            SelectExpr::Field(inner, _) => inner.is_aggregate(),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateFn {
    Count,
    Min,
    Max,
    Sum,
    Avg,
}

impl SelectPlan {
    /// True when the result is one row folded over every selected row.
    pub fn is_aggregate(&self) -> bool {
        match &self.selection {
            Selection::Columns => false,
            Selection::Items(items) => items.iter().any(|i| i.expr.is_aggregate()),
        }
    }
}
