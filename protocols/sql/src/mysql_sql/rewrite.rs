//! The MySQL statement pre-pass: runs once on the parsed statements of a MySQL-dialect
//! session so the shared binder sees MySQL's name and parameter rules in its own terms.
//!
//! * `?` placeholders become `$1..$n`, numbered by their position in the text (so
//!   `LIMIT ?, ?` numbers offset before count, as MySQL's prepared statements do).
//! * Identifiers: MySQL (lower_case_table_names=0) keeps database, table and table-alias
//!   names as written and compares column names, column aliases and function names
//!   case-insensitively. Every identifier is folded to lower case, then the names of
//!   relations, table aliases and the qualifiers of `t.col` get their text back from the
//!   statement source and a backtick quote style (the binder keeps quoted names as they are).
//!   Result column names of unaliased select items are the item's source text, as in MySQL.
//! * Before parsing, the operators sqlparser's MySQL dialect does not know: prefix `!`
//!   becomes NOT and infix `MOD` becomes `%` ([`operator_tokens`]).
//! * `GROUP_CONCAT([DISTINCT] a, b ORDER BY x SEPARATOR ';')` becomes
//!   `string_agg([DISTINCT] CAST(CONCAT(a, b) AS CHAR), ';' ORDER BY x)` (',' by default).
//! * `INSERT ... SET a = 1, b = 2` becomes `INSERT ... (a, b) VALUES (1, 2)`, and
//!   `VALUES(c)` inside ON DUPLICATE KEY UPDATE becomes `__values.c`, the proposed row
//!   (the binder names it `__values`, and the row alias of `AS new` too).

use sqlparser::ast::{self, Statement, VisitMut, VisitorMut};
use sqlparser::tokenizer::{Span, Token, TokenWithSpan, Tokenizer};
use std::ops::ControlFlow;

/// The statement's tokens with `!` as NOT and infix MOD as `%`, when it has either
/// (`None`: parse the text as it is).
pub fn operator_tokens(sql: &str) -> Option<Result<Vec<TokenWithSpan>, String>> {
    let b = sql.as_bytes();
    let has_bang = b.contains(&b'!');
    let has_mod = b.windows(3).any(|w| w.eq_ignore_ascii_case(b"mod"));
    let has_unit = b.contains(&b'_');
    let has_binary = b.windows(6).any(|w| w.eq_ignore_ascii_case(b"binary"));
    let has_update_list = b.contains(&b',') && b.windows(6).any(|w| w.eq_ignore_ascii_case(b"update"));
    if !has_bang && !has_mod && !has_unit && !has_binary && !has_update_list {
        return None;
    }
    let dialect = crate::Dialect::MySql.parser();
    let mut tokens = match Tokenizer::new(dialect, sql).tokenize_with_location() {
        Ok(t) => t,
        Err(e) => return Some(Err(e.to_string())),
    };
    let next_significant = |tokens: &[TokenWithSpan], i: usize| {
        tokens[i + 1..].iter().find(|t| !matches!(t.token, Token::Whitespace(_))).map(|t| t.token.clone())
    };
    for i in 0..tokens.len() {
        match &tokens[i].token {
            Token::ExclamationMark => tokens[i].token = Token::make_keyword("NOT"),
            Token::Word(w)
                if w.quote_style.is_none()
                    && w.value.eq_ignore_ascii_case("mod")
                    && !matches!(next_significant(&tokens, i), Some(Token::LParen) | None) =>
            {
                tokens[i].token = Token::Mod;
            }
            _ => {}
        }
    }
    if has_unit {
        tokens = composite_units(tokens);
    }
    if has_binary {
        tokens = binary_operator(tokens);
    }
    if has_update_list {
        tokens = update_table_list(tokens);
    }
    Some(Ok(tokens))
}

