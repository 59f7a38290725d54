//! The hand-off from an exchange source to a symbol's engine: a whole-book image (best levels of
//! each side in integer ticks/lots at the book's decimal scale, plus whether it is live, resyncing
//! or stale) and its times (the exchange's own and when the server read it). Images
//! are idempotent — each replaces the last — so the inbox can never leave the engine half-updated.
//! Prints travel beside them in their own message (`encode_prints`): events, not pictures, each
//! delivered once to the engine, which numbers them and repeats them in its frames.

use bytes::{BufMut, Bytes, BytesMut};

use crate::adapters::{Adapter, AdapterError, Applied, BookTimes, InboxPrint};
use crate::book::{L2Book, Side};
use crate::exchange::exchange_book::ExchangeBook;

const MAGIC: &[u8; 4] = b"TFBI";
const PRINTS_MAGIC: &[u8; 4] = b"TFPR";
/// price, size (f64), size exactly (i128, 10⁻¹² units), time (f64), side, flags.
const PRINT_BYTES: usize = 8 + 8 + 16 + 8 + 1 + 1;
const HEADER: usize = 4 + 1 + 4 + 4 + 4 + 4 + 8 + 8;

/// Status byte of an image.
const RESYNCING: u8 = 0;
const LIVE: u8 = 1;
const STALE: u8 = 2;

/// Encode the best `depth` levels a side of `book`; `live = false` says the book is resyncing.
pub fn encode_image(book: &ExchangeBook, depth: usize, live: bool, times: BookTimes) -> Bytes {
    encode(book, depth, if live { LIVE } else { RESYNCING }, times)
}

/// The same image, saying the book is stale: the exchange sent no data within its deadline, so
/// this may no longer be the market (shown dimmed, never as live, until the source resyncs).
pub fn encode_stale_image(book: &ExchangeBook, depth: usize, times: BookTimes) -> Bytes {
    encode(book, depth, STALE, times)
}

fn encode(book: &ExchangeBook, depth: usize, status: u8, times: BookTimes) -> Bytes {
    let b = book.book();
    let (nb, na) = (b.len(Side::Bid).min(depth), b.len(Side::Ask).min(depth));
    let mut out = BytesMut::with_capacity(HEADER + (nb + na) * 16);
    out.put_slice(MAGIC);
    out.put_u8(status);
    out.put_u32_le(book.price_decimals());
    out.put_u32_le(book.size_decimals());
    out.put_u32_le(nb as u32);
    out.put_u32_le(na as u32);
    out.put_u64_le(times.exchange_us);
    out.put_u64_le(times.received_us);
    for (p, s) in b.bids().take(nb).chain(b.asks().take(na)) {
        out.put_i64_le(p);
        out.put_i64_le(s);
    }
    out.freeze()
}

/// Prints for one symbol's engine, in the venue's order.
pub fn encode_prints(prints: &[InboxPrint]) -> Bytes {
    let mut out = BytesMut::with_capacity(8 + prints.len() * PRINT_BYTES);
    out.put_slice(PRINTS_MAGIC);
    out.put_u32_le(prints.len() as u32);
    for p in prints {
        out.put_f64_le(p.price);
        out.put_f64_le(p.size);
        out.put_i128_le(p.size_e12);
        out.put_f64_le(p.time_ms);
        out.put_u8(p.buy as u8);
        out.put_u8(p.flags);
    }
    out.freeze()
}

/// Applies book images to the engine's book, and tells the engine the decimal scale to print with.
#[derive(Debug, Default)]
pub struct BookImageAdapter {
    scale: Option<(u32, u32)>,
    times: Option<BookTimes>,
    prints: Vec<InboxPrint>,
}

impl BookImageAdapter {
    pub fn new() -> Self {
        Self::default()
    }
}

fn read_u32(msg: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([msg[at], msg[at + 1], msg[at + 2], msg[at + 3]])
}

fn read_i64(msg: &[u8], at: usize) -> i64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&msg[at..at + 8]);
    i64::from_le_bytes(b)
}

