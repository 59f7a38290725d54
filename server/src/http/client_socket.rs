//! The socket a client session runs on, by shared reference: its session task reads it (and writes
//! it while it is out of its writer loop) through readiness, and the writer loop writes its
//! descriptor. Implemented for TCP (the server) and Unix sockets (tests drive sessions through a pair).

use std::future::Future;
use std::io;
use std::os::fd::AsRawFd;

pub trait ClientSocket: AsRawFd + Send + Sync + 'static {
    fn readable(&self) -> impl Future<Output = io::Result<()>> + Send;
    fn try_read(&self, buf: &mut [u8]) -> io::Result<usize>;
    fn writable(&self) -> impl Future<Output = io::Result<()>> + Send;
    fn try_write(&self, buf: &[u8]) -> io::Result<usize>;
}

macro_rules! client_socket {
    ($t:ty) => {
        impl ClientSocket for $t {
            fn readable(&self) -> impl Future<Output = io::Result<()>> + Send {
                <$t>::readable(self)
            }
            fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
                <$t>::try_read(self, buf)
            }
            fn writable(&self) -> impl Future<Output = io::Result<()>> + Send {
                <$t>::writable(self)
            }
            fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
                <$t>::try_write(self, buf)
            }
        }
    };
}

client_socket!(tokio::net::TcpStream);
client_socket!(tokio::net::UnixStream);

/// No more writes from this side (a TCP FIN); reading still works.
pub fn shut_writes<S: AsRawFd>(socket: &S) {
    // SAFETY: the descriptor is open while `socket` is borrowed; shutdown(2) touches no memory.
    unsafe { libc::shutdown(socket.as_raw_fd(), libc::SHUT_WR) };
}
