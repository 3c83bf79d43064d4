#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use iamdsl_diagnostics::{codes, FileId};
use iamdsl_syntax::ast::*;
use iamdsl_syntax::parse;

fn parse_ok(source: &str) -> Module {
    let parsed = parse(source, FileId(0));
    assert!(
        parsed.diagnostics.is_empty(),
        "unexpected diagnostics: {:#?}",
        parsed.diagnostics
    );
    parsed.module
}

fn codes_of(source: &str) -> Vec<&'static str> {
    parse(source, FileId(0))
        .diagnostics
        .iter()
        .map(|d| d.code)
        .collect()
}

#[test]
fn every_valid_file_parses_without_diagnostics() {
    let files: Vec<_> = common::all_source_files()
        .into_iter()
        .filter(|p| !common::broken_on_purpose(p))
        .collect();
    assert!(
        files.len() >= 7,
        "expected the examples and test files, found {files:?}"
    );
    for path in files {
        let source = std::fs::read_to_string(&path).unwrap();
        let parsed = parse(&source, FileId(0));
        assert!(
            parsed.diagnostics.is_empty(),
            "{}: {:#?}",
            path.display(),
            parsed.diagnostics
        );
    }
}

#[test]
fn every_invalid_file_reports_errors() {
    insta::glob!("../../../tests/syntax/invalid", "*.iamdsl", |path| {
        let source = std::fs::read_to_string(path).unwrap();
        let name = format!("invalid/{}", path.file_name().unwrap().to_string_lossy());
        let rendered = common::rendered_diagnostics(&name, &source);
        assert!(rendered.contains("error["), "{name} reported nothing");
        insta::assert_snapshot!(rendered);
    });
}

#[test]
fn empty_and_comment_only_files_are_valid() {
    assert_eq!(parse_ok("").items.len(), 0);
    assert_eq!(
        parse_ok("  \n\n// only a comment\n/* and a block */\n")
            .items
            .len(),
        0
    );
}

#[test]
fn a_permission_parses_into_its_parts() {
    let module = parse_ok(
        r#"role r { allow read, s3:Get* except s3:GetObjectAcl on s3.object(b, "*", region: "eu-west-1") when any aws:TagKeys in ["a"] and k? != 3 until 2027-01-31 }"#,
    );
    let ItemKind::Block(block) = &module.items[0].kind else {
        panic!("not a block")
    };
    assert_eq!(block.kind, DeclKind::Role);
    let StmtKind::Permission(p) = &block.body[0].kind else {
        panic!("not a permission")
    };
    assert_eq!(p.effect.node, Effect::Allow);
    assert!(matches!(&p.actions.items[0], ActionItem::Level(l) if l.node == AccessLevel::Read));
    assert!(matches!(&p.actions.items[1], ActionItem::Pattern(a) if a.node == "s3:Get*"));
    assert!(matches!(&p.actions.except[0], ActionItem::Pattern(a) if a.node == "s3:GetObjectAcl"));
    let Resource::Constructor(c) = &p.resources.items[0] else {
        panic!("not a constructor")
    };
    assert_eq!(
        (c.service.name.as_str(), c.resource_type.name.as_str()),
        ("s3", "object")
    );
    assert_eq!(c.args.len(), 3);
    assert_eq!(
        c.args[2].name.as_ref().map(|n| n.name.as_str()),
        Some("region")
    );
    let condition = p.condition.as_ref().unwrap();
    assert_eq!(condition.clauses.len(), 2);
    match &condition.clauses[0].kind {
        ClauseKind::Compare {
            quantifier,
            key,
            op,
            ..
        } => {
            assert_eq!(quantifier.as_ref().map(|q| q.node), Some(Quantifier::Any));
            assert_eq!(key.name, "aws:TagKeys");
            assert_eq!(op.node, CompareOp::In);
        }
        other => panic!("unexpected clause {other:?}"),
    }
    assert!(
        matches!(&condition.clauses[1].kind, ClauseKind::Compare { if_exists: true, op, .. } if op.node == CompareOp::Ne)
    );
    assert_eq!(
        p.until.as_ref().map(|u| u.node.as_str()),
        Some("2027-01-31")
    );
}

