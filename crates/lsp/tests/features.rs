//! Each language feature, in process, on a small two-file project.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use iamdsl_lsp::{features, Snapshot};
use tower_lsp::lsp_types::*;

const MAIN: &str = r#"account prod = "111111111111" default
let bucket = "acme-data"

/// Reads the data bucket.
policy reader {
  allow read on s3.bucket(bucket)
}

role app {
  trust { service lambda }
  attach reader
  allow s3:GetObject on s3.object(bucket, "*")
}
"#;

const OTHER: &str = "group ops { attach reader }\nuser ann { groups = [ops] }\n";

fn project() -> (tempfile::TempDir, PathBuf, Snapshot) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("iamdsl.toml"),
        "[defaults]\nregion = \"eu-west-1\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("main.iamdsl"), MAIN).unwrap();
    std::fs::write(dir.path().join("other.iamdsl"), OTHER).unwrap();
    let main = dir.path().join("main.iamdsl");
    let snapshot = Snapshot::build(&main, &HashMap::new());
    (dir, main, snapshot)
}

fn url(path: &Path) -> Url {
    Url::from_file_path(path).unwrap()
}

fn at(text: &str, needle: &str, offset: usize) -> Position {
    let index = text.find(needle).unwrap() + offset;
    let line = text[..index].matches('\n').count() as u32;
    let character = (index - text[..index].rfind('\n').map_or(0, |i| i + 1)) as u32;
    Position { line, character }
}

fn hover_text(hover: Option<Hover>) -> String {
    match hover.map(|h| h.contents) {
        Some(HoverContents::Markup(markup)) => markup.value,
        other => panic!("no markdown hover: {other:?}"),
    }
}

#[test]
fn hover_explains_names_actions_keys_and_intents() {
    let (_dir, main, snapshot) = project();
    let u = url(&main);
    let policy = hover_text(features::hover(&snapshot, &u, at(MAIN, "attach reader", 8)));
    assert!(
        policy.contains("**policy `reader`**") && policy.contains("Reads the data bucket."),
        "{policy}"
    );
    assert!(policy.contains("s3:GetBucketPolicy"), "{policy}");
    let action = hover_text(features::hover(&snapshot, &u, at(MAIN, "s3:GetObject", 4)));
    assert!(
        action.contains("**s3:GetObject** — Read") && action.contains("`s3.object`"),
        "{action}"
    );
    let intent = hover_text(features::hover(&snapshot, &u, at(MAIN, "read on", 1)));
    assert!(
        intent.contains("**read** expands to:") && intent.contains("s3:GetBucketPolicy"),
        "{intent}"
    );
    let constructor = hover_text(features::hover(&snapshot, &u, at(MAIN, "s3.object", 4)));
    assert!(
        constructor.contains("arn:${Partition}:s3:::${BucketName}/${ObjectName}"),
        "{constructor}"
    );
    assert!(features::hover(&snapshot, &u, at(MAIN, "trust", 1)).is_none());
}

#[test]
fn completion_follows_the_context() {
    let (_dir, _main, snapshot) = project();
    let labels = |text: &str| -> Vec<String> {
        let position = Position {
            line: text.matches('\n').count() as u32,
            character: text.rsplit('\n').next().unwrap().len() as u32,
        };
        features::completion(Some(&snapshot), text, position)
            .items
            .into_iter()
            .map(|i| i.label)
            .collect()
    };
    assert!(labels("allow s3:GetObj").contains(&"s3:GetObject".to_string()));
    assert!(labels("allow read on s3.buc").contains(&"s3.bucket".to_string()));
    assert!(labels("use std.s3.")
        .iter()
        .any(|l| l == "std.s3.read_only"));
    assert!(
        labels("  allow s3:GetObject on * when aws:SourceI").contains(&"aws:SourceIp".to_string())
    );
    let s3_keys = labels("  allow s3:ListBucket on s3.bucket(bucket) when s3:pre");
    assert!(
        s3_keys.contains(&"s3:prefix".to_string())
            && !s3_keys.iter().any(|l| l.starts_with("s3:PutObject")),
        "{s3_keys:?}"
    );
    assert!(labels("  allow * on * when ex").contains(&"external_id".to_string()));
    assert_eq!(labels("  attach "), vec!["reader".to_string()]);
    assert_eq!(labels("user x { groups = ["), vec!["ops".to_string()]);
    assert!(
        labels("  assume ").contains(&"app".to_string())
            && !labels("  assume ").contains(&"reader".to_string())
    );
    let plain = labels("  att");
    assert!(plain.contains(&"attach".to_string()));
    assert!(
        labels("  rea").contains(&"reader".to_string()),
        "declared names are offered"
    );
}

