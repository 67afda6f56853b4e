//! Running one statement in a transaction: parse and check, then by kind — a query
//! planned into a pipeline (streamed when read-only, run to its end when it updates),
//! EXPLAIN and PROFILE, schema commands, SHOW commands and user administration.

use super::context::{Cx, Effects, Row};
use super::plan::{plan_query, query_updates};
use super::stream::{record, refresh, GraphStream, Source};
use super::transaction::GraphTransaction;
use super::update::finish_deletes;
use super::{schema, DatabaseKind};
use crate::ast::{Clause, Query, ShowCommand, Statement, UserCommand};
use crate::engine::{QueryKind, QueryStats, QueryStream, QuerySummary};
use crate::error::{CypherError, CypherResult, ErrorKind};
use crate::functions::FunctionContext;
use crate::syntax::lexer::Tok;
use crate::value::{Map, Value};
use std::collections::VecDeque;
use std::sync::atomic::AtomicU64;

fn context(tx: &GraphTransaction, params: Map, updating: bool) -> Cx {
    Cx {
        shared: tx.shared.clone(),
        txn: tx.txn.clone(),
        params,
        effects: parking_lot::Mutex::new(Effects::default()),
        updating,
        reads: AtomicU64::new(0),
        functions: FunctionContext {
            statement_time: crate::functions::temporal::realtime(),
            transaction_time: tx.started.clone(),
        },
        failed: tx.failed.clone(),
        touched: tx.touched.clone(),
        graph: tx.graph.clone(),
        database: tx.database,
    }
}

fn reads(q: &Query) -> bool {
    let reading = |c: &Clause| {
        matches!(
            c,
            Clause::Match(_) | Clause::Unwind { .. } | Clause::With(_) | Clause::Return(_) | Clause::CallProcedure(_)
        )
    };
    q.first.clauses.iter().any(reading) || q.unions.iter().any(|(_, s)| s.clauses.iter().any(reading))
}

fn operator(name: &str, identifiers: &[String], children: Vec<Value>) -> Value {
    Value::map([
        ("operatorType".to_string(), Value::String(name.to_string())),
        ("identifiers".to_string(), Value::List(identifiers.iter().cloned().map(Value::String).collect())),
        ("arguments".to_string(), Value::map([("planner".to_string(), Value::String("COST".into()))])),
        ("children".to_string(), Value::List(children)),
    ])
}

/// A plan description: the clauses as a chain of operators under ProduceResults.
fn describe(q: &Query, fields: &[String]) -> Value {
    let mut plan = operator("Argument", &[], Vec::new());
    for c in &q.first.clauses {
        let name = match c {
            Clause::Match(m) if m.optional => "OptionalExpand",
            Clause::Match(_) => "Expand(All)",
            Clause::Unwind { .. } => "Unwind",
            Clause::With(_) => "Projection",
            Clause::Return(p) if p.items.iter().any(|i| super::project::contains_aggregate(&i.expr)) => {
                "EagerAggregation"
            }
            Clause::Return(_) => "Projection",
            Clause::Create(_) => "Create",
            Clause::Merge(_) => "Merge",
            Clause::Set(_) => "SetProperty",
            Clause::Remove(_) => "RemoveLabels",
            Clause::Delete { .. } => "Delete",
            Clause::Foreach { .. } => "Foreach",
            Clause::CallProcedure(_) => "ProcedureCall",
            Clause::CallSubquery { .. } => "Apply",
            Clause::Unsupported { .. } => "Unsupported",
        };
        plan = operator(name, &[], vec![plan]);
    }
    operator("ProduceResults", fields, vec![plan])
}

fn rows_stream(cx: Cx, fields: Vec<String>, rows: Vec<Vec<Value>>, summary: QuerySummary) -> Box<dyn QueryStream> {
    Box::new(GraphStream { fields, source: Source::Rows(rows.into()), cx, summary, done: false })
}

async fn run_query(
    tx: &GraphTransaction,
    q: &Query,
    params: Map,
    explain: bool,
    profile: bool,
) -> CypherResult<Box<dyn QueryStream>> {
    let updating = query_updates(q);
    if let (true, Some(kg)) = (updating, &tx.knowledge_graph) {
        return Err(super::kg_database::read_only(kg));
    }
    if updating && tx.options.mode == crate::engine::AccessMode::Read {
        return Err(CypherError::new(
            ErrorKind::Forbidden,
            "Writing in read access mode not allowed. Attempted write to internal graph 0 (neo4j)",
        ));
    }
    let cx = context(tx, params, updating);
    let kind = match (updating, reads(q)) {
        (false, _) => QueryKind::Read,
        (true, true) => QueryKind::ReadWrite,
        (true, false) => QueryKind::Write,
    };
    let (op, fields) = plan_query(&cx, q, Row::new(), 0).await?;
    let plan = (explain || profile).then(|| describe(q, &fields));
    let summary = QuerySummary { kind, plan, profiled: profile, ..QuerySummary::default() };
    if explain {
        return Ok(rows_stream(cx, fields, Vec::new(), summary));
    }
    if !updating {
        return Ok(Box::new(GraphStream { fields, source: Source::Pipeline(op), cx, summary, done: false }));
    }
    let source = match run_eagerly(&cx, op, &fields).await {
        Ok(rows) => Source::Rows(rows),
        Err(e) => {
            // Some of the query's writes may be done: the transaction cannot commit, even
            // if the error (answered on the first next, or on RUN when it is a compile-time
            // one) is never pulled.
            cx.failed.store(true, std::sync::atomic::Ordering::Relaxed);
            if e.compile_time {
                return Err(e);
            }
            Source::Failed(Some(e))
        }
    };
    Ok(Box::new(GraphStream { fields, source, cx, summary, done: false }))
}

