//! Shared pieces of the integration tests: a real HTTP server on an ephemeral loopback port,
//! fixture loading, and the shared seed story.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;

/// An HTTP server on 127.0.0.1 that lives as long as this value.
pub struct TestServer {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestServer {
    /// Serves `router` on a free loopback port.
    pub async fn start(router: axum::Router) -> TestServer {
        TestServer::start_on("127.0.0.1:0".parse().unwrap(), router).await
    }

    /// Serves `router` on `addr` (a loopback address; port 0 for a free one).
    pub async fn start_on(addr: SocketAddr, router: axum::Router) -> TestServer {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
                .ok();
        });
        TestServer {
            addr,
            shutdown: Some(tx),
        }
    }

    /// Absolute URL of `path` on this server (`path` starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Path of a file under `tests/fixtures/`.
pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Bytes of a file under `tests/fixtures/`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = fixture_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read fixture {}: {e}", path.display()))
}

/// The shared seed story (`../shared/fixtures/seed-article.txt`), or `None` with a message
/// when this checkout has no `../shared` beside it (a plain clone).
pub fn seed_article() -> Option<String> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/seed-article.txt");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(_) => {
            eprintln!(
                "SKIPPED: ../shared/fixtures/seed-article.txt is not present beside this checkout; \
                 the seed-story test needs it"
            );
            None
        }
    }
}

/// One item of a generated RSS feed.
#[derive(Debug, Clone)]
pub struct Item {
    pub guid: String,
    pub title: String,
    pub link: String,
    pub body: String,
    pub published: String,
}

impl Item {
    /// An item with guid, link and date derived from `id`.
    pub fn new(id: &str, title: &str, body: &str) -> Item {
        Item {
            guid: format!("urn:wirewatch-test:{id}"),
            title: title.to_string(),
            link: format!("https://news.example.org/story/{id}"),
            body: body.to_string(),
            published: "Sat, 10 May 2025 09:30:00 +0000".into(),
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// An RSS 2.0 document with these items.
pub fn rss(title: &str, items: &[Item]) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>{}</title>\
         <link>https://news.example.org/</link><description>test</description>\n",
        escape(title)
    );
    for i in items {
        out.push_str(&format!(
            "<item><guid isPermaLink=\"false\">{}</guid><title>{}</title><link>{}</link>\
             <pubDate>{}</pubDate><description>{}</description></item>\n",
            escape(&i.guid),
            escape(&i.title),
            escape(&i.link),
            escape(&i.published),
            escape(&i.body)
        ));
    }
    out.push_str("</channel></rss>\n");
    out
}

/// A feed server whose documents can be changed while it runs, counting requests per path.
#[derive(Clone, Default)]
pub struct FeedHost {
    docs: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, Doc>>>,
    hits: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
}

/// What a path serves.
#[derive(Clone)]
pub struct Doc {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    pub etag: Option<String>,
    pub location: Option<String>,
}

impl Doc {
    /// An RSS document with an ETag derived from its content.
    pub fn feed(body: String) -> Doc {
        let etag = format!("\"{:x}\"", {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            body.hash(&mut h);
            h.finish()
        });
        Doc {
            status: 200,
            content_type: "application/rss+xml; charset=utf-8".into(),
            body: body.into_bytes(),
            etag: Some(etag),
            location: None,
        }
    }

    /// Any status with a plain body.
    pub fn status(status: u16, content_type: &str, body: &str) -> Doc {
        Doc {
            status,
            content_type: content_type.into(),
            body: body.as_bytes().to_vec(),
            etag: None,
            location: None,
        }
    }

    /// A redirect.
    pub fn redirect(status: u16, to: &str) -> Doc {
        Doc {
            status,
            content_type: "text/plain".into(),
            body: Vec::new(),
            etag: None,
            location: Some(to.into()),
        }
    }
}

impl FeedHost {
    /// Serves `doc` at `path` from now on.
    pub fn set(&self, path: &str, doc: Doc) {
        self.docs.lock().unwrap().insert(path.to_string(), doc);
    }

    /// Requests seen for `path`.
    pub fn hits(&self, path: &str) -> usize {
        *self.hits.lock().unwrap().get(path).unwrap_or(&0)
    }

    /// Starts serving on a loopback port.
    pub async fn start(&self) -> TestServer {
        self.start_on("127.0.0.1:0".parse().unwrap()).await
    }

    /// Serves the documents on `addr` (to bring a server back on the port it had).
    pub async fn start_on(&self, addr: SocketAddr) -> TestServer {
        let host = self.clone();
        let router = axum::Router::new().fallback(move |req: axum::extract::Request| {
            let host = host.clone();
            async move { host.answer(req) }
        });
        TestServer::start_on(addr, router).await
    }

    fn answer(&self, req: axum::extract::Request) -> axum::response::Response {
        use axum::http::{header, HeaderValue, StatusCode};
        use axum::response::IntoResponse;
        let path = req.uri().path().to_string();
        *self.hits.lock().unwrap().entry(path.clone()).or_default() += 1;
        let Some(doc) = self.docs.lock().unwrap().get(&path).cloned() else {
            return (StatusCode::NOT_FOUND, "not found").into_response();
        };
        let inm = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if doc.etag.is_some() && inm == doc.etag {
            return StatusCode::NOT_MODIFIED.into_response();
        }
        let mut resp =
            (StatusCode::from_u16(doc.status).unwrap(), doc.body.clone()).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(&doc.content_type).unwrap(),
        );
        if let Some(e) = &doc.etag {
            h.insert(header::ETAG, HeaderValue::from_str(e).unwrap());
        }
        if let Some(l) = &doc.location {
            h.insert(header::LOCATION, HeaderValue::from_str(l).unwrap());
        }
        resp
    }
}

/// An engine on a fresh database in `dir`, with short timeouts for tests.
pub fn engine(dir: &std::path::Path) -> wirewatch::Engine {
    wirewatch::Engine::open(
        test_config(dir),
        std::sync::Arc::new(wirewatch::SystemClock),
    )
    .expect("open engine")
}

/// Test configuration: a database in `dir`, short timeouts.
pub fn test_config(dir: &std::path::Path) -> wirewatch::Config {
    let mut config = wirewatch::Config::new(dir.join("wirewatch.db"));
    config.connect_timeout = std::time::Duration::from_secs(2);
    config.request_timeout = std::time::Duration::from_secs(3);
    config
}
