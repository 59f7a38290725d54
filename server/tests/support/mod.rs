//! Shared by the integration tests that run the real `tickframe-server` binary against in-test
//! exchanges: start it on port 0 (stopped on drop), and Kraken v2 book messages with valid checksums.
#![allow(dead_code)] // each test file uses part of it

pub mod cluster;
pub mod scripted_exchange;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A running `tickframe-server` and its address; killed and reaped on drop.
pub struct Server(pub Child, pub String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start the server on 127.0.0.1:0 with `args`; its log goes to stderr when TF_SERVER_LOG is set.
pub fn start(args: &[&str]) -> Server {
    let log = if std::env::var_os("TF_SERVER_LOG").is_some() { Stdio::inherit() } else { Stdio::null() };
    let mut child = Command::new(env!("CARGO_BIN_EXE_tickframe-server"))
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("server starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("address line");
    let addr = line.split("http://").nth(1).and_then(|r| r.split_whitespace().next()).expect("listening line").to_string();
    Server(child, addr)
}

/// The next binary message on a client WebSocket within 10 s (other messages skipped); panics if
/// the server closes the client or none comes.
pub async fn next_binary<S>(ws: &mut S) -> Vec<u8>
where
    S: futures_util::Stream<Item = Result<tokio_tungstenite::tungstenite::Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    loop {
        match tokio::time::timeout(std::time::Duration::from_secs(10), ws.next()).await.expect("a frame within 10 s") {
            Some(Ok(Message::Binary(b))) => return b.to_vec(),
            Some(Ok(_)) => continue,
            other => panic!("the server closed the client: {other:?}"),
        }
    }
}

/// GET a path from a server under test, within 5 s: (status, body).
pub async fn http_get(addr: &str, path: &str) -> Result<(u16, String), String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let fut = async {
        let mut s = tokio::net::TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes()).await.map_err(|e| e.to_string())?;
        let mut out = String::new();
        s.read_to_string(&mut out).await.map_err(|e| e.to_string())?;
        let status = out.split_whitespace().nth(1).and_then(|c| c.parse().ok()).ok_or("no status")?;
        Ok((status, out.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default()))
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), fut).await.map_err(|_| "timed out".to_string())?
}

/// Levels as the exchange prints them: (price, qty) text.
pub type Levels<'a> = &'a [(&'a str, &'a str)];

/// A Kraken v2 book message with a valid checksum (top 10 as printed, no point, no leading zeros).
pub fn kraken_v2(kind: &str, symbol: &str, bids: Levels, asks: Levels, book_after: (Levels, Levels)) -> String {
    let strip = |s: &str| s.replace('.', "").trim_start_matches('0').to_string();
    let (ab, aa) = book_after;
    let text: String = aa.iter().take(10).chain(ab.iter().take(10)).map(|(p, q)| strip(p) + &strip(q)).collect();
    let levels = |ls: &[(&str, &str)]| ls.iter().map(|(p, q)| format!(r#"{{"price":{p},"qty":{q}}}"#)).collect::<Vec<_>>().join(",");
    format!(
        r#"{{"channel":"book","type":"{kind}","data":[{{"symbol":"{symbol}","bids":[{}],"asks":[{}],"checksum":{},"timestamp":"t"}}]}}"#,
        levels(bids),
        levels(asks),
        crc32fast::hash(text.as_bytes())
    )
}

/// The shared third-party captures (../shared/fixtures/exchange beside the repo in CI, or
/// $TICKFRAME_EXCHANGE_FIXTURES; never copied into it). With CI=true a missing folder fails;
/// elsewhere the tests that need it skip.
pub fn fixtures() -> Option<PathBuf> {
    let dir = std::env::var_os("TICKFRAME_EXCHANGE_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/exchange"));
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(std::env::var("CI").is_err(), "CI=true but {} is missing", dir.display());
    eprintln!("skipped: {} not found (CI provides it)", dir.display());
    None
}