#[test]
fn spans_cover_exactly_their_text() {
    let source = "role r {\n  allow s3:GetObject on *   // trailing comment\n}\n";
    let module = parse_ok(source);
    let ItemKind::Block(block) = &module.items[0].kind else {
        panic!("not a block")
    };
    let stmt = &block.body[0];
    // The statement ends at `*`, not after the white space and comment pest skipped.
    assert_eq!(&source[stmt.loc.span().range()], "allow s3:GetObject on *");
    assert_eq!(
        &source[module.items[0].loc.span().range()],
        source.trim_end()
    );
    assert_eq!(&source[block.name.span().range()], "r");
}

#[test]
fn strings_unescape_and_interpolate() {
    let module = parse_ok(r#"let s = "a\"b\\c\n\u{41}\${x} ${name} ${aws:username}""#);
    let ItemKind::Let(decl) = &module.items[0].kind else {
        panic!("not a let")
    };
    let ValueKind::String(s) = &decl.value.kind else {
        panic!("not a string")
    };
    assert_eq!(s.parts.len(), 3);
    assert_eq!(s.parts[0], StrPart::Text("a\"b\\c\nA${x} ".into()));
    assert!(matches!(&s.parts[1], StrPart::Interp(i) if i.name == "name"));
    // IAM policy variables are text, kept as written.
    assert_eq!(s.parts[2], StrPart::Text(" ${aws:username}".into()));
}

#[test]
fn doc_comments_and_attributes_attach_to_the_next_item() {
    let module = parse_ok(
        "/// Line one.\n///\n/// Line three.\n#[allow(unused)]\nrole r {}\n//// not a doc\n",
    );
    let item = &module.items[0];
    assert_eq!(
        item.prefix.doc_text().as_deref(),
        Some("Line one.\n\nLine three.")
    );
    assert_eq!(item.prefix.attrs[0].name.name, "allow");
    assert_eq!(item.prefix.attrs[0].args[0].name, "unused");
}

#[test]
fn contextual_keywords_stay_usable_as_names() {
    // `admin`, `list`, `role`, `service` are keywords only where the grammar expects them.
    let module = parse_ok(
        "group admin {}\nlet list = \"x\"\nuser role { groups = [admin] }\nlet service = 1",
    );
    assert_eq!(module.items.len(), 4);
}

#[test]
fn all_errors_of_a_file_are_reported_not_only_the_first() {
    let source = std::fs::read_to_string(
        common::repo_root().join("tests/syntax/invalid/three_mistakes.iamdsl"),
    )
    .unwrap();
    let parsed = parse(&source, FileId(0));
    let lines: Vec<usize> = parsed
        .diagnostics
        .iter()
        .map(|d| {
            source[..d.primary.as_ref().unwrap().span.start as usize]
                .lines()
                .count()
        })
        .collect();
    assert_eq!(parsed.diagnostics.len(), 3, "{:#?}", parsed.diagnostics);
    assert_eq!(lines, vec![3, 8, 12]);
    // What parsed is still in the tree: three declarations, the good statement kept.
    assert_eq!(parsed.module.items.len(), 3);
    let ItemKind::Block(deployer) = &parsed.module.items[0].kind else {
        panic!("deployer lost")
    };
    assert!(matches!(deployer.body[0].kind, StmtKind::Error));
    assert!(matches!(deployer.body[1].kind, StmtKind::Permission(_)));
}

#[test]
fn the_message_names_what_was_expected_in_words() {
    let parsed = parse("role r {\n  allow read bucket\n}\n", FileId(0));
    assert_eq!(
        parsed.diagnostics[0].message,
        "expected `,`, `except` or `on` after the action list, found `bucket`"
    );
    assert!(parsed.diagnostics[0].help.is_some());
}

#[test]
fn lexical_mistakes_are_reported_once_by_their_cause() {
    assert_eq!(
        codes_of("let x = \"abc\nrole r {}"),
        vec![codes::UNTERMINATED_STRING]
    );
    assert_eq!(
        codes_of("role r {}\n/* open"),
        vec![codes::UNTERMINATED_COMMENT]
    );
    assert_eq!(
        codes_of("role r {\n  allow read on *\n"),
        vec![codes::UNCLOSED_DELIMITER]
    );
    assert_eq!(codes_of("role r {}\n}"), vec![codes::UNMATCHED_DELIMITER]);
}

#[test]
fn an_unclosed_block_does_not_swallow_the_next_declaration() {
    let parsed = parse(
        "role a {\n  allow read on *\n\nrole b {\n  allow nonsense\n}\n",
        FileId(0),
    );
    let found: Vec<_> = parsed.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(found, vec![codes::UNCLOSED_DELIMITER, codes::SYNTAX]);
    assert_eq!(parsed.module.items.len(), 2);
}

#[test]
fn hopeless_input_is_capped() {
    let source = "role ( ".repeat(10_000).replace("( ", "(\n");
    let parsed = parse(&source, FileId(0));
    assert!(
        parsed.diagnostics.len() <= 60,
        "{} diagnostics",
        parsed.diagnostics.len()
    );
    assert!(parsed
        .diagnostics
        .iter()
        .any(|d| d.code == codes::TOO_MANY_ERRORS));
}

#[test]
fn hostile_inputs_end_with_a_diagnostic_not_a_panic_or_a_hang() {
    let deep = "[".repeat(100_000);
    let long_line = format!("let x = \"{}\"", "a".repeat(10 * 1024 * 1024));
    let long_garbage = "x".repeat(10 * 1024 * 1024);
    let braces = "{".repeat(50_000);
    let parens = format!("role r {{ allow read on {} }}", "(".repeat(50_000));
    let nul = "role r { allow read on s3.bucket(\"\0\") }\0\0\0";
    let cases: Vec<(&str, &str)> = vec![
        ("deeply nested", &deep),
        ("nested braces", &braces),
        ("nested parens in a statement", &parens),
        ("10 MB string", &long_line),
        ("10 MB word", &long_garbage),
        ("NUL bytes", nul),
        ("lone quote", "\""),
        ("lone slash star", "/*"),
        ("replacement characters", "\u{FFFD}\u{FFFD} role \u{FFFD}"),
    ];
    for (name, source) in cases {
        let parsed = parse(source, FileId(0));
        if name == "10 MB string" {
            assert!(parsed.diagnostics.is_empty(), "{name}");
        } else {
            assert!(parsed.has_errors(), "{name}: no error reported");
        }
    }
}

#[test]
fn an_account_id_without_quotes_is_one_error_and_the_account_is_kept() {
    let source = "account prod = 111111111111 default\nrole r in prod {}\n";
    let parsed = parse(source, FileId(0));
    assert_eq!(codes_of(source), vec![codes::SYNTAX]);
    assert_eq!(
        parsed.diagnostics[0].help.as_deref(),
        Some("write it in quotes: `\"111111111111\"`")
    );
    // The account is in the tree, as if quoted, so that its uses find it.
    assert_eq!(parsed.module.items.len(), 2);
    let ItemKind::Account(account) = &parsed.module.items[0].kind else {
        panic!("the account is lost: {:?}", parsed.module.items[0].kind)
    };
    assert_eq!(account.id.as_plain().as_deref(), Some("111111111111"));
    assert!(account.default);
    assert_eq!(&source[account.id.loc.span().range()], "111111111111");
    assert_eq!(
        &source[parsed.module.items[0].loc.span().range()],
        "account prod = 111111111111 default"
    );
}

#[test]
fn an_unknown_declaration_is_reported_alone_and_the_next_one_is_kept() {
    let source = "bucket_policy logs {\n  allow read on *\n}\nrol web {}\nrole ok {}\n";
    let parsed = parse(source, FileId(0));
    let messages: Vec<&str> = parsed
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        messages,
        vec![
            "S3 bucket policies (resource-based policies) are not part of the language yet",
            "expected a declaration, found `rol`"
        ]
    );
    assert_eq!(
        parsed.diagnostics[1].help.as_deref(),
        Some("did you mean `role`?")
    );
    assert!(matches!(
        &parsed.module.items[2].kind,
        ItemKind::Block(block) if block.name.name == "ok"
    ));
}
