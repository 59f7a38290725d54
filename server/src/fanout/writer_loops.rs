//! Writer loops: a few threads (one per core unless configured) each own a set of client sockets and
//! write every frame's shared WebSocket bytes to each of them with one non-blocking `send`. In steady
//! state a delivery is that system call and nothing else: no task wake-up, timer, allocation or shared
//! reference count per client (a loop wakes once per frame, and counts what it sent once per frame).
//!
//! Exactly one side writes a socket at any time: its loop while the client is in it, its session task
//! otherwise. A [`LoopClient`] moves between them by value: a session [`join`](WriterLoops::join)s it
//! to a loop; the loop hands it back ([`Handback`]) when the socket could not take a whole message
//! (the session finishes that message awaiting writability, within its send timeout, catches up and
//! joins again), when the socket failed, when the session asked for it ([`LoopSeat::take`], to write a
//! ping, pong or close itself), or when the market's fan-out is gone.

use std::collections::HashMap;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

use tokio::sync::mpsc;

use super::{Frame, MarketFrames};
use crate::metrics::Metrics;

/// A client socket as a loop holds it: the descriptor it writes, and the socket itself so the
/// descriptor stays open (and is never reused for another socket) while the loop holds it.
pub struct LoopClient {
    id: u64,
    fd: RawFd,
    _socket: Arc<dyn Send + Sync>,
    /// The newest frame this client has been sent whole.
    pub last_seq: u64,
    back: mpsc::Sender<Box<Handback>>,
}

impl LoopClient {
    /// `socket` must stay the owner of its descriptor for as long as it lives (a tokio or std socket does).
    pub fn new<S: AsRawFd + Send + Sync + 'static>(socket: Arc<S>, last_seq: u64, back: mpsc::Sender<Box<Handback>>) -> Self {
        static IDS: AtomicU64 = AtomicU64::new(1);
        let fd = socket.as_raw_fd();
        Self { id: IDS.fetch_add(1, Ordering::Relaxed), fd, _socket: socket, last_seq, back }
    }

    pub fn id(&self) -> u64 {
        self.id
    }
}

/// Why a loop gave a client back to its session.
pub enum Handback {
    /// The socket took `written` bytes of `frame.wire` (0: it would block): the session writes the rest.
    Slow { client: LoopClient, frame: Frame, written: usize },
    /// The socket failed (reset, closed by the peer).
    Failed(LoopClient),
    /// The session asked for it back ([`LoopSeat::take`]).
    Taken(LoopClient),
    /// The market's fan-out is gone (the server is stopping).
    Closed(LoopClient),
}

/// The loops of this process, started on first use.
pub struct WriterLoops {
    loops: Vec<Arc<LoopShared>>,
    next: AtomicUsize,
}

static LOOPS: OnceLock<WriterLoops> = OnceLock::new();
static CONFIGURED: AtomicUsize = AtomicUsize::new(0);
static BATCHED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// How a loop hands a frame's sends to the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriterIo {
    /// One non-blocking `send(2)` per socket.
    Write,
    /// One io_uring submission of all of a frame's sends per loop (Linux; where io_uring is
    /// refused, as in many containers, the loop falls back to `Write` and logs it).
    Uring,
}

/// Set the number of loops (0: one per core) and their I/O before the first client joins. Later
/// calls do nothing.
pub fn configure(loops: usize, io: WriterIo) {
    CONFIGURED.store(loops, Ordering::Relaxed);
    BATCHED.store(io == WriterIo::Uring, Ordering::Relaxed);
}