/// `UPDATE t1, t2 SET ...`: sqlparser takes one table (with joins) before SET, so the
/// commas of the table list become CROSS JOIN.
fn update_table_list(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let mut commas = Vec::new();
    // Inside an UPDATE's table list: its parenthesis depth.
    let mut in_list: Option<usize> = None;
    let mut statement_start = true;
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate() {
        match &t.token {
            Token::Whitespace(_) => continue,
            Token::LParen => depth += 1,
            Token::RParen => depth = depth.saturating_sub(1),
            Token::SemiColon => {
                in_list = None;
                statement_start = true;
                depth = 0;
                continue;
            }
            Token::Comma if in_list == Some(depth) => commas.push(i),
            Token::Word(w) if w.quote_style.is_none() => {
                if statement_start && w.value.eq_ignore_ascii_case("update") {
                    in_list = Some(depth);
                } else if in_list == Some(depth) && w.value.eq_ignore_ascii_case("set") {
                    in_list = None;
                }
            }
            _ => {}
        }
        statement_start = false;
    }
    let mut out = tokens;
    for i in commas.into_iter().rev() {
        let span = out[i].span;
        let t = |token: Token| TokenWithSpan { token, span };
        let ws = || t(Token::Whitespace(sqlparser::tokenizer::Whitespace::Space));
        out.splice(i..=i, [ws(), t(Token::make_keyword("CROSS")), ws(), t(Token::make_keyword("JOIN")), ws()]);
    }
    out
}

/// The `BINARY x` operator binds tighter than comparisons (`BINARY 'a' = 'A'` compares a
/// binary string), where sqlparser casts the whole comparison: a single literal or column
/// after BINARY becomes `CAST(x AS BINARY)`.
fn binary_operator(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let significant: Vec<usize> = (0..tokens.len()).filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_))).collect();
    let mut wraps = Vec::new();
    for (k, &i) in significant.iter().enumerate() {
        let is_binary = matches!(&tokens[i].token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("binary"));
        if !is_binary || k == 0 {
            continue;
        }
        // An operator position: after an operator, a comma, `(` or SELECT/WHERE-like keyword.
        let prev = &tokens[significant[k - 1]].token;
        let operand_position = match prev {
            Token::Word(w) => w.quote_style.is_none() && matches!(w.value.to_ascii_uppercase().as_str(), "SELECT" | "WHERE" | "AND" | "OR" | "NOT" | "ON" | "HAVING" | "WHEN" | "THEN" | "ELSE" | "BY"),
            Token::Comma | Token::LParen | Token::Eq | Token::Neq | Token::Lt | Token::Gt | Token::LtEq | Token::GtEq | Token::Spaceship => true,
            _ => false,
        };
        let (Some(&j), next) = (significant.get(k + 1), significant.get(k + 2).map(|&n| &tokens[n].token)) else { continue };
        let simple = matches!(&tokens[j].token, Token::SingleQuotedString(_) | Token::DoubleQuotedString(_) | Token::Number(..) | Token::Word(_));
        if operand_position && simple && !matches!(next, Some(Token::LParen | Token::Period)) {
            wraps.push((i, j));
        }
    }
    let mut out = tokens;
    for (i, j) in wraps.into_iter().rev() {
        let span = out[i].span;
        let t = |token: Token| TokenWithSpan { token, span };
        let ws = || t(Token::Whitespace(sqlparser::tokenizer::Whitespace::Space));
        out.splice(j + 1..j + 1, [ws(), t(Token::make_keyword("AS")), ws(), t(Token::make_keyword("BINARY")), t(Token::RParen)]);
        out.splice(i..=i, [t(Token::make_keyword("CAST")), t(Token::LParen)]);
    }
    out
}

