//! A small, total lexer. The grammar (pest) is the authority on syntax; this lexer exists for
//! what pest cannot do: find comments for the formatter, report lexical mistakes (unterminated
//! strings and comments, unbalanced brackets) with their real cause, and cut a broken file into
//! items and statements so that each piece can be parsed, and reported on, on its own.
//!
//! It never fails and runs in one pass over the bytes.

use iamdsl_diagnostics::{codes, Diagnostic, FileId, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A run of `[A-Za-z0-9_-]`.
    Word,
    /// A string literal, closed or not.
    Str,
    /// `// …` or `//// …`
    LineComment,
    /// `/* … */`
    BlockComment,
    /// `/// …`
    DocComment,
    /// Any other single character.
    Punct(char),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
    /// Number of brackets open before this token.
    pub depth: u32,
    /// First token on its line.
    pub line_start: bool,
    /// Byte column of the token on its line.
    pub column: u32,
}

impl Token {
    pub fn is_comment(&self) -> bool {
        matches!(self.kind, TokenKind::LineComment | TokenKind::BlockComment)
    }

    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        source.get(self.span.range()).unwrap_or("")
    }
}

pub struct Lexed {
    pub tokens: Vec<Token>,
    pub errors: Vec<Diagnostic>,
}

/// Whether a keyword may also be a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Never a name: `role when {}` is an error at `when`, and import names a role `when` `when_`.
    Reserved,
    /// A keyword only where the grammar expects it and a name anywhere else: `role admin {}`,
    /// `attach aws`, `expect no can read on *`.
    Contextual,
}

use Reservation::{Contextual, Reserved};

/// The one list of the words the grammar gives a meaning to, and whether each may also be a
/// name. Every other copy follows it, and a test says so: the grammar's keyword rules and its
/// `reserved` rule, and docs/language.md (crates/syntax/tests/keywords.rs), the editors' grammars
/// (crates/xtask/tests/editor_keywords.rs). Import renames what is reserved ([`is_reserved`]).
pub const GRAMMAR_WORDS: &[(&str, Reservation)] = &[
    ("account", Contextual),
    ("let", Contextual),
    ("policy", Contextual),
    ("template", Contextual),
    ("group", Contextual),
    ("user", Contextual),
    ("role", Contextual),
    ("resource", Contextual),
    ("in", Reserved),
    ("default", Contextual),
    ("allow", Reserved),
    ("deny", Reserved),
    ("on", Reserved),
    ("except", Reserved),
    ("when", Reserved),
    ("and", Reserved),
    ("not", Reserved),
    ("like", Reserved),
    ("exists", Reserved),
    ("any", Contextual),
    ("all", Contextual),
    ("mfa", Contextual),
    ("until", Reserved),
    ("attach", Reserved),
    ("boundary", Reserved),
    ("aws", Contextual),
    ("assume", Reserved),
    ("use", Reserved),
    ("trust", Reserved),
    ("service", Contextual),
    ("saml", Contextual),
    ("oidc", Contextual),
    ("org", Contextual),
    ("scp", Contextual),
    ("rcp", Contextual),
    ("organization", Contextual),
    ("ou", Contextual),
    ("tag_session", Contextual),
    ("instance_profile", Contextual),
    ("expect", Contextual),
    ("can", Contextual),
    ("cannot", Contextual),
    ("no", Contextual),
    ("escalation", Contextual),
    ("to", Contextual),
    ("admin", Contextual),
    ("arn", Contextual),
    // Access levels: after `allow` or `deny` always levels, names elsewhere.
    ("list", Contextual),
    ("read", Contextual),
    ("write", Contextual),
    ("tagging", Contextual),
    ("permissions", Contextual),
    ("true", Reserved),
    ("false", Reserved),
];

/// Every word of [`GRAMMAR_WORDS`], in its order: what completion offers and highlighting
/// colours as a keyword. Property names (`max_session`, …) are the compiler's, not grammar words.
pub const KEYWORDS: &[&str] = &words_of::<{ GRAMMAR_WORDS.len() }>(None);

/// The words of [`GRAMMAR_WORDS`] that can never be names: the grammar's `reserved` rule.
pub const RESERVED: &[&str] = &words_of::<{ count(Reserved) }>(Some(Reserved));

