//! See `iamdsl_policy::fuzzing::authorization_details`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| iamdsl_policy::fuzzing::authorization_details(data));