/// MySQL's composite interval units, which sqlparser does not know: `INTERVAL '1:30'
/// HOUR_MINUTE` becomes `INTERVAL '1:30' HOUR TO MINUTE`, and `EXTRACT(YEAR_MONTH FROM x)`
/// the call `__orbit_extract('YEAR_MONTH', x)` (the new tokens keep the unit's position).
fn composite_units(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    const UNITS: [&str; 10] = [
        "YEAR_MONTH", "DAY_HOUR", "DAY_MINUTE", "DAY_SECOND", "HOUR_MINUTE", "HOUR_SECOND", "MINUTE_SECOND",
        "DAY_MICROSECOND", "HOUR_MICROSECOND", "MINUTE_MICROSECOND",
    ];
    let unit = |t: &Token| match t {
        Token::Word(w) if w.quote_style.is_none() => UNITS.iter().find(|u| w.value.eq_ignore_ascii_case(u)).copied(),
        _ => None,
    };
    if !tokens.iter().any(|t| unit(&t.token).is_some()) {
        return tokens;
    }
    let significant: Vec<usize> = (0..tokens.len()).filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_))).collect();
    let mut out = tokens.clone();
    let mut expand: Vec<(usize, &str)> = Vec::new();
    for (k, &i) in significant.iter().enumerate() {
        let Some(u) = unit(&tokens[i].token) else { continue };
        let before = |n: usize| k.checked_sub(n).map(|j| &tokens[significant[j]].token);
        let after = significant.get(k + 1).map(|&j| &tokens[j].token);
        let is_extract = matches!(before(1), Some(Token::LParen))
            && matches!(before(2), Some(Token::Word(w)) if w.value.eq_ignore_ascii_case("extract"))
            && matches!(after, Some(Token::Word(w)) if w.value.eq_ignore_ascii_case("from"));
        if is_extract {
            out[significant[k - 2]].token = Token::make_word("__orbit_extract", None);
            out[i].token = Token::SingleQuotedString(u.to_string());
            out[significant[k + 1]].token = Token::Comma;
        } else {
            expand.push((i, u));
        }
    }
    for (i, u) in expand.into_iter().rev() {
        let (lead, last) = u.split_once('_').expect("composite unit");
        let span = out[i].span;
        let ws = || TokenWithSpan { token: Token::Whitespace(sqlparser::tokenizer::Whitespace::Space), span };
        let word = |w: &str| TokenWithSpan { token: Token::make_keyword(w), span };
        out.splice(i..=i, [word(lead), ws(), word("TO"), ws(), word(last)]);
    }
    out
}

/// Applies the pre-pass to every statement of `sql`.
pub fn rewrite(stmts: &mut [Statement], sql: &str) {
    let src = Source::new(sql);
    for stmt in stmts.iter_mut() {
        number_placeholders(stmt);
        let names = output_names(stmt, &src, sql);
        let mut v = Names { src: &src };
        let _ = stmt.visit(&mut v);
        restore_statement_names(stmt, &src);
        name_outputs(stmt, names);
        super::having::having_aliases(stmt);
        if let Statement::Insert(ins) = stmt {
            rewrite_insert(ins);
        }
    }
}

/// Statement text addressed by sqlparser's (line, column) locations.
struct Source {
    lines: Vec<Vec<char>>,
}

impl Source {
    fn new(sql: &str) -> Source {
        Source { lines: sql.split('\n').map(|l| l.chars().collect()).collect() }
    }

    /// The text a span covers (one line only), without surrounding quotes.
    fn text(&self, span: Span, inclusive: bool) -> Option<String> {
        if span.start.line == 0 || span.start.line != span.end.line {
            return None;
        }
        let line = self.lines.get(span.start.line as usize - 1)?;
        let from = span.start.column as usize - 1;
        let to = (span.end.column as usize - 1 + usize::from(inclusive)).min(line.len());
        if from >= to {
            return None;
        }
        Some(line[from..to].iter().collect())
    }

    /// The identifier as written, when its span still points at it.
    fn original(&self, ident: &ast::Ident) -> Option<String> {
        for inclusive in [false, true] {
            if let Some(t) = self.text(ident.span, inclusive) {
                let t = t.trim();
                let t = t.strip_prefix('`').and_then(|x| x.strip_suffix('`')).unwrap_or(t);
                if t.to_lowercase() == ident.value.to_lowercase() {
                    return Some(t.replace("``", "`"));
                }
            }
        }
        None
    }

    /// Gives an identifier back its case as written and marks it quoted.
    fn restore(&self, ident: &mut ast::Ident) {
        if let Some(orig) = self.original(ident) {
            ident.value = orig;
        }
        ident.quote_style = Some('`');
    }

    fn restore_name(&self, name: &mut ast::ObjectName) {
        for part in &mut name.0 {
            if let ast::ObjectNamePart::Identifier(i) = part {
                self.restore(i);
            }
        }
    }
}

