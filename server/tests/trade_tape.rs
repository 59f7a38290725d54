//! The skip proof: prints are events, frames are pictures — every frame repeats the recent prints,
//! so a client that reads one frame in ten and a client that joins late end with the same tape
//! (prints by `seq`, and the totals) as a client that read every frame. Over the real server
//! replaying the shared Coinbase capture (../shared, as the conformance tests find it).

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt;
use tickframe_schema::decode_frame;
use tokio_tungstenite::tungstenite::Message;

mod support;
use support::{fixtures, start};

/// A print as a client keeps it: price, size, time and side bits, by `seq`.
type Tape = BTreeMap<u64, (u64, u64, u64, u8, u8)>;

#[derive(Default)]
struct Client {
    tape: Tape,
    /// (trade_seq, trade_count, buy_volume bits, sell_volume bits) of the last frame read.
    totals: (u64, u64, u64, u64),
    first_frame_oldest: Option<u64>,
}

impl Client {
    fn read(&mut self, bytes: &[u8]) {
        let f = decode_frame(bytes).expect("a valid frame");
        for t in f.trades().iter().flatten() {
            let kept = (t.price().to_bits(), t.size().to_bits(), t.time_ms().to_bits(), t.side().0 as u8, t.flags());
            // Each seq once; the same seq in two frames is the same print.
            let prev = self.tape.insert(t.seq(), kept);
            assert!(prev.is_none_or(|p| p == kept), "seq {} changed between frames", t.seq());
        }
        if self.first_frame_oldest.is_none() {
            self.first_frame_oldest = Some(f.trades().and_then(|v| v.iter().next()).map_or(f.trade_seq() + 1, |t| t.seq()));
        }
        self.totals = (f.trade_seq(), f.trade_count(), f.buy_volume().to_bits(), f.sell_volume().to_bits());
    }
}

async fn next_binary<S>(ws: &mut S) -> Vec<u8>
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("a frame within 10 s") {
            Some(Ok(Message::Binary(b))) => return b.to_vec(),
            Some(Ok(_)) => continue,
            other => panic!("the server closed the client: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_reading_one_frame_in_ten_and_a_late_joiner_lose_no_print() {
    let Some(dir) = fixtures() else { return };
    let capture = dir.join("coinbase-advanced-2026.capture.jsonl");
    // The prints the venue reports for BTC-USD (check-capture's count), to know when the replay is done.
    let mut venue = tickframe_server::venues::by_name("coinbase", 10).expect("coinbase");
    let input = std::io::BufReader::new(std::fs::File::open(&capture).expect("capture"));
    let emit = tickframe_server::cli::check_capture::Emit::default();
    let expected = tickframe_server::cli::check_capture::check_capture(venue.as_mut(), input, Some("BTC-USD"), emit, &mut std::io::sink())
        .expect("readable")
        .trades;
    assert!(expected > 100, "{expected} BTC-USD prints");

    // 25 s of market in 5 s: prints arrive at their recorded pace, five times faster.
    let server = start(&["--source", &format!("capture:{}", capture.display()), "--speed", "5", "--tick-hz", "50"]);
    let url = format!("ws://{}/ws?symbol=BTC-USD", server.1);
    let (mut every, _) = tokio_tungstenite::connect_async(&url).await.expect("connects");
    let (mut tenth, _) = tokio_tungstenite::connect_async(&url).await.expect("connects");
    let (mut all, mut sparse, mut late) = (Client::default(), Client::default(), Client::default());
    let mut late_ws = None;
    let mut frames = 0u64;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        assert!(tokio::time::Instant::now() < deadline, "the replay did not finish: {} of {expected} prints", all.totals.1);
        let a = next_binary(&mut every).await;
        all.read(&a);
        // The sparse client receives every frame (so the server never drops it) but reads one in ten.
        let s = next_binary(&mut tenth).await;
        frames += 1;
        if frames % 10 == 0 {
            sparse.read(&s);
        }
        // The late joiner comes in 3 s (150 frames) in: the first prints are long out of the window.
        if late_ws.is_none() && frames == 150 {
            late_ws = Some(tokio_tungstenite::connect_async(&url).await.expect("connects").0);
        }
        if let Some(ws) = late_ws.as_mut() {
            late.read(&next_binary(ws).await);
        }
        // Done when all three have read a frame with every print.
        if [&all, &sparse, &late].iter().all(|c| c.totals.1 == expected) {
            break;
        }
    }
    let oldest_all = all.first_frame_oldest.expect("read");
    assert_eq!(oldest_all, 1, "the first client joined within the window of the first print");
    assert_eq!(all.tape.keys().copied().collect::<Vec<_>>(), (1..=expected).collect::<Vec<_>>(), "every print, each seq once, none skipped");
    assert_eq!(sparse.tape, all.tape, "reading one frame in ten loses no print");
    assert_eq!(sparse.totals, all.totals);
    let from = late.first_frame_oldest.expect("the late joiner read");
    assert!(from > 1, "the late joiner really joined late");
    let since: Tape = all.tape.range(from..).map(|(k, v)| (*k, *v)).collect();
    assert_eq!(late.tape, since, "the late joiner has every print from its join frame's window on");
    assert_eq!(late.totals, all.totals, "and the same totals (volume delta survives the frames it never saw)");
}