/// How `word` is a keyword, if it is one.
pub fn reservation(word: &str) -> Option<Reservation> {
    GRAMMAR_WORDS
        .iter()
        .find(|(keyword, _)| *keyword == word)
        .map(|&(_, reservation)| reservation)
}

/// Whether `word` can never be a name (`when`, `true`); `admin` or `role` can.
pub fn is_reserved(word: &str) -> bool {
    reservation(word) == Some(Reserved)
}

const fn selected(only: Option<Reservation>, reservation: Reservation) -> bool {
    matches!(
        (only, reservation),
        (None, _) | (Some(Reserved), Reserved) | (Some(Contextual), Contextual)
    )
}

const fn count(only: Reservation) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < GRAMMAR_WORDS.len() {
        if selected(Some(only), GRAMMAR_WORDS[i].1) {
            n += 1;
        }
        i += 1;
    }
    n
}

/// The words of [`GRAMMAR_WORDS`] with that reservation (all of them for `None`), computed at
/// compile time so that the table stays the only list; `N` is their number.
const fn words_of<const N: usize>(only: Option<Reservation>) -> [&'static str; N] {
    let mut out = [""; N];
    let (mut i, mut n) = (0, 0);
    while i < GRAMMAR_WORDS.len() {
        if selected(only, GRAMMAR_WORDS[i].1) {
            out[n] = GRAMMAR_WORDS[i].0;
            n += 1;
        }
        i += 1;
    }
    out
}

/// Words that begin a top-level declaration.
pub const ITEM_KEYWORDS: &[&str] = &[
    "account",
    "let",
    "policy",
    "template",
    "group",
    "user",
    "role",
    "resource",
    "in",
    "expect",
    "scp",
    "rcp",
    "organization",
];
/// Words that begin a statement inside a declaration's block.
pub const STMT_KEYWORDS: &[&str] = &[
    "allow",
    "deny",
    "attach",
    "assume",
    "use",
    "trust",
    "boundary",
    "ou",
    "account",
    "instance_profile",
];
/// Words that begin an entry of a `trust` block.
pub const TRUST_KEYWORDS: &[&str] = &["service", "account", "role", "user", "saml", "oidc", "org"];

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

struct Open {
    delimiter: char,
    span: Span,
    /// The `{` of an `in ACCOUNT { … }` block, which holds items rather than statements.
    holds_items: bool,
}

