//! The `WITH` part of CREATE TABLE: `TableParams.appendCqlTo` of Cassandra 4.1 —
//! every option, alphabetically, one per line, with the value a table created without
//! options has, unless [`TableDef::options`] holds one (kept as CQL literal text). Stored
//! values are shown the way Cassandra normalises them (class names expanded, compaction
//! thresholds filled in, caching as `ALL`/`NONE`, numbers as Java prints doubles).

use super::cql_text::{java_double, single_quoted};
use crate::schema::TableDef;
use std::collections::BTreeMap;

/// `TableParams.Builder` defaults of the 4.1 source.
pub const DEFAULT_SPECULATIVE_RETRY: &str = "99p";
pub const DEFAULT_BLOOM_FILTER_FP_CHANCE: f64 = 0.01;
/// LeveledCompactionStrategy's default (`CompactionParams.defaultBloomFilterFbChance`).
pub const LCS_BLOOM_FILTER_FP_CHANCE: f64 = 0.1;
pub const DEFAULT_CRC_CHECK_CHANCE: f64 = 1.0;
pub const DEFAULT_GC_GRACE_SECONDS: i64 = 864_000;
pub const DEFAULT_MAX_INDEX_INTERVAL: i64 = 2048;
pub const DEFAULT_MIN_INDEX_INTERVAL: i64 = 128;
pub const DEFAULT_MEMTABLE_FLUSH_PERIOD_IN_MS: i64 = 0;
pub const DEFAULT_READ_REPAIR: &str = "BLOCKING";
pub const STCS: &str = "org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy";
const LCS: &str = "org.apache.cassandra.db.compaction.LeveledCompactionStrategy";
pub const LZ4: &str = "org.apache.cassandra.io.compress.LZ4Compressor";

/// A stored option value, read back from its CQL literal text.
#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Str(String),
    Map(Vec<(String, String)>),
    /// A number, boolean or anything else, as written.
    Bare(String),
}

impl Literal {
    fn parse(text: &str) -> Literal {
        let t = text.trim();
        if let Some(s) = parse_quoted(t).and_then(|(s, rest)| rest.trim().is_empty().then_some(s)) {
            return Literal::Str(s);
        }
        if t.starts_with('{') {
            if let Some(map) = parse_map(t) {
                return Literal::Map(map);
            }
        }
        Literal::Bare(t.to_string())
    }

    /// The value as a string: a quoted string's content or the bare text.
    fn text(&self) -> Option<&str> {
        match self {
            Literal::Str(s) | Literal::Bare(s) => Some(s),
            Literal::Map(_) => None,
        }
    }
}

/// `'...'` with `''` escapes at the start of `t`: the content and what follows.
fn parse_quoted(t: &str) -> Option<(String, &str)> {
    let rest = t.strip_prefix('\'')?;
    let mut out = String::new();
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if matches!(chars.peek(), Some((_, '\''))) {
                chars.next();
                out.push('\'');
            } else {
                return Some((out, &rest[i + 1..]));
            }
        } else {
            out.push(c);
        }
    }
    None
}

/// A map entry's key or value: quoted, or bare up to `,` `:` or `}`.
fn parse_item(t: &str) -> Option<(String, &str)> {
    let t = t.trim_start();
    if t.starts_with('\'') {
        return parse_quoted(t);
    }
    let end = t.find([',', ':', '}']).unwrap_or(t.len());
    let item = t[..end].trim();
    (!item.is_empty()).then(|| (item.to_string(), &t[end..]))
}

/// `{'k': 'v', ...}` (values may be bare numbers or booleans).
fn parse_map(t: &str) -> Option<Vec<(String, String)>> {
    let mut rest = t.strip_prefix('{')?.trim_start();
    let mut entries = Vec::new();
    if let Some(after) = rest.strip_prefix('}') {
        return after.trim().is_empty().then_some(entries);
    }
    loop {
        let (key, after) = parse_item(rest)?;
        let after = after.trim_start().strip_prefix(':')?;
        let (value, after) = parse_item(after)?;
        entries.push((key, value));
        let after = after.trim_start();
        if let Some(after) = after.strip_prefix(',') {
            rest = after;
        } else {
            let after = after.strip_prefix('}')?;
            return after.trim().is_empty().then_some(entries);
        }
    }
}

/// `CqlBuilder.append(Map)`: keys sorted, keys and values single-quoted.
fn map_text(map: &BTreeMap<String, String>) -> String {
    let items: Vec<String> = map.iter().map(|(k, v)| format!("{}: {}", single_quoted(k), single_quoted(v))).collect();
    format!("{{{}}}", items.join(", "))
}

/// A stored option parsed, or `None` when the table has none.
fn stored(def: &TableDef, name: &str) -> Option<Literal> {
    def.options.get(name).map(|t| Literal::parse(t))
}

fn double_option(def: &TableDef, name: &str, default: f64) -> String {
    match stored(def, name) {
        None => java_double(default),
        Some(lit) => match lit.text().and_then(|t| t.trim().parse::<f64>().ok()) {
            Some(x) => java_double(x),
            None => def.options[name].clone(),
        },
    }
}

