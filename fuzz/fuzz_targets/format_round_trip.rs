//! Whatever parses formats to text that parses to the same tree, and formats to itself again.
#![no_main]

use iamdsl_diagnostics::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(formatted) = iamdsl_syntax::format_verified(text, FileId(0)) else {
        return;
    };
    assert_eq!(
        iamdsl_syntax::format_verified(&formatted, FileId(0)).as_deref(),
        Ok(formatted.as_str())
    );
});
