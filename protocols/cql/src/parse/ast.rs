//! The statements the parser produces. Names are as Cassandra stores them (unquoted
//! lower-cased, quoted exact); literals keep their text where the target type decides
//! the value (integers become int, bigint, varint ... only against a column's type).

use crate::schema::{ClusteringOrder, IndexTarget};
use crate::types::CqlType;

/// `[keyspace.]name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualifiedName {
    pub keyspace: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    /// Digits with an optional leading minus.
    Integer(String),
    Float(String),
    Str(String),
    Blob(Vec<u8>),
    Uuid([u8; 16]),
    /// `NaN`, `Infinity`, `-Infinity`.
    NaN,
    Infinity {
        negative: bool,
    },
    /// A duration literal (`1h30m`, `P1D`).
    Duration(String),
}

/// A value in a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    Literal(Literal),
    /// The index of the bind marker in order of appearance (named or not).
    Marker(usize),
    List(Vec<Term>),
    Set(Vec<Term>),
    Map(Vec<(Term, Term)>),
    Tuple(Vec<Term>),
    Udt(Vec<(String, Term)>),
    Function {
        name: String,
        args: Vec<Term>,
    },
    /// `(type) term`.
    TypeHint(CqlType, Box<Term>),
    /// `a + b`, `a - b` (counters, collections, arithmetic on literals).
    Binary {
        op: BinaryOp,
        left: Box<Term>,
        right: Box<Term>,
    },
    /// A bare column name where a term may name one (the left of `c = c + 1`).
    Column(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Subtract,
}

/// A bind marker as written: positional (`?`) or named (`:name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkerName {
    Positional,
    Named(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Eq,
    Lt,
    Lte,
    Gt,
    Gte,
    Neq,
    In,
    Contains,
    ContainsKey,
    Like,
    IsNotNull,
}

