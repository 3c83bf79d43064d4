//! Text to [`Module`]: pest does the parsing (grammar/iamdsl.pest); this file turns pest's pairs
//! into the typed tree and, when a file is broken, parses it piece by piece so that every
//! mistake is reported.
//!
//! Architecture invariant: parsing never fails. It returns a tree (with `Error` nodes where text
//! did not parse) and a list of diagnostics. The walk over pairs never unwraps: a pair of an
//! unexpected shape becomes an internal error, not a panic.

use iamdsl_diagnostics::{codes, suggest, Diagnostic, FileId, Span};
use pest::iterators::{Pair, Pairs};
use pest::Parser as _;

use crate::ast::*;
use crate::errors::syntax_error;
use crate::lexer::{self, Lexed, Token, TokenKind, ITEM_KEYWORDS, STMT_KEYWORDS, TRUST_KEYWORDS};

use crate::grammar::{Grammar, R};

/// At most this many syntax errors are reported per file; past that, the file is hopeless.
const MAX_ERRORS: usize = 50;

/// What parsing a file gives: always a tree, and the syntax errors found.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub module: Module,
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses one file. Never panics, whatever the input.
pub fn parse(source: &str, file: FileId) -> Parsed {
    match Grammar::parse(R::file, source) {
        Ok(mut pairs) => {
            let walker = Walker { base: 0 };
            match pairs.next().map(|pair| walker.module(pair)) {
                Some(Ok(module)) => Parsed {
                    module,
                    diagnostics: Vec::new(),
                },
                Some(Err(Malformed(span))) => Parsed {
                    module: Module::default(),
                    diagnostics: vec![internal(file, span)],
                },
                None => Parsed::default(),
            }
        }
        Err(_) => Recovery::new(source, file).run(),
    }
}

/// Parses an intent as `iamdsl expand` takes it: `read, list on s3.bucket("x") [when …]`.
pub fn parse_intent(
    source: &str,
    file: FileId,
) -> Result<(ActionList, ResourceList, Option<Condition>), Diagnostic> {
    let mut pairs = Grammar::parse(R::intent_only, source)
        .map_err(|e| syntax_error(&e, source, 0, "the end of the intent", file))?;
    let walker = Walker { base: 0 };
    let top = pairs
        .next()
        .ok_or_else(|| internal(file, Span::default()))?;
    let mut inner = Children::new(top);
    let result = (|| {
        let actions = walker.action_list(inner.expect(R::action_list)?)?;
        inner.skip(R::kw_on);
        let resources = walker.resource_list(inner.expect(R::resource_list)?)?;
        let condition = inner
            .take(R::condition)
            .map(|c| walker.condition(c))
            .transpose()?;
        Ok((actions, resources, condition))
    })();
    result.map_err(|Malformed(span)| internal(file, span))
}

/// Whether `text` is, whole, one date literal of the grammar (`2027-01-31`,
/// `2027-01-31T12:00:00Z`): what import may write unquoted.
pub fn is_date_literal(text: &str) -> bool {
    Grammar::parse(R::date, text)
        .ok()
        .and_then(|mut pairs| pairs.next())
        .is_some_and(|pair| pair.as_str().len() == text.len())
}

/// A list built by pushing holds room for at least four elements; the tree keeps exactly what
/// it holds, which is most of its memory on a large project (and of the pages the kernel zeroes).
fn exact<T>(mut list: Vec<T>) -> Vec<T> {
    list.shrink_to_fit();
    list
}

fn internal(file: FileId, span: Span) -> Diagnostic {
    Diagnostic::error(
        codes::SYNTAX,
        "internal error: the parser produced a tree of an unexpected shape",
    )
    .at(file, span, "while reading this")
    .with_note("this is a bug in iamdsl; please report it with this file")
}

/// Where a pair's own text ends. pest lets a rule that ends in an optional part (`x ~ y?`) swallow
/// the white space and comments it skipped looking for `y`; a node's span must not include them,
/// or diagnostics would underline blank space and the formatter would misplace comments.
fn content_end(pair: &Pair<'_, R>) -> usize {
    let end = pair.as_span().end();
    // Atomic rules skip nothing: their end is exact.
    if matches!(
        pair.as_rule(),
        R::name
            | R::ident
            | R::string
            | R::action_pattern
            | R::access_level
            | R::key_name
            | R::number
            | R::duration
            | R::date
            | R::boolean
            | R::star
            | R::service_name
            | R::doc_comment
            | R::attr_word
            | R::operator_name
            // Entry points end with the input.
            | R::file
            | R::item_only
            | R::stmt_only
            | R::trust_entry_only
            | R::intent_only
            | R::block_header_only
    ) {
        return end;
    }
    // Fast path: without the white space it ends in, text whose last line holds no comment
    // ends where its content does (no token ends in white space). Only a comment, or what
    // looks like one, needs the walk down to the last child.
    let text = pair.as_str().as_bytes();
    if text.is_empty() {
        return end;
    }
    let blank = text
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_whitespace())
        .count();
    let content = &text[..text.len() - blank];
    if !content.is_empty()
        && !content.ends_with(b"*/")
        && !content
            .rsplit(|b| *b == b'\n')
            .next()
            .is_some_and(|line| line.windows(2).any(|w| w == b"//"))
    {
        return end - blank;
    }
    walked_end(pair)
}

/// [`content_end`] the slow way: the end of the last child, unless something other than white
/// space and comments follows it.
fn walked_end(pair: &Pair<'_, R>) -> usize {
    let end = pair.as_span().end();
    let Some(last) = pair.clone().into_inner().last() else {
        return end;
    };
    let inner_end = content_end(&last);
    let gap = pair
        .get_input()
        .get(inner_end..end)
        .unwrap_or("")
        .trim_start();
    if gap.is_empty() || gap.starts_with("//") || gap.starts_with("/*") {
        inner_end
    } else {
        end
    }
}

/// A pest pair that does not have the shape the grammar promises.
#[derive(Debug)]
pub(crate) struct Malformed(Span);

pub(crate) type Walk<T> = Result<T, Malformed>;

fn is_punctuation(rule: R) -> bool {
    matches!(
        rule,
        R::eq
            | R::comma
            | R::colon
            | R::dot
            | R::semicolon
            | R::lparen
            | R::rparen
            | R::lbrace
            | R::rbrace
            | R::lbracket
            | R::rbracket
            | R::EOI
    )
}

type Significant<'i> =
    std::iter::Peekable<std::iter::Filter<Pairs<'i, R>, fn(&Pair<'i, R>) -> bool>>;

/// The children of a pair without punctuation, read front to back.
struct Children<'i> {
    pairs: Significant<'i>,
    parent: Span,
}

