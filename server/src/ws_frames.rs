//! The WebSocket framing tickframe speaks (RFC 6455), both ways, without a WebSocket library in the
//! hot path: every server message is encoded once and its bytes written to each client as they are
//! (a server frame is unmasked, so header and payload are the same for everyone); client frames are
//! parsed here with the server's limits and answered with the close code the RFC names.

use bytes::Bytes;

/// WebSocket close codes (RFC 6455 §7.4.1).
pub const CLOSE_NORMAL: u16 = 1000;
pub const CLOSE_PROTOCOL_ERROR: u16 = 1002;
pub const CLOSE_INVALID_PAYLOAD: u16 = 1007;
pub const CLOSE_MESSAGE_TOO_BIG: u16 = 1009;

const OP_CONTINUATION: u8 = 0x0;
const OP_TEXT: u8 = 0x1;
const OP_BINARY: u8 = 0x2;
const OP_CLOSE: u8 = 0x8;
const OP_PING: u8 = 0x9;
const OP_PONG: u8 = 0xA;

/// One unmasked, final server frame.
fn server_frame(opcode: u8, payload: &[u8]) -> Bytes {
    let mut v = Vec::with_capacity(payload.len() + 10);
    v.push(0x80 | opcode);
    match payload.len() {
        n if n < 126 => v.push(n as u8),
        n if n <= 0xFFFF => {
            v.push(126);
            v.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            v.push(127);
            v.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    v.extend_from_slice(payload);
    Bytes::from(v)
}

/// A binary message, as every client receives it.
pub fn binary_message(payload: &[u8]) -> Bytes {
    server_frame(OP_BINARY, payload)
}

pub fn ping() -> Bytes {
    server_frame(OP_PING, &[])
}

pub fn pong(payload: &[u8]) -> Bytes {
    server_frame(OP_PONG, payload)
}

pub fn close(code: u16, reason: &str) -> Bytes {
    let mut payload = code.to_be_bytes().to_vec();
    payload.extend_from_slice(&reason.as_bytes()[..reason.len().min(123)]);
    server_frame(OP_CLOSE, &payload)
}

/// What a client sent.
#[derive(Debug, PartialEq, Eq)]
pub enum Inbound {
    /// A ping: answer with a pong carrying the same payload.
    Ping(Vec<u8>),
    Pong,
    /// The client closes the connection.
    Close,
    /// A whole text or binary message (the protocol is server-to-client: counted and ignored).
    Message {
        len: usize,
    },
    /// Close with this code and end: 1009 over the size limit, 1002 a protocol violation, 1007 text
    /// that is not UTF-8.
    Fail(u16),
}

/// Client frames → [`Inbound`] events, holding at most one partial frame and one message of at
/// most `max_message` bytes.
#[derive(Debug)]
pub struct InboundParser {
    buf: Vec<u8>,
    max_message: usize,
    /// The message being assembled from fragments: (is text, its bytes so far).
    message: Option<(bool, Vec<u8>)>,
    /// After a failure nothing more is read: the connection is closing.
    failed: bool,
}

impl InboundParser {
    pub fn new(max_message: usize) -> Self {
        Self { buf: Vec::new(), max_message, message: None, failed: false }
    }

    /// Add bytes read from the socket.
    pub fn feed(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next complete event, if the bytes so far hold one. A failure is reported once.
    pub fn next_event(&mut self) -> Option<Inbound> {
        if self.failed {
            return None;
        }
        let event = self.parse();
        self.failed = matches!(event, Some(Inbound::Fail(_)));
        event
    }

    fn parse(&mut self) -> Option<Inbound> {
        let b = &self.buf;
        if b.len() < 2 {
            return None;
        }
        let (fin, rsv, opcode) = (b[0] & 0x80 != 0, b[0] & 0x70, b[0] & 0x0F);
        let (masked, len7) = (b[1] & 0x80 != 0, (b[1] & 0x7F) as usize);
        // RFC 6455 §5.1–5.5: client frames are masked, no extension is negotiated, control frames
        // are final and at most 125 bytes.
        let control = opcode >= 0x8;
        if rsv != 0
            || !masked
            || ![OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG].contains(&opcode)
            || (control && (!fin || len7 > 125))
        {
            return Some(Inbound::Fail(CLOSE_PROTOCOL_ERROR));
        }
        let (len, header) = match len7 {
            126 if b.len() >= 4 => (u16::from_be_bytes([b[2], b[3]]) as u64, 4),
            127 if b.len() >= 10 => (u64::from_be_bytes([b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9]]), 10),
            126 | 127 => return None,
            n => (n as u64, 2),
        };
        // Over the limit: say so now, without waiting for (or buffering) the rest.
        let so_far = self.message.as_ref().map_or(0, |(_, m)| m.len()) as u64;
        if !control && so_far + len > self.max_message as u64 {
            return Some(Inbound::Fail(CLOSE_MESSAGE_TOO_BIG));
        }
        let len = len as usize;
        let total = header + 4 + len;
        if b.len() < total {
            return None;
        }
        let mask = [b[header], b[header + 1], b[header + 2], b[header + 3]];
        let payload: Vec<u8> = b[header + 4..total].iter().enumerate().map(|(i, x)| x ^ mask[i % 4]).collect();
        self.buf.drain(..total);
        Some(match opcode {
            OP_PING => Inbound::Ping(payload),
            OP_PONG => Inbound::Pong,
            OP_CLOSE => Inbound::Close,
            OP_CONTINUATION => match self.message.as_mut() {
                None => Inbound::Fail(CLOSE_PROTOCOL_ERROR),
                Some((_, m)) => {
                    m.extend_from_slice(&payload);
                    if !fin {
                        return self.parse();
                    }
                    let (text, m) = self.message.take().unwrap_or_default();
                    finish(text, m)
                }
            },
            _ if self.message.is_some() => Inbound::Fail(CLOSE_PROTOCOL_ERROR), // a new message inside a fragmented one
            _ if !fin => {
                self.message = Some((opcode == OP_TEXT, payload));
                return self.parse();
            }
            _ => finish(opcode == OP_TEXT, payload),
        })
    }
}

fn finish(text: bool, message: Vec<u8>) -> Inbound {
    if text && std::str::from_utf8(&message).is_err() {
        Inbound::Fail(CLOSE_INVALID_PAYLOAD)
    } else {
        Inbound::Message { len: message.len() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A masked client frame.
    fn client(first: u8, payload: &[u8]) -> Vec<u8> {
        let mask = [1u8, 2, 3, 4];
        let mut v = vec![first];
        match payload.len() {
            n if n < 126 => v.push(0x80 | n as u8),
            n => {
                v.push(0x80 | 126);
                v.extend_from_slice(&(n as u16).to_be_bytes());
            }
        }
        v.extend_from_slice(&mask);
        v.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        v
    }

    fn events(max: usize, bytes: &[u8], chunk: usize) -> Vec<Inbound> {
        let mut p = InboundParser::new(max);
        let mut out = Vec::new();
        for c in bytes.chunks(chunk) {
            p.feed(c);
            while let Some(e) = p.next_event() {
                out.push(e);
            }
        }
        out
    }

    #[test]
    fn reads_every_kind_of_frame_however_the_bytes_arrive() {
        let mut all = client(0x89, b"hi");
        all.extend(client(0x8A, b""));
        all.extend(client(0x82, &[7; 300]));
        all.extend(client(0x01, b"hel")); // fragmented text
        all.extend(client(0x80, b"lo"));
        all.extend(client(0x88, &1000u16.to_be_bytes()));
        let want = vec![Inbound::Ping(b"hi".to_vec()), Inbound::Pong, Inbound::Message { len: 300 }, Inbound::Message { len: 5 }, Inbound::Close];
        for chunk in [1, 3, 7, 1000] {
            assert_eq!(events(4096, &all, chunk), want, "in chunks of {chunk}");
        }
    }

    #[test]
    fn breaks_of_the_protocol_and_limits_get_their_close_codes() {
        assert_eq!(events(4096, &[0x82, 0x03, 1, 2, 3], 100), vec![Inbound::Fail(1002)], "unmasked");
        assert_eq!(events(4096, &client(0xC2, b"x"), 100), vec![Inbound::Fail(1002)], "reserved bit");
        assert_eq!(events(4096, &client(0x83, b"x"), 100), vec![Inbound::Fail(1002)], "unknown opcode");
        assert_eq!(events(4096, &client(0x09, b"x"), 100), vec![Inbound::Fail(1002)], "fragmented ping");
        assert_eq!(events(4096, &client(0x80, b"x"), 100), vec![Inbound::Fail(1002)], "continuation of nothing");
        assert_eq!(events(4096, &client(0x81, &[0xff, 0xfe]), 100), vec![Inbound::Fail(1007)], "text not UTF-8");
        // Over the limit as soon as the header says so, before the payload arrives.
        assert_eq!(events(4096, &client(0x82, &[0; 5000])[..8], 100), vec![Inbound::Fail(1009)]);
        let mut two = client(0x02, &[0; 3000]);
        two.extend(client(0x80, &[0; 3000]));
        assert_eq!(events(4096, &two, 100), vec![Inbound::Fail(1009)], "fragments add up");
    }

    #[test]
    fn server_frames_are_what_a_client_library_reads() {
        assert_eq!(&binary_message(&[1, 2, 3])[..], &[0x82, 3, 1, 2, 3]);
        assert_eq!(&binary_message(&[0; 1800])[..4], &[0x82, 126, 0x07, 0x08]);
        assert_eq!(&close(1009, "too big")[..4], &[0x88, 9, 0x03, 0xF1]);
        assert_eq!(&ping()[..], &[0x89, 0]);
    }
}
