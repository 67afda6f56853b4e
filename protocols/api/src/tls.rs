//! TLS for any listener: a rustls server configuration (ring provider, TLS 1.2 and 1.3,
//! no client certificates) from a PEM certificate chain and a PEM private key.
//!
//! The protocol decides when the handshake starts (PostgreSQL after an SSLRequest or
//! directly, MySQL after the client's SSL request packet) and what ALPN names it
//! announces; [`load`] only builds the configuration, once at start, with errors that
//! name the file at fault. [`ServerTls::cert_pem`] keeps the certificate's PEM text for
//! what needs it afterwards (SCRAM-SHA-256-PLUS channel binding).
//!
//! The rustls and tokio-rustls re-exported here are the ones pgwire resolves, so an
//! acceptor built here is the type `pgwire::tokio::TlsAcceptor` expects.

pub use tokio_rustls::rustls;
pub use tokio_rustls::TlsAcceptor;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use std::path::PathBuf;
use std::sync::Arc;

/// The certificate chain and private key, both PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A loaded certificate: the server configuration and the certificate chain's PEM.
#[derive(Clone)]
pub struct ServerTls {
    pub config: Arc<ServerConfig>,
    pub cert_pem: Vec<u8>,
}

impl ServerTls {
    /// An acceptor that runs the server side of the handshake on any stream.
    pub fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.config.clone())
    }
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls").field("alpn", &self.config.alpn_protocols).finish_non_exhaustive()
    }
}

/// Why a certificate could not be loaded; the message names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TlsError(pub String);

/// Reads and checks the certificate and key and builds the configuration announcing
/// `alpn` (most preferred first; empty: no ALPN).
pub fn load(settings: &TlsSettings, alpn: &[&[u8]]) -> Result<ServerTls, TlsError> {
    let cert_path = settings.cert.display();
    let key_path = settings.key.display();
    let cert_pem =
        std::fs::read(&settings.cert).map_err(|e| TlsError(format!("cannot read TLS certificate {cert_path}: {e}")))?;
    let key_pem = std::fs::read(&settings.key).map_err(|e| TlsError(format!("cannot read TLS key {key_path}: {e}")))?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| TlsError(format!("invalid TLS certificate {cert_path}: {e:?}")))?;
    if certs.is_empty() {
        return Err(TlsError(format!("invalid TLS certificate {cert_path}: no certificate in the file")));
    }
    let key =
        PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| TlsError(format!("invalid TLS key {key_path}: {e:?}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError(format!("TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| TlsError(format!("TLS certificate {cert_path} and key {key_path} do not fit: {e}")))?;
    config.alpn_protocols = alpn.iter().map(|name| name.to_vec()).collect();
    Ok(ServerTls { config: Arc::new(config), cert_pem })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(dir: &std::path::Path, cert: &[u8], key: &[u8]) -> TlsSettings {
        let settings = TlsSettings { cert: dir.join("cert.pem"), key: dir.join("key.pem") };
        std::fs::write(&settings.cert, cert).expect("write cert");
        std::fs::write(&settings.key, key).expect("write key");
        settings
    }

    #[test]
    fn errors_name_the_file() {
        let dir = std::env::temp_dir().join(format!("orbit-tls-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let missing = TlsSettings { cert: dir.join("absent.pem"), key: dir.join("absent.key") };
        let e = load(&missing, &[]).expect_err("missing");
        assert!(e.0.starts_with("cannot read TLS certificate ") && e.0.contains("absent.pem"), "{e}");

        let s = settings(&dir, b"not a certificate\n", b"not a key\n");
        let e = load(&s, &[]).expect_err("no certificate");
        assert!(e.0.ends_with("no certificate in the file"), "{e}");

        let garbage_cert = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let s = settings(&dir, garbage_cert, b"not a key\n");
        let e = load(&s, &[]).expect_err("no key");
        assert!(e.0.starts_with("invalid TLS key "), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// With the openssl command (skipped without it): a self-signed pair loads.
    #[test]
    fn loads_a_certificate_with_alpn() {
        let dir = std::env::temp_dir().join(format!("orbit-tls-ok-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let s = TlsSettings { cert: dir.join("cert.pem"), key: dir.join("key.pem") };
        let made = std::process::Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"])
            .arg("-keyout")
            .arg(&s.key)
            .arg("-out")
            .arg(&s.cert)
            .output();
        if !made.is_ok_and(|out| out.status.success()) {
            eprintln!("openssl is not available; skipping");
            return;
        }
        let tls = load(&s, &[b"postgresql"]).expect("loads");
        assert_eq!(tls.config.alpn_protocols, vec![b"postgresql".to_vec()]);
        assert!(tls.cert_pem.starts_with(b"-----BEGIN CERTIFICATE-----"));
        let _acceptor = tls.acceptor();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
