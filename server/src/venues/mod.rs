//! Exchanges, one file each: everything about a venue — its endpoints, subscribe and resubscribe
//! messages at the subscribed depth, keepalive, REST snapshot URL, capture id, and how its
//! messages become exact books with its sequencing and checksum rules — implements [`Venue`].
//! The same venue serves a live connection, a capture replayed by the server, and `check-capture`.
//!
//! Adding a venue: a file here implementing [`Venue`], and one line in [`VENUES`].

pub mod binance;
pub mod bybit;
pub mod coinbase;
pub mod kraken;
pub mod okx;
pub mod trade;
pub mod venue;

pub use venue::{LiveEndpoint, Venue};

/// One registered venue.
pub struct VenueEntry {
    /// As in `--source <name>:<symbol>` and `check-capture --exchange`.
    pub name: &'static str,
    /// The exchange id cryptofeed writes in a capture's header.
    pub cryptofeed_id: &'static str,
    /// A fresh venue whose live subscription, and every resubscription, asks for at least `depth` levels.
    pub new: fn(depth: usize) -> Box<dyn Venue>,
}

/// Every venue. (`kraken` reads v2 messages and, in captures, v1.)
pub const VENUES: [VenueEntry; 6] = [
    VenueEntry { name: "binance", cryptofeed_id: "BINANCE", new: |_| Box::new(binance::Binance::new(binance::Product::Spot)) },
    VenueEntry { name: "binance-usdm", cryptofeed_id: "BINANCE_FUTURES", new: |_| Box::new(binance::Binance::new(binance::Product::UsdM)) },
    VenueEntry { name: "coinbase", cryptofeed_id: "COINBASE", new: |_| Box::new(coinbase::Coinbase::new()) },
    VenueEntry { name: "kraken", cryptofeed_id: "KRAKEN", new: |d| Box::new(kraken::Kraken::new(d)) },
    VenueEntry { name: "bybit", cryptofeed_id: "BYBIT", new: |d| Box::new(bybit::Bybit::new(d)) },
    VenueEntry { name: "okx", cryptofeed_id: "OKX", new: |_| Box::new(okx::Okx::new()) },
];

/// Depth for venues read from captures (what the capture subscribed to is what it holds).
pub const CAPTURE_DEPTH: usize = 1000;

/// The names, for `--help` and argument checks.
pub fn names() -> impl Iterator<Item = &'static str> {
    VENUES.iter().map(|v| v.name)
}

/// A fresh venue by name, subscribing at `depth` levels when live.
pub fn by_name(name: &str, depth: usize) -> Option<Box<dyn Venue>> {
    VENUES.iter().find(|v| v.name == name).map(|v| (v.new)(depth))
}

/// The venue name for a capture header's exchange id (cryptofeed's, any case).
pub fn by_cryptofeed_id(id: &str) -> Option<&'static str> {
    VENUES.iter().find(|v| v.cryptofeed_id.eq_ignore_ascii_case(id)).map(|v| v.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_builds_the_venue_it_names_with_a_live_endpoint() {
        for v in &VENUES {
            let venue = (v.new)(50);
            assert_eq!(venue.name(), v.name);
            let e = venue.endpoint(&["BTC-USD".to_string()]);
            assert!(e.ws_url.starts_with("wss://"), "{}", v.name);
            assert_eq!(by_cryptofeed_id(&v.cryptofeed_id.to_lowercase()), Some(v.name));
        }
    }
}
