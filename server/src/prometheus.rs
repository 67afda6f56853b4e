//! Rendering storage and lease-provider metrics in Prometheus' text exposition format
//! (version 0.0.4).
//!
//! Storages ([`render`]): three metric families, each labelled by `protocol` and
//! `operation`: `orbit_storage_operations_total` (counter),
//! `orbit_storage_operation_errors_total` (counter) and
//! `orbit_storage_operation_duration_seconds` (histogram with cumulative
//! `_bucket{le=...}` series, `le="+Inf"`, `_sum` and `_count`).
//!
//! Lease-directory providers ([`render_lease_providers`]), labelled by `provider` (its
//! name in the configuration) and `type` (Etcd, Redis, CowBTree, ...):
//! `orbit_lease_provider_operations_total{operation=read|write|delete}` and
//! `orbit_lease_provider_errors_total` (counters), the gauges
//! `orbit_lease_provider_latency_avg_seconds` and `orbit_lease_provider_latency_p95_seconds`
//! (by operation), and `orbit_lease_provider_cache_hits_total` / `_misses_total`.

use orbit_leases::ProviderMetrics;
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
    match le {
        Some(le) => labelled(out, name, &[("protocol", protocol), ("operation", operation), ("le", le)], value),
        None => labelled(out, name, &[("protocol", protocol), ("operation", operation)], value),
    }
}

/// One sample line: `name{label="value",...} value`.
fn labelled(out: &mut String, name: &str, labels: &[(&str, &str)], value: &str) {
    let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{}\"", escape(v))).collect();
    let _ = writeln!(out, "{name}{{{}}} {value}", labels.join(","));
}

/// One lease provider's metrics: `(provider name, type name, metrics)`.
pub type LeaseProviderMetrics = (String, &'static str, ProviderMetrics);

/// Renders the lease-directory providers' counters and latencies.
pub fn render_lease_providers(providers: &[LeaseProviderMetrics]) -> String {
    let mut out = String::new();
    let ops = |m: &ProviderMetrics| {
        [
            ("read", m.read_operations, m.read_latency_avg_us, m.read_latency_p95_us),
            ("write", m.write_operations, m.write_latency_avg_us, m.write_latency_p95_us),
            ("delete", m.delete_operations, m.delete_latency_avg_us, m.delete_latency_p95_us),
        ]
    };
    let name = "orbit_lease_provider_operations_total";
    family(&mut out, name, "counter", "Lease directory operations performed, by provider and operation.");
    for (provider, kind, m) in providers {
        for (op, count, _, _) in ops(m) {
            labelled(
                &mut out,
                name,
                &[("provider", provider.as_str()), ("type", *kind), ("operation", op)],
                &count.to_string(),
            );
        }
    }
    let name = "orbit_lease_provider_errors_total";
    family(&mut out, name, "counter", "Lease directory operations that failed, by provider.");
    for (provider, kind, m) in providers {
        labelled(&mut out, name, &[("provider", provider.as_str()), ("type", *kind)], &m.error_count.to_string());
    }
    for (name, help, p95_wanted) in [
        (
            "orbit_lease_provider_latency_avg_seconds",
            "Average latency of lease directory operations in seconds, by provider and operation.",
            false,
        ),
        (
            "orbit_lease_provider_latency_p95_seconds",
            "95th percentile latency of lease directory operations in seconds, by provider and operation.",
            true,
        ),
    ] {
        family(&mut out, name, "gauge", help);
        for (provider, kind, m) in providers {
            for (op, _, avg, p95) in ops(m) {
                let micros = if p95_wanted { p95 } else { avg };
                let labels = [("provider", provider.as_str()), ("type", *kind), ("operation", op)];
                labelled(&mut out, name, &labels, &float(micros / 1_000_000.0));
            }
        }
    }
    let caches: [(&str, &str, fn(&ProviderMetrics) -> u64); 2] = [
        ("orbit_lease_provider_cache_hits_total", "Lease provider cache hits, by provider.", |m| m.cache_hits),
        ("orbit_lease_provider_cache_misses_total", "Lease provider cache misses, by provider.", |m| m.cache_misses),
    ];
    for (name, help, pick) in caches {
        family(&mut out, name, "counter", help);
        for (provider, kind, m) in providers {
            let value = pick(m);
            labelled(&mut out, name, &[("provider", provider.as_str()), ("type", *kind)], &value.to_string());
        }
    }
    out
}

/// Label values escape backslash, double quote and newline.
pub(crate) fn escape(value: &str) -> String {
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
    fn lease_providers_are_labelled_by_name_and_type() {
        let metrics = ProviderMetrics {
            read_operations: 7,
            write_operations: 3,
            delete_operations: 1,
            error_count: 2,
            read_latency_avg_us: 250.0,
            read_latency_p95_us: 1500.0,
            cache_hits: 5,
            ..ProviderMetrics::default()
        };
        let text = render_lease_providers(&[
            ("x".to_string(), "Etcd", metrics),
            ("lo\"cal".to_string(), "CowBTree", ProviderMetrics::default()),
        ]);
        let lines: Vec<&str> = text.lines().collect();
        for expected in [
            "# TYPE orbit_lease_provider_operations_total counter",
            "orbit_lease_provider_operations_total{provider=\"x\",type=\"Etcd\",operation=\"read\"} 7",
            "orbit_lease_provider_operations_total{provider=\"x\",type=\"Etcd\",operation=\"write\"} 3",
            "orbit_lease_provider_operations_total{provider=\"x\",type=\"Etcd\",operation=\"delete\"} 1",
            "orbit_lease_provider_errors_total{provider=\"x\",type=\"Etcd\"} 2",
            "# TYPE orbit_lease_provider_latency_avg_seconds gauge",
            "orbit_lease_provider_latency_avg_seconds{provider=\"x\",type=\"Etcd\",operation=\"read\"} 0.00025",
            "orbit_lease_provider_latency_p95_seconds{provider=\"x\",type=\"Etcd\",operation=\"read\"} 0.0015",
            "orbit_lease_provider_cache_hits_total{provider=\"x\",type=\"Etcd\"} 5",
            "orbit_lease_provider_cache_misses_total{provider=\"lo\\\"cal\",type=\"CowBTree\"} 0",
        ] {
            assert!(lines.contains(&expected), "missing {expected:?} in\n{text}");
        }
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (series, value) = line.rsplit_once(' ').expect("series and value");
            assert!(series.ends_with('}') && value.parse::<f64>().is_ok(), "{line}");
        }
        assert_eq!(render_lease_providers(&[]).lines().filter(|l| l.starts_with("# TYPE")).count(), 6);
    }

    #[test]
    fn no_protocols_still_declares_families() {
        let text = render(&[]);
        assert_eq!(text.lines().count(), 6);
    }
}
