//! Property tests in the normal test run: the parser survives anything, and the formatter keeps
//! its promises on generated programs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use iamdsl_diagnostics::FileId;
use iamdsl_syntax::{format_source, lexer, parse};
use proptest::prelude::*;

/// Tokens besides the keywords that token soup is made of.
const OTHER_TOKENS: &[&str] = &[
    "s3:GetObject",
    "s3:Get*",
    "s3.bucket",
    "x",
    "prod",
    "\"str\"",
    "\"${x}\"",
    "\"${aws:username}\"",
    "\"unterminated",
    "1h",
    "2027-01-31",
    "42",
    "true",
    "*",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    ".",
    "=",
    "==",
    "!=",
    "<=",
    "?",
    ";",
    "#[",
    "///",
    "//",
    "/*",
    "*/",
    "\n",
    "\\",
    "\u{0}",
    "é",
    "\u{FFFD}",
    "$",
];

fn token_soup() -> impl Strategy<Value = String> {
    let tokens: Vec<&str> = lexer::KEYWORDS
        .iter()
        .chain(OTHER_TOKENS)
        .copied()
        .collect();
    prop::collection::vec(prop::sample::select(tokens), 0..60).prop_map(|tokens| tokens.join(" "))
}

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(&["a", "b", "prod", "logs", "admin", "list", "my-role", "x_1"][..])
        .prop_map(str::to_string)
}

fn comment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(String::new()),
        Just(" // note".to_string()),
        Just(" /* inline */".to_string()),
    ]
}

fn statement() -> impl Strategy<Value = String> {
    let resource = prop_oneof![
        Just("*".to_string()),
        name().prop_map(|n| format!("s3.bucket({n})")),
        name().prop_map(|n| format!("s3.object({n}, \"p/${{{n}}}/*\", region: \"eu-west-1\")")),
        Just("arn(\"arn:aws:s3:::b/${aws:username}\")".to_string()),
    ];
    let action =
        prop::sample::select(&["read", "write", "list", "s3:GetObject", "s3:Get*", "*"][..]);
    let clause = prop::sample::select(
        &[
            "mfa",
            "aws:SourceIp in [\"10.0.0.0/8\"]",
            "k? != 3",
            "any aws:TagKeys like \"a*\"",
            "x not exists",
            "StringEqualsIgnoreCase(aws:username, \"A\")",
        ][..],
    );
    prop_oneof![
        (prop::sample::select(&["allow", "deny"][..]), prop::collection::vec(action, 1..4), prop::collection::vec(resource, 1..3), prop::collection::vec(clause, 0..4))
            .prop_map(|(effect, actions, resources, clauses)| {
                let mut stmt = format!("{effect} {} on {}", actions.join(", "), resources.join(", "));
                for (i, clause) in clauses.iter().enumerate() {
                    stmt.push_str(if i == 0 { " when " } else { " and " });
                    stmt.push_str(clause);
                }
                stmt
            }),
        name().prop_map(|n| format!("attach {n}")),
        Just("attach aws \"ReadOnlyAccess\"".to_string()),
        name().prop_map(|n| format!("assume {n}")),
        name().prop_map(|n| format!("use t({n}, \"x\")")),
        Just("max_session = 1h".to_string()),
        name().prop_map(|n| format!("groups = [{n}, b]")),
        Just("instance_profile".to_string()),
        Just("trust { service ec2 }".to_string()),
        Just("trust {\n oidc \"token.actions.githubusercontent.com\" when aud == \"sts.amazonaws.com\" and sub like \"repo:a/b:*\"\n account prod\n }".to_string()),
    ]
}

