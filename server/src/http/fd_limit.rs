//! The process's file-descriptor limit: every connection is one descriptor, so the limit is the
//! server's real connection capacity. Raised to the hard limit at start (allowed without privileges
//! and what most servers do), and read to size the connection caps so `accept` never hits EMFILE.

/// Descriptors kept for everything that is not a client connection: the listener, epoll, timers,
/// exchange connections, recordings, log files, and a margin.
pub const FD_RESERVE: u64 = 64;

/// Raise the soft `RLIMIT_NOFILE` to the hard limit. Returns the soft limit in force afterwards
/// (`None` where it cannot be read).
pub fn raise_to_hard_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit/setrlimit only read/write the struct we pass.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
                return None;
            }
            if lim.rlim_cur < lim.rlim_max {
                let raised = libc::rlimit { rlim_cur: lim.rlim_max, rlim_max: lim.rlim_max };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    tracing::info!(from = lim.rlim_cur, to = lim.rlim_max, "raised the file-descriptor limit to the hard limit");
                } else {
                    tracing::warn!(soft = lim.rlim_cur, hard = lim.rlim_max, "could not raise the file-descriptor limit");
                }
            }
        }
    }
    soft_limit()
}

/// The soft `RLIMIT_NOFILE` in force (`None` where it cannot be read or is unlimited).
pub fn soft_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit only writes the struct we pass.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 || lim.rlim_cur == libc::RLIM_INFINITY {
            return None;
        }
        #[allow(clippy::unnecessary_cast)] // rlim_t is not u64 on every platform
        Some(lim.rlim_cur as u64)
    }
    #[cfg(not(unix))]
    {
        None
    }
}
