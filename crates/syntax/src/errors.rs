//! pest's errors in words a person understands: "expected `on` after the action list, found
//! `bucket`" rather than a list of rule names.

use iamdsl_diagnostics::{codes, Diagnostic, FileId, Span};
use pest::error::{ErrorVariant, InputLocation};

use std::sync::OnceLock;

use crate::grammar::R;
use crate::lexer::ITEM_KEYWORDS;

/// What a rule stands for in "expected …". Several rules can share one description (every
/// declaration keyword is "a declaration"); rules that say nothing to a user map to `None`.
fn describe(rule: R) -> Option<&'static str> {
    Some(match rule {
        R::item
        | R::item_kind
        | R::account_decl
        | R::let_decl
        | R::policy_decl
        | R::group_decl
        | R::user_decl
        | R::role_decl
        | R::template_decl
        | R::in_block
        | R::expect_decl
        | R::kw_account
        | R::kw_let
        | R::kw_policy
        | R::kw_template
        | R::kw_group
        | R::kw_user
        | R::kw_role
        | R::kw_expect => a_declaration(),
        R::stmt
        | R::permission
        | R::effect
        | R::kw_allow
        | R::kw_deny
        | R::attach_stmt
        | R::kw_attach
        | R::assume_stmt
        | R::kw_assume
        | R::use_stmt
        | R::kw_use
        | R::trust_block
        | R::kw_trust
        | R::boundary_stmt
        | R::kw_boundary
        | R::property
        | R::flag
        | R::kw_instance_profile => {
            "a statement (`allow`, `deny`, `attach`, `assume`, `use`, `trust`, …)"
        }
        R::action_list | R::action_pattern | R::access_level | R::service_prefix => {
            "an action (`s3:GetObject`), an access level (`read`) or `*`"
        }
        R::resource_list | R::arn_call | R::constructor | R::kw_arn => {
            "a resource (`s3.bucket(\"name\")`, `arn(\"…\")` or `*`)"
        }
        R::trust_entry
        | R::p_service
        | R::p_account
        | R::p_role
        | R::p_user
        | R::p_saml
        | R::p_oidc
        | R::kw_service
        | R::kw_saml
        | R::kw_oidc => {
            "a trusted principal (`service`, `account`, `role`, `user`, `saml`, `oidc`)"
        }
        R::condition | R::kw_when => "`when`",
        R::compare
        | R::exists
        | R::raw_operator
        | R::mfa
        | R::cond_key
        | R::key_name
        | R::quantifier
        | R::kw_mfa
        | R::kw_any
        | R::kw_all
        | R::operator_name => "a condition (`aws:SourceIp in [\"10.0.0.0/8\"]`, `mfa`, …)",
        R::operator
        | R::op_eq
        | R::op_ne
        | R::op_le
        | R::op_ge
        | R::op_lt
        | R::op_gt
        | R::op_like
        | R::op_not_like
        | R::op_in
        | R::op_not_in
        | R::kw_like => "an operator (`==`, `!=`, `<`, `like`, `in`, …)",
        R::if_exists => "`?`",
        R::kw_exists => "`exists`",
        R::kw_not => "`not`",
        R::string | R::text | R::escape | R::interpolation | R::policy_var => STRING,
        R::number => "a number",
        R::duration => DURATION,
        R::date | R::until => "a date (`2027-01-31`)",
        R::boolean => "`true` or `false`",
        R::list => "a list (`[…]`)",
        R::name | R::ident | R::path | R::placement => "a name",
        R::params | R::param => "a parameter name",
        R::args | R::named_arg => "an argument",
        R::attribute | R::attr_word => "an attribute (`#[allow(…)]`)",
        R::doc_comment | R::doc_text => "a doc comment",
        R::verdict | R::kw_can | R::kw_cannot => "`can` or `cannot`",
        R::expect_escalation | R::kw_no => "`no escalation to admin`",
        R::expect_assume | R::expect_access => "an expectation (`NAME can …`)",
        R::kw_escalation => "`escalation`",
        R::kw_to => "`to`",
        R::kw_admin => "`admin`",
        R::kw_in => "`in`",
        R::kw_default => "`default`",
        R::kw_on => "`on`",
        R::kw_except | R::except_actions | R::except_resources => "`except`",
        R::kw_and => "`and`",
        R::kw_until => "`until`",
        R::kw_aws | R::aws_managed => "`aws`",
        R::kw_tag_session => "`tag_session`",
        R::service_name => "a service name (`ec2`, `lambda`, …)",
        R::star => "`*`",
        R::block => "`{`",
        R::eq => "`=`",
        R::comma => "`,`",
        R::colon => "`:`",
        R::dot => "`.`",
        R::semicolon => "`;`",
        R::lparen => "`(`",
        R::rparen => "`)`",
        R::lbrace => "`{`",
        R::rbrace => "`}`",
        R::lbracket => "`[`",
        R::rbracket => "`]`",
        _ => return None,
    })
}

