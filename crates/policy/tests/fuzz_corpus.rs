//! The fuzz targets' properties on the committed corpus (`tests/fuzz/`): a distilled part of
//! what the 10-minute fuzz runs found interesting, so that it stays covered without a fuzzer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iamdsl_policy::fuzzing::{authorization_details, policy_json};
use iamdsl_syntax::fuzzing::corpus;

#[test]
fn the_policy_json_corpus_holds() {
    let inputs = corpus(include_str!("../../../tests/fuzz/policy_json.hex"));
    assert!(inputs.len() > 100);
    inputs.iter().for_each(|input| policy_json(input));
}

#[test]
fn the_authorization_details_corpus_holds() {
    let inputs = corpus(include_str!(
        "../../../tests/fuzz/authorization_details.hex"
    ));
    assert!(inputs.len() > 100);
    inputs.iter().for_each(|input| authorization_details(input));
}
