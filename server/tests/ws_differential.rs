//! Differential fuzz of the client-frame parser (websocket.rs) against tungstenite's, the library
//! whose rules it replaces: the same byte streams, cut into random chunks, go into our
//! `InboundParser` and into a server-role `tungstenite::WebSocket` with the same size limit.
//!
//! Fails on: any panic; our buffer growing past one message + one header + one read; any verdict more
//! lenient than tungstenite's (it fails the connection and we do not, or we deliver a message,
//! ping or close it did not). Where both accept, the events must be the same. We may fail earlier
//! than tungstenite (we refuse a frame from its header, it reads the payload first): counted, printed.
//!
//! Budget: `TICKFRAME_FUZZ_SECONDS` (default 2, as in `npm test`; `npm run fuzz` runs longer), seed
//! `TICKFRAME_FUZZ_SEED` (printed, so a failure can be replayed).

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tickframe_server::websocket::{close_code_allowed, Inbound, InboundParser};
use tungstenite::protocol::{Role, WebSocket, WebSocketConfig};
use tungstenite::{Error, Message};

const MAX_MESSAGE: usize = 4096;
const MAX_CHUNK: usize = 600;

fn budget() -> Duration {
    let secs = std::env::var("TICKFRAME_FUZZ_SECONDS").ok().and_then(|s| s.parse::<f64>().ok()).unwrap_or(2.0);
    Duration::from_secs_f64(secs.clamp(0.1, 3600.0))
}

/// The outcome of one stream: the events delivered, and the close code if the connection failed.
#[derive(Debug, Default, PartialEq)]
struct Verdict {
    events: Vec<Inbound>,
    failed: Option<u16>,
}

fn ours(chunks: &[Vec<u8>]) -> Verdict {
    let mut p = InboundParser::new(MAX_MESSAGE);
    let mut v = Verdict::default();
    for c in chunks {
        p.feed(c);
        assert!(p.buffered() <= 2 * MAX_MESSAGE + 14 + MAX_CHUNK, "buffered {} bytes", p.buffered());
        while let Some(e) = p.next_event() {
            match e {
                Inbound::Fail(code) => {
                    v.failed = Some(code);
                    return v;
                }
                Inbound::Close(_) => {
                    v.events.push(e);
                    return v;
                }
                e => v.events.push(e),
            }
        }
    }
    v
}

/// A socket that yields the chunks one read at a time, then "would block"; writes go nowhere.
struct Chunks(VecDeque<Vec<u8>>);

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(mut c) = self.0.pop_front() else { return Err(io::ErrorKind::WouldBlock.into()) };
        let n = c.len().min(buf.len());
        buf[..n].copy_from_slice(&c[..n]);
        if n < c.len() {
            self.0.push_front(c.split_off(n));
        }
        Ok(n)
    }
}

