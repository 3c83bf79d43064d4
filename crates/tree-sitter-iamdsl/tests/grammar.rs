//! The tree-sitter grammar against iamdsl's own parser, keyword list and editor files.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use iamdsl_diagnostics::FileId;
use iamdsl_syntax::lexer::KEYWORDS;
use tree_sitter::{Language, Node, Parser, Query, QueryCursor, StreamingIterator, Tree};
use tree_sitter_iamdsl::{HIGHLIGHTS_QUERY, LANGUAGE};

const NEOVIM_HIGHLIGHTS: &str = "editors/neovim/queries/iamdsl/highlights.scm";
const HELIX_HIGHLIGHTS: &str = "editors/helix/runtime/queries/iamdsl/highlights.scm";
const HELIX_LANGUAGES: &str = include_str!("../../../editors/helix/languages.toml");

/// Capture names Helix spells differently (its theme scopes); the others are the same in both.
const HELIX_CAPTURE_NAMES: &[(&str, &str)] = &[
    ("@comment.documentation", "@comment.line.documentation"),
    ("@string.escape", "@constant.character.escape"),
    ("@number", "@constant.numeric"),
    ("@boolean", "@constant.builtin.boolean"),
    ("@module", "@namespace"),
    ("@property", "@variable.other.member"),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn language() -> Language {
    LANGUAGE.into()
}

fn parse(source: &str) -> Tree {
    let mut parser = Parser::new();
    parser.set_language(&language()).unwrap();
    parser.parse(source, None).unwrap()
}

/// The first ERROR or MISSING node, with its line and column (1-based).
fn first_error(node: Node) -> Option<String> {
    if node.is_error() || node.is_missing() {
        let at = node.start_position();
        return Some(format!(
            "{}:{}: {}",
            at.row + 1,
            at.column + 1,
            node.to_sexp()
        ));
    }
    if !node.has_error() {
        return None;
    }
    let mut cursor = node.walk();
    let children: Vec<Node> = node.children(&mut cursor).collect();
    children.into_iter().find_map(first_error)
}

/// Every iamdsl source of the repository: `.iamdsl` files (the examples, the standard library,
/// the tests, the editors' test files), the ```iamdsl blocks of the documentation and the
/// fuzzers' corpus of iamdsl text (`tests/fuzz/parse.hex`, `format_round_trip.hex`).
fn sources() -> Vec<(String, String)> {
    let root = root();
    let mut out = Vec::new();
    let walk = walkdir::WalkDir::new(&root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            !matches!(
                e.file_name().to_str(),
                Some("target" | ".git" | "node_modules")
            )
        });
    for entry in walk {
        let entry = entry.unwrap();
        let path = entry.path();
        let relative = path.strip_prefix(&root).unwrap().display().to_string();
        match path.extension().and_then(|e| e.to_str()) {
            Some("iamdsl") => {
                // Files that are not UTF-8 (E0002's cases) are no source for either parser.
                if let Ok(text) = std::fs::read_to_string(path) {
                    out.push((relative, text));
                }
            }
            // The fuzzers' corpus of iamdsl text: many small, odd inputs.
            Some("hex")
                if matches!(
                    entry.file_name().to_str(),
                    Some("parse.hex" | "format_round_trip.hex")
                ) =>
            {
                let text = std::fs::read_to_string(path).unwrap();
                for (n, input) in iamdsl_syntax::fuzzing::corpus(&text)
                    .into_iter()
                    .enumerate()
                {
                    // Tree-sitter's lexers read a NUL as the end of the input, wherever it is.
                    if let Some(input) = String::from_utf8(input).ok().filter(|s| !s.contains('\0'))
                    {
                        out.push((format!("{relative} (input {})", n + 1), input));
                    }
                }
            }
            Some("md") => {
                let text = std::fs::read_to_string(path).unwrap();
                for (n, block) in text.split("```iamdsl\n").skip(1).enumerate() {
                    let code = block.split("```").next().unwrap_or("");
                    out.push((format!("{relative} (block {})", n + 1), code.to_string()));
                }
            }
            _ => {}
        }
    }
    out
}

