//! See `iamdsl_policy::fuzzing::policy_json`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| iamdsl_policy::fuzzing::policy_json(data));
