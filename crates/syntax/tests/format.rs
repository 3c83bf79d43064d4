#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use iamdsl_diagnostics::FileId;
use iamdsl_syntax::{format_source, lexer, parse};

/// The comment texts of a source, in order.
fn comment_texts(source: &str) -> Vec<String> {
    lexer::comments(source)
        .into_iter()
        .map(|span| source[span.range()].trim_end().to_string())
        .collect()
}

/// The three promises of the formatter, for one input.
pub fn assert_format_promises(name: &str, source: &str) -> String {
    let formatted = format_source(source).unwrap_or_else(|| panic!("{name}: not formatted"));
    let reparsed = parse(&formatted, FileId(0));
    assert!(
        reparsed.diagnostics.is_empty(),
        "{name}: formatted output does not parse:\n{formatted}\n{:#?}",
        reparsed.diagnostics
    );
    assert_eq!(
        parse(source, FileId(0)).module,
        reparsed.module,
        "{name}: formatting changed the meaning"
    );
    assert_eq!(
        format_source(&formatted).as_deref(),
        Some(formatted.as_str()),
        "{name}: formatting is not idempotent"
    );
    assert_eq!(
        comment_texts(source),
        comment_texts(&formatted),
        "{name}: comments lost or reordered"
    );
    formatted
}

#[test]
fn every_file_in_the_repository_round_trips() {
    let files: Vec<_> = common::all_source_files()
        .into_iter()
        .filter(|p| !common::broken_on_purpose(p))
        .collect();
    for path in files {
        let source = std::fs::read_to_string(&path).unwrap();
        assert_format_promises(&path.display().to_string(), &source);
    }
}

#[test]
fn examples_and_valid_tests_are_already_formatted() {
    let root = common::repo_root();
    let files: Vec<_> = common::all_source_files()
        .into_iter()
        .filter(|p| {
            p.starts_with(root.join("examples")) || p.starts_with(root.join("tests/syntax/valid"))
        })
        .collect();
    assert!(!files.is_empty());
    for path in files {
        let source = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            format_source(&source).as_deref(),
            Some(source.as_str()),
            "{} is not formatted",
            path.display()
        );
    }
}

#[test]
fn messy_input_gets_the_canonical_layout() {
    let source =
        std::fs::read_to_string(common::repo_root().join("tests/syntax/format/messy.iamdsl"))
            .unwrap();
    insta::assert_snapshot!(assert_format_promises("messy", &source));
}

#[test]
fn files_with_syntax_errors_are_refused() {
    assert_eq!(format_source("role r { allow read }"), None);
    assert_eq!(format_source("let x = \"open"), None);
}

#[test]
fn long_statements_break_at_clauses_then_lists() {
    let actions: Vec<String> = (0..12).map(|i| format!("s3:GetObjectVersion{i}")).collect();
    let source = format!(
        "role r {{ allow {} on s3.object(\"a-very-long-bucket-name\", \"*\") when aws:SourceIp in [\"10.0.0.0/8\"] and mfa }}",
        actions.join(", ")
    );
    let formatted = assert_format_promises("long", &source);
    assert!(
        formatted
            .lines()
            .all(|line| line.chars().count() <= iamdsl_syntax::format::MAX_WIDTH),
        "{formatted}"
    );
    assert!(formatted.contains("\n    on s3.object"), "{formatted}");
    assert!(formatted.contains("\n    when aws:SourceIp"), "{formatted}");
}

#[test]
fn strings_print_back_to_the_same_text() {
    for literal in [
        r#""a\"b""#,
        r#""\\""#,
        r#""tab\there""#,
        r#""\${x}""#,
        r#""${aws:username}""#,
        r#""$ {x} $""#,
        r#""\u{1}""#,
    ] {
        let source = format!("let s = {literal}\n");
        assert_format_promises(literal, &source);
    }
}

#[test]
fn a_long_statement_alone_in_a_block_is_never_cut_to_its_first_line() {
    // Regression: a one-statement block once printed only the first line of a broken statement.
    let source = "policy big {\n  allow iam:GetRole, iam:GetRolePolicy, iam:ListRolePolicies, iam:ListAttachedRolePolicies,\n    iam:ListRoleTags, iam:ListInstanceProfilesForRole on iam.role(\"service-role/a-long-role-name-*\")\n}\n";
    let formatted = assert_format_promises("long single statement", source);
    assert!(
        formatted.contains("iam:ListInstanceProfilesForRole"),
        "{formatted}"
    );
    assert_eq!(
        iamdsl_syntax::format_verified(source, FileId(0)).as_deref(),
        Ok(formatted.as_str())
    );
}

/// Found by the `format_round_trip` fuzz target: a comment between an item's `///` lines (or
/// attributes) and its keyword was moved after the item, and the next run moved it again.
#[test]
fn comments_inside_a_prefix_stay_inside_it() {
    let cases = [
        "/// doc\n  // c\n\nlet a = \"x\"\nlet b = \"y\"\n",
        "/// one\n// between\n/// two\nlet a = \"x\"\n",
        "role r {\n  /// doc\n  // c\n\n  allow read on s3.bucket(\"b\")\n}\n",
    ];
    for source in cases {
        let formatted = assert_format_promises(source, source);
        let doc = formatted.find("/// ").unwrap();
        let comment = formatted
            .find("// c")
            .or(formatted.find("// between"))
            .unwrap();
        assert!(doc < comment, "{formatted}");
    }
    assert_eq!(
        format_source(cases[0]).unwrap(),
        "/// doc\n// c\nlet a = \"x\"\n\nlet b = \"y\"\n"
    );
    // The input that found it, kept whole.
    let found = std::fs::read_to_string(
        common::repo_root().join("tests/syntax/fuzz/format_comment_in_prefix.bin"),
    )
    .unwrap();
    assert_format_promises("fuzz finding", &found);
}
