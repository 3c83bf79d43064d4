//! The fuzz targets' properties on the committed corpus (`tests/fuzz/`): a distilled part of
//! what the 10-minute fuzz runs found interesting, so that it stays covered without a fuzzer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iamdsl_syntax::fuzzing::{corpus, format_round_trip, parse};

#[test]
fn the_parse_corpus_holds() {
    let inputs = corpus(include_str!("../../../tests/fuzz/parse.hex"));
    assert!(inputs.len() > 100);
    inputs.iter().for_each(|input| parse(input));
}

#[test]
fn the_format_round_trip_corpus_holds() {
    let inputs = corpus(include_str!("../../../tests/fuzz/format_round_trip.hex"));
    assert!(inputs.len() > 100);
    inputs.iter().for_each(|input| format_round_trip(input));
}
