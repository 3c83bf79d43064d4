//! Where a cursor stands, for completion: the token being typed, and the construct around it
//! (the declaration, the statement, the trust entry, and the slot of it that the cursor is in).
//!
//! It reads the lexer's tokens, not the parsed tree: completion runs on half-typed text
//! (`allow s3:Get`, `attach ` with nothing after, `groups = [dev`) that the parser rejects. The
//! brackets open before the cursor say which block, list or arguments it is in, wherever the
//! lines break; inside each, the words that begin declarations, statements and trust entries
//! (the lexer's lists) say where the current one began, and a small reader of the grammar's
//! shapes follows it up to the cursor.

use iamdsl_diagnostics::{FileId, Span};

use crate::ast::{AccessLevel, DeclKind};
use crate::lexer::{lex, Token, TokenKind, ITEM_KEYWORDS, STMT_KEYWORDS, TRUST_KEYWORDS};

/// The declaration the cursor is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Account,
    Let,
    Block(DeclKind),
    /// `resource NAME = service.type(…) { … }`
    Resource,
    Template,
    /// `in ACCOUNT { … }`
    In,
    Expect,
}

/// The statement the cursor is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statement {
    Allow,
    Deny,
    Attach,
    Boundary,
    Assume,
    Use,
    Trust,
    InstanceProfile,
    /// `name = value`
    Property,
}

/// The kind of a trust entry, or of a principal after `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    Service,
    Account,
    Role,
    User,
    Saml,
    Oidc,
    /// `org "o-…"`
    Org,
    /// `*`
    Anyone,
}

/// What fits at the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// Nothing to complete: inside a string or a comment, where a new name is declared, or
    /// where only punctuation fits.
    Nothing,
    /// Outside any declaration, in text that begins none (an indented fragment): the query
    /// cannot tell.
    Unknown,
    /// The start of a declaration.
    ItemKeyword,
    /// The start of a statement in a block: a statement keyword or a property name.
    StatementKeyword,
    /// A property's name, before its `=`.
    PropertyName,
    /// Only the keywords of [`Query::keywords`].
    Keyword,
    /// An action: `s3:GetObject`, an access level, `*`.
    Action,
    /// A resource: `s3.object(…)`, `arn(…)`, `*`, a declared resource's name.
    Resource,
    /// The kind of resource a `resource` declaration declares: `s3.bucket`.
    ResourceKind,
    /// The key of a condition clause (or a shorthand, or an operator by name).
    ConditionKey,
    /// The value a condition clause compares with.
    ConditionValue,
    /// The kind of a trust entry, or of a principal after `to` in a resource's policy:
    /// `service`, `account`, `role`, …
    TrustPrincipal,
    /// What the kind of a trust entry or principal names: `service lambda`, `role deployer`.
    TrustTarget(Principal),
    /// The policy of `attach` or `boundary`.
    Policy,
    /// The role of `assume`.
    Role,
    /// The template of `use`: a declared one or `std.…`.
    Template,
    /// The account of `in`.
    Account,
    /// An element of `groups = [ … ]`.
    Group,
    /// The principal an `expect` is about.
    Subject,
    /// A value: of a property, a `let`, an argument.
    Value,
    /// Inside the string of `attach aws "…"` or `boundary aws "…"`: an AWS managed policy's
    /// path and name (the token is what is typed of it inside the quotes).
    AwsManagedPolicy,
}

/// The answer of [`Query::at`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The token typed before the cursor, from its start to the cursor: `s3:Get`, `s3.obj`,
    /// `aws:Sour`, `std.ecs.`; empty, at the cursor, after a space or a bracket.
    pub token: Span,
    pub item: Option<Item>,
    /// The statement the cursor is in, or that [`Query::keywords`] would continue.
    pub statement: Option<Statement>,
    /// The trust entry the cursor is in.
    pub principal: Option<Principal>,
    pub slot: Slot,
    /// Keywords that fit here besides what the slot names: those that continue the construct
    /// (`on`, `except`, `when`, `and`, `until`, `like`, …) or that the slot's grammar holds
    /// (access levels, `arn`, `mfa`, …).
    pub keywords: Vec<&'static str>,
}

