//! A small JSON-over-HTTP client for the embedder and LLM endpoints a user configures:
//! one HTTP/1.1 POST per call on a fresh connection (hyper), `https://` through rustls
//! (ring) with the Mozilla roots of `webpki-roots`. The whole call is bounded by a timeout
//! and the response body by [`MAX_RESPONSE_BYTES`]; every failure is
//! [`ErrorKind::Upstream`](crate::error::ErrorKind::Upstream) with the endpoint's own
//! message when it gave one. The bearer token never appears in an error.

use crate::error::{GraphRagError, GraphRagResult};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HOST, USER_AGENT};
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls;

/// The largest response body read.
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// How much of an error body is quoted in the error message.
const QUOTED_ERROR_CHARS: usize = 300;

/// POSTs `body` as JSON to `url` and returns the JSON it answers with.
pub async fn post_json(
    url: &str,
    bearer: Option<&str>,
    body: &serde_json::Value,
    timeout: Duration,
) -> GraphRagResult<serde_json::Value> {
    post_json_with_tls(url, bearer, body, timeout, None).await
}

/// [`post_json`] with the TLS configuration given (the shipped roots when `None`).
async fn post_json_with_tls(
    url: &str,
    bearer: Option<&str>,
    body: &serde_json::Value,
    timeout: Duration,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> GraphRagResult<serde_json::Value> {
    let target = Target::parse(url)?;
    let payload = serde_json::to_vec(body).map_err(|e| GraphRagError::invalid(format!("request body: {e}")))?;
    match tokio::time::timeout(timeout, exchange(&target, bearer, payload, tls)).await {
        Ok(result) => result,
        Err(_) => Err(GraphRagError::upstream(format!("{url}: no answer within {} ms", timeout.as_millis()))),
    }
}

/// Where a request goes.
struct Target {
    url: String,
    tls: bool,
    host: String,
    port: u16,
    authority: String,
    path: String,
}

impl Target {
    fn parse(url: &str) -> GraphRagResult<Target> {
        let bad = |why: &str| GraphRagError::invalid(format!("endpoint URL '{url}': {why}"));
        let uri: Uri = url.parse().map_err(|_| bad("does not parse"))?;
        let tls = match uri.scheme_str() {
            Some("http") => false,
            Some("https") => true,
            _ => return Err(bad("only http:// and https:// are supported")),
        };
        let authority = uri.authority().ok_or_else(|| bad("no host"))?;
        if authority.as_str().contains('@') {
            return Err(bad("user information in the URL is not supported; configure an API key"));
        }
        let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_string();
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let port = authority.port_u16().unwrap_or(if tls { 443 } else { 80 });
        let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
        Ok(Target { url: url.to_string(), tls, host, port, authority: authority.as_str().to_string(), path })
    }
}

async fn exchange(
    target: &Target,
    bearer: Option<&str>,
    payload: Vec<u8>,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> GraphRagResult<serde_json::Value> {
    let upstream = |what: String| GraphRagError::upstream(format!("{}: {what}", target.url));
    let tcp = TcpStream::connect((target.host.as_str(), target.port))
        .await
        .map_err(|e| upstream(format!("cannot connect: {e}")))?;
    let _ = tcp.set_nodelay(true);
    if !target.tls {
        return send(target, bearer, payload, tcp).await;
    }
    let name = rustls::pki_types::ServerName::try_from(target.host.clone())
        .map_err(|_| upstream("not a valid TLS server name".to_string()))?;
    let config = match tls {
        Some(config) => config,
        None => tls_config()?,
    };
    let tls = tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .map_err(|e| upstream(format!("TLS handshake failed: {e}")))?;
    send(target, bearer, payload, tls).await
}

async fn send<S>(
    target: &Target,
    bearer: Option<&str>,
    payload: Vec<u8>,
    stream: S,
) -> GraphRagResult<serde_json::Value>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let upstream = |what: String| GraphRagError::upstream(format!("{}: {what}", target.url));
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| upstream(format!("HTTP handshake failed: {e}")))?;
    let driver = tokio::spawn(async move {
        let _ = connection.await;
    });
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(target.path.as_str())
        .header(HOST, target.authority.as_str())
        .header(CONTENT_TYPE, "application/json")
        .header(ACCEPT, "application/json")
        .header(USER_AGENT, concat!("orbit-graphrag/", env!("CARGO_PKG_VERSION")));
    if let Some(token) = bearer {
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    let request = request
        .body(Full::new(Bytes::from(payload)))
        .map_err(|_| GraphRagError::invalid(format!("{}: the API key is not a valid header value", target.url)))?;
    let result = async {
        let response = sender.send_request(request).await.map_err(|e| upstream(format!("request failed: {e}")))?;
        let status = response.status();
        let body = Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
            .collect()
            .await
            .map_err(|e| upstream(format!("reading the answer failed (limit {MAX_RESPONSE_BYTES} bytes): {e}")))?
            .to_bytes();
        let json = serde_json::from_slice::<serde_json::Value>(&body);
        if !status.is_success() {
            let message = json.ok().and_then(|j| error_message(&j)).unwrap_or_else(|| quote(&body));
            return Err(upstream(format!("HTTP {}: {message}", status.as_u16())));
        }
        json.map_err(|e| upstream(format!("answer is not JSON ({e}): {}", quote(&body))))
    }
    .await;
    driver.abort();
    result
}

/// The message of an error answer: OpenAI's `{"error": {"message": ..}}`, Ollama's
/// `{"error": ".."}` or a top-level `message`/`detail`.
pub fn error_message(json: &serde_json::Value) -> Option<String> {
    let error = json.get("error");
    let text = error
        .and_then(|e| e.get("message"))
        .or(error)
        .or_else(|| json.get("message"))
        .or_else(|| json.get("detail"))?;
    Some(match text.as_str() {
        Some(s) => s.chars().take(QUOTED_ERROR_CHARS).collect(),
        None => text.to_string().chars().take(QUOTED_ERROR_CHARS).collect(),
    })
}

fn quote(body: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(body).chars().take(QUOTED_ERROR_CHARS).collect();
    if text.trim().is_empty() {
        "(empty body)".to_string()
    } else {
        text
    }
}

fn tls_config() -> GraphRagResult<Arc<rustls::ClientConfig>> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
            rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map(|builder| Arc::new(builder.with_root_certificates(roots).with_no_client_auth()))
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|e| GraphRagError::upstream(format!("TLS configuration: {e}")))
}

