//! TLS for the PostgreSQL listener: a rustls server configuration (ring provider) from the
//! configured PEM certificate chain and private key. pgwire answers SSLRequest with 'S'
//! and runs the handshake when the connection is given this acceptor; the certificate's
//! PEM also enables SCRAM-SHA-256-PLUS (tls-server-end-point channel binding).

use crate::options::TlsFiles;
use pgwire::tokio::tokio_rustls::rustls::pki_types::pem::PemObject;
use pgwire::tokio::tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use pgwire::tokio::tokio_rustls::rustls::{self, ServerConfig};
use pgwire::tokio::TlsAcceptor;
use std::sync::Arc;

/// What a TLS-enabled listener keeps: the acceptor and the certificate chain's PEM text.
#[derive(Clone)]
pub struct Tls {
    pub acceptor: TlsAcceptor,
    pub cert_pem: Vec<u8>,
}

/// Reads and checks the certificate and key; the error names the file at fault.
pub fn load(files: &TlsFiles) -> Result<Tls, String> {
    let cert_pem =
        std::fs::read(&files.cert).map_err(|e| format!("cannot read TLS certificate {}: {e}", files.cert.display()))?;
    let key_pem = std::fs::read(&files.key).map_err(|e| format!("cannot read TLS key {}: {e}", files.key.display()))?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("invalid TLS certificate {}: {e:?}", files.cert.display()))?;
    if certs.is_empty() {
        return Err(format!("invalid TLS certificate {}: no certificate in the file", files.cert.display()));
    }
    let key = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|e| format!("invalid TLS key {}: {e:?}", files.key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            format!("TLS certificate {} and key {} do not fit: {e}", files.cert.display(), files.key.display())
        })?;
    // PostgreSQL 17 clients may start TLS directly (sslnegotiation=direct) with this ALPN.
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok(Tls { acceptor: TlsAcceptor::from(Arc::new(config)), cert_pem })
}
