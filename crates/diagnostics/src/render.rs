use codespan_reporting::diagnostic as cs;
use codespan_reporting::term;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::codes;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Sources;

/// Whether the human rendering may use colour (only on a terminal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HumanStyle {
    Plain,
    Colored,
}

fn to_codespan(diagnostic: &Diagnostic) -> cs::Diagnostic<crate::FileId> {
    let severity = match diagnostic.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
        Severity::Info => cs::Severity::Note,
    };
    let mut labels = Vec::new();
    if let Some(primary) = &diagnostic.primary {
        labels.push(
            cs::Label::primary(primary.file, primary.span.range()).with_message(&primary.message),
        );
    }
    for label in &diagnostic.secondary {
        labels.push(
            cs::Label::secondary(label.file, label.span.range()).with_message(&label.message),
        );
    }
    let mut notes: Vec<String> = diagnostic
        .notes
        .iter()
        .map(|n| format!("note: {n}"))
        .collect();
    if let Some(help) = &diagnostic.help {
        notes.push(format!("help: {help}"));
    }
    cs::Diagnostic::new(severity)
        .with_code(diagnostic.code)
        .with_message(&diagnostic.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// Renders diagnostics the way a compiler shows them to a person.
pub fn render_human(sources: &Sources, diagnostics: &[Diagnostic], style: HumanStyle) -> String {
    let config = term::Config::default();
    let mut out = String::new();
    for diagnostic in diagnostics {
        let cs_diagnostic = to_codespan(diagnostic);
        let rendered = match style {
            HumanStyle::Plain => term::emit_into_string(&config, sources, &cs_diagnostic).ok(),
            HumanStyle::Colored => {
                let mut buffer = term::termcolor::Buffer::ansi();
                term::emit_to_write_style(&mut buffer, &config, sources, &cs_diagnostic)
                    .ok()
                    .map(|()| String::from_utf8_lossy(buffer.as_slice()).into_owned())
            }
        };
        // A label outside its file cannot be drawn; fall back to the message alone rather than
        // losing the diagnostic.
        out.push_str(&rendered.unwrap_or_else(|| {
            format!(
                "{}[{}]: {}\n\n",
                diagnostic.severity.as_str(),
                diagnostic.code,
                diagnostic.message
            )
        }));
    }
    out
}

fn location(sources: &Sources, diagnostic: &Diagnostic) -> Value {
    match &diagnostic.primary {
        Some(label) => match sources.get(label.file) {
            Some(file) => {
                let start = file.line_col(label.span.start as usize);
                let end = file.line_col(label.span.end as usize);
                json!({
                    "file": file.name,
                    "line": start.line,
                    "column": start.column,
                    "end_line": end.line,
                    "end_column": end.column,
                })
            }
            None => json!({}),
        },
        None => json!({}),
    }
}

/// A JSON array of diagnostics: `code`, `severity`, `message`, `file`, 1-based `line`/`column`
/// and `end_line`/`end_column` (columns count characters), `labels`, `notes`, `help`.
pub fn render_json(sources: &Sources, diagnostics: &[Diagnostic]) -> String {
    let items: Vec<Value> = diagnostics
        .iter()
        .map(|diagnostic| {
            let mut item = json!({
                "code": diagnostic.code,
                "severity": diagnostic.severity.as_str(),
                "message": diagnostic.message,
            });
            if let (Value::Object(map), Value::Object(loc)) =
                (&mut item, location(sources, diagnostic))
            {
                map.extend(loc);
                let labels: Vec<Value> = diagnostic
                    .secondary
                    .iter()
                    .filter_map(|label| {
                        let file = sources.get(label.file)?;
                        let start = file.line_col(label.span.start as usize);
                        let end = file.line_col(label.span.end as usize);
                        Some(json!({
                            "file": file.name,
                            "line": start.line,
                            "column": start.column,
                            "end_line": end.line,
                            "end_column": end.column,
                            "message": label.message,
                        }))
                    })
                    .collect();
                map.insert("labels".into(), Value::Array(labels));
                map.insert("notes".into(), json!(diagnostic.notes));
                map.insert("help".into(), json!(diagnostic.help));
            }
            item
        })
        .collect();
    serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_string()) + "\n"
}

