//! `--source`: where a server's markets come from, parsed once (clap calls [`FromStr`]).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// One `--source`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// `sim`: the built-in simulator (SIM-USD).
    Simulator,
    /// `<venue>:<symbol>[,<symbol>…]`: a live exchange, symbols as the venue spells them.
    Live { venue: &'static str, symbols: Vec<String> },
    /// `capture:<file>`: replay a capture; its header names the venue and symbols.
    Capture { path: PathBuf },
    /// `nats://host:port[?symbols=A,B]`: be an edge node, relaying the frames ingest nodes publish
    /// (every symbol on the bus, or only these).
    Bus { url: String, symbols: Vec<String> },
}

impl FromStr for SourceSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s == "sim" {
            return Ok(SourceSpec::Simulator);
        }
        if s.starts_with("nats://") {
            let (url, query) = s.split_once('?').unwrap_or((s, ""));
            let mut symbols = Vec::new();
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                match pair.split_once('=') {
                    Some(("symbols", list)) => symbols.extend(list.split(',').filter(|s| !s.is_empty()).map(String::from)),
                    _ => return Err(format!("{s:?}: the only option is ?symbols=A,B")),
                }
            }
            if url.len() <= "nats://".len() {
                return Err(format!("{s:?} names no NATS server"));
            }
            return Ok(SourceSpec::Bus { url: url.to_string(), symbols });
        }
        if let Some(path) = s.strip_prefix("capture:") {
            if path.is_empty() {
                return Err("capture: names no file".into());
            }
            return Ok(SourceSpec::Capture { path: PathBuf::from(path) });
        }
        let Some((name, list)) = s.split_once(':') else {
            return Err(format!("{s:?}: expected sim, <venue>:<symbol>[,<symbol>…] or capture:<file>"));
        };
        let venue = crate::venues::names()
            .find(|v| *v == name)
            .ok_or_else(|| format!("unknown venue {name:?} (one of {})", crate::venues::names().collect::<Vec<_>>().join(", ")))?;
        let symbols: Vec<String> = list.split(',').filter(|s| !s.is_empty()).map(String::from).collect();
        if symbols.is_empty() {
            return Err(format!("{s:?} names no symbol"));
        }
        Ok(SourceSpec::Live { venue, symbols })
    }
}

impl fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceSpec::Simulator => write!(f, "sim"),
            SourceSpec::Live { venue, symbols } => write!(f, "{venue}:{}", symbols.join(",")),
            SourceSpec::Capture { path } => write!(f, "capture:{}", path.display()),
            SourceSpec::Bus { url, symbols } if symbols.is_empty() => write!(f, "{url}"),
            SourceSpec::Bus { url, symbols } => write!(f, "{url}?symbols={}", symbols.join(",")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form_and_says_what_is_wrong() {
        assert_eq!("sim".parse(), Ok(SourceSpec::Simulator));
        assert_eq!("kraken:BTC/USD,ETH/USD".parse(), Ok(SourceSpec::Live { venue: "kraken", symbols: vec!["BTC/USD".into(), "ETH/USD".into()] }));
        assert_eq!("capture:a.jsonl".parse(), Ok(SourceSpec::Capture { path: "a.jsonl".into() }));
        assert!("nowhere:X".parse::<SourceSpec>().unwrap_err().contains("unknown venue"));
        assert!("kraken:".parse::<SourceSpec>().unwrap_err().contains("no symbol"));
        assert!("kraken".parse::<SourceSpec>().is_err());
        assert_eq!("binance:BTCUSDT".parse::<SourceSpec>().map(|s| s.to_string()), Ok("binance:BTCUSDT".to_string()));
        assert_eq!("nats://127.0.0.1:4222".parse(), Ok(SourceSpec::Bus { url: "nats://127.0.0.1:4222".into(), symbols: vec![] }));
        let edge = "nats://h:1?symbols=BTC/USD,SIM-USD";
        assert_eq!(edge.parse(), Ok(SourceSpec::Bus { url: "nats://h:1".into(), symbols: vec!["BTC/USD".into(), "SIM-USD".into()] }));
        assert_eq!(edge.parse::<SourceSpec>().map(|s| s.to_string()), Ok(edge.to_string()));
        assert!("nats://h:1?depth=3".parse::<SourceSpec>().is_err());
        assert!("nats://".parse::<SourceSpec>().is_err());
    }
}
