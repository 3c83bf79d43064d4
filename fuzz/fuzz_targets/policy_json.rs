//! The policy reader never panics; what it reads, canonical, reads back to the same bytes.
#![no_main]

use iamdsl_policy::canonical::to_canonical_json;
use iamdsl_policy::reader::read_policy_text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(document) = read_policy_text(text) else {
        return;
    };
    let canonical = to_canonical_json(&document);
    let again = read_policy_text(&canonical).expect("canonical JSON reads back");
    assert_eq!(to_canonical_json(&again), canonical);
});
