//! Select-list aliases in HAVING: MySQL resolves a bare name in HAVING to the select
//! item it names (`SUM(q) AS t ... HAVING t > 3`); the shared binder only knows columns,
//! so each such name becomes the aliased expression.

use sqlparser::ast::{self, Statement, VisitMut, VisitorMut};
use std::ops::ControlFlow;

struct Aliases;

impl VisitorMut for Aliases {
    type Break = ();

    fn post_visit_select(&mut self, s: &mut ast::Select) -> ControlFlow<()> {
        let Some(having) = &mut s.having else { return ControlFlow::Continue(()) };
        // A GROUP BY column of the same name wins over the alias, as in MySQL.
        let grouped: Vec<String> = match &s.group_by {
            ast::GroupByExpr::Expressions(list, _) => list
                .iter()
                .filter_map(|e| match e {
                    ast::Expr::Identifier(i) => Some(i.value.to_lowercase()),
                    _ => None,
                })
                .collect(),
            ast::GroupByExpr::All(_) => Vec::new(),
        };
        let aliases: Vec<(String, ast::Expr)> = s
            .projection
            .iter()
            .filter_map(|item| match item {
                ast::SelectItem::ExprWithAlias { expr, alias } => Some((alias.value.to_lowercase(), expr.clone())),
                _ => None,
            })
            .filter(|(a, _)| !grouped.contains(a))
            .collect();
        if aliases.is_empty() {
            return ControlFlow::Continue(());
        }
        let _ = ast::visit_expressions_mut(having, |e| {
            if let ast::Expr::Identifier(i) = e {
                let name = i.value.to_lowercase();
                if let Some((_, x)) = aliases.iter().find(|(a, _)| *a == name) {
                    if !matches!(x, ast::Expr::Identifier(_) | ast::Expr::CompoundIdentifier(_)) {
                        *e = ast::Expr::Nested(Box::new(x.clone()));
                    }
                }
            }
            ControlFlow::<()>::Continue(())
        });
        ControlFlow::Continue(())
    }
}

/// Replaces the select-list aliases named in every HAVING of `stmt`.
pub fn having_aliases(stmt: &mut Statement) {
    let _ = stmt.visit(&mut Aliases);
}
