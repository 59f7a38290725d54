//! Whether a connection that has not upgraded is waiting on its peer: the socket as hyper reads it,
//! noting when a read first had to wait for bytes that were not there, what the peer has sent, and
//! where a request head ended. The connection gate tells a stalled connection (idle, or a slowloris
//! trickling its header) from one whose request is in and only waits for the server by this: a real
//! client's request arrives in one go, and once a head is complete the clock starts again (an idle
//! keep-alive connection stalls anew; the server's own work never counts against the peer).

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Shared between a connection's socket and the gate.
#[derive(Debug)]
pub struct ClientWait {
    epoch: Instant,
    /// The last read found no bytes: the server is waiting on the peer.
    waiting: AtomicBool,
    /// When a read first waited since the last complete request head (ms after `epoch`, +1 so 0
    /// means not since).
    first_wait_ms: AtomicU64,
    /// Bytes the peer has sent since the last complete head.
    sent: AtomicU64,
}

impl ClientWait {
    pub fn new(epoch: Instant) -> Arc<Self> {
        Arc::new(Self { epoch, waiting: AtomicBool::new(false), first_wait_ms: AtomicU64::new(0), sent: AtomicU64::new(0) })
    }

    /// How long the peer has kept the server waiting, if it is doing so now: from the first read
    /// that found nothing (bytes trickling in since do not reset it — a request still incomplete
    /// after that long is a slowloris's).
    /// Bytes of an incomplete request the peer has sent (0: nothing since the last complete head):
    /// what a log line or a test can say about a stalled connection.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Acquire)
    }

    pub fn stalled_for(&self, now: Instant) -> Option<std::time::Duration> {
        if !self.waiting.load(Ordering::Acquire) {
            return None;
        }
        let first = self.first_wait_ms.load(Ordering::Acquire).checked_sub(1)?;
        Some(now.duration_since(self.epoch).saturating_sub(std::time::Duration::from_millis(first)))
    }

    /// What a read of the socket found (tests drive it by hand).
    #[cfg(test)]
    pub fn note_for_test(&self, pending: bool) {
        self.note(pending);
    }

    /// Bytes read: count them, and at the end of a request head (`head_ended`) start the clock again.
    fn saw(&self, n: usize, head_ended: bool) {
        if head_ended {
            self.sent.store(0, Ordering::Release);
            self.first_wait_ms.store(0, Ordering::Release);
        } else {
            self.sent.fetch_add(n as u64, Ordering::AcqRel);
        }
    }

    fn note(&self, pending: bool) {
        self.waiting.store(pending, Ordering::Release);
        if pending && self.first_wait_ms.load(Ordering::Relaxed) == 0 {
            let ms = Instant::now().duration_since(self.epoch).as_millis().min(u128::from(u64::MAX - 1)) as u64;
            self.first_wait_ms.store(ms + 1, Ordering::Release);
        }
    }
}

/// A TCP socket whose reads are noted in a [`ClientWait`].
#[derive(Debug)]
pub struct WatchedStream {
    inner: TcpStream,
    wait: Arc<ClientWait>,
    /// The last 3 bytes read (a `\r\n\r\n` split across reads still ends a head).
    tail: [u8; 3],
}

impl WatchedStream {
    pub fn new(inner: TcpStream, wait: Arc<ClientWait>) -> Self {
        Self { inner, wait, tail: [0; 3] }
    }

    /// The socket back (an upgraded WebSocket reads and writes it directly).
    pub fn into_inner(self) -> TcpStream {
        self.inner
    }
}

impl AsyncRead for WatchedStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            let bytes = &buf.filled()[before..];
            if !bytes.is_empty() {
                let mut window = [0, self.tail[0], self.tail[1], self.tail[2]];
                let mut head_ended = false;
                for &b in bytes {
                    window = [window[1], window[2], window[3], b];
                    head_ended |= &window == b"\r\n\r\n";
                }
                self.tail = [window[1], window[2], window[3]];
                self.wait.saw(bytes.len(), head_ended);
            }
        }
        self.wait.note(polled.is_pending());
        polled
    }
}

impl AsyncWrite for WatchedStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[std::io::IoSlice<'_>]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn a_read_that_waits_is_noted_and_a_request_already_in_is_not() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut client = TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let wait = ClientWait::new(Instant::now());
        let mut s = WatchedStream::new(server, wait.clone());
        // The request is already there: read at once, never waiting.
        client.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let mut buf = [0u8; 64];
        let n = s.read(&mut buf).await.unwrap();
        assert!(n > 0);
        assert_eq!(wait.stalled_for(Instant::now()), None);
        // Nothing more comes: the next read waits, and goes on being counted from then.
        let read = tokio::time::timeout(std::time::Duration::from_millis(50), s.read(&mut buf)).await;
        assert!(read.is_err(), "nothing to read");
        let stalled = wait.stalled_for(Instant::now()).expect("waiting on the peer");
        assert!(stalled >= std::time::Duration::from_millis(40));
        // A trickled byte does not reset the clock once the read waits again.
        client.write_all(b"X").await.unwrap();
        assert_eq!(s.read(&mut buf).await.unwrap(), 1);
        let _ = tokio::time::timeout(std::time::Duration::from_millis(10), s.read(&mut buf)).await;
        assert!(wait.stalled_for(Instant::now()).expect("waiting again") >= stalled);
        assert_eq!(wait.sent(), 16 + 1);
        // The head ends (split across reads): the server has the request; the clock starts again.
        client.write_all(b": y\r\n\r").await.unwrap();
        assert!(s.read(&mut buf).await.unwrap() > 0);
        client.write_all(b"\n").await.unwrap();
        assert_eq!(s.read(&mut buf).await.unwrap(), 1);
        assert_eq!((wait.sent(), wait.stalled_for(Instant::now())), (0, None));
    }
}