/// Every source that iamdsl's parser accepts parses here without an ERROR or MISSING node. The
/// sources it rejects (tests/syntax/invalid, the syntax cases of tests/check) are left out: their
/// errors are iamdsl's to report, and this grammar may be more lenient.
#[test]
fn every_source_iamdsl_parses_parses_without_error() {
    let mut checked = Vec::new();
    let mut rejected = Vec::new();
    let mut failures = Vec::new();
    for (name, text) in sources() {
        if iamdsl_syntax::parse(&text, FileId(0)).has_errors() {
            rejected.push(name);
            continue;
        }
        // As written, and as `iamdsl fmt` writes it.
        let formatted = iamdsl_syntax::format_source(&text).unwrap_or_default();
        for (form, text) in [("", &text), (" (formatted)", &formatted)] {
            if let Some(error) = first_error(parse(text).root_node()) {
                failures.push(format!("{name}{form}:{error}"));
            }
        }
        checked.push(name);
    }
    assert!(
        failures.is_empty(),
        "tree-sitter errors:\n{}",
        failures.join("\n")
    );
    // Not vacuous: the examples, the standard library and the test corpus are all in.
    for must in [
        "examples/platform/",
        "stdlib/std/",
        "tests/syntax/valid/",
        "tests/check/",
        "docs/language.md",
    ] {
        assert!(
            checked.iter().any(|n| n.starts_with(must)),
            "nothing checked under {must}"
        );
    }
    assert!(
        checked.len() > 150,
        "only {} sources checked",
        checked.len()
    );
    // Only the files meant to be wrong are left out (documentation blocks may show mistakes,
    // and most fuzz inputs are not iamdsl).
    for name in rejected.iter().filter(|n| !n.ends_with(')')) {
        assert!(
            ["tests/syntax/invalid/", "tests/check/", "tests/fuzz/"]
                .iter()
                .any(|p| name.starts_with(p)),
            "{name}: iamdsl reports a syntax error in a file that should be valid"
        );
    }
}

/// The parse is a tree of what iamdsl means, not just the absence of errors: contextual keywords
/// are names where a name goes, and the tricky tokens land in the right nodes.
#[test]
fn contextual_keywords_and_tokens_parse_as_iamdsl_reads_them() {
    let source = r#"
role admin in list {
  allow read, s3:Get* on s3.object("b", "${aws:username}/${prefix}\n// not a comment")
    when ForAnyValue:StringLike(aws:TagKeys, "x") and aud == "sts" and any aws:TagKeys in ["a"]
  use std.s3.read_only(bucket: role)
  trust { service ecs-tasks.amazonaws.com tag_session }
}
expect role can assume admin
"#;
    let sexp = parse(source).root_node().to_sexp();
    for part in [
        "(role_declaration name: (identifier) (placement account: (identifier))",
        "(action_list (access_level) (action))",
        "(string (policy_variable) (string_content) (interpolation) (escape_sequence) (string_content))",
        "(operator_call operator: (operator_name) key: (condition_key) value: (string (string_content)))",
        "(comparison key: (condition_key) value: (string (string_content)))",
        "(comparison key: (condition_key) value: (list (string (string_content))))",
        "(use_statement template: (path (identifier) (identifier) (identifier)) (arguments (named_argument name: (identifier) value: (identifier))))",
        "(trust_entry (service_principal (service_name)))",
        "(expect_declaration principal: (identifier) (verdict) role: (identifier))",
    ] {
        assert!(sexp.contains(part), "missing {part}\nin {sexp}");
    }
    assert!(!sexp.contains("ERROR"), "{sexp}");
}

