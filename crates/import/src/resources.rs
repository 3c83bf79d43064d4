//! `ResourcePolicies` to `resource NAME = KIND(…) { … }` declarations. A statement that names
//! exactly its resource (and, for a bucket, its objects as the compiler pairs them) leaves `on`
//! out; statements that differ only in actions and resources and together are what one such
//! statement compiles to are written as that one (`allow list, read to role auditor`). What
//! the typed form would change is `#[verbatim]`; what no form of the language holds (a
//! `Resource` outside the resource, a principal that is neither an account, a role, a user, a
//! service nor `*`) is an error that names the resource and the statement.

use std::fmt::Write as _;

use iamdsl_catalog::resource_policies::{
    resource_policy_kind_by_key, ResourceElement, ResourcePolicyKind, RESOURCE_POLICY_KINDS,
};
use iamdsl_policy::authz::{ResourcePolicyDetail, ResourcePolicyState};
use iamdsl_policy::{ActionBlock, Conditions, Effect, NameSet, ResourceBlock, Statement};
use iamdsl_syntax::quote;

use super::{condition_text, effect_word, list, Style, Writer};

/// The condition key `org "o-…"` compiles to, with `"AWS": "*"`.
const ORG_KEY: &str = "aws:PrincipalOrgID";

/// How one statement of a resource's policy is written.
enum Shape {
    /// `allow ACTIONS to …`: `on` left out, the actions paired with the resource as the
    /// compiler pairs them. Such statements of one principal list and condition are merged.
    Omitted(NameSet),
    /// A whole line of source, without indentation: `allow … on arn("…") to …`.
    Line(String),
}

/// The kind of a state entry's `Kind`, or an error naming the resource.
pub(crate) fn kind_of(
    detail: &ResourcePolicyDetail,
) -> Result<&'static ResourcePolicyKind, String> {
    resource_policy_kind_by_key(&detail.kind).ok_or_else(|| {
        let kinds: Vec<String> = RESOURCE_POLICY_KINDS.iter().map(|k| k.key()).collect();
        format!(
            "resource {} ({}): iamdsl writes no policy for `{}` (it writes those of {})",
            detail.name,
            detail.arn,
            detail.kind,
            kinds.join(", ")
        )
    })
}

/// The region of a regional resource's ARN, for `[defaults] region`.
pub(crate) fn region_of(detail: &ResourcePolicyDetail) -> Option<&str> {
    detail.arn.split(':').nth(3).filter(|r| !r.is_empty())
}

