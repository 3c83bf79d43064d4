//! The one canonical layout of iamdsl source, used by `iamdsl fmt` and the language server.
//!
//! Promises, each tested: every comment is kept; `format(format(x)) == format(x)`; the tree of the
//! output equals the tree of the input (locations aside); a file with syntax errors is refused.
//!
//! Comments are not in the tree: the printer walks the tree and, before each node, prints the
//! comments that stand before it in the source; a comment on the same line as the end of a node
//! stays at the end of that line.

use iamdsl_diagnostics::{FileId, Span};

use crate::ast::*;
use crate::lexer;
use crate::parser::parse;

/// Lines longer than this are broken at clause boundaries.
pub const MAX_WIDTH: usize = 100;
const INDENT: &str = "  ";

/// Formats a source text, or returns `None` when it has syntax errors (it is then left alone).
pub fn format_source(source: &str) -> Option<String> {
    let parsed = parse(source, FileId(0));
    if parsed.has_errors() {
        return None;
    }
    Some(format_module(&parsed.module, source))
}

/// Why [`format_verified`] left a text alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The text does not parse; its diagnostics say why.
    SyntaxErrors(Vec<iamdsl_diagnostics::Diagnostic>),
    /// The formatted text would mean something else or lose a comment: a formatter bug, caught
    /// before it could touch the file.
    WouldChangeMeaning,
}

/// Formats, then proves the result parses to the same tree with the same comments; files are
/// only ever rewritten through this.
pub fn format_verified(source: &str, file: FileId) -> Result<String, Refusal> {
    let parsed = parse(source, file);
    if parsed.has_errors() {
        return Err(Refusal::SyntaxErrors(parsed.diagnostics));
    }
    let formatted = format_module(&parsed.module, source);
    let reparsed = parse(&formatted, file);
    let comments = |text: &str| {
        lexer::comments(text)
            .into_iter()
            .map(|span| text.get(span.range()).unwrap_or("").trim_end().to_string())
            .collect::<Vec<_>>()
    };
    if reparsed.has_errors()
        || reparsed.module != parsed.module
        || comments(source) != comments(&formatted)
    {
        return Err(Refusal::WouldChangeMeaning);
    }
    Ok(formatted)
}

/// Prints a parsed module, with the comments of the source it was parsed from.
pub fn format_module(module: &Module, source: &str) -> String {
    let mut printer = Printer {
        source,
        comments: lexer::comments(source),
        next_comment: 0,
        out: String::new(),
        last_end: 0,
    };
    printer.items(&module.items, 0, source.len());
    let mut out = printer.out;
    while out.ends_with("\n\n") {
        out.pop();
    }
    if out == "\n" {
        out.clear();
    }
    out
}

struct Printer<'s> {
    source: &'s str,
    comments: Vec<Span>,
    next_comment: usize,
    out: String,
    /// Source offset up to which everything has been printed.
    last_end: usize,
}

