//! A small sqllogictest runner over a [`Session`] (test-only): runs a corpus file
//! record by record, counting passes instead of stopping at the first failure.
//! Results with more values than the hash threshold compare by MD5, as the format says.

use super::basics::session;
use crate::{format_text, QueryOutput, Session, SqlType};

fn md5(input: &[u8]) -> String {
    let s: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    let k: Vec<u32> = (0..64).map(|i| ((i as f64 + 1.0).sin().abs() * 4294967296.0) as u32).collect();
    let (mut a0, mut b0, mut c0, mut d0) = (0x67452301u32, 0xefcdab89u32, 0x98badcfeu32, 0x10325476u32);
    let mut msg = input.to_vec();
    let bit_len = (input.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_le_bytes());
    for chunk in msg.chunks(64) {
        let m: Vec<u32> = chunk.chunks(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect();
        let (mut a, mut b, mut c, mut d) = (a0, b0, c0, d0);
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(k[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(s[i]));
        }
        a0 = a0.wrapping_add(a);
        b0 = b0.wrapping_add(b);
        c0 = c0.wrapping_add(c);
        d0 = d0.wrapping_add(d);
    }
    [a0, b0, c0, d0].iter().flat_map(|v| v.to_le_bytes()).map(|b| format!("{b:02x}")).collect()
}

fn render(v: &orbit_storage::Value, ty: &SqlType, kind: char) -> String {
    match format_text(v, ty) {
        None => "NULL".into(),
        Some(s) if s.is_empty() => "(empty)".into(),
        Some(s) => match kind {
            'R' => s.parse::<f64>().map(|f| format!("{f:.3}")).unwrap_or(s),
            'I' => match v {
                orbit_storage::Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
                orbit_storage::Value::Float(f) => format!("{}", f.trunc() as i64),
                orbit_storage::Value::Decimal(_) => s.split('.').next().unwrap_or(&s).to_string(),
                _ => s,
            },
            _ => s,
        },
    }
}

pub struct Outcome {
    pub passed: usize,
    pub total: usize,
    pub failures: Vec<String>,
}

pub async fn run_file(s: &mut Session, text: &str) -> Outcome {
    let mut out = Outcome { passed: 0, total: 0, failures: Vec::new() };
    let mut threshold = 0usize;
    let text = text.replace("\r\n", "\n");
    let blocks: Vec<&str> = text.split("\n\n").collect();
    for block in blocks {
        let mut lines: Vec<&str> = block.lines().filter(|l| !l.starts_with('#')).collect();
        while lines.first().is_some_and(|l| l.trim().is_empty()) {
            lines.remove(0);
        }
        let mut skip = false;
        while let Some(l) = lines.first() {
            if let Some(rest) = l.strip_prefix("skipif ") {
                skip |= rest.trim() == "postgresql";
                lines.remove(0);
            } else if let Some(rest) = l.strip_prefix("onlyif ") {
                skip |= rest.trim() != "postgresql";
                lines.remove(0);
            } else {
                break;
            }
        }
        let Some(head) = lines.first().copied() else { continue };
        if let Some(t) = head.strip_prefix("hash-threshold ") {
            threshold = t.trim().parse().unwrap_or(0);
            continue;
        }
        // As the sqllogictest runner does, `halt` stops the file whatever its conditions.
        if head.starts_with("halt") {
            break;
        }
        if skip {
            continue;
        }
        if head.starts_with("control") {
            continue;
        }
        let words: Vec<&str> = head.split_whitespace().collect();
        match words.first().copied() {
            Some("statement") => {
                let sql = lines[1..].join("\n");
                out.total += 1;
                let r = s.execute_batch(&sql).await.pop().unwrap();
                let good = match words.get(1) {
                    Some(&"ok") => r.is_ok(),
                    _ => r.is_err(),
                };
                if good {
                    out.passed += 1;
                } else {
                    out.failures.push(format!("{sql}\n  => {r:?}"));
                }
            }
            Some("query") => {
                let types: Vec<char> = words.get(1).map(|t| t.chars().collect()).unwrap_or_default();
                let sort = words.get(2).copied().unwrap_or("nosort");
                let sep = lines.iter().position(|l| *l == "----").unwrap_or(lines.len());
                let sql = lines[1..sep].join("\n");
                let expected: Vec<String> = lines.get(sep + 1..).unwrap_or(&[]).iter().map(|l| l.trim().to_string()).collect();
                out.total += 1;
                let r = s.execute_batch(&sql).await.pop().unwrap();
                let (columns, rows) = match r {
                    Ok(QueryOutput::Rows { columns, rows, .. }) => (columns, rows),
                    other => {
                        out.failures.push(format!("{sql}\n  => {other:?}"));
                        continue;
                    }
                };
                let mut rendered: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        r.iter().zip(&columns).enumerate().map(|(i, (v, c))| render(v, &c.ty, types.get(i).copied().unwrap_or('T'))).collect()
                    })
                    .collect();
                let mut values: Vec<String> = match sort {
                    "rowsort" => {
                        rendered.sort();
                        rendered.into_iter().flatten().collect()
                    }
                    "valuesort" => {
                        let mut v: Vec<String> = rendered.into_iter().flatten().collect();
                        v.sort();
                        v
                    }
                    _ => rendered.into_iter().flatten().collect(),
                };
                let got = if threshold > 0 && values.len() > threshold {
                    let mut joined = String::new();
                    for v in &values {
                        joined.push_str(v);
                        joined.push('\n');
                    }
                    vec![format!("{} values hashing to {}", values.len(), md5(joined.as_bytes()))]
                } else {
                    std::mem::take(&mut values)
                };
                if got == expected {
                    out.passed += 1;
                } else {
                    out.failures.push(format!("{sql}\n  expected {expected:?}\n  got      {got:?}"));
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn md5_matches_reference() {
    assert_eq!(md5(b""), "d41d8cd98f00b204e9800998ecf8427e");
    assert_eq!(md5(b"The quick brown fox jumps over the lazy dog"), "9e107d9d372bb6826bd81d3542a419d6");
}

async fn corpus(name: &str) -> Option<Outcome> {
    let path = format!("/work/shared/sqllogictest/sqlite/{name}");
    let text = std::fs::read_to_string(&path).ok()?;
    let mut s = session().await;
    let out = run_file(&mut s, &text).await;
    eprintln!("{name}: {}/{} records passed", out.passed, out.total);
    for f in out.failures.iter().take(8) {
        eprintln!("FAIL: {f}");
    }
    Some(out)
}

/// Runs every corpus file when present and prints the pass counts (`--ignored`).
#[tokio::test]
#[ignore]
async fn sqlite_corpus_report() {
    let only = std::env::var("SLT_FILE").ok();
    let mut names: Vec<String> = std::fs::read_dir("/work/shared/sqllogictest/sqlite")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().to_string()).collect())
        .unwrap_or_default();
    names.sort();
    let (mut p, mut t) = (0, 0);
    for n in names {
        if only.as_ref().is_some_and(|o| *o != n) {
            continue;
        }
        let start = std::time::Instant::now();
        if let Some(o) = corpus(&n).await {
            eprintln!("  ({:?})", start.elapsed());
            p += o.passed;
            t += o.total;
        }
    }
    eprintln!("TOTAL: {p}/{t}");
}

/// select1.test must pass completely when the corpus is available.
#[tokio::test]
async fn sqlite_select1() {
    if let Some(o) = corpus("select1.test").await {
        assert_eq!(o.passed, o.total, "select1.test: {}/{}", o.passed, o.total);
    }
}
