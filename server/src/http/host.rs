//! The `Host` allowlist for every HTTP endpoint. A page on another site can point its own DNS name at
//! 127.0.0.1 (DNS rebinding) and then read same-origin responses such as `/metrics`; the only thing
//! that gives it away is the `Host` header, which carries its name, not ours.
//!
//! Entries are `host` (any port) or `host:port`, compared case-insensitively. Without entries the
//! server accepts loopback names only (`localhost`, `127.0.0.1`, `[::1]`) when it listens on a
//! loopback address, and any host otherwise (a deployed server sits behind a proxy that picks hosts).

/// Which `Host` values the HTTP endpoints answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostPolicy {
    Any,
    Loopback,
    Only(Vec<String>),
}

impl HostPolicy {
    /// The policy for explicit entries, or the default for a listener bound to `listen_is_loopback`.
    pub fn new(entries: &[String], listen_is_loopback: bool) -> Result<Self, String> {
        if entries.is_empty() {
            return Ok(if listen_is_loopback { Self::Loopback } else { Self::Any });
        }
        let mut hosts = Vec::with_capacity(entries.len());
        for e in entries {
            if e.is_empty() || e.contains(['/', '@', ' ']) {
                return Err(format!("{e:?} is not a host: write host or host:port, e.g. md.example or md.example:443"));
            }
            hosts.push(e.to_ascii_lowercase());
        }
        Ok(Self::Only(hosts))
    }

    /// `host` is the request's `Host` header (or the authority of an absolute URI).
    pub fn allows(&self, host: Option<&str>) -> bool {
        match self {
            Self::Any => true,
            Self::Loopback => host.is_some_and(|h| matches!(hostname(&h.to_ascii_lowercase()), "localhost" | "127.0.0.1" | "[::1]")),
            Self::Only(list) => host.is_some_and(|h| {
                let h = h.to_ascii_lowercase();
                list.iter().any(|e| *e == h || *e == hostname(&h))
            }),
        }
    }
}

/// `host[:port]` → `host` (keeping the brackets of an IPv6 literal).
fn hostname(host: &str) -> &str {
    if host.starts_with('[') {
        host.find(']').map_or(host, |i| &host[..=i])
    } else {
        host.split(':').next().unwrap_or(host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_listener_answers_loopback_names_only() {
        let p = HostPolicy::new(&[], true).unwrap();
        assert!(p.allows(Some("127.0.0.1:9001")));
        assert!(p.allows(Some("localhost:9001")));
        assert!(p.allows(Some("[::1]:9001")));
        assert!(!p.allows(Some("rebind.evil.example:9001")));
        assert!(!p.allows(None));
        assert_eq!(HostPolicy::new(&[], false).unwrap(), HostPolicy::Any);
    }

    #[test]
    fn entries_with_and_without_port() {
        let p = HostPolicy::new(&["md.example".into(), "edge.example:8443".into()], false).unwrap();
        assert!(p.allows(Some("md.example")));
        assert!(p.allows(Some("MD.example:443")));
        assert!(p.allows(Some("edge.example:8443")));
        assert!(!p.allows(Some("edge.example:9000")));
        assert!(!p.allows(Some("other.example")));
        assert!(HostPolicy::new(&["https://md.example".into()], false).is_err());
    }
}
