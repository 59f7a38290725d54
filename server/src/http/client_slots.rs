//! WebSocket client slots: a server-wide limit and a per-IP limit, taken before the upgrade and
//! given back when the session ends (a [`ClientSlot`] is released on drop, however the session ends).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use crate::metrics::Metrics;

/// Why a client got no slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotRefused {
    /// The server holds `max_clients` already.
    ServerFull,
    /// This address holds `max_per_ip` already.
    AddressFull,
}

/// Hands out client slots.
#[derive(Debug)]
pub struct ClientSlots {
    max_clients: u64,
    /// 0 = no per-address limit (e.g. behind a proxy that does not pass client addresses).
    max_per_ip: u32,
    per_ip: Mutex<HashMap<IpAddr, u32>>,
    metrics: Arc<Metrics>,
}

impl ClientSlots {
    pub fn new(max_clients: u64, max_per_ip: u32, metrics: Arc<Metrics>) -> Arc<Self> {
        Arc::new(Self { max_clients, max_per_ip, per_ip: Mutex::default(), metrics })
    }

    pub fn max_clients(&self) -> u64 {
        self.max_clients
    }

    /// Take a slot for a client at `ip`.
    pub fn try_acquire(self: &Arc<Self>, ip: IpAddr) -> Result<ClientSlot, SlotRefused> {
        // Reserve globally first so the count can never exceed the limit.
        let n = self.metrics.clients.fetch_add(1, Ordering::AcqRel);
        if n >= self.max_clients {
            self.metrics.clients.fetch_sub(1, Ordering::AcqRel);
            self.metrics.clients_rejected.fetch_add(1, Ordering::Relaxed);
            return Err(SlotRefused::ServerFull);
        }
        if self.max_per_ip > 0 {
            let mut per_ip = self.per_ip.lock().unwrap_or_else(|p| p.into_inner());
            let held = per_ip.entry(ip).or_insert(0);
            if *held >= self.max_per_ip {
                drop(per_ip);
                self.metrics.clients.fetch_sub(1, Ordering::AcqRel);
                self.metrics.clients_rejected_per_ip.fetch_add(1, Ordering::Relaxed);
                return Err(SlotRefused::AddressFull);
            }
            *held += 1;
        }
        Ok(ClientSlot { slots: self.clone(), ip })
    }

    fn release(&self, ip: IpAddr) {
        if self.max_per_ip > 0 {
            let mut per_ip = self.per_ip.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(held) = per_ip.get_mut(&ip) {
                *held -= 1;
                if *held == 0 {
                    per_ip.remove(&ip); // the map holds only addresses with clients
                }
            }
        }
        self.metrics.clients.fetch_sub(1, Ordering::AcqRel);
    }
}

/// One client's slot; released on drop (including when the upgrade never completes).
#[derive(Debug)]
pub struct ClientSlot {
    slots: Arc<ClientSlots>,
    ip: IpAddr,
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        self.slots.release(self.ip);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_ip_and_server_limits() {
        let metrics = Arc::new(Metrics::default());
        let slots = ClientSlots::new(3, 2, metrics.clone());
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let a1 = slots.try_acquire(a).unwrap();
        let _a2 = slots.try_acquire(a).unwrap();
        assert_eq!(slots.try_acquire(a).unwrap_err(), SlotRefused::AddressFull);
        let _b1 = slots.try_acquire(b).unwrap();
        assert_eq!(slots.try_acquire(b).unwrap_err(), SlotRefused::ServerFull);
        drop(a1);
        assert_eq!(metrics.clients.load(Ordering::Relaxed), 2);
        let _a3 = slots.try_acquire(a).unwrap();
        assert_eq!(metrics.clients_rejected_per_ip.load(Ordering::Relaxed), 1);
        assert_eq!(metrics.clients_rejected.load(Ordering::Relaxed), 1);
    }
}