impl Printer<'_> {
    fn blank_line_between(&self, from: usize, to: usize) -> bool {
        let text = self.source.get(from.min(to)..to).unwrap_or("");
        text.matches('\n').count() >= 2
    }

    /// A comment's text without trailing white space.
    fn comment_text(&self, comment: Span) -> String {
        self.source
            .get(comment.range())
            .unwrap_or("")
            .trim_end()
            .to_string()
    }

    fn push_line(&mut self, depth: usize, line: &str) {
        for _ in 0..depth {
            self.out.push_str(INDENT);
        }
        self.out.push_str(line);
        self.out.push('\n');
    }

    /// Prints the comments before `pos`, each on its own line, then the blank line (if any) that
    /// separates them from what follows. `first`: nothing precedes in this block.
    fn leading(&mut self, pos: usize, depth: usize, first: bool, force_blank: bool) {
        let mut first = first;
        let mut force_blank = force_blank;
        while let Some(&comment) = self.comments.get(self.next_comment) {
            if comment.start as usize >= pos {
                break;
            }
            self.next_comment += 1;
            if !first
                && (force_blank || self.blank_line_between(self.last_end, comment.start as usize))
            {
                self.out.push('\n');
            }
            let text = self.comment_text(comment);
            self.push_line(depth, &text);
            self.last_end = comment.end as usize;
            first = false;
            force_blank = false;
        }
        if !first && (force_blank || self.blank_line_between(self.last_end, pos)) {
            self.out.push('\n');
        }
    }

    /// After a node ending at `end`: a comment on the same line stays there; comments that were
    /// inside the node follow it on lines of their own.
    fn trailing(&mut self, end: usize, depth: usize) {
        if let Some(&comment) = self.comments.get(self.next_comment) {
            let start = comment.start as usize;
            let same_line =
                start >= end && !self.source.get(end..start).unwrap_or("\n").contains('\n');
            if same_line {
                self.next_comment += 1;
                if self.out.ends_with('\n') {
                    self.out.pop();
                }
                let text = self.comment_text(comment);
                self.out.push(' ');
                self.out.push_str(&text);
                self.out.push('\n');
                self.last_end = comment.end as usize;
            }
        }
        while let Some(&comment) = self.comments.get(self.next_comment) {
            if comment.start as usize >= end {
                break;
            }
            self.next_comment += 1;
            let text = self.comment_text(comment);
            self.push_line(depth, &text);
        }
        self.last_end = self.last_end.max(end);
    }

    /// Prints the comments before `pos` on lines of their own, with no blank lines: comments
    /// among an item's `///` lines and attributes stay where they were.
    fn comments_before(&mut self, pos: usize, depth: usize) {
        while let Some(&comment) = self.comments.get(self.next_comment) {
            if comment.start as usize >= pos {
                break;
            }
            self.next_comment += 1;
            let text = self.comment_text(comment);
            self.push_line(depth, &text);
            self.last_end = comment.end as usize;
        }
    }

    /// The comments between the end of a prefix and the keyword it belongs to.
    fn comments_after_prefix(&mut self, prefix_end: usize, depth: usize) {
        let mut cursor = prefix_end;
        while let Some(&comment) = self.comments.get(self.next_comment) {
            let start = comment.start as usize;
            let only_space = start >= cursor
                && self
                    .source
                    .get(cursor..start)
                    .is_some_and(|gap| gap.trim().is_empty());
            if !only_space {
                break;
            }
            self.comments_before(start + 1, depth);
            cursor = comment.end as usize;
        }
    }

    fn prefix(&mut self, prefix: &Prefix, depth: usize) {
        let mut prefix_end = None;
        for doc in &prefix.docs {
            self.comments_before(doc.loc.span().start as usize, depth);
            prefix_end = prefix_end.max(Some(doc.loc.span().end as usize));
            let line = if doc.node.is_empty() {
                "///".to_string()
            } else {
                format!("/// {}", doc.node)
            };
            self.push_line(depth, &line);
        }
        for attr in &prefix.attrs {
            self.comments_before(attr.loc.span().start as usize, depth);
            prefix_end = prefix_end.max(Some(attr.loc.span().end as usize));
            let args: Vec<&str> = attr.args.iter().map(|a| a.name.as_str()).collect();
            let line = if args.is_empty() {
                format!("#[{}]", attr.name.name)
            } else {
                format!("#[{}({})]", attr.name.name, args.join(", "))
            };
            self.push_line(depth, &line);
        }
        if let Some(end) = prefix_end {
            self.comments_after_prefix(end, depth);
        }
    }

    /// Whether an item prints on more than one line; such items are set apart by blank lines.
    fn is_multiline(&self, item: &Item, depth: usize) -> bool {
        if item.prefix != Prefix::default() {
            return true;
        }
        match &item.kind {
            ItemKind::In(_) => true,
            _ => block_parts(item).is_some_and(|(header, body)| {
                self.one_line_block(&header, body, item.loc.span(), depth)
                    .is_none()
            }),
        }
    }

    fn items(&mut self, items: &[Item], depth: usize, end: usize) {
        let mut previous: Option<&Item> = None;
        for item in items {
            let force_blank = previous
                .is_some_and(|p| self.is_multiline(p, depth) || self.is_multiline(item, depth));
            self.leading(
                item.loc.span().start as usize,
                depth,
                previous.is_none(),
                force_blank,
            );
            self.item(item, depth);
            previous = Some(item);
        }
        self.leading(end, depth, previous.is_none(), false);
        // The blank line `leading` may add before a closing `}` or the end of the file is not wanted.
        while self.out.ends_with("\n\n") {
            self.out.pop();
        }
    }

    fn item(&mut self, item: &Item, depth: usize) {
        let span = item.loc.span();
        self.prefix(&item.prefix, depth);
        match &item.kind {
            ItemKind::Account(account) => {
                let default = if account.default { " default" } else { "" };
                self.push_line(
                    depth,
                    &format!(
                        "account {} = {}{default}",
                        account.name.name,
                        string(&account.id)
                    ),
                );
            }
            ItemKind::Let(decl) => self.push_line(
                depth,
                &format!("let {} = {}", decl.name.name, value(&decl.value)),
            ),
            ItemKind::Expect(expect) => self.push_line(depth, &expectation(expect)),
            ItemKind::Block(_)
            | ItemKind::Template(_)
            | ItemKind::OrgPolicy(_)
            | ItemKind::Organization(_) => {
                if let Some((header, body)) = block_parts(item) {
                    self.block(&header, body, span, depth);
                }
            }
            ItemKind::Resource(decl) => {
                let placement = decl
                    .account
                    .as_ref()
                    .map(|a| format!(" in {}", a.name))
                    .unwrap_or_default();
                let header = format!(
                    "resource {}{placement} = {}",
                    decl.name.name,
                    constructor(&decl.constructor)
                );
                match &decl.body {
                    Some(body) => self.block(&header, body, span, depth),
                    None => self.push_line(depth, &header),
                }
            }
            ItemKind::In(block) => {
                self.push_line(depth, &format!("in {} {{", block.account.name));
                self.items(&block.items, depth + 1, span.end as usize);
                self.push_line(depth, "}");
            }
            ItemKind::Error => {
                // Never reached: files with errors are not formatted. Keep the text as it was.
                let text = self
                    .source
                    .get(span.range())
                    .unwrap_or("")
                    .trim_end()
                    .to_string();
                self.out.push_str(&text);
                self.out.push('\n');
            }
        }
        self.trailing(span.end as usize, depth);
    }

    fn has_comment_in(&self, span: Span) -> bool {
        let first = self.comments.partition_point(|c| c.start < span.start);
        self.comments.get(first).is_some_and(|c| c.start < span.end)
    }

    /// `header { stmt }` on one line, when the block is that simple and short.
    fn one_line_block(
        &self,
        header: &str,
        body: &[Stmt],
        span: Span,
        depth: usize,
    ) -> Option<String> {
        if self.has_comment_in(span) {
            return None;
        }
        let line = match body {
            [] => format!("{header} {{}}"),
            [stmt] if stmt.prefix == Prefix::default() => {
                format!("{header} {{ {} }}", one_line_stmt(stmt)?)
            }
            _ => return None,
        };
        (width(&indent(depth)) + width(&line) <= MAX_WIDTH).then_some(line)
    }

    fn block(&mut self, header: &str, body: &[Stmt], span: Span, depth: usize) {
        if let Some(line) = self.one_line_block(header, body, span, depth) {
            self.push_line(depth, &line);
            return;
        }
        self.push_line(depth, &format!("{header} {{"));
        let mut first = true;
        for stmt in body {
            self.leading(stmt.loc.span().start as usize, depth + 1, first, false);
            self.stmt(stmt, depth + 1);
            first = false;
        }
        // Comments before the closing brace.
        let close = span.end.saturating_sub(1) as usize;
        self.leading(close, depth + 1, first, false);
        while self.out.ends_with("\n\n") {
            self.out.pop();
        }
        self.push_line(depth, "}");
    }

    fn stmt(&mut self, stmt: &Stmt, depth: usize) {
        let span = stmt.loc.span();
        self.prefix(&stmt.prefix, depth);
        match &stmt.kind {
            StmtKind::Permission(permission) => {
                for line in permission_lines(permission, depth) {
                    self.out.push_str(&line);
                    self.out.push('\n');
                }
            }
            StmtKind::Attach(policy) => {
                self.push_line(depth, &format!("attach {}", policy_ref(policy)))
            }
            StmtKind::Boundary(policy) => {
                self.push_line(depth, &format!("boundary {}", policy_ref(policy)))
            }
            StmtKind::Assume(assume) => {
                for line in clause_lines(
                    format!("assume {}", target(&assume.target)),
                    condition_clauses(assume.condition.as_ref()),
                    depth,
                ) {
                    self.out.push_str(&line);
                    self.out.push('\n');
                }
            }
            StmtKind::Use(use_stmt) => {
                let path: Vec<&str> = use_stmt.path.iter().map(|p| p.name.as_str()).collect();
                self.push_line(
                    depth,
                    &format!("use {}({})", path.join("."), args(&use_stmt.args)),
                );
            }
            StmtKind::Property(property) => {
                self.push_line(
                    depth,
                    &format!("{} = {}", property.name.name, value(&property.value)),
                );
            }
            StmtKind::Flag(flag) => self.push_line(depth, &flag.name),
            StmtKind::Unit(unit) => {
                self.block(&format!("ou {}", unit.name.name), &unit.body, span, depth)
            }
            StmtKind::Member(member) => match &member.body {
                Some(body) => self.block(
                    &format!("account {}", member.account.name),
                    body,
                    span,
                    depth,
                ),
                None => self.push_line(depth, &format!("account {}", member.account.name)),
            },
            StmtKind::Trust(trust) => {
                let trust_span = trust.loc.span();
                if let Some(line) =
                    one_line_trust(trust).filter(|_| !self.has_comment_in(trust_span))
                {
                    self.push_line(depth, &line);
                } else {
                    self.push_line(depth, "trust {");
                    let mut first = true;
                    for entry in &trust.entries {
                        self.leading(entry.loc.span().start as usize, depth + 1, first, false);
                        self.prefix(&entry.prefix, depth + 1);
                        let mut head = principal(&entry.principal);
                        if entry.tag_session {
                            head.push_str(" tag_session");
                        }
                        for line in clause_lines(
                            head,
                            condition_clauses(entry.condition.as_ref()),
                            depth + 1,
                        ) {
                            self.out.push_str(&line);
                            self.out.push('\n');
                        }
                        self.trailing(entry.loc.span().end as usize, depth + 1);
                        first = false;
                    }
                    self.leading(
                        trust_span.end.saturating_sub(1) as usize,
                        depth + 1,
                        first,
                        false,
                    );
                    while self.out.ends_with("\n\n") {
                        self.out.pop();
                    }
                    self.push_line(depth, "}");
                }
            }
            StmtKind::Error => {
                let text = self
                    .source
                    .get(span.range())
                    .unwrap_or("")
                    .trim()
                    .to_string();
                self.push_line(depth, &text);
            }
        }
        self.trailing(span.end as usize, depth);
    }
}