pub fn lex(source: &str, file: FileId) -> Lexed {
    let bytes = source.as_bytes();
    let mut tokens: Vec<Token> = Vec::new();
    let mut errors = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut pos = 0;
    let mut line_begin = 0;
    let mut at_line_start = true;

    while pos < bytes.len() {
        let b = bytes[pos];
        if b == b'\n' {
            pos += 1;
            line_begin = pos;
            at_line_start = true;
            continue;
        }
        if b.is_ascii_whitespace() {
            pos += 1;
            continue;
        }
        let start = pos;
        let kind = if b == b'/' && bytes.get(pos + 1) == Some(&b'/') {
            let doc = bytes.get(pos + 2) == Some(&b'/') && bytes.get(pos + 3) != Some(&b'/');
            while pos < bytes.len() && bytes[pos] != b'\n' {
                pos += 1;
            }
            if doc {
                TokenKind::DocComment
            } else {
                TokenKind::LineComment
            }
        } else if b == b'/' && bytes.get(pos + 1) == Some(&b'*') {
            pos += 2;
            loop {
                if pos + 1 >= bytes.len() {
                    pos = bytes.len();
                    errors.push(
                        Diagnostic::error(
                            codes::UNTERMINATED_COMMENT,
                            "unterminated block comment",
                        )
                        .at(
                            file,
                            Span::new(start, start + 2),
                            "this comment is never closed",
                        )
                        .with_help("close the comment with `*/`"),
                    );
                    break;
                }
                if bytes[pos] == b'*' && bytes[pos + 1] == b'/' {
                    pos += 2;
                    break;
                }
                pos += 1;
            }
            TokenKind::BlockComment
        } else if b == b'"' {
            pos += 1;
            loop {
                match bytes.get(pos) {
                    None | Some(b'\n') => {
                        errors.push(
                            Diagnostic::error(codes::UNTERMINATED_STRING, "unterminated string")
                                .at(file, Span::new(start, pos), "this string is not closed on its line")
                                .with_help("add the closing `\"`; a string cannot span lines (write `\\n` for a line break)"),
                        );
                        break;
                    }
                    Some(b'"') => {
                        pos += 1;
                        break;
                    }
                    Some(b'\\') => {
                        let escape_start = pos;
                        let valid = match bytes.get(pos + 1) {
                            Some(b'"' | b'\\' | b'n' | b't' | b'r' | b'$') => {
                                pos += 2;
                                true
                            }
                            Some(b'u') => unicode_escape_len(&bytes[pos..])
                                .map(|len| pos += len)
                                .is_some(),
                            _ => false,
                        };
                        if !valid {
                            // Skip the backslash and the character after it, whole.
                            pos += 1;
                            let next_len = source
                                .get(pos..)
                                .and_then(|s| s.chars().next())
                                .map_or(0, char::len_utf8);
                            if bytes.get(pos) != Some(&b'\n') {
                                pos += next_len;
                            }
                            errors.push(
                                Diagnostic::error(codes::INVALID_ESCAPE, "unknown escape sequence in string")
                                    .at(file, Span::new(escape_start, pos), "not an escape iamdsl knows")
                                    .with_help("the escapes are `\\\"`, `\\\\`, `\\n`, `\\t`, `\\r`, `\\$` and `\\u{1F600}`"),
                            );
                        }
                    }
                    Some(_) => pos += 1,
                }
            }
            TokenKind::Str
        } else if is_word_byte(b) {
            while pos < bytes.len() && is_word_byte(bytes[pos]) {
                pos += 1;
            }
            TokenKind::Word
        } else {
            let ch = source
                .get(pos..)
                .and_then(|s| s.chars().next())
                .unwrap_or('\u{FFFD}');
            pos += ch.len_utf8().max(1);
            TokenKind::Punct(ch)
        };
        let span = Span::new(start, pos);
        let column = u32::try_from(start - line_begin).unwrap_or(u32::MAX);
        let line_start = at_line_start;
        at_line_start = false;

        // A declaration keyword in the first column, inside a block, means the block before it was
        // never closed. Close it here, so that one missing `}` is one error and not the loss of
        // every later declaration.
        if kind == TokenKind::Word
            && line_start
            && column == 0
            && stack.iter().any(|o| !o.holds_items)
        {
            let word = &source[start..pos];
            if ITEM_KEYWORDS.contains(&word) && word != "in" {
                while let Some(open) = stack.pop_if(|o| !o.holds_items) {
                    errors.push(unclosed(file, &open));
                }
            }
        }

        let depth = u32::try_from(stack.len()).unwrap_or(u32::MAX);
        if let TokenKind::Punct(ch @ ('{' | '(' | '[')) = kind {
            // `in NAME {` at the start of a line opens a block of items.
            let holds_items = ch == '{' && {
                let n = tokens.len();
                n >= 2
                    && tokens[n - 2].kind == TokenKind::Word
                    && tokens[n - 2].line_start
                    && tokens[n - 2].text(source) == "in"
                    && tokens[n - 1].kind == TokenKind::Word
            };
            stack.push(Open {
                delimiter: ch,
                span,
                holds_items,
            });
        } else if let TokenKind::Punct(ch @ ('}' | ')' | ']')) = kind {
            let opener = match ch {
                '}' => '{',
                ')' => '(',
                _ => '[',
            };
            if stack.iter().any(|o| o.delimiter == opener) {
                while let Some(open) = stack.pop() {
                    if open.delimiter == opener {
                        break;
                    }
                    errors.push(unclosed(file, &open));
                }
            } else {
                errors.push(
                    Diagnostic::error(
                        codes::UNMATCHED_DELIMITER,
                        format!("unmatched closing `{ch}`"),
                    )
                    .at(file, span, "nothing opened here is closed by this")
                    .with_help(format!(
                        "remove this `{ch}` or add the `{opener}` it closes"
                    )),
                );
            }
        }
        let depth = match kind {
            TokenKind::Punct('}' | ')' | ']') => u32::try_from(stack.len()).unwrap_or(u32::MAX),
            _ => depth,
        };
        tokens.push(Token {
            kind,
            span,
            depth,
            line_start,
            column,
        });
    }
    for open in stack.iter().rev() {
        errors.push(unclosed(file, open));
    }
    Lexed { tokens, errors }
}