impl Query {
    /// The query at byte `offset` of `source` (clamped to the text and to a character).
    pub fn at(source: &str, offset: usize) -> Query {
        let mut offset = offset.min(source.len());
        while !source.is_char_boundary(offset) {
            offset -= 1;
        }
        // Nothing after the cursor's line can change how the text before it reads.
        let line_end = source[offset..]
            .find('\n')
            .map_or(source.len(), |i| offset + i);
        let tokens = lex(&source[..line_end], FileId(0)).tokens;
        let nothing = |token: Span| Query {
            token,
            item: None,
            statement: None,
            principal: None,
            slot: Slot::Nothing,
            keywords: Vec::new(),
        };

        let before = tokens.partition_point(|t| (t.span.start as usize) < offset);
        if let Some(last) = before.checked_sub(1).and_then(|i| tokens.get(i)) {
            if holds_cursor(last, source, offset) {
                // `attach aws "Rea`: the name of an AWS managed policy, inside its string.
                let mut words = tokens[..before - 1]
                    .iter()
                    .rev()
                    .filter(|t| !is_comment(t))
                    .map(|t| t.text(source));
                let (aws, verb) = (words.next(), words.next());
                if last.kind == TokenKind::Str
                    && aws == Some("aws")
                    && matches!(verb, Some("attach" | "boundary"))
                {
                    let inside = (last.span.start as usize + 1).min(offset);
                    return Query {
                        slot: Slot::AwsManagedPolicy,
                        ..nothing(Span::new(inside, offset))
                    };
                }
                return nothing(Span::empty(offset));
            }
        }
        // The token typed: the run of words, `:`, `.` and `/` written together up to the cursor.
        let mut start = offset;
        let mut first = before;
        while let Some(token) = first.checked_sub(1).and_then(|i| tokens.get(i)) {
            let reaches = token.span.end as usize >= start;
            if reaches
                && matches!(
                    token.kind,
                    TokenKind::Word | TokenKind::Punct(':' | '.' | '/')
                )
            {
                start = token.span.start as usize;
                first -= 1;
            } else {
                break;
            }
        }
        let token = Span::new(start, offset);
        // Glued to what is not a name (`s3:Get*`, `"…"x`): nothing completes that.
        if let Some(glued) = first.checked_sub(1).and_then(|i| tokens.get(i)) {
            if glued.span.end as usize == start && is_atom(glued.kind) {
                return nothing(token);
            }
        }

        let prior = &tokens[..first];
        // The brackets still open at the cursor, outermost first (as the lexer counts them).
        let mut open: Vec<usize> = Vec::new();
        for (index, t) in prior.iter().enumerate().filter(|(_, t)| !is_comment(t)) {
            open.truncate(t.depth as usize);
            if matches!(t.kind, TokenKind::Punct('{' | '(' | '[')) {
                open.push(index);
            }
        }

        let mut walk = Walk {
            source,
            units: Vec::new(),
            pos: 0,
            item: None,
            statement: None,
            principal: None,
        };
        let mut frame = Frame::Items { top: true };
        for level in 0..=open.len() {
            let from = match level.checked_sub(1).and_then(|l| open.get(l)) {
                Some(&opener) => opener + 1,
                None => 0,
            };
            let to = open.get(level).map_or(prior.len(), |&i| i + 1);
            let segment = &prior[from..to];
            // Only the declaration the cursor is in counts, and a file holds thousands.
            let segment = match frame {
                Frame::Items { .. } => {
                    let starts = segment.iter().rposition(|t| {
                        t.depth as usize == level
                            && t.line_start
                            && t.kind == TokenKind::Word
                            && [ITEM_KEYWORDS, STMT_KEYWORDS]
                                .iter()
                                .any(|list| list.contains(&t.text(source)))
                    });
                    &segment[starts.unwrap_or(0)..]
                }
                _ => segment,
            };
            walk.units = units(segment, level);
            walk.pos = 0;
            let entered = (walk.item, walk.statement, walk.principal);
            let stop = walk.frame(frame);
            if level < open.len() {
                frame = match stop {
                    Stop::Open(child) => child,
                    _ => Frame::Lost,
                };
                continue;
            }
            let (slot, keywords) = match stop {
                Stop::Slot(slot, keywords) => (slot, keywords),
                Stop::End(keywords) => {
                    if keywords.is_empty() {
                        (walk.item, walk.statement, walk.principal) = entered;
                    }
                    let line = &source[source[..start].rfind('\n').map_or(0, |i| i + 1)..start];
                    let first_on_line = line.trim().is_empty();
                    let slot = match frame {
                        // Declarations begin lines; in the first column, at the top level.
                        Frame::Items { .. } if !first_on_line => Slot::Keyword,
                        Frame::Items { top: true } if !line.is_empty() => Slot::Unknown,
                        Frame::Items { .. } => Slot::ItemKeyword,
                        Frame::Statements => Slot::StatementKeyword,
                        Frame::Trust => Slot::TrustPrincipal,
                        _ => Slot::Nothing,
                    };
                    (slot, keywords)
                }
                Stop::Open(_) | Stop::Lost => (Slot::Unknown, Vec::new()),
            };
            let slot = if slot == Slot::StatementKeyword
                && before_property_eq(&tokens[before..], offset)
            {
                walk.statement = None;
                Slot::PropertyName
            } else {
                slot
            };
            return Query {
                token,
                item: walk.item,
                statement: walk.statement,
                principal: walk.principal,
                keywords: if slot == Slot::PropertyName {
                    Vec::new()
                } else {
                    keywords
                },
                slot,
            };
        }
        nothing(token)
    }
}

/// Whether the cursor is inside `token`, a string or a comment (at its end, if it is not closed).
fn holds_cursor(token: &Token, source: &str, offset: usize) -> bool {
    let (start, end) = (token.span.start as usize, token.span.end as usize);
    let text = token.text(source);
    let open_end = match token.kind {
        TokenKind::Str => !string_is_closed(text),
        TokenKind::LineComment | TokenKind::DocComment => true,
        TokenKind::BlockComment => text.len() < 4 || !text.ends_with("*/"),
        _ => return false,
    };
    start < offset && (offset < end || (offset == end && open_end))
}

/// A string token ends with a `"` that no backslash escapes.
fn string_is_closed(text: &str) -> bool {
    text.len() >= 2
        && text.ends_with('"')
        && text[..text.len() - 1]
            .bytes()
            .rev()
            .take_while(|b| *b == b'\\')
            .count()
            % 2
            == 0
}

/// Comments of every kind, doc comments included: the grammar's shapes are read without them.
fn is_comment(token: &Token) -> bool {
    matches!(
        token.kind,
        TokenKind::LineComment | TokenKind::BlockComment | TokenKind::DocComment
    )
}

/// Tokens that are written together to make one thing: words, strings, and the punctuation
/// inside actions, keys, constructors, paths and dates.
fn is_atom(kind: TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::Word | TokenKind::Str | TokenKind::Punct(':' | '.' | '/' | '*' | '?' | '+')
    )
}

/// After the word at the cursor (`offset`; `after` are the tokens from there) comes `=` (and not
/// `==`): the word is a property's name.
fn before_property_eq(after: &[Token], offset: usize) -> bool {
    let mut end = offset;
    let mut rest = after
        .iter()
        .skip_while(|t| {
            let glued = t.span.start as usize == end
                && matches!(t.kind, TokenKind::Word | TokenKind::Punct(':' | '.' | '/'));
            if glued {
                end = t.span.end as usize;
            }
            glued
        })
        .filter(|t| !t.is_comment());
    match (rest.next(), rest.next()) {
        (Some(eq), next) if eq.kind == TokenKind::Punct('=') => {
            !next.is_some_and(|n| n.kind == TokenKind::Punct('=') && n.span.start == eq.span.end)
        }
        _ => false,
    }
}

/// One thing written together (an atom: `s3:GetObject`, `"text"`, `2027-01-31T12:00Z`), or one
/// bracket or other punctuation.
#[derive(Debug, Clone, Copy)]
struct Unit {
    span: Span,
    /// `None` for an atom.
    punct: Option<char>,
    line_start: bool,
}

/// The tokens of `tokens` at bracket depth `depth`, joined into units. The brackets of a closed
/// group inside stay (its opening and closing bracket, side by side); what it holds does not.
fn units(tokens: &[Token], depth: usize) -> Vec<Unit> {
    let mut out: Vec<Unit> = Vec::new();
    let mut previous: Option<&Token> = None;
    for token in tokens
        .iter()
        .filter(|t| t.depth as usize == depth && !is_comment(t))
    {
        let glued = previous.is_some_and(|p| p.span.end == token.span.start && is_atom(p.kind));
        match out.last_mut() {
            Some(last) if glued && is_atom(token.kind) => last.span = last.span.to(token.span),
            _ => out.push(Unit {
                span: token.span,
                punct: match token.kind {
                    TokenKind::Punct(c) if !is_atom(token.kind) => Some(c),
                    _ => None,
                },
                line_start: token.line_start,
            }),
        }
        previous = Some(token);
    }
    out
}

