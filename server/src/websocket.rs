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
    /// The client closes the connection; the code to echo (1000 when it sent none).
    Close(u16),
    /// A whole text or binary message (the protocol is server-to-client: counted and ignored).
    Message {
        len: usize,
    },
    /// Close with this code and end: 1009 over the size limit, 1002 a protocol violation, 1007 text
    /// that is not UTF-8.
    Fail(u16),
}

/// Longest frame header a client can send: 2 bytes, a 64-bit length, the mask.
const MAX_HEADER: usize = 14;

/// Whether a close code may be sent by a peer (RFC 6455 §7.4.1–7.4.2, the IANA registry):
/// 1000–1003 and 1007–1013 are defined for use on the wire, 3000–4999 are registered or private;
/// 1004–1006, 1014 (unassigned) and 1015 are reserved or never sent, everything else is invalid.
pub fn close_code_allowed(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1013 | 3000..=4999)
}

/// Client frames → [`Inbound`] events, holding at most one partial frame and one message of at
/// most `max_message` bytes. Every length read from the wire is compared with a bound before it is
/// added to anything or used as an index.
#[derive(Debug)]
pub struct InboundParser {
    buf: Vec<u8>,
    /// Bytes of `buf` already parsed (dropped on the next `feed`, so parsing never shifts the buffer
    /// once per frame).
    consumed: usize,
    max_message: usize,
    /// The message being assembled from fragments.
    message: Option<Partial>,
    /// After a failure or a close nothing more is read: the connection is closing.
    done: bool,
}

#[derive(Debug)]
struct Partial {
    text: bool,
    bytes: Vec<u8>,
    /// How much of `bytes` is known to be valid UTF-8 (text only): checked as fragments arrive, so
    /// an invalid message fails at the fragment that breaks it, as tungstenite's does.
    valid_to: usize,
}

/// One frame's header, checked.
struct Header {
    fin: bool,
    opcode: u8,
    len: usize,
    /// Header bytes including the mask.
    size: usize,
}

impl InboundParser {
    pub fn new(max_message: usize) -> Self {
        Self { buf: Vec::new(), consumed: 0, max_message, message: None, done: false }
    }

    /// Add bytes read from the socket.
    pub fn feed(&mut self, data: &[u8]) {
        if self.done {
            return; // closing: what follows is discarded, never buffered
        }
        self.buf.drain(..self.consumed);
        self.consumed = 0;
        self.buf.extend_from_slice(data);
    }