#[test]
fn navigation_and_rename_span_files() {
    let (dir, main, snapshot) = project();
    let other = url(&dir.path().join("other.iamdsl"));
    let definition =
        features::definition(&snapshot, &other, at(OTHER, "attach reader", 8)).unwrap();
    assert_eq!(definition.uri, url(&main));
    assert_eq!(definition.range.start, at(MAIN, "policy reader", 7));
    let references =
        features::references(&snapshot, &url(&main), at(MAIN, "policy reader", 8), true);
    assert_eq!(references.len(), 3);
    let edit = features::rename(
        &snapshot,
        &url(&main),
        at(MAIN, "policy reader", 8),
        "data_reader",
    )
    .unwrap()
    .unwrap();
    let changes = edit.changes.unwrap();
    assert_eq!(changes.len(), 2);
    assert!(
        features::rename(&snapshot, &url(&main), at(MAIN, "policy reader", 8), "2bad").is_err()
    );
    assert!(features::rename(&snapshot, &url(&main), at(MAIN, "policy reader", 8), "app").is_err());
    // A reserved word would no longer parse as a name; a contextual one is a fine name.
    let reserved = features::rename(
        &snapshot,
        &url(&main),
        at(MAIN, "policy reader", 8),
        "allow",
    );
    assert!(reserved.unwrap_err().contains("reserved"));
    assert!(features::rename(
        &snapshot,
        &url(&main),
        at(MAIN, "policy reader", 8),
        "admin"
    )
    .is_ok());
    let symbols = features::symbols(&snapshot, &url(&main));
    let names: Vec<&str> = symbols.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["prod", "bucket", "reader", "app"]);
    let found = features::workspace_symbols(&snapshot, "o");
    assert!(found.iter().any(|s| s.name == "ops") && found.iter().any(|s| s.name == "prod"));
}

/// The edit of each item, on the last line of `text` (the cursor at its end).
fn edits(snapshot: &Snapshot, text: &str) -> Vec<(String, TextEdit)> {
    let line = text.matches('\n').count() as u32;
    let position = Position {
        line,
        character: text.rsplit('\n').next().unwrap().encode_utf16().count() as u32,
    };
    features::completion(Some(snapshot), text, position)
        .items
        .into_iter()
        .map(|i| match i.text_edit {
            Some(CompletionTextEdit::Edit(edit)) => (i.label, edit),
            other => panic!("{} has no text edit: {other:?}", i.label),
        })
        .collect()
}

#[test]
fn completion_replaces_the_whole_token_typed() {
    let (_dir, _main, snapshot) = project();
    let range = |line: u32, start: u32, end: u32| Range {
        start: Position {
            line,
            character: start,
        },
        end: Position {
            line,
            character: end,
        },
    };
    // (typed, an item, the range it replaces): `:` and `.` are inside the token.
    let cases = [
        ("role r {\n  allow s3:Get", "s3:GetObject", range(1, 8, 14)),
        ("  allow s3:", "s3:AbortMultipartUpload", range(0, 8, 11)),
        ("  allow read on s3.obj", "s3.object", range(0, 16, 22)),
        (
            "  allow * on * when aws:Sour",
            "aws:SourceIp",
            range(0, 20, 28),
        ),
        (
            "  allow * on * when aws:sourcei",
            "aws:SourceIp",
            range(0, 20, 31),
        ),
        ("  use std.s3.", "std.s3.read_only", range(0, 6, 13)),
        ("  att", "attach", range(0, 2, 5)),
        ("  attach ", "reader", range(0, 9, 9)),
        // UTF-16 columns: the emoji before the token is two units.
        ("/* 😀 */ allow s3:Get", "s3:GetObject", range(0, 15, 21)),
    ];
    for (typed, label, expected) in cases {
        let items = edits(&snapshot, typed);
        let (_, edit) = items
            .iter()
            .find(|(l, _)| l == label)
            .unwrap_or_else(|| panic!("{typed:?}: no {label}"));
        assert_eq!(edit.range, expected, "{typed:?} → {label}");
        assert_eq!(edit.new_text, label);
        // One range for all items: Neovim takes the start of the completed word from it.
        assert!(items.iter().all(|(_, e)| e.range == expected), "{typed:?}");
    }
    // Every action of the largest service, in one complete list (the editor filters it).
    let ec2 = features::completion(
        Some(&snapshot),
        "  allow ec2:",
        Position {
            line: 0,
            character: 12,
        },
    );
    assert!(
        !ec2.is_incomplete && ec2.items.len() > 800,
        "{}",
        ec2.items.len()
    );
}

