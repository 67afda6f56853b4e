//! The AQL syntax tree: what [`crate::syntax::parse`] produces and [`crate::exec`] runs.
//!
//! A query (and every subquery) is a sequence of operations read top to bottom, as AQL
//! itself is: `FOR`, `FILTER`, `LET`, `COLLECT`, `SORT`, `LIMIT`, `WINDOW`, the data
//! modifications, and a final `RETURN` (a modification query may end without one).
//! Identifiers are resolved by the executor: a name bound by FOR/LET/COLLECT/INTO is a
//! variable, any other bare name in a FOR source or a modification's `IN`/`INTO` is a
//! collection (`@@name` binds one).

use crate::value::Value;

/// A byte offset into the query text with its 1-based line and column, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// `WITH a, b` at the start (collections a traversal may read).
    pub with_collections: Vec<String>,
    pub ops: Vec<Op>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    For(ForOp),
    Filter(Expr),
    Let {
        name: String,
        expr: Expr,
    },
    Collect(CollectOp),
    Sort(Vec<SortKey>),
    /// `LIMIT count` (offset None) or `LIMIT offset, count`; a null count is no limit.
    Limit {
        offset: Option<Expr>,
        count: Expr,
    },
    Window(WindowOp),
    Return {
        distinct: bool,
        expr: Expr,
    },
    Insert(Modify),
    Update(Modify),
    Replace(Modify),
    Remove(Modify),
    Upsert(UpsertOp),
}