    /// Bytes held (a partial frame and a partial message): bounded by the message limit plus one
    /// header plus one read.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.consumed + self.message.as_ref().map_or(0, |m| m.bytes.len())
    }

    /// The next complete event, if the bytes so far hold one. A failure or a close is reported once;
    /// nothing is read after it.
    pub fn next_event(&mut self) -> Option<Inbound> {
        if self.done {
            return None;
        }
        let event = self.parse();
        self.done = matches!(event, Some(Inbound::Fail(_) | Inbound::Close(_)));
        event
    }

    /// Frames until one completes an event. A loop, not recursion: any number of fragments in one
    /// buffer costs no stack.
    fn parse(&mut self) -> Option<Inbound> {
        loop {
            let header = match self.header()? {
                Ok(h) => h,
                Err(code) => return Some(Inbound::Fail(code)),
            };
            // `size + len` cannot overflow: len ≤ max_message (checked in `header`), size ≤ 14.
            let start = self.consumed + header.size;
            let end = start + header.len;
            if self.buf.len() < end {
                return None;
            }
            let mask = [self.buf[start - 4], self.buf[start - 3], self.buf[start - 2], self.buf[start - 1]];
            let payload = &mut self.buf[start..end];
            for (i, b) in payload.iter_mut().enumerate() {
                *b ^= mask[i & 3];
            }
            self.consumed = end;
            let payload = &self.buf[start..end];
            match header.opcode {
                OP_PING => return Some(Inbound::Ping(payload.to_vec())),
                OP_PONG => return Some(Inbound::Pong),
                OP_CLOSE => return Some(close_event(payload)),
                OP_CONTINUATION => {
                    let Some(m) = self.message.as_mut() else {
                        return Some(Inbound::Fail(CLOSE_PROTOCOL_ERROR)); // a continuation of nothing
                    };
                    m.bytes.extend_from_slice(payload);
                }
                _ if self.message.is_some() => return Some(Inbound::Fail(CLOSE_PROTOCOL_ERROR)), // a new message inside a fragmented one
                OP_TEXT if header.fin && std::str::from_utf8(payload).is_err() => return Some(Inbound::Fail(CLOSE_INVALID_PAYLOAD)),
                _ if header.fin => return Some(Inbound::Message { len: payload.len() }), // whole: nothing to keep
                opcode => self.message = Some(Partial { text: opcode == OP_TEXT, bytes: payload.to_vec(), valid_to: 0 }),
            }
            let Some(m) = self.message.as_mut() else { continue };
            if m.text && !m.check_utf8(header.fin) {
                return Some(Inbound::Fail(CLOSE_INVALID_PAYLOAD));
            }
            if header.fin {
                let len = m.bytes.len();
                self.message = None;
                return Some(Inbound::Message { len });
            }
        }
    }

    /// The next frame's header, once all of it has arrived: `Err(code)` for a frame the connection
    /// must fail on, decided from the header alone (never waiting for a payload it will refuse).
    fn header(&self) -> Option<Result<Header, u16>> {
        let b = &self.buf[self.consumed..];
        let (&b0, &b1) = (b.first()?, b.get(1)?);
        let (fin, rsv, opcode) = (b0 & 0x80 != 0, b0 & 0x70, b0 & 0x0F);
        let (masked, len7) = (b1 & 0x80 != 0, b1 & 0x7F);
        // RFC 6455 §5.1–5.5: client frames are masked, no extension is negotiated, control frames
        // are final and at most 125 bytes.
        let control = opcode >= 0x8;
        if rsv != 0
            || !masked
            || ![OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG].contains(&opcode)
            || (control && (!fin || len7 > 125))
        {
            return Some(Err(CLOSE_PROTOCOL_ERROR));
        }
        let (len, size) = match len7 {
            126 => (u64::from(u16::from_be_bytes([*b.get(2)?, *b.get(3)?])), 8),
            127 => {
                let mut n = [0u8; 8];
                n.copy_from_slice(b.get(2..10)?);
                let n = u64::from_be_bytes(n);
                // §5.2: the most significant bit of a 64-bit length must be 0.
                if n >> 63 != 0 {
                    return Some(Err(CLOSE_PROTOCOL_ERROR));
                }
                (n, MAX_HEADER)
            }
            n => (u64::from(n), 6),
        };
        // Over the limit: say so now, without waiting for (or buffering) the rest. Compared, never
        // added: `so_far ≤ max_message` always holds, so `max_message - so_far` cannot wrap.
        // Control frames are capped at 125 bytes above, whatever the message limit.
        let so_far = self.message.as_ref().map_or(0, |m| m.bytes.len());
        let room = self.max_message.saturating_sub(so_far) as u64;
        if !control && len > room {
            return Some(Err(CLOSE_MESSAGE_TOO_BIG));
        }
        if b.len() < size {
            return None;
        }
        Some(Ok(Header { fin, opcode, len: len as usize, size }))
    }
}

impl Partial {
    /// Whether the text so far can still be UTF-8 (a sequence cut at a fragment's end may be
    /// completed by the next fragment; at the final fragment it must be whole).
    fn check_utf8(&mut self, fin: bool) -> bool {
        match std::str::from_utf8(&self.bytes[self.valid_to..]) {
            Ok(_) => {
                self.valid_to = self.bytes.len();
                true
            }
            Err(e) => {
                self.valid_to += e.valid_up_to();
                e.error_len().is_none() && !fin
            }
        }
    }
}

