//! Shared by the integration tests that run the real `tickframe-server` binary against in-test
//! exchanges: start it on port 0 (stopped on drop), and Kraken v2 book messages with valid checksums.
#![allow(dead_code)] // each test file uses part of it

pub mod cluster;
pub mod scripted_exchange;

use std::io::{BufRead, BufReader};
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