/// A statement that may stand inside a one-line block: one without conditions or nesting.
fn one_line_stmt(stmt: &Stmt) -> Option<String> {
    Some(match &stmt.kind {
        StmtKind::Attach(policy) => format!("attach {}", policy_ref(policy)),
        StmtKind::Boundary(policy) => format!("boundary {}", policy_ref(policy)),
        StmtKind::Assume(assume) if assume.condition.is_none() => {
            format!("assume {}", target(&assume.target))
        }
        StmtKind::Property(property) => {
            format!("{} = {}", property.name.name, value(&property.value))
        }
        StmtKind::Flag(flag) => flag.name.clone(),
        StmtKind::Member(member) if member.body.is_none() => {
            format!("account {}", member.account.name)
        }
        StmtKind::Trust(trust) => one_line_trust(trust)?,
        StmtKind::Permission(p) if p.condition.is_none() && p.until.is_none() => {
            // Only a permission that fits on one line by itself; never its first line alone.
            match permission_lines(p, 0).as_slice() {
                [line] if p.resources.items.len() <= 1 => line.clone(),
                _ => return None,
            }
        }
        _ => return None,
    })
}

/// `trust { service ec2 }`: one entry, no condition, no doc.
fn one_line_trust(trust: &TrustBlock) -> Option<String> {
    match trust.entries.as_slice() {
        [] => Some("trust {}".to_string()),
        [entry] if entry.condition.is_none() && entry.prefix == Prefix::default() => {
            let tag = if entry.tag_session {
                " tag_session"
            } else {
                ""
            };
            Some(format!("trust {{ {}{tag} }}", principal(&entry.principal)))
        }
        _ => None,
    }
}

