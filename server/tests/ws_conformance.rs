//! RFC 6455 on a real socket: a table of client byte streams and the answer each must get, grouped
//! and named after the Autobahn testsuite's sections (1 framing, 2 pings/pongs, 3 reserved bits,
//! 4 opcodes, 5 fragmentation, 6 UTF-8, 7 close handling, 9 limits) plus the length attacks of the
//! hardening report. Every case opens its own connection to one server on 127.0.0.1:0, sends its
//! bytes, reads what the server sends until its close frame, and checks the close code, the pongs,
//! and that the server then ends the TCP stream cleanly (FIN, not a reset).

use std::net::SocketAddr;
use std::time::Duration;

use tickframe_server::adapters::sim::SimAdapter;
use tickframe_server::engine::orderbook_engine::OrderbookEngine;
use tickframe_server::sources::simulator::{self, sim_instrument};
use tickframe_server::{serve, ServeOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn start(options: ServeOptions) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let engine = OrderbookEngine::new(SimAdapter::new(), sim_instrument(), 5);
    let (tx, rx) = tokio::sync::mpsc::channel(1024);
    tokio::spawn(simulator::run(5, 20, None, tx));
    tokio::spawn(serve(engine, rx, listener, options, std::future::pending()));
    addr
}

/// A masked client frame: first byte (FIN, RSV, opcode) and payload, length in its shortest form.
fn frame(first: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0x37u8, 0xfa, 0x21, 0x3d];
    let mut v = vec![first];
    match payload.len() {
        n if n < 126 => v.push(0x80 | n as u8),
        n if n <= 0xFFFF => {
            v.push(0x80 | 126);
            v.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            v.push(0x80 | 127);
            v.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    v.extend_from_slice(&mask);
    v.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    v
}

fn close(code: u16, reason: &[u8]) -> Vec<u8> {
    let mut p = code.to_be_bytes().to_vec();
    p.extend_from_slice(reason);
    frame(0x88, &p)
}

/// A header with a 64-bit length and a mask, no payload.
fn long_header(first: u8, len: u64) -> Vec<u8> {
    let mut v = vec![first, 0x80 | 127];
    v.extend_from_slice(&len.to_be_bytes());
    v.extend_from_slice(&[0; 4]);
    v
}

fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

const BAD_UTF8: &[u8] = &[0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xed, 0xa0, 0x80, 0x65, 0x64];

/// What the server sent before and with its close frame.
#[derive(Debug)]
struct Answer {
    pongs: Vec<Vec<u8>>,
    close_code: Option<u16>,
    /// The stream ended with FIN after the close (not a reset, not left open).
    clean_end: bool,
}

async fn run_case(addr: SocketAddr, bytes: &[u8]) -> Answer {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(
        format!("GET /ws HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
            .as_bytes(),
    )
    .await
    .unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    // The 101 head.
    let head_end = loop {
        let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut chunk)).await.expect("101 in time").unwrap();
        assert!(n > 0, "closed during the handshake");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    assert!(buf.starts_with(b"HTTP/1.1 101"), "{:?}", String::from_utf8_lossy(&buf));
    buf.drain(..head_end);
    // A writer error is fine: the server may have closed after refusing a header it did not like.
    let _ = tcp.write_all(bytes).await;
    let mut answer = Answer { pongs: Vec::new(), close_code: None, clean_end: false };
    loop {
        // Server frames are unmasked: opcode, 7/16/64-bit length, payload.
        while buf.len() >= 2 {
            let (op, len7) = (buf[0] & 0x0F, (buf[1] & 0x7F) as usize);
            let (len, h) = match len7 {
                126 if buf.len() >= 4 => (u16::from_be_bytes([buf[2], buf[3]]) as usize, 4),
                127 if buf.len() >= 10 => (u64::from_be_bytes(buf[2..10].try_into().unwrap()) as usize, 10),
                126 | 127 => break,
                n => (n, 2),
            };
            if buf.len() < h + len {
                break;
            }
            let payload = buf[h..h + len].to_vec();
            buf.drain(..h + len);
            match op {
                0xA => answer.pongs.push(payload),
                0x8 if answer.close_code.is_none() => answer.close_code = payload.get(..2).map(|c| u16::from_be_bytes([c[0], c[1]])).or(Some(1005)),
                _ => {}
            }
        }
        match tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut chunk)).await {
            Err(_) => return answer, // still open: clean_end stays false
            Ok(Ok(0)) => {
                answer.clean_end = true;
                return answer;
            }
            Ok(Err(_)) => return answer, // reset
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// (Autobahn section, what the case is, client bytes, expected close code, expected pong payloads)
type Case<'a> = (&'a str, &'a str, Vec<u8>, u16, Vec<&'a [u8]>);

#[tokio::test]
async fn rfc_6455_case_table() {
    let addr = start(ServeOptions::new("SIM-USD")).await;
    let bye = close(1000, b"");
    let text = |s: &str| frame(0x81, s.as_bytes());
    let cases: Vec<Case> = vec![
        ("1.1.1", "empty text message", cat(&[text(""), bye.clone()]), 1000, vec![]),
        ("1.1.6", "text message of 65535 bytes is over the 4 KiB cap", frame(0x81, &vec![b'*'; 65535]), 1009, vec![]),
        ("1.2.1", "empty binary message", cat(&[frame(0x82, b""), bye.clone()]), 1000, vec![]),
        ("1.2.2", "binary message of 125 bytes", cat(&[frame(0x82, &[0xfe; 125]), bye.clone()]), 1000, vec![]),
        ("1.2.3", "binary message of 126 bytes (16-bit length)", cat(&[frame(0x82, &[0xfe; 126]), bye.clone()]), 1000, vec![]),
        ("1.2.x", "binary message at the cap, 4096 bytes", cat(&[frame(0x82, &[0xfe; 4096]), bye.clone()]), 1000, vec![]),
        ("2.1", "ping without payload", cat(&[frame(0x89, b""), bye.clone()]), 1000, vec![b""]),
        ("2.2", "ping with text payload", cat(&[frame(0x89, b"Hello, world!"), bye.clone()]), 1000, vec![b"Hello, world!"]),
        ("2.4", "ping with 125-byte payload", cat(&[frame(0x89, &[0xfe; 125]), bye.clone()]), 1000, vec![&[0xfe; 125]]),
        ("2.5", "ping with 126-byte payload", frame(0x89, &[0xfe; 126]), 1002, vec![]),
        ("2.7", "unsolicited pong", cat(&[frame(0x8A, b""), bye.clone()]), 1000, vec![]),
        ("2.10", "ten pings", cat(&[vec![frame(0x89, b"p"); 10].concat(), bye.clone()]), 1000, vec![b"p"; 10]),
        ("3.1", "RSV1 set", frame(0xC1, b"x"), 1002, vec![]),
        ("3.2", "RSV2 set after a good message", cat(&[text("ok"), frame(0xA1, b"x")]), 1002, vec![]),
        ("3.3", "RSV3 set", frame(0x91, b"x"), 1002, vec![]),
        ("3.7", "RSV on a close frame", frame(0xF8, b""), 1002, vec![]),
        ("4.1.1", "reserved data opcode 3", frame(0x83, b""), 1002, vec![]),
        ("4.1.5", "reserved data opcode 7", frame(0x87, b"x"), 1002, vec![]),
        ("4.2.1", "reserved control opcode 11", frame(0x8B, b""), 1002, vec![]),
        ("4.2.5", "reserved control opcode 15", frame(0x8F, b"x"), 1002, vec![]),
        ("5.1", "fragmented ping", cat(&[frame(0x09, b"a"), frame(0x80, b"b")]), 1002, vec![]),
        ("5.3", "text in two fragments", cat(&[frame(0x01, b"frag"), frame(0x80, b"ment"), bye.clone()]), 1000, vec![]),
        ("5.6", "a ping between fragments", cat(&[frame(0x01, b"a"), frame(0x89, b"in"), frame(0x80, b"b"), bye.clone()]), 1000, vec![b"in"]),
        ("5.9", "continuation of nothing", frame(0x80, b"x"), 1002, vec![]),
        ("5.15", "a new message inside a fragmented one", cat(&[frame(0x01, b"a"), frame(0x81, b"b")]), 1002, vec![]),
        ("5.x", "200 empty fragments", cat(&[frame(0x02, b""), vec![frame(0x00, b""); 200].concat(), frame(0x80, b""), bye.clone()]), 1000, vec![]),
        ("6.2.3", "a code point split across fragments", cat(&[frame(0x01, &[0xe2, 0x82]), frame(0x80, &[0xac]), bye.clone()]), 1000, vec![]),
        ("6.3.1", "invalid UTF-8 text", frame(0x81, BAD_UTF8), 1007, vec![]),
        ("6.4.1", "invalid UTF-8 in the first fragment, message never ends", frame(0x01, &[0xce, 0xba, 0xf4, 0x90]), 1007, vec![]),
        ("6.x", "text ends inside a code point", frame(0x81, &[0xe2, 0x82]), 1007, vec![]),
        ("7.1.1", "close with 1000 after a message", cat(&[text("Hello"), bye.clone()]), 1000, vec![]),
        ("7.1.3", "ping after close is not answered", cat(&[bye.clone(), frame(0x89, b"late")]), 1000, vec![]),
        ("7.3.1", "close without payload", frame(0x88, b""), 1000, vec![]),
        ("7.3.2", "close with a 1-byte payload", frame(0x88, &[0x03]), 1002, vec![]),
        ("7.3.6", "close with a 123-byte reason", close(1000, &[b'*'; 123]), 1000, vec![]),
        ("7.3.x", "close with a 124-byte reason (control frame over 125)", close(1000, &[b'*'; 124]), 1002, vec![]),
        ("7.5.1", "close reason not UTF-8", close(1000, BAD_UTF8), 1007, vec![]),
        ("7.7.2", "close 1001 is echoed", close(1001, b""), 1001, vec![]),
        ("7.7.8", "close 1011 is echoed", close(1011, b""), 1011, vec![]),
        ("7.7.12", "close 3000 is echoed", close(3000, b""), 3000, vec![]),
        ("7.7.13", "close 4999 is echoed", close(4999, b""), 4999, vec![]),
        ("9.x", "fragments add up past the cap", cat(&[frame(0x02, &[0; 3000]), frame(0x80, &[0; 3000])]), 1009, vec![]),
        ("9.x", "a 1 MiB header, no payload yet", long_header(0x82, 1 << 20), 1009, vec![]),
        ("wire", "unmasked frame", vec![0x82, 0x03, 1, 2, 3], 1002, vec![]),
        ("wire", "64-bit length with the top bit set", long_header(0x82, 1 << 63), 1002, vec![]),
        (
            "wire",
            "a continuation whose length wraps so_far + len",
            cat(&[frame(0x02, &[0; 10]), long_header(0x80, u64::MAX - 5), vec![0; 32]]),
            1002,
            vec![],
        ),
        ("wire", "a continuation of 2^63 − 5 bytes", cat(&[frame(0x02, &[0; 10]), long_header(0x80, (1 << 63) - 5)]), 1009, vec![]),
    ];
    let mut invalid_codes: Vec<(String, Vec<u8>)> = Vec::new();
    for code in [0u16, 999, 1004, 1005, 1006, 1014, 1015, 1016, 1100, 2000, 2999, 5000, 65535] {
        invalid_codes.push((format!("7.9.x close with code {code}"), close(code, b"")));
    }
    let mut failures = Vec::new();
    let all = cases
        .iter()
        .map(|(s, what, bytes, code, pongs)| (format!("{s} {what}"), bytes.clone(), *code, pongs.iter().map(|p| p.to_vec()).collect::<Vec<_>>()))
        .chain(invalid_codes.into_iter().map(|(name, bytes)| (name, bytes, 1002, vec![])));
    for (name, bytes, code, pongs) in all {
        let answer = run_case(addr, &bytes).await;
        if answer.close_code != Some(code) || answer.pongs != pongs || !answer.clean_end {
            failures.push(format!("{name}: want close {code}, pongs {}; got {answer:?}", pongs.len()));
        }
    }
    assert!(failures.is_empty(), "{} cases failed:\n{}", failures.len(), failures.join("\n"));
}

/// The status line the server answers a raw request head with.
async fn status_of(addr: SocketAddr, head: &str) -> u16 {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let mut chunk = [0u8; 1024];
    while !got.windows(2).any(|w| w == b"\r\n") {
        match tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => got.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&got).split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

#[tokio::test]
async fn handshake_table() {
    let addr = start(ServeOptions::new("SIM-USD")).await;
    let ws = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    let host = format!("Host: {addr}\r\n");
    let cases: Vec<(&str, String, u16)> = vec![
        ("a valid upgrade", format!("GET /ws HTTP/1.1\r\n{host}{ws}\r\n"), 101),
        ("header names in another case", format!("GET /ws HTTP/1.1\r\n{host}upgrade: WebSocket\r\nconnection: keep-alive, Upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n"), 101),
        ("HTTP/1.0", format!("GET /ws HTTP/1.0\r\n{host}{ws}\r\n"), 400),
        ("HEAD", format!("HEAD /ws HTTP/1.1\r\n{host}{ws}\r\n"), 405),
        ("POST", format!("POST /ws HTTP/1.1\r\n{host}{ws}Content-Length: 0\r\n\r\n"), 405),
        ("two Host headers", format!("GET /ws HTTP/1.1\r\n{host}Host: evil.example\r\n{ws}\r\n"), 400),
        ("no Host header", format!("GET /ws HTTP/1.1\r\n{ws}\r\n"), 400),
        ("two Host headers on /healthz", format!("GET /healthz HTTP/1.1\r\n{host}{host}\r\n"), 400),
        ("a Host not allowed", format!("GET /ws HTTP/1.1\r\nHost: evil.example\r\n{ws}\r\n"), 421),
        ("no Upgrade", format!("GET /ws HTTP/1.1\r\n{host}Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"), 400),
        ("version 8", format!("GET /ws HTTP/1.1\r\n{host}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n"), 426),
        ("a key that is not 16 bytes", format!("GET /ws HTTP/1.1\r\n{host}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: c2hvcnQ=\r\nSec-WebSocket-Version: 13\r\n\r\n"), 400),
        ("no key", format!("GET /ws HTTP/1.1\r\n{host}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n"), 400),
        ("an unknown symbol", format!("GET /ws?symbol=NOPE HTTP/1.1\r\n{host}{ws}\r\n"), 404),
    ];
    let mut failures = Vec::new();
    for (what, head, want) in cases {
        let got = status_of(addr, &head).await;
        if got != want {
            failures.push(format!("{what}: want {want}, got {got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