/// "a declaration (`account`, `let`, …)", from the one list of the words declarations start
/// with (held equal to the grammar by a test).
fn a_declaration() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        let words: Vec<String> = ITEM_KEYWORDS.iter().map(|k| format!("`{k}`")).collect();
        format!("a declaration ({})", words.join(", "))
    })
}

/// `` `a`, `b` or `c` ``
pub(crate) fn one_of(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("`{w}`")).collect();
    let quoted: Vec<&str> = quoted.iter().map(String::as_str).collect();
    join(&quoted)
}

/// How durations are written (docs/language.md, "Values").
const DURATION_FORM: &str =
    "a duration is a number and a unit (`d`, `h`, `m` or `s`), one or more times: `1h`, `90m`, `1h30m`, `3600s`";

/// The unit of a duration for the ways people write it: `hr`, `mins`, `seconds`, ….
fn duration_unit(word: &str) -> Option<char> {
    Some(match word.to_ascii_lowercase().as_str() {
        "d" | "day" | "days" => 'd',
        "h" | "hr" | "hrs" | "hour" | "hours" => 'h',
        "m" | "min" | "mins" | "minute" | "minutes" => 'm',
        "s" | "sec" | "secs" | "second" | "seconds" => 's',
        _ => return None,
    })
}

/// `4hr`, `1hour30mins` written as a duration: `4h`, `1h30m`; `None` if it is not one.
fn as_duration(word: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = word;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let letters = rest[digits..]
            .bytes()
            .take_while(u8::is_ascii_alphabetic)
            .count();
        if digits == 0 || letters == 0 {
            return None;
        }
        out.push_str(&rest[..digits]);
        out.push(duration_unit(&rest[digits..digits + letters])?);
        rest = &rest[digits + letters..];
    }
    Some(out)
}

/// Help for a value written almost right: a duration with a unit of its own (`4hr`) or a
/// space (`1 h`), an account id without quotes.
fn value_help(source: &str, span: Span, expected: &[&str]) -> Option<String> {
    let found = source.get(span.range())?;
    let starts_with_digit = found.bytes().next().is_some_and(|b| b.is_ascii_digit());
    if expected.contains(&DURATION)
        && starts_with_digit
        && found.bytes().any(|b| b.is_ascii_alphabetic())
    {
        return Some(match as_duration(found) {
            Some(duration) => format!("write `{duration}`: {DURATION_FORM}"),
            None => DURATION_FORM.to_string(),
        });
    }
    if expected.contains(&STRING) && !found.is_empty() && found.bytes().all(|b| b.is_ascii_digit())
    {
        return Some(format!("write it in quotes: `\"{found}\"`"));
    }
    // `1 h`: the number parsed, its unit is what comes next.
    let before = source.get(..span.start as usize)?;
    let number = before.trim_end_matches([' ', '\t']);
    if duration_unit(found).is_some()
        && number.len() < before.len()
        && number.bytes().last().is_some_and(|b| b.is_ascii_digit())
    {
        let digits = number.bytes().rev().take_while(u8::is_ascii_digit).count();
        let unit = duration_unit(found)?;
        return Some(format!(
            "write `{}{unit}`, without a space: {DURATION_FORM}",
            &number[number.len() - digits..]
        ));
    }
    None
}

const STRING: &str = "a string";
const DURATION: &str = "a duration (`1h`)";
const OPERATOR: &str = "an operator (`==`, `!=`, `<`, `like`, `in`, …)";
const VALUES: &[&str] = &[
    STRING,
    "a number",
    DURATION,
    "a date (`2027-01-31`)",
    "`true` or `false`",
    "a list (`[…]`)",
    "`[`",
    // A map (`{ team: "payments" }`) starts with it.
    "`{`",
    "`*`",
    "a name",
];

