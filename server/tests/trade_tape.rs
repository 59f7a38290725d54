//! The skip proof: prints are events, frames are pictures — every frame repeats the recent prints,
//! so a client that reads one frame in ten and a client that joins late end with the same tape
//! (prints by `seq`, and the totals) as a client that read every frame. Over the real server
//! replaying the shared Coinbase capture (../shared, as the conformance tests find it).
//!
//! "Every frame" is the server's own `--record` of the replay: a capture replay runs on the
//! capture's clock and its recorder is never skipped, so it holds every frame the server sent, in
//! order. The WebSocket clients are checked against it (each frame they get is the recorded frame of
//! that sequence, byte for byte), so what the recording proves holds for them — without the test
//! depending on this machine never stalling a client long enough for the server to skip it ahead.

use std::collections::BTreeMap;
use std::time::Duration;

use tickframe_schema::decode_frame;
use tickframe_server::recording::read_recording;

mod support;
use support::{fixtures, next_binary, start};

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

fn sequence(bytes: &[u8]) -> u64 {
    decode_frame(bytes).expect("a valid frame").sequence()
}

fn trade_count(bytes: &[u8]) -> u64 {
    decode_frame(bytes).expect("a valid frame").trade_count()
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
    let out = std::env::temp_dir().join(format!("tickframe-trade-tape-{}.tfrec", std::process::id()));
    let server = start(&[
        "--source",
        &format!("capture:{}", capture.display()),
        "--capture-symbols",
        "BTC-USD",
        "--speed",
        "5",
        "--tick-hz",
        "50",
        "--record",
        out.to_str().expect("a utf-8 temp path"),
    ]);
    let url = format!("ws://{}/ws?symbol=BTC-USD", server.1);
    let (mut early, _) = tokio_tungstenite::connect_async(&url).await.expect("connects");
    let mut early_frames: Vec<Vec<u8>> = Vec::new();
    let mut late_frames: Vec<Vec<u8>> = Vec::new();
    let mut late_ws = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let done = |frames: &[Vec<u8>]| frames.last().is_some_and(|f| trade_count(f) == expected);
        if done(&early_frames) && done(&late_frames) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the replay did not finish within 60 s");
        early_frames.push(next_binary(&mut early).await);
        // The late joiner comes in about 3 s (150 frames) in: the first prints are long out of the window.
        if late_ws.is_none() && early_frames.len() == 150 {
            late_ws = Some(tokio_tungstenite::connect_async(&url).await.expect("connects").0);
        }
        if let Some(ws) = late_ws.as_mut() {
            if !done(&late_frames) {
                late_frames.push(next_binary(ws).await);
            }
        }
    }
    // The recorder writes as the server sends; wait for it to hold the frame with every print.
    let bytes = loop {
        let bytes = std::fs::read(&out).unwrap_or_default();
        let complete = read_recording(&bytes).ok().is_some_and(|r| r.records.iter().any(|rec| trade_count(rec.frame) == expected));
        if complete {
            break bytes;
        }
        assert!(tokio::time::Instant::now() < deadline, "the recording never held the replay's last print");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    drop(server);
    let _ = std::fs::remove_file(&out);
    let recording = read_recording(&bytes).expect("a readable recording");
    let frames: Vec<&[u8]> = recording.records.iter().map(|r| r.frame).collect();
    let by_seq: BTreeMap<u64, &[u8]> = frames.iter().map(|f| (sequence(f), *f)).collect();
    assert_eq!(by_seq.len(), frames.len(), "one recorded frame per sequence");
    let first = sequence(frames[0]);
    assert!(frames.iter().enumerate().all(|(i, f)| sequence(f) == first + i as u64), "the recording holds every frame the server sent, in order");

    // The clients got the recorded frames: after each one's first (a join frame, built apart), byte for byte.
    // The recording starts with the first frame that has prices (its header needs the tick); before it
    // the early client may have had frames of an empty book.
    for (name, got) in [("the early client", &early_frames), ("the late joiner", &late_frames)] {
        for f in got[1..].iter().filter(|f| sequence(f) >= first) {
            let recorded = by_seq.get(&sequence(f)).unwrap_or_else(|| panic!("{name} got frame {} the server never recorded", sequence(f)));
            assert!(f.as_slice() == *recorded, "{name}'s frame {} is the recorded one", sequence(f));
        }
    }

    // Every frame, read by a client that reads all of them.
    let mut all = Client::default();
    frames.iter().for_each(|f| all.read(f));
    assert_eq!(all.first_frame_oldest, Some(1), "the recording begins within the window of the first print");
    assert_eq!(all.tape.keys().copied().collect::<Vec<_>>(), (1..=expected).collect::<Vec<_>>(), "every print, each seq once, none skipped");
    let mut early = Client::default();
    early_frames.iter().for_each(|f| early.read(f));
    assert_eq!(early.totals, all.totals, "the early client's last frame over the socket has the totals");

    // One frame in ten, to the end.
    let mut sparse = Client::default();
    frames.iter().skip(9).step_by(10).for_each(|f| sparse.read(f));
    sparse.read(frames[frames.len() - 1]);
    assert_eq!(sparse.tape, all.tape, "reading one frame in ten loses no print");
    assert_eq!(sparse.totals, all.totals);

    // The late joiner: its join frame, then the recorded frames after it.
    let mut late = Client::default();
    late.read(&late_frames[0]);
    let joined = sequence(&late_frames[0]);
    by_seq.range(joined + 1..).for_each(|(_, f)| late.read(f));
    let from = late.first_frame_oldest.expect("the late joiner read");
    assert!(from > 1, "the late joiner really joined late");
    let since: Tape = all.tape.range(from..).map(|(k, v)| (*k, *v)).collect();
    assert_eq!(late.tape, since, "the late joiner has every print from its join frame's window on");
    assert_eq!(late.totals, all.totals, "and the same totals (volume delta survives the frames it never saw)");
    let mut late_socket = Client::default();
    late_frames.iter().for_each(|f| late_socket.read(f));
    assert_eq!(late_socket.totals, all.totals, "the late joiner's last frame over the socket has the totals");
}