/// A close frame's payload (§5.5.1, §7.4): empty, or a 2-byte code that may be sent, then UTF-8.
fn close_event(payload: &[u8]) -> Inbound {
    match payload {
        [] => Inbound::Close(CLOSE_NORMAL),
        [_] => Inbound::Fail(CLOSE_PROTOCOL_ERROR),
        [hi, lo, reason @ ..] => {
            let code = u16::from_be_bytes([*hi, *lo]);
            if !close_code_allowed(code) {
                Inbound::Fail(CLOSE_PROTOCOL_ERROR)
            } else if std::str::from_utf8(reason).is_err() {
                Inbound::Fail(CLOSE_INVALID_PAYLOAD)
            } else {
                Inbound::Close(code)
            }
        }
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
        let want =
            vec![Inbound::Ping(b"hi".to_vec()), Inbound::Pong, Inbound::Message { len: 300 }, Inbound::Message { len: 5 }, Inbound::Close(1000)];
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

    /// A masked client frame with a 64-bit length field and no payload.
    fn long_header(first: u8, len: u64) -> Vec<u8> {
        let mut v = vec![first, 0x80 | 127];
        v.extend_from_slice(&len.to_be_bytes());
        v.extend_from_slice(&[0, 0, 0, 0]);
        v
    }

    #[test]
    fn a_length_near_2_pow_64_after_a_fragment_is_refused_not_wrapped() {
        // A 10-byte fragment, then a continuation claiming u64::MAX − 5 bytes: so_far + len wraps to 4.
        let mut v = client(0x02, &[0; 10]);
        v.extend(long_header(0x80, u64::MAX - 5));
        v.extend([0u8; 64]);
        for chunk in [1, 5, 1000] {
            assert_eq!(events(4096, &v, chunk), vec![Inbound::Fail(1002)], "top bit set → 1002 (chunks of {chunk})");
        }
        let mut v = client(0x02, &[0; 10]);
        v.extend(long_header(0x80, (1 << 63) - 5));
        assert_eq!(events(4096, &v, 7), vec![Inbound::Fail(1009)], "top bit clear, over the cap → 1009");
    }

    #[test]
    fn many_fragments_in_one_buffer_cost_no_stack_and_the_buffer_stays_bounded() {
        let mut v = client(0x02, b"");
        for _ in 0..200_000 {
            v.extend(client(0x00, b""));
        }
        v.extend(client(0x80, b"x"));
        let mut p = InboundParser::new(4096);
        p.feed(&v);
        assert_eq!(p.next_event(), Some(Inbound::Message { len: 1 }));
        // Feeding a huge partial frame is held only up to the header check: over the cap fails at once.
        let mut p = InboundParser::new(4096);
        p.feed(&long_header(0x82, 1 << 40));
        assert_eq!(p.next_event(), Some(Inbound::Fail(1009)));
        p.feed(&[0u8; 1 << 16]);
        assert!(p.buffered() <= 14, "nothing is kept after the failure ({} bytes)", p.buffered());
    }

    #[test]
    fn close_frames_are_validated() {
        let close = |payload: &[u8]| events(4096, &client(0x88, payload), 100);
        assert_eq!(close(b""), vec![Inbound::Close(1000)]);
        assert_eq!(close(&[0x03]), vec![Inbound::Fail(1002)], "1-byte payload");
        for code in [0u16, 999, 1004, 1005, 1006, 1014, 1015, 1016, 2999, 5000, 65535] {
            assert_eq!(close(&code.to_be_bytes()), vec![Inbound::Fail(1002)], "code {code}");
        }
        for code in [1000u16, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 3000, 3999, 4000, 4999] {
            assert_eq!(close(&code.to_be_bytes()), vec![Inbound::Close(code)], "code {code}");
        }
        let mut bad_reason = 1000u16.to_be_bytes().to_vec();
        bad_reason.extend([0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xed, 0xa0, 0x80, 0x65, 0x64]);
        assert_eq!(close(&bad_reason), vec![Inbound::Fail(1007)], "reason not UTF-8");
        // Nothing is read after a close.
        let mut v = client(0x88, b"");
        v.extend(client(0x89, b""));
        assert_eq!(events(4096, &v, 100), vec![Inbound::Close(1000)]);
    }

    #[test]
    fn fragmented_text_fails_at_the_fragment_that_breaks_it() {
        // Autobahn 6.4.x: the invalid byte arrives in the first fragment; the message never ends.
        let mut v = client(0x01, &[0xce, 0xba, 0xf4, 0x90]);
        v.extend(client(0x00, b"more"));
        assert_eq!(events(4096, &v, 100), vec![Inbound::Fail(1007)]);
        // A code point split across fragments is fine.
        let mut v = client(0x01, &[0xe2, 0x82]);
        v.extend(client(0x80, &[0xac]));
        assert_eq!(events(4096, &v, 1), vec![Inbound::Message { len: 3 }]);
        // …but not when the message ends inside it.
        assert_eq!(events(4096, &client(0x81, &[0xe2, 0x82]), 100), vec![Inbound::Fail(1007)]);
    }

    #[test]
    fn server_frames_are_what_a_client_library_reads() {
        assert_eq!(&binary_message(&[1, 2, 3])[..], &[0x82, 3, 1, 2, 3]);
        assert_eq!(&binary_message(&[0; 1800])[..4], &[0x82, 126, 0x07, 0x08]);
        assert_eq!(&close(1009, "too big")[..4], &[0x88, 9, 0x03, 0xF1]);
        assert_eq!(&ping()[..], &[0x89, 0]);
    }
}