/// Hints for the places people most often go wrong, keyed by what was expected: a shorter list
/// of expectations, where they apply, and help.
fn context<'a>(expected: &[&'a str]) -> (Vec<&'a str>, Option<&'static str>, Option<&'static str>) {
    let has = |d: &str| expected.contains(&d);
    if has("`on`")
        && expected
            .iter()
            .all(|d| matches!(*d, "`on`" | "`,`" | "`except`" | "`to`"))
    {
        // `to` starts a resource policy's principals; the usual mistake is a missing `on`.
        let without_to: Vec<&str> = expected.iter().copied().filter(|d| *d != "`to`").collect();
        return (
            without_to,
            Some("after the action list"),
            Some("a permission reads `allow ACTIONS on RESOURCES`"),
        );
    }
    if has(OPERATOR) {
        return (
            vec![OPERATOR],
            Some("after the condition key"),
            Some("compare with `==`, `!=`, `<`, `<=`, `>`, `>=`, `like`, `not like`, `in`, `not in`, or test with `exists`"),
        );
    }
    // Many kinds of value: say "a value" once.
    if expected.iter().filter(|d| VALUES.contains(d)).count() >= 3 {
        let mut shorter: Vec<&str> = expected
            .iter()
            .copied()
            .filter(|d| !VALUES.contains(d))
            .collect();
        shorter.insert(0, "a value (a string, number, name, list, …)");
        return (shorter, None, None);
    }
    (expected.to_vec(), None, None)
}

fn join(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// The token at `offset`, skipping white space and comments: its span and how to name it.
fn found_token(source: &str, offset: usize) -> (Span, String) {
    let bytes = source.as_bytes();
    let mut pos = offset.min(source.len());
    loop {
        while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if source[pos..].starts_with("//") && !source[pos..].starts_with("///")
            || source[pos..].starts_with("////")
        {
            pos += source[pos..].find('\n').unwrap_or(source.len() - pos);
        } else if source[pos..].starts_with("/*") {
            pos += source[pos + 2..]
                .find("*/")
                .map_or(source.len() - pos, |i| i + 4);
        } else {
            break;
        }
    }
    let rest = &source[pos..];
    let Some(first) = rest.chars().next() else {
        return (Span::empty(pos), "end of file".to_string());
    };
    let word_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
        .count();
    if word_len > 0 {
        // A word, cut at 40 characters so that a huge blob does not flood the message.
        let word = &rest[..word_len];
        let shown: String = word.chars().take(40).collect();
        let ellipsis = if word.len() > shown.len() { "…" } else { "" };
        return (
            Span::new(pos, pos + word_len),
            format!("`{shown}{ellipsis}`"),
        );
    }
    if first == '"' {
        let len = rest[1..].find(['"', '\n']).map_or(rest.len(), |i| i + 2);
        return (
            Span::new(pos, pos + len.min(rest.len())),
            "a string".to_string(),
        );
    }
    let len = first.len_utf8();
    let shown = if first.is_control() || first == '\u{FFFD}' {
        format!("the character U+{:04X}", first as u32)
    } else {
        format!("`{first}`")
    };
    (Span::new(pos, pos + len), shown)
}

/// Turns a pest error in the piece `piece_start..piece_end` of `source` into a diagnostic.
pub(crate) fn syntax_error(
    error: &pest::error::Error<R>,
    source: &str,
    piece_start: usize,
    end_of_piece: &'static str,
    file: FileId,
) -> Diagnostic {
    let offset = piece_start
        + match error.location {
            InputLocation::Pos(pos) => pos,
            InputLocation::Span((start, _)) => start,
        };
    let mut expected: Vec<&str> = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives
            .iter()
            .filter_map(|r| {
                if *r == R::EOI {
                    Some(end_of_piece)
                } else {
                    describe(*r)
                }
            })
            .collect(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    // Stable order, each description once.
    expected.sort_unstable();
    expected.dedup();
    let (span, found) = found_token(source, offset);
    // `;` is optional wherever the end of a piece may come; naming both is noise.
    if expected.contains(&end_of_piece) {
        expected.retain(|d| *d != "`;`");
    }
    let value_help = value_help(source, span, &expected);
    let (expected, place, help) = context(&expected);
    let message = if expected.is_empty() {
        format!("unexpected {found}")
    } else {
        match place {
            Some(place) => format!("expected {} {place}, found {found}", join(&expected)),
            None => format!("expected {}, found {found}", join(&expected)),
        }
    };
    let label = if expected.is_empty() {
        "not expected here".to_string()
    } else {
        format!("expected {}", join(&expected))
    };
    let mut diagnostic = Diagnostic::error(codes::SYNTAX, message).at(file, span, label);
    if source.get(span.range()) == Some("=") && expected.contains(&OPERATOR) {
        diagnostic = diagnostic.with_help("compare with `==`");
    } else if let Some(help) = value_help {
        diagnostic = diagnostic.with_help(help);
    } else if let Some(help) = help {
        diagnostic = diagnostic.with_help(help);
    }
    diagnostic
}