fn number_placeholders(stmt: &mut Statement) {
    struct Collect(Vec<(u64, u64)>);
    impl VisitorMut for Collect {
        type Break = ();
        fn pre_visit_value(&mut self, v: &mut ast::ValueWithSpan) -> ControlFlow<()> {
            if matches!(&v.value, ast::Value::Placeholder(p) if p == "?") {
                self.0.push((v.span.start.line, v.span.start.column));
            }
            ControlFlow::Continue(())
        }
    }
    struct Assign(Vec<(u64, u64)>, usize);
    impl VisitorMut for Assign {
        type Break = ();
        fn pre_visit_value(&mut self, v: &mut ast::ValueWithSpan) -> ControlFlow<()> {
            if matches!(&v.value, ast::Value::Placeholder(p) if p == "?") {
                let at = (v.span.start.line, v.span.start.column);
                // Placeholders without a location keep their visiting order.
                let n = match self.0.iter().position(|p| *p == at) {
                    Some(i) if at.0 != 0 => i + 1,
                    _ => {
                        self.1 += 1;
                        self.0.len() + self.1
                    }
                };
                v.value = ast::Value::Placeholder(format!("${n}"));
            }
            ControlFlow::Continue(())
        }
    }
    let mut c = Collect(Vec::new());
    let _ = stmt.visit(&mut c);
    if c.0.is_empty() {
        return;
    }
    let mut spans: Vec<(u64, u64)> = c.0.into_iter().filter(|p| p.0 != 0).collect();
    spans.sort();
    spans.dedup();
    let _ = stmt.visit(&mut Assign(spans, 0));
}

struct Names<'a> {
    src: &'a Source,
}