fn int_option(def: &TableDef, name: &str, default: i64) -> String {
    match stored(def, name) {
        None => default.to_string(),
        Some(lit) => match lit.text().and_then(|t| t.trim().parse::<i64>().ok()) {
            Some(n) => n.to_string(),
            None => def.options[name].clone(),
        },
    }
}

/// The compaction class as Cassandra names it (`LeveledCompactionStrategy` expanded).
fn compaction_class(def: &TableDef) -> String {
    match stored(def, "compaction") {
        Some(Literal::Map(entries)) => entries
            .iter()
            .find(|(k, _)| k == "class")
            .map(|(_, v)| expand_class(v, "org.apache.cassandra.db.compaction."))
            .unwrap_or_else(|| STCS.to_string()),
        _ => STCS.to_string(),
    }
}

fn expand_class(name: &str, package: &str) -> String {
    if name.contains('.') {
        name.to_string()
    } else {
        format!("{package}{name}")
    }
}

/// `CompactionParams.asMap`: the options given, min/max_threshold filled in (all of
/// 4.1's strategies accept them), and the full class name.
fn compaction_text(def: &TableDef) -> String {
    let mut map = BTreeMap::new();
    match stored(def, "compaction") {
        Some(Literal::Map(entries)) => {
            for (k, v) in entries {
                if k != "class" {
                    map.insert(k, v);
                }
            }
        }
        Some(_) => return def.options["compaction"].clone(),
        None => {}
    }
    map.entry("min_threshold".to_string()).or_insert_with(|| "4".to_string());
    map.entry("max_threshold".to_string()).or_insert_with(|| "32".to_string());
    map.insert("class".to_string(), compaction_class(def));
    map_text(&map)
}

/// `CompressionParams.asMap`: `{'enabled': 'false'}` when off, else the other options,
/// the full class name and chunk_length_in_kb (16 unless given).
fn compression_text(def: &TableDef) -> String {
    let entries = match stored(def, "compression") {
        None => {
            let mut map = BTreeMap::new();
            map.insert("chunk_length_in_kb".to_string(), "16".to_string());
            map.insert("class".to_string(), LZ4.to_string());
            return map_text(&map);
        }
        Some(Literal::Map(entries)) => entries,
        Some(_) => return def.options["compression"].clone(),
    };
    let mut options: BTreeMap<String, String> = entries.into_iter().collect();
    let enabled = options.remove("enabled").map(|v| v.eq_ignore_ascii_case("true")).unwrap_or(true);
    let class = options.remove("class").or_else(|| options.remove("sstable_compression")).filter(|c| !c.is_empty());
    let class = match class {
        Some(c) if enabled => c,
        _ => {
            let mut off = BTreeMap::new();
            off.insert("enabled".to_string(), "false".to_string());
            return map_text(&off);
        }
    };
    let chunk = options
        .remove("chunk_length_in_kb")
        .or_else(|| options.remove("chunk_length_kb"))
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or(16);
    let ratio = options.remove("min_compress_ratio").and_then(|v| v.trim().parse::<f64>().ok()).unwrap_or(0.0);
    options.insert("class".to_string(), expand_class(&class, "org.apache.cassandra.io.compress."));
    options.insert("chunk_length_in_kb".to_string(), chunk.to_string());
    if ratio != 0.0 {
        options.insert("min_compress_ratio".to_string(), java_double(ratio));
    }
    map_text(&options)
}