fn item() -> impl Strategy<Value = String> {
    let stmts = || prop::collection::vec((statement(), comment(), any::<bool>()), 0..5);
    prop_oneof![
        (name(), any::<bool>()).prop_map(|(n, d)| format!(
            "account {n} = \"111111111111\"{}",
            if d { " default" } else { "" }
        )),
        (
            name(),
            prop::sample::select(&["\"v\"", "[1, 2]", "1h", "2027-01-31", "true", "other"][..])
        )
            .prop_map(|(n, v)| format!("let {n} = {v}")),
        (
            prop::sample::select(&["role", "group", "user", "policy"][..]),
            name(),
            stmts(),
            any::<bool>()
        )
            .prop_map(|(kind, n, body, doc)| {
                let mut text = if doc {
                    format!("/// The {n}.\n")
                } else {
                    String::new()
                };
                text.push_str(&format!("{kind} {n} {{\n"));
                for (stmt, comment, attr) in body {
                    if attr {
                        text.push_str("#[allow(unused)]\n");
                    }
                    text.push_str(&format!("{stmt}{comment}\n"));
                }
                text.push('}');
                text
            }),
        (name(), stmts()).prop_map(|(n, body)| {
            let body: Vec<String> = body
                .into_iter()
                .map(|(s, c, _)| format!("{s}{c}"))
                .collect();
            format!("template {n}(p, q = \"d\") {{ {}\n}}", body.join("\n"))
        }),
        Just("expect no escalation to admin".to_string()),
        (name(), name()).prop_map(|(a, b)| format!("expect {a} cannot assume {b}")),
    ]
}

fn program() -> impl Strategy<Value = String> {
    prop::collection::vec((item(), comment()), 0..6).prop_map(|items| {
        items
            .into_iter()
            .map(|(item, comment)| format!("{item}{comment}"))
            .collect::<Vec<_>>()
            .join("\n\n")
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn parser_survives_arbitrary_text(text in any::<String>()) {
        let _ = parse(&text, FileId(0));
    }

    #[test]
    fn parser_survives_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse(&text, FileId(0));
    }

    #[test]
    fn parser_survives_token_soup(text in token_soup()) {
        let parsed = parse(&text, FileId(0));
        // Whatever it reports points inside the text.
        for diagnostic in &parsed.diagnostics {
            if let Some(label) = &diagnostic.primary {
                prop_assert!(label.span.end as usize <= text.len());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn formatter_keeps_its_promises_on_generated_programs(source in program()) {
        let parsed = parse(&source, FileId(0));
        prop_assert!(parsed.diagnostics.is_empty(), "generator made an invalid program:\n{}\n{:#?}", source, parsed.diagnostics);
        let formatted = format_source(&source).unwrap();
        let reparsed = parse(&formatted, FileId(0));
        prop_assert!(reparsed.diagnostics.is_empty(), "output does not parse:\n{}", formatted);
        prop_assert_eq!(&parsed.module, &reparsed.module);
        prop_assert_eq!(format_source(&formatted), Some(formatted.clone()));
        let comments = |s: &str| lexer::comments(s).into_iter().map(|span| s[span.range()].to_string()).collect::<Vec<_>>();
        prop_assert_eq!(comments(&source), comments(&formatted));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    /// Re-parsing with the cache gives exactly what a fresh parse gives, spans included (`Loc`
    /// compares equal always, so the trees are compared through their debug text).
    #[test]
    fn cached_parsing_equals_fresh_parsing(before in program(), after in program(), cut in 0usize..400) {
        let mut cache = iamdsl_syntax::ParseCache::default();
        let first = iamdsl_syntax::parse_cached(&before, FileId(0), &mut cache);
        prop_assert_eq!(format!("{:?}", first.module), format!("{:?}", parse(&before, FileId(0)).module));
        // An edit: part of the old text, then a new one (declarations move and change).
        let cut = before.char_indices().map(|(i, _)| i).find(|&i| i >= cut.min(before.len())).unwrap_or(before.len());
        let edited = format!("{}\n\n{after}\n\n// trailing\n{}", &before[..cut], &before[cut..]);
        let cached = iamdsl_syntax::parse_cached(&edited, FileId(0), &mut cache);
        let fresh = parse(&edited, FileId(0));
        prop_assert_eq!(format!("{:?}", cached.module), format!("{:?}", fresh.module));
        prop_assert_eq!(cached.diagnostics, fresh.diagnostics);
    }
}
