//! The server's edge: everything between a TCP connection and a client session. A deployed server
//! faces the whole internet, so each resource a stranger can make it spend is bounded here —
//! descriptors ([`fd_limit`]), connections that are not clients yet ([`connection_gate`]), time to
//! finish a handshake ([`listener`]), clients per address ([`client_slots`]), and which pages and
//! names may talk to it ([`origin`], [`host`]). SECURITY.md lists the limits and their defaults.

pub mod client_slots;
pub mod connection_gate;
pub mod fd_limit;
pub mod host;
pub mod listener;
pub mod origin;
