//! See `iamdsl_syntax::fuzzing::format_round_trip`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| iamdsl_syntax::fuzzing::format_round_trip(data));