impl Writer<'_> {
    /// `resource NAME [in ACCOUNT] = KIND(…) [{ … }]`. Returns the warning to give when the
    /// state could not say what its policy is.
    pub(crate) fn resource(
        &self,
        out: &mut String,
        detail: &ResourcePolicyDetail,
        placement: &str,
        style: Style,
    ) -> Result<Option<String>, String> {
        let kind = kind_of(detail)?;
        let place = format!("the {} of `{}`", kind.label, detail.name);
        let constructor = self
            .constructor(kind, detail)
            .map_err(|e| format!("{place}: {e}"))?;
        let ident = self.names.resource(&detail.arn);
        let head = format!("resource {ident}{placement} = {constructor}");
        match &detail.policy {
            ResourcePolicyState::Absent => {
                let _ = writeln!(out, "\n{head}");
                Ok(None)
            }
            ResourcePolicyState::Unknown(why) => {
                let _ = writeln!(
                    out,
                    "\n// Its {} could not be read ({why}): declared here without one, which is\n// what iamdsl takes it to have. Read it again, and write its statements in a block.\n{head}",
                    kind.label
                );
                Ok(Some(format!(
                    "{place} could not be read ({why}): `{ident}` is imported without a policy; write its statements once it can be read"
                )))
            }
            ResourcePolicyState::Document(document) => {
                let _ = writeln!(out, "\n{head} {{");
                let lines = self
                    .resource_statements(kind, detail, &document.statements, style)
                    .map_err(|e| format!("{place}: {e}"))?;
                for line in lines {
                    let _ = writeln!(out, "  {line}");
                }
                out.push_str("}\n");
                Ok(None)
            }
        }
    }

    /// `s3.bucket("acme-logs")`, `kms.key("…", region: "…")`: the constructor whose ARN is the
    /// resource's, in the account it is placed in.
    fn constructor(
        &self,
        kind: &ResourcePolicyKind,
        detail: &ResourcePolicyDetail,
    ) -> Result<String, String> {
        let parts: Vec<&str> = detail.arn.splitn(6, ':').collect();
        let [_, partition, _, region, account, _] = parts.as_slice() else {
            return Err(format!("`{}` is not an ARN", detail.arn));
        };
        let resource_type = self
            .catalog
            .service(kind.service)
            .and_then(|s| s.resource_type_by_constructor(kind.resource_type));
        // Where the name goes in the ARN: the template filled with a mark for it.
        const MARK: &str = "\u{1}";
        for template in resource_type.map(|t| t.templates()).unwrap_or_default() {
            if template.parameters().len() != 1 {
                continue;
            }
            let filled = template.fill(|variable| match variable {
                "Partition" => partition,
                "Region" => region,
                "Account" => account,
                _ => MARK,
            });
            let Some((before, after)) = filled.split_once(MARK) else {
                continue;
            };
            let Some(name) = detail
                .arn
                .strip_prefix(before)
                .and_then(|rest| rest.strip_suffix(after))
                .filter(|name| !name.is_empty())
            else {
                continue;
            };
            // The random suffix AWS adds (a secret's `-AbCdEf`) is not the name.
            let name = kind.base_arn(name);
            if template.uses("Account") && *account != detail.account {
                return Err(format!(
                    "its ARN `{}` is of account {account}, but the state places it in {}",
                    detail.arn, detail.account
                ));
            }
            let region_arg = match template.uses("Region") {
                true if self.default_region.as_deref() != Some(*region) => {
                    format!(", region: {}", quote(region))
                }
                _ => String::new(),
            };
            return Ok(format!(
                "{}.{}({}{region_arg})",
                kind.service,
                kind.resource_type,
                quote(name)
            ));
        }
        Err(format!(
            "its ARN `{}` is not one `{}(…)` builds",
            detail.arn,
            kind.key()
        ))
    }

    /// The lines of a resource's block.
    fn resource_statements(
        &self,
        kind: &ResourcePolicyKind,
        detail: &ResourcePolicyDetail,
        statements: &[Statement],
        style: Style,
    ) -> Result<Vec<String>, String> {
        // What `on` left out stands for, as the compiler resolves it.
        let mut covered = vec![detail.arn.clone()];
        if !kind.covers.is_empty() {
            covered.push(format!("{}/*", detail.arn));
        }
        // Each line in the place of the (first) statement it is written from: a line, or the
        // index of a merged statement in `omitted`.
        let mut order: Vec<Result<usize, String>> = Vec::new();
        // Statements written with `on` left out, merged by (effect, principals, condition).
        let mut omitted: Vec<((Effect, String, String), NameSet)> = Vec::new();
        for (index, statement) in statements.iter().enumerate() {
            let what = format!(
                "statement {} ({} {})",
                index + 1,
                effect_word(statement.effect),
                action_summary(&statement.action)
            );
            let (principals, condition) = self
                .resource_principals(statement)
                .map_err(|e| format!("{what}: {e}"))?;
            let to = format!("to {}", principals.join(", "));
            let condition =
                condition_text(self.catalog, &condition, style == Style::Readable, None);
            match self
                .shape(kind, detail, &covered, statement, style)
                .map_err(|e| format!("{what}: {e}"))?
            {
                Shape::Omitted(actions) => {
                    let key = (statement.effect, to, condition);
                    match omitted.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, merged)) => merged.extend(actions),
                        None => {
                            order.push(Ok(omitted.len()));
                            omitted.push((key, actions));
                        }
                    }
                }
                Shape::Line(line) => order.push(Err(format!("{line} {to}{condition}"))),
            }
        }
        let merged: Vec<String> = omitted
            .into_iter()
            .map(|((effect, to, condition), actions)| {
                let written = match self.intent_over(&actions, &covered) {
                    Some(levels) => levels.join(", "),
                    None => list(actions.iter().cloned()),
                };
                format!("{} {written} {to}{condition}", effect_word(effect))
            })
            .collect();
        Ok(order
            .into_iter()
            .filter_map(|entry| match entry {
                Ok(index) => merged.get(index).cloned(),
                Err(line) => Some(line),
            })
            .collect())
    }

    /// How a statement is written: `on` left out where that compiles to exactly it, else the
    /// readable or the verbatim form of an identity statement, with `to` added by the caller.
    fn shape(
        &self,
        kind: &ResourcePolicyKind,
        detail: &ResourcePolicyDetail,
        covered: &[String],
        statement: &Statement,
        style: Style,
    ) -> Result<Shape, String> {
        let resources: Vec<String> = match (&statement.resource, kind.resource_element) {
            (Some(ResourceBlock::NotResource(_)), _) => {
                return Err(format!(
                    "NotResource has no source form in a {}, which is about its own resource",
                    kind.label
                ))
            }
            (Some(ResourceBlock::Resource(set)), ResourceElement::Arn) => {
                set.iter().cloned().collect()
            }
            (None, ResourceElement::Arn) => {
                return Err(format!(
                    "no Resource: iamdsl writes `{}` in each statement of a {}",
                    detail.arn, kind.label
                ))
            }
            // `"*"` (or no Resource, which the service reads the same) means this resource.
            (Some(ResourceBlock::Resource(set)), _) if !(set.len() == 1 && set.contains("*")) => {
                return Err(format!(
                    "Resource {}: iamdsl writes `*` in each statement of a {} (the resource itself)",
                    list(set.iter().cloned()),
                    kind.label
                ))
            }
            _ => vec![detail.arn.clone()],
        };
        let inside = |arn: &str| {
            arn == detail.arn
                || (!kind.covers.is_empty()
                    && arn
                        .strip_prefix(detail.arn.as_str())
                        .is_some_and(|rest| rest.starts_with('/')))
        };
        if let Some(outside) = resources.iter().find(|arn| !inside(arn)) {
            return Err(format!(
                "Resource `{outside}` is outside `{}`: a {} names its resource{} only",
                detail.arn,
                kind.label,
                if kind.covers.is_empty() {
                    ""
                } else {
                    " and what it holds"
                }
            ));
        }
        let effect = effect_word(statement.effect);
        let named = kind.resource_element == ResourceElement::Arn;
        let on = if named {
            let texts = resources
                .iter()
                .map(|arn| self.resource_text(arn, &detail.account, style));
            format!(" on {}", list(texts))
        } else {
            String::new()
        };
        let resource_set: NameSet = resources.iter().cloned().collect();
        match &statement.action {
            ActionBlock::NotAction(except) => {
                let star = NameSet::from(["*".to_string()]);
                let whole = !named || resource_set == covered.iter().cloned().collect();
                let known = self.explicit_is_exact(except, &star);
                let line = format!("{effect} * except {}", list(except.iter().cloned()));
                Ok(match (style, known, whole) {
                    (Style::Readable, true, true) => Shape::Line(line),
                    (Style::Readable, true, false) => Shape::Line(format!("{line}{on}")),
                    _ => Shape::Line(format!("#[verbatim]\n  {line}{on}")),
                })
            }
            ActionBlock::Action(actions) => {
                if style == Style::Verbatim {
                    return Ok(Shape::Line(format!(
                        "#[verbatim]\n  {effect} {}{on}",
                        list(actions.iter().cloned())
                    )));
                }
                // `on` left out pairs each action with the covered resources it applies to.
                let exact_omitted = actions.iter().all(|action| {
                    let one = NameSet::from([action.clone()]);
                    let kept: NameSet = covered
                        .iter()
                        .filter(|arn| {
                            self.explicit_is_exact(&one, &NameSet::from([(*arn).clone()]))
                        })
                        .cloned()
                        .collect();
                    kept == resource_set
                });
                if exact_omitted {
                    return Ok(Shape::Omitted(actions.clone()));
                }
                if named {
                    if let [arn] = resources.as_slice() {
                        if let Some(levels) = self.intent_for(actions, arn) {
                            return Ok(Shape::Line(format!("{effect} {}{on}", levels.join(", "))));
                        }
                    }
                    if self.explicit_is_exact(actions, &resource_set) {
                        return Ok(Shape::Line(format!(
                            "{effect} {}{on}",
                            list(actions.iter().cloned())
                        )));
                    }
                }
                Ok(Shape::Line(format!(
                    "#[verbatim]\n  {effect} {}{on}",
                    list(actions.iter().cloned())
                )))
            }
        }
    }

    /// The access levels whose expansion on every covered resource is exactly `actions`.
    fn intent_over(&self, actions: &NameSet, covered: &[String]) -> Option<Vec<&'static str>> {
        let mut chosen: Option<Vec<&'static str>> = None;
        let mut union = NameSet::new();
        for arn in covered {
            // The actions of `actions` that `on` left out pairs with this resource.
            let here: NameSet = actions
                .iter()
                .filter(|a| {
                    self.explicit_is_exact(
                        &NameSet::from([(*a).clone()]),
                        &NameSet::from([arn.clone()]),
                    )
                })
                .cloned()
                .collect();
            let levels = self.intent_for(&here, arn)?;
            if chosen.as_ref().is_some_and(|c| *c != levels) {
                return None;
            }
            chosen = Some(levels);
            union.extend(here);
        }
        chosen.filter(|_| &union == actions)
    }

    /// The `to` list of a statement and what is left of its condition (`org` takes its key).
    fn resource_principals(
        &self,
        statement: &Statement,
    ) -> Result<(Vec<String>, Conditions), String> {
        let Some(principals) = &statement.principal else {
            return Err("no Principal: a resource's policy names whom it lets in".into());
        };
        let mut condition = statement.condition.clone();
        let anyone_alone = principals.0.len() == 1
            && principals
                .0
                .get("AWS")
                .is_some_and(|set| set.len() == 1 && set.contains("*"));
        if anyone_alone {
            let orgs = condition
                .0
                .get_mut("StringEquals")
                .and_then(|keys| keys.remove(ORG_KEY));
            if let Some(orgs) = orgs {
                if condition
                    .0
                    .get("StringEquals")
                    .is_some_and(|k| k.is_empty())
                {
                    condition.0.remove("StringEquals");
                }
                let texts = orgs.iter().map(|id| format!("org {}", quote(id))).collect();
                return Ok((texts, condition));
            }
        }
        let mut texts = Vec::new();
        for (principal_kind, values) in &principals.0 {
            for value in values {
                texts.push(self.resource_principal(principal_kind, value)?);
            }
        }
        Ok((texts, condition))
    }

    fn resource_principal(&self, principal_kind: &str, value: &str) -> Result<String, String> {
        match principal_kind {
            "AWS" if value == "*" => Ok("*".to_string()),
            "AWS" => {
                if let Some(declared) = self.principal_arns.get(value) {
                    return Ok(declared.clone());
                }
                self.aws_principal(value).ok_or_else(|| {
                    format!("the principal `{value}` has no source form (a deleted principal shows as its unique id; an assumed-role session cannot be named)")
                })
            }
            "Service" => self.principal_entry(principal_kind, value, ""),
            other => Err(format!(
                "principals of kind `{other}` have no source form in a resource's policy"
            )),
        }
    }
}

/// `s3:GetObject…`, `* except …`: enough of the actions to find the statement.
fn action_summary(action: &ActionBlock) -> String {
    let (set, prefix) = match action {
        ActionBlock::Action(set) => (set, ""),
        ActionBlock::NotAction(set) => (set, "* except "),
    };
    let first = set.iter().next().cloned().unwrap_or_default();
    if set.len() > 1 {
        format!("{prefix}{first}, …")
    } else {
        format!("{prefix}{first}")
    }
}