impl WriterLoops {
    /// The process's loops, starting them if this is the first use.
    pub fn get() -> &'static WriterLoops {
        LOOPS.get_or_init(|| {
            let n = match CONFIGURED.load(Ordering::Relaxed) {
                0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
                n => n,
            };
            let loops = (0..n.clamp(1, 64))
                .map(|i| {
                    let shared = Arc::new(LoopShared::default());
                    let s = shared.clone();
                    let io = if BATCHED.load(Ordering::Relaxed) { WriterIo::Uring } else { WriterIo::Write };
                    // A loop that cannot start refuses joins (see `join`): its sessions end.
                    if let Err(e) = std::thread::Builder::new().name(format!("tickframe-writer-{i}")).spawn(move || run(&s, io)) {
                        tracing::error!(error = %e, "could not start a writer loop");
                        shared.inbox.lock().map(|mut i| i.dead = true).ok();
                    }
                    shared
                })
                .collect();
            WriterLoops { loops, next: AtomicUsize::new(0) }
        })
    }

    /// The loops if a client ever joined one (a server with no clients starts none).
    fn started() -> Option<&'static WriterLoops> {
        LOOPS.get()
    }

    /// Put `client` in a loop of `market` (the least recently chosen). The loop first sends it what
    /// `market` published after `client.last_seq`. `Err` gives the client back if no loop runs.
    pub fn join(&self, market: &Arc<MarketFrames>, metrics: &Arc<Metrics>, client: LoopClient) -> Result<LoopSeat, LoopClient> {
        let index = self.next.fetch_add(1, Ordering::Relaxed) % self.loops.len();
        let shared = &self.loops[index];
        let id = client.id;
        let Ok(mut inbox) = shared.inbox.lock() else { return Err(client) };
        if inbox.dead {
            return Err(client);
        }
        inbox.joins.push((market.clone(), metrics.clone(), client));
        drop(inbox);
        shared.ready.notify_one();
        Ok(LoopSeat { shared: shared.clone(), market: market.id, id, armed: true })
    }

    /// A market published `frame`: every loop sends it to that market's clients.
    pub(super) fn publish(market: u64, frame: &Frame) {
        let Some(loops) = Self::started() else { return };
        for shared in &loops.loops {
            let Ok(mut inbox) = shared.inbox.lock() else { continue };
            // A loop that fell CLIENT_BUFFER_FRAMES behind on one market drops that market's oldest
            // pending frame (its clients skip it, as a lagging client always has).
            let pending = inbox.frames.iter().filter(|(m, _)| *m == market).count();
            if pending >= super::CLIENT_BUFFER_FRAMES {
                if let Some(i) = inbox.frames.iter().position(|(m, _)| *m == market) {
                    inbox.frames.remove(i);
                }
            }
            inbox.frames.push((market, frame.clone()));
            drop(inbox);
            shared.ready.notify_one();
        }
    }

    /// A market's fan-out is gone: its clients are handed back as [`Handback::Closed`].
    pub(super) fn close_market(market: u64) {
        let Some(loops) = Self::started() else { return };
        for shared in &loops.loops {
            if let Ok(mut inbox) = shared.inbox.lock() {
                inbox.closed.push(market);
            }
            shared.ready.notify_one();
        }
    }
}

/// Where a client sits: ask for it back, or (dropped before the client came back) have the loop
/// let go of it.
pub struct LoopSeat {
    shared: Arc<LoopShared>,
    market: u64,
    id: u64,
    armed: bool,
}

impl LoopSeat {
    /// Ask the loop for the client back; it answers on the client's [`Handback`] channel (with
    /// `Taken`, or with whatever it was already handing back).
    pub fn take(&self) {
        if let Ok(mut inbox) = self.shared.inbox.lock() {
            inbox.takes.push((self.market, self.id));
        }
        self.shared.ready.notify_one();
    }

    /// The client came back: nothing to ask of the loop any more.
    pub fn settled(mut self) {
        self.armed = false;
    }
}

impl Drop for LoopSeat {
    /// A session that ends with its client in a loop: the loop drops the client (and its socket).
    fn drop(&mut self) {
        if self.armed {
            self.take();
        }
    }
}

#[derive(Default)]
struct LoopShared {
    inbox: Mutex<Inbox>,
    ready: Condvar,
}