/// `CachingParams.asMap`: keys `ALL`/`NONE` (NONE when not given), rows_per_partition
/// `ALL`/`NONE`/a count.
fn caching_text(def: &TableDef) -> String {
    let (mut keys, mut rows) = ("ALL".to_string(), "NONE".to_string());
    match stored(def, "caching") {
        None => {}
        Some(Literal::Map(entries)) => {
            keys = "NONE".to_string();
            for (k, v) in entries {
                match k.as_str() {
                    "keys" => keys = if v.eq_ignore_ascii_case("ALL") { "ALL" } else { "NONE" }.to_string(),
                    "rows_per_partition" => {
                        rows = if v.eq_ignore_ascii_case("ALL") {
                            "ALL".to_string()
                        } else {
                            match v.trim().parse::<i64>() {
                                Ok(0) => "NONE".to_string(),
                                Ok(n) if n == i64::from(i32::MAX) => "ALL".to_string(),
                                Ok(n) => n.to_string(),
                                Err(_) => "NONE".to_string(),
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        Some(_) => return def.options["caching"].clone(),
    }
    let mut map = BTreeMap::new();
    map.insert("keys".to_string(), keys);
    map.insert("rows_per_partition".to_string(), rows);
    map_text(&map)
}

/// A speculative retry policy as its `toString` prints it: `99p`, `50ms`, `ALWAYS`, `NEVER`.
fn retry_policy(text: &str) -> String {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    if lower == "always" {
        return "ALWAYS".into();
    }
    if lower == "never" || lower == "none" {
        return "NEVER".into();
    }
    let percentile = lower.strip_suffix("percentile").or_else(|| lower.strip_suffix('p'));
    if let Some(value) = percentile.filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.')) {
        if let Ok(x) = value.parse::<f64>() {
            // DecimalFormat("#.####")
            let s = format!("{:.4}", x);
            let s = s.trim_end_matches('0').trim_end_matches('.');
            return format!("{s}p");
        }
    }
    if let Some(value) =
        lower.strip_suffix("ms").filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.'))
    {
        if let Ok(x) = value.parse::<f64>() {
            return format!("{}ms", x as i64);
        }
    }
    t.to_string()
}

fn retry_option(def: &TableDef, name: &str) -> String {
    let value = match stored(def, name) {
        None => DEFAULT_SPECULATIVE_RETRY.to_string(),
        Some(lit) => match lit.text() {
            Some(t) => retry_policy(t),
            None => return def.options[name].clone(),
        },
    };
    single_quoted(&value)
}

fn comment(def: &TableDef) -> String {
    match stored(def, "comment") {
        None => single_quoted(""),
        Some(Literal::Str(s)) => single_quoted(&s),
        Some(_) => def.options["comment"].clone(),
    }
}

/// `comment = '...'`, all a virtual table shows.
pub fn virtual_table_options(def: &TableDef) -> String {
    format!("comment = {}", comment(def))
}

/// The options, one `name = value` per entry, in Cassandra's (alphabetical) order.
pub fn table_options(def: &TableDef) -> Vec<String> {
    let bloom_default =
        if compaction_class(def) == LCS { LCS_BLOOM_FILTER_FP_CHANCE } else { DEFAULT_BLOOM_FILTER_FP_CHANCE };
    let cdc = match stored(def, "cdc") {
        None => "false".to_string(),
        Some(lit) => lit.text().map(|t| t.trim().eq_ignore_ascii_case("true")).unwrap_or(false).to_string(),
    };
    let ttl = if def.default_ttl == 0 && def.options.contains_key("default_time_to_live") {
        int_option(def, "default_time_to_live", 0)
    } else {
        def.default_ttl.to_string()
    };
    let extensions = def.options.get("extensions").cloned().unwrap_or_else(|| "{}".to_string());
    let read_repair = match stored(def, "read_repair") {
        None => single_quoted(DEFAULT_READ_REPAIR),
        Some(lit) => match lit.text() {
            Some(t) => single_quoted(&t.trim().to_ascii_uppercase()),
            None => def.options["read_repair"].clone(),
        },
    };
    vec![
        format!("additional_write_policy = {}", retry_option(def, "additional_write_policy")),
        format!("bloom_filter_fp_chance = {}", double_option(def, "bloom_filter_fp_chance", bloom_default)),
        format!("caching = {}", caching_text(def)),
        format!("cdc = {cdc}"),
        format!("comment = {}", comment(def)),
        format!("compaction = {}", compaction_text(def)),
        format!("compression = {}", compression_text(def)),
        format!("crc_check_chance = {}", double_option(def, "crc_check_chance", DEFAULT_CRC_CHECK_CHANCE)),
        format!("default_time_to_live = {ttl}"),
        format!("extensions = {extensions}"),
        format!("gc_grace_seconds = {}", int_option(def, "gc_grace_seconds", DEFAULT_GC_GRACE_SECONDS)),
        format!("max_index_interval = {}", int_option(def, "max_index_interval", DEFAULT_MAX_INDEX_INTERVAL)),
        format!(
            "memtable_flush_period_in_ms = {}",
            int_option(def, "memtable_flush_period_in_ms", DEFAULT_MEMTABLE_FLUSH_PERIOD_IN_MS)
        ),
        format!("min_index_interval = {}", int_option(def, "min_index_interval", DEFAULT_MIN_INDEX_INTERVAL)),
        format!("read_repair = {read_repair}"),
        format!("speculative_retry = {}", retry_option(def, "speculative_retry")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_read_back_as_stored() {
        assert_eq!(Literal::parse("'it''s'"), Literal::Str("it's".into()));
        assert_eq!(Literal::parse("0.1"), Literal::Bare("0.1".into()));
        assert_eq!(
            Literal::parse("{'class': 'LeveledCompactionStrategy', 'sstable_size_in_mb': 160}"),
            Literal::Map(vec![
                ("class".into(), "LeveledCompactionStrategy".into()),
                ("sstable_size_in_mb".into(), "160".into())
            ])
        );
        assert_eq!(Literal::parse("{}"), Literal::Map(vec![]));
    }

    #[test]
    fn retry_policies_print_like_their_to_string() {
        assert_eq!(retry_policy("99PERCENTILE"), "99p");
        assert_eq!(retry_policy("99.5p"), "99.5p");
        assert_eq!(retry_policy("50ms"), "50ms");
        assert_eq!(retry_policy("always"), "ALWAYS");
        assert_eq!(retry_policy("none"), "NEVER");
    }
}