/// Every quick fix is the fix a diagnostic of the analysis carries (`Diagnostic::suggestion`),
/// sent with the published diagnostic and read back from it: no help text is parsed.
#[test]
fn code_actions_apply_the_fix_each_diagnostic_carries() {
    let dir = tempfile::tempdir().unwrap();
    let text = "account prod = \"111111111111\" default\n\
                role r {\n  atach x\n  trust { service lambda }\n  allow s3:GetObjekt on *\n\
                  allow read on s3.objekt(\"b\", \"*\")\n}\n";
    let main = dir.path().join("main.iamdsl");
    std::fs::write(&main, text).unwrap();
    let snapshot = Snapshot::build(&main, &HashMap::new());
    let u = url(&main);
    let fixes: Vec<_> = snapshot
        .analysis
        .diagnostics
        .iter()
        .filter_map(|d| d.suggestion.clone())
        .collect();
    assert_eq!(fixes.len(), 3, "{:#?}", snapshot.analysis.diagnostics);
    let published: Vec<Diagnostic> = snapshot
        .diagnostics()
        .into_iter()
        .flat_map(|(_, diagnostics)| diagnostics)
        .collect();
    let actions = features::code_actions(&u, text, &published);
    let mut edits: Vec<(String, String)> = actions
        .iter()
        .map(|action| {
            let CodeActionOrCommand::CodeAction(action) = action else {
                panic!("{action:?}")
            };
            assert_eq!(action.kind, Some(CodeActionKind::QUICKFIX));
            let edit = &action.edit.as_ref().unwrap().changes.as_ref().unwrap()[&u][0];
            let start = text.lines().nth(edit.range.start.line as usize).unwrap();
            let written =
                &start[edit.range.start.character as usize..edit.range.end.character as usize];
            (written.to_string(), edit.new_text.clone())
        })
        .collect();
    edits.sort();
    let mut expected: Vec<(String, String)> = fixes
        .iter()
        .map(|fix| {
            (
                text[fix.span.start as usize..fix.span.end as usize].to_string(),
                fix.replacement.clone(),
            )
        })
        .collect();
    expected.sort();
    assert_eq!(edits, expected);
    assert_eq!(
        expected,
        [
            ("atach".to_string(), "attach".to_string()),
            ("s3.objekt".to_string(), "s3.object".to_string()),
            ("s3:GetObjekt".to_string(), "s3:GetObject".to_string()),
        ]
    );
    // A diagnostic sent back without the server's data, or whose text has changed since, gets
    // no fix.
    let mut bare = published.clone();
    bare.iter_mut().for_each(|d| d.data = None);
    assert!(features::code_actions(&u, text, &bare).is_empty());
    let edited = text.replace("GetObjekt", "ListAllMyBuckets");
    let stale = features::code_actions(&u, &edited, &published);
    assert_eq!(stale.len(), 2, "{stale:?}");
}

/// The semantic tokens of `text` as (the text each covers, its type): the protocol's relative
/// encoding decoded.
fn decoded(tokens: &[SemanticToken], text: &str) -> Vec<(String, u32)> {
    let (mut line, mut start) = (0, 0);
    let mut out = Vec::new();
    for t in tokens {
        line += t.delta_line;
        start = if t.delta_line == 0 {
            start + t.delta_start
        } else {
            t.delta_start
        };
        let text_line = text.lines().nth(line as usize).unwrap();
        out.push((
            text_line[start as usize..(start + t.length) as usize].to_string(),
            t.token_type,
        ));
    }
    out
}

#[test]
fn semantic_tokens_and_inlay_hints() {
    let (_dir, main, snapshot) = project();
    let u = url(&main);
    let tokens = features::semantic_tokens(Some(&snapshot), &u, MAIN);
    let decoded = decoded(&tokens, MAIN);
    assert!(
        decoded.contains(&("s3:GetObject".to_string(), 4)),
        "{decoded:?}"
    );
    assert!(decoded.contains(&("allow".to_string(), 0)));
    assert!(decoded.contains(&("\"acme-data\"".to_string(), 2)));
    assert!(decoded.contains(&("reader".to_string(), 5)));
    assert!(decoded.contains(&("read".to_string(), 6)));
    let hints = features::inlay_hints(&snapshot, &u);
    assert_eq!(hints.len(), 1);
    let InlayHintLabel::String(label) = &hints[0].label else {
        panic!()
    };
    assert!(label.ends_with(" actions"), "{label}");
    assert_eq!(hints[0].position, at(MAIN, " on s3.bucket", 0));
}

#[test]
fn formatting_uses_the_formatter_and_refuses_broken_text() {
    let edits = features::format("role   r{trust{service ec2}}").unwrap();
    assert_eq!(edits[0].new_text, "role r { trust { service ec2 } }\n");
    assert_eq!(
        features::format("role r { trust { service ec2 } }\n"),
        Some(Vec::new())
    );
    assert_eq!(features::format("role r {"), None);
}

/// A property's name is coloured as a word of the language; a contextual keyword used as a name
/// (`admin`) is coloured as the name it is.
#[test]
fn semantic_tokens_of_properties_and_contextual_names() {
    let dir = tempfile::tempdir().unwrap();
    let text = "account prod = \"111111111111\" default\nrole admin {\n  trust { service lambda }\n  max_session = 2h\n}\nuser ann { assume admin }\n";
    let main = dir.path().join("main.iamdsl");
    std::fs::write(&main, text).unwrap();
    let snapshot = Snapshot::build(&main, &HashMap::new());
    let tokens = features::semantic_tokens(Some(&snapshot), &url(&main), text);
    let decoded = decoded(&tokens, text);
    assert!(
        decoded.contains(&("max_session".to_string(), 0)),
        "{decoded:?}"
    );
    assert_eq!(
        decoded
            .iter()
            .filter(|(w, kind)| w == "admin" && *kind == 5)
            .count(),
        2,
        "{decoded:?}"
    );
}
