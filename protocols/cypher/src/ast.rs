//! The typed syntax tree of a Cypher statement: what the parser produces and semantic
//! analysis, the planner and the executor consume. It follows the openCypher grammar
//! (with the Neo4j 5 additions the drivers and the TCK use: label expressions, EXISTS and
//! COUNT subqueries, CALL { } subqueries, schema and user commands, SHOW ...).
//!
//! Names are kept as written (Cypher identifiers are case sensitive; function and
//! procedure names are matched case-insensitively by the engine). Comparison chains
//! (`a < b <= c`) are desugared by the parser into `AND`s of binary comparisons.

use std::fmt;

/// A position in the query text: 1-based line and column and 0-based byte offset, as
/// Neo4j reports them in syntax errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub offset: usize,
    pub line: usize,
    pub column: usize,
}

/// One statement, as sent in one Bolt RUN.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    Query(Query),
    /// `EXPLAIN <statement>`: planned, not run.
    Explain(Box<Statement>),
    /// `PROFILE <statement>`: run with a profile.
    Profile(Box<Statement>),
    Schema(SchemaCommand),
    Show(ShowCommand),
    User(UserCommand),
}

/// `single (UNION [ALL] single)*`.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub first: SingleQuery,
    /// Each following part with whether its UNION is `UNION ALL`.
    pub unions: Vec<(bool, SingleQuery)>,
}

/// A sequence of clauses (reading, updating, WITH ... and a final RETURN or none).
#[derive(Debug, Clone, PartialEq)]
pub struct SingleQuery {
    pub clauses: Vec<Clause>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    Match(Match),
    Unwind {
        expr: Expr,
        variable: String,
    },
    With(With),
    Return(Projection),
    Create(Pattern),
    Merge(Merge),
    Set(Vec<SetItem>),
    Remove(Vec<RemoveItem>),
    Delete {
        detach: bool,
        exprs: Vec<Expr>,
    },
    Foreach {
        variable: String,
        list: Expr,
        clauses: Vec<Clause>,
    },
    /// `CALL name(args) YIELD ...`; `args: None` is the argument-less form that takes the
    /// arguments from parameters of the same names.
    CallProcedure(ProcedureCall),
    /// `CALL { query } [IN TRANSACTIONS]`, with the variables imported by a leading WITH
    /// inside the query (or the `CALL (a, b) { }` scope form).
    CallSubquery {
        query: Box<Query>,
        scope: Option<Vec<String>>,
        in_transactions: Option<InTransactions>,
    },
    /// `LOAD CSV`, `USE`, ... : parsed so the error names the clause, never run.
    Unsupported {
        clause: String,
        position: Position,
    },
}

