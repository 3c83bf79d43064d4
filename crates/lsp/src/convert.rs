//! Byte offsets to LSP positions (UTF-16) and back, and iamdsl diagnostics to LSP diagnostics.

use iamdsl_compiler::{Analysis, Project};
use iamdsl_diagnostics::{codes, Diagnostic, FileId, FixKind, Severity, Span};
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

/// The URL of a file of the project: its own files and `iamdsl.toml` (whose diagnostics point
/// into it). The standard library has none.
pub fn url_of(project: &Project, id: FileId) -> Option<Url> {
    let path = match project.paths.iter().find(|(f, _)| *f == id) {
        Some((_, path)) => path.clone(),
        None if !project.std_files.iter().any(|(f, _)| *f == id) => project.manifest.clone()?,
        None => return None,
    };
    if !path.is_absolute() {
        // A document held in memory alone (`untitled:`) is named by its URL.
        if let Ok(url) = Url::parse(&path.to_string_lossy()) {
            return Some(url);
        }
    }
    let absolute = if path.is_absolute() {
        path
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    Url::from_file_path(absolute).ok()
}

/// One diagnostic at `range` of a file, with its notes and help in the message, its secondary
/// labels as related information, and its suggestion (if any) in `data` for code actions.
pub fn diagnostic(project: &Project, d: &Diagnostic, range: Range) -> lsp::Diagnostic {
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
                    uri: url_of(project, label.file)?,
                    range: self::range(project.sources.text(label.file), label.span),
                },
                message: label.message.clone(),
            })
        })
        .collect();
    // The fix travels with the diagnostic: the client sends it back with a code-action request.
    let same_file = |file: FileId| d.primary.as_ref().is_some_and(|p| p.file == file);
    let data = d
        .suggestion
        .as_ref()
        .filter(|fix| same_file(fix.file))
        .map(|fix| {
            let fix_range = self::range(project.sources.text(fix.file), fix.span);
            serde_json::json!({ "fix": {
            "kind": match fix.kind { FixKind::Typo => "typo" },
            "range": fix_range,
            "replacement": fix.replacement,
        } })
        });
    lsp::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
            Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        source: Some("iamdsl".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        data,
        ..lsp::Diagnostic::default()
    }
}

/// The diagnostics of one file of a project, for `textDocument/publishDiagnostics`.
pub fn diagnostics_of(
    project: &Project,
    analysis: &Analysis,
    file: FileId,
) -> Vec<lsp::Diagnostic> {
    let text = project.sources.text(file);
    analysis
        .diagnostics
        .iter()
        .filter_map(|d| {
            let primary = d.primary.as_ref().filter(|p| p.file == file)?;
            Some(diagnostic(project, d, range(text, primary.span)))
        })
        .collect()
}

/// The diagnostics that belong to no file of the project an editor shows: those without a place
/// (a file that cannot be read or is not UTF-8) and those in `iamdsl.toml`. They are shown at
/// the start of each open document, the place (if any) as related information.
pub fn project_diagnostics(project: &Project, analysis: &Analysis) -> Vec<lsp::Diagnostic> {
    analysis
        .diagnostics
        .iter()
        .filter(|d| {
            d.primary
                .as_ref()
                .is_none_or(|p| !project.paths.iter().any(|(f, _)| *f == p.file))
        })
        .map(|d| {
            let mut converted = diagnostic(project, d, Range::default());
            if let Some(primary) = &d.primary {
                let place = url_of(project, primary.file).map(|uri| {
                    let text = project.sources.text(primary.file);
                    DiagnosticRelatedInformation {
                        location: Location {
                            uri,
                            range: range(text, primary.span),
                        },
                        message: if primary.message.is_empty() {
                            d.message.clone()
                        } else {
                            primary.message.clone()
                        },
                    }
                });
                converted.message = format!(
                    "{}: {}",
                    project.sources.name(primary.file),
                    converted.message
                );
                if let Some(place) = place {
                    converted
                        .related_information
                        .get_or_insert_with(Vec::new)
                        .insert(0, place);
                }
            }
            converted
        })
        .collect()
}

/// E0002 for a document whose text, as the editor sent it, was not UTF-8: at the first byte
/// that was not (now U+FFFD), as `iamdsl check` reports a file on disk.
pub fn not_utf8(project: &Project, file: FileId, text: &str) -> lsp::Diagnostic {
    let at = text.find('\u{FFFD}').unwrap_or(0);
    let name = project.sources.name(file);
    let d = Diagnostic::error(codes::FILE_NOT_UTF8, format!("`{name}` is not valid UTF-8"))
        .with_note(format!(
            "the editor sent bytes that are not UTF-8; the first is at line {}, read as U+FFFD",
            position(text, at).line + 1
        ))
        .with_help("save the file as UTF-8; iamdsl does not read other encodings or binary files");
    let end = at + text[at..].chars().next().map_or(0, char::len_utf8);
    diagnostic(project, &d, range(text, Span::new(at, end)))
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