fn unclosed(file: FileId, open: &Open) -> Diagnostic {
    let closer = match open.delimiter {
        '{' => '}',
        '(' => ')',
        _ => ']',
    };
    Diagnostic::error(
        codes::UNCLOSED_DELIMITER,
        format!("unclosed `{}`", open.delimiter),
    )
    .at(file, open.span, "opened here and never closed")
    .with_help(format!("add the matching `{closer}`"))
}

/// Length of `\u{…}` with 1 to 6 hex digits at the start of `bytes`.
fn unicode_escape_len(bytes: &[u8]) -> Option<usize> {
    if bytes.get(..3) != Some(b"\\u{") {
        return None;
    }
    let digits = bytes
        .get(3..)?
        .iter()
        .take_while(|b| b.is_ascii_hexdigit())
        .count();
    if (1..=6).contains(&digits) && bytes.get(3 + digits) == Some(&b'}') {
        Some(4 + digits)
    } else {
        None
    }
}

/// The comments of a source text, in order (doc comments are part of the tree, not here).
pub fn comments(source: &str) -> Vec<Span> {
    lex(source, FileId(0))
        .tokens
        .into_iter()
        .filter(Token::is_comment)
        .map(|t| t.span)
        .collect()
}

/// Where the pieces of a token range start: each item (at `depth`, first on its line) or each
/// statement or trust entry (at `depth`, at its keyword). Doc comments and attributes right
/// before a piece belong to it.
pub fn piece_starts(
    source: &str,
    tokens: &[Token],
    depth: u32,
    keywords: &[&str],
    items: bool,
) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut prefix_start: Option<usize> = None;
    let significant: Vec<&Token> = tokens.iter().filter(|t| !t.is_comment()).collect();
    for (index, token) in significant.iter().enumerate() {
        if token.depth != depth {
            if token.depth < depth {
                prefix_start = None;
            }
            continue;
        }
        let next = significant.get(index + 1);
        let is_prefix = token.kind == TokenKind::DocComment
            || (token.kind == TokenKind::Punct('#')
                && next.is_some_and(|n| n.kind == TokenKind::Punct('[')));
        if is_prefix {
            prefix_start.get_or_insert(token.span.start as usize);
            continue;
        }
        let starts_piece = token.kind == TokenKind::Word && {
            let word = token.text(source);
            if items {
                token.line_start
                    && (keywords.contains(&word) || looks_like_declaration(&significant, index))
            } else {
                // `account` begins a member of an organization, and names a principal
                // after `to` or `,` (`allow read to account audit`): there it continues
                // the statement.
                let names_principal = TRUST_KEYWORDS.contains(&word)
                    && index
                        .checked_sub(1)
                        .and_then(|i| significant.get(i))
                        .is_some_and(|previous| {
                            previous.kind == TokenKind::Punct(',') || previous.text(source) == "to"
                        });
                (keywords.contains(&word) && !names_principal)
                    || is_property_start(&significant, index)
            }
        } || (!items
            && keywords == TRUST_KEYWORDS
            && token.kind == TokenKind::Punct('*'));
        // The brackets of an attribute keep the prefix open; anything else at this depth ends it.
        let closes_attribute =
            matches!(token.kind, TokenKind::Punct('[' | ']')) && prefix_start.is_some();
        if starts_piece {
            starts.push(prefix_start.take().unwrap_or(token.span.start as usize));
        } else if !closes_attribute {
            prefix_start = None;
        }
    }
    starts
}

