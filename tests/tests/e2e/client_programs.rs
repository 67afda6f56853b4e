//! The client programs of the client tests that are packages of their own
//! (tests/clients/<name>/, so their drivers never mix into the server's dependency
//! graph), built into `$ORBIT_CLIENTS_TARGET_DIR` (else `~/.cache/orbit-target-clients`,
//! outside the clone like the workspace's own target directory). The test script builds
//! them before the tests run, so a build here is normally a no-op.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds tests/clients/`package` and returns the path of its `binary`.
pub fn client_program(package: &str, binary: &str) -> Result<PathBuf, String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("clients").join(package).join("Cargo.toml");
    let target = match std::env::var_os("ORBIT_CLIENTS_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir)
            .join(".cache/orbit-target-clients"),
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["build", "--locked", "--quiet", "--manifest-path"])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .map_err(|e| format!("run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!("cargo build of {}: {}", manifest.display(), String::from_utf8_lossy(&out.stderr)));
    }
    Ok(target.join("debug").join(binary))
}
