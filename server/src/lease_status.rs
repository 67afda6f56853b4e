//! The lease directory's providers as the admin endpoint shows them: every opened
//! provider (the addressable and cluster ones and a Composite's members) with its name,
//! type and roles, its health for `/health` and its counters for `/metrics`.
//!
//! Health levels: an Unhealthy provider makes the directory Unhealthy (and `/health`
//! 503); a Degraded one (a Composite with one member down, an etcd cluster with one
//! endpoint gone) makes it Degraded, which `/health` shows but answers 200. A provider
//! that serves only as a Composite's member counts at most as Degraded: the Composite
//! above it says whether the directory still works. Every check is
//! bounded by the admin endpoint's timeout and they run at once, so a provider that hangs
//! costs one timeout, not one per provider.

use orbit_leases::{BackendKind, LeaseDirectory, PersistenceProviderRegistry, ProviderHealth, ProviderMetrics};
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;

/// One opened provider.
#[derive(Clone)]
pub struct LeaseProviderStatus {
    pub name: String,
    pub kind: BackendKind,
    /// "addressable", "cluster", "default", "member" (of a Composite).
    pub roles: Vec<&'static str>,
    pub directory: Arc<dyn LeaseDirectory>,
}

/// Every opened provider of the server's lease directory.
#[derive(Clone, Default)]
pub struct LeaseDirectoryStatus {
    pub providers: Vec<LeaseProviderStatus>,
}

/// The worst health of a set of providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HealthLevel {
    Healthy,
    Degraded,
    Unhealthy,
}

impl HealthLevel {
    pub fn name(self) -> &'static str {
        match self {
            HealthLevel::Healthy => "healthy",
            HealthLevel::Degraded => "degraded",
            HealthLevel::Unhealthy => "unhealthy",
        }
    }

    fn of(health: &ProviderHealth) -> HealthLevel {
        match health {
            ProviderHealth::Healthy => HealthLevel::Healthy,
            ProviderHealth::Degraded { .. } => HealthLevel::Degraded,
            ProviderHealth::Unhealthy { .. } => HealthLevel::Unhealthy,
        }
    }
}

/// `{"status": "healthy"}` or `{"status": "degraded" | "unhealthy", "reason": ...}`, as
/// the storages' health reads.
pub fn health_json(health: &ProviderHealth) -> Value {
    match health {
        ProviderHealth::Healthy => json!({ "status": "healthy" }),
        ProviderHealth::Degraded { reason } => json!({ "status": "degraded", "reason": reason }),
        ProviderHealth::Unhealthy { reason } => json!({ "status": "unhealthy", "reason": reason }),
    }
}

impl LeaseDirectoryStatus {
    /// Every provider `registry` opened, with the roles it serves in.
    pub fn of_registry(registry: &PersistenceProviderRegistry) -> LeaseDirectoryStatus {
        let name_of =
            |backend: orbit_leases::LeaseResult<&orbit_leases::LeaseBackend>| backend.ok().map(|b| b.name.clone());
        let addressable = name_of(registry.addressable_backend());
        let cluster = name_of(registry.cluster_backend());
        let default = name_of(registry.default_backend());
        let members: Vec<&str> = registry.member_names().collect();
        let providers = registry
            .opened()
            .into_iter()
            .map(|b| {
                let mut roles = Vec::new();
                for (role, chosen) in [("addressable", &addressable), ("cluster", &cluster), ("default", &default)] {
                    if chosen.as_deref() == Some(b.name.as_str()) {
                        roles.push(role);
                    }
                }
                if members.contains(&b.name.as_str()) {
                    roles.push("member");
                }
                LeaseProviderStatus { name: b.name.clone(), kind: b.kind, roles, directory: b.directory.clone() }
            })
            .collect();
        LeaseDirectoryStatus { providers }
    }

    /// Checks every provider at once, each bounded by `timeout`: the worst level and the
    /// `lease_directory` section of `/health`.
    pub async fn health(&self, timeout: Duration) -> (HealthLevel, Value) {
        let mut checks = JoinSet::new();
        for (i, p) in self.providers.iter().enumerate() {
            let directory = p.directory.clone();
            checks.spawn(async move {
                let health = match tokio::time::timeout(timeout, directory.health_check()).await {
                    Ok(health) => health,
                    Err(_) => ProviderHealth::Unhealthy {
                        reason: format!("health check timed out after {}s", timeout.as_secs()),
                    },
                };
                (i, health)
            });
        }
        let mut results: Vec<Option<ProviderHealth>> = vec![None; self.providers.len()];
        while let Some(joined) = checks.join_next().await {
            if let Ok((i, health)) = joined {
                results[i] = Some(health);
            }
        }
        let mut worst = HealthLevel::Healthy;
        let mut providers = Map::new();
        for (p, health) in self.providers.iter().zip(results) {
            let health =
                health.unwrap_or_else(|| ProviderHealth::Unhealthy { reason: "the health check panicked".to_string() });
            let mut level = HealthLevel::of(&health);
            if p.roles == ["member"] {
                level = level.min(HealthLevel::Degraded);
            }
            worst = worst.max(level);
            providers.insert(
                p.name.clone(),
                json!({
                    "type": p.kind.type_name(),
                    "backend": p.kind.name(),
                    "roles": p.roles,
                    "health": health_json(&health),
                }),
            );
        }
        let role_holder =
            |role: &str| self.providers.iter().find(|p| p.roles.iter().any(|r| *r == role)).map(|p| p.name.clone());
        let section = json!({
            "status": worst.name(),
            "addressable": role_holder("addressable"),
            "cluster": role_holder("cluster"),
            "providers": providers,
        });
        (worst, section)
    }

    /// Every provider's counters (`(name, type, metrics)`), each read within `timeout`;
    /// a provider that does not answer in time is left out.
    pub async fn metrics(&self, timeout: Duration) -> Vec<(String, &'static str, ProviderMetrics)> {
        let mut out = Vec::with_capacity(self.providers.len());
        for p in &self.providers {
            match tokio::time::timeout(timeout, p.directory.metrics()).await {
                Ok(metrics) => out.push((p.name.clone(), p.kind.type_name(), metrics)),
                Err(_) => tracing::warn!(provider = %p.name, "lease provider metrics timed out"),
            }
        }
        out
    }
}