/// Runs an updating query to its end: its records (none without RETURN), with the
/// elements as the query left them.
async fn run_eagerly(cx: &Cx, mut op: super::ops::Op, fields: &[String]) -> CypherResult<VecDeque<Vec<Value>>> {
    let mut rows = VecDeque::new();
    while let Some(row) = op.next(cx).await? {
        if fields.is_empty() {
            continue;
        }
        let mut rec = record(fields, row);
        for v in rec.iter_mut() {
            *v = refresh(cx, std::mem::replace(v, Value::Null)).await?;
        }
        rows.push_back(rec);
    }
    finish_deletes(cx).await?;
    Ok(rows)
}

fn system_only() -> CypherError {
    CypherError::new(
        ErrorKind::NotSupported,
        "This is an administration command and it should be executed against the system database.",
    )
}

async fn password(cx: &Cx, e: &crate::ast::Expr) -> CypherResult<String> {
    match super::eval::eval(cx, e, &Row::new()).await? {
        Value::String(s) => Ok(s),
        other => {
            Err(CypherError::type_error(format!("Expected password to be a String but was {}", other.type_name())))
        }
    }
}

async fn user_command(tx: &GraphTransaction, cx: &Cx, cmd: &UserCommand) -> CypherResult<()> {
    let users = &tx.shared.users;
    match cmd {
        UserCommand::Create { name, password: p, if_not_exists, or_replace, change_required } => {
            if users.exists(name).await? && !or_replace {
                if *if_not_exists {
                    return Ok(());
                }
                return Err(CypherError::new(
                    ErrorKind::SchemaRuleExists,
                    format!("Failed to create the specified user '{name}': User already exists."),
                ));
            }
            users.put(name, &password(cx, p).await?, change_required.unwrap_or(true)).await
        }
        UserCommand::Alter { name, password: p, if_exists, change_required } => {
            if !users.exists(name).await? {
                if *if_exists {
                    return Ok(());
                }
                return Err(CypherError::argument(format!(
                    "Failed to alter the specified user '{name}': User does not exist."
                )));
            }
            match p {
                Some(p) => users.put(name, &password(cx, p).await?, change_required.unwrap_or(false)).await,
                None => users.set_change_required(name, change_required.unwrap_or(false)).await,
            }
        }
        UserCommand::Drop { name, if_exists } => {
            if users.drop(name).await? {
                return Ok(());
            }
            if users.is_configured(name) {
                return Err(CypherError::not_supported(format!(
                    "Failed to delete the specified user '{name}': it is defined in the configuration."
                )));
            }
            if *if_exists {
                return Ok(());
            }
            Err(CypherError::argument(format!("Failed to delete the specified user '{name}': User does not exist.")))
        }
        UserCommand::ChangeOwnPassword { old, new } => {
            let Some(user) = tx.options.user.clone() else {
                return Err(CypherError::new(ErrorKind::Unauthorized, "No user is logged in"));
            };
            if !users.verify(&user, &password(cx, old).await?).await {
                return Err(CypherError::new(
                    ErrorKind::Unauthorized,
                    format!("User '{user}' failed to alter their own password: Invalid principal or credentials."),
                ));
            }
            users.put(&user, &password(cx, new).await?, false).await
        }
    }
}