/// What a loop is asked to do, taken whole each time it wakes. Bounded: frames by
/// `CLIENT_BUFFER_FRAMES` a market, joins and takes by the clients (each has at most one pending).
#[derive(Default)]
struct Inbox {
    frames: Vec<(u64, Frame)>,
    joins: Vec<(Arc<MarketFrames>, Arc<Metrics>, LoopClient)>,
    takes: Vec<(u64, u64)>,
    closed: Vec<u64>,
    dead: bool,
}

impl Inbox {
    fn is_empty(&self) -> bool {
        self.frames.is_empty() && self.joins.is_empty() && self.takes.is_empty() && self.closed.is_empty()
    }
}

/// One market's clients in one loop.
struct Group {
    market: Arc<MarketFrames>,
    metrics: Arc<Metrics>,
    clients: Vec<LoopClient>,
}

fn run(shared: &LoopShared, io: WriterIo) {
    let mut sender = Sender::new(io);
    let mut groups: HashMap<u64, Group> = HashMap::new();
    let mut work = Inbox::default();
    loop {
        {
            let Ok(mut inbox) = shared.inbox.lock() else { return };
            while inbox.is_empty() {
                inbox = match shared.ready.wait(inbox) {
                    Ok(i) => i,
                    Err(_) => return,
                };
            }
            std::mem::swap(&mut *inbox, &mut work);
        }
        // Joins before takes: a session may ask for its client back before the loop saw it join.
        for (market, metrics, client) in work.joins.drain(..) {
            let g = groups.entry(market.id).or_insert_with(|| Group { market, metrics, clients: Vec::new() });
            g.admit(client);
        }
        for (market, id) in work.takes.drain(..) {
            if let Some(g) = groups.get_mut(&market) {
                if let Some(i) = g.clients.iter().position(|c| c.id == id) {
                    hand_back(Handback::Taken(g.remove(i)));
                }
            }
        }
        for (market, frame) in work.frames.drain(..) {
            if let Some(g) = groups.get_mut(&market) {
                g.deliver(&frame, &mut sender);
            }
        }
        for market in work.closed.drain(..) {
            if let Some(mut g) = groups.remove(&market) {
                while !g.clients.is_empty() {
                    hand_back(Handback::Closed(g.remove(g.clients.len() - 1)));
                }
            }
        }
        groups.retain(|_, g| !g.clients.is_empty());
    }
}

/// Give a client back to its session; if the session is gone the client (and the loop's hold on its
/// socket) is dropped here.
fn hand_back(h: Handback) {
    let back = match &h {
        Handback::Slow { client, .. } | Handback::Failed(client) | Handback::Taken(client) | Handback::Closed(client) => client.back.clone(),
    };
    // Boxed: the channel's blocks hold 32 slots, and a client keeps its channel for life.
    let _ = back.try_send(Box::new(h));
}

/// How one non-blocking send went.
#[derive(Clone, Copy, Debug)]
enum Sent {
    Whole,
    Part(usize),
    Failed,
}

/// A loop's way to the kernel, and the outcomes of its last frame (reused: no allocation per frame).
struct Sender {
    outcomes: Vec<Option<Sent>>,
    /// The clients a frame is due to (reused: no allocation per frame).
    #[cfg(target_os = "linux")]
    due: Vec<usize>,
    #[cfg(target_os = "linux")]
    ring: Option<io_uring::IoUring>,
}

/// Submission queue entries per ring, and so the sends submitted per system call: a group of more
/// clients is submitted in batches. Small enough that one call (~1.4 ms of sends) leaves the
/// scheduler a point to run the readers often: a kernel without preemption does not interrupt a
/// 2,500-send submission (~14 ms), and the p99 doubled (ARCHITECTURE.md, *Where the fan-out's time goes*).
#[cfg(target_os = "linux")]
const RING_ENTRIES: u32 = 256;

