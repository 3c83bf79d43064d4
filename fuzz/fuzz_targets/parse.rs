//! The parser never panics, and what it reports points inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = iamdsl_syntax::parse(&text, iamdsl_diagnostics::FileId(0));
    for diagnostic in &parsed.diagnostics {
        if let Some(label) = &diagnostic.primary {
            assert!(label.span.end as usize <= text.len());
        }
    }
});
