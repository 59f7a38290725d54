//! A fast path in front of the FlatBuffers verifier for `OrderbookFrame`, the one table the browser
//! verifies on every frame. It makes the same checks as the generated verifier (every offset, vtable
//! entry, scalar, string and vector inside the buffer and aligned, strings UTF-8 and terminated, the
//! same apparent-size limit), straight-line for this one table instead of through the crate's generic,
//! trace-building visitors — about a fifth of the engine's time per frame.
//!
//! It only ever *accepts*: a buffer it does not accept goes to the real verifier, which decides and
//! explains. So the one property that matters is that it never accepts what the real verifier
//! rejects; `tests/frame_verifier.rs` checks that on mutated frames, and that its field list is the
//! schema's.

/// How a field of `OrderbookFrame` is verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A scalar of this many bytes (alignment = size).
    Scalar(usize),
    /// An offset to a string.
    String,
    /// An offset to a vector of structs of this many bytes and this alignment (`PriceLevel` 16/8,
    /// `Trade` 40/8, `HeatColumn` 56/8, `ushort` 2/2).
    StructVector { size: usize, align: usize },
}

const LEVELS: FieldKind = FieldKind::StructVector { size: 16, align: 8 };
const TRADES: FieldKind = FieldKind::StructVector { size: 40, align: 8 };
const HEAT: FieldKind = FieldKind::StructVector { size: 56, align: 8 };
const HEAT_BINS: FieldKind = FieldKind::StructVector { size: 2, align: 2 };

/// `OrderbookFrame`'s fields in vtable order (field i at vtable offset 4 + 2i), as in orderbook.fbs.
pub const FRAME_FIELDS: [(&str, FieldKind); 26] = [
    ("sequence", FieldKind::Scalar(8)),
    ("timestamp_ms", FieldKind::Scalar(8)),
    ("symbol", FieldKind::String),
    ("tick_size", FieldKind::Scalar(8)),
    ("lot_size", FieldKind::Scalar(8)),
    ("best_bid", FieldKind::Scalar(8)),
    ("best_ask", FieldKind::Scalar(8)),
    ("mid_price", FieldKind::Scalar(8)),
    ("spread", FieldKind::Scalar(8)),
    ("bids", LEVELS),
    ("asks", LEVELS),
    ("bid_total_size", FieldKind::Scalar(8)),
    ("ask_total_size", FieldKind::Scalar(8)),
    ("imbalance", FieldKind::Scalar(8)),
    ("status", FieldKind::Scalar(1)),
    ("heartbeat", FieldKind::Scalar(1)),
    ("trades", TRADES),
    ("trade_seq", FieldKind::Scalar(8)),
    ("buy_volume", FieldKind::Scalar(8)),
    ("sell_volume", FieldKind::Scalar(8)),
    ("trade_count", FieldKind::Scalar(8)),
    ("exchange_time_us", FieldKind::Scalar(8)),
    ("received_time_us", FieldKind::Scalar(8)),
    ("book_unchanged_ms", FieldKind::Scalar(8)),
    ("heat", HEAT),
    ("heat_bins", HEAT_BINS),
];

/// Whether `buf` passes every check the generated verifier makes for an `OrderbookFrame` root,
/// with at most `max_apparent_size` bytes visited. `false` means "ask the real verifier".
pub fn frame_verifies_fast(buf: &[u8], max_apparent_size: usize) -> bool {
    check(buf, max_apparent_size).is_some()
}

fn check(buf: &[u8], max_apparent: usize) -> Option<()> {
    let mut seen = 0usize;
    let mut range = |pos: usize, size: usize| -> Option<()> {
        (pos.checked_add(size)? <= buf.len()).then_some(())?;
        seen += size;
        (seen <= max_apparent).then_some(())
    };
    let u16_at = |pos: usize| Some(u16::from_le_bytes(buf.get(pos..pos.checked_add(2)?)?.try_into().ok()?) as usize);
    let u32_at = |pos: usize| Some(u32::from_le_bytes(buf.get(pos..pos.checked_add(4)?)?.try_into().ok()?));

    // Root offset, then the table's signed offset to its vtable (each a 4-byte aligned u32/i32).
    range(0, 4)?;
    let table = u32_at(0)? as usize;
    (table % 4 == 0).then_some(())?;
    range(table, 4)?;
    let soffset = u32_at(table)? as i32;
    let vtable = if soffset > 0 { table.checked_sub(soffset.unsigned_abs() as usize)? } else { table.checked_add(soffset.unsigned_abs() as usize)? };
    (vtable < buf.len() && vtable % 2 == 0).then_some(())?;
    range(vtable, 2)?;
    let vtable_len = u16_at(vtable)?;
    (vtable_len % 2 == 0).then_some(())?;
    range(vtable, vtable_len)?;

    for (i, (_, kind)) in FRAME_FIELDS.iter().enumerate() {
        let entry = 4 + 2 * i;
        if entry >= vtable_len {
            break; // later fields are absent too (the vtable is shorter than they need)
        }
        range(vtable + entry, 2)?;
        let offset = u16_at(vtable + entry)?;
        if offset == 0 {
            continue;
        }
        let pos = table.saturating_add(offset);
        match *kind {
            FieldKind::Scalar(size) => {
                (pos % size == 0).then_some(())?;
                range(pos, size)?;
            }
            FieldKind::String | FieldKind::StructVector { .. } => {
                (pos % 4 == 0).then_some(())?;
                range(pos, 4)?;
                let target = (u32_at(pos)? as usize).saturating_add(pos);
                (target % 4 == 0).then_some(())?;
                range(target, 4)?;
                let len = u32_at(target)? as usize;
                let start = target.saturating_add(4);
                match *kind {
                    FieldKind::StructVector { size, align } => {
                        // Stricter than needed is safe (the real verifier then decides): elements aligned.
                        (start % align == 0).then_some(())?;
                        range(start, len.checked_mul(size)?)?;
                    }
                    _ => {
                        range(start, len)?;
                        let text = buf.get(start..start + len)?;
                        (buf.get(start + len) == Some(&0)).then_some(())?;
                        std::str::from_utf8(text).ok()?;
                    }
                }
            }
        }
    }
    Some(())
}