impl<'i> Children<'i> {
    fn new(pair: Pair<'i, R>) -> Children<'i> {
        let span = pair.as_span();
        let parent = Span::new(span.start(), span.end());
        let keep: fn(&Pair<'i, R>) -> bool = |p| !is_punctuation(p.as_rule());
        Children {
            pairs: pair.into_inner().filter(keep).peekable(),
            parent,
        }
    }

    fn peek_rule(&mut self) -> Option<R> {
        self.pairs.peek().map(Pair::as_rule)
    }

    fn next(&mut self) -> Option<Pair<'i, R>> {
        self.pairs.next()
    }

    fn take(&mut self, rule: R) -> Option<Pair<'i, R>> {
        if self.peek_rule() == Some(rule) {
            self.pairs.next()
        } else {
            None
        }
    }

    fn skip(&mut self, rule: R) -> bool {
        self.take(rule).is_some()
    }

    fn expect(&mut self, rule: R) -> Walk<Pair<'i, R>> {
        self.take(rule).ok_or(Malformed(self.parent))
    }

    fn any(&mut self) -> Walk<Pair<'i, R>> {
        self.pairs.next().ok_or(Malformed(self.parent))
    }
}

pub(crate) struct Walker {
    /// Offset of the parsed piece in its file.
    pub(crate) base: usize,
}

impl Walker {
    fn span(&self, pair: &Pair<'_, R>) -> Span {
        Span::new(
            self.base + pair.as_span().start(),
            self.base + content_end(pair),
        )
    }

    fn loc(&self, pair: &Pair<'_, R>) -> Loc {
        Loc(self.span(pair))
    }

    fn malformed(&self, pair: &Pair<'_, R>) -> Malformed {
        Malformed(self.span(pair))
    }

    fn module(&self, pair: Pair<'_, R>) -> Walk<Module> {
        let mut items = Vec::new();
        let mut children = Children::new(pair);
        while let Some(child) = children.next() {
            items.push(self.item(child)?);
        }
        Ok(Module { items })
    }

    fn ident(&self, pair: Pair<'_, R>) -> Walk<Ident> {
        // `name` wraps `ident`; both carry the same text.
        Ok(Ident {
            name: pair.as_str().to_string(),
            loc: self.loc(&pair),
        })
    }

    fn prefix(&self, children: &mut Children<'_>) -> Walk<Prefix> {
        let mut prefix = Prefix::default();
        loop {
            match children.peek_rule() {
                Some(R::doc_comment) => {
                    let pair = children.any()?;
                    let loc = self.loc(&pair);
                    let text = pair.as_str().strip_prefix("///").unwrap_or("");
                    let text = text.strip_prefix(' ').unwrap_or(text).trim_end();
                    prefix.docs.push(Spanned {
                        node: text.to_string(),
                        loc,
                    });
                }
                Some(R::attribute) => {
                    let pair = children.any()?;
                    let loc = self.loc(&pair);
                    let mut inner = Children::new(pair);
                    let name = self.ident(inner.expect(R::attr_word)?)?;
                    let mut args = Vec::new();
                    while let Some(arg) = inner.take(R::attr_word) {
                        args.push(self.ident(arg)?);
                    }
                    prefix.attrs.push(Attribute { name, args, loc });
                }
                _ => return Ok(prefix),
            }
        }
    }

    pub(crate) fn item(&self, pair: Pair<'_, R>) -> Walk<Item> {
        let loc = self.loc(&pair);
        let mut children = Children::new(pair);
        let prefix = self.prefix(&mut children)?;
        let decl = children.any()?;
        let kind = match decl.as_rule() {
            R::account_decl => {
                let mut inner = Children::new(decl);
                inner.skip(R::kw_account);
                let name = self.ident(inner.expect(R::name)?)?;
                let id = self.string(inner.expect(R::string)?)?;
                let default = inner.skip(R::kw_default);
                ItemKind::Account(AccountDecl { name, id, default })
            }
            R::let_decl => {
                let mut inner = Children::new(decl);
                inner.skip(R::kw_let);
                let name = self.ident(inner.expect(R::name)?)?;
                let value = self.value(inner.any()?)?;
                ItemKind::Let(LetDecl { name, value })
            }
            R::policy_decl | R::group_decl | R::user_decl | R::role_decl => {
                let kind = match decl.as_rule() {
                    R::policy_decl => DeclKind::Policy,
                    R::group_decl => DeclKind::Group,
                    R::user_decl => DeclKind::User,
                    _ => DeclKind::Role,
                };
                let mut inner = Children::new(decl);
                inner.any()?; // the keyword
                let name = self.ident(inner.expect(R::name)?)?;
                let account = self.placement(&mut inner)?;
                let body = self.block(inner.expect(R::block)?)?;
                ItemKind::Block(BlockDecl {
                    kind,
                    name,
                    account,
                    body,
                })
            }
            R::resource_decl => {
                let mut inner = Children::new(decl);
                inner.skip(R::kw_resource);
                let name = self.ident(inner.expect(R::name)?)?;
                let account = self.placement(&mut inner)?;
                inner.skip(R::eq);
                let Resource::Constructor(constructor) =
                    self.resource(inner.expect(R::constructor)?)?
                else {
                    return Err(Malformed(loc.span()));
                };
                let body = inner.take(R::block).map(|b| self.block(b)).transpose()?;
                ItemKind::Resource(ResourceDecl {
                    name,
                    account,
                    constructor,
                    body,
                })
            }
            R::template_decl => {
                let mut inner = Children::new(decl);
                inner.skip(R::kw_template);
                let name = self.ident(inner.expect(R::name)?)?;
                let params = match inner.take(R::params) {
                    Some(params) => self.params(params)?,
                    None => Vec::new(),
                };
                let body = self.block(inner.expect(R::block)?)?;
                ItemKind::Template(TemplateDecl { name, params, body })
            }
            R::in_block => {
                let mut inner = Children::new(decl);
                inner.skip(R::kw_in);
                let account = self.ident(inner.expect(R::name)?)?;
                let mut items = Vec::new();
                while let Some(item) = inner.take(R::item) {
                    items.push(self.item(item)?);
                }
                ItemKind::In(InBlock { account, items })
            }
            R::expect_decl => ItemKind::Expect(self.expect(decl)?),
            R::org_policy_decl => {
                let mut inner = Children::new(decl);
                let kind = match inner.next().map(|k| k.as_rule()) {
                    Some(R::kw_scp) => OrgPolicyKind::Scp,
                    Some(R::kw_rcp) => OrgPolicyKind::Rcp,
                    _ => return Err(Malformed(loc.span())),
                };
                let name = self.ident(inner.expect(R::name)?)?;
                let body = self.block(inner.expect(R::block)?)?;
                ItemKind::OrgPolicy(OrgPolicyDecl { kind, name, body })
            }
            R::organization_decl => {
                let mut inner = Children::new(decl);
                inner.skip(R::kw_organization);
                let name = self.ident(inner.expect(R::name)?)?;
                let body = self.block(inner.expect(R::block)?)?;
                ItemKind::Organization(OrganizationDecl { name, body })
            }
            _ => return Err(self.malformed(&decl)),
        };
        Ok(Item { prefix, kind, loc })
    }

    fn placement(&self, inner: &mut Children<'_>) -> Walk<Option<Ident>> {
        match inner.take(R::placement) {
            Some(placement) => {
                let mut p = Children::new(placement);
                p.skip(R::kw_in);
                Ok(Some(self.ident(p.expect(R::name)?)?))
            }
            None => Ok(None),
        }
    }