/// Resources with policies of their own: the declaration with and without a block, `to` with
/// and without `on`, every kind of principal after it, and a declared resource's name where a
/// resource or a value goes.
#[test]
fn resources_and_their_principals_parse_as_iamdsl_reads_them() {
    let source = r#"
resource logs in prod = s3.bucket("acme-logs") {
  allow read, list to role auditor, user ann, account audit, account "333333333333"
  allow s3:PutObject on s3.object("acme-logs", "AWSLogs/*") to service cloudtrail
    when aws:SourceArn == trail
  deny * to * when aws:SecureTransport == false
  allow read to org "o-a1b2c3d4e5", org org_id
}
resource bare = sqs.queue("q")
role auditor {
  allow read on logs, bare except arn
  allow sns:Publish on * when aws:SourceArn == logs
}
expect auditor can read on logs
"#;
    assert!(
        !iamdsl_syntax::parse(source, FileId(0)).has_errors(),
        "iamdsl rejects the source"
    );
    let sexp = parse(source).root_node().to_sexp();
    for part in [
        "(resource_declaration name: (identifier) (placement account: (identifier)) kind: (constructor service: (identifier) type: (identifier) (arguments (string (string_content)))) body: (block",
        "(principals (role_principal (identifier)) (user_principal (identifier)) (account_principal (identifier)) (account_principal (string (string_content))))",
        "(resource_list (constructor service: (identifier) type: (identifier) (arguments (string (string_content)) (string (string_content))))) (principals (service_principal (service_name))) (condition",
        "(principals (wildcard)) (condition",
        "(principals (org_principal (string (string_content))) (org_principal (identifier)))",
        "(resource_declaration name: (identifier) kind: (constructor service: (identifier) type: (identifier) (arguments (string (string_content)))))",
        "(resource_list (identifier) (identifier) (except_resources (identifier)))",
        "(comparison key: (condition_key) value: (identifier))",
        "(expect_declaration principal: (identifier) (verdict) (access_level) resource: (identifier))",
    ] {
        assert!(sexp.contains(part), "missing {part}\nin {sexp}");
    }
    assert!(!sexp.contains("ERROR"), "{sexp}");
}

/// Where a contextual keyword is also a name in the same place, pest backtracks; this grammar
/// lets the next token decide (or, for `mfa`, tries both). Each of these parses in both.
#[test]
fn keywords_that_are_names_where_the_keyword_could_be() {
    for source in [
        "group g { attach aws }\ngroup h { attach aws \"ReadOnlyAccess\" }",
        "user u { boundary aws }",
        "expect no can read on *\nexpect no escalation to admin",
        "role r { trust { role arn user arn role arn(\"arn:aws:iam::1:role/x\") } }",
        "role r { assume arn when mfa }",
        "role r { instance_profile = true }\nrole s { instance_profile }",
        "role r { allow read on * when mfa == true and mfa }",
        "expect x can assume y when mfa\nin a { role r {} }",
        "role q { allow read on * when mfa in [\"a\"] }",
    ] {
        assert!(
            !iamdsl_syntax::parse(source, FileId(0)).has_errors(),
            "iamdsl rejects {source}"
        );
        let tree = parse(source);
        assert_eq!(first_error(tree.root_node()), None, "{source}");
    }
}

