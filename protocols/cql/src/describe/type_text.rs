//! CREATE TYPE text (`UserType.toCqlString` of Cassandra 4.1) and the order DESCRIBE
//! KEYSPACE lists a keyspace's types in (`Types.sortedStream`: by name bytes, each
//! type after the types it uses).

use super::cql_text::{qualified, type_text};
use crate::schema::UserTypeDef;
use crate::types::CqlType;
use std::sync::Arc;

/// `CREATE TYPE ks.t (\n    a int,\n    b frozen<u>\n);`. Field names are written as
/// stored: 4.1 does not quote them here.
pub fn create_type(def: &UserTypeDef) -> String {
    let fields: Vec<String> = def.fields.iter().map(|(name, ty)| format!("    {name} {}", type_text(ty))).collect();
    format!("CREATE TYPE {} (\n{}\n);", qualified(&def.keyspace, &def.name), fields.join(",\n"))
}

/// The types of one keyspace, dependencies first.
pub fn dependency_order<'a>(types: &[&'a Arc<UserTypeDef>]) -> Vec<&'a Arc<UserTypeDef>> {
    let mut by_name: Vec<&'a Arc<UserTypeDef>> = types.to_vec();
    // ByteBuffer.compareTo: signed bytes.
    by_name.sort_by(|a, b| {
        let (x, y) = (a.name.as_bytes(), b.name.as_bytes());
        x.iter().map(|&c| c as i8).cmp(y.iter().map(|&c| c as i8))
    });
    let mut out: Vec<&'a Arc<UserTypeDef>> = Vec::new();
    for t in &by_name {
        visit(t, &by_name, &mut out, &mut Vec::new());
    }
    out
}

fn visit<'a>(
    t: &'a Arc<UserTypeDef>,
    all: &[&'a Arc<UserTypeDef>],
    out: &mut Vec<&'a Arc<UserTypeDef>>,
    path: &mut Vec<String>,
) {
    if out.iter().any(|o| o.name == t.name) || path.contains(&t.name) {
        return;
    }
    path.push(t.name.clone());
    for (_, ty) in &t.fields {
        for used in used_types(ty) {
            if let Some(dep) = all.iter().find(|d| d.name == used) {
                visit(dep, all, out, path);
            }
        }
    }
    path.pop();
    out.push(t);
}

/// The UDT names a type refers to, innermost first.
fn used_types(ty: &CqlType) -> Vec<String> {
    let mut names = Vec::new();
    collect(ty, &mut names);
    names
}

fn collect(ty: &CqlType, names: &mut Vec<String>) {
    match ty {
        CqlType::Frozen(inner) | CqlType::List(inner) | CqlType::Set(inner) => collect(inner, names),
        CqlType::Map(k, v) => {
            collect(k, names);
            collect(v, names);
        }
        CqlType::Tuple(items) => items.iter().for_each(|i| collect(i, names)),
        CqlType::Udt { name, fields, .. } => {
            fields.iter().for_each(|(_, f)| collect(f, names));
            names.push(name.clone());
        }
        CqlType::UdtRef { name, .. } => names.push(name.clone()),
        _ => {}
    }
}
