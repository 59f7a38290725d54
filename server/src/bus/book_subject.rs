//! Subject names: one subject per symbol, `tickframe.book.<symbol>`, the symbol escaped into a single
//! token (NATS splits subjects on `.` and gives `*`, `>` and whitespace meaning).

/// Every book subject starts with this; an edge subscribes to `tickframe.book.>`.
pub const PREFIX: &str = "tickframe.book.";
/// Subscribe to every book.
pub const ALL: &str = "tickframe.book.>";

/// The subject a symbol's frames are published on. Letters, digits, `-` and `_` stay as they are;
/// every other byte becomes `%XX` (so `BTC/USD` is `tickframe.book.BTC%2FUSD`).
pub fn book_subject(symbol: &str) -> String {
    let mut out = String::with_capacity(PREFIX.len() + symbol.len() * 3);
    out.push_str(PREFIX);
    for b in symbol.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The symbol a book subject carries, or `None` if it is not one (wrong prefix, bad escape).
pub fn symbol_of(subject: &str) -> Option<String> {
    let token = subject.strip_prefix(PREFIX)?;
    if token.is_empty() || token.contains('.') {
        return None;
    }
    let mut bytes = Vec::with_capacity(token.len());
    let mut it = token.bytes();
    while let Some(b) = it.next() {
        if b == b'%' {
            let hex = [it.next()?, it.next()?];
            bytes.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
        } else {
            bytes.push(b);
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_symbol_is_one_token_and_comes_back() {
        for symbol in ["SIM-USD", "BTC/USD", "BTC-USDT", "1000SHIB_USDT", "a.b*c>d e", "ÄÖ/€", "%41"] {
            let subject = book_subject(symbol);
            let token = &subject[PREFIX.len()..];
            assert!(!token.contains(['.', '*', '>', ' ']) && token.is_ascii(), "{subject}");
            assert_eq!(symbol_of(&subject).as_deref(), Some(symbol));
        }
        assert_eq!(book_subject("BTC/USD"), "tickframe.book.BTC%2FUSD");
        assert_eq!(symbol_of("tickframe.book.SIM-USD").as_deref(), Some("SIM-USD"));
        for bad in ["tickframe.trades.X", "tickframe.book.", "tickframe.book.a.b", "tickframe.book.%4", "tickframe.book.%ZZ", "tickframe.book.%FF"] {
            assert_eq!(symbol_of(bad), None, "{bad}");
        }
    }
}
