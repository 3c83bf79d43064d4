//! The editors' grammars against the one list of the language's words
//! (`iamdsl_syntax::lexer::GRAMMAR_WORDS`) and the compiler's property names
//! (`iamdsl_compiler::vocabulary::properties`): the Vim syntax file, the tree-sitter grammar and
//! its highlight queries (its own, Neovim's copy, Helix's translation) and the VS Code TextMate
//! grammar. Each must colour every keyword and no other word as one, and where it spells out the
//! reserved words, spell out exactly those. (The pest grammar and docs/language.md are checked by
//! crates/syntax/tests/keywords.rs; the compiled tree-sitter parser's tokens by
//! crates/tree-sitter-iamdsl.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::Path;

use iamdsl_compiler::vocabulary;
use iamdsl_syntax::ast::DeclKind;
use iamdsl_syntax::lexer::{KEYWORDS, RESERVED};

const VIM_SYNTAX: &str = "editors/neovim/syntax/iamdsl.vim";
const TREE_SITTER_GRAMMAR: &str = "editors/tree-sitter-iamdsl/grammar.js";
const HIGHLIGHT_QUERIES: &[&str] = &[
    "editors/tree-sitter-iamdsl/queries/highlights.scm",
    "editors/neovim/queries/iamdsl/highlights.scm",
    "editors/helix/runtime/queries/iamdsl/highlights.scm",
];
const TEXTMATE_GRAMMAR: &str = "editors/vscode/syntaxes/iamdsl.tmLanguage.json";

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn keywords() -> BTreeSet<String> {
    KEYWORDS.iter().map(|k| k.to_string()).collect()
}

/// The names a declaration's `name = value` may set, of every kind of declaration.
fn property_names() -> BTreeSet<String> {
    // Listing a new kind of declaration here is a compile error until it is added.
    let every_kind = [
        DeclKind::Policy,
        DeclKind::Group,
        DeclKind::User,
        DeclKind::Role,
    ];
    for kind in every_kind {
        match kind {
            DeclKind::Policy | DeclKind::Group | DeclKind::User | DeclKind::Role => {}
        }
    }
    every_kind
        .into_iter()
        .flat_map(vocabulary::properties)
        .map(|p| p.to_string())
        .collect()
}

fn is_word(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_lowercase() || c == '_')
}

/// `found` is `expected`, or the message says which words are missing and which are extra.
fn assert_same(file: &str, what: &str, found: &BTreeSet<String>, expected: &BTreeSet<String>) {
    let missing: Vec<&String> = expected.difference(found).collect();
    let extra: Vec<&String> = found.difference(expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{file}: {what}: missing {missing:?}, not {what} {extra:?}"
    );
}

/// The words of a Vim pattern that are literal: `\v<(a|b|c)>`, `\v<word>`, `<no\s+escalation>`.
fn vim_words(pattern: &str) -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    for group in pattern.split('<').skip(1) {
        let group = group.strip_prefix('(').unwrap_or(group);
        let Some(inside) = group.split('>').next() else {
            continue;
        };
        let inside = inside.strip_suffix(')').unwrap_or(inside);
        let parts: Vec<&str> = inside.split('|').flat_map(|p| p.split("\\s+")).collect();
        if parts.iter().all(|p| is_word(p)) {
            words.extend(parts.iter().map(|p| p.to_string()));
        }
    }
    words
}

/// The Vim syntax file colours every keyword, and the property names, and no other word.
#[test]
fn the_vim_syntax_file_colours_every_keyword_and_no_other_word() {
    let text = read(VIM_SYNTAX);
    let mut words = BTreeSet::new();
    let mut properties = BTreeSet::new();
    for line in text.lines().filter(|l| l.starts_with("syn match")) {
        let Some(pattern) = line.split('"').nth(1) else {
            continue;
        };
        if line.starts_with("syn match iamdslProperty ") {
            properties.extend(vim_words(pattern));
        } else {
            words.extend(vim_words(pattern));
        }
    }
    assert_same(VIM_SYNTAX, "keywords", &words, &keywords());
    assert_same(VIM_SYNTAX, "property names", &properties, &property_names());
}

/// The keyword tokens of the tree-sitter grammar: the words in single quotes of its code, less
/// field names (`field('name', …)`) and the grammar's own name.
fn tree_sitter_tokens(grammar: &str) -> BTreeSet<String> {
    // Comments (`//`, and the lines of `/** … */`) hold prose with apostrophes.
    let code: Vec<&str> = grammar
        .lines()
        .map(str::trim_start)
        .filter(|l| !(l.starts_with("//") || l.starts_with('*') || l.starts_with("/*")))
        .collect();
    let code = code.join("\n");
    let mut words = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(start) = rest.find('\'') {
        let before = rest[..start].trim_end();
        let after = &rest[start + 1..];
        let Some(end) = after.find('\'') else {
            break;
        };
        let literal = &after[..end];
        let is_field = before.ends_with("field(");
        let is_grammar_name = before.ends_with("name:");
        if is_word(literal) && !is_field && !is_grammar_name {
            words.insert(literal.to_string());
        }
        rest = &after[end + 1..];
    }
    words
}