/// `WORD NAME {`, `WORD NAME =`, `WORD NAME(`, or `NAME =` in the first column: the shape of a
/// declaration, whatever its first word. A misspelled or unknown declaration (`rol x {`,
/// `scp x {`) is then a piece of its own, reported alone, instead of swallowing the
/// declarations after it.
fn looks_like_declaration(tokens: &[&Token], index: usize) -> bool {
    let kind = |i: usize| tokens.get(i).map(|t| t.kind);
    let named = kind(index) == Some(TokenKind::Word)
        && kind(index + 1) == Some(TokenKind::Word)
        && matches!(kind(index + 2), Some(TokenKind::Punct('{' | '=' | '(')));
    let assigned =
        tokens.get(index).is_some_and(|t| t.column == 0) && is_property_start(tokens, index);
    named || assigned
}

/// `name = value` (and not `name == value`), at the start of a line or right after `{`, `}`, `;`.
fn is_property_start(tokens: &[&Token], index: usize) -> bool {
    let eq = |i: usize| {
        tokens
            .get(i)
            .is_some_and(|t| t.kind == TokenKind::Punct('='))
    };
    let glued = |a: usize, b: usize| match (tokens.get(a), tokens.get(b)) {
        (Some(x), Some(y)) => x.span.end == y.span.start,
        _ => false,
    };
    let at_boundary = tokens.get(index).is_some_and(|t| t.line_start)
        || index == 0
        || tokens
            .get(index - 1)
            .is_some_and(|t| matches!(t.kind, TokenKind::Punct('{' | '}' | ';')));
    at_boundary && eq(index + 1) && !(eq(index + 2) && glued(index + 1, index + 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<(TokenKind, String, u32)> {
        lex(source, FileId(0))
            .tokens
            .iter()
            .map(|t| (t.kind, t.text(source).to_string(), t.depth))
            .collect()
    }

    /// The body of a rule of grammar/iamdsl.pest: the text between the braces of `NAME = { … }`.
    fn rule_body<'g>(grammar: &'g str, name: &str) -> &'g str {
        let Some(line) = grammar.lines().find(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        }) else {
            panic!("the grammar has no rule `{name}`")
        };
        let start = grammar.find(line).unwrap_or(0);
        let text = &grammar[start..];
        let open = text.find('{').unwrap_or(0);
        let mut depth = 0;
        let mut quoted = false;
        for (i, c) in text.char_indices().skip(open) {
            match c {
                '"' => quoted = !quoted,
                '{' if !quoted => depth += 1,
                '}' if !quoted => {
                    depth -= 1;
                    if depth == 0 {
                        return &text[open + 1..i];
                    }
                }
                _ => {}
            }
        }
        panic!("rule `{name}` is not closed")
    }

    /// The keywords a rule can start with, following its first element through other rules:
    /// `role_decl` starts with `role`, `permission` with `allow` or `deny`.
    fn first_keywords(grammar: &str, rule: &str, out: &mut Vec<String>) {
        if let Some(keyword) = rule.strip_prefix("kw_") {
            let body = rule_body(grammar, rule);
            let literal = body.split('"').nth(1).unwrap_or(keyword);
            out.push(literal.to_string());
            return;
        }
        // The alternatives of the body: its `|` outside parentheses.
        let body = rule_body(grammar, rule);
        let mut alternatives = vec![String::new()];
        let mut depth = 0;
        for c in body.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                '|' if depth == 0 => {
                    alternatives.push(String::new());
                    continue;
                }
                _ => {}
            }
            if let Some(last) = alternatives.last_mut() {
                last.push(c);
            }
        }
        for alternative in &alternatives {
            let first: String = alternative
                .trim_start()
                .trim_start_matches('(')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `name = value` (a property) and `*` start with no keyword.
            if !first.is_empty() && first != "name" && first != "star" {
                first_keywords(grammar, &first, out);
            }
        }
    }

    /// The lists of the words that begin declarations, statements and trust entries are the
    /// grammar's, in its order: the parser's messages name them, and they must not drift.
    #[test]
    fn the_keyword_lists_are_the_grammars() {
        let grammar = include_str!("../../../grammar/iamdsl.pest");
        for (rule, list) in [
            ("item_kind", ITEM_KEYWORDS),
            ("stmt_kind", STMT_KEYWORDS),
            ("principal", TRUST_KEYWORDS),
        ] {
            let mut found = Vec::new();
            first_keywords(grammar, rule, &mut found);
            assert_eq!(found, list, "{rule}");
            for word in list {
                assert!(
                    KEYWORDS.contains(word),
                    "{rule}: `{word}` is not in GRAMMAR_WORDS"
                );
            }
        }
    }

    #[test]
    fn the_derived_lists_are_the_tables() {
        let reserved: Vec<&str> = GRAMMAR_WORDS
            .iter()
            .filter(|(_, r)| *r == Reservation::Reserved)
            .map(|(w, _)| *w)
            .collect();
        assert_eq!(RESERVED, reserved);
        let all: Vec<&str> = GRAMMAR_WORDS.iter().map(|(w, _)| *w).collect();
        assert_eq!(KEYWORDS, all);
        assert!(is_reserved("when") && is_reserved("true"));
        assert!(!is_reserved("admin") && !is_reserved("role") && !is_reserved("max_session"));
        assert_eq!(reservation("admin"), Some(Reservation::Contextual));
        assert_eq!(reservation("prod"), None);
    }

    #[test]
    fn tokens_carry_depth() {
        let tokens = kinds("role x { allow read on s3.bucket(\"b\") }");
        assert_eq!(tokens[0], (TokenKind::Word, "role".into(), 0));
        assert_eq!(tokens[2], (TokenKind::Punct('{'), "{".into(), 0));
        assert_eq!(tokens[3], (TokenKind::Word, "allow".into(), 1));
        assert!(tokens.contains(&(TokenKind::Str, "\"b\"".into(), 2)));
        assert_eq!(
            tokens.last().cloned(),
            Some((TokenKind::Punct('}'), "}".into(), 0))
        );
    }

    #[test]
    fn doc_comments_differ_from_comments() {
        let tokens = kinds("/// doc\n// plain\n//// plain too\n/* block */");
        let found: Vec<_> = tokens.iter().map(|t| t.0).collect();
        assert_eq!(
            found,
            vec![
                TokenKind::DocComment,
                TokenKind::LineComment,
                TokenKind::LineComment,
                TokenKind::BlockComment
            ]
        );
    }

    #[test]
    fn lexical_errors_are_reported_with_their_cause() {
        let codes_of = |s: &str| {
            lex(s, FileId(0))
                .errors
                .iter()
                .map(|d| d.code)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            codes_of("let x = \"abc\nlet y = 1"),
            vec![codes::UNTERMINATED_STRING]
        );
        assert_eq!(codes_of("/* never"), vec![codes::UNTERMINATED_COMMENT]);
        assert_eq!(codes_of("role x {"), vec![codes::UNCLOSED_DELIMITER]);
        assert_eq!(codes_of("}"), vec![codes::UNMATCHED_DELIMITER]);
        assert_eq!(codes_of("let x = \"a\\qb\""), vec![codes::INVALID_ESCAPE]);
        assert!(codes_of("let x = \"a\\u{1F600}\\$\"").is_empty());
    }

    #[test]
    fn an_unclosed_block_ends_at_the_next_declaration_in_column_zero() {
        let source = "role x {\n  allow read on *\nrole y {\n}\n";
        let lexed = lex(source, FileId(0));
        assert_eq!(lexed.errors.len(), 1);
        let role_y = lexed
            .tokens
            .iter()
            .find(|t| t.text(source) == "y")
            .map(|t| t.depth);
        assert_eq!(role_y, Some(0));
    }

    #[test]
    fn pieces_start_at_items_with_their_prefix() {
        let source = "account a = \"1\"\n/// doc\n#[allow(x)]\nrole r in a {\n}\n";
        let lexed = lex(source, FileId(0));
        let starts = piece_starts(source, &lexed.tokens, 0, ITEM_KEYWORDS, true);
        assert_eq!(starts, vec![0, source.find("///").unwrap_or(0)]);
    }

    #[test]
    fn statements_start_at_keywords_and_properties() {
        let source = "{ max_session = 1h allow read on * when a == \"b\" attach p }";
        let lexed = lex(source, FileId(0));
        let starts = piece_starts(source, &lexed.tokens, 1, STMT_KEYWORDS, false);
        let words: Vec<_> = starts.iter().map(|&s| &source[s..s + 5]).collect();
        assert_eq!(words, vec!["max_s", "allow", "attac"]);
    }
}
