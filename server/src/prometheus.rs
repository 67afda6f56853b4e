//! Rendering storage metrics in Prometheus' text exposition format (version 0.0.4).
//!
//! Three metric families, each labelled by `protocol` and `operation`:
//! `orbit_storage_operations_total` (counter), `orbit_storage_operation_errors_total`
//! (counter) and `orbit_storage_operation_duration_seconds` (histogram with cumulative
//! `_bucket{le=...}` series, `le="+Inf"`, `_sum` and `_count`).

use orbit_storage::MetricsSnapshot;
use std::fmt::Write;

/// The `Content-Type` of the rendered text.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Renders the snapshots of every protocol (`(protocol name, snapshot)`).
pub fn render(protocols: &[(&str, MetricsSnapshot)]) -> String {
    let mut out = String::new();

    family(
        &mut out,
        "orbit_storage_operations_total",
        "counter",
        "Storage operations performed, by protocol and operation.",
    );
    for (protocol, snapshot) in protocols {
        for op in &snapshot.operations {
            sample(&mut out, "orbit_storage_operations_total", protocol, op.operation, None, &op.count.to_string());
        }
    }

    family(
        &mut out,
        "orbit_storage_operation_errors_total",
        "counter",
        "Storage operations that failed, by protocol and operation.",
    );
    for (protocol, snapshot) in protocols {
        for op in &snapshot.operations {
            sample(
                &mut out,
                "orbit_storage_operation_errors_total",
                protocol,
                op.operation,
                None,
                &op.errors.to_string(),
            );
        }
    }

    let histogram = "orbit_storage_operation_duration_seconds";
    family(&mut out, histogram, "histogram", "Latency of storage operations in seconds, by protocol and operation.");
    let bucket = format!("{histogram}_bucket");
    let sum = format!("{histogram}_sum");
    let count = format!("{histogram}_count");
    for (protocol, snapshot) in protocols {
        for op in &snapshot.operations {
            for (le, cumulative) in &op.buckets {
                sample(&mut out, &bucket, protocol, op.operation, Some(&float(*le)), &cumulative.to_string());
            }
            sample(&mut out, &bucket, protocol, op.operation, Some("+Inf"), &op.count.to_string());
            sample(&mut out, &sum, protocol, op.operation, None, &float(op.sum_seconds));
            sample(&mut out, &count, protocol, op.operation, None, &op.count.to_string());
        }
    }
    out
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn sample(out: &mut String, name: &str, protocol: &str, operation: &str, le: Option<&str>, value: &str) {
    let _ = write!(out, "{name}{{protocol=\"{}\",operation=\"{}\"", escape(protocol), escape(operation));
    if let Some(le) = le {
        let _ = write!(out, ",le=\"{le}\"");
    }
    let _ = writeln!(out, "}} {value}");
}

/// Label values escape backslash, double quote and newline.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn float(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orbit_storage::metrics::OperationMetrics;

    fn snapshot() -> MetricsSnapshot {
        MetricsSnapshot {
            operations: vec![
                OperationMetrics {
                    operation: "get",
                    count: 3,
                    errors: 1,
                    sum_seconds: 0.5,
                    buckets: vec![(0.0001, 1), (0.001, 2), (1.0, 2)],
                },
                OperationMetrics {
                    operation: "insert",
                    count: 0,
                    errors: 0,
                    sum_seconds: 0.0,
                    buckets: vec![(0.0001, 0)],
                },
            ],
        }
    }

    #[test]
    fn renders_counters_and_histograms() {
        let text = render(&[("redis", snapshot()), ("post\"gres", snapshot())]);
        let lines: Vec<&str> = text.lines().collect();

        for family in [
            "orbit_storage_operations_total",
            "orbit_storage_operation_errors_total",
            "orbit_storage_operation_duration_seconds",
        ] {
            assert_eq!(lines.iter().filter(|l| l.starts_with(&format!("# HELP {family} "))).count(), 1, "{family}");
            assert_eq!(lines.iter().filter(|l| l.starts_with(&format!("# TYPE {family} "))).count(), 1, "{family}");
        }
        assert!(lines.contains(&"# TYPE orbit_storage_operation_duration_seconds histogram"));
        assert!(lines.contains(&"orbit_storage_operations_total{protocol=\"redis\",operation=\"get\"} 3"));
        assert!(lines.contains(&"orbit_storage_operation_errors_total{protocol=\"redis\",operation=\"get\"} 1"));
        assert!(lines.contains(
            &"orbit_storage_operation_duration_seconds_bucket{protocol=\"redis\",operation=\"get\",le=\"0.0001\"} 1"
        ));
        assert!(lines.contains(
            &"orbit_storage_operation_duration_seconds_bucket{protocol=\"redis\",operation=\"get\",le=\"1\"} 2"
        ));
        assert!(lines.contains(
            &"orbit_storage_operation_duration_seconds_bucket{protocol=\"redis\",operation=\"get\",le=\"+Inf\"} 3"
        ));
        assert!(
            lines.contains(&"orbit_storage_operation_duration_seconds_sum{protocol=\"redis\",operation=\"get\"} 0.5")
        );
        assert!(
            lines.contains(&"orbit_storage_operation_duration_seconds_count{protocol=\"redis\",operation=\"get\"} 3")
        );
        assert!(lines.contains(&"orbit_storage_operations_total{protocol=\"post\\\"gres\",operation=\"insert\"} 0"));
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn every_sample_line_is_well_formed() {
        let text = render(&[("redis", snapshot())]);
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (series, value) = line.rsplit_once(' ').expect("series and value");
            assert!(series.ends_with('}'), "{line}");
            assert!(value == "+Inf" || value.parse::<f64>().is_ok(), "{line}");
        }
    }

    #[test]
    fn no_protocols_still_declares_families() {
        let text = render(&[]);
        assert_eq!(text.lines().count(), 6);
    }
}