impl Adapter for BookImageAdapter {
    fn apply(&mut self, msg: &[u8], book: &mut L2Book) -> Result<Applied, AdapterError> {
        if msg.get(..4) == Some(PRINTS_MAGIC) {
            self.read_prints(msg)?;
            return Ok(Applied::Unchanged); // the book is as it was; the engine takes the prints
        }
        if msg.len() < HEADER || &msg[..4] != MAGIC {
            return Err(AdapterError::Malformed("not a book image".into()));
        }
        let status = msg[4];
        if status > STALE {
            return Err(AdapterError::Malformed(format!("book image status {status}")));
        }
        let (pd, sd) = (read_u32(msg, 5), read_u32(msg, 9));
        let (nb, na) = (read_u32(msg, 13) as usize, read_u32(msg, 17) as usize);
        if msg.len() != HEADER + (nb + na) * 16 || pd > 18 || sd > 18 {
            return Err(AdapterError::Malformed(format!("book image of {} bytes for {nb}+{na} levels", msg.len())));
        }
        let mut next = L2Book::new();
        for i in 0..nb + na {
            let at = HEADER + i * 16;
            next.set(if i < nb { Side::Bid } else { Side::Ask }, read_i64(msg, at), read_i64(msg, at + 8));
        }
        self.scale = Some((pd, sd));
        self.times = Some(BookTimes { exchange_us: read_i64(msg, 21) as u64, received_us: read_i64(msg, 29) as u64 });
        let changed = next != *book;
        *book = next;
        Ok(match (status, changed) {
            (RESYNCING, _) => Applied::Resyncing,
            (STALE, _) => Applied::Stale,
            (_, true) => Applied::Changed,
            (_, false) => Applied::Unchanged,
        })
    }

    fn scale(&self) -> Option<(u32, u32)> {
        self.scale
    }

    fn times(&self) -> Option<BookTimes> {
        self.times
    }

    fn take_prints(&mut self, out: &mut Vec<InboxPrint>) {
        out.append(&mut self.prints);
    }
}

impl BookImageAdapter {
    fn read_prints(&mut self, msg: &[u8]) -> Result<(), AdapterError> {
        let bad = || AdapterError::Malformed(format!("prints message of {} bytes", msg.len()));
        let count = msg.get(4..8).map(|b| read_u32(b, 0) as usize).ok_or_else(bad)?;
        if count.checked_mul(PRINT_BYTES).and_then(|n| n.checked_add(8)) != Some(msg.len()) {
            return Err(bad());
        }
        let f64_at = |at: usize| f64::from_bits(read_i64(msg, at) as u64);
        for i in 0..count {
            let at = 8 + i * PRINT_BYTES;
            let mut e12 = [0u8; 16];
            e12.copy_from_slice(&msg[at + 16..at + 32]);
            self.prints.push(InboxPrint {
                price: f64_at(at),
                size: f64_at(at + 8),
                size_e12: i128::from_le_bytes(e12),
                time_ms: f64_at(at + 32),
                buy: msg[at + 40] != 0,
                flags: msg[at + 41],
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage() {
        let mut eb = ExchangeBook::new();
        eb.set_many([(Side::Bid, "100.5", "1"), (Side::Bid, "100.25", "2"), (Side::Ask, "101", "0.001")]).unwrap();
        let times = BookTimes { exchange_us: 1_700_000_000_000_001, received_us: 1_700_000_000_000_900 };
        let img = encode_image(&eb, 1, true, times);
        let mut a = BookImageAdapter::new();
        let mut book = L2Book::new();
        assert_eq!(a.apply(&img, &mut book).unwrap(), Applied::Changed);
        assert_eq!(book.best_bid(), Some((10050, 1000)));
        assert_eq!(book.len(Side::Bid), 1, "depth 1");
        assert_eq!(a.scale(), Some((2, 3)));
        assert_eq!(a.times(), Some(times), "the times travel with the image");
        assert_eq!(a.apply(&img, &mut book).unwrap(), Applied::Unchanged);
        assert_eq!(a.apply(&encode_image(&ExchangeBook::new(), 10, false, times), &mut book).unwrap(), Applied::Resyncing);
        assert_eq!(a.apply(&encode_stale_image(&eb, 1, times), &mut book).unwrap(), Applied::Stale);
        assert_eq!(book.len(Side::Bid), 1, "a stale image keeps the last book, to show dimmed");
        assert!(a.apply(b"TFBI", &mut book).is_err());
        // Prints beside the images: the book stays, the prints are handed over once.
        let p = InboxPrint { price: 100.5, size: 0.25, size_e12: 250_000_000_000, time_ms: 1.5, buy: false, flags: 2 };
        assert_eq!(a.apply(&encode_prints(&[p, p]), &mut book).unwrap(), Applied::Unchanged);
        let mut got = Vec::new();
        a.take_prints(&mut got);
        assert_eq!(got, vec![p, p]);
        a.take_prints(&mut got);
        assert_eq!(got.len(), 2);
        let prints = encode_prints(&[p]);
        assert!(a.apply(&prints[..prints.len() - 1], &mut book).is_err());
        let mut lying = prints.to_vec();
        lying[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(a.apply(&lying, &mut book).is_err(), "a count the bytes do not hold");
        assert!(a.apply(&img[..img.len() - 1], &mut book).is_err());
    }
}