#[test]
fn the_tree_sitter_grammar_has_every_keyword_and_no_other_word() {
    let grammar = read(TREE_SITTER_GRAMMAR);
    assert_same(
        TREE_SITTER_GRAMMAR,
        "keyword tokens",
        &tree_sitter_tokens(&grammar),
        &keywords(),
    );
}

/// The rules of the tree-sitter grammar that are a choice of words, by name:
/// `verdict: (_) => choice('can', 'cannot')`. A query colours them by the node.
fn word_rules(grammar: &str) -> Vec<(String, BTreeSet<String>)> {
    let mut rules = Vec::new();
    for line in grammar.lines() {
        let Some((name, body)) = line.trim().split_once(": (_) => choice(") else {
            continue;
        };
        let body = body.trim_end_matches(',').trim_end_matches(')');
        let words: Vec<&str> = body
            .split(',')
            .map(|w| w.trim().trim_matches('\''))
            .collect();
        if words.iter().all(|w| is_word(w)) {
            rules.push((
                name.to_string(),
                words.into_iter().map(str::to_string).collect(),
            ));
        }
    }
    rules
}

/// Each highlight query colours every keyword, by its token (`"allow"`) or by a node that is a
/// choice of words (`(verdict)`), and no other word; the words its predicates single out
/// (`#any-of?`) are the property names.
#[test]
fn the_highlight_queries_colour_every_keyword_and_no_other_word() {
    let rules = word_rules(&read(TREE_SITTER_GRAMMAR));
    assert!(
        rules.iter().any(|(name, _)| name == "access_level"),
        "{rules:?}"
    );
    for file in HIGHLIGHT_QUERIES {
        let query = read(file);
        let mut words = BTreeSet::new();
        let mut predicate_words = BTreeSet::new();
        for line in query.lines() {
            let code = line.trim_start();
            if code.starts_with(';') {
                continue;
            }
            let quoted = code.split('"').skip(1).step_by(2).filter(|w| is_word(w));
            if code.starts_with("(#") {
                predicate_words.extend(quoted.map(str::to_string));
            } else {
                words.extend(quoted.map(str::to_string));
            }
        }
        for (rule, rule_words) in &rules {
            if query.contains(&format!("({rule})")) {
                words.extend(rule_words.iter().cloned());
            }
        }
        assert_same(file, "keywords", &words, &keywords());
        assert_same(file, "property names", &predicate_words, &property_names());
    }
}

/// Every regular expression of a TextMate grammar (`match`, `begin`, `end`, `while`).
fn textmate_regexes(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("match" | "begin" | "end" | "while", serde_json::Value::String(s)) => {
                        out.push(s.clone())
                    }
                    _ => textmate_regexes(value, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| textmate_regexes(v, out)),
        _ => {}
    }
}

/// The VS Code grammar colours every keyword and no other word (property names are coloured as
/// every `NAME =` key is), and each of its lists of the words that cannot be a name (a condition
/// key, `(?!(?:allow|deny|…)…)`) is the reserved words.
#[test]
fn the_textmate_grammar_colours_every_keyword_and_knows_the_reserved_words() {
    let grammar: serde_json::Value = serde_json::from_str(&read(TEXTMATE_GRAMMAR)).unwrap();
    let mut regexes = Vec::new();
    textmate_regexes(&grammar, &mut regexes);
    let mut words = BTreeSet::new();
    let mut reserved_lists = 0;
    for regex in &regexes {
        // `(a|b|c)` and `\bword\b`
        for group in regex.split('(').skip(1) {
            let group = group.split(')').next().unwrap_or("");
            if group.split('|').all(is_word) {
                words.extend(group.split('|').map(str::to_string));
            }
        }
        words.extend(
            regex
                .split("\\b")
                .filter(|w| is_word(w))
                .map(str::to_string),
        );
        for list in regex.split("(?!(?:").skip(1) {
            let list = list.split(')').next().unwrap_or("");
            let listed: BTreeSet<String> = list.split('|').map(str::to_string).collect();
            let reserved = RESERVED.iter().map(|w| w.to_string()).collect();
            assert_same(TEXTMATE_GRAMMAR, "reserved words", &listed, &reserved);
            reserved_lists += 1;
        }
    }
    assert_same(TEXTMATE_GRAMMAR, "keywords", &words, &keywords());
    assert!(
        reserved_lists >= 3,
        "{TEXTMATE_GRAMMAR}: only {reserved_lists} lists of reserved words"
    );
    let property_key = regexes
        .iter()
        .any(|r| r.contains("([A-Za-z_][A-Za-z0-9_-]*)\\s*(=)(?!=)"));
    assert!(property_key, "{TEXTMATE_GRAMMAR}: no pattern for `NAME =`");
}