/// What a bracket open at the cursor holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// The file (`top`), or the block of `in ACCOUNT { … }`.
    Items { top: bool },
    /// The block of a declaration or a template.
    Statements,
    /// The block of `trust`.
    Trust,
    /// The arguments of a constructor or of `use`.
    Arguments,
    /// The parameters of a template.
    Parameters,
    /// `Operator(KEY, VALUE)`
    RawOperator,
    /// A list whose elements are this slot.
    List(Slot),
    /// `arn(…)`, an attribute: nothing to complete.
    Closed,
    /// Brackets where the grammar has none.
    Lost,
}

/// Where reading stopped.
#[derive(Debug)]
enum Stop {
    /// The cursor is here, where this slot and these keywords fit.
    Slot(Slot, Vec<&'static str>),
    /// The construct may end here, so that a new one starts, or go on with these keywords.
    End(Vec<&'static str>),
    /// The cursor is inside the bracket read last.
    Open(Frame),
    /// What is written does not read as iamdsl.
    Lost,
}

fn slot(slot: Slot) -> Stop {
    Stop::Slot(slot, Vec::new())
}

fn slot_with(slot: Slot, keywords: &[&'static str]) -> Stop {
    Stop::Slot(slot, keywords.to_vec())
}

/// What comes after a construct: one of the keywords that continue it, or a list's comma.
enum Next {
    Keyword(&'static str),
    Comma,
}

/// The access levels, which stand where actions do.
fn levels() -> Vec<&'static str> {
    AccessLevel::ALL.iter().map(|l| l.keyword()).collect()
}

/// Reads the units of one bracket level up to the cursor. Every reading function returns
/// `Err(Stop)` when the units run out (the cursor is there) or do not fit; `Ok` means the
/// construct ended and more follows, which the caller reads or rejects.
struct Walk<'s> {
    source: &'s str,
    units: Vec<Unit>,
    pos: usize,
    item: Option<Item>,
    statement: Option<Statement>,
    principal: Option<Principal>,
}

impl Walk<'_> {
    fn take(&mut self) -> Option<Unit> {
        let unit = self.units.get(self.pos).copied();
        self.pos += usize::from(unit.is_some());
        unit
    }

    fn peek(&self) -> Option<Unit> {
        self.units.get(self.pos).copied()
    }

    /// The next unit, or `stop` when the cursor comes first.
    fn expect(&mut self, stop: Stop) -> Result<Unit, Stop> {
        self.take().ok_or(stop)
    }

    fn text(&self, unit: Unit) -> &str {
        self.source.get(unit.span.range()).unwrap_or("")
    }

    /// The unit's text when it is one word.
    fn word(&self, unit: Unit) -> Option<&str> {
        let text = self.text(unit);
        (unit.punct.is_none()
            && !text.is_empty()
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
        .then_some(text)
    }

    fn is(&self, unit: Unit, word: &str) -> bool {
        self.word(unit) == Some(word)
    }

    /// After an opening bracket: the cursor is inside (in `frame`), or the bracket is closed.
    fn group(&mut self, frame: Frame) -> Result<(), Stop> {
        match self.take() {
            None => Err(Stop::Open(frame)),
            Some(unit) if matches!(unit.punct, Some('}' | ')' | ']')) => Ok(()),
            Some(_) => Err(Stop::Lost),
        }
    }

    /// The opening bracket `bracket` of `frame`, and the group it opens.
    fn bracket(&mut self, bracket: char, frame: Frame) -> Result<(), Stop> {
        match self.expect(slot(Slot::Nothing))?.punct {
            Some(c) if c == bracket => self.group(frame),
            _ => Err(Stop::Lost),
        }
    }

    /// `#[…]` after its `#`.
    fn attribute(&mut self) -> Result<(), Stop> {
        self.bracket('[', Frame::Closed)
    }

    /// What follows a construct that may end here (`complete`) or must go on: one of
    /// `keywords`, or a comma when `comma`. After a `;` or an attribute, only a new construct.
    fn follow(
        &mut self,
        keywords: &'static [&'static str],
        comma: bool,
        complete: bool,
    ) -> Result<Next, Stop> {
        let (mut keywords, mut comma) = (keywords, comma);
        loop {
            let Some(unit) = self.take() else {
                return Err(match complete {
                    true => Stop::End(keywords.to_vec()),
                    false => slot_with(Slot::Keyword, keywords),
                });
            };
            match unit.punct {
                Some(',') if comma => return Ok(Next::Comma),
                Some(';' | '#') if complete => {
                    if unit.punct == Some('#') {
                        self.attribute()?;
                    }
                    (keywords, comma) = (&[], false);
                }
                _ => {
                    return keywords
                        .iter()
                        .find(|k| self.is(unit, k))
                        .map(|k| Next::Keyword(k))
                        .ok_or(Stop::Lost)
                }
            }
        }
    }

    /// The end of a construct that nothing continues.
    fn finish(&mut self) -> Result<(), Stop> {
        self.follow(&[], false, true).map(|_| ())
    }

    /// Reads the level in `frame` up to the cursor.
    fn frame(&mut self, frame: Frame) -> Stop {
        let result = match frame {
            Frame::Items { .. } => match self.last_start(|walk, _, unit| {
                let word = walk.word(unit).unwrap_or("");
                // Statements outside a block are fragments, read as statements all the same.
                unit.line_start && (ITEM_KEYWORDS.contains(&word) || STMT_KEYWORDS.contains(&word))
            }) {
                Some(_) => self.item(),
                None => self.prefixes(),
            },
            Frame::Statements => match self.last_start(|walk, index, unit| {
                walk.word(unit)
                    .is_some_and(|w| STMT_KEYWORDS.contains(&w) && !walk.names_principal(index))
                    || walk.is_property_start(index)
            }) {
                Some(_) => self.statement(),
                None => self.prefixes(),
            },
            Frame::Trust => match self.last_start(|walk, _, unit| {
                walk.word(unit).is_some_and(|w| TRUST_KEYWORDS.contains(&w))
                    || walk.text(unit) == "*"
            }) {
                Some(_) => self.entry(),
                None => self.prefixes(),
            },
            Frame::Arguments => self.elements(Slot::Value, true),
            Frame::List(element) => self.elements(element, false),
            Frame::Parameters => match self.units.last().and_then(|u| u.punct) {
                Some('=') => Err(slot(Slot::Value)),
                Some('[') => Err(Stop::Open(Frame::List(Slot::Value))),
                _ => Err(slot(Slot::Nothing)),
            },
            Frame::RawOperator => {
                let comma = self.units.iter().position(|u| u.punct == Some(','));
                match comma {
                    None if self.units.is_empty() => Err(slot(Slot::ConditionKey)),
                    None => Err(slot_with(Slot::Keyword, &[])),
                    Some(comma) => {
                        self.pos = comma + 1;
                        self.elements(Slot::ConditionValue, false)
                    }
                }
            }
            Frame::Closed => match self.units.last().and_then(|u| u.punct) {
                Some('(' | '[' | '{') => Err(Stop::Open(Frame::Closed)),
                _ => Err(slot(Slot::Nothing)),
            },
            Frame::Lost => Err(Stop::Lost),
        };
        match result {
            Err(stop) => stop,
            Ok(()) => Stop::Lost,
        }
    }

    /// Moves to the last unit that begins a construct (by `starts`), returning its index.
    fn last_start(&mut self, starts: impl Fn(&Self, usize, Unit) -> bool) -> Option<usize> {
        let found = (0..self.units.len())
            .rev()
            .find(|&i| starts(self, i, self.units[i]));
        self.pos = found.unwrap_or(0);
        found
    }

    /// A principal's kind after `to` or `,` (`allow read to account audit`): the statement
    /// goes on, though `account` also begins a member of an organization.
    fn names_principal(&self, index: usize) -> bool {
        let previous = index
            .checked_sub(1)
            .and_then(|i| self.units.get(i).copied());
        self.units
            .get(index)
            .and_then(|&u| self.word(u))
            .is_some_and(|w| TRUST_KEYWORDS.contains(&w))
            && previous.is_some_and(|p| p.punct == Some(',') || self.text(p) == "to")
    }

    /// `NAME =` (and not `NAME ==`) at the start of a line or after `{`, `}`, `;`.
    fn is_property_start(&self, index: usize) -> bool {
        let unit = |i: usize| self.units.get(i).copied();
        let at_boundary = index == 0
            || unit(index).is_some_and(|u| u.line_start)
            || unit(index - 1).is_some_and(|u| matches!(u.punct, Some('{' | '}' | ';')));
        let eq = unit(index + 1).filter(|u| u.punct == Some('='));
        let double = match (eq, unit(index + 2)) {
            (Some(eq), Some(next)) => next.punct == Some('=') && next.span.start == eq.span.end,
            _ => false,
        };
        at_boundary
            && unit(index).is_some_and(|u| self.word(u).is_some())
            && eq.is_some()
            && !double
    }

    /// Only attributes before the cursor: a construct starts there.
    fn prefixes(&mut self) -> Result<(), Stop> {
        loop {
            match self.take() {
                None => return Err(Stop::End(Vec::new())),
                Some(unit) if unit.punct == Some('#') => self.attribute()?,
                Some(_) => return Err(Stop::Lost),
            }
        }
    }

    /// The elements of a list or arguments, separated by commas (and named with `name:` when
    /// `named`).
    fn elements(&mut self, element: Slot, named: bool) -> Result<(), Stop> {
        let keywords: &[&str] = match element {
            Slot::ConditionValue => &["true", "false"],
            _ => &[],
        };
        let mut expecting = true;
        while let Some(unit) = self.take() {
            match unit.punct {
                Some(',') => expecting = true,
                Some('[') => {
                    self.group(Frame::List(element))?;
                    expecting = false;
                }
                Some(_) => return Err(Stop::Lost),
                // `region: "eu-west-1"`: the name of an argument, its value still to come.
                None if named && self.text(unit).ends_with(':') => expecting = true,
                None => expecting = false,
            }
        }
        Err(match expecting {
            true => slot_with(element, keywords),
            false => slot(Slot::Keyword),
        })
    }

    /// A declaration, or a statement outside any block, from its keyword.
    fn item(&mut self) -> Result<(), Stop> {
        let keyword = self.take().map(|u| self.text(u).to_string());
        let kind = match keyword.as_deref() {
            Some("account") => {
                self.item = Some(Item::Account);
                self.expect(slot(Slot::Nothing))?;
                self.equals()?;
                self.expect(slot(Slot::Nothing))?;
                self.follow(&["default"], false, true)?;
                return self.finish();
            }
            Some("let") => {
                self.item = Some(Item::Let);
                self.expect(slot(Slot::Nothing))?;
                self.equals()?;
                self.value(Slot::Value, &[])?;
                return self.finish();
            }
            Some("template") => {
                self.item = Some(Item::Template);
                self.expect(slot(Slot::Nothing))?;
                self.bracket('(', Frame::Parameters)?;
                self.bracket('{', Frame::Statements)?;
                return self.finish();
            }
            Some("in") => {
                self.item = Some(Item::In);
                self.expect(slot(Slot::Account))?;
                self.bracket('{', Frame::Items { top: false })?;
                return self.finish();
            }
            Some("expect") => return self.expectation(),
            Some("resource") => return self.resource_declaration(),
            Some("policy") => DeclKind::Policy,
            Some("group") => DeclKind::Group,
            Some("user") => DeclKind::User,
            Some("role") => DeclKind::Role,
            _ => {
                self.pos = self.pos.saturating_sub(1);
                return self.statement();
            }
        };
        self.item = Some(Item::Block(kind));
        self.expect(slot(Slot::Nothing))?;
        let mut unit = self.expect(slot_with(Slot::Keyword, &["in"]))?;
        if self.is(unit, "in") {
            self.expect(slot(Slot::Account))?;
            unit = self.expect(slot(Slot::Nothing))?;
        }
        if unit.punct != Some('{') {
            return Err(Stop::Lost);
        }
        self.group(Frame::Statements)?;
        self.finish()
    }

    /// `resource NAME [in ACCOUNT] = service.type(…) [{ … }]`, after `resource`.
    fn resource_declaration(&mut self) -> Result<(), Stop> {
        self.item = Some(Item::Resource);
        self.expect(slot(Slot::Nothing))?;
        let mut unit = self.expect(slot_with(Slot::Keyword, &["in"]))?;
        if self.is(unit, "in") {
            self.expect(slot(Slot::Account))?;
            unit = self.expect(slot(Slot::Keyword))?;
        }
        if unit.punct != Some('=') {
            return Err(Stop::Lost);
        }
        self.expect(slot(Slot::ResourceKind))?;
        self.bracket('(', Frame::Arguments)?;
        // Without a block the resource has no policy.
        match self.take() {
            None => Err(Stop::End(Vec::new())),
            Some(unit) if unit.punct == Some('{') => {
                self.group(Frame::Statements)?;
                self.finish()
            }
            Some(_) => {
                self.pos -= 1;
                self.finish()
            }
        }
    }

    /// The `=` of a declaration or property.
    fn equals(&mut self) -> Result<(), Stop> {
        match self.expect(slot(Slot::Keyword))?.punct {
            Some('=') => Ok(()),
            _ => Err(Stop::Lost),
        }
    }

    /// A value in `slot`, or a list of them.
    fn value(&mut self, element: Slot, keywords: &[&'static str]) -> Result<(), Stop> {
        let unit = self.expect(slot_with(element, keywords))?;
        match unit.punct {
            None => Ok(()),
            Some('[') => self.group(Frame::List(element)),
            Some(_) => Err(Stop::Lost),
        }
    }

    /// `expect SUBJECT can|cannot …`, `expect no escalation to admin`.
    fn expectation(&mut self) -> Result<(), Stop> {
        self.item = Some(Item::Expect);
        let subject = self.expect(slot_with(Slot::Subject, &["no"]))?;
        if self.is(subject, "no") {
            for word in ["escalation", "to", "admin"] {
                let unit = self.expect(Stop::Slot(Slot::Keyword, vec![word]))?;
                if !self.is(unit, word) {
                    return Err(Stop::Lost);
                }
            }
            return self.finish();
        }
        match self.expect(slot_with(Slot::Keyword, &["can", "cannot"]))? {
            unit if self.is(unit, "can") || self.is(unit, "cannot") => {}
            _ => return Err(Stop::Lost),
        }
        if self.peek().is_some_and(|u| self.is(u, "assume")) {
            self.take();
            self.expect(slot(Slot::Role))?;
        } else {
            self.actions(&["assume"], false)?;
            self.resource()?;
        }
        self.follow(&["when"], false, true)?;
        self.condition(false)
    }

    /// A statement, from its keyword (or a property, from its name).
    fn statement(&mut self) -> Result<(), Stop> {
        let Some(unit) = self.take() else {
            return Err(Stop::End(Vec::new()));
        };
        let keyword = self.word(unit).unwrap_or("").to_string();
        let statement = match keyword.as_str() {
            "allow" => Statement::Allow,
            "deny" => Statement::Deny,
            "attach" => Statement::Attach,
            "boundary" => Statement::Boundary,
            "assume" => Statement::Assume,
            "use" => Statement::Use,
            "trust" => Statement::Trust,
            "instance_profile" => Statement::InstanceProfile,
            _ => Statement::Property,
        };
        self.statement = Some(statement);
        match statement {
            Statement::Allow | Statement::Deny => self.permission(),
            Statement::Attach | Statement::Boundary => {
                let target = self.expect(slot(Slot::Policy))?;
                if self.is(target, "aws") {
                    self.expect(slot(Slot::Nothing))?;
                }
                self.finish()
            }
            Statement::Assume => {
                let target = self.expect(slot(Slot::Role))?;
                if self.is(target, "arn") {
                    self.bracket('(', Frame::Closed)?;
                }
                self.follow(&["when"], false, true)?;
                self.condition(false)
            }
            Statement::Use => {
                self.expect(slot(Slot::Template))?;
                self.bracket('(', Frame::Arguments)?;
                self.finish()
            }
            Statement::Trust => {
                self.bracket('{', Frame::Trust)?;
                self.finish()
            }
            Statement::InstanceProfile => self.finish(),
            Statement::Property => {
                self.equals()?;
                // `groups` holds the names of the user's groups; every other property a value.
                let element = match keyword.as_str() {
                    "groups" => Slot::Group,
                    _ => Slot::Value,
                };
                self.value(element, &[])?;
                self.finish()
            }
        }
    }

    /// `ACTIONS on RESOURCES [when CONDITION] [until DATE]`, after the effect; in a resource's
    /// policy `ACTIONS [on RESOURCES] to PRINCIPALS …`.
    fn permission(&mut self) -> Result<(), Stop> {
        let grants = self.item == Some(Item::Resource);
        if self.actions(&[], grants)? == "to" {
            return self.principals();
        }
        let mut except = false;
        loop {
            self.resource()?;
            // A statement of a resource's policy goes on to whom it lets in.
            let keywords: &'static [&'static str] = match (except, grants) {
                (true, false) => &["when", "until"],
                (false, false) => &["except", "when", "until"],
                (true, true) => &["to"],
                (false, true) => &["except", "to"],
            };
            match self.follow(keywords, true, !grants)? {
                Next::Comma => {}
                Next::Keyword("except") => except = true,
                Next::Keyword("to") => return self.principals(),
                Next::Keyword("when") => return self.condition(true),
                Next::Keyword(_) => return self.until(),
            }
        }
    }

    /// `PRINCIPAL, …` after `to`, and the condition and date after them.
    fn principals(&mut self) -> Result<(), Stop> {
        loop {
            let unit = self.expect(slot(Slot::TrustPrincipal))?;
            self.principal(unit)?;
            match self.follow(&["when", "until"], true, true)? {
                Next::Comma => {}
                Next::Keyword("when") => return self.condition(true),
                Next::Keyword(_) => return self.until(),
            }
        }
    }

    /// `ACTION, … [except ACTION, …]`, through the `on` after it (or `to`, when `to`), which it
    /// returns. `first` are keywords that may stand instead of the first action.
    fn actions(&mut self, first: &[&'static str], to: bool) -> Result<&'static str, Stop> {
        let mut except = false;
        let mut extra = first;
        loop {
            let mut keywords = levels();
            keywords.extend_from_slice(extra);
            extra = &[];
            let unit = self.expect(Stop::Slot(Slot::Action, keywords))?;
            match unit.punct {
                None => {}
                // Not the grammar's, but a list of actions reads as one.
                Some('[') => self.group(Frame::List(Slot::Action))?,
                Some(_) => return Err(Stop::Lost),
            }
            let keywords: &'static [&'static str] = match (except, to) {
                (true, false) => &["on"],
                (false, false) => &["on", "except"],
                (true, true) => &["on", "to"],
                (false, true) => &["on", "to", "except"],
            };
            match self.follow(keywords, true, false)? {
                Next::Comma => {}
                Next::Keyword("except") => except = true,
                Next::Keyword(keyword) => return Ok(keyword),
            }
        }
    }

    /// `*`, `arn("…")`, `service.type(…)` or a declared resource's name.
    fn resource(&mut self) -> Result<(), Stop> {
        let unit = self.expect(slot_with(Slot::Resource, &["arn"]))?;
        if unit.punct.is_some() {
            return Err(Stop::Lost);
        }
        let opens = self.peek().is_some_and(|u| u.punct == Some('('));
        if self.text(unit) == "*" || (!opens && self.word(unit).is_some()) {
            return Ok(());
        }
        let frame = match self.is(unit, "arn") {
            true => Frame::Closed,
            false => Frame::Arguments,
        };
        self.bracket('(', frame)
    }

    /// Clauses joined by `and`, after `when`; `until` may follow when `until`.
    fn condition(&mut self, until: bool) -> Result<(), Stop> {
        loop {
            self.clause()?;
            let keywords: &'static [&'static str] = match until {
                true => &["and", "until"],
                false => &["and"],
            };
            match self.follow(keywords, false, true)? {
                Next::Keyword("and") => {}
                _ => return self.until(),
            }
        }
    }

    /// The date after `until`.
    fn until(&mut self) -> Result<(), Stop> {
        self.expect(slot(Slot::Nothing))?;
        self.finish()
    }

    /// `mfa`, `[any|all] KEY[?] OP VALUE`, `KEY [not] exists`, `Operator(KEY, VALUE)`.
    fn clause(&mut self) -> Result<(), Stop> {
        let mut quantified = false;
        let key = loop {
            let keywords: &[&'static str] = match quantified {
                true => &[],
                false => &["mfa", "any", "all"],
            };
            let unit = self.expect(slot_with(Slot::ConditionKey, keywords))?;
            if unit.punct.is_some() {
                return Err(Stop::Lost);
            }
            match self.word(unit) {
                Some("mfa") if !quantified => return Ok(()),
                Some("any" | "all") if !quantified => quantified = true,
                _ => break unit,
            }
        };
        let by_name = self.text(key).starts_with(|c: char| c.is_ascii_uppercase());
        if by_name && self.peek().is_some_and(|u| u.punct == Some('(')) {
            self.take();
            return self.group(Frame::RawOperator);
        }
        loop {
            let unit = self.expect(slot_with(Slot::Keyword, &["like", "not", "in", "exists"]))?;
            match (unit.punct, self.word(unit)) {
                (_, Some("exists")) => return Ok(()),
                (_, Some("like" | "in")) => break,
                (_, Some("not")) => {
                    let unit = self.expect(slot_with(Slot::Keyword, &["like", "in", "exists"]))?;
                    match self.word(unit) {
                        Some("exists") => return Ok(()),
                        Some("like" | "in") => break,
                        _ => return Err(Stop::Lost),
                    }
                }
                // `KEY ? == …`: the `?` apart from its key.
                (None, None) if self.text(unit) == "?" => {}
                (Some('=' | '!' | '<' | '>'), _) => {
                    while self.peek().is_some_and(|u| u.punct == Some('=')) {
                        self.take();
                    }
                    break;
                }
                _ => return Err(Stop::Lost),
            }
        }
        self.value(Slot::ConditionValue, &["true", "false"])
    }

    /// A trust entry, from its principal's kind.
    fn entry(&mut self) -> Result<(), Stop> {
        let Some(unit) = self.take() else {
            return Err(Stop::End(Vec::new()));
        };
        self.principal(unit)?;
        if let Next::Keyword("tag_session") = self.follow(&["tag_session", "when"], false, true)? {
            self.follow(&["when"], false, true)?;
        }
        self.condition(false)
    }

    /// A principal, from its kind (`unit`), through what it names: `role deployer`, `*`.
    fn principal(&mut self, unit: Unit) -> Result<(), Stop> {
        let principal = match self.text(unit) {
            "service" => Principal::Service,
            "account" => Principal::Account,
            "role" => Principal::Role,
            "user" => Principal::User,
            "saml" => Principal::Saml,
            "oidc" => Principal::Oidc,
            "org" => Principal::Org,
            _ => Principal::Anyone,
        };
        self.principal = Some(principal);
        if principal != Principal::Anyone {
            let target = self.expect(slot(Slot::TrustTarget(principal)))?;
            if self.is(target, "arn") && matches!(principal, Principal::Role | Principal::User) {
                self.bracket('(', Frame::Closed)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod managed_policy_tests {
    use super::*;

    #[test]
    fn inside_the_string_of_attach_aws_is_a_managed_policy() {
        let source = "role r {\n  attach aws \"service-role/AWSLam";
        let query = Query::at(source, source.len());
        assert_eq!(query.slot, Slot::AwsManagedPolicy);
        let typed = &source[query.token.start as usize..query.token.end as usize];
        assert_eq!(typed, "service-role/AWSLam");
        let empty = "role r {\n  boundary aws \"";
        let query = Query::at(empty, empty.len());
        assert_eq!(query.slot, Slot::AwsManagedPolicy);
        assert_eq!(query.token.start, query.token.end);
        // Any other string holds nothing to complete.
        let other = "role r {\n  name = \"Rea";
        assert_eq!(Query::at(other, other.len()).slot, Slot::Nothing);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    /// The query at the `|` of `marked`, and the text of its token.
    fn query(marked: &str) -> (Query, String) {
        let offset = marked.find('|').expect("a cursor");
        let source = marked.replacen('|', "", 1);
        let query = Query::at(&source, offset);
        let token = source[query.token.range()].to_string();
        (query, token)
    }

    fn slot_of(marked: &str) -> Slot {
        query(marked).0.slot
    }

    #[test]
    fn the_token_is_what_is_typed_up_to_the_cursor() {
        for (marked, token) in [
            ("allow s3:Get|", "s3:Get"),
            ("allow read on s3.obj|", "s3.obj"),
            ("allow * on * when aws:Sour|", "aws:Sour"),
            ("allow * on * when aws:RequestTag/te|", "aws:RequestTag/te"),
            ("use std.ecs.|", "std.ecs."),
            ("attach |", ""),
            ("role r {\n  allow s3:Get|Object on *\n}", "s3:Get"),
            ("allow s3:|", "s3:"),
            ("allow read on s3.bucket(|", ""),
        ] {
            assert_eq!(query(marked).1, token, "{marked:?}");
        }
    }

    #[test]
    fn statements_in_blocks() {
        let cases = [
            ("role r {\n  allow s3:Get|", Slot::Action),
            ("role r {\n  allow s3:GetObject, s3:Put|", Slot::Action),
            ("role r {\n  allow read on s3.obj|", Slot::Resource),
            (
                "role r {\n  allow read on s3.bucket(\"b\"), |",
                Slot::Resource,
            ),
            ("role r {\n  allow * except iam:* on |", Slot::Resource),
            (
                "role r {\n  allow read on * when aws:Sour|",
                Slot::ConditionKey,
            ),
            ("role r {\n  allow read on * when any |", Slot::ConditionKey),
            (
                "role r {\n  allow read on * when mfa and aws:SourceIp == \"1\" and |",
                Slot::ConditionKey,
            ),
            (
                "role r {\n  allow read on * when aws:SourceIp == |",
                Slot::ConditionValue,
            ),
            (
                "role r {\n  allow read on * when aws:SourceIp in [|",
                Slot::ConditionValue,
            ),
            (
                "role r {\n  allow read on * when aws:SourceIp not in |",
                Slot::ConditionValue,
            ),
            (
                "role r {\n  allow read on * when aws:x like \"a\" until |",
                Slot::Nothing,
            ),
            ("role r {\n  attach |", Slot::Policy),
            ("role r {\n  boundary pol|", Slot::Policy),
            ("role r {\n  assume |", Slot::Role),
            ("role r {\n  use std.ecs.|", Slot::Template),
            ("role r {\n  use tpl(|", Slot::Value),
            ("role r {\n  att|", Slot::StatementKeyword),
            ("role r {\n  attach p\n  |", Slot::StatementKeyword),
            ("role r {\n  attach p;\n  |", Slot::StatementKeyword),
            ("role r {\n  #[allow(x)]\n  |", Slot::StatementKeyword),
            ("role r {\n  #[allow(|", Slot::Nothing),
            ("role r {\n  max_session = |", Slot::Value),
            ("role r {\n  max_se| = 1h\n}", Slot::PropertyName),
            ("user u {\n  groups = [dev|", Slot::Group),
            ("user u {\n  groups = [dev, |", Slot::Group),
            ("user u {\n  groups = [dev] |", Slot::StatementKeyword),
            ("role r {\n  allow read on s3.object(\"b\", |", Slot::Value),
            ("role r {\n  allow read on arn(|", Slot::Nothing),
            (
                "role r {\n  allow read on * when StringLike(|",
                Slot::ConditionKey,
            ),
            (
                "role r {\n  allow read on * when StringLike(aws:x, |",
                Slot::ConditionValue,
            ),
        ];
        for (marked, expected) in cases {
            assert_eq!(slot_of(marked), expected, "{marked:?}");
        }
    }

    /// Statements span lines: the line the cursor is on says nothing of where it is.
    #[test]
    fn statements_across_lines() {
        let cases = [
            ("role r {\n  allow [\n    s3:Get|", Slot::Action),
            ("role r {\n  allow s3:GetObject,\n    s3:Put|", Slot::Action),
            ("role r {\n  allow s3:GetObject\n    on s3.|", Slot::Resource),
            ("role r {\n  allow s3:GetObject on *\n    when\n    s3:pre|", Slot::ConditionKey),
            (
                "role r {\n  allow s3:GetObject on *\n    when aws:SecureTransport == true\n    and ex|",
                Slot::ConditionKey,
            ),
            ("user u {\n  groups = [\n    dev,\n    o|", Slot::Group),
            ("role r {\n  attach\n    |", Slot::Policy),
            ("role r {\n  trust {\n    oidc \"x\"\n      when |", Slot::ConditionKey),
        ];
        for (marked, expected) in cases {
            assert_eq!(slot_of(marked), expected, "{marked:?}");
        }
    }

    #[test]
    fn keywords_that_continue_a_statement() {
        let keywords = |marked: &str| query(marked).0.keywords;
        assert_eq!(
            keywords("role r {\n  allow s3:GetObject |"),
            vec!["on", "except"]
        );
        assert_eq!(slot_of("role r {\n  allow s3:GetObject |"), Slot::Keyword);
        assert_eq!(
            keywords("role r {\n  allow s3:GetObject on * |"),
            vec!["except", "when", "until"]
        );
        assert_eq!(
            slot_of("role r {\n  allow s3:GetObject on * |"),
            Slot::StatementKeyword
        );
        assert_eq!(
            keywords("role r {\n  allow s3:GetObject on * when mfa |"),
            vec!["and", "until"]
        );
        assert_eq!(
            keywords("role r {\n  allow * on * when aws:SourceIp |"),
            vec!["like", "not", "in", "exists"]
        );
        assert_eq!(keywords("role r {\n  assume deployer |"), vec!["when"]);
        assert_eq!(keywords("role r {\n  allow |"), levels());
        assert_eq!(keywords("role r {\n  allow read on |"), vec!["arn"]);
        assert_eq!(
            keywords("role r {\n  allow read on * when |"),
            vec!["mfa", "any", "all"]
        );
        assert!(keywords("role r {\n  attach p\n  |").is_empty());
    }

    #[test]
    fn the_context_names_the_declaration_statement_and_entry() {
        let (q, _) = query("role r {\n  allow read on * when aws:x == |");
        assert_eq!(q.item, Some(Item::Block(DeclKind::Role)));
        assert_eq!(q.statement, Some(Statement::Allow));
        let (q, _) = query("policy p in prod {\n  deny s3:|");
        assert_eq!(q.item, Some(Item::Block(DeclKind::Policy)));
        assert_eq!(q.statement, Some(Statement::Deny));
        let (q, _) = query("role r {\n  trust {\n    oidc \"x\" when su|");
        assert_eq!(
            (q.statement, q.principal, q.slot),
            (
                Some(Statement::Trust),
                Some(Principal::Oidc),
                Slot::ConditionKey
            )
        );
        // A new entry, or `when` on a line of its own.
        let (q, _) = query("role r {\n  trust {\n    service lambda\n    |");
        assert_eq!(
            (q.statement, q.principal, q.slot, q.keywords),
            (
                Some(Statement::Trust),
                Some(Principal::Service),
                Slot::TrustPrincipal,
                vec!["tag_session", "when"]
            )
        );
        let (q, _) = query("in prod {\n  user u {\n    groups = [|");
        assert_eq!(
            (q.item, q.statement, q.slot),
            (
                Some(Item::Block(DeclKind::User)),
                Some(Statement::Property),
                Slot::Group
            )
        );
        // After a finished statement, none.
        let (q, _) = query("role r {\n  attach p\n  |");
        assert_eq!((q.statement, q.slot), (None, Slot::StatementKeyword));
        let (q, _) = query("template t(a) {\n  |");
        assert_eq!(
            (q.item, q.slot),
            (Some(Item::Template), Slot::StatementKeyword)
        );
    }

    #[test]
    fn trust_entries() {
        let cases = [
            ("role r {\n  trust {\n    |", Slot::TrustPrincipal),
            ("role r {\n  trust { ser|", Slot::TrustPrincipal),
            (
                "role r {\n  trust { service |",
                Slot::TrustTarget(Principal::Service),
            ),
            (
                "role r {\n  trust { role dep|",
                Slot::TrustTarget(Principal::Role),
            ),
            (
                "role r {\n  trust { account |",
                Slot::TrustTarget(Principal::Account),
            ),
            (
                "role r {\n  trust { account audit when external_id == \"x\" }\n  |",
                Slot::StatementKeyword,
            ),
            (
                "role r {\n  trust { oidc \"x\" tag_session when aud == \"a\" and |",
                Slot::ConditionKey,
            ),
        ];
        for (marked, expected) in cases {
            assert_eq!(slot_of(marked), expected, "{marked:?}");
        }
        assert_eq!(
            query("role r {\n  trust { service lambda |").0.keywords,
            vec!["tag_session", "when"]
        );
    }

    #[test]
    fn declarations() {
        let cases = [
            ("|", Slot::ItemKeyword),
            ("ro|", Slot::ItemKeyword),
            ("role r {\n}\n|", Slot::ItemKeyword),
            ("role |", Slot::Nothing),
            ("role r |", Slot::Keyword),
            ("role r in |", Slot::Account),
            ("role r in pr|", Slot::Account),
            ("in |", Slot::Account),
            ("in prod {\n  |", Slot::ItemKeyword),
            ("let x = |", Slot::Value),
            ("let x = [|", Slot::Value),
            ("account a = \"1\" |", Slot::Keyword),
            ("template t(a, b = |", Slot::Value),
            ("template t(|", Slot::Nothing),
            ("expect |", Slot::Subject),
            ("expect alice |", Slot::Keyword),
            ("expect alice can |", Slot::Action),
            ("expect alice can s3:|", Slot::Action),
            ("expect alice can assume |", Slot::Role),
            ("expect alice can read on s3.|", Slot::Resource),
            ("expect alice can read on * when |", Slot::ConditionKey),
            ("expect no |", Slot::Keyword),
            // Statements outside any block, as an editor's scratch text has them.
            ("  attach |", Slot::Policy),
            (
                "  allow s3:GetObject on * when aws:Sour|",
                Slot::ConditionKey,
            ),
            ("user x { groups = [|", Slot::Group),
            // Indented text that begins nothing at the top level: anything.
            ("  rea|", Slot::Unknown),
        ];
        for (marked, expected) in cases {
            assert_eq!(slot_of(marked), expected, "{marked:?}");
        }
        let (q, _) = query("expect alice can assume |");
        assert_eq!(q.item, Some(Item::Expect));
        assert_eq!(query("role r |").0.keywords, vec!["in"]);
        assert_eq!(
            query("expect alice can |").0.keywords.last(),
            Some(&"assume")
        );
    }

    /// `resource NAME [in ACCOUNT] = KIND(…) [{ … }]`, and `to PRINCIPAL, …` in its block.
    #[test]
    fn resources_and_their_principals() {
        let block = "resource r = s3.bucket(\"b\") {\n  ";
        let cases = [
            ("resource |".to_string(), Slot::Nothing),
            ("resource r in |".into(), Slot::Account),
            ("resource r = |".into(), Slot::ResourceKind),
            ("resource r in prod = s3.b|".into(), Slot::ResourceKind),
            ("resource r = s3.bucket(|".into(), Slot::Value),
            ("resource r = s3.bucket(\"b\")\n|".into(), Slot::ItemKeyword),
            (format!("{block}|"), Slot::StatementKeyword),
            (format!("{block}allow read to |"), Slot::TrustPrincipal),
            (
                format!("{block}allow read on * to role a, |"),
                Slot::TrustPrincipal,
            ),
            (
                format!("{block}allow read to org |"),
                Slot::TrustTarget(Principal::Org),
            ),
            (format!("{block}allow read to * when |"), Slot::ConditionKey),
            ("role x {\n  allow read on logs, |".into(), Slot::Resource),
        ];
        for (marked, expected) in cases {
            assert_eq!(slot_of(&marked), expected, "{marked:?}");
        }
        let (q, _) = query(&format!("{block}allow read to role a |"));
        assert_eq!(
            (q.item, q.statement, q.keywords),
            (
                Some(Item::Resource),
                Some(Statement::Allow),
                vec!["when", "until"]
            )
        );
        assert_eq!(query("resource r |").0.keywords, vec!["in"]);
        // `to` continues a statement of a resource's policy only.
        assert_eq!(
            query(&format!("{block}allow read on * |")).0.keywords,
            vec!["except", "to"]
        );
        assert_eq!(
            query("role x {\n  allow read on logs |").0.keywords,
            vec!["except", "when", "until"]
        );
    }

    #[test]
    fn nothing_inside_strings_and_comments() {
        for marked in [
            "role r {\n  allow read on s3.bucket(\"ab|",
            "role r {\n  allow read on s3.bucket(\"ab|c\")",
            "role r {\n  // allow s3:Get|",
            "role r {\n  /* allow s3:Get| */",
            "/// a doc comment|\nrole r {}",
            "let x = \"a\\\"|",
            "role r {\n  allow s3:Get*|",
        ] {
            assert_eq!(slot_of(marked), Slot::Nothing, "{marked:?}");
        }
        // Just after a closed string or comment, the code goes on.
        assert_eq!(slot_of("let x = \"a\\\\\" |"), Slot::Keyword);
        assert_eq!(slot_of("role r {\n  /* c */ allow |"), Slot::Action);
        assert_eq!(
            slot_of("role r {\n  // a comment\n  allow s3:GetObject // and another\n    on |"),
            Slot::Resource
        );
    }

    /// A block left open ends at the next declaration in the first column, as the lexer has it.
    #[test]
    fn an_unclosed_block_ends_at_the_next_declaration() {
        assert_eq!(
            slot_of("role a {\n  allow read on *\nrole b {\n  attach |\n}"),
            Slot::Policy
        );
        assert_eq!(
            query("role a {\n  allow read on *\npolicy b {\n  |").0.item,
            Some(Item::Block(DeclKind::Policy))
        );
    }

    /// No text makes the query panic: every prefix of every cursor position of some sources.
    #[test]
    fn every_position_of_some_sources() {
        let sources = [
            include_str!("../../../examples/platform/roles.iamdsl"),
            include_str!("../../../examples/platform/resources.iamdsl"),
            "role r { allow s3:Get* on s3.object(\"b\", \"*\") when StringLike(aws:x, [\"a\", \"b\"]) and aws:y? == 2027-01-31T12:00+02:00 until 2027-01-31 }\n}}]) ( [ { \"unterminated\n/* open",
            "😀 role é { allow ¥ }",
        ];
        for source in sources {
            for offset in 0..=source.len() + 1 {
                let q = Query::at(source, offset);
                assert!(q.token.end as usize <= source.len());
            }
        }
    }
}
