//! A real cluster in a test: `nats-server` (JetStream on, data in a temp dir) on a free 127.0.0.1
//! port, `tickframe-server` nodes, and WebSocket clients that keep every frame they receive. Every
//! process is killed on drop, so also when a test fails.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use tickframe_schema::{decode_frame, BookStatus};

/// The nats-server binary: $TICKFRAME_NATS_SERVER, the bootstrap's copy, or one on PATH.
pub fn nats_server_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("TICKFRAME_NATS_SERVER") {
        return p.into();
    }
    let tools = std::env::var_os("TICKFRAME_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/tickframe"));
    let cached = tools.join("nats-server-2.15.1/nats-server");
    if cached.exists() {
        return cached;
    }
    match Command::new("nats-server").arg("--version").output() {
        Ok(_) => "nats-server".into(),
        Err(_) => panic!("nats-server not found: run `bash scripts/bootstrap.sh` (npm test does) or set TICKFRAME_NATS_SERVER"),
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// A nats-server with JetStream; `restart` brings it back on the same port with the same data.
pub struct Nats {
    child: Option<Child>,
    pub port: u16,
    dir: PathBuf,
}

impl Nats {
    pub fn start() -> Nats {
        let dir = std::env::temp_dir().join(format!("tickframe-nats-{}-{}", std::process::id(), free_port()));
        let mut nats = Nats { child: None, port: free_port(), dir };
        nats.spawn();
        nats
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self) {
        let log = if std::env::var_os("TF_SERVER_LOG").is_some() { Stdio::inherit() } else { Stdio::null() };
        let child = Command::new(nats_server_binary())
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string(), "-js", "-sd"])
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("nats-server starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not listen on {} within 15 s", self.port);
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kill it (SIGKILL: no goodbye to the clients).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Send a signal to a node (SIGSTOP / SIGCONT / SIGKILL).
pub fn signal(server: &super::Server, sig: i32) {
    // SAFETY: kill(2) on a child we spawned and have not reaped.
    unsafe { libc::kill(server.0.id() as i32, sig) };
}

/// Read one counter or gauge from a node's /metrics.
pub async fn metric(addr: &str, name: &str) -> Option<u64> {
    let text = super::http_get(addr, "/metrics").await.ok()?.1;
    text.lines().find_map(|l| l.strip_prefix(&format!("tickframe_{name} "))).and_then(|v| v.trim().parse().ok())
}

/// Wait until `cond` holds (polling), or panic with `what` after `within`.
pub async fn eventually<F: std::future::Future<Output = bool>>(within: Duration, what: &str, mut cond: impl FnMut() -> F) -> Duration {
    let start = Instant::now();
    loop {
        if cond().await {
            return start.elapsed();
        }
        assert!(start.elapsed() < within, "not within {within:?}: {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// One received frame.
#[derive(Clone, Debug)]
pub struct Received {
    pub at: Instant,
    pub bytes: Bytes,
    pub sequence: u64,
    pub status: BookStatus,
    pub best_bid: f64,
    pub best_ask: f64,
}

/// A WebSocket client keeping every frame it receives (the task ends when the socket closes).
#[derive(Clone, Default)]
pub struct Watcher {
    pub frames: Arc<Mutex<Vec<Received>>>,
}

impl Watcher {
    pub async fn connect(addr: &str) -> Watcher {
        let (ws, _) = tokio::time::timeout(Duration::from_secs(10), tokio_tungstenite::connect_async(format!("ws://{addr}/ws")))
            .await
            .expect("connect within 10 s")
            .expect("WebSocket handshake");
        let watcher = Watcher::default();
        let frames = watcher.frames.clone();
        tokio::spawn(async move {
            let (_, mut read) = ws.split();
            while let Some(Ok(msg)) = read.next().await {
                if let tokio_tungstenite::tungstenite::Message::Binary(bytes) = msg {
                    let f = decode_frame(&bytes).expect("every frame a client gets is valid");
                    let r = Received {
                        at: Instant::now(),
                        sequence: f.sequence(),
                        status: f.status(),
                        best_bid: f.best_bid(),
                        best_ask: f.best_ask(),
                        bytes: bytes.clone(),
                    };
                    frames.lock().unwrap().push(r);
                }
            }
        });
        watcher
    }

    pub fn all(&self) -> Vec<Received> {
        self.frames.lock().unwrap().clone()
    }

    pub fn last(&self) -> Option<Received> {
        self.frames.lock().unwrap().last().cloned()
    }

    /// Wait for a frame after `since` matching `pred`; returns it.
    pub async fn wait_for(&self, since: Instant, within: Duration, what: &str, pred: impl Fn(&Received) -> bool) -> Received {
        let start = Instant::now();
        loop {
            if let Some(r) = self.frames.lock().unwrap().iter().find(|r| r.at >= since && pred(r)) {
                return r.clone();
            }
            assert!(start.elapsed() < within, "no frame within {within:?}: {what}; last: {:?}", self.last().map(|r| (r.sequence, r.status)));
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
