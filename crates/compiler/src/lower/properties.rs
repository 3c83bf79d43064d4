//! Properties of a declaration (`name`, `path`, `description`, `max_session`, `groups`).

use iamdsl_diagnostics::{codes, suggest, Diagnostic, Span};
use iamdsl_syntax::ast::*;

use super::{Lowerer, Scope, Val};
use crate::model::{DeclKind, Entity};
use crate::resolve::{Decl, SymbolKind};

impl<'a> Lowerer<'a> {
    pub(super) fn lower_property(
        &mut self,
        scope: &Scope,
        property: &Property,
        entity: &mut Entity,
    ) {
        use SymbolKind as K;
        let known: &[&str] = match scope.owner_kind {
            K::Role => crate::vocabulary::properties(DeclKind::Role),
            K::User => crate::vocabulary::properties(DeclKind::User),
            K::Group => crate::vocabulary::properties(DeclKind::Group),
            K::Policy => crate::vocabulary::properties(DeclKind::Policy),
            _ => &[],
        };
        let name = property.name.name.as_str();
        if !known.contains(&name) {
            let mut diagnostic = Diagnostic::error(
                codes::UNKNOWN_PROPERTY,
                format!("{} has no property `{name}`", scope.owner_kind.describe()),
            )
            .at(scope.file, property.name.span(), "unknown property");
            diagnostic = match suggest::closest(name, known.iter().copied()) {
                Some(close) => diagnostic.with_suggestion(scope.file, property.name.span(), close),
                None => diagnostic.with_help(format!("its properties are: {}", known.join(", "))),
            };
            self.report(Some(scope), diagnostic);
            return;
        }
        let span = property.value.span();
        match name {
            "max_session" => {
                let seconds = match self.eval(scope, &property.value) {
                    Some(Val::Dur(text)) => parse_duration(&text),
                    Some(Val::Num(text)) => text.parse::<u64>().ok(),
                    Some(_) => None,
                    None => return,
                };
                match seconds {
                    Some(s) if (3600..=43200).contains(&s) => {
                        entity.max_session = u32::try_from(s).ok()
                    }
                    _ => self.report(
                        Some(scope),
                        Diagnostic::error(
                            codes::INVALID_DURATION,
                            "`max_session` must be between 1h and 12h",
                        )
                        .at(scope.file, span, "out of range or not a duration")
                        .with_help("AWS accepts 3600 to 43200 seconds: write `1h` to `12h`"),
                    ),
                }
            }
            "tags" => {
                if let Some(tags) = self.eval(scope, &property.value) {
                    self.lower_tags(scope, property, tags, entity);
                }
            }
            "groups" => {
                let ValueKind::List(values) = &property.value.kind else {
                    self.report(
                        Some(scope),
                        Diagnostic::error(codes::INVALID_VALUE, "`groups` takes a list of groups")
                            .at(scope.file, span, "not a list")
                            .with_help("write `groups = [developers]`"),
                    );
                    return;
                };
                for value in values {
                    let ValueKind::Name(ident) = &value.kind else {
                        self.report(
                            Some(scope),
                            Diagnostic::error(codes::INVALID_VALUE, "`groups` lists group names")
                                .at(scope.file, value.span(), "not a name"),
                        );
                        continue;
                    };
                    let Some(decl) =
                        self.resolve(Some(scope), scope.file, ident, &[SymbolKind::Group])
                    else {
                        continue;
                    };
                    let Some(account) = self.account_of(&decl) else {
                        continue;
                    };
                    if account.id != scope.account.id {
                        self.report(
                            Some(scope),
                            Diagnostic::error(
                                codes::CROSS_ACCOUNT,
                                format!(
                                    "group `{}` is in account `{}`, user `{}` in `{}`",
                                    ident.name, account.name, scope.owner, scope.account.name
                                ),
                            )
                            .at(
                                scope.file,
                                ident.span(),
                                "a group of another account",
                            ),
                        );
                        continue;
                    }
                    entity.groups.push(self.aws_name(&ident.name).1);
                }
            }
            _ => {
                let text = match self.eval(scope, &property.value) {
                    Some(Val::Str(text)) => text,
                    Some(_) => {
                        self.report(
                            Some(scope),
                            Diagnostic::error(
                                codes::INVALID_VALUE,
                                format!("`{name}` takes a string"),
                            )
                            .at(scope.file, span, "not a string"),
                        );
                        return;
                    }
                    None => return,
                };
                if name == "description" {
                    if text.chars().count() > 1000 {
                        self.report(
                            Some(scope),
                            Diagnostic::error(
                                codes::INVALID_VALUE,
                                "a description has at most 1000 characters",
                            )
                            .at(scope.file, span, "too long"),
                        );
                    }
                    entity.description = Some(aws_description(&text));
                }
                // `name` and `path` are read by `aws_name`, before any scope exists, so they must be
                // plain text: a name built from a `let` would be ignored there.
                let plain = matches!(&property.value.kind, ValueKind::String(lit) if lit.as_plain().is_some());
                if (name == "name" || name == "path") && !plain {
                    self.report(
                        Some(scope),
                        Diagnostic::error(
                            codes::INVALID_VALUE,
                            format!("`{name}` takes a plain string"),
                        )
                        .at(scope.file, span, "not a string literal without `${…}`")
                        .with_help(format!("write the {name} out: `{name} = \"{text}\"`")),
                    );
                }
            }
        }
    }
}