/// A scripted HTTP/1.1 server on 127.0.0.1 for tests of the HTTP clients: it records
/// each request and answers what the test's handler says.
#[cfg(test)]
pub(crate) mod mock {
    use std::sync::{Arc, Mutex};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// One request as the server saw it.
    #[derive(Debug, Clone)]
    pub struct Seen {
        pub method: String,
        pub path: String,
        /// Header names lower-cased.
        pub headers: Vec<(String, String)>,
        pub body: Vec<u8>,
    }

    impl Seen {
        pub fn header(&self, name: &str) -> Option<&str> {
            self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
        }
        pub fn json(&self) -> serde_json::Value {
            serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
        }
    }

    /// What the server answers.
    pub enum Reply {
        Json(u16, String),
        Raw(Vec<u8>),
        Silence,
    }

    pub struct MockServer {
        pub url: String,
        pub seen: Arc<Mutex<Vec<Seen>>>,
    }

    impl MockServer {
        pub async fn start<F>(path: &str, handler: F) -> MockServer
        where
            F: Fn(&Seen) -> Reply + Send + Sync + 'static,
        {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let url = format!("http://{}{path}", listener.local_addr().expect("addr"));
            let seen = Arc::new(Mutex::new(Vec::new()));
            let (handler, record) = (Arc::new(handler), seen.clone());
            tokio::spawn(async move {
                while let Ok((mut socket, _)) = listener.accept().await {
                    let (handler, record) = (handler.clone(), record.clone());
                    tokio::spawn(async move {
                        let Some(request) = read_request(&mut socket).await else { return };
                        record.lock().expect("lock").push(request.clone());
                        let bytes = match handler(&request) {
                            Reply::Json(status, body) => format!(
                                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                                body.len()
                            )
                            .into_bytes(),
                            Reply::Raw(bytes) => bytes,
                            Reply::Silence => {
                                tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                                return;
                            }
                        };
                        let _ = socket.write_all(&bytes).await;
                        let _ = socket.shutdown().await;
                    });
                }
            });
            MockServer { url, seen }
        }