/// The grammar's keywords: its anonymous tokens that are words.
fn tree_sitter_keywords() -> BTreeSet<String> {
    let language = language();
    (0..language.node_kind_count() as u16)
        .filter(|&id| language.node_kind_is_visible(id) && !language.node_kind_is_named(id))
        .filter_map(|id| language.node_kind_for_id(id))
        .filter(|kind| kind.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .map(str::to_string)
        .collect()
}

/// The compiled parser's keywords are the one keyword list's (`iamdsl_syntax::lexer::KEYWORDS`).
/// The sources of every editor's grammar, this one's `grammar.js` and queries included, are
/// checked against the list by crates/xtask/tests/editor_keywords.rs.
#[test]
fn keywords_are_the_keyword_list() {
    let list: BTreeSet<String> = KEYWORDS.iter().map(|k| k.to_string()).collect();
    assert_eq!(
        tree_sitter_keywords(),
        list,
        "tree-sitter keywords (left) and iamdsl_syntax::lexer::KEYWORDS (right)"
    );
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(root().join(relative)).unwrap_or_default()
}

/// Helix's query is this grammar's in Helix's capture names, Neovim's is the same file.
fn editor_queries() -> [(&'static str, String); 2] {
    let mut helix = HIGHLIGHTS_QUERY.to_string();
    for (from, to) in HELIX_CAPTURE_NAMES {
        // A capture name ends at a space, a newline or a `)`.
        for end in [" ", "\n", ")"] {
            helix = helix.replace(&format!("{from}{end}"), &format!("{to}{end}"));
        }
    }
    [
        (NEOVIM_HIGHLIGHTS, HIGHLIGHTS_QUERY.to_string()),
        (HELIX_HIGHLIGHTS, helix),
    ]
}

/// The editors' copies of the highlight query are up to date (`IAMDSL_BLESS=1` writes them).
#[test]
fn editor_queries_are_the_grammars() {
    let bless = std::env::var_os("IAMDSL_BLESS").is_some();
    for (file, expected) in editor_queries() {
        let path = root().join(file);
        if bless {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &expected).unwrap();
        }
        assert!(
            read(file) == expected,
            "{file} is not editors/tree-sitter-iamdsl/queries/highlights.scm in its editor's names; \
             run IAMDSL_BLESS=1 cargo test -p tree-sitter-iamdsl"
        );
    }
}

/// Every query compiles against the language, and no two patterns capture the same node under
/// different names in any source: which pattern wins then would depend on the editor.
#[test]
fn highlight_queries_compile_and_never_disagree() {
    let language = language();
    let sources: Vec<(String, String)> = sources()
        .into_iter()
        .filter(|(_, text)| !iamdsl_syntax::parse(text, FileId(0)).has_errors())
        .collect();
    for (file, text) in [(
        "queries/highlights.scm".to_string(),
        HIGHLIGHTS_QUERY.to_string(),
    )]
    .into_iter()
    .chain(editor_queries().map(|(file, _)| (file.to_string(), read(file))))
    {
        let query = Query::new(&language, &text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let names = query.capture_names();
        let mut used = BTreeSet::new();
        for (name, source) in &sources {
            let tree = parse(source);
            let mut by_range: BTreeMap<(usize, usize), BTreeSet<&str>> = BTreeMap::new();
            let mut cursor = QueryCursor::new();
            let mut captures = cursor.captures(&query, tree.root_node(), source.as_bytes());
            while let Some((found, index)) = captures.next() {
                let capture = found.captures()[*index];
                let node = capture.node;
                by_range
                    .entry((node.start_byte(), node.end_byte()))
                    .or_default()
                    .insert(names[capture.index as usize]);
                used.insert(names[capture.index as usize]);
            }
            for ((start, end), captured) in by_range {
                assert!(
                    captured.len() == 1,
                    "{file}: {name}: `{}` is captured as {captured:?}",
                    &source[start..end]
                );
            }
        }
        // Every capture of the query colours something in the repository's sources.
        let unused: Vec<&&str> = names.iter().filter(|n| !used.contains(**n)).collect();
        assert!(unused.is_empty(), "{file}: captures never used: {unused:?}");
    }
}

/// Helix's configuration builds this grammar from its source and uses it for `.iamdsl` files.
#[test]
fn helix_configuration_uses_the_grammar() {
    let config: toml::Value = toml::from_str(HELIX_LANGUAGES).unwrap();
    let language = config["language"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"].as_str() == Some("iamdsl"))
        .unwrap();
    let grammar_name = language
        .get("grammar")
        .and_then(|g| g.as_str())
        .unwrap_or("iamdsl");
    let grammar = config["grammar"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"].as_str() == Some(grammar_name))
        .expect("a [[grammar]] for the language");
    let path = grammar["source"]["path"].as_str().unwrap();
    // The file says where the repository is with a placeholder, to be replaced when copied.
    let in_repository = path
        .strip_prefix("/path/to/iamdsl/")
        .unwrap_or_else(|| panic!("{path} does not start with /path/to/iamdsl/"));
    assert!(
        root().join(in_repository).join("src/parser.c").is_file(),
        "{path}"
    );
    assert_eq!(language["scope"].as_str(), Some("source.iamdsl"));
}
