//! The one list of the language's words (`lexer::GRAMMAR_WORDS`) against what the parser does and
//! against the other copies in this crate's reach: the pest grammar's keyword rules and `reserved`
//! rule, and the language reference. The editors' copies are checked by
//! crates/xtask/tests/editor_keywords.rs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use iamdsl_diagnostics::FileId;
use iamdsl_syntax::lexer::{Reservation, GRAMMAR_WORDS, KEYWORDS, RESERVED};

const PEST_GRAMMAR: &str = include_str!("../../../grammar/iamdsl.pest");
const LANGUAGE_REFERENCE: &str = include_str!("../../../docs/language.md");

fn set(words: &[&str]) -> BTreeSet<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// The words between double quotes in `text`.
fn quoted(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split('"').skip(1).step_by(2).map(str::to_string)
}

/// What the list says is what the parser does: a reserved word is refused wherever a name goes,
/// every other keyword is accepted there.
#[test]
fn reserved_words_are_never_names_and_contextual_ones_always_are() {
    let mut wrong = Vec::new();
    for &(word, reservation) in GRAMMAR_WORDS {
        for source in [
            format!("role {word} {{}}"),
            format!("in {word} {{}}"),
            format!("role r {{ attach {word} }}"),
            format!("group g {{ boundary {word} }}"),
            format!("user u {{ groups = [{word}] }}"),
            format!("expect {word} can read on *"),
            format!("expect x can assume {word}"),
        ] {
            let accepted = !iamdsl_syntax::parse(&source, FileId(0)).has_errors();
            // `groups = [true]` is a list of a boolean, not of a name.
            let boolean_value = matches!(word, "true" | "false") && source.contains('[');
            if accepted != (reservation == Reservation::Contextual) && !boolean_value {
                wrong.push(format!(
                    "{reservation:?} `{word}`: `{source}` accepted: {accepted}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The words pest matches as whole words (its `kw_*` rules, the access levels, the booleans) are
/// the list's, and its `reserved` rule holds the list's reserved words.
#[test]
fn the_pest_grammar_has_the_lists_words() {
    let mut words = BTreeSet::new();
    for line in PEST_GRAMMAR.lines() {
        let Some((rule, body)) = line.split_once('=') else {
            continue;
        };
        let rule = rule.trim();
        if rule.starts_with("kw_") || rule == "access_level" || rule == "boolean" {
            assert!(body.contains("!ident_char"), "{rule} is not a whole word");
            words.extend(quoted(body));
        }
    }
    assert_eq!(
        words,
        set(KEYWORDS),
        "the pest grammar's keywords (left) and GRAMMAR_WORDS (right)"
    );

    let start = PEST_GRAMMAR
        .find("\nreserved = _{")
        .expect("the pest grammar has a `reserved` rule");
    let body = &PEST_GRAMMAR[start..];
    let body = &body[..body.find("\n}").expect("the `reserved` rule is closed")];
    assert_eq!(
        quoted(body).collect::<BTreeSet<_>>(),
        set(RESERVED),
        "the pest grammar's `reserved` rule (left) and GRAMMAR_WORDS' reserved words (right)"
    );
}

/// docs/language.md lists the reserved words, and the contextual words it names as names are.
#[test]
fn the_language_reference_lists_the_reserved_words() {
    let after = LANGUAGE_REFERENCE
        .split("These words are reserved and can never be names:")
        .nth(1)
        .expect("docs/language.md lists the reserved words");
    let block = after
        .split("```text\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("in a ```text block");
    assert_eq!(
        block
            .split_whitespace()
            .map(str::to_string)
            .collect::<BTreeSet<_>>(),
        set(RESERVED),
        "docs/language.md (left) and GRAMMAR_WORDS' reserved words (right)"
    );

    let prose = after.split_whitespace().collect::<Vec<_>>().join(" ");
    let contextual = prose
        .split("Every other keyword is contextual")
        .nth(1)
        .and_then(|rest| rest.split_once("are all valid names"))
        .map(|(named, _)| named)
        .expect("docs/language.md names contextual keywords");
    let named: Vec<&str> = contextual.split('`').skip(1).step_by(2).collect();
    assert!(named.len() > 5, "{named:?}");
    for word in named {
        assert_eq!(
            iamdsl_syntax::lexer::reservation(word),
            Some(Reservation::Contextual),
            "docs/language.md calls `{word}` a contextual keyword"
        );
    }
}