    fn params(&self, pair: Pair<'_, R>) -> Walk<Vec<Param>> {
        let mut params = Vec::new();
        let mut children = Children::new(pair);
        while let Some(param) = children.take(R::param) {
            let mut inner = Children::new(param);
            let name = self.ident(inner.expect(R::name)?)?;
            let default = inner.next().map(|v| self.value(v)).transpose()?;
            params.push(Param { name, default });
        }
        Ok(exact(params))
    }

    fn block(&self, pair: Pair<'_, R>) -> Walk<Vec<Stmt>> {
        let mut stmts = Vec::new();
        let mut children = Children::new(pair);
        while let Some(stmt) = children.take(R::stmt) {
            stmts.push(self.stmt(stmt)?);
        }
        Ok(exact(stmts))
    }

    fn expect(&self, pair: Pair<'_, R>) -> Walk<Expect> {
        let mut children = Children::new(pair);
        children.skip(R::kw_expect);
        let body = children.any()?;
        let kind = match body.as_rule() {
            R::expect_escalation => ExpectKind::NoEscalation,
            R::expect_assume => {
                let mut inner = Children::new(body);
                let principal = self.ident(inner.expect(R::name)?)?;
                let can = self.verdict(inner.expect(R::verdict)?);
                inner.skip(R::kw_assume);
                let role = self.ident(inner.expect(R::name)?)?;
                let condition = inner
                    .take(R::condition)
                    .map(|c| self.condition(c))
                    .transpose()?;
                ExpectKind::Assume {
                    principal,
                    can,
                    role,
                    condition,
                }
            }
            R::expect_access => {
                let mut inner = Children::new(body);
                let principal = self.ident(inner.expect(R::name)?)?;
                let can = self.verdict(inner.expect(R::verdict)?);
                let mut actions = Vec::new();
                while !matches!(inner.peek_rule(), Some(R::kw_on) | None) {
                    actions.push(self.action_item(inner.any()?)?);
                }
                inner.skip(R::kw_on);
                let resource = self.resource(inner.any()?)?;
                let condition = inner
                    .take(R::condition)
                    .map(|c| self.condition(c))
                    .transpose()?;
                ExpectKind::Access {
                    principal,
                    can,
                    actions,
                    resource,
                    condition,
                }
            }
            _ => return Err(self.malformed(&body)),
        };
        Ok(Expect { kind })
    }

    fn verdict(&self, pair: Pair<'_, R>) -> bool {
        pair.into_inner()
            .next()
            .is_some_and(|p| p.as_rule() == R::kw_can)
    }

    fn stmt(&self, pair: Pair<'_, R>) -> Walk<Stmt> {
        let loc = self.loc(&pair);
        let mut children = Children::new(pair);
        let prefix = self.prefix(&mut children)?;
        let body = children.any()?;
        let kind = match body.as_rule() {
            R::permission => StmtKind::Permission(self.permission(body)?),
            R::attach_stmt => StmtKind::Attach(self.policy_ref(body)?),
            R::boundary_stmt => StmtKind::Boundary(self.policy_ref(body)?),
            R::assume_stmt => {
                let mut inner = Children::new(body);
                inner.skip(R::kw_assume);
                let target = self.target(inner.any()?)?;
                let condition = inner
                    .take(R::condition)
                    .map(|c| self.condition(c))
                    .transpose()?;
                StmtKind::Assume(Assume { target, condition })
            }
            R::use_stmt => {
                let mut inner = Children::new(body);
                inner.skip(R::kw_use);
                let path_pair = inner.expect(R::path)?;
                let path = Children::new(path_pair)
                    .pairs
                    .map(|p| self.ident(p))
                    .collect::<Walk<Vec<_>>>()?;
                let args = match inner.take(R::args) {
                    Some(args) => self.args(args)?,
                    None => Vec::new(),
                };
                StmtKind::Use(UseStmt { path, args })
            }
            R::trust_block => StmtKind::Trust(self.trust_block(body)?),
            R::property => {
                let mut inner = Children::new(body);
                let name = self.ident(inner.expect(R::name)?)?;
                let value = self.value(inner.any()?)?;
                StmtKind::Property(Property { name, value })
            }
            R::ou_stmt => {
                let mut inner = Children::new(body);
                inner.skip(R::kw_ou);
                let name = self.ident(inner.expect(R::name)?)?;
                let body = self.block(inner.expect(R::block)?)?;
                StmtKind::Unit(UnitStmt { name, body })
            }
            R::member_stmt => {
                let mut inner = Children::new(body);
                inner.skip(R::kw_account);
                let account = self.ident(inner.expect(R::name)?)?;
                let body = inner.take(R::block).map(|b| self.block(b)).transpose()?;
                StmtKind::Member(MemberStmt { account, body })
            }
            R::flag => StmtKind::Flag(Ident {
                name: body.as_str().to_string(),
                loc: self.loc(&body),
            }),
            _ => return Err(self.malformed(&body)),
        };
        Ok(Stmt { prefix, kind, loc })
    }

    fn policy_ref(&self, pair: Pair<'_, R>) -> Walk<PolicyRef> {
        let mut inner = Children::new(pair);
        inner.any()?; // `attach` / `boundary`
        let target = inner.any()?;
        match target.as_rule() {
            R::aws_managed => {
                let mut managed = Children::new(target);
                managed.skip(R::kw_aws);
                Ok(PolicyRef::AwsManaged(
                    self.string(managed.expect(R::string)?)?,
                ))
            }
            R::name => Ok(PolicyRef::Named(self.ident(target)?)),
            _ => Err(self.malformed(&target)),
        }
    }

    fn target(&self, pair: Pair<'_, R>) -> Walk<Target> {
        match pair.as_rule() {
            R::arn_call => Ok(Target::Arn(self.arn_call(pair)?)),
            R::name => Ok(Target::Named(self.ident(pair)?)),
            _ => Err(self.malformed(&pair)),
        }
    }

    fn arn_call(&self, pair: Pair<'_, R>) -> Walk<StringLit> {
        let mut inner = Children::new(pair);
        inner.skip(R::kw_arn);
        self.string(inner.expect(R::string)?)
    }

