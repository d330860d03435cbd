//! Harness for end-to-end tests of the real Wirewatch desktop app.
//!
//! Each [`App`] starts its own `tauri-driver` (in its own process group, on free ports), which
//! starts WebKitWebDriver, which launches the built app with `WIREWATCH_DB` pointing at the
//! test's database. [`FeedServer`] serves feeds on 127.0.0.1 and counts requests.
//!
//! Paths come from the environment that `tests/e2e/run.sh` sets: `WIREWATCH_E2E_APP` (the
//! built app), `TAURI_DRIVER` (the driver binary); screenshots go to `WIREWATCH_SCREENSHOTS`
//! when set.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long to wait for the UI to show something.
pub const WAIT: Duration = Duration::from_secs(20);

fn env_path(name: &str) -> PathBuf {
    PathBuf::from(std::env::var_os(name).unwrap_or_else(|| {
        panic!("{name} is not set: run the end-to-end tests with tests/e2e/run.sh")
    }))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A `tauri-driver` process group, stopped with SIGTERM (then SIGKILL) when dropped: SIGKILL
/// alone would leave WebKitWebDriver behind holding its port.
///
/// The app runs in the same group. Dropping waits until every process of the group is gone, not
/// just `tauri-driver`: the app quits gracefully on SIGTERM, and while it is still quitting it
/// holds the single-instance name, so a relaunch would hand over to it and exit at once.
struct Driver {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Driver {
    fn start(db: &Path) -> Driver {
        let port = free_port();
        let native = free_port();
        let log_path = db.with_extension("driver.log");
        let log = std::fs::File::create(&log_path).expect("driver log");
        let child = Command::new(env_path("TAURI_DRIVER"))
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
                "--native-driver",
                "/usr/bin/WebKitWebDriver",
            ])
            .env("WIREWATCH_DB", db)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .process_group(0)
            .spawn()
            .expect("start tauri-driver");
        // Owned from here on, so a driver that never listens is stopped as it is dropped.
        let driver = Driver {
            child,
            port,
            log: log_path,
        };
        // tauri-driver starts WebKitWebDriver beside its own server and passes a session
        // request straight on: wait for both to listen, or a first request on a busy machine
        // finds no native driver yet ("tcp connect error").
        let deadline = Instant::now() + Duration::from_secs(15);
        for (what, port) in [("tauri-driver", port), ("WebKitWebDriver", native)] {
            while TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(
                    Instant::now() < deadline,
                    "{what} did not listen on {port}; driver log:\n{}",
                    driver.log()
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        driver
    }

    /// What the driver (and WebKitWebDriver, and the app) printed so far.
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether any live process is left in the group. Reads `/proc` rather than `kill -0`,
    /// which also counts zombies that no one has reaped yet.
    fn group_alive(&self) -> bool {
        let group = self.child.id().to_string();
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return false;
        };
        dir.flatten().any(|entry| {
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                return false;
            };
            // `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses.
            let Some((_, rest)) = stat.rsplit_once(") ") else {
                return false;
            };
            let mut fields = rest.split(' ');
            let state = fields.next();
            let pgrp = fields.nth(1);
            state != Some("Z") && pgrp == Some(group.as_str())
        })
    }

    /// Reaps `tauri-driver` and waits up to `limit` for the rest of the group to go.
    fn wait_for_group(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            let _ = self.child.try_wait();
            if !self.group_alive() {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn signal_group(&self, signal: &str) {
        let _ = Command::new("kill")
            .args([signal, "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.signal_group("-TERM");
        // The app gets its own shutdown grace (five seconds) and some slack.
        if !self.wait_for_group(Duration::from_secs(15)) {
            self.signal_group("-KILL");
            let _ = self.child.wait();
            self.wait_for_group(Duration::from_secs(5));
        }
    }
}

/// The running app, driven through WebDriver.
pub struct App {
    /// The WebDriver session.
    pub client: Client,
    _driver: Driver,
}

impl App {
    /// Launches the app on the database `db`.
    pub async fn launch(db: &Path) -> App {
        let driver = Driver::start(db);
        let app = env_path("WIREWATCH_E2E_APP");
        assert!(app.exists(), "the app is not built at {}", app.display());
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app.to_string_lossy() }),
        );
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(caps);
        let url = format!("http://127.0.0.1:{}", driver.port);
        let client =
            match tokio::time::timeout(Duration::from_secs(60), builder.connect(&url)).await {
                Ok(Ok(client)) => client,
                Ok(Err(e)) => panic!("WebDriver session: {e}\ndriver log:\n{}", driver.log()),
                Err(_) => panic!(
                    "the WebDriver session did not start within a minute\ndriver log:\n{}",
                    driver.log()
                ),
            };
        let app = App {
            client,
            _driver: driver,
        };
        app.find("view-alerts").await;
        app
    }

    /// Ends the session, which closes the app, and stops the driver.
    pub async fn quit(self) {
        let _ = self.client.close().await;
    }

    fn css(testid: &str) -> String {
        format!("[data-testid=\"{testid}\"]")
    }

    /// The first element with this `data-testid`, waiting for it to appear.
    pub async fn find(&self, testid: &str) -> Element {
        self.find_css(&Self::css(testid)).await
    }

    /// The first element matching a CSS selector, waiting for it to appear.
    pub async fn find_css(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(el) => el,
            Err(e) => {
                self.screenshot("failed-find").await;
                panic!("{css} did not appear: {e}")
            }
        }
    }

    /// Every element with this `data-testid` now.
    pub async fn all(&self, testid: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(&Self::css(testid)))
            .await
            .unwrap_or_default()
    }

    /// Clicks the element with this `data-testid`.
    pub async fn click(&self, testid: &str) {
        self.find(testid)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {testid}: {e}"));
    }

    /// Clicks an element; when WebDriver deems it not interactable (rows of the virtual list
    /// are positioned layers), dispatches the click in the page instead.
    pub async fn click_el(&self, el: &Element) {
        let arg = serde_json::to_value(el).expect("element reference");
        // Bring it to the middle of its scroller first, so the click lands on it and not on a
        // neighbour of the virtual list.
        let _ = self
            .client
            .execute(
                "arguments[0].scrollIntoView({block: 'center'});",
                vec![arg.clone()],
            )
            .await;
        if el.click().await.is_err() {
            self.client
                .execute("arguments[0].click();", vec![arg])
                .await
                .expect("click in the page");
        }
    }

    /// Types into the element with this `data-testid` (after clearing it).
    pub async fn type_into(&self, testid: &str, text: &str) {
        let el = self.find(testid).await;
        el.clear()
            .await
            .unwrap_or_else(|e| panic!("clear {testid}: {e}"));
        el.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {testid}: {e}"));
    }

    /// Waits until `check` holds, running it every 100 ms, for at most [`WAIT`].
    pub async fn until<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = Instant::now() + WAIT;
        while !check().await {
            assert!(Instant::now() < deadline, "timed out waiting until {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until some element with this `data-testid` contains `needle`; returns it.
    pub async fn find_text(&self, testid: &str, needle: &str) -> Element {
        let deadline = Instant::now() + WAIT;
        loop {
            // Find it by its text content in the page itself: rendered-text extraction through
            // WebDriver is slow and trips over rows the virtual list re-renders.
            let index = self
                .client
                .execute(
                    "return Array.from(document.querySelectorAll(arguments[0]))
                        .findIndex(e => e.textContent.replace(/\\s+/g, ' ').includes(arguments[1]));",
                    vec![Self::css(testid).into(), needle.into()],
                )
                .await
                .ok()
                .and_then(|v| v.as_i64())
                .unwrap_or(-1);
            if index >= 0 {
                if let Some(el) = self.all(testid).await.into_iter().nth(index as usize) {
                    return el;
                }
            }
            if Instant::now() >= deadline {
                self.screenshot(&format!("failed-{testid}")).await;
                panic!("no {testid} containing {needle:?} appeared");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Runs JavaScript in the window and returns its result.
    pub async fn js(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}"))
    }

    /// Saves a screenshot as `<name>.png` in `WIREWATCH_SCREENSHOTS`, when set.
    pub async fn screenshot(&self, name: &str) {
        let Some(dir) = std::env::var_os("WIREWATCH_SCREENSHOTS") else {
            return;
        };
        // Let animations settle so the picture shows the resting state.
        tokio::time::sleep(Duration::from_millis(400)).await;
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        std::fs::write(Path::new(&dir).join(format!("{name}.png")), png).expect("write screenshot");
    }
}

/// A served document: content type and body.
type Served = (String, Vec<u8>);

/// Feeds served on 127.0.0.1, changeable while the test runs.
#[derive(Clone, Default)]
pub struct FeedServer {
    docs: Arc<Mutex<HashMap<String, Served>>>,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    addr: Arc<Mutex<Option<SocketAddr>>>,
}

impl FeedServer {
    /// Starts serving on a free loopback port.
    pub async fn start() -> FeedServer {
        let server = FeedServer::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        *server.addr.lock().unwrap() = Some(listener.local_addr().expect("address"));
        let s = server.clone();
        let router = axum::Router::new().fallback(move |req: axum::extract::Request| {
            let s = s.clone();
            async move {
                use axum::response::IntoResponse;
                let path = req.uri().path().to_string();
                *s.hits.lock().unwrap().entry(path.clone()).or_default() += 1;
                match s.docs.lock().unwrap().get(&path).cloned() {
                    Some((ct, body)) => {
                        ([(axum::http::header::CONTENT_TYPE, ct)], body).into_response()
                    }
                    None => (axum::http::StatusCode::NOT_FOUND, "not found").into_response(),
                }
            }
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        server
    }

    /// Serves `body` at `path`.
    pub fn set(&self, path: &str, content_type: &str, body: impl Into<Vec<u8>>) {
        self.docs
            .lock()
            .unwrap()
            .insert(path.into(), (content_type.into(), body.into()));
    }

    /// Requests seen for `path`.
    pub fn hits(&self, path: &str) -> usize {
        *self.hits.lock().unwrap().get(path).unwrap_or(&0)
    }

    /// Absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!(
            "http://{}{}",
            self.addr.lock().unwrap().expect("started"),
            path
        )
    }
}

/// One story of a test feed.
pub struct Story<'a> {
    /// Unique id.
    pub id: &'a str,
    /// Headline.
    pub title: &'a str,
    /// Text (HTML allowed).
    pub body: &'a str,
    /// Hours before now it was published.
    pub hours_ago: i64,
}

/// An RSS 2.0 document of `stories`, dated relative to now.
pub fn rss(title: &str, stories: &[Story]) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64;
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>{}</title>\
         <link>https://news.example.org/</link><description>{}</description>",
        esc(title),
        esc(title)
    );
    for s in stories {
        out.push_str(&format!(
            "<item><guid isPermaLink=\"false\">{id}</guid><title>{}</title>\
             <link>https://news.example.org/{id}</link><pubDate>{}</pubDate>\
             <description>{}</description></item>",
            esc(s.title),
            rfc2822(now - s.hours_ago * 3600),
            esc(s.body),
            id = esc(s.id),
        ));
    }
    out.push_str("</channel></rss>");
    out
}

fn rfc2822(unix: i64) -> String {
    // Days since 1970-01-01 to a civil date (proleptic Gregorian), enough for test feeds.
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{day:02} {} {year} {:02}:{:02}:{:02} +0000",
        MONTHS[(month - 1) as usize],
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}