fn sarif_region(sources: &Sources, label: &crate::Label, root: &Path) -> Option<Value> {
    let file = sources.get(label.file)?;
    let start = file.line_col(label.span.start as usize);
    let end = file.line_col(label.span.end as usize);
    Some(json!({
        "artifactLocation": sarif_artifact(&file.name, root),
        "region": {
            "startLine": start.line,
            "startColumn": start.column,
            "endLine": end.line,
            "endColumn": end.column,
        }
    }))
}

/// Where a file is, for code scanning: relative to the root (`%SRCROOT%`), with forward
/// slashes; a file outside the root (the standard library's `<std>/…`, say) keeps its name.
fn sarif_artifact(name: &str, root: &Path) -> Value {
    let path = Path::new(name);
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|dir| dir.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let absolute = absolute.canonicalize().unwrap_or(absolute);
    match absolute.strip_prefix(root) {
        Ok(relative) => json!({
            "uri": sarif_uri(&relative.to_string_lossy()),
            "uriBaseId": "%SRCROOT%",
        }),
        Err(_) => json!({ "uri": sarif_uri(name) }),
    }
}

/// SARIF wants URIs: forward slashes, and no leading `./`.
fn sarif_uri(name: &str) -> String {
    let name = name.replace('\\', "/");
    name.strip_prefix("./").unwrap_or(&name).to_string()
}

/// The root SARIF locations are relative to: `root`, else the repository around the working
/// directory (the nearest ancestor with `.git`), else the working directory.
pub fn sarif_root(root: Option<&Path>) -> PathBuf {
    let start = match root {
        Some(root) => root.to_path_buf(),
        None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
    };
    let start = start.canonicalize().unwrap_or(start);
    if root.is_some() {
        return start;
    }
    start
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
        .unwrap_or(start)
}

/// SARIF 2.1.0, one run, with a rule for every code that occurs; locations are relative to
/// `root` (see [`sarif_root`]), and each rule links to its section of docs/diagnostics.md.
pub fn render_sarif(
    sources: &Sources,
    diagnostics: &[Diagnostic],
    tool_version: &str,
    root: &Path,
) -> String {
    let mut used: Vec<&'static str> = diagnostics.iter().map(|d| d.code).collect();
    used.sort_unstable();
    used.dedup();
    let rules: Vec<Value> = used
        .iter()
        .map(|code| {
            let info = codes::lookup(code);
            json!({
                "id": code,
                "name": info.map_or("", |i| i.name),
                "shortDescription": { "text": info.map_or("", |i| i.summary) },
                "helpUri": codes::help_uri(code),
            })
        })
        .collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|diagnostic| {
            let level = match diagnostic.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "note",
            };
            let mut text = diagnostic.message.clone();
            for note in &diagnostic.notes {
                text.push_str(&format!("\nnote: {note}"));
            }
            if let Some(help) = &diagnostic.help {
                text.push_str(&format!("\nhelp: {help}"));
            }
            let locations: Vec<Value> = diagnostic
                .primary
                .iter()
                .filter_map(|label| sarif_region(sources, label, root))
                .map(|physical| json!({ "physicalLocation": physical }))
                .collect();
            let related: Vec<Value> = diagnostic
                .secondary
                .iter()
                .enumerate()
                .filter_map(|(index, label)| {
                    let physical = sarif_region(sources, label, root)?;
                    Some(json!({ "id": index, "physicalLocation": physical, "message": { "text": label.message } }))
                })
                .collect();
            let rule_index = used.iter().position(|c| *c == diagnostic.code).unwrap_or(0);
            let mut result = json!({
                "ruleId": diagnostic.code,
                "ruleIndex": rule_index,
                "level": level,
                "message": { "text": text },
                "locations": locations,
            });
            if !related.is_empty() {
                if let Value::Object(map) = &mut result {
                    map.insert("relatedLocations".into(), Value::Array(related));
                }
            }
            result
        })
        .collect();
    let sarif = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "iamdsl",
                "version": tool_version,
                "rules": rules,
            }},
            "originalUriBaseIds": {
                "%SRCROOT%": { "uri": root_uri(root) },
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    serde_json::to_string_pretty(&sarif).unwrap_or_else(|_| "{}".to_string()) + "\n"
}

/// `file:///path/to/root/`, as SARIF's base URIs are written.
fn root_uri(root: &Path) -> String {
    let path = sarif_uri(&root.to_string_lossy());
    let path = path.trim_end_matches('/');
    if path.starts_with('/') {
        format!("file://{path}/")
    } else {
        format!("file:///{path}/")
    }
}