    fn permission(&self, pair: Pair<'_, R>) -> Walk<Permission> {
        let mut inner = Children::new(pair);
        let effect_pair = inner.expect(R::effect)?;
        let effect_loc = self.loc(&effect_pair);
        let effect = match effect_pair.into_inner().next().map(|p| p.as_rule()) {
            Some(R::kw_deny) => Effect::Deny,
            _ => Effect::Allow,
        };
        let actions = self.action_list(inner.expect(R::action_list)?)?;
        let resources = if inner.skip(R::kw_on) {
            self.resource_list(inner.expect(R::resource_list)?)?
        } else {
            // Left out: an empty list where `on` would be.
            ResourceList {
                items: Vec::new(),
                except: Vec::new(),
                loc: Loc(Span::new(
                    actions.loc.span().end as usize,
                    actions.loc.span().end as usize,
                )),
            }
        };
        let principals = match inner.take(R::principals) {
            Some(list) => {
                let mut list = Children::new(list);
                list.skip(R::kw_to);
                let mut principals = Vec::new();
                while let Some(principal) = list.next() {
                    let loc = self.loc(&principal);
                    principals.push(Spanned {
                        node: self.principal(principal)?,
                        loc,
                    });
                }
                exact(principals)
            }
            None => Vec::new(),
        };
        let condition = inner
            .take(R::condition)
            .map(|c| self.condition(c))
            .transpose()?;
        let until = match inner.take(R::until) {
            Some(until) => {
                let mut u = Children::new(until);
                u.skip(R::kw_until);
                let date = u.expect(R::date)?;
                Some(Spanned {
                    node: date.as_str().to_string(),
                    loc: self.loc(&date),
                })
            }
            None => None,
        };
        Ok(Permission {
            effect: Spanned {
                node: effect,
                loc: effect_loc,
            },
            actions,
            resources,
            principals,
            condition,
            until,
        })
    }

    fn action_list(&self, pair: Pair<'_, R>) -> Walk<ActionList> {
        let loc = self.loc(&pair);
        let mut items = Vec::new();
        let mut except = Vec::new();
        let mut children = Children::new(pair);
        while let Some(child) = children.next() {
            if child.as_rule() == R::except_actions {
                let mut inner = Children::new(child);
                inner.skip(R::kw_except);
                while let Some(item) = inner.next() {
                    except.push(self.action_item(item)?);
                }
            } else {
                items.push(self.action_item(child)?);
            }
        }
        Ok(ActionList {
            items: exact(items),
            except: exact(except),
            loc,
        })
    }

    fn action_item(&self, pair: Pair<'_, R>) -> Walk<ActionItem> {
        let loc = self.loc(&pair);
        match pair.as_rule() {
            R::star => Ok(ActionItem::Star(loc)),
            R::access_level => match AccessLevel::from_keyword(pair.as_str()) {
                Some(level) => Ok(ActionItem::Level(Spanned { node: level, loc })),
                None => Err(self.malformed(&pair)),
            },
            R::action_pattern => Ok(ActionItem::Pattern(Spanned {
                node: pair.as_str().to_string(),
                loc,
            })),
            _ => Err(self.malformed(&pair)),
        }
    }

    fn resource_list(&self, pair: Pair<'_, R>) -> Walk<ResourceList> {
        let loc = self.loc(&pair);
        let mut items = Vec::new();
        let mut except = Vec::new();
        let mut children = Children::new(pair);
        while let Some(child) = children.next() {
            if child.as_rule() == R::except_resources {
                let mut inner = Children::new(child);
                inner.skip(R::kw_except);
                while let Some(item) = inner.next() {
                    except.push(self.resource(item)?);
                }
            } else {
                items.push(self.resource(child)?);
            }
        }
        Ok(ResourceList {
            items: exact(items),
            except: exact(except),
            loc,
        })
    }

    fn resource(&self, pair: Pair<'_, R>) -> Walk<Resource> {
        match pair.as_rule() {
            R::star => Ok(Resource::Star(self.loc(&pair))),
            R::arn_call => Ok(Resource::Arn(self.arn_call(pair)?)),
            R::name => Ok(Resource::Named(self.ident(pair)?)),
            R::constructor => {
                let loc = self.loc(&pair);
                let mut inner = Children::new(pair);
                let service = self.ident(inner.expect(R::ident)?)?;
                let resource_type = self.ident(inner.expect(R::ident)?)?;
                let args = match inner.take(R::args) {
                    Some(args) => self.args(args)?,
                    None => Vec::new(),
                };
                Ok(Resource::Constructor(Constructor {
                    service,
                    resource_type,
                    args,
                    loc,
                }))
            }
            _ => Err(self.malformed(&pair)),
        }
    }

    fn args(&self, pair: Pair<'_, R>) -> Walk<Vec<Arg>> {
        let mut args = Vec::new();
        let mut children = Children::new(pair);
        while let Some(child) = children.next() {
            if child.as_rule() == R::named_arg {
                let mut inner = Children::new(child);
                let name = self.ident(inner.expect(R::ident)?)?;
                let value = self.value(inner.any()?)?;
                args.push(Arg {
                    name: Some(name),
                    value,
                });
            } else {
                args.push(Arg {
                    name: None,
                    value: self.value(child)?,
                });
            }
        }
        Ok(exact(args))
    }

    fn condition(&self, pair: Pair<'_, R>) -> Walk<Condition> {
        let loc = self.loc(&pair);
        let mut clauses = Vec::new();
        let mut children = Children::new(pair);
        while let Some(child) = children.next() {
            if matches!(child.as_rule(), R::kw_when | R::kw_and) {
                continue;
            }
            clauses.push(self.clause(child)?);
        }
        Ok(Condition {
            clauses: exact(clauses),
            loc,
        })
    }

    fn clause(&self, pair: Pair<'_, R>) -> Walk<Clause> {
        let loc = self.loc(&pair);
        let kind = match pair.as_rule() {
            R::mfa => ClauseKind::Mfa,
            R::exists => {
                let mut inner = Children::new(pair);
                let key = self.cond_key(inner.expect(R::cond_key)?)?;
                let negated = inner.skip(R::kw_not);
                ClauseKind::Exists { key, negated }
            }
            R::raw_operator => {
                let mut inner = Children::new(pair);
                let op = inner.expect(R::operator_name)?;
                let operator = Spanned {
                    node: op.as_str().to_string(),
                    loc: self.loc(&op),
                };
                let key = self.cond_key(inner.expect(R::cond_key)?)?;
                let value = self.value(inner.any()?)?;
                ClauseKind::Raw {
                    operator,
                    key,
                    value,
                }
            }
            R::compare => {
                let mut inner = Children::new(pair);
                let quantifier = match inner.take(R::quantifier) {
                    Some(q) => {
                        let node = if q.as_str() == "all" {
                            Quantifier::All
                        } else {
                            Quantifier::Any
                        };
                        Some(Spanned {
                            node,
                            loc: self.loc(&q),
                        })
                    }
                    None => None,
                };
                let key = self.cond_key(inner.expect(R::cond_key)?)?;
                let if_exists = inner.skip(R::if_exists);
                let op_pair = inner.expect(R::operator)?;
                let op_loc = self.loc(&op_pair);
                let op = match op_pair.into_inner().next().map(|p| p.as_rule()) {
                    Some(R::op_eq) => CompareOp::Eq,
                    Some(R::op_ne) => CompareOp::Ne,
                    Some(R::op_lt) => CompareOp::Lt,
                    Some(R::op_le) => CompareOp::Le,
                    Some(R::op_gt) => CompareOp::Gt,
                    Some(R::op_ge) => CompareOp::Ge,
                    Some(R::op_like) => CompareOp::Like,
                    Some(R::op_not_like) => CompareOp::NotLike,
                    Some(R::op_in) => CompareOp::In,
                    Some(R::op_not_in) => CompareOp::NotIn,
                    _ => return Err(Malformed(op_loc.span())),
                };
                let value = self.value(inner.any()?)?;
                ClauseKind::Compare {
                    quantifier,
                    key,
                    if_exists,
                    op: Spanned {
                        node: op,
                        loc: op_loc,
                    },
                    value,
                }
            }
            _ => return Err(self.malformed(&pair)),
        };
        Ok(Clause { kind, loc })
    }

