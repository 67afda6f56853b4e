//! Values as text: [`to_cypher_string`] is what `toString()` and string concatenation make
//! of a value (floats as Java prints doubles — `1.0`, `2.3`, `1.0E10`, `1.0E-4`, `NaN`,
//! `Infinity` — temporal values in ISO 8601), and [`to_literal`] renders any value in the
//! openCypher TCK's result-table syntax (`'abc'`, `[1, 2]`, `{a: 1}`, `(:L {p: 1})`,
//! `[:T {p: 1}]`, `<(:A)-[:T]->(:B)>`), for tests, debugging and messages.

use super::temporal::render::{format_date, format_datetime, format_duration, format_localdatetime};
use super::temporal::render::{format_localtime, format_time};
use super::{Map, NodeValue, PathValue, Point, RelationshipValue, Value};
use std::fmt::Write;

/// A float as Java's `Double.toString` writes it (shortest round-trip digits).
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.to_string();
    }
    let abs = f.abs();
    if (1e-3..1e7).contains(&abs) {
        let mut s = format!("{f}");
        if !s.contains('.') {
            s.push_str(".0");
        }
        return s;
    }
    let sci = format!("{f:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let mantissa = if mantissa.contains('.') { mantissa.to_string() } else { format!("{mantissa}.0") };
    format!("{mantissa}E{exponent}")
}

pub fn point_string(p: &Point) -> String {
    let crs = crate::functions::spatial::crs_name(p.srid);
    let mut out = String::from("point({");
    if matches!(p.srid, 4326 | 4979) {
        let _ = write!(out, "longitude: {}, latitude: {}", format_float(p.x), format_float(p.y));
        if let Some(z) = p.z {
            let _ = write!(out, ", height: {}", format_float(z));
        }
    } else {
        let _ = write!(out, "x: {}, y: {}", format_float(p.x), format_float(p.y));
        if let Some(z) = p.z {
            let _ = write!(out, ", z: {}", format_float(z));
        }
    }
    let _ = write!(out, ", crs: '{crs}'}})");
    out
}

/// The text `toString()` gives for a scalar; other values fall back to their literal form.
pub fn to_cypher_string(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format_float(*f),
        Value::String(s) => s.clone(),
        Value::Date(d) => format_date(d.days),
        Value::LocalTime(t) => format_localtime(t.nanos),
        Value::Time(t) => format_time(t),
        Value::LocalDateTime(t) => format_localdatetime(t),
        Value::DateTime(t) => format_datetime(t),
        Value::Duration(d) => format_duration(d),
        Value::Point(p) => point_string(p),
        other => to_literal(other),
    }
}

fn quote(s: &str, out: &mut String) {
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('\'');
}

fn key(k: &str, out: &mut String) {
    let plain = k.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_alphanumeric() || c == '_');
    if plain {
        out.push_str(k);
    } else {
        let _ = write!(out, "`{}`", k.replace('`', "``"));
    }
}

fn map_literal(m: &Map, out: &mut String) {
    out.push('{');
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        key(k, out);
        out.push_str(": ");
        literal(v, out);
    }
    out.push('}');
}

fn properties(m: &Map, out: &mut String) {
    if !m.is_empty() {
        out.push(' ');
        map_literal(m, out);
    }
}

fn node_literal(n: &NodeValue, out: &mut String) {
    out.push('(');
    for label in &n.labels {
        out.push(':');
        key(label, out);
    }
    if n.labels.is_empty() && !n.properties.is_empty() {
        map_literal(&n.properties, out);
    } else {
        properties(&n.properties, out);
    }
    out.push(')');
}

fn relationship_literal(r: &RelationshipValue, out: &mut String) {
    out.push_str("[:");
    key(&r.ty, out);
    properties(&r.properties, out);
    out.push(']');
}

fn path_literal(p: &PathValue, out: &mut String) {
    out.push('<');
    for (i, node) in p.nodes.iter().enumerate() {
        node_literal(node, out);
        if let Some(rel) = p.relationships.get(i) {
            let forward = rel.start == node.id;
            out.push_str(if forward { "-" } else { "<-" });
            relationship_literal(rel, out);
            out.push_str(if forward { "->" } else { "-" });
        }
    }
    out.push('>');
}

fn literal(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => quote(s, out),
        Value::Bytes(b) => {
            out.push_str("bytes(0x");
            for byte in b {
                let _ = write!(out, "{byte:02x}");
            }
            out.push(')');
        }
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                literal(item, out);
            }
            out.push(']');
        }
        Value::Map(m) => map_literal(m, out),
        Value::Node(n) => node_literal(n, out),
        Value::Relationship(r) => relationship_literal(r, out),
        Value::Path(p) => path_literal(p, out),
        Value::Date(_)
        | Value::LocalTime(_)
        | Value::Time(_)
        | Value::LocalDateTime(_)
        | Value::DateTime(_)
        | Value::Duration(_) => quote(&to_cypher_string(v), out),
        other => out.push_str(&to_cypher_string(other)),
    }
}

/// A value in the TCK's result-table syntax.
pub fn to_literal(v: &Value) -> String {
    let mut out = String::new();
    literal(v, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_as_java_prints_them() {
        assert_eq!(format_float(1.0), "1.0");
        assert_eq!(format_float(2.3), "2.3");
        assert_eq!(format_float(1e10), "1.0E10");
        assert_eq!(format_float(1.5e-7), "1.5E-7");
        assert_eq!(format_float(1234567.0), "1234567.0");
        assert_eq!(format_float(0.001), "0.001");
        assert_eq!(format_float(f64::NAN), "NaN");
        assert_eq!(format_float(f64::NEG_INFINITY), "-Infinity");
    }

    #[test]
    fn literals() {
        let node = |id, label: &str| NodeValue { id, labels: vec![label.to_string()], properties: Map::new() };
        let mut props = Map::new();
        props.insert("p".into(), Value::Int(1));
        let rel = RelationshipValue { id: 7, ty: "T".into(), start: 2, end: 1, properties: props.clone() };
        let path = PathValue { nodes: vec![node(1, "A"), node(2, "B")], relationships: vec![rel] };
        assert_eq!(to_literal(&Value::Path(path)), "<(:A)<-[:T {p: 1}]-(:B)>");
        assert_eq!(
            to_literal(&Value::List(vec![Value::String("it's".into()), Value::Null, Value::Float(1.0)])),
            "['it\\'s', null, 1.0]"
        );
        assert_eq!(to_literal(&Value::Map(props.clone())), "{p: 1}");
        let anon = NodeValue { id: 3, labels: vec![], properties: props };
        assert_eq!(to_literal(&Value::Node(anon)), "({p: 1})");
    }
}