impl Write for Chunks {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn theirs(chunks: &[Vec<u8>]) -> Verdict {
    let config = WebSocketConfig::default().max_message_size(Some(MAX_MESSAGE)).max_frame_size(Some(MAX_MESSAGE));
    let mut ws = WebSocket::from_raw_socket(Chunks(chunks.iter().filter(|c| !c.is_empty()).cloned().collect()), Role::Server, Some(config));
    let mut v = Verdict::default();
    loop {
        match ws.read() {
            Ok(Message::Text(t)) => v.events.push(Inbound::Message { len: t.len() }),
            Ok(Message::Binary(b)) => v.events.push(Inbound::Message { len: b.len() }),
            Ok(Message::Ping(p)) => v.events.push(Inbound::Ping(p.to_vec())),
            Ok(Message::Pong(_)) => v.events.push(Inbound::Pong),
            Ok(Message::Close(None)) => {
                v.events.push(Inbound::Close(1000));
                return v;
            }
            // tungstenite answers a code a peer may not send with 1002.
            Ok(Message::Close(Some(c))) => {
                let code = u16::from(c.code);
                if close_code_allowed(code) {
                    v.events.push(Inbound::Close(code));
                } else {
                    v.failed = Some(1002);
                }
                return v;
            }
            Ok(Message::Frame(_)) => {}
            Err(Error::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => return v,
            Err(Error::Utf8(_)) => {
                v.failed = Some(1007);
                return v;
            }
            Err(Error::Capacity(_)) => {
                v.failed = Some(1009);
                return v;
            }
            Err(_) => {
                v.failed = Some(1002);
                return v;
            }
        }
    }
}

/// A payload for a frame of `opcode`: text (valid or not), binary, a close code and reason, big ones.
fn payload(rng: &mut StdRng, opcode: u8) -> Vec<u8> {
    match rng.random_range(0..10) {
        0 => Vec::new(),
        1..=3 if opcode == 0x8 => {
            let code: u16 = if rng.random_bool(0.7) {
                [1000, 1001, 1005, 1006, 1014, 1015, 999, 0, 3000, 4999, 5000][rng.random_range(0..11)]
            } else {
                rng.random()
            };
            let mut p = code.to_be_bytes().to_vec();
            p.extend(if rng.random_bool(0.8) { "bye κόσμε".as_bytes().to_vec() } else { vec![0xce, 0xba, 0xed, 0xa0, 0x80] });
            p
        }
        2 | 3 => "κόσμε €".repeat(rng.random_range(0..40)).into_bytes(),
        4 => {
            (0..rng.random_range(0..8)).map(|_| [0xce, 0xba, 0xe1, 0xbd, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0xc0, 0xff][rng.random_range(0..11)]).collect()
        }
        5 => vec![b'a'; rng.random_range(120..5000)],
        _ if opcode == 0x1 => "text".repeat(rng.random_range(0..50)).into_bytes(),
        _ => (0..rng.random_range(0..200)).map(|_| rng.random::<u8>()).collect(),
    }
}

/// One client frame; rarely broken in one of the ways the RFC names (reserved bits, no mask, an
/// unknown opcode, a length field that lies or has its top bit set).
fn frame(rng: &mut StdRng, out: &mut Vec<u8>, fin: bool, opcode: u8, payload: &[u8]) {
    let opcode = if rng.random_bool(0.01) { rng.random_range(0..16) } else { opcode };
    let rsv = if rng.random_bool(0.01) { rng.random_range(1..8u8) << 4 } else { 0 };
    let masked = !rng.random_bool(0.01);
    let fin = if rng.random_bool(0.01) { !fin } else { fin };
    out.push(if fin { 0x80 } else { 0 } | rsv | opcode);
    let mask_bit = if masked { 0x80 } else { 0 };
    // The length field: the true one in its shortest form, or a longer form, or a lie.
    let len = if rng.random_bool(0.02) {
        [payload.len() as u64 + 1, u64::MAX, u64::MAX - 5, 1 << 63, (1 << 63) - 1, 1 << 32, 0x7fff_ffff_ffff_fff0][rng.random_range(0..7)]
    } else {
        payload.len() as u64
    };
    match rng.random_range(0..10) {
        0 => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&len.to_be_bytes());
        }
        1 if len <= 0xFFFF => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ if len < 126 => out.push(mask_bit | len as u8),
        _ if len <= 0xFFFF => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&len.to_be_bytes());
        }
    }
    let mask: [u8; 4] = rng.random();
    if masked {
        out.extend_from_slice(&mask);
    }
    out.extend(payload.iter().enumerate().map(|(i, b)| if masked { b ^ mask[i % 4] } else { *b }));
}