/// The header (`role r in prod`) and statements of a block declaration.
fn block_parts(item: &Item) -> Option<(String, &[Stmt])> {
    match &item.kind {
        ItemKind::Block(block) => {
            let placement = block
                .account
                .as_ref()
                .map(|a| format!(" in {}", a.name))
                .unwrap_or_default();
            Some((
                format!("{} {}{placement}", block.kind.keyword(), block.name.name),
                &block.body,
            ))
        }
        ItemKind::Template(template) => Some((
            format!("template {}", template_signature(template)),
            &template.body,
        )),
        ItemKind::OrgPolicy(decl) => Some((
            format!("{} {}", decl.kind.keyword(), decl.name.name),
            &decl.body,
        )),
        ItemKind::Organization(decl) => {
            Some((format!("organization {}", decl.name.name), &decl.body))
        }
        _ => None,
    }
}

fn indent(depth: usize) -> String {
    INDENT.repeat(depth)
}

fn width(text: &str) -> usize {
    text.chars().count()
}

/// A head (`allow read`, `oidc "…"`) and its clauses (`on …`, `when …`, `and …`), on one line when
/// it fits, else one clause per line, indented under the head.
fn clause_lines(head: String, clauses: Vec<String>, depth: usize) -> Vec<String> {
    let one_line = std::iter::once(head.clone())
        .chain(clauses.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ");
    if width(&indent(depth)) + width(&one_line) <= MAX_WIDTH || clauses.is_empty() {
        return vec![format!("{}{one_line}", indent(depth))];
    }
    let mut lines = vec![format!("{}{head}", indent(depth))];
    lines.extend(
        clauses
            .into_iter()
            .map(|clause| format!("{}{clause}", indent(depth + 1))),
    );
    lines
}

/// A keyword followed by a comma-separated list: inline if it fits, else one element per line.
fn list_lines(keyword: &str, elements: &[String], depth: usize) -> Vec<String> {
    let inline = format!("{keyword} {}", elements.join(", "));
    if width(&indent(depth)) + width(&inline) <= MAX_WIDTH || elements.len() < 2 {
        return vec![format!("{}{inline}", indent(depth))];
    }
    let mut lines = vec![format!("{}{keyword}", indent(depth))];
    let last = elements.len() - 1;
    for (index, element) in elements.iter().enumerate() {
        let comma = if index == last { "" } else { "," };
        lines.push(format!("{}{element}{comma}", indent(depth + 2)));
    }
    lines
}

fn permission_lines(permission: &Permission, depth: usize) -> Vec<String> {
    let effect = match permission.effect.node {
        Effect::Allow => "allow",
        Effect::Deny => "deny",
    };
    let mut actions: Vec<String> = permission.actions.items.iter().map(action_item).collect();
    if !permission.actions.except.is_empty() {
        let except: Vec<String> = permission.actions.except.iter().map(action_item).collect();
        if let Some(last) = actions.last_mut() {
            last.push_str(&format!(" except {}", except.join(", ")));
        }
    }
    let mut resources: Vec<String> = permission.resources.items.iter().map(resource).collect();
    if !permission.resources.except.is_empty() {
        let except: Vec<String> = permission.resources.except.iter().map(resource).collect();
        if let Some(last) = resources.last_mut() {
            last.push_str(&format!(" except {}", except.join(", ")));
        }
    }
    let head = format!("{effect} {}", actions.join(", "));
    // `on` is left out in a resource's policy when it is the resource itself.
    let mut clauses = Vec::new();
    if !resources.is_empty() {
        clauses.push(format!("on {}", resources.join(", ")));
    }
    if !permission.principals.is_empty() {
        let principals: Vec<String> = permission
            .principals
            .iter()
            .map(|p| principal(&p.node))
            .collect();
        clauses.push(format!("to {}", principals.join(", ")));
    }
    clauses.extend(condition_clauses(permission.condition.as_ref()));
    if let Some(until) = &permission.until {
        clauses.push(format!("until {}", until.node));
    }
    let lines = clause_lines(head.clone(), clauses.clone(), depth);
    if lines.len() == 1 {
        return lines;
    }
    // Keep `on …` with the actions when that fits; conditions go below.
    let head_on = format!("{head} {}", clauses[0]);
    if width(&indent(depth)) + width(&head_on) <= MAX_WIDTH {
        let rest = clauses[1..]
            .iter()
            .map(|clause| format!("{}{clause}", indent(depth + 1)));
        return std::iter::once(format!("{}{head_on}", indent(depth)))
            .chain(rest)
            .collect();
    }
    if lines.iter().all(|line| width(line) <= MAX_WIDTH) {
        return lines;
    }
    // Still too long: break the action and resource lists themselves.
    let mut lines = list_lines(effect, &actions, depth);
    let on_clauses = usize::from(!resources.is_empty());
    if !resources.is_empty() {
        lines.extend(list_lines("on", &resources, depth + 1));
    }
    lines.extend(
        clauses
            .into_iter()
            .skip(on_clauses)
            .map(|clause| format!("{}{clause}", indent(depth + 1))),
    );
    lines
}

fn condition_clauses(condition: Option<&Condition>) -> Vec<String> {
    let Some(condition) = condition else {
        return Vec::new();
    };
    condition
        .clauses
        .iter()
        .enumerate()
        .map(|(index, c)| format!("{} {}", if index == 0 { "when" } else { "and" }, clause(c)))
        .collect()
}

fn clause(clause: &Clause) -> String {
    match &clause.kind {
        ClauseKind::Mfa => "mfa".to_string(),
        ClauseKind::Exists { key, negated } => {
            format!(
                "{} {}exists",
                cond_key(key),
                if *negated { "not " } else { "" }
            )
        }
        ClauseKind::Compare {
            quantifier,
            key,
            if_exists,
            op,
            value: v,
        } => {
            let quantifier = match quantifier.as_ref().map(|q| q.node) {
                Some(Quantifier::Any) => "any ",
                Some(Quantifier::All) => "all ",
                None => "",
            };
            let question = if *if_exists { "?" } else { "" };
            format!(
                "{quantifier}{}{question} {} {}",
                cond_key(key),
                op.node.symbol(),
                value(v)
            )
        }
        ClauseKind::Raw {
            operator,
            key,
            value: v,
        } => format!("{}({}, {})", operator.node, cond_key(key), value(v)),
    }
}

/// Whether the grammar reads `text` as one `ident` (a service prefix, a resource type, a map key).
pub fn is_ident(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Whether a condition key reads back the same written without quotes.
pub fn is_bare_key(name: &str) -> bool {
    let (head, tail) = match name.split_once(':') {
        Some((head, tail)) => (head, Some(tail)),
        None => (name, None),
    };
    let head_ok = head.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && head
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    let tail_ok = tail.is_none_or(|t| {
        !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/'))
    });
    // `any` and `all` would read as quantifiers.
    head_ok && tail_ok && !matches!(name, "any" | "all")
}

fn cond_key(key: &CondKey) -> String {
    if is_bare_key(&key.name) {
        key.name.clone()
    } else {
        quote(&key.name)
    }
}

fn action_item(item: &ActionItem) -> String {
    match item {
        ActionItem::Star(_) => "*".to_string(),
        ActionItem::Level(level) => level.node.keyword().to_string(),
        ActionItem::Pattern(pattern) => pattern.node.clone(),
    }
}

fn resource(resource: &Resource) -> String {
    match resource {
        Resource::Star(_) => "*".to_string(),
        Resource::Arn(arn) => format!("arn({})", string(arn)),
        Resource::Constructor(c) => constructor(c),
        Resource::Named(name) => name.name.clone(),
    }
}

fn constructor(c: &Constructor) -> String {
    format!(
        "{}.{}({})",
        c.service.name,
        c.resource_type.name,
        args(&c.args)
    )
}

fn args(args: &[Arg]) -> String {
    args.iter()
        .map(|arg| match &arg.name {
            Some(name) => format!("{}: {}", name.name, value(&arg.value)),
            None => value(&arg.value),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn policy_ref(policy: &PolicyRef) -> String {
    match policy {
        PolicyRef::Named(name) => name.name.clone(),
        PolicyRef::AwsManaged(name) => format!("aws {}", string(name)),
    }
}

fn target(target: &Target) -> String {
    match target {
        Target::Named(name) => name.name.clone(),
        Target::Arn(arn) => format!("arn({})", string(arn)),
    }
}

fn name_or_string(value: &NameOrString) -> String {
    match value {
        NameOrString::Name(name) => name.name.clone(),
        NameOrString::String(s) => string(s),
    }
}

fn is_bare_service(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'))
}

fn principal(principal: &Principal) -> String {
    match principal {
        Principal::Service(service) if is_bare_service(&service.node) => {
            format!("service {}", service.node)
        }
        Principal::Service(service) => format!("service {}", quote(&service.node)),
        Principal::Account(account) => format!("account {}", name_or_string(account)),
        Principal::Role(role) => format!("role {}", target(role)),
        Principal::User(user) => format!("user {}", target(user)),
        Principal::Saml(saml) => format!("saml {}", name_or_string(saml)),
        Principal::Oidc(oidc) => format!("oidc {}", name_or_string(oidc)),
        Principal::Org(org) => format!("org {}", name_or_string(org)),
        Principal::Star(_) => "*".to_string(),
    }
}

fn expectation(expect: &Expect) -> String {
    let verdict = |can: bool| if can { "can" } else { "cannot" };
    match &expect.kind {
        ExpectKind::NoEscalation => "expect no escalation to admin".to_string(),
        ExpectKind::Assume {
            principal,
            can,
            role,
            condition,
        } => {
            let mut line = format!(
                "expect {} {} assume {}",
                principal.name,
                verdict(*can),
                role.name
            );
            for clause in condition_clauses(condition.as_ref()) {
                line.push(' ');
                line.push_str(&clause);
            }
            line
        }
        ExpectKind::Access {
            principal,
            can,
            actions,
            resource: r,
            condition,
        } => {
            let actions: Vec<String> = actions.iter().map(action_item).collect();
            let mut line = format!(
                "expect {} {} {} on {}",
                principal.name,
                verdict(*can),
                actions.join(", "),
                resource(r)
            );
            for clause in condition_clauses(condition.as_ref()) {
                line.push(' ');
                line.push_str(&clause);
            }
            line
        }
    }
}

fn value(v: &Value) -> String {
    match &v.kind {
        ValueKind::String(s) => string(s),
        ValueKind::Number(text) | ValueKind::Duration(text) | ValueKind::Date(text) => text.clone(),
        ValueKind::Bool(flag) => flag.to_string(),
        ValueKind::List(values) => format!(
            "[{}]",
            values.iter().map(value).collect::<Vec<_>>().join(", ")
        ),
        ValueKind::Map(entries) if entries.is_empty() => "{}".to_string(),
        ValueKind::Map(entries) => {
            let entries: Vec<String> = entries
                .iter()
                .map(|entry| {
                    let key = match &entry.key {
                        NameOrString::Name(name) => name.name.clone(),
                        NameOrString::String(lit) => string(lit),
                    };
                    format!("{key}: {}", value(&entry.value))
                })
                .collect();
            format!("{{ {} }}", entries.join(", "))
        }
        ValueKind::Star => "*".to_string(),
        ValueKind::Name(name) => name.name.clone(),
    }
}

/// Prints a string literal so that it parses back to the same parts.
/// `task_execution(repository = "*", log_group = "*")`: a template's name and parameters, with
/// their defaults, as they are written.
pub fn template_signature(template: &TemplateDecl) -> String {
    let params: Vec<String> = template
        .params
        .iter()
        .map(|p| match &p.default {
            Some(default) => format!("{} = {}", p.name.name, value(default)),
            None => p.name.name.clone(),
        })
        .collect();
    format!("{}({})", template.name.name, params.join(", "))
}

pub fn string(lit: &StringLit) -> String {
    let mut out = String::from("\"");
    for part in &lit.parts {
        match part {
            StrPart::Text(text) => out.push_str(&escape(text)),
            StrPart::Interp(name) => {
                out.push_str("${");
                out.push_str(&name.name);
                out.push('}');
            }
        }
    }
    out.push('"');
    out
}

/// Quotes plain text (no interpolation) as a string literal that reads back as exactly `text`.
pub fn quote(text: &str) -> String {
    format!("\"{}\"", escape(text))
}

/// Escapes literal text. `$` is escaped only where the text would otherwise read as `${name}`.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (index, c) in text.char_indices() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '$' if reads_as_interpolation(&text[index..]) => out.push_str("\\$"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Whether `${…}` at the start of `text` would be read as an interpolation.
fn reads_as_interpolation(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("${") else {
        return false;
    };
    let Some(close) = rest.find('}') else {
        return false;
    };
    let inner = &rest[..close];
    inner
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && inner
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}