/// The collection a modification or a collection FOR names.
#[derive(Debug, Clone, PartialEq)]
pub enum CollectionRef {
    Name(String),
    /// `@@name`
    Bind(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForOp {
    pub pos: Pos,
    /// The variables the loop binds: one for an array/collection/K_PATHS loop, up to
    /// three (vertex, edge, path) for a traversal, up to two for SHORTEST_PATH.
    pub vars: Vec<String>,
    pub source: ForSource,
    /// `OPTIONS {...}` of a collection or array loop (indexHint, ...), evaluated once.
    pub options: Option<Expr>,
    /// `SEARCH` is ArangoSearch: kept so the executor can refuse it as not supported.
    pub search: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ForSource {
    /// `FOR x IN expr`: an array, a collection name (Expr::Var that is not a variable),
    /// `@@coll` (Expr::BindCollection), a subquery or anything else evaluating to an array.
    Expr(Expr),
    Traversal(Traversal),
    /// SHORTEST_PATH, K_SHORTEST_PATHS, K_PATHS, ALL_SHORTEST_PATHS.
    Path(PathSearch),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeDirection {
    Outbound,
    Inbound,
    Any,
}

/// Where a graph walk finds its edges.
#[derive(Debug, Clone, PartialEq)]
pub enum GraphRef {
    /// `GRAPH 'name'` / `GRAPH @g` (an expression evaluating to a string).
    Named(Expr),
    /// `edgeColl1, INBOUND edgeColl2, ...`: each with its own direction, when given.
    Collections(Vec<(Option<EdgeDirection>, CollectionRef)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Traversal {
    /// `min..max`, `min` (= min..min) or absent (1..1); expressions (usually literals or binds).
    pub min: Option<Expr>,
    pub max: Option<Expr>,
    pub direction: EdgeDirection,
    pub start: Expr,
    pub graph: GraphRef,
    /// `PRUNE [var =] cond`
    pub prune: Option<Prune>,
    pub options: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Prune {
    pub var: Option<String>,
    pub condition: Expr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    ShortestPath,
    KShortestPaths,
    KPaths,
    AllShortestPaths,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PathSearch {
    pub kind: PathKind,
    /// K_PATHS only: `min..max` depth.
    pub min: Option<Expr>,
    pub max: Option<Expr>,
    pub direction: EdgeDirection,
    pub start: Expr,
    pub target: Expr,
    pub graph: GraphRef,
    pub options: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    pub expr: Expr,
    pub ascending: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CollectOp {
    /// `COLLECT a = expr, b = expr`
    pub groups: Vec<(String, Expr)>,
    /// `AGGREGATE x = SUM(expr), ...`: each expression is a call of an aggregate
    /// function (possibly nested in an expression, e.g. `x = SUM(a) / COUNT(a)` is refused
    /// by ArangoDB; keep to one call).
    pub aggregates: Vec<(String, Expr)>,
    pub into: Option<CollectInto>,
    /// `KEEP a, b`
    pub keep: Vec<String>,
    /// `WITH COUNT INTO n`
    pub count_into: Option<String>,
    pub options: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CollectInto {
    pub var: String,
    /// `INTO g = expr`
    pub projection: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WindowOp {
    /// `WINDOW rangeValue WITH {...}`: the range expression; None for row-based windows.
    pub range_value: Option<Expr>,
    /// `{ preceding: ..., following: ... }`
    pub bounds: Expr,
    pub aggregates: Vec<(String, Expr)>,
}

/// INSERT / UPDATE / REPLACE / REMOVE.
#[derive(Debug, Clone, PartialEq)]
pub struct Modify {
    pub pos: Pos,
    /// INSERT: the document. UPDATE/REPLACE: the key/selector document (`UPDATE doc IN`)
    /// or the key expression of `UPDATE key WITH doc IN`. REMOVE: the key or document.
    pub target: Expr,
    /// UPDATE/REPLACE `... WITH expr`: the change; None for the single-expression form.
    pub with: Option<Expr>,
    pub collection: CollectionRef,
    pub options: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UpsertOp {
    pub pos: Pos,
    /// The search document (`UPSERT {name: "x"}`) — or, in 3.12's form,
    /// `UPSERT FILTER cond`: then `filter` holds the condition over `CURRENT`.
    pub search: Option<Expr>,
    pub filter: Option<Expr>,
    pub insert: Expr,
    pub update: Expr,
    /// `REPLACE` instead of `UPDATE`
    pub replace: bool,
    pub collection: CollectionRef,
    pub options: Option<Expr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Minus,
    Plus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Like,
    NotLike,
    RegexMatch,
    RegexNotMatch,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

/// `ALL`, `ANY`, `NONE`, `AT LEAST (n)` before a comparison: `[1,2] ALL > 0`.
#[derive(Debug, Clone, PartialEq)]
pub enum Quantifier {
    All,
    Any,
    None,
    AtLeast(Box<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ObjectKey {
    /// `name: v`, `"name": v`
    Static(String),
    /// `[expr]: v`
    Computed(Expr),
}

/// `expr[* FILTER ... LIMIT ... RETURN ...]` / `expr[**]`: the array expansion and
/// inline operators; `depth` is the number of stars (2 or more flatten).
#[derive(Debug, Clone, PartialEq)]
pub struct Expansion {
    pub base: Box<Expr>,
    pub depth: usize,
    pub filter: Option<Box<Expr>>,
    pub limit: Option<(Option<Box<Expr>>, Box<Expr>)>,
    pub ret: Option<Box<Expr>>,
    /// The path applied to every element after the expansion, e.g. `u.friends[*].name`
    /// is base `u.friends`, rest `CURRENT.name` — kept as an expression over `CURRENT`.
    pub rest: Option<Box<Expr>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Literal(Value),
    Array(Vec<Expr>),
    Object(Vec<(ObjectKey, Expr)>),
    /// A variable, `CURRENT`, `NEW`, `OLD` — or a collection name (FOR source,
    /// function arguments such as `LENGTH(users)`): resolved by the executor.
    Var(String),
    /// `@name`
    Bind(String),
    /// `@@name`
    BindCollection(String),
    /// `a.b`
    Attribute(Box<Expr>, String),
    /// `a[expr]` (array index or attribute name); `a[?]`-style question marks are not parsed.
    Index(Box<Expr>, Box<Expr>),
    Expansion(Expansion),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `lhs QUANTIFIER op rhs`: `op` is a comparison or IN/NOT IN.
    Quantified {
        quantifier: Quantifier,
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `cond ? a : b`; `then` None for `cond ?: b`.
    Ternary {
        cond: Box<Expr>,
        then: Option<Box<Expr>>,
        otherwise: Box<Expr>,
    },
    /// `a..b`
    Range(Box<Expr>, Box<Expr>),
    /// A function call; `name` upper-cased, with its namespace when any (`NS::F`).
    Call {
        name: String,
        args: Vec<Expr>,
        pos: Pos,
    },
    Subquery(Box<Query>),
}
