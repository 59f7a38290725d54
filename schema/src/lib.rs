//! tickframe's wire contract. `orderbook.fbs` is the single source of truth; the Rust module below is
//! generated from it by `npm run codegen` (flatc, pinned to the `flatbuffers` crate's version) and
//! committed. A test in `npm test` regenerates it and fails on any drift.

// flatc's output, byte for byte (the drift test compares it): never formatted or linted.
#[rustfmt::skip]
#[allow(dead_code, unused_imports, clippy::all, non_camel_case_types, mismatched_lifetime_syntaxes)]
#[path = "../generated/rust/orderbook_generated.rs"]
mod orderbook_generated;

pub use orderbook_generated::tickframe::schema::*;

pub mod frame_restamp;
pub mod frame_verifier;

/// FNV-1a 64 of `orderbook.fbs`, as 16 hex digits: recordings store it so a reader can tell which
/// schema their frames were built with.
pub const SCHEMA_HASH: &str = schema_hash::HEX;

mod schema_hash {
    const fn fnv1a64(bytes: &[u8]) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut i = 0;
        while i < bytes.len() {
            h ^= bytes[i] as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
            i += 1;
        }
        h
    }
    const HASH: u64 = fnv1a64(include_bytes!("../orderbook.fbs"));
    const fn hex() -> [u8; 16] {
        let digits = b"0123456789abcdef";
        let mut out = [0u8; 16];
        let mut i = 0;
        while i < 16 {
            out[i] = digits[((HASH >> (60 - 4 * i)) & 0xf) as usize];
            i += 1;
        }
        out
    }
    const BYTES: [u8; 16] = hex();
    pub const HEX: &str = match std::str::from_utf8(&BYTES) {
        Ok(s) => s,
        Err(_) => panic!("hex digits are ASCII"),
    };
}

/// The 4-byte FlatBuffers file identifier every tickframe frame carries at offset 4.
pub const FRAME_IDENTIFIER: &str = ORDERBOOK_FRAME_IDENTIFIER;

/// Verifier limits for frames from outside (the server's own depth cap is 1000 levels a side,
/// so 4096 tables/vectors and 1 MiB are generous but bounded).
pub fn verifier_options() -> flatbuffers::VerifierOptions {
    flatbuffers::VerifierOptions { max_depth: 8, max_tables: 64, max_apparent_size: 1 << 20, ..Default::default() }
}

/// Verify and decode a frame received from outside (a socket, a file). Checks the file identifier
/// and runs the FlatBuffers verifier, so a corrupt buffer is an error, never a panic or an
/// out-of-bounds read.
pub fn decode_frame(buf: &[u8]) -> Result<OrderbookFrame<'_>, FrameError> {
    if buf.len() < 8 {
        return Err(FrameError::TooShort(buf.len()));
    }
    if !orderbook_frame_buffer_has_identifier(buf) {
        return Err(FrameError::WrongIdentifier);
    }
    let opts = verifier_options();
    if frame_verifier::frame_verifies_fast(buf, opts.max_apparent_size) {
        // SAFETY: the fast path made every check the generated verifier makes for this table (each
        // field the accessors read is in the buffer, aligned, and its strings are UTF-8); it only
        // ever accepts what the verifier accepts (tests/frame_verifier.rs).
        return Ok(unsafe { root_as_orderbook_frame_unchecked(buf) });
    }
    root_as_orderbook_frame_with_opts(&opts, buf).map_err(FrameError::Invalid)
}

/// Why a buffer is not a valid tickframe frame.
#[derive(Debug, Clone, PartialEq)]
pub enum FrameError {
    TooShort(usize),
    WrongIdentifier,
    Invalid(flatbuffers::InvalidFlatbuffer),
    /// Well formed, but carrying numbers no market has (a tick size of 0 or NaN, an infinite price):
    /// a reader must not show it.
    OutOfRange(&'static str),
    /// Another market's frame where one market was expected (its symbol, cut to 64 characters).
    OtherSymbol(String),
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::TooShort(n) => write!(f, "frame too short ({n} bytes)"),
            FrameError::WrongIdentifier => write!(f, "not a tickframe frame (file identifier is not \"{FRAME_IDENTIFIER}\")"),
            FrameError::Invalid(e) => write!(f, "frame failed verification: {e}"),
            FrameError::OutOfRange(why) => write!(f, "frame out of range: {why}"),
            FrameError::OtherSymbol(s) => write!(f, "frame for another symbol ({s:?}) than the one expected"),
        }
    }
}

impl std::error::Error for FrameError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn price_level_is_16_bytes() {
        assert_eq!(std::mem::size_of::<PriceLevel>(), 16);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(matches!(decode_frame(&[]), Err(FrameError::TooShort(0))));
        assert!(matches!(decode_frame(&[0u8; 64]), Err(FrameError::WrongIdentifier)));
        let mut fake = vec![0xffu8; 64];
        fake[4..8].copy_from_slice(b"TKFR");
        assert!(matches!(decode_frame(&fake), Err(FrameError::Invalid(_))));
    }
}
