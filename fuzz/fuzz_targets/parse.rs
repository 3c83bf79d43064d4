//! See `iamdsl_syntax::fuzzing::parse`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| iamdsl_syntax::fuzzing::parse(data));