/// What IAM accepts of a tag (`Tag` in the IAM API reference,
/// https://docs.aws.amazon.com/IAM/latest/APIReference/API_Tag.html, and "Tagging IAM
/// resources", https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html): a key of 1 to 128
/// and a value of 0 to 256 characters, letters, digits, white space and `_ . : / = + - @`; no
/// key with the prefix `aws:`, which AWS keeps for itself; no two keys that differ only in case;
/// at most 50 tags on a role, user or policy.
const TAG_KEY_MAX: usize = 128;
const TAG_VALUE_MAX: usize = 256;
const TAGS_MAX: usize = 50;

fn tag_char(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}

impl<'a> Lowerer<'a> {
    fn lower_tags(&mut self, scope: &Scope, property: &Property, tags: Val, entity: &mut Entity) {
        let whole = property.value.span();
        // Each finding points at its entry when the map is written out in place.
        let entry_span = |key: &str| match &property.value.kind {
            ValueKind::Map(entries) => entries
                .iter()
                .find(|entry| match &entry.key {
                    NameOrString::Name(name) => name.name == key,
                    NameOrString::String(lit) => lit.as_plain().as_deref() == Some(key),
                })
                .map_or(whole, |entry| entry.key_span().to(entry.value.span())),
            _ => whole,
        };
        let Val::Map(entries) = tags else {
            self.report(
                Some(scope),
                Diagnostic::error(codes::INVALID_TAG, "`tags` takes a map of keys to strings")
                    .at(scope.file, whole, "not a map")
                    .with_help("write `tags = { team: \"payments\", \"cost-center\": \"4711\" }`"),
            );
            return;
        };
        // (where, message, label, help)
        let mut findings: Vec<(Span, String, &str, String)> = Vec::new();
        if entries.len() > TAGS_MAX {
            findings.push((
                whole,
                format!("{} tags, and IAM takes at most {TAGS_MAX}", entries.len()),
                "too many tags",
                "keep the tags that access or cost decisions use; IAM does not raise this quota"
                    .to_string(),
            ));
        }
        for (key, value) in entries {
            let span = entry_span(&key);
            let value = match value {
                Val::Str(text) => text,
                _ => {
                    findings.push((
                        span,
                        format!("the value of tag `{key}` is not a string"),
                        "a tag's value is text",
                        format!("quote it: `{key}: \"…\"`"),
                    ));
                    continue;
                }
            };
            let key_chars = key.chars().count();
            if key_chars == 0 || key_chars > TAG_KEY_MAX {
                findings.push((
                    span,
                    format!("a tag key has 1 to {TAG_KEY_MAX} characters; `{key}` has {key_chars}"),
                    "key of the wrong length",
                    "use a shorter key, and put the detail in the value".to_string(),
                ));
            }
            if value.chars().count() > TAG_VALUE_MAX {
                findings.push((
                    span,
                    format!("the value of tag `{key}` is over {TAG_VALUE_MAX} characters"),
                    "value too long",
                    format!("shorten it to {TAG_VALUE_MAX} characters"),
                ));
            }
            if let Some(bad) = key.chars().chain(value.chars()).find(|c| !tag_char(*c)) {
                findings.push((
                    span,
                    format!("tag `{key}` holds `{bad}`, a character IAM does not take in tags"),
                    "letters, digits, spaces and `_ . : / = + - @` only",
                    format!("replace `{bad}`, with `-` or `_` for example"),
                ));
            }
            if key.len() >= 4 && key[..4].eq_ignore_ascii_case("aws:") {
                findings.push((
                    span,
                    format!("tag key `{key}` starts with `aws:`, which AWS keeps for its own tags"),
                    "a reserved prefix",
                    format!("write the key without it: `{}`", &key[4..]),
                ));
            }
            let same = entity
                .tags
                .keys()
                .find(|known| known.eq_ignore_ascii_case(&key))
                .cloned();
            if let Some(known) = same {
                findings.push((
                    span,
                    format!("tags `{known}` and `{key}` have the same key: IAM compares tag keys without case"),
                    "a second tag with this key",
                    "keep one of them".to_string(),
                ));
                continue;
            }
            entity.tags.insert(key, value);
        }
        for (span, message, label, help) in findings {
            self.report(
                Some(scope),
                Diagnostic::error(codes::INVALID_TAG, message)
                    .at(scope.file, span, label)
                    .with_note("IAM takes up to 50 tags, keys of 1 to 128 and values of up to 256 letters, digits, spaces and `_ . : / = + - @`, keys not starting with `aws:`")
                    .with_help(help),
            );
        }
    }
}

/// A description AWS accepts: it takes tab, line breaks, printable ASCII and Latin-1 only. The
/// typographic marks people write in prose become their ASCII forms; anything else becomes `?`
/// (the doc comment itself, shown in editors, keeps them).
pub(super) fn aws_description(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{2032}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{2033}' => '"',
            '\u{2013}' | '\u{2014}' | '\u{2212}' => '-',
            '\u{2026}' => '.',
            '\u{00A0}' => ' ',
            c if c == '\t'
                || c == '\n'
                || c == '\r'
                || (' '..='~').contains(&c)
                || ('\u{A1}'..='\u{FF}').contains(&c) =>
            {
                c
            }
            _ => '?',
        })
        .collect()
}

/// The span of a property's value in a block declaration.
pub(super) fn property_span(decl: &Decl<'_>, name: &str) -> Option<Span> {
    let ItemKind::Block(block) = &decl.item.kind else {
        return None;
    };
    block.body.iter().find_map(|stmt| match &stmt.kind {
        StmtKind::Property(p) if p.name.name == name => Some(p.value.span()),
        _ => None,
    })
}

/// `1h30m` → 5400. `None` when malformed or absurdly large.
pub(crate) fn parse_duration(text: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        let n: u64 = digits.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        digits.clear();
    }
    digits.is_empty().then_some(total)
}