    fn cond_key(&self, pair: Pair<'_, R>) -> Walk<CondKey> {
        let loc = self.loc(&pair);
        let inner = pair.into_inner().next().ok_or(Malformed(loc.span()))?;
        let name = match inner.as_rule() {
            R::string => {
                // A quoted key is taken as written; `${x}` in a key is kept as text.
                let lit = self.string(inner)?;
                lit.parts
                    .iter()
                    .map(|p| match p {
                        StrPart::Text(t) => t.clone(),
                        StrPart::Interp(i) => format!("${{{}}}", i.name),
                    })
                    .collect()
            }
            _ => inner.as_str().to_string(),
        };
        Ok(CondKey { name, loc })
    }

    fn trust_block(&self, pair: Pair<'_, R>) -> Walk<TrustBlock> {
        let loc = self.loc(&pair);
        let mut entries = Vec::new();
        let mut children = Children::new(pair);
        children.skip(R::kw_trust);
        while let Some(entry) = children.take(R::trust_entry) {
            entries.push(self.trust_entry(entry)?);
        }
        Ok(TrustBlock {
            entries: exact(entries),
            loc,
        })
    }

    fn trust_entry(&self, pair: Pair<'_, R>) -> Walk<TrustEntry> {
        let loc = self.loc(&pair);
        let mut children = Children::new(pair);
        let prefix = self.prefix(&mut children)?;
        let principal = self.principal(children.any()?)?;
        let tag_session = children.skip(R::kw_tag_session);
        let condition = children
            .take(R::condition)
            .map(|c| self.condition(c))
            .transpose()?;
        Ok(TrustEntry {
            prefix,
            principal,
            tag_session,
            condition,
            loc,
        })
    }

    fn principal(&self, pair: Pair<'_, R>) -> Walk<Principal> {
        Ok(match pair.as_rule() {
            R::star => Principal::Star(self.loc(&pair)),
            rule => {
                let mut inner = Children::new(pair);
                inner.any()?; // the keyword
                let arg = inner.any()?;
                match rule {
                    R::p_service => Principal::Service(Spanned {
                        node: match arg.as_rule() {
                            R::string => self.string(arg.clone())?.as_plain().unwrap_or_default(),
                            _ => arg.as_str().to_string(),
                        },
                        loc: self.loc(&arg),
                    }),
                    R::p_account => Principal::Account(self.name_or_string(arg)?),
                    R::p_role => Principal::Role(self.target(arg)?),
                    R::p_user => Principal::User(self.target(arg)?),
                    R::p_saml => Principal::Saml(self.name_or_string(arg)?),
                    R::p_oidc => Principal::Oidc(self.name_or_string(arg)?),
                    R::p_org => Principal::Org(self.name_or_string(arg)?),
                    _ => return Err(self.malformed(&arg)),
                }
            }
        })
    }

    fn name_or_string(&self, pair: Pair<'_, R>) -> Walk<NameOrString> {
        match pair.as_rule() {
            R::string => Ok(NameOrString::String(self.string(pair)?)),
            R::name => Ok(NameOrString::Name(self.ident(pair)?)),
            _ => Err(self.malformed(&pair)),
        }
    }

    fn value(&self, pair: Pair<'_, R>) -> Walk<Value> {
        let loc = self.loc(&pair);
        let kind = match pair.as_rule() {
            R::string => ValueKind::String(self.string(pair)?),
            R::duration => ValueKind::Duration(pair.as_str().to_string()),
            R::date => ValueKind::Date(pair.as_str().to_string()),
            R::number => ValueKind::Number(pair.as_str().to_string()),
            R::boolean => ValueKind::Bool(pair.as_str() == "true"),
            R::star => ValueKind::Star,
            R::name => ValueKind::Name(self.ident(pair)?),
            R::list => {
                let mut values = Vec::new();
                let mut children = Children::new(pair);
                while let Some(child) = children.next() {
                    values.push(self.value(child)?);
                }
                ValueKind::List(exact(values))
            }
            R::map => {
                let mut entries = Vec::new();
                let mut children = Children::new(pair);
                while let Some(entry) = children.next() {
                    if entry.as_rule() != R::map_entry {
                        return Err(self.malformed(&entry));
                    }
                    let mut parts = Children::new(entry);
                    let key = parts.next().ok_or(Malformed(loc.span()))?;
                    let key = match key.as_rule() {
                        R::string => NameOrString::String(self.string(key)?),
                        R::ident => NameOrString::Name(self.ident(key)?),
                        _ => return Err(self.malformed(&key)),
                    };
                    let value = parts.next().ok_or(Malformed(loc.span()))?;
                    entries.push(MapEntry {
                        key,
                        value: self.value(value)?,
                    });
                }
                ValueKind::Map(exact(entries))
            }
            _ => return Err(self.malformed(&pair)),
        };
        Ok(Value { kind, loc })
    }

    fn string(&self, pair: Pair<'_, R>) -> Walk<StringLit> {
        let loc = self.loc(&pair);
        let mut parts: Vec<StrPart> = Vec::new();
        let push_text = |parts: &mut Vec<StrPart>, text: &str| {
            if let Some(StrPart::Text(last)) = parts.last_mut() {
                last.push_str(text);
            } else {
                parts.push(StrPart::Text(text.to_string()));
            }
        };
        for part in pair.into_inner() {
            match part.as_rule() {
                R::text | R::policy_var => push_text(&mut parts, part.as_str()),
                R::escape => {
                    let raw = part.as_str();
                    let decoded = match raw {
                        "\\\"" => '"',
                        "\\\\" => '\\',
                        "\\n" => '\n',
                        "\\t" => '\t',
                        "\\r" => '\r',
                        "\\$" => '$',
                        _ => raw
                            .strip_prefix("\\u{")
                            .and_then(|s| s.strip_suffix('}'))
                            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                            .and_then(char::from_u32)
                            .unwrap_or('\u{FFFD}'),
                    };
                    push_text(&mut parts, decoded.encode_utf8(&mut [0; 4]));
                }
                R::interpolation => {
                    let ident = part.into_inner().next().ok_or(Malformed(loc.span()))?;
                    parts.push(StrPart::Interp(self.ident(ident)?));
                }
                _ => return Err(self.malformed(&part)),
            }
        }
        Ok(StringLit {
            parts: exact(parts),
            loc,
        })
    }
}

/// What iamdsl declares, said where someone reaches for a kind of policy it does not have.
const IDENTITY_SIDE: &str = "iamdsl declares the identity side of IAM: users, groups and roles, their inline and managed policies, role trust policies and permissions boundaries";