impl Sender {
    fn new(io: WriterIo) -> Self {
        #[cfg(target_os = "linux")]
        let ring = match io {
            WriterIo::Write => None,
            WriterIo::Uring => match io_uring::IoUring::new(RING_ENTRIES) {
                Ok(ring) => Some(ring),
                Err(e) => {
                    tracing::warn!(error = %e, "io_uring refused: the writer loop sends by write");
                    None
                }
            },
        };
        #[cfg(not(target_os = "linux"))]
        let _ = io;
        Self {
            outcomes: Vec::new(),
            #[cfg(target_os = "linux")]
            due: Vec::new(),
            #[cfg(target_os = "linux")]
            ring,
        }
    }

    /// Send `frame` to every client that has not had it; the outcome per client (None: not sent).
    fn send_all(&mut self, clients: &[LoopClient], frame: &Frame) -> &[Option<Sent>] {
        self.outcomes.clear();
        #[cfg(target_os = "linux")]
        if let Some(ring) = self.ring.as_mut() {
            if send_batched(ring, clients, frame, &mut self.due, &mut self.outcomes).is_err() {
                self.ring = None;
            }
            return &self.outcomes;
        }
        self.outcomes.extend(clients.iter().map(|c| (frame.seq > c.last_seq).then(|| send_now(c.fd, &frame.wire))));
        &self.outcomes
    }
}

/// All the sends of a frame, [`RING_ENTRIES`] to a submission, each submission waited for whole: the
/// frame and the sockets outlive every entry that points at them.
#[cfg(target_os = "linux")]
fn send_batched(
    ring: &mut io_uring::IoUring,
    clients: &[LoopClient],
    frame: &Frame,
    due: &mut Vec<usize>,
    outcomes: &mut Vec<Option<Sent>>,
) -> Result<(), ()> {
    use io_uring::{opcode, types};
    let wire: &[u8] = &frame.wire;
    outcomes.resize(clients.len(), None);
    let Ok(len) = u32::try_from(wire.len()) else {
        outcomes.iter_mut().zip(clients).for_each(|(o, c)| *o = (frame.seq > c.last_seq).then(|| send_now(c.fd, wire)));
        return Ok(());
    };
    due.clear();
    due.extend((0..clients.len()).filter(|&i| frame.seq > clients[i].last_seq));
    let batch = RING_ENTRIES as usize;
    for (k, chunk) in due.chunks(batch).enumerate() {
        let mut pushed = 0;
        for &i in chunk {
            let send = opcode::Send::new(types::Fd(clients[i].fd), wire.as_ptr(), len)
                .flags(libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL)
                .build()
                .user_data(i as u64);
            // SAFETY: `wire` and the descriptor stay valid until the completions are reaped below.
            if unsafe { ring.submission().push(&send) }.is_ok() {
                pushed += 1;
            } else {
                outcomes[i] = Some(send_now(clients[i].fd, wire));
            }
        }
        // Every entry is waited for: none may still point at the frame once this returns.
        let mut reaped = 0;
        while reaped < pushed {
            match ring.submit_and_wait(pushed - reaped) {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    reap(ring, wire.len(), outcomes);
                    tracing::warn!(error = %e, "io_uring submit failed: this writer loop sends by write from now on");
                    chunk.iter().for_each(|&i| _ = outcomes[i].get_or_insert(Sent::Part(0))); // its sessions finish these
                                                                                              // The later batches were never pushed: they go by write, as the loop will from now on.
                    due.iter().skip((k + 1) * batch).for_each(|&i| outcomes[i] = Some(send_now(clients[i].fd, wire)));
                    return Err(());
                }
            }
            reaped += reap(ring, wire.len(), outcomes);
        }
    }
    Ok(())
}

/// Take the ring's completions into `outcomes`; how many there were.
#[cfg(target_os = "linux")]
fn reap(ring: &mut io_uring::IoUring, len: usize, outcomes: &mut [Option<Sent>]) -> usize {
    let mut n = 0;
    for cqe in ring.completion() {
        n += 1;
        let r = cqe.result();
        let outcome = match usize::try_from(r) {
            Ok(sent) if sent == len => Sent::Whole,
            Ok(sent) => Sent::Part(sent),
            Err(_) if r == -libc::EAGAIN || r == -libc::EINTR => Sent::Part(0),
            Err(_) => Sent::Failed,
        };
        if let Some(o) = outcomes.get_mut(cqe.user_data() as usize) {
            *o = Some(outcome);
        }
    }
    n
}