impl VisitorMut for Names<'_> {
    type Break = ();

    fn pre_visit_ident(&mut self, ident: &mut ast::Ident) -> ControlFlow<()> {
        if ident.quote_style.is_none() || ident.quote_style == Some('`') {
            ident.value = ident.value.to_lowercase();
        }
        ControlFlow::Continue(())
    }

    fn post_visit_relation(&mut self, name: &mut ast::ObjectName) -> ControlFlow<()> {
        self.src.restore_name(name);
        ControlFlow::Continue(())
    }

    fn post_visit_table_factor(&mut self, f: &mut ast::TableFactor) -> ControlFlow<()> {
        let alias = match f {
            ast::TableFactor::Table { alias, .. }
            | ast::TableFactor::Derived { alias, .. }
            | ast::TableFactor::NestedJoin { alias, .. } => alias,
            _ => return ControlFlow::Continue(()),
        };
        if let Some(a) = alias {
            self.src.restore(&mut a.name);
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, e: &mut ast::Expr) -> ControlFlow<()> {
        group_concat(e);
        statistical_aggregates(e);
        avg_as_division(e);
        count_distinct_list(e);
        // `$n` is a parameter: statements logged for a replay print their `?` that way.
        if let ast::Expr::Identifier(i) = e {
            if i.quote_style.is_none() && i.value.len() > 1 && i.value.starts_with('$') && i.value[1..].bytes().all(|b| b.is_ascii_digit()) {
                *e = ast::Expr::value(ast::Value::Placeholder(i.value.clone()));
                return ControlFlow::Continue(());
            }
        }
        if let ast::Expr::CompoundIdentifier(parts) = e {
            let n = parts.len();
            for p in parts.iter_mut().take(n.saturating_sub(1)) {
                self.src.restore(p);
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, q: &mut ast::Query) -> ControlFlow<()> {
        // NULLs sort first ascending and last descending in MySQL.
        if let Some(ast::OrderBy { kind: ast::OrderByKind::Expressions(items), .. }) = &mut q.order_by {
            for o in items.iter_mut() {
                if o.options.nulls_first.is_none() {
                    o.options.nulls_first = Some(!matches!(o.options.sort, Some(ast::OrderBySort::Desc)));
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_select(&mut self, s: &mut ast::Select) -> ControlFlow<()> {
        for item in &mut s.projection {
            if let ast::SelectItem::QualifiedWildcard(ast::SelectItemQualifiedWildcardKind::ObjectName(n), _) = item {
                self.src.restore_name(n)
            }
        }
        ControlFlow::Continue(())
    }
}

fn projection(stmt: &mut Statement) -> Option<&mut Vec<ast::SelectItem>> {
    let Statement::Query(q) = stmt else { return None };
    let mut body = q.body.as_mut();
    while let ast::SetExpr::SetOperation { left, .. } = body {
        body = left.as_mut();
    }
    match body {
        ast::SetExpr::Select(s) => Some(&mut s.projection),
        _ => None,
    }
}

/// The output column names of the statement's own SELECT list, read before the
/// pre-pass changes it: MySQL names an unaliased item by its text as written and keeps
/// an alias's case.
fn output_names(stmt: &mut Statement, src: &Source, sql: &str) -> Vec<Option<String>> {
    let texts = select_start(stmt).and_then(|at| super::item_names::item_texts(sql, at));
    let Some(items) = projection(stmt) else { return Vec::new() };
    let texts = texts.filter(|t| t.len() == items.len());
    items
        .iter()
        .enumerate()
        .map(|(k, item)| match item {
            ast::SelectItem::UnnamedExpr(e @ (ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_) | ast::Expr::Value(_))) => {
                source_text(src, e)
            }
            // `(t.c)` is the column itself, named `c`.
            ast::SelectItem::UnnamedExpr(ast::Expr::Nested(inner))
                if matches!(inner.as_ref(), ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_)) =>
            {
                source_text(src, inner)
            }
            ast::SelectItem::UnnamedExpr(e) => {
                texts.as_ref().map(|t| t[k].trim().to_string()).filter(|t| !t.is_empty()).or_else(|| source_text(src, e))
            }
            ast::SelectItem::ExprWithAlias { alias, .. } => src.original(alias),
            _ => None,
        })
        .collect()
}

/// Where the SELECT keyword of the statement's own select list is.
fn select_start(stmt: &mut Statement) -> Option<sqlparser::tokenizer::Location> {
    let Statement::Query(q) = stmt else { return None };
    let mut body = q.body.as_ref();
    while let ast::SetExpr::SetOperation { left, .. } = body {
        body = left.as_ref();
    }
    match body {
        ast::SetExpr::Select(s) => Some(s.select_token.0.span.start),
        _ => None,
    }
}

fn name_outputs(stmt: &mut Statement, names: Vec<Option<String>>) {
    let Some(items) = projection(stmt) else { return };
    for (item, name) in items.iter_mut().zip(names) {
        let Some(name) = name else { continue };
        match item {
            ast::SelectItem::UnnamedExpr(e) => {
                let expr = std::mem::replace(e, ast::Expr::value(ast::Value::Null));
                *item = ast::SelectItem::ExprWithAlias { expr, alias: ast::Ident::with_quote('`', name) };
            }
            ast::SelectItem::ExprWithAlias { alias, .. } => *alias = ast::Ident::with_quote('`', name),
            _ => {}
        }
    }
}

/// The source text of a select item as written.
fn source_text(src: &Source, e: &ast::Expr) -> Option<String> {
        use sqlparser::ast::Spanned;
        let text = match e {
            ast::Expr::Identifier(i) => src.original(i)?,
            // `@@session.x` is named as written (MySQL's system variable item).
            ast::Expr::CompoundIdentifier(parts) if parts.len() == 2 && parts[0].value.starts_with("@@") => {
                format!("{}.{}", src.original(&parts[0])?, src.original(&parts[1])?)
            }
            ast::Expr::CompoundIdentifier(parts) => src.original(parts.last()?)?,
            ast::Expr::Value(_) | ast::Expr::Function(_) | ast::Expr::BinaryOp { .. } | ast::Expr::UnaryOp { .. } | ast::Expr::Nested(_) | ast::Expr::Cast { .. } => {
                let span = e.span();
                let t = balanced(src.text(span, false)?, src, span)?;
                let t = t.trim().to_string();
                if t.is_empty() {
                    return None;
                }
                t
            }
            _ => return None,
        };
        Some(text)
}

/// Names outside relations that are still database or table names.
fn restore_statement_names(stmt: &mut Statement, src: &Source) {
    match stmt {
        Statement::Drop { names, table, .. } => {
            for n in names.iter_mut() {
                src.restore_name(n);
            }
            if let Some(t) = table {
                src.restore_name(t);
            }
        }
        Statement::CreateDatabase { db_name, .. } => src.restore_name(db_name),
        Statement::CreateSchema { schema_name: ast::SchemaName::Simple(n), .. } => src.restore_name(n),
        Statement::Use(ast::Use::Object(n) | ast::Use::Database(n) | ast::Use::Schema(n)) => src.restore_name(n),
        Statement::RenameTable(list) => {
            for r in list.iter_mut() {
                src.restore_name(&mut r.old_name);
                src.restore_name(&mut r.new_name);
            }
        }
        Statement::Insert(ins) => {
            if let Some(a) = &mut ins.insert_alias {
                src.restore_name(&mut a.row_alias);
            }
        }
        Statement::Truncate(t) => {
            for target in t.table_names.iter_mut() {
                src.restore_name(&mut target.name);
            }
        }
        _ => {}
    }
}

/// Extends an expression's text to its closing parentheses (sqlparser's spans of calls
/// can stop before the last `)`).
fn balanced(mut t: String, src: &Source, span: Span) -> Option<String> {
    let line = src.lines.get(span.end.line as usize - 1)?;
    let mut at = span.end.column as usize - 1;
    let depth = |t: &str| t.chars().filter(|c| *c == '(').count() as i64 - t.chars().filter(|c| *c == ')').count() as i64;
    if depth(&t) == 0 && line.get(at) == Some(&'(') {
        t.push('(');
        at += 1;
    }
    while depth(&t) > 0 {
        while at < line.len() && line[at] != ')' {
            t.push(line[at]);
            at += 1;
        }
        if at >= line.len() {
            return None;
        }
        t.push(')');
        at += 1;
    }
    Some(t)
}

/// The qualifier of the proposed row in ON DUPLICATE KEY UPDATE (what `VALUES(c)` reads).
pub const VALUES_ROW: &str = "__values";

fn rewrite_insert(ins: &mut ast::Insert) {
    if !ins.assignments.is_empty() && ins.columns.is_empty() && ins.source.is_none() {
        let mut columns = Vec::new();
        let mut row = Vec::new();
        let mut ok = true;
        for a in std::mem::take(&mut ins.assignments) {
            match a.target {
                ast::AssignmentTarget::ColumnName(n) => columns.push(n),
                ast::AssignmentTarget::Tuple(_) => ok = false,
            }
            row.push(a.value);
        }
        if ok {
            ins.columns = columns;
            let values = ast::Values { explicit_row: false, value_keyword: false, rows: vec![ast::Parens::with_empty_span(row)] };
            ins.source = Some(Box::new(ast::Query {
                with: None,
                body: Box::new(ast::SetExpr::Values(values)),
                order_by: None,
                limit_clause: None,
                fetch: None,
                locks: vec![],
                for_clause: None,
                settings: None,
                format_clause: None,
                pipe_operators: vec![],
            }));
        }
    }
    if let Some(ast::OnInsert::DuplicateKeyUpdate(assignments)) = &mut ins.on {
        struct Values;
        impl VisitorMut for Values {
            type Break = ();
            fn post_visit_expr(&mut self, e: &mut ast::Expr) -> ControlFlow<()> {
                if let ast::Expr::Function(f) = e {
                    let is_values = f.name.0.len() == 1
                        && matches!(&f.name.0[0], ast::ObjectNamePart::Identifier(i) if i.value.eq_ignore_ascii_case("values"));
                    if let (true, ast::FunctionArguments::List(l)) = (is_values, &f.args) {
                        if let [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(ast::Expr::Identifier(c)))] =
                            l.args.as_slice()
                        {
                            *e = ast::Expr::CompoundIdentifier(vec![ast::Ident::with_quote('`', VALUES_ROW), c.clone()]);
                        }
                    }
                }
                ControlFlow::Continue(())
            }
        }
        for a in assignments.iter_mut() {
            let _ = a.value.visit(&mut Values);
        }
    }
}

/// MySQL's STD / STDDEV / STDDEV_POP / VARIANCE / VAR_POP / STDDEV_SAMP / VAR_SAMP and
/// BIT_AND / BIT_OR / BIT_XOR are aggregates under the engine's `__orbit_*` names (so a
/// PostgreSQL session's functions of the same names stay its own).
fn statistical_aggregates(e: &mut ast::Expr) {
    let ast::Expr::Function(f) = e else { return };
    if f.over.is_some() || f.name.0.len() != 1 {
        return;
    }
    let ast::ObjectNamePart::Identifier(i) = &f.name.0[0] else { return };
    let to = match i.value.to_ascii_lowercase().as_str() {
        "std" | "stddev" | "stddev_pop" => "__orbit_stddev_pop",
        "variance" | "var_pop" => "__orbit_var_pop",
        "stddev_samp" => "__orbit_stddev_samp",
        "var_samp" => "__orbit_var_samp",
        "bit_and" => "__orbit_bit_and",
        "bit_or" => "__orbit_bit_or",
        "bit_xor" => "__orbit_bit_xor",
        _ => return,
    };
    f.name = ast::ObjectName::from(vec![ast::Ident::new(to)]);
}

/// `COUNT(DISTINCT a, b)` counts the distinct rows of non-NULL values: it becomes the
/// count of distinct `CONCAT(a, <unit separator>, b)` (NULL when any part is).
fn count_distinct_list(e: &mut ast::Expr) {
    let ast::Expr::Function(f) = e else { return };
    let is = f.name.0.len() == 1
        && matches!(&f.name.0[0], ast::ObjectNamePart::Identifier(i) if i.value.eq_ignore_ascii_case("count"));
    let ast::FunctionArguments::List(list) = &mut f.args else { return };
    if !is || list.args.len() < 2 || !matches!(list.duplicate_treatment, Some(ast::DuplicateTreatment::Distinct)) {
        return;
    }
    let sep = ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(ast::Expr::value(ast::Value::SingleQuotedString("\u{1f}".into()))));
    let mut parts = Vec::new();
    for (i, a) in std::mem::take(&mut list.args).into_iter().enumerate() {
        if i > 0 {
            parts.push(sep.clone());
        }
        parts.push(a);
    }
    let concat = ast::Function {
        name: ast::ObjectName(vec![ast::ObjectNamePart::Identifier(ast::Ident::new("concat"))]),
        uses_odbc_syntax: false,
        parameters: ast::FunctionArguments::None,
        args: ast::FunctionArguments::List(ast::FunctionArgumentList { duplicate_treatment: None, args: parts, clauses: vec![] }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    };
    list.args = vec![ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(ast::Expr::Function(concat)))];
}

/// `AVG(x)` becomes `SUM(x) / COUNT(x)`: MySQL's average of an exact number has the
/// scale of a division (the argument's plus 4), and a double's stays a double.
fn avg_as_division(e: &mut ast::Expr) {
    let ast::Expr::Function(f) = e else { return };
    let is = f.name.0.len() == 1
        && matches!(&f.name.0[0], ast::ObjectNamePart::Identifier(i) if i.value.eq_ignore_ascii_case("avg"));
    if !is || f.over.is_some() || f.filter.is_some() {
        return;
    }
    let ast::FunctionArguments::List(list) = &f.args else { return };
    if list.args.len() != 1 || !list.clauses.is_empty() {
        return;
    }
    let call = |name: &str| {
        let mut g = f.clone();
        g.name = ast::ObjectName(vec![ast::ObjectNamePart::Identifier(ast::Ident::new(name))]);
        ast::Expr::Function(g)
    };
    let (sum, count) = (call("sum"), call("count"));
    *e = ast::Expr::BinaryOp { left: Box::new(sum), op: ast::BinaryOperator::Divide, right: Box::new(count) };
}

fn group_concat(e: &mut ast::Expr) {
    let ast::Expr::Function(f) = e else { return };
    let is = f.name.0.len() == 1
        && matches!(&f.name.0[0], ast::ObjectNamePart::Identifier(i) if i.value.eq_ignore_ascii_case("group_concat"));
    if !is || f.over.is_some() {
        return;
    }
    let ast::FunctionArguments::List(list) = &mut f.args else { return };
    let mut sep = ast::Expr::value(ast::Value::SingleQuotedString(",".into()));
    let mut clauses = Vec::new();
    for c in std::mem::take(&mut list.clauses) {
        match c {
            ast::FunctionArgumentClause::Separator(v) => sep = ast::Expr::Value(v),
            other => clauses.push(other),
        }
    }
    let exprs: Vec<ast::Expr> = list
        .args
        .iter()
        .filter_map(|a| match a {
            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) => Some(x.clone()),
            _ => None,
        })
        .collect();
    if exprs.is_empty() || exprs.len() != list.args.len() {
        return;
    }
    let value = if exprs.len() == 1 {
        exprs.into_iter().next().expect("one argument")
    } else {
        let args = exprs.into_iter().map(|x| ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x))).collect();
        ast::Expr::Function(ast::Function {
            name: ast::ObjectName::from(vec![ast::Ident::new("concat")]),
            uses_odbc_syntax: false,
            parameters: ast::FunctionArguments::None,
            args: ast::FunctionArguments::List(ast::FunctionArgumentList { duplicate_treatment: None, args, clauses: vec![] }),
            filter: None,
            null_treatment: None,
            over: None,
            within_group: vec![],
        })
    };
    let text = ast::Expr::Cast { kind: ast::CastKind::Cast, expr: Box::new(value), data_type: ast::DataType::Char(None), format: None };
    list.args = vec![
        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(text)),
        ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(sep)),
    ];
    list.clauses = clauses;
    f.name = ast::ObjectName::from(vec![ast::Ident::new("string_agg")]);
}
