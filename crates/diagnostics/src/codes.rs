//! Every diagnostic code iamdsl emits, in one table. Codes are stable: a code is never reused for
//! another meaning. `docs/diagnostics.md` shows each with a wrong and a right example.
//!
//! Ranges: E00xx files and project, E01xx syntax.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeInfo {
    pub code: &'static str,
    /// Short kebab-case name, used as the SARIF rule name.
    pub name: &'static str,
    pub summary: &'static str,
}

macro_rules! codes {
    ($($ident:ident = $code:literal, $name:literal, $summary:literal;)*) => {
        $(pub const $ident: &str = $code;)*
        /// All codes, sorted.
        pub const CODES: &[CodeInfo] = &[$(CodeInfo { code: $code, name: $name, summary: $summary }),*];
    };
}

codes! {
    FILE_UNREADABLE = "E0001", "file-unreadable", "a source file or directory cannot be read";
    FILE_NOT_UTF8 = "E0002", "file-not-utf8", "a source file is not valid UTF-8";
    NO_SOURCES = "E0003", "no-sources", "no `.iamdsl` file was found at the given path";
    FILE_TOO_LARGE = "E0004", "file-too-large", "a source file is larger than iamdsl reads";
    SYNTAX = "E0101", "syntax-error", "the text does not follow the grammar";
    UNTERMINATED_STRING = "E0102", "unterminated-string", "a string literal is not closed on its line";
    UNTERMINATED_COMMENT = "E0103", "unterminated-comment", "a block comment is never closed";
    UNCLOSED_DELIMITER = "E0104", "unclosed-delimiter", "a bracket is opened and never closed";
    UNMATCHED_DELIMITER = "E0105", "unmatched-delimiter", "a closing bracket has no opening one";
    TOO_MANY_ERRORS = "E0106", "too-many-errors", "so many syntax errors that the rest of the file was skipped";
    INVALID_ESCAPE = "E0107", "invalid-escape", "a string has an escape sequence that does not exist";
}

pub fn lookup(code: &str) -> Option<&'static CodeInfo> {
    CODES.iter().find(|info| info.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_sorted() {
        for pair in CODES.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "{} is not before {}",
                pair[0].code,
                pair[1].code
            );
        }
        let mut names: Vec<_> = CODES.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CODES.len(), "two codes share a name");
    }
}