fn send_now(fd: RawFd, bytes: &[u8]) -> Sent {
    // SAFETY: `fd` is open for as long as the `LoopClient` holding it (it holds the socket), and
    // `bytes` is a live slice. MSG_NOSIGNAL: a peer that went away is an error, not a SIGPIPE.
    let n = unsafe { libc::send(fd, bytes.as_ptr().cast(), bytes.len(), libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL) };
    match usize::try_from(n) {
        Ok(n) if n == bytes.len() => Sent::Whole,
        Ok(n) => Sent::Part(n),
        Err(_) => match std::io::Error::last_os_error().kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted => Sent::Part(0),
            _ => Sent::Failed,
        },
    }
}

impl Group {
    /// A client joined: send it whatever the market published after its last frame (in order if the
    /// market still holds all of it, else the newest alone), then it is one of the group.
    fn admit(&mut self, mut client: LoopClient) {
        let (frames, skipped) = self.market.after(client.last_seq);
        if skipped {
            self.metrics.lag_skips.fetch_add(1, Ordering::Relaxed);
        }
        for frame in frames {
            match send_now(client.fd, &frame.wire) {
                Sent::Whole => {
                    client.last_seq = frame.seq;
                    self.count(1, &frame);
                }
                Sent::Part(written) => {
                    self.metrics.slow_path_entries.fetch_add(1, Ordering::Relaxed);
                    return hand_back(Handback::Slow { client, frame, written });
                }
                Sent::Failed => return hand_back(Handback::Failed(client)),
            }
        }
        self.metrics.writer_loop_clients.fetch_add(1, Ordering::Relaxed);
        self.clients.push(client);
    }

    /// The client at `i` leaves the group.
    fn remove(&mut self, i: usize) -> LoopClient {
        self.metrics.writer_loop_clients.fetch_sub(1, Ordering::Relaxed);
        self.clients.swap_remove(i)
    }

    /// One frame to every client of the group: one send each (or io_uring submissions of them).
    fn deliver(&mut self, frame: &Frame, sender: &mut Sender) {
        let outcomes = sender.send_all(&self.clients, frame);
        let mut sent = 0u64;
        // Backwards: a client leaving (swap_remove) moves one already done into its place.
        for i in (0..self.clients.len()).rev() {
            match outcomes.get(i).copied().flatten() {
                None => {} // it joined with this frame already sent
                Some(Sent::Whole) => {
                    self.clients[i].last_seq = frame.seq;
                    sent += 1;
                }
                Some(Sent::Part(written)) => {
                    self.metrics.slow_path_entries.fetch_add(1, Ordering::Relaxed);
                    hand_back(Handback::Slow { client: self.remove(i), frame: frame.clone(), written });
                }
                Some(Sent::Failed) => hand_back(Handback::Failed(self.remove(i))),
            }
        }
        self.count(sent, frame);
    }