async fn show(tx: &GraphTransaction, cx: &Cx, cmd: &ShowCommand) -> CypherResult<(Vec<String>, Vec<Vec<Value>>)> {
    let s = |x: &str| Value::String(x.to_string());
    Ok(match cmd {
        ShowCommand::Indexes => schema::show_indexes(cx),
        ShowCommand::IndexesOfType(kind) => {
            let (columns, mut rows) = schema::show_indexes(cx);
            let at = columns.iter().position(|c| c == "type").unwrap_or(0);
            let kind = if kind == "BTREE" { "RANGE" } else { kind.as_str() };
            rows.retain(|r| r.get(at) == Some(&s(kind)));
            (columns, rows)
        }
        ShowCommand::Constraints => schema::show_constraints(cx),
        ShowCommand::Databases => {
            let columns = [
                "name",
                "type",
                "aliases",
                "access",
                "address",
                "role",
                "writer",
                "requestedStatus",
                "currentStatus",
                "statusMessage",
                "default",
                "home",
                "constituents",
            ];
            let row = |name: &str, kind: &str, default: bool| {
                let writable = !name.starts_with("graphrag.");
                vec![
                    s(name),
                    s(kind),
                    Value::List(vec![]),
                    s(if writable { "read-write" } else { "read-only" }),
                    s("localhost:7687"),
                    s("primary"),
                    Value::Bool(writable),
                    s("online"),
                    s("online"),
                    s(""),
                    Value::Bool(default),
                    Value::Bool(default),
                    Value::List(vec![]),
                ]
            };
            let mut rows = vec![row(&tx.shared.options.database, "standard", true), row("system", "system", false)];
            for kg in super::kg_database::names(&tx.shared).await {
                rows.push(row(&format!("graphrag.{kg}"), "standard", false));
            }
            (columns.iter().map(|c| c.to_string()).collect(), rows)
        }
        ShowCommand::Users => {
            if tx.database != DatabaseKind::System {
                return Err(system_only());
            }
            let columns = ["user", "roles", "passwordChangeRequired", "suspended", "home"];
            let rows = tx
                .shared
                .users
                .list()
                .await?
                .into_iter()
                .map(|u| {
                    vec![
                        s(&u.name),
                        Value::List(vec![s("PUBLIC")]),
                        Value::Bool(u.change_required),
                        Value::Null,
                        Value::Null,
                    ]
                })
                .collect();
            (columns.iter().map(|c| c.to_string()).collect(), rows)
        }
        ShowCommand::CurrentUser => (
            vec!["user".into(), "roles".into(), "passwordChangeRequired".into(), "suspended".into(), "home".into()],
            vec![vec![
                tx.options.user.clone().map_or(Value::Null, Value::String),
                Value::List(vec![s("PUBLIC")]),
                Value::Bool(false),
                Value::Null,
                Value::Null,
            ]],
        ),
        ShowCommand::Procedures => super::procedures::show_procedures(),
        ShowCommand::Functions => return Err(CypherError::not_supported("SHOW FUNCTIONS is not supported")),
        ShowCommand::Other(what) => {
            return Err(CypherError::not_supported(format!("SHOW {} is not supported", what.to_uppercase())))
        }
    })
}

/// Every parameter the query text names must be given (EXPLAIN needs none), checked
/// before the query starts, as Neo4j does.
fn check_parameters(query: &str, params: &Map) -> CypherResult<()> {
    let mut missing: Vec<String> = Vec::new();
    for t in crate::syntax::lexer::tokenize(query)? {
        if let Tok::Parameter(name) = t.tok {
            if !params.contains_key(&name) && !missing.contains(&name) {
                missing.push(name);
            }
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(CypherError::new(ErrorKind::ParameterMissing, format!("Expected parameter(s): {}", missing.join(", "))))
}

pub(crate) async fn run(tx: &GraphTransaction, query: &str, params: Map) -> CypherResult<Box<dyn QueryStream>> {
    let statement = crate::syntax::parse(query)?;
    crate::semantic::check(&statement)?;
    let (statement, explain, profile) = match statement {
        Statement::Explain(s) => (*s, true, false),
        Statement::Profile(s) => (*s, false, true),
        s => (s, false, false),
    };
    if !explain {
        check_parameters(query, &params)?;
    }
    match &statement {
        Statement::Query(q) => {
            if tx.database == DatabaseKind::System {
                return Err(CypherError::not_supported(
                    "Not a recognised system command or procedure. This Cypher command can only be executed in a user database",
                ));
            }
            run_query(tx, q, params, explain, profile).await
        }
        Statement::Explain(_) | Statement::Profile(_) => {
            Err(CypherError::syntax("EXPLAIN and PROFILE cannot be combined or repeated"))
        }
        Statement::Schema(_) if tx.knowledge_graph.is_some() => {
            Err(super::kg_database::read_only(tx.knowledge_graph.as_deref().unwrap_or_default()))
        }
        Statement::Schema(cmd) => {
            let cx = context(tx, params, true);
            let stats: QueryStats = if explain { QueryStats::default() } else { schema::run(&cx, cmd).await? };
            let summary = QuerySummary { kind: QueryKind::Schema, stats, ..QuerySummary::default() };
            Ok(rows_stream(cx, Vec::new(), Vec::new(), summary))
        }
        Statement::Show(cmd) => {
            let cx = context(tx, params, false);
            let (fields, rows) = show(tx, &cx, cmd).await?;
            Ok(rows_stream(cx, fields, rows, QuerySummary::default()))
        }
        Statement::User(cmd) => {
            if tx.database != DatabaseKind::System {
                return Err(system_only());
            }
            let cx = context(tx, params, false);
            user_command(tx, &cx, cmd).await?;
            let stats = QueryStats { system_updates: 1, ..QueryStats::default() };
            let summary = QuerySummary { kind: QueryKind::Write, stats, ..QuerySummary::default() };
            Ok(rows_stream(cx, Vec::new(), Vec::new(), summary))
        }
    }
}