/// AWS features that people write as a declaration and that the language does not have yet:
/// the words they are written with (lower case, without `_` and `-`), what to say, and help
/// where there is a way to get what was meant. The kinds of policy are AWS's:
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html
const NOT_YET: &[(&[&str], &str, Option<&str>)] = &[
    (
        &["bucketpolicy", "s3bucketpolicy", "s3policy", "bucket"],
        "S3 bucket policies (resource-based policies) are not part of the language yet",
        None,
    ),
    (
        &[
            "resourcepolicy",
            "resourcebasedpolicy",
            "keypolicy",
            "kmskeypolicy",
            "queuepolicy",
            "topicpolicy",
            "secretpolicy",
            "repositorypolicy",
        ],
        "resource-based policies are not part of the language yet",
        None,
    ),
    (
        &["passwordpolicy", "accountpasswordpolicy"],
        "account password policies are not part of the language yet",
        None,
    ),
    (
        &["permissionset", "identitycenter", "sso"],
        "IAM Identity Center permission sets are not part of the language yet",
        None,
    ),
    (
        &["sessionpolicy"],
        "session policies are not part of the language yet",
        None,
    ),
    (
        &["samlprovider", "oidcprovider", "identityprovider", "provider"],
        "declaring identity providers is not part of the language yet",
        Some("a trust entry names a provider by its ARN or URL: `saml \"arn:aws:iam::111111111111:saml-provider/okta\"`, `oidc \"token.actions.githubusercontent.com\"`"),
    ),
];

/// The entry of [`NOT_YET`] for a word, if any.
fn not_yet_a_declaration(word: &str) -> Option<(&'static str, Option<&'static str>)> {
    let normalized: String = word
        .chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    NOT_YET
        .iter()
        .find(|(words, _, _)| words.contains(&normalized.as_str()))
        .map(|(_, message, help)| (*message, *help))
}

#[derive(Clone, Copy)]
enum Piece {
    Item,
    Stmt,
    TrustEntry,
}

/// Piece-by-piece parsing of a file that did not parse whole.
struct Recovery<'s> {
    source: &'s str,
    file: FileId,
    lexed: Lexed,
    diagnostics: Vec<Diagnostic>,
}