    fn count(&self, sent: u64, frame: &Frame) {
        if sent > 0 {
            self.metrics.frames_sent.fetch_add(sent, Ordering::Relaxed);
            self.metrics.bytes_sent.fetch_add(sent.saturating_mul(frame.bytes.len() as u64), Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::unix::net::UnixStream;

    fn client(socket: UnixStream, last_seq: u64) -> LoopClient {
        let (back, _) = mpsc::channel(1);
        LoopClient::new(Arc::new(socket), last_seq, back)
    }

    /// A group bigger than one submission is sent in several, and each outcome is its own client's:
    /// every one of them gets the frame whole, and one that already had it is not sent it again.
    #[test]
    fn a_group_bigger_than_a_submission_gets_the_frame_in_batches() {
        let n = RING_ENTRIES as usize + 44;
        for io in [WriterIo::Write, WriterIo::Uring] {
            let mut sender = Sender::new(io);
            let frame = Frame::new(9, &[3u8; 600]);
            let had_it = |i: usize| i % 7 == 3; // across the batch boundary too
            let mut peers = Vec::new();
            let mut clients = Vec::new();
            for i in 0..n {
                let (ours, theirs) = UnixStream::pair().unwrap();
                ours.set_nonblocking(true).unwrap();
                clients.push(client(ours, if had_it(i) { 9 } else { 8 }));
                peers.push(theirs);
            }
            let outcomes = sender.send_all(&clients, &frame).to_vec();
            for (i, (outcome, peer)) in outcomes.iter().zip(&mut peers).enumerate() {
                if had_it(i) {
                    assert!(outcome.is_none(), "{io:?}: client {i} had the frame");
                    continue;
                }
                assert!(matches!(outcome, Some(Sent::Whole)), "{io:?}: client {i}: {outcome:?}");
                let mut got = vec![0u8; frame.wire.len()];
                peer.read_exact(&mut got).unwrap();
                assert_eq!(got, &frame.wire[..], "{io:?}: client {i}'s bytes");
            }
        }
    }

    /// `write` and io_uring send the same bytes to every client that has not had the frame, and
    /// report a socket that took only part of it (the fallback is `write` where io_uring is refused).
    #[test]
    fn both_ways_send_a_frame_whole_or_report_how_much() {
        for io in [WriterIo::Write, WriterIo::Uring] {
            let mut sender = Sender::new(io);
            let frame = Frame::new(7, &[5u8; 1800]);
            let pairs: Vec<(UnixStream, UnixStream)> = (0..3).map(|_| UnixStream::pair().unwrap()).collect();
            let mut peers = Vec::new();
            let mut clients = Vec::new();
            for (i, (ours, theirs)) in pairs.into_iter().enumerate() {
                ours.set_nonblocking(true).unwrap();
                clients.push(client(ours, if i == 2 { 7 } else { 6 })); // the third already has frame 7
                peers.push(theirs);
            }
            let outcomes = sender.send_all(&clients, &frame).to_vec();
            assert!(matches!(outcomes[..], [Some(Sent::Whole), Some(Sent::Whole), None]), "{io:?}");
            for peer in &mut peers[..2] {
                let mut got = vec![0u8; frame.wire.len()];
                peer.read_exact(&mut got).unwrap();
                assert_eq!(got, &frame.wire[..], "{io:?}: the fan-out's bytes");
            }
            // A frame bigger than the socket can hold: part of it is taken, and the rest is owed.
            let big = Frame::new(8, &vec![1u8; 8 << 20]);
            let outcomes = sender.send_all(&clients[..1], &big).to_vec();
            match outcomes[0] {
                Some(Sent::Part(n)) => assert!(n > 0 && n < big.wire.len(), "{io:?}: {n}"),
                _ => panic!("{io:?}: an 8 MiB frame fitted a socket buffer"),
            }
            // A full socket takes nothing, and says so at once (io_uring must not park the send
            // until the socket drains: MSG_DONTWAIT makes it fail with EAGAIN instead).
            while matches!(send_now(clients[0].fd, &big.wire), Sent::Part(n) if n > 0) {}
            let (done, finished) = std::sync::mpsc::channel();
            let blocked = std::thread::spawn(move || {
                let outcome = sender.send_all(&clients[..1], &big).to_vec();
                let _ = done.send(outcome);
                (sender, clients, big)
            });
            let outcomes = finished.recv_timeout(std::time::Duration::from_secs(5)).expect("a send to a full socket returned at once");
            assert!(matches!(outcomes[0], Some(Sent::Part(0))), "{io:?}");
            let (mut sender, clients, big) = blocked.join().unwrap();
            // A socket whose peer is gone fails.
            drop(peers);
            let outcomes = sender.send_all(&clients[1..2], &big).to_vec();
            assert!(matches!(outcomes[0], Some(Sent::Failed)), "{io:?}");
        }
    }
}