/// The left side of a WHERE or IF relation.
#[derive(Debug, Clone, PartialEq)]
pub enum RelationTarget {
    Column(String),
    /// `(a, b) > (1, 2)`.
    Tuple(Vec<String>),
    /// `token(a, b) > ...`.
    Token(Vec<String>),
    /// `m['k'] = v` / `l[0] = v` in conditions.
    Element(String, Term),
    /// `udt.field = v` in conditions.
    Field(String, String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    pub target: RelationTarget,
    pub op: Operator,
    /// For IN: `Term::Tuple` of the items, or a marker for `IN ?`; for IS NOT NULL: null.
    pub value: Term,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Using {
    pub ttl: Option<Term>,
    pub timestamp: Option<Term>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Condition {
    #[default]
    None,
    IfExists,
    IfNotExists,
    If(Vec<Relation>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Insert {
    pub table: QualifiedName,
    pub columns: Vec<String>,
    pub values: Vec<Term>,
    /// `INSERT ... JSON term`: the document, and DEFAULT UNSET (true) or NULL.
    pub json: Option<(Term, bool)>,
    pub if_not_exists: bool,
    pub using: Using,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AssignTarget {
    Column(String),
    Element(String, Term),
    Field(String, String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum AssignValue {
    /// `c = term`
    Set(Term),
    /// `c = c + term`
    Append(Term),
    /// `c = term + c`
    Prepend(Term),
    /// `c = c - term`
    Remove(Term),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub target: AssignTarget,
    pub value: AssignValue,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub table: QualifiedName,
    pub using: Using,
    pub assignments: Vec<Assignment>,
    pub where_clause: Vec<Relation>,
    pub condition: Condition,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Delete {
    /// Empty: the whole row (or rows).
    pub targets: Vec<AssignTarget>,
    pub table: QualifiedName,
    pub timestamp: Option<Term>,
    pub where_clause: Vec<Relation>,
    pub condition: Condition,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Selector {
    Column(String),
    /// `count(*)` is `Function { name: "count", args: [Star] }`.
    Function {
        name: String,
        args: Vec<Selector>,
    },
    Star,
    Cast(Box<Selector>, CqlType),
    Field(Box<Selector>, String),
    Element(Box<Selector>, Term),
    Slice(Box<Selector>, Option<Term>, Option<Term>),
    Term(Term),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SelectItem {
    pub selector: Selector,
    pub alias: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    pub json: bool,
    pub distinct: bool,
    /// Empty: `*`.
    pub items: Vec<SelectItem>,
    pub table: QualifiedName,
    pub where_clause: Vec<Relation>,
    pub group_by: Vec<String>,
    pub order_by: Vec<(String, ClusteringOrder)>,
    pub per_partition_limit: Option<Term>,
    pub limit: Option<Term>,
    pub allow_filtering: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchType {
    Logged,
    Unlogged,
    Counter,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub kind: BatchType,
    pub timestamp: Option<Term>,
    pub statements: Vec<Statement>,
}

/// `WITH name = value` of keyspaces and tables.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    /// A constant, as written (strings unquoted).
    Constant(Literal),
    /// `{'k': 'v', ...}` with keys and values as text.
    Map(Vec<(String, String)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDecl {
    pub name: String,
    pub ty: CqlType,
    pub is_static: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CreateTable {
    pub name: QualifiedName,
    pub if_not_exists: bool,
    pub columns: Vec<ColumnDecl>,
    pub partition_key: Vec<String>,
    pub clustering: Vec<String>,
    pub clustering_order: Vec<(String, ClusteringOrder)>,
    pub compact_storage: bool,
    pub options: Vec<(String, OptionValue)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AlterTable {
    Add(Vec<ColumnDecl>),
    Drop(Vec<String>),
    Rename(Vec<(String, String)>),
    With(Vec<(String, OptionValue)>),
    AlterType(String, CqlType),
}

#[derive(Debug, Clone, PartialEq)]
pub enum AlterType {
    Add(String, CqlType),
    Rename(Vec<(String, String)>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Describe {
    Cluster,
    Keyspaces,
    Keyspace(Option<String>),
    Tables,
    Table(QualifiedName),
    Types,
    Type(QualifiedName),
    Index(QualifiedName),
    Functions,
    Aggregates,
    Schema {
        full: bool,
    },
    /// `DESCRIBE name`: a keyspace, or a table/type/index in the current keyspace.
    Name(QualifiedName),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoleOptions {
    pub password: Option<String>,
    pub login: Option<bool>,
    pub superuser: Option<bool>,
    /// An option Orbit does not run (OPTIONS, ACCESS TO DATACENTERS, HASHED PASSWORD).
    pub unsupported: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    Use(String),
    CreateKeyspace {
        name: String,
        if_not_exists: bool,
        options: Vec<(String, OptionValue)>,
    },
    AlterKeyspace {
        name: String,
        options: Vec<(String, OptionValue)>,
    },
    DropKeyspace {
        name: String,
        if_exists: bool,
    },
    CreateTable(CreateTable),
    AlterTable {
        name: QualifiedName,
        change: AlterTable,
    },
    DropTable {
        name: QualifiedName,
        if_exists: bool,
    },
    Truncate(QualifiedName),
    CreateType {
        name: QualifiedName,
        if_not_exists: bool,
        fields: Vec<(String, CqlType)>,
    },
    AlterType {
        name: QualifiedName,
        change: AlterType,
    },
    DropType {
        name: QualifiedName,
        if_exists: bool,
    },
    CreateIndex {
        name: Option<String>,
        table: QualifiedName,
        if_not_exists: bool,
        target: IndexTarget,
        column: String,
        custom_class: Option<String>,
    },
    DropIndex {
        name: QualifiedName,
        if_exists: bool,
    },
    Insert(Insert),
    Update(Update),
    Delete(Delete),
    Select(Select),
    Batch(Batch),
    Describe(Describe),
    CreateRole {
        name: String,
        if_not_exists: bool,
        options: RoleOptions,
    },
    AlterRole {
        name: String,
        options: RoleOptions,
    },
    DropRole {
        name: String,
        if_exists: bool,
    },
    /// `LIST ROLES` (`users`: the legacy `LIST USERS`).
    ListRoles {
        users: bool,
    },
    /// GRANT, REVOKE, LIST PERMISSIONS.
    Permission(String),
    /// A statement Orbit recognises but does not run (materialized views, functions,
    /// aggregates, triggers): the executor answers "not supported" naming it.
    Unsupported(String),
}

/// A parsed statement and its bind markers in order of appearance.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub statement: Statement,
    pub markers: Vec<MarkerName>,
}