impl<'s> Recovery<'s> {
    fn new(source: &'s str, file: FileId) -> Recovery<'s> {
        let lexed = lexer::lex(source, file);
        Recovery {
            source,
            file,
            lexed,
            diagnostics: Vec::new(),
        }
    }

    fn run(mut self) -> Parsed {
        let all = 0..self.lexed.tokens.len();
        let items = self.items(all, 0, 0, self.source.len());
        let mut diagnostics = std::mem::take(&mut self.lexed.errors);
        diagnostics.append(&mut self.diagnostics);
        iamdsl_diagnostics::normalize(&mut diagnostics);
        if diagnostics.len() > MAX_ERRORS {
            let first_dropped = diagnostics[MAX_ERRORS]
                .primary
                .as_ref()
                .map_or(Span::default(), |p| p.span);
            diagnostics.truncate(MAX_ERRORS);
            diagnostics.push(
                Diagnostic::error(
                    codes::TOO_MANY_ERRORS,
                    format!("more than {MAX_ERRORS} syntax errors; the rest are not shown"),
                )
                .at(
                    self.file,
                    first_dropped,
                    "errors from here on are not shown",
                )
                .with_help("fix the errors above and check again"),
            );
        }
        Parsed {
            module: Module { items },
            diagnostics,
        }
    }

    /// Tokens whose span starts in `start..end`.
    fn token_range(&self, start: usize, end: usize) -> std::ops::Range<usize> {
        let tokens = &self.lexed.tokens;
        let first = tokens.partition_point(|t| (t.span.start as usize) < start);
        let last = tokens.partition_point(|t| (t.span.start as usize) < end);
        first..last
    }

    fn has_lexical_error(&self, start: usize, end: usize) -> bool {
        self.lexed.errors.iter().any(|d| {
            d.primary
                .as_ref()
                .is_some_and(|p| (start..end).contains(&(p.span.start as usize)))
        })
    }

    fn report(&mut self, error: &pest::error::Error<R>, start: usize, end: usize, piece: Piece) {
        if self.has_lexical_error(start, end) {
            return; // the lexical error is the real cause, and already reported
        }
        let end_of_piece = match piece {
            Piece::Item => "the end of the declaration",
            Piece::Stmt => "the end of the statement",
            Piece::TrustEntry => "the end of the trust entry",
        };
        self.diagnostics.push(syntax_error(
            error,
            self.source,
            start,
            end_of_piece,
            self.file,
        ));
    }

    /// A statement that starts with a word no statement starts with: name it, and suggest the
    /// keyword it is probably a typo of.
    fn unknown_statement(&mut self, start: usize, end: usize) -> bool {
        let range = self.token_range(start, end);
        let mut words = self.lexed.tokens[range].iter().filter(|t| !t.is_comment());
        let Some(first) = words.next().filter(|t| t.kind == TokenKind::Word) else {
            return false;
        };
        let word = first.text(self.source);
        if STMT_KEYWORDS.contains(&word)
            || words
                .next()
                .is_some_and(|t| t.kind == TokenKind::Punct('='))
        {
            return false;
        }
        let mut diagnostic = Diagnostic::error(
            codes::SYNTAX,
            format!("expected a statement, found `{word}`"),
        )
        .at(self.file, first.span, "no statement starts with this word");
        diagnostic = match suggest::closest(word, STMT_KEYWORDS.iter().copied()) {
            Some(keyword) => diagnostic.with_suggestion(self.file, first.span, keyword),
            None => diagnostic.with_help(format!(
                "statements start with {}, or are `name = value`",
                STMT_KEYWORDS
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        self.diagnostics.push(diagnostic);
        true
    }

    /// The tokens of `start..end` after the doc comments and attributes that begin it, without
    /// comments.
    fn after_prefix(&self, start: usize, end: usize) -> Vec<Token> {
        let range = self.token_range(start, end);
        let tokens: Vec<Token> = self.lexed.tokens[range]
            .iter()
            .filter(|t| !t.is_comment())
            .copied()
            .collect();
        let mut index = 0;
        while let Some(token) = tokens.get(index) {
            let opens_attribute = token.kind == TokenKind::Punct('#')
                && tokens
                    .get(index + 1)
                    .is_some_and(|t| t.kind == TokenKind::Punct('['));
            if token.kind == TokenKind::DocComment {
                index += 1;
            } else if opens_attribute {
                // Past the `]` at the depth of the `#`, which closes the attribute.
                let close = tokens[index + 2..]
                    .iter()
                    .position(|t| t.kind == TokenKind::Punct(']') && t.depth == token.depth);
                match close {
                    Some(offset) => index += offset + 3,
                    None => return Vec::new(),
                }
            } else {
                break;
            }
        }
        tokens.get(index..).unwrap_or_default().to_vec()
    }

    /// `account prod = 111111111111`: an id without its quotes. The account is kept as if it
    /// were quoted, so that its one syntax error is not followed by an error at every use of it.
    fn account_with_unquoted_id(&self, start: usize, end: usize) -> Option<Item> {
        let tokens = self.after_prefix(start, end);
        let [keyword, _name, eq, id, ..] = tokens.as_slice() else {
            return None;
        };
        let id_text = id.text(self.source);
        if keyword.text(self.source) != "account"
            || eq.kind != TokenKind::Punct('=')
            || id.kind != TokenKind::Word
            || !id_text.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let (id_start, id_end) = (id.span.start as usize, id.span.end as usize);
        let quoted = format!(
            "{}\"{id_text}\"{}",
            self.source.get(start..id_start)?,
            self.source.get(id_end..end)?
        );
        let mut pairs = Grammar::parse(R::item_only, &quoted).ok()?;
        let pair = pairs
            .next()?
            .into_inner()
            .find(|p| p.as_rule() == R::item)?;
        let mut item = Walker { base: start }.item(pair).ok()?;
        let ItemKind::Account(account) = &mut item.kind else {
            return None;
        };
        // Spans as in the text written, without the two quotes added.
        account.id.loc = Loc(id.span);
        let span = item.loc.span();
        item.loc = Loc(Span::new(
            span.start as usize,
            (span.end as usize).saturating_sub(2).max(id_end),
        ));
        Some(item)
    }

    /// A declaration that starts with a word no declaration starts with: name the declarations
    /// there are, the one it is probably a typo of, or the AWS feature the language does not
    /// have yet.
    fn unknown_declaration(&mut self, start: usize, end: usize) -> bool {
        let tokens = self.after_prefix(start, end);
        let Some(first) = tokens.first().filter(|t| t.kind == TokenKind::Word) else {
            return false;
        };
        let word = first.text(self.source);
        if ITEM_KEYWORDS.contains(&word) {
            return false;
        }
        let declarations = format!(
            "a declaration starts with {}",
            crate::errors::one_of(ITEM_KEYWORDS)
        );
        let diagnostic = if STMT_KEYWORDS.contains(&word) {
            Diagnostic::error(
                codes::SYNTAX,
                format!("expected a declaration, found the statement `{word}`"),
            )
            .at(self.file, first.span, "a statement outside of any declaration")
            .with_note(declarations)
            .with_help(format!(
                "a statement goes inside the block of a `policy`, `group`, `user`, `role` or `template`: `role NAME {{ {word} … }}`"
            ))
        } else if let Some((message, help)) = not_yet_a_declaration(word) {
            Diagnostic::error(codes::SYNTAX, message)
                .at(
                    self.file,
                    first.span,
                    format!("`{word}` is not a declaration"),
                )
                .with_note(IDENTITY_SIDE)
                .with_help(help.map_or(declarations, str::to_string))
        } else {
            let diagnostic = Diagnostic::error(
                codes::SYNTAX,
                format!("expected a declaration, found `{word}`"),
            )
            .at(
                self.file,
                first.span,
                "no declaration starts with this word",
            )
            .with_note(declarations);
            let assigns = tokens
                .get(1)
                .is_some_and(|t| t.kind == TokenKind::Punct('='));
            match suggest::closest(word, ITEM_KEYWORDS.iter().copied()) {
                Some(keyword) => diagnostic.with_suggestion(self.file, first.span, keyword),
                None if assigns => diagnostic.with_help(format!(
                    "a constant is declared with `let`: `let {word} = …`"
                )),
                None => diagnostic,
            }
        };
        self.diagnostics.push(diagnostic);
        true
    }

    /// Splits `start..end` into the pieces that begin at `starts` (text before the first start
    /// is a piece of its own).
    fn pieces(starts: Vec<usize>, start: usize, end: usize) -> Vec<(usize, usize)> {
        let mut bounds: Vec<usize> = starts
            .into_iter()
            .filter(|&s| s > start && s < end)
            .collect();
        bounds.insert(0, start);
        bounds.push(end);
        bounds.dedup();
        bounds
            .windows(2)
            .filter_map(|w| match w {
                [a, b] => Some((*a, *b)),
                _ => None,
            })
            .collect()
    }

    fn is_blank(&self, start: usize, end: usize) -> bool {
        let range = self.token_range(start, end);
        self.lexed.tokens[range].iter().all(|t| t.is_comment())
    }

    fn items(
        &mut self,
        tokens: std::ops::Range<usize>,
        depth: u32,
        start: usize,
        end: usize,
    ) -> Vec<Item> {
        let starts = lexer::piece_starts(
            self.source,
            &self.lexed.tokens[tokens],
            depth,
            ITEM_KEYWORDS,
            true,
        );
        let mut items = Vec::new();
        for (piece_start, piece_end) in Self::pieces(starts, start, end) {
            if self.is_blank(piece_start, piece_end) {
                continue;
            }
            let text = &self.source[piece_start..piece_end];
            match Grammar::parse(R::item_only, text) {
                Ok(mut pairs) => {
                    let walker = Walker { base: piece_start };
                    let item = pairs
                        .next()
                        .and_then(|top| top.into_inner().find(|p| p.as_rule() == R::item))
                        .map(|pair| walker.item(pair));
                    match item {
                        Some(Ok(item)) => items.push(item),
                        Some(Err(Malformed(span))) => {
                            self.diagnostics.push(internal(self.file, span))
                        }
                        None => {}
                    }
                }
                Err(error) => {
                    if let Some(item) = self.account_with_unquoted_id(piece_start, piece_end) {
                        self.report(&error, piece_start, piece_end, Piece::Item);
                        items.push(item);
                        continue;
                    }
                    if self.unknown_declaration(piece_start, piece_end) {
                        items.push(Item {
                            prefix: Prefix::default(),
                            kind: ItemKind::Error,
                            loc: Loc(Span::new(piece_start, piece_end)),
                        });
                        continue;
                    }
                    let before = self.diagnostics.len() + self.lexed.errors.len();
                    let item = self.broken_item(piece_start, piece_end, depth);
                    let reported = self.diagnostics.len() + self.lexed.errors.len() > before
                        || self.has_lexical_error(piece_start, piece_end);
                    if !reported {
                        self.report(&error, piece_start, piece_end, Piece::Item);
                    }
                    items.push(item);
                }
            }
        }
        items
    }

    /// An item that did not parse: if its header parses, its statements are parsed one by one.
    fn broken_item(&mut self, start: usize, end: usize, depth: u32) -> Item {
        let error_item = Item {
            prefix: Prefix::default(),
            kind: ItemKind::Error,
            loc: Loc(Span::new(start, end)),
        };
        let range = self.token_range(start, end);
        let Some(open_index) = self.lexed.tokens[range.clone()]
            .iter()
            .position(|t| t.depth == depth && t.kind == TokenKind::Punct('{'))
            .map(|i| i + range.start)
        else {
            return error_item;
        };
        let open = self.lexed.tokens[open_index];
        let close = self.lexed.tokens[open_index + 1..range.end]
            .iter()
            .find(|t| t.depth == depth && t.kind == TokenKind::Punct('}'))
            .map(|t| t.span);
        let body_start = open.span.end as usize;
        let body_end = close.map_or(end, |c| c.start as usize);
        let header_text = &self.source[start..body_start];
        let header = match Grammar::parse(R::block_header_only, header_text) {
            Ok(mut pairs) => pairs.next(),
            Err(error) => {
                self.report(&error, start, body_start, Piece::Item);
                None
            }
        };
        let body_tokens = self.token_range(body_start, body_end);
        let Some(header) = header else {
            // Still look inside, so that the statements' own errors are reported too.
            let _ = self.statements(body_tokens, depth + 1, body_start, body_end);
            return error_item;
        };
        let walker = Walker { base: start };
        let mut children = Children::new(header);
        let prefix = match walker.prefix(&mut children) {
            Ok(prefix) => prefix,
            Err(Malformed(span)) => {
                self.diagnostics.push(internal(self.file, span));
                return error_item;
            }
        };
        let Some(header) = children.take(R::block_header) else {
            return error_item;
        };
        let mut parts = Children::new(header);
        let keyword = parts.next().map(|p| p.as_rule());
        let name = parts.take(R::name).map(|p| walker.ident(p));
        let Some(Ok(name)) = name else {
            return error_item;
        };
        let kind = match keyword {
            Some(R::kw_in) => {
                let items = self.items(body_tokens, depth + 1, body_start, body_end);
                ItemKind::In(InBlock {
                    account: name,
                    items,
                })
            }
            Some(R::kw_template) => {
                let params = match parts.take(R::params).map(|p| walker.params(p)).transpose() {
                    Ok(params) => params.unwrap_or_default(),
                    Err(_) => Vec::new(),
                };
                let body = self.statements(body_tokens, depth + 1, body_start, body_end);
                ItemKind::Template(TemplateDecl { name, params, body })
            }
            Some(rule) => {
                let kind = match rule {
                    R::kw_policy => DeclKind::Policy,
                    R::kw_group => DeclKind::Group,
                    R::kw_user => DeclKind::User,
                    _ => DeclKind::Role,
                };
                let account = walker.placement(&mut parts).ok().flatten();
                let body = self.statements(body_tokens, depth + 1, body_start, body_end);
                ItemKind::Block(BlockDecl {
                    kind,
                    name,
                    account,
                    body,
                })
            }
            None => return error_item,
        };
        Item {
            prefix,
            kind,
            loc: Loc(Span::new(start, end)),
        }
    }

    fn statements(
        &mut self,
        tokens: std::ops::Range<usize>,
        depth: u32,
        start: usize,
        end: usize,
    ) -> Vec<Stmt> {
        let starts = lexer::piece_starts(
            self.source,
            &self.lexed.tokens[tokens],
            depth,
            STMT_KEYWORDS,
            false,
        );
        let mut stmts = Vec::new();
        for (piece_start, piece_end) in Self::pieces(starts, start, end) {
            if self.is_blank(piece_start, piece_end) {
                continue;
            }
            let text = &self.source[piece_start..piece_end];
            let loc = Loc(Span::new(piece_start, piece_end));
            match Grammar::parse(R::stmt_only, text) {
                Ok(mut pairs) => {
                    let walker = Walker { base: piece_start };
                    let stmt = pairs
                        .next()
                        .and_then(|top| top.into_inner().find(|p| p.as_rule() == R::stmt))
                        .map(|pair| walker.stmt(pair));
                    match stmt {
                        Some(Ok(stmt)) => stmts.push(stmt),
                        Some(Err(Malformed(span))) => {
                            self.diagnostics.push(internal(self.file, span))
                        }
                        None => {}
                    }
                }
                Err(error) => {
                    let before = self.diagnostics.len();
                    if self.source[piece_start..].starts_with("trust") {
                        self.trust_entries(piece_start, piece_end, depth);
                    }
                    if self.diagnostics.len() == before
                        && !self.unknown_statement(piece_start, piece_end)
                    {
                        self.report(&error, piece_start, piece_end, Piece::Stmt);
                    }
                    stmts.push(Stmt {
                        prefix: Prefix::default(),
                        kind: StmtKind::Error,
                        loc,
                    });
                }
            }
        }
        stmts
    }

    /// Reports the errors of each entry of a broken `trust { … }` block.
    fn trust_entries(&mut self, start: usize, end: usize, depth: u32) {
        let range = self.token_range(start, end);
        let Some(open) = self.lexed.tokens[range.clone()]
            .iter()
            .find(|t| t.depth == depth && t.kind == TokenKind::Punct('{'))
            .copied()
        else {
            return;
        };
        let close = self.lexed.tokens[range.clone()]
            .iter()
            .rev()
            .find(|t| t.depth == depth && t.kind == TokenKind::Punct('}'))
            .map_or(end, |t| t.span.start as usize);
        let body_start = open.span.end as usize;
        let tokens = self.token_range(body_start, close);
        let starts = lexer::piece_starts(
            self.source,
            &self.lexed.tokens[tokens],
            depth + 1,
            TRUST_KEYWORDS,
            false,
        );
        for (piece_start, piece_end) in Self::pieces(starts, body_start, close) {
            if self.is_blank(piece_start, piece_end) {
                continue;
            }
            if let Err(error) =
                Grammar::parse(R::trust_entry_only, &self.source[piece_start..piece_end])
            {
                self.report(&error, piece_start, piece_end, Piece::TrustEntry);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcut of `content_end` gives what the walk down to the last child gives, on every
    /// node of the example project, the standard library and text full of comments.
    #[test]
    fn the_end_of_a_node_is_found_the_same_with_and_without_the_walk() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        let mut sources = vec![String::from(
            "role r { // after the brace\n  allow s3:GetObject on s3.object(\"b\", \"k//x\") // why\n  \
             allow s3:GetObject on arn(\"arn:aws:s3:::b//k\") when aws:SourceIp in [\"10.0.0.0/8\"] /* block */\n  \
             trust { service ec2 /* c */ }\n  use t(\"x\") ;\n  max_session = 1h   \n}\n",
        )];
        for dir in ["examples/platform", "stdlib/std"] {
            let Ok(entries) = std::fs::read_dir(format!("{root}/{dir}")) else {
                panic!("{dir} is missing");
            };
            for entry in entries.flatten() {
                if entry.path().extension().is_some_and(|e| e == "iamdsl") {
                    sources.push(std::fs::read_to_string(entry.path()).unwrap_or_default());
                }
            }
        }
        assert!(sources.len() > 5);
        let mut checked = 0;
        for source in &sources {
            let Ok(pairs) = Grammar::parse(R::file, source) else {
                panic!("does not parse: {source}");
            };
            // Punctuation is never a node of the tree (and `=`, which looks past the white
            // space after it, is the one rule whose walk would keep that space).
            for pair in pairs.flatten().filter(|p| !is_punctuation(p.as_rule())) {
                assert_eq!(
                    content_end(&pair),
                    walked_end(&pair),
                    "{:?} {:?}",
                    pair.as_rule(),
                    pair.as_str()
                );
                checked += 1;
            }
        }
        assert!(checked > 1000, "{checked}");
    }
}