        pub fn requests(&self) -> Vec<Seen> {
            self.seen.lock().expect("lock").clone()
        }
    }

    pub async fn read_request<S: tokio::io::AsyncRead + Unpin>(socket: &mut S) -> Option<Seen> {
        let mut buffer = Vec::new();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break at;
            }
            let n = socket.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buffer.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
        let mut lines = head.split("\r\n");
        let mut first = lines.next()?.split(' ');
        let (method, path) = (first.next()?.to_string(), first.next()?.to_string());
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let length: usize =
            headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
        let mut body = buffer[head_end + 4..].to_vec();
        while body.len() < length {
            let n = socket.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            body.extend_from_slice(&chunk[..n]);
        }
        Some(Seen { method, path, headers, body })
    }
}

#[cfg(test)]
mod tests {
    use super::mock::{MockServer, Reply};
    use super::*;
    use crate::error::ErrorKind;
    use serde_json::json;

    const SECOND: Duration = Duration::from_secs(1);

    #[tokio::test]
    async fn posts_json_with_the_bearer_token_and_reads_the_answer() {
        let server = MockServer::start("/v1/embeddings", |_| Reply::Json(200, r#"{"ok":true,"n":[1,2]}"#.into())).await;
        let answer = post_json(&server.url, Some("sk-test"), &json!({"model": "m", "input": ["a"]}), SECOND).await;
        assert_eq!(answer.unwrap(), json!({"ok": true, "n": [1, 2]}));
        let seen = &server.requests()[0];
        assert_eq!((seen.method.as_str(), seen.path.as_str()), ("POST", "/v1/embeddings"));
        assert_eq!(seen.header("authorization"), Some("Bearer sk-test"));
        assert_eq!(seen.header("content-type"), Some("application/json"));
        assert!(seen.header("host").is_some_and(|h| h.starts_with("127.0.0.1:")));
        assert_eq!(seen.json(), json!({"model": "m", "input": ["a"]}));
    }

    #[tokio::test]
    async fn no_bearer_sends_no_authorization() {
        let server = MockServer::start("/api/embed?x=1", |_| Reply::Json(200, "{}".into())).await;
        post_json(&server.url, None, &json!({}), SECOND).await.unwrap();
        let seen = &server.requests()[0];
        assert_eq!(seen.header("authorization"), None);
        assert_eq!(seen.path, "/api/embed?x=1");
    }

    #[tokio::test]
    async fn error_statuses_carry_the_endpoints_message() {
        let openai = MockServer::start("/", |_| {
            Reply::Json(
                401,
                r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}"#.into(),
            )
        })
        .await;
        let e = post_json(&openai.url, Some("secret-key"), &json!({}), SECOND).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Upstream);
        assert!(e.message.contains("HTTP 401: Incorrect API key provided"), "{}", e.message);
        assert!(!e.message.contains("secret-key"));
        let ollama =
            MockServer::start("/", |_| Reply::Json(404, r#"{"error":"model \"nope\" not found"}"#.into())).await;
        let e = post_json(&ollama.url, None, &json!({}), SECOND).await.unwrap_err();
        assert!(e.message.contains("HTTP 404: model \"nope\" not found"), "{}", e.message);
        let text = MockServer::start("/", |_| {
            Reply::Raw(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 7\r\n\r\nupstrm!".to_vec())
        })
        .await;
        let e = post_json(&text.url, None, &json!({}), SECOND).await.unwrap_err();
        assert!(e.message.contains("HTTP 502: upstrm!"), "{}", e.message);
    }

    #[tokio::test]
    async fn garbage_answers_are_upstream_errors() {
        let not_json = MockServer::start("/", |_| Reply::Json(200, "<html>hi</html>".into())).await;
        let e = post_json(&not_json.url, None, &json!({}), SECOND).await.unwrap_err();
        assert!(e.kind == ErrorKind::Upstream && e.message.contains("not JSON"), "{}", e.message);
        let not_http = MockServer::start("/", |_| Reply::Raw(b"\x00\x01garbage\r\n\r\n".to_vec())).await;
        assert_eq!(post_json(&not_http.url, None, &json!({}), SECOND).await.unwrap_err().kind, ErrorKind::Upstream);
        let closed = MockServer::start("/", |_| Reply::Raw(Vec::new())).await;
        assert_eq!(post_json(&closed.url, None, &json!({}), SECOND).await.unwrap_err().kind, ErrorKind::Upstream);
        let short =
            MockServer::start("/", |_| Reply::Raw(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{}".to_vec())).await;
        assert_eq!(post_json(&short.url, None, &json!({}), SECOND).await.unwrap_err().kind, ErrorKind::Upstream);
    }

    #[tokio::test]
    async fn oversize_answers_are_refused() {
        let big = MAX_RESPONSE_BYTES + 1;
        let server = MockServer::start("/", move |_| {
            let mut bytes = format!("HTTP/1.1 200 OK\r\ncontent-length: {big}\r\n\r\n").into_bytes();
            bytes.resize(bytes.len() + big, b' ');
            Reply::Raw(bytes)
        })
        .await;
        let e = post_json(&server.url, None, &json!({}), Duration::from_secs(20)).await.unwrap_err();
        assert!(e.kind == ErrorKind::Upstream && e.message.contains("limit"), "{}", e.message);
    }

    #[tokio::test]
    async fn a_silent_endpoint_times_out() {
        let server = MockServer::start("/", |_| Reply::Silence).await;
        let e = post_json(&server.url, None, &json!({}), Duration::from_millis(200)).await.unwrap_err();
        assert!(e.kind == ErrorKind::Upstream && e.message.contains("no answer within 200 ms"), "{}", e.message);
    }

    #[tokio::test]
    async fn unreachable_and_bad_urls() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let e = post_json(&format!("http://127.0.0.1:{port}/"), None, &json!({}), SECOND).await.unwrap_err();
        assert!(e.kind == ErrorKind::Upstream && e.message.contains("cannot connect"), "{}", e.message);
        for url in ["ftp://x/", "not a url", "http:///path", "http://user:pw@host/"] {
            assert_eq!(
                post_json(url, None, &json!({}), SECOND).await.unwrap_err().kind,
                ErrorKind::InvalidArgument,
                "{url}"
            );
        }
    }

    #[tokio::test]
    async fn https_to_a_plain_http_server_fails_the_handshake() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("https://{}/v1/embeddings", listener.local_addr().unwrap());
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            if let Ok((mut socket, _)) = listener.accept().await {
                let _ = socket.write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n").await;
                let _ = socket.shutdown().await;
            }
        });
        let e = post_json(&url, None, &json!({}), SECOND).await.unwrap_err();
        assert!(e.kind == ErrorKind::Upstream && e.message.contains("TLS handshake failed"), "{}", e.message);
    }

    /// A self-signed certificate for 127.0.0.1 and localhost (P-256, valid until 2126),
    /// made with `openssl req -x509` for this test only.
    const TEST_CERT: &str = "-----BEGIN CERTIFICATE-----
MIIBrDCCAVKgAwIBAgIUXV/LkcUz6y9hvcpzPvFdF/OKkkowCgYIKoZIzj0EAwIw
HjEcMBoGA1UEAwwTb3JiaXQtZ3JhcGhyYWcgdGVzdDAgFw0yNjEyMDcxNTM0NTFa
GA8yMTI2MTExMzE1MzQ1MVowHjEcMBoGA1UEAwwTb3JiaXQtZ3JhcGhyYWcgdGVz
dDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABL3l9mrWeoWdJkeT3igFN/1VQRlO
YvCxNe4IpM+C3eatrvXHO5I51Lwy5jlp9sZZZTLFzFx4+zUBFuuyS4wGobOjbDBq
MB0GA1UdDgQWBBQ9Xxbnekj15Ayeeo5MmJ9FzBbqIzAfBgNVHSMEGDAWgBQ9Xxbn
ekj15Ayeeo5MmJ9FzBbqIzAaBgNVHREEEzARhwR/AAABgglsb2NhbGhvc3QwDAYD
VR0TAQH/BAIwADAKBggqhkjOPQQDAgNIADBFAiEA09ZVZE43afzeRg82vzDVt7D2
XhBdaN7VthNg5CJIr2MCIEJNBRrutYPJ3g+GvnGDZM8UfpyzyLxIVUYOFxXF2bZq
-----END CERTIFICATE-----
";
    const TEST_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgjE72hojnAbsbE4Ay
aSHjoh7yRkxXRlirh6TbVGlZd2mhRANCAAS95fZq1nqFnSZHk94oBTf9VUEZTmLw
sTXuCKTPgt3mra71xzuSOdS8MuY5afbGWWUyxcxcePs1ARbrskuMBqGz
-----END PRIVATE KEY-----
";

    #[tokio::test]
    async fn https_with_a_trusted_certificate_round_trips() {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        use tokio::io::AsyncWriteExt;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let cert = CertificateDer::from_pem_slice(TEST_CERT.as_bytes()).unwrap();
        let key = PrivateKeyDer::from_pem_slice(TEST_KEY.as_bytes()).unwrap();
        let server = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert.clone()], key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("https://{}/v1/embeddings", listener.local_addr().unwrap());
        let (sender, seen) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            let mut tls = acceptor.accept(socket).await.unwrap();
            let request = super::mock::read_request(&mut tls).await.unwrap();
            let body = r#"{"data":[{"index":0,"embedding":[1.0]}]}"#;
            let answer = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}", body.len());
            tls.write_all(answer.as_bytes()).await.unwrap();
            tls.shutdown().await.unwrap();
            let _ = sender.send(request);
            let (socket, _) = listener.accept().await.unwrap();
            let _ = acceptor.accept(socket).await;
        });
        let mut roots = rustls::RootCertStore::empty();
        roots.add(cert).unwrap();
        let client = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let answer =
            post_json_with_tls(&url, Some("k"), &json!({"input": ["x"]}), SECOND, Some(Arc::new(client))).await;
        assert_eq!(answer.unwrap(), json!({"data": [{"index": 0, "embedding": [1.0]}]}));
        let request = seen.await.unwrap();
        assert_eq!(request.header("authorization"), Some("Bearer k"));
        assert_eq!(request.json(), json!({"input": ["x"]}));
        let untrusted = post_json(&url, None, &json!({}), SECOND).await.unwrap_err();
        assert!(
            untrusted.kind == ErrorKind::Upstream && untrusted.message.contains("TLS handshake failed"),
            "{untrusted}"
        );
    }

    #[test]
    fn error_messages_of_each_shape() {
        assert_eq!(error_message(&json!({"error": {"message": "m1"}})).as_deref(), Some("m1"));
        assert_eq!(error_message(&json!({"error": "m2"})).as_deref(), Some("m2"));
        assert_eq!(error_message(&json!({"detail": "m3"})).as_deref(), Some("m3"));
        assert_eq!(error_message(&json!({"error": {"code": 5}})).as_deref(), Some(r#"{"code":5}"#));
        assert_eq!(error_message(&json!([1])), None);
    }
}