impl Clause {
    /// CREATE, MERGE, SET, REMOVE, DELETE and FOREACH: the clauses that change the graph
    /// themselves (a CALL may too, through what it calls).
    pub fn is_updating(&self) -> bool {
        matches!(
            self,
            Clause::Create(_)
                | Clause::Merge(_)
                | Clause::Set(_)
                | Clause::Remove(_)
                | Clause::Delete { .. }
                | Clause::Foreach { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub optional: bool,
    pub pattern: Pattern,
    pub where_: Option<Expr>,
    /// `USING INDEX n:L(p)` / `USING SCAN` / `USING JOIN ON` hints, accepted and ignored.
    pub hints: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct With {
    pub projection: Projection,
    pub where_: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InTransactions {
    pub rows: Option<Expr>,
}

/// The body shared by WITH and RETURN.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    pub distinct: bool,
    /// `*`: every variable in scope, then `items`.
    pub star: bool,
    pub items: Vec<ProjectionItem>,
    pub order_by: Vec<SortItem>,
    pub skip: Option<Expr>,
    pub limit: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProjectionItem {
    pub expr: Expr,
    /// `AS alias`; without one, the column is named by `text`.
    pub alias: Option<String>,
    /// The expression as written (trimmed), which names an unaliased column.
    pub text: String,
}

impl ProjectionItem {
    pub fn name(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.text)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SortItem {
    pub expr: Expr,
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Merge {
    pub part: PatternPart,
    pub on_create: Vec<SetItem>,
    pub on_match: Vec<SetItem>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SetItem {
    /// `target.prop = value` (`target` any expression evaluating to a node, relationship or map).
    Property { target: Expr, key: String, value: Expr },
    /// `n = map` (replace all properties).
    Replace { variable: String, value: Expr },
    /// `n += map`.
    Merge { variable: String, value: Expr },
    /// `n:A:B`.
    Labels { variable: String, labels: Vec<String> },
}

#[derive(Debug, Clone, PartialEq)]
pub enum RemoveItem {
    Property { target: Expr, key: String },
    Labels { variable: String, labels: Vec<String> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProcedureCall {
    /// Dotted name as written, e.g. `db.labels`.
    pub name: String,
    pub args: Option<Vec<Expr>>,
    /// `YIELD *` is `Some(vec![])` with `yield_star`.
    pub yields: Option<Vec<YieldItem>>,
    pub yield_star: bool,
    pub where_: Option<Expr>,
    pub position: Position,
}

#[derive(Debug, Clone, PartialEq)]
pub struct YieldItem {
    pub field: String,
    pub alias: Option<String>,
}

/// Comma-separated pattern parts.
pub type Pattern = Vec<PatternPart>;

#[derive(Debug, Clone, PartialEq)]
pub struct PatternPart {
    /// `p = ...`
    pub variable: Option<String>,
    pub kind: PathKind,
    pub element: PatternElement,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    Plain,
    ShortestPath,
    AllShortestPaths,
}

/// A node followed by zero or more (relationship, node) steps.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternElement {
    pub start: NodePattern,
    pub chain: Vec<(RelPattern, NodePattern)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodePattern {
    pub variable: Option<String>,
    /// `:A:B` and `:A&B` are `And`; `:A|B` is `Or`; None when no label is given.
    pub labels: Option<LabelExpr>,
    /// A map literal or a parameter.
    pub properties: Option<Expr>,
    /// Neo4j 5 inline `WHERE` inside the node pattern.
    pub where_: Option<Expr>,
    pub position: Position,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LabelExpr {
    Name(String),
    And(Vec<LabelExpr>),
    Or(Vec<LabelExpr>),
    Not(Box<LabelExpr>),
    /// `%`: any label.
    Wildcard,
}

impl LabelExpr {
    /// The labels of a plain conjunction `:A:B` (what CREATE and MERGE accept), or None.
    pub fn conjunction(&self) -> Option<Vec<String>> {
        match self {
            LabelExpr::Name(n) => Some(vec![n.clone()]),
            LabelExpr::And(parts) => {
                let mut out = Vec::new();
                for p in parts {
                    out.extend(p.conjunction()?);
                }
                Some(out)
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelDirection {
    /// `-[]->`
    Outgoing,
    /// `<-[]-`
    Incoming,
    /// `-[]-` (and `<-[]->`, which openCypher treats as either direction)
    Either,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RelPattern {
    pub variable: Option<String>,
    pub direction: RelDirection,
    /// `:A|B` alternatives (`:A|:B` too); empty means any type.
    pub types: Vec<String>,
    /// `*`, `*2`, `*1..3`, `*..3`, `*2..`: Some((min, max)); None for a single hop.
    pub length: Option<(Option<u64>, Option<u64>)>,
    pub properties: Option<Expr>,
    pub where_: Option<Expr>,
    pub position: Position,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    Xor,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    In,
    StartsWith,
    EndsWith,
    Contains,
    /// `=~`
    Regex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
    Plus,
    IsNull,
    IsNotNull,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    All,
    Any,
    None,
    Single,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Integer(i64),
    Float(f64),
    String(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum MapProjectionItem {
    /// `key: expr`
    Literal(String, Expr),
    /// `.prop`
    Property(String),
    /// `variable` (the value of another variable under its own name)
    Variable(String),
    /// `.*`
    AllProperties,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Literal(Literal),
    /// `$name` or `$0`.
    Parameter(String),
    Variable(String),
    Property(Box<Expr>, String),
    /// `list[i]`, `map[key]`, `node[key]`.
    Index(Box<Expr>, Box<Expr>),
    /// `list[from..to]`.
    Slice(Box<Expr>, Option<Box<Expr>>, Option<Box<Expr>>),
    List(Vec<Expr>),
    Map(Vec<(String, Expr)>),
    MapProjection {
        base: Box<Expr>,
        items: Vec<MapProjectionItem>,
    },
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `n:A:B` (also `n:A|B` in Neo4j 5) as a predicate.
    HasLabels(Box<Expr>, LabelExpr),
    /// `name(args)`, `ns.name(DISTINCT args)`.
    Function {
        name: String,
        distinct: bool,
        args: Vec<Expr>,
    },
    /// `count(*)`.
    CountStar,
    Case {
        operand: Option<Box<Expr>>,
        whens: Vec<(Expr, Expr)>,
        otherwise: Option<Box<Expr>>,
    },
    /// `[x IN list WHERE pred | map]`.
    ListComprehension {
        variable: String,
        list: Box<Expr>,
        predicate: Option<Box<Expr>>,
        map: Option<Box<Expr>>,
    },
    /// `[p = (a)-->(b) WHERE pred | map]`.
    PatternComprehension {
        variable: Option<String>,
        pattern: Box<PatternElement>,
        predicate: Option<Box<Expr>>,
        map: Box<Expr>,
    },
    /// `all(x IN list WHERE pred)` etc.
    Quantified {
        quantifier: Quantifier,
        variable: String,
        list: Box<Expr>,
        predicate: Option<Box<Expr>>,
    },
    /// `reduce(acc = init, x IN list | expr)`.
    Reduce {
        accumulator: String,
        init: Box<Expr>,
        variable: String,
        list: Box<Expr>,
        expr: Box<Expr>,
    },
    /// A pattern used as a predicate: `WHERE (a)-->(b)`.
    PatternPredicate(Box<PatternElement>),
    /// `EXISTS { MATCH ... }` / `EXISTS { (a)-->() WHERE ... }`.
    Exists(Box<Query>),
    /// `COUNT { ... }`.
    CountSubquery(Box<Query>),
    /// `COLLECT { ... RETURN x }`.
    CollectSubquery(Box<Query>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum SchemaCommand {
    /// `CREATE [RANGE|TEXT|POINT|LOOKUP] INDEX [name] [IF NOT EXISTS] FOR (n:L) ON (n.p, ...)`
    /// and the legacy `CREATE INDEX ON :L(p)`.
    CreateIndex {
        name: Option<String>,
        if_not_exists: bool,
        kind: IndexKind,
        entity: SchemaEntity,
        properties: Vec<String>,
    },
    /// `CREATE CONSTRAINT [name] [IF NOT EXISTS] FOR (n:L) REQUIRE n.p IS UNIQUE` (and
    /// `IS NOT NULL`, `IS NODE KEY`, and the legacy `ON (n:L) ASSERT ...`).
    CreateConstraint {
        name: Option<String>,
        if_not_exists: bool,
        kind: ConstraintKind,
        entity: SchemaEntity,
        properties: Vec<String>,
    },
    /// `CREATE VECTOR INDEX [name] [IF NOT EXISTS] FOR (n:L) ON (n.p) [OPTIONS {...}]`
    /// (Neo4j 5): `options` as written, evaluated when the command runs.
    CreateVectorIndex {
        name: Option<String>,
        if_not_exists: bool,
        entity: SchemaEntity,
        property: String,
        options: Option<Expr>,
    },
    DropIndex {
        name: String,
        if_exists: bool,
    },
    DropConstraint {
        name: String,
        if_exists: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexKind {
    Range,
    Text,
    Point,
    Lookup,
    Fulltext,
    Vector,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintKind {
    Unique,
    NotNull,
    NodeKey,
    PropertyType,
}

/// What a schema command applies to: `(n:Label)` or `()-[r:TYPE]-()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaEntity {
    Node { label: String },
    Relationship { ty: String },
}

#[derive(Debug, Clone, PartialEq)]
pub enum ShowCommand {
    Indexes,
    /// `SHOW VECTOR INDEXES`, `SHOW RANGE INDEXES`, ...: the type, upper case.
    IndexesOfType(String),
    Constraints,
    Procedures,
    Functions,
    Databases,
    Users,
    CurrentUser,
    /// `SHOW TRANSACTIONS` and the like: answered "not supported".
    Other(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum UserCommand {
    Create {
        name: String,
        password: Expr,
        if_not_exists: bool,
        or_replace: bool,
        change_required: Option<bool>,
    },
    Alter {
        name: String,
        password: Option<Expr>,
        if_exists: bool,
        change_required: Option<bool>,
    },
    Drop {
        name: String,
        if_exists: bool,
    },
    /// `ALTER CURRENT USER SET PASSWORD FROM old TO new`.
    ChangeOwnPassword {
        old: Expr,
        new: Expr,
    },
}

impl fmt::Display for BinaryOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BinaryOp::Or => "OR",
            BinaryOp::Xor => "XOR",
            BinaryOp::And => "AND",
            BinaryOp::Eq => "=",
            BinaryOp::Ne => "<>",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
            BinaryOp::Pow => "^",
            BinaryOp::In => "IN",
            BinaryOp::StartsWith => "STARTS WITH",
            BinaryOp::EndsWith => "ENDS WITH",
            BinaryOp::Contains => "CONTAINS",
            BinaryOp::Regex => "=~",
        })
    }
}
