//! The reader of deployed state never panics, whatever it is given.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = iamdsl_policy::authz::AuthorizationDetails::read(text);
});
