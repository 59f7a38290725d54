//! The `Origin` allowlist for `/ws`: browsers send `Origin` on every WebSocket handshake, so this is
//! what stops another site's page from reading the feed through a visitor's browser.
//!
//! Entries are exact origins, `scheme://host[:port]` (`https://app.example`, `http://localhost:6006`).
//! Scheme and host compare case-insensitively and a default port may be written or left out
//! (`https://app.example:443` is `https://app.example`); anything else must match exactly. A bare
//! host (`app.example`) is refused when the server starts: it would say nothing about scheme or port.

use std::fmt;

/// One parsed origin: scheme, host and port, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

impl Origin {
    /// Parse `scheme://host[:port]` (no path, query or user info), as browsers send it and as an
    /// allowlist entry must be written.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (scheme, rest) =
            text.split_once("://").ok_or_else(|| format!("{text:?} is not an origin: write scheme://host[:port], e.g. https://app.example"))?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return Err(format!("{text:?}: origin scheme must be http or https")),
        };
        if rest.is_empty() || rest.contains(['/', '?', '#', '@']) {
            return Err(format!("{text:?} is not an origin: only scheme://host[:port], no path or user"));
        }
        let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
            let (addr, after) = v6.split_once(']').ok_or_else(|| format!("{text:?}: unclosed [ in IPv6 host"))?;
            (format!("[{}]", addr.to_ascii_lowercase()), after.strip_prefix(':'))
        } else {
            match rest.split_once(':') {
                Some((h, p)) => (h.to_ascii_lowercase(), Some(p)),
                None => (rest.to_ascii_lowercase(), None),
            }
        };
        if host.is_empty() || host == "[]" {
            return Err(format!("{text:?}: empty host"));
        }
        let port = match port {
            None => default_port,
            Some(p) => p.parse::<u16>().map_err(|_| format!("{text:?}: port {p:?} is not a number 0-65535"))?,
        };
        Ok(Self { scheme, host, port })
    }

    fn is_loopback(&self) -> bool {
        matches!(self.host.as_str(), "localhost" | "127.0.0.1" | "[::1]")
    }
}

/// Which browser origins may open `/ws`.
#[derive(Debug, Clone, Default)]
pub struct OriginPolicy {
    /// Exact origins; empty = pages served from this machine (localhost, 127.0.0.1, [::1], any port).
    allowed: Vec<Origin>,
}

impl OriginPolicy {
    /// Parse every entry; the first bad one is the error.
    pub fn new<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        let allowed = entries.iter().map(|e| Origin::parse(e.as_ref())).collect::<Result<_, _>>()?;
        Ok(Self { allowed })
    }

    /// `None` = no `Origin` header (not a browser: browsers always send it on a WebSocket handshake).
    pub fn allows(&self, origin: Option<&[u8]>) -> bool {
        let Some(origin) = origin else { return true };
        let Some(origin) = std::str::from_utf8(origin).ok().and_then(|o| Origin::parse(o).ok()) else { return false };
        if self.allowed.is_empty() {
            origin.is_loopback()
        } else {
            self.allowed.contains(&origin)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(policy: &OriginPolicy, origin: &str) -> bool {
        policy.allows(Some(origin.as_bytes()))
    }

    #[test]
    fn localhost_origins_by_default() {
        let p = OriginPolicy::default();
        assert!(p.allows(None));
        assert!(allows(&p, "http://localhost:6006"));
        assert!(allows(&p, "http://127.0.0.1:6006"));
        assert!(allows(&p, "http://[::1]:6006"));
        assert!(!allows(&p, "https://evil.example"));
        assert!(!allows(&p, "http://localhost.evil.example"));
        assert!(!allows(&p, "null"));
    }

    #[test]
    fn entries_are_exact_scheme_host_and_port() {
        let p = OriginPolicy::new(&["https://app.example", "http://dash.example:8080"]).unwrap();
        assert!(allows(&p, "https://app.example"));
        assert!(allows(&p, "https://APP.example:443"));
        assert!(allows(&p, "http://dash.example:8080"));
        assert!(!allows(&p, "http://app.example"), "another scheme");
        assert!(!allows(&p, "https://app.example:8443"), "another port");
        assert!(!allows(&p, "http://dash.example"), "default port is not 8080");
        assert!(!allows(&p, "https://app.example.evil.example"));
        assert!(!allows(&p, "http://localhost:6006"), "an explicit list replaces the localhost default");
    }

    #[test]
    fn a_bare_host_or_a_path_is_refused_at_start() {
        for bad in [
            "app.example",
            "app.example:443",
            "ftp://app.example",
            "https://app.example/",
            "https://u@app.example",
            "https://app.example:99999",
            "https://",
        ] {
            assert!(OriginPolicy::new(&[bad]).is_err(), "{bad} should be refused");
        }
    }
}
