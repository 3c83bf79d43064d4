//! Byte offsets to LSP positions (UTF-16) and back, and iamdsl diagnostics to LSP diagnostics.

use iamdsl_compiler::{Analysis, Project};
use iamdsl_diagnostics::{FileId, Severity, Span};
use tower_lsp::lsp_types::{
    self as lsp, DiagnosticRelatedInformation, Location, NumberOrString, Position, Range, Url,
};

/// The LSP position of a byte offset in `text`.
pub fn position(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let character: usize = text[line_start..offset].chars().map(char::len_utf16).sum();
    Position {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        character: u32::try_from(character).unwrap_or(u32::MAX),
    }
}

/// The byte offset of an LSP position in `text` (clamped to the line and the text).
pub fn offset(text: &str, position: Position) -> usize {
    let mut line_start = 0;
    for _ in 0..position.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let mut units = 0;
    for (i, c) in text[line_start..line_end].char_indices() {
        if units >= position.character as usize {
            return line_start + i;
        }
        units += c.len_utf16();
    }
    line_end
}

pub fn range(text: &str, span: Span) -> Range {
    Range {
        start: position(text, span.start as usize),
        end: position(text, span.end as usize),
    }
}

/// The diagnostics of one file of a project, for `textDocument/publishDiagnostics`.
pub fn diagnostics_of(
    project: &Project,
    analysis: &Analysis,
    file: FileId,
) -> Vec<lsp::Diagnostic> {
    let text = project.sources.text(file);
    let url_of = |id: FileId| -> Option<Url> {
        let path = project
            .paths
            .iter()
            .find(|(f, _)| *f == id)
            .map(|(_, p)| p.clone())?;
        let absolute = if path.is_absolute() {
            path
        } else {
            std::env::current_dir().ok()?.join(path)
        };
        Url::from_file_path(absolute).ok()
    };
    analysis
        .diagnostics
        .iter()
        .filter_map(|d| {
            let primary = d.primary.as_ref().filter(|p| p.file == file)?;
            let mut message = d.message.clone();
            for note in &d.notes {
                message.push_str(&format!("\nnote: {note}"));
            }
            if let Some(help) = &d.help {
                message.push_str(&format!("\nhelp: {help}"));
            }
            let related: Vec<DiagnosticRelatedInformation> = d
                .secondary
                .iter()
                .filter_map(|label| {
                    Some(DiagnosticRelatedInformation {
                        location: Location {
                            uri: url_of(label.file)?,
                            range: range(project.sources.text(label.file), label.span),
                        },
                        message: label.message.clone(),
                    })
                })
                .collect();
            Some(lsp::Diagnostic {
                range: range(text, primary.span),
                severity: Some(match d.severity {
                    Severity::Error => lsp::DiagnosticSeverity::ERROR,
                    Severity::Warning => lsp::DiagnosticSeverity::WARNING,
                    Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
                }),
                code: Some(NumberOrString::String(d.code.to_string())),
                source: Some("iamdsl".to_string()),
                message,
                related_information: (!related.is_empty()).then_some(related),
                ..lsp::Diagnostic::default()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let text = "ab\n😀x\n";
        assert_eq!(
            position(text, 0),
            Position {
                line: 0,
                character: 0
            }
        );
        // `x` comes after an emoji of four bytes and two UTF-16 units.
        assert_eq!(
            position(text, 7),
            Position {
                line: 1,
                character: 2
            }
        );
        assert_eq!(
            offset(
                text,
                Position {
                    line: 1,
                    character: 2
                }
            ),
            7
        );
        assert_eq!(
            offset(
                text,
                Position {
                    line: 9,
                    character: 0
                }
            ),
            text.len()
        );
        assert_eq!(
            offset(
                text,
                Position {
                    line: 0,
                    character: 99
                }
            ),
            2
        );
    }
}
