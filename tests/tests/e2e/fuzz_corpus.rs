//! The fuzz targets' corpora (`fuzz/corpus/<target>/`), replayed through
//! the same checks as the targets on every test run: a cheap regression
//! guard on stable for what `cargo +nightly fuzz run <target>` explores at
//! length (see the README's "Fuzzing"). An input that once crashed a
//! target belongs in its corpus, so it is run here forever after.

#[path = "../../../fuzz/fuzz_targets/calendar.rs"]
mod calendar;
#[path = "../../../fuzz/fuzz_targets/common.rs"]
mod common;

use perfusion_tests::repo_root;

/// Every file of one target's corpus.
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = repo_root().join("fuzz/corpus").join(target);
    let mut inputs: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("a corpus entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).expect("a corpus file"))
        })
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "{} is empty", dir.display());
    inputs
}

#[test]
fn the_date_parsers_corpus_holds() {
    for (name, input) in corpus("dates") {
        let result = std::panic::catch_unwind(|| common::dates(&input));
        assert!(result.is_ok(), "dates/{name}");
    }
}

#[test]
fn every_extractors_corpus_holds() {
    for (target, _, _) in common::PAGES {
        for (name, input) in corpus(target) {
            let result = std::panic::catch_unwind(|| common::page(target, &input));
            assert!(result.is_ok(), "{target}/{name}");
        }
    }
}

#[test]
fn the_calendar_writers_corpus_round_trips() {
    for (name, input) in corpus("ical_write") {
        let result = std::panic::catch_unwind(|| calendar::round_trip(&input));
        assert!(result.is_ok(), "ical_write/{name}");
    }
}
