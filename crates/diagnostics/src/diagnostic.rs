use crate::source::{FileId, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A place in a source file with what to say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

impl Label {
    pub fn new(file: FileId, span: Span, message: impl Into<String>) -> Label {
        Label {
            file,
            span,
            message: message.into(),
        }
    }
}

/// The one diagnostic type of iamdsl. Messages follow one style: lowercase, no final period,
/// user input in backticks; what to do about it goes in `help`, background in `notes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code such as `E0101`; see [`crate::codes`].
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Where the problem is. Only problems outside any source (a missing path) have none.
    pub primary: Option<Label>,
    pub secondary: Vec<Label>,
    pub notes: Vec<String>,
    pub help: Option<String>,
    /// An edit that fixes the problem, as data: the language server offers it as a quick fix,
    /// and `help` says the same in words ([`Diagnostic::with_suggestion`] sets both).
    pub suggestion: Option<Suggestion>,
}

/// A replacement that would fix a diagnostic, for editors to apply as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub kind: FixKind,
    pub file: FileId,
    /// The text to replace (may differ from the diagnostic's primary span: `objekt` is
    /// underlined, `s3.objekt` replaced).
    pub span: Span,
    pub replacement: String,
}

/// What kind of fix a [`Suggestion`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixKind {
    /// The text is a near miss of a name that fits here: replace it by that name.
    Typo,
}

impl Diagnostic {
    pub fn new(code: &'static str, severity: Severity, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
            suggestion: None,
        }
    }

    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Error, message)
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Warning, message)
    }

    #[must_use]
    pub fn at(mut self, file: FileId, span: Span, label: impl Into<String>) -> Diagnostic {
        self.primary = Some(Label::new(file, span, label));
        self
    }

    #[must_use]
    pub fn with_label(mut self, file: FileId, span: Span, label: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label::new(file, span, label));
        self
    }

    #[must_use]
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// "Did you mean `replacement`?": the near-miss fix, as help and as data.
    #[must_use]
    pub fn with_suggestion(
        mut self,
        file: FileId,
        span: Span,
        replacement: impl Into<String>,
    ) -> Diagnostic {
        let replacement = replacement.into();
        self.help = Some(format!("did you mean `{replacement}`?"));
        self.suggestion = Some(Suggestion {
            kind: FixKind::Typo,
            file,
            span,
            replacement,
        });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Order used everywhere diagnostics are shown: by file, then position, then code.
    pub fn sort_key(&self) -> (FileId, Span, &'static str, &str) {
        match &self.primary {
            Some(label) => (label.file, label.span, self.code, &self.message),
            None => (FileId(0), Span::default(), self.code, &self.message),
        }
    }
}

/// Sorts diagnostics into their display order and drops exact repeats, so that one mistake
/// reached by two paths is reported once.
pub fn normalize(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.dedup();
}
