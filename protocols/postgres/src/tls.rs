//! TLS for the PostgreSQL listener: the listener kit's rustls configuration
//! ([`orbit_protocol_api::tls`], ring provider) from the configured PEM certificate chain
//! and private key, announcing the `postgresql` ALPN name. pgwire answers SSLRequest with
//! 'S' and runs the handshake when the connection is given this acceptor; the
//! certificate's PEM also enables SCRAM-SHA-256-PLUS (tls-server-end-point channel
//! binding).

use crate::options::TlsFiles;
use orbit_protocol_api::tls::{self as kit, TlsSettings};
use pgwire::tokio::TlsAcceptor;

/// PostgreSQL 17 clients may start TLS directly (sslnegotiation=direct) with this ALPN.
pub const ALPN: &[u8] = b"postgresql";

/// What a TLS-enabled listener keeps: the acceptor and the certificate chain's PEM text.
#[derive(Clone)]
pub struct Tls {
    pub acceptor: TlsAcceptor,
    pub cert_pem: Vec<u8>,
}

/// Reads and checks the certificate and key; the error names the file at fault.
pub fn load(files: &TlsFiles) -> Result<Tls, String> {
    let settings = TlsSettings { cert: files.cert.clone(), key: files.key.clone() };
    let tls = kit::load(&settings, &[ALPN]).map_err(|e| e.0)?;
    Ok(Tls { acceptor: tls.acceptor(), cert_pem: tls.cert_pem })
}
