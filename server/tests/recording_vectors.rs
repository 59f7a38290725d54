//! The Rust reader on the shared bad-file vectors (schema/test-vectors/bad/, expected.json): it
//! accepts and rejects exactly what the TypeScript reader does (tests/unit/recording.test.ts reads
//! the same files), with a clear error naming the problem, and keeps every whole record before a fault.

use tickframe_server::recording::{read_recording, ReadStop};

#[test]
fn every_bad_vector_is_refused_or_cut_exactly_as_expected() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema/test-vectors/bad");
    let expected: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(format!("{dir}/expected.json")).unwrap()).unwrap();
    let cases = expected.as_object().unwrap();
    assert!(cases.len() >= 10);
    for (name, want) in cases {
        let bytes = std::fs::read(format!("{dir}/{name}")).unwrap();
        let got = read_recording(&bytes);
        if let Some(error) = want.get("error").and_then(|e| e.as_str()) {
            let e = got.err().unwrap_or_else(|| panic!("{name}: accepted"));
            assert!(e.to_string().starts_with(error), "{name}: {e}");
        } else {
            let r = got.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(r.records.len() as u64, want["records"].as_u64().unwrap(), "{name}");
            let (reason, offset) = match r.stopped {
                Some(ReadStop::Truncated { offset }) => ("truncated", offset),
                Some(ReadStop::BadChecksum { offset }) => ("bad-checksum", offset),
                Some(ReadStop::Oversized { offset, .. }) => ("oversized", offset),
                None => ("none", 0),
            };
            assert_eq!((reason, offset as u64), (want["stopped"].as_str().unwrap(), want["offset"].as_u64().unwrap()), "{name}");
        }
    }
}