/// A client's stream: messages (some fragmented, with pings between the fragments), pings, pongs,
/// sometimes a close; then, sometimes, bytes flipped, cut or inserted at random.
fn stream(rng: &mut StdRng) -> Vec<u8> {
    let mut v = Vec::new();
    for _ in 0..rng.random_range(1..10) {
        match rng.random_range(0..10) {
            0..=5 => {
                let opcode = if rng.random_bool(0.5) { 0x1 } else { 0x2 };
                let body = payload(rng, opcode);
                let parts = if rng.random_bool(0.4) { rng.random_range(2..6) } else { 1 };
                let size = body.len().div_ceil(parts).max(1);
                let pieces: Vec<&[u8]> = if body.is_empty() { vec![&[][..]; parts] } else { body.chunks(size).collect() };
                for (i, piece) in pieces.iter().enumerate() {
                    frame(rng, &mut v, i + 1 == pieces.len(), if i == 0 { opcode } else { 0x0 }, piece);
                    if rng.random_bool(0.2) {
                        frame(rng, &mut v, true, 0x9, b"between");
                    }
                }
            }
            6 | 7 => {
                let p = payload(rng, 0x9);
                let cap = if rng.random_bool(0.9) { 125 } else { 200 };
                frame(rng, &mut v, true, 0x9, &p[..p.len().min(cap)]);
            }
            8 => frame(rng, &mut v, true, 0xA, b""),
            _ => {
                let p = payload(rng, 0x8);
                frame(rng, &mut v, true, 0x8, &p[..p.len().min(125)]);
            }
        }
    }
    for _ in 0..rng.random_range(0..3) {
        if v.is_empty() || rng.random_bool(0.6) {
            break;
        }
        let at = rng.random_range(0..v.len());
        match rng.random_range(0..3) {
            0 => v[at] ^= 1 << rng.random_range(0..8),
            1 => v.truncate(at),
            _ => v.insert(at, rng.random()),
        }
    }
    v
}

fn chunked(rng: &mut StdRng, bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let n = match rng.random_range(0..4) {
            0 => 1,
            1 => rng.random_range(1..16),
            _ => rng.random_range(1..=MAX_CHUNK),
        }
        .min(rest.len());
        out.push(rest[..n].to_vec());
        rest = &rest[n..];
    }
    out
}

/// Our verdict next to tungstenite's: (we failed earlier, both failed), or how we were more lenient.
fn compare(chunks: &[Vec<u8>]) -> Result<(bool, bool), String> {
    let (a, b) = (ours(chunks), theirs(chunks));
    let prefix = a.events.len() <= b.events.len() && a.events[..] == b.events[..a.events.len()];
    match (a.failed, b.failed) {
        (None, Some(code)) => Err(format!("tungstenite failed ({code}) where we did not: ours {a:?} theirs {b:?}")),
        (_, _) if !prefix => Err(format!("we delivered what tungstenite did not: ours {a:?} theirs {b:?}")),
        (None, None) if a.events != b.events => Err(format!("different events: ours {a:?} theirs {b:?}")),
        (Some(_), None) => Ok((true, false)), // stricter (earlier): allowed
        (Some(_), Some(_)) => Ok((false, true)),
        _ => Ok((false, false)),
    }
}

#[test]
fn our_client_frame_parser_is_never_more_lenient_than_tungstenite() {
    let seed = std::env::var("TICKFRAME_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1));
    eprintln!("fuzz ws differential: TICKFRAME_FUZZ_SEED={seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    let deadline = Instant::now() + budget();
    let (mut streams, mut stricter, mut both_failed) = (0u64, 0u64, 0u64);
    while Instant::now() < deadline {
        let bytes = stream(&mut rng);
        let chunks = chunked(&mut rng, &bytes);
        match compare(&chunks) {
            Ok((s, b)) => {
                stricter += s as u64;
                both_failed += b as u64;
            }
            Err(why) => panic!("stream {streams} (seed {seed}): {why}\nbytes: {bytes:02x?}"),
        }
        streams += 1;
    }
    eprintln!("fuzz ws differential: {streams} streams, {both_failed} failed by both, {stricter} failed by us earlier than by tungstenite");
    assert!(streams > 1000 && both_failed > 0, "the generator reaches both verdicts");
}

#[test]
fn named_regressions() {
    // The wrap from the attack report: a fragment, then a continuation of u64::MAX − 5 bytes.
    let mut v = vec![0x02, 0x8A, 0, 0, 0, 0];
    v.extend([0u8; 10]);
    v.extend([0x80, 0xFF]);
    v.extend((u64::MAX - 5).to_be_bytes());
    v.extend([0, 0, 0, 0, 1, 2, 3, 4]);
    assert_eq!(ours(&[v.clone()]).failed, Some(1002));
    assert!(compare(&[v]).is_ok());
}
