//! Conformance on real third-party exchange captures (../shared/fixtures/exchange, beside the repo
//! in CI, or $TICKFRAME_EXCHANGE_FIXTURES; never copied into it). With CI=true a missing folder
//! fails; elsewhere these tests skip.

use std::path::PathBuf;

use tickframe_server::cli::check_capture::{check_capture, CaptureSummary};
use tickframe_server::venues::venue::{Report, VenueInput};

fn fixtures() -> Option<PathBuf> {
    let dir = std::env::var_os("TICKFRAME_EXCHANGE_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/exchange"));
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(std::env::var("CI").is_err(), "CI=true but {} is missing", dir.display());
    eprintln!("skipped: {} not found (CI provides it)", dir.display());
    None
}

fn run(venue: &str, file: &str, emit_top: bool) -> Option<(CaptureSummary, String)> {
    let path = fixtures()?.join(file);
    let mut v = tickframe_server::venues::by_name(venue, 10).expect("known venue");
    let mut out = Vec::new();
    let input = std::io::BufReader::new(std::fs::File::open(&path).expect("fixture readable"));
    let sum = check_capture(v.as_mut(), input, None, emit_top, &mut out).expect("capture readable");
    Some((sum, String::from_utf8(out).expect("utf-8 output")))
}

#[test]
fn kraken_v1_every_checksum_matches() {
    let Some((sum, _)) = run("kraken", "kraken-v1-2021.capture.jsonl", false) else { return };
    assert_eq!(sum.checksum_ok, 4269);
    assert_eq!(sum.checksum_failed, 0);
    assert_eq!((sum.snapshots, sum.resyncs, sum.errors, sum.crossed), (10, 0, 0, 0));
}

#[test]
fn kraken_v2_snapshot_checksum_from_the_number_text() {
    let Some(dir) = fixtures() else { return };
    let text = std::fs::read_to_string(dir.join("kraken-v2-book-snapshot.json")).expect("fixture");
    let mut k = tickframe_server::venues::by_name("kraken", 10).expect("kraken");
    let mut report = Report::default();
    k.handle(VenueInput::Message(&text), &mut report).expect("applies");
    assert_eq!(report.notes, vec![("BTC/USD".to_string(), tickframe_server::venues::venue::Note::ChecksumOk)]);
    let (bid, ask) = k.books()["BTC/USD"].book.top_text();
    assert_eq!(bid, Some(("45283.5".into(), "0.1".into())));
    assert_eq!(ask, Some(("45285.2".into(), "0.001".into())));
}

#[test]
fn binance_spot_applies_with_no_gap_and_never_crosses() {
    let Some((sum, top)) = run("binance", "binance-spot-2021.capture.jsonl", true) else { return };
    assert_eq!((sum.gaps, sum.resyncs, sum.crossed, sum.errors), (0, 0, 0, 0), "{sum:?}");
    assert_eq!(sum.snapshots, 4, "one REST snapshot per symbol");
    assert!(sum.book_updates > 150, "{sum:?}");
    // One --emit-top line per applied update, then the summary.
    let lines: Vec<&str> = top.lines().collect();
    assert_eq!(lines.len() as u64, sum.book_updates + 1);
    let first: serde_json::Value = serde_json::from_str(lines[0]).expect("json");
    assert_eq!(first["symbol"], "NKNUSDT");
    assert_eq!(first["update_id"], "499869752", "the snapshot's lastUpdateId");
    assert_eq!(first["best_bid"], "0.3521");
    assert!(lines.last().expect("summary").starts_with("{\"summary\":{\"messages\":"));
}

#[test]
fn binance_usdm_pu_chain_unbroken_and_never_crossed() {
    let Some((sum, _)) = run("binance-usdm", "binance-usdm-2021.capture.jsonl", false) else { return };
    assert_eq!((sum.gaps, sum.resyncs, sum.crossed, sum.errors), (0, 0, 0, 0), "{sum:?}");
    assert_eq!(sum.snapshots, 4);
    assert!(sum.book_updates > 700, "{sum:?}");
}

#[test]
fn the_cli_prints_the_summary_and_fails_only_on_unreadable_input() {
    let bin = env!("CARGO_BIN_EXE_tickframe-server");
    let missing =
        std::process::Command::new(bin).args(["check-capture", "--exchange", "binance", "/nonexistent/capture.jsonl"]).output().expect("runs");
    assert!(!missing.status.success());
    let Some(dir) = fixtures() else { return };
    let out = std::process::Command::new(bin)
        .args(["check-capture", "--exchange", "kraken", "--symbol", "XMR-USD"])
        .arg(dir.join("kraken-v1-2021.capture.jsonl"))
        .output()
        .expect("runs");
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let summary: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    let s = &summary["summary"];
    assert!(s["checksum_ok"].as_u64().expect("count") > 100);
    assert_eq!(s["checksum_failed"], 0);
}
