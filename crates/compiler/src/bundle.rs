//! `iamdsl build`: the model as files. One canonical JSON document per managed policy, inline
//! policy and trust policy, and per account one `account-authorization-details.json` in the
//! shape AWS prints, checked against AWS's quotas. Writing to disk is the caller's (atomic) job.

use std::collections::BTreeMap;

use iamdsl_diagnostics::{codes, Diagnostic};
use iamdsl_policy::authz::{
    AttachedPolicy, AuthorizationDetails, GroupDetail, InlinePolicy, InstanceProfile,
    ManagedPolicyDetail, ResourcePolicyDetail, ResourcePolicyState, RoleDetail, UserDetail,
};
use iamdsl_policy::canonical::{canonical_size, canonicalize, document_json, quota_size};
use iamdsl_policy::json::Json;
use iamdsl_policy::{ActionBlock, NameSet, Origin, PolicyDocument, ResourceBlock, Statement};

use crate::minimize::minimize;
use crate::model::{DeclKind, Model};
use crate::quotas::check_quotas;

/// The name of the inline policy iamdsl gives each principal.
pub const INLINE_POLICY_NAME: &str = "iamdsl";

#[derive(Debug, Clone, Copy, Default)]
pub struct BuildOptions {
    /// Split an oversized managed policy into numbered policies instead of failing.
    pub split: bool,
    /// Replace action lists by wildcards where the catalog proves them equal.
    pub minimize: bool,
}

/// A file of the build, by its path relative to the output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub path: String,
    pub contents: String,
}

#[derive(Debug, Default)]
pub struct BuildOutput {
    pub artifacts: Vec<Artifact>,
    pub diagnostics: Vec<Diagnostic>,
    /// `--minimize`: bytes saved over all documents (without white space, as AWS counts).
    pub bytes_saved: usize,
    /// Per account: its name and the directory of its bundle (`""` for the output itself).
    pub bundles: Vec<(String, String)>,
    /// How many files the build wrote.
    pub files: usize,
}

/// The authorization details of each account of the model, keyed by account name.
/// What the project builds for the accounts a deployed state is about (all of them when the
/// state names none): the side of a diff that deploying would produce.
pub fn built_counterpart(model: &Model, deployed: &AuthorizationDetails) -> AuthorizationDetails {
    let accounts = deployed.account_ids();
    let mut built = AuthorizationDetails::default();
    for (name, details) in authorization_details(model) {
        let id = model
            .accounts
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.id.as_str())
            .unwrap_or_default();
        if accounts.is_empty() || accounts.contains(id) {
            built.users.extend(details.users);
            built.groups.extend(details.groups);
            built.roles.extend(details.roles);
            built.policies.extend(details.policies);
            built.resources.extend(details.resources);
        }
    }
    // The guardrails of every account's requests.
    built.organization = model
        .organization
        .clone()
        .map(iamdsl_policy::organization::OrganizationState::Known);
    built
}

pub fn authorization_details(model: &Model) -> BTreeMap<String, AuthorizationDetails> {
    model
        .accounts
        .iter()
        .map(|a| (a.name.clone(), account_details(model, &a.name)))
        .collect()
}

/// The authorization details of one account of the model.
pub fn account_details(model: &Model, account: &str) -> AuthorizationDetails {
    let mut out = AuthorizationDetails::default();
    let bundle = &mut out;
    let partition = &model.partition;
    for entity in model.entities.iter().filter(|e| e.account.name == account) {
        let arn = entity.arn(partition);
        let inline = if entity.document.is_empty() || entity.kind == DeclKind::Policy {
            Vec::new()
        } else {
            vec![InlinePolicy {
                name: INLINE_POLICY_NAME.to_string(),
                document: entity.document.clone(),
            }]
        };
        let attached: Vec<AttachedPolicy> = entity
            .managed
            .iter()
            .map(|arn| AttachedPolicy::from_arn(arn))
            .collect();
        match entity.kind {
            DeclKind::Policy => bundle.policies.push(ManagedPolicyDetail {
                path: entity.path.clone(),
                name: entity.name.clone(),
                arn,
                id: None,
                description: entity.description.clone(),
                document: entity.document.clone(),
                tags: Some(entity.tags.clone()),
                other_versions: Vec::new(),
            }),
            DeclKind::Group => bundle.groups.push(GroupDetail {
                path: entity.path.clone(),
                name: entity.name.clone(),
                arn,
                id: None,
                inline,
                attached,
            }),
            DeclKind::User => bundle.users.push(UserDetail {
                path: entity.path.clone(),
                name: entity.name.clone(),
                arn,
                id: None,
                groups: entity.groups.clone(),
                inline,
                attached,
                boundary: entity.boundary.clone(),
                tags: entity.tags.clone(),
            }),
            DeclKind::Role => bundle.roles.push(RoleDetail {
                path: entity.path.clone(),
                name: entity.name.clone(),
                instance_profiles: if entity.instance_profile {
                    vec![InstanceProfile {
                        path: entity.path.clone(),
                        name: entity.name.clone(),
                        arn: format!(
                            "arn:{partition}:iam::{}:instance-profile{}{}",
                            entity.account.id, entity.path, entity.name
                        ),
                    }]
                } else {
                    Vec::new()
                },
                arn,
                id: None,
                description: entity.description.clone(),
                trust: entity.trust.clone().unwrap_or_default(),
                inline,
                attached,
                boundary: entity.boundary.clone(),
                // IAM's default is what a role without one has: the same meaning, one form.
                max_session: entity
                    .max_session
                    .filter(|s| *s != iamdsl_policy::authz::DEFAULT_MAX_SESSION),
                tags: entity.tags.clone(),
            }),
        }
    }
    for resource in model.resources.iter().filter(|r| r.account.name == account) {
        out.resources.push(ResourcePolicyDetail {
            kind: resource.kind.key(),
            name: resource.name.clone(),
            arn: resource.arn.clone(),
            account: resource.account.id.clone(),
            policy: match &resource.policy {
                Some(document) => ResourcePolicyState::Document(as_stored(resource, document)),
                None => ResourcePolicyState::Absent,
            },
        });
    }
    out.sort();
    out
}

/// A resource's policy in the form its service stores it: a document, with an `Id` where the
/// service asks for one (SNS); for a Lambda function, the statements `AddPermission` writes, one
/// per principal and action, each with its statement id.
pub fn stored_form(resource: &crate::model::Resource, document: &PolicyDocument) -> Json<'static> {
    use iamdsl_catalog::resource_policies::StoredForm;
    let document = match resource.kind.stored {
        StoredForm::Document => document.clone(),
        StoredForm::Permissions => lambda_permissions(&as_stored(resource, document)),
    };
    let Json::Object(mut fields) = owned(document_json(&document)) else {
        return owned(document_json(&document));
    };
    if resource.kind.policy_id || resource.kind.stored == StoredForm::Permissions {
        let id = match resource.kind.stored {
            // What Lambda calls the policy it keeps.
            StoredForm::Permissions => "default".to_string(),
            StoredForm::Document => format!("iamdsl-{}", resource.name),
        };
        fields.insert(1, ("Id".into(), Json::String(id.into())));
    }
    Json::Object(fields)
}

/// The document as the service keeps it. `AddPermission` writes a source ARN as `ArnLike`
/// (<https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html>, `SourceArn`), which
/// means what `ArnEquals` means (both match each ARN component with `*` and `?`:
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN>),
/// so a function's permissions say `ArnLike`, as the function will show them.
fn as_stored(resource: &crate::model::Resource, document: &PolicyDocument) -> PolicyDocument {
    use iamdsl_catalog::resource_policies::StoredForm;
    let mut document = document.clone();
    if resource.kind.stored == StoredForm::Permissions {
        for statement in &mut document.statements {
            if let Some(keys) = statement.condition.0.remove("ArnEquals") {
                let like = statement
                    .condition
                    .0
                    .entry("ArnLike".to_string())
                    .or_default();
                for (key, values) in keys {
                    like.entry(key).or_default().extend(values);
                }
            }
            // And it spells the two keys it writes `AWS:SourceArn` and `AWS:SourceAccount`
            // (key names are not case-sensitive).
            for keys in statement.condition.0.values_mut() {
                for spelled in ["AWS:SourceArn", "AWS:SourceAccount"] {
                    let other: Vec<String> = keys
                        .keys()
                        .filter(|k| k.eq_ignore_ascii_case(spelled) && k.as_str() != spelled)
                        .cloned()
                        .collect();
                    for key in other {
                        if let Some(values) = keys.remove(&key) {
                            keys.entry(spelled.to_string()).or_default().extend(values);
                        }
                    }
                }
            }
        }
    }
    document
}

/// A JSON value that borrows nothing.
fn owned(json: Json<'_>) -> Json<'static> {
    match json {
        Json::Null => Json::Null,
        Json::Bool(b) => Json::Bool(b),
        Json::Number(n) => Json::Number(n),
        Json::String(s) => Json::String(s.into_owned().into()),
        Json::Array(items) => Json::Array(items.into_iter().map(owned).collect()),
        Json::Object(fields) => Json::Object(
            fields
                .into_iter()
                .map(|(k, v)| (k.into_owned().into(), owned(v)))
                .collect(),
        ),
    }
}

/// One statement per principal and action, as `AddPermission` adds them (its statement id
/// derived from the content, so that it is stable).
fn lambda_permissions(document: &PolicyDocument) -> PolicyDocument {
    let mut statements = Vec::new();
    for statement in &document.statements {
        let ActionBlock::Action(actions) = &statement.action else {
            statements.push(statement.clone());
            continue;
        };
        let principals: Vec<(String, String)> = statement
            .principal
            .iter()
            .flat_map(|p| p.0.iter())
            .flat_map(|(kind, values)| values.iter().map(move |v| (kind.clone(), v.clone())))
            .collect();
        for action in actions {
            for (kind, value) in &principals {
                let mut one = statement.clone();
                one.action = ActionBlock::Action(NameSet::from([action.clone()]));
                let mut principal = iamdsl_policy::Principals::default();
                principal
                    .0
                    .insert(kind.clone(), NameSet::from([value.clone()]));
                one.principal = Some(principal);
                one.sid = None;
                statements.push(one);
            }
        }
    }
    let mut split = PolicyDocument { statements };
    // Content-derived Sids, but no merging: each statement stays one permission.
    iamdsl_policy::canonical::assign_sids(&mut split);
    split
}

/// Builds the artifacts of a checked model (call only when analysis found no errors), in
/// memory, sorted by path.
pub fn build(model: &Model, options: BuildOptions) -> BuildOutput {
    let mut artifacts = Vec::new();
    let mut collect = |path: &str, contents: &str| {
        artifacts.push(Artifact {
            path: path.to_string(),
            contents: contents.to_string(),
        });
        Ok(())
    };
    // Collecting cannot fail.
    let mut output = build_into(model, options, &mut collect).unwrap_or_default();
    artifacts.sort_by(|a, b| a.path.cmp(&b.path));
    output.artifacts = artifacts;
    output
}

/// A model as `--minimize` and `--split` reshape it, and its verdict on AWS's quotas.
pub struct Reshaped<'m> {
    /// The model itself (not copied) when neither option is given.
    pub model: std::borrow::Cow<'m, Model>,
    /// The quota diagnostics of the reshaped model, and why `--split` left a policy whole; empty
    /// when nothing was reshaped (the analysis checked this very model).
    pub diagnostics: Vec<Diagnostic>,
    /// `--minimize`: bytes saved over all documents (without white space, as AWS counts).
    pub bytes_saved: usize,
}

/// Whether an analysis diagnostic is judged again on the model that `options` reshape: the
/// quotas, which `--split` and `--minimize` may fix. `check` and `build` leave those out of the
/// analysis' diagnostics and take [`reshape`]'s instead, so that both reach one verdict.
pub fn is_judged_after_reshaping(options: BuildOptions, code: &str) -> bool {
    (options.split || options.minimize)
        && (code == codes::POLICY_TOO_LARGE || code == codes::TOO_MANY_ATTACHMENTS)
}

/// Applies `--minimize` and `--split` to a model and checks its quotas again.
pub fn reshape(model: &Model, options: BuildOptions) -> Reshaped<'_> {
    let mut reshaped = Reshaped {
        model: std::borrow::Cow::Borrowed(model),
        diagnostics: Vec::new(),
        bytes_saved: 0,
    };
    // Only `--minimize` and `--split` change the model: without them, no copy of it, and no
    // second quota check.
    if !(options.minimize || options.split) {
        return reshaped;
    }
    let mut changed = model.clone();
    if options.minimize {
        for entity in &mut changed.entities {
            let before = canonical_size(&entity.document);
            entity.document = canonicalize(&minimize(&entity.document));
            reshaped.bytes_saved += before.saturating_sub(canonical_size(&entity.document));
        }
    }
    let unsplit = if options.split {
        split_oversized(&mut changed)
    } else {
        Vec::new()
    };
    // A policy `--split` left whole is reported once, with the reason.
    let quotas = check_quotas(&changed).into_iter().filter(|d| {
        !(d.code == codes::POLICY_TOO_LARGE
            && unsplit.iter().any(|(origin, _)| {
                d.primary
                    .as_ref()
                    .is_some_and(|p| p.file == origin.file && p.span == origin.span)
            }))
    });
    let mut diagnostics: Vec<Diagnostic> = quotas.collect();
    diagnostics.extend(unsplit.into_iter().map(|(_, diagnostic)| diagnostic));
    reshaped.diagnostics = diagnostics;
    reshaped.model = std::borrow::Cow::Owned(changed);
    reshaped
}

/// Builds the artifacts of a checked model and hands each to `sink` (path, contents) as soon as
/// it is written, so that a large build never holds them all. Call only with a model whose
/// analysis found no errors (quotas included); when `--split` or `--minimize` reshaped it, its
/// quotas are checked again and nothing reaches the sink if one fails (see `diagnostics`).
/// `artifacts` of the result stays empty; `files` counts them.
pub fn build_into(
    model: &Model,
    options: BuildOptions,
    sink: &mut dyn FnMut(&str, &str) -> std::io::Result<()>,
) -> std::io::Result<BuildOutput> {
    let mut output = BuildOutput::default();
    let reshaped = reshape(model, options);
    output.bytes_saved = reshaped.bytes_saved;
    output.diagnostics = reshaped.diagnostics;
    if output.diagnostics.iter().any(Diagnostic::is_error) {
        return Ok(output);
    }
    let model: &Model = &reshaped.model;

    let several = model.accounts.len() > 1;
    // One buffer for every file's text.
    let mut text = String::new();
    for account in &model.accounts {
        let dir = if several {
            format!("{}/", account.name)
        } else {
            String::new()
        };
        output
            .bundles
            .push((account.name.clone(), dir.trim_end_matches('/').to_string()));
        let mut push = |path: String, json: Json| {
            output.files += 1;
            text.clear();
            json.pretty_into(&mut text);
            sink(&format!("{dir}{path}"), &text)
        };
        for entity in model.entities.iter().filter(|e| e.account.id == account.id) {
            let document = document_json(&entity.document);
            match entity.kind {
                DeclKind::Policy => push(format!("policies/{}.json", entity.name), document)?,
                kind => {
                    let folder = match kind {
                        DeclKind::Group => "groups",
                        DeclKind::User => "users",
                        _ => "roles",
                    };
                    if !entity.document.is_empty() {
                        push(format!("{folder}/{}/inline.json", entity.name), document)?;
                    }
                    if let Some(trust) = &entity.trust {
                        push(
                            format!("{folder}/{}/trust.json", entity.name),
                            document_json(trust),
                        )?;
                    }
                }
            }
        }
        for resource in model
            .resources
            .iter()
            .filter(|r| r.account.id == account.id)
        {
            if let Some(policy) = &resource.policy {
                push(
                    format!("resources/{}.json", resource.ident),
                    stored_form(resource, policy),
                )?;
            }
        }
        // One account's bundle at a time, dropped once written.
        let bundle = account_details(model, &account.name);
        push(
            "account-authorization-details.json".to_string(),
            bundle.to_json(),
        )?;
    }
    let accounts = model
        .accounts
        .iter()
        .map(|a| {
            let dir = if several {
                a.name.clone()
            } else {
                String::new()
            };
            Json::Object(vec![
                ("Name".into(), Json::str(&a.name)),
                ("Id".into(), Json::str(&a.id)),
                ("Directory".into(), Json::str(dir)),
            ])
        })
        .collect();
    output.files += 1;
    sink(
        "build-info.json",
        &Json::Object(vec![
            (
                "Generator".into(),
                Json::str(format!("iamdsl {}", env!("CARGO_PKG_VERSION"))),
            ),
            ("Catalog".into(), Json::str(&model.catalog_version)),
            (
                "ManagedPolicies".into(),
                Json::str(iamdsl_catalog::managed::managed_policies().source()),
            ),
            ("Partition".into(), Json::str(&model.partition)),
            ("Accounts".into(), Json::Array(accounts)),
            // How many files the build wrote, this one included: a later build replaces the
            // output only when it holds just those (`iamdsl build` never deletes others').
            (
                "Files".into(),
                Json::Number(i64::try_from(output.files).unwrap_or(i64::MAX)),
            ),
        ])
        .pretty(),
    )?;
    Ok(output)
}

/// `--split`: a managed policy over the quota (6,144 characters without white space:
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html) becomes
/// `NAME-1`, `NAME-2`, …, each attached wherever the original was. Returns the policies it
/// cannot split, by origin, each with the diagnostic that says why.
fn split_oversized(model: &mut Model) -> Vec<(Origin, Diagnostic)> {
    let partition = model.partition.clone();
    let limit = model.quotas.managed_policy_size;
    let mut replaced: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut added = Vec::new();
    let mut unsplit = Vec::new();
    let boundaries: std::collections::BTreeSet<String> = model
        .entities
        .iter()
        .filter_map(|e| e.boundary.clone())
        .collect();
    for entity in &mut model.entities {
        let size = canonical_size(&entity.document);
        if entity.kind != DeclKind::Policy || size <= limit {
            continue;
        }
        let over = || {
            Diagnostic::error(
                codes::CANNOT_SPLIT,
                format!(
                    "`--split` cannot split policy `{}` ({size} characters, over the quota of {limit})",
                    entity.ident
                ),
            )
            .at(
                entity.origin.file,
                entity.origin.span,
                format!("{size} > {limit} characters (white space not counted)"),
            )
        };
        if boundaries.contains(&entity.arn(&partition)) {
            unsplit.push((
                entity.origin,
                over()
                    .with_note("it is a permissions boundary, and a principal has exactly one: split, it would lose the statements of its other parts")
                    .with_help("make the boundary smaller: fewer or broader statements, `--minimize`, or wildcards"),
            ));
            continue;
        }
        let parts = match split_document(&entity.document, limit) {
            Ok(parts) if parts.len() >= 2 => parts,
            Ok(_) => continue,
            Err(unsplittable) => {
                let mut diagnostic = over()
                    .with_note(unsplittable.reason)
                    .with_help(unsplittable.help);
                if let Some(origin) = unsplittable.origin {
                    diagnostic = diagnostic.with_label(
                        origin.file,
                        origin.span,
                        format!("this statement is {} characters alone", unsplittable.size),
                    );
                }
                unsplit.push((entity.origin, diagnostic));
                continue;
            }
        };
        let original_arn = entity.arn(&partition);
        let mut arns = Vec::new();
        for (index, document) in parts.into_iter().enumerate() {
            let mut part = entity.clone();
            part.name = format!("{}-{}", entity.name, index + 1);
            part.ident = format!("{}-{}", entity.ident, index + 1);
            part.document = canonicalize(&document);
            arns.push(part.arn(&partition));
            added.push(part);
        }
        replaced.insert(original_arn, arns);
        entity.document = PolicyDocument::default();
    }
    if replaced.is_empty() {
        return unsplit;
    }
    model
        .entities
        .retain(|e| !(e.kind == DeclKind::Policy && replaced.contains_key(&e.arn(&partition))));
    model.entities.extend(added);
    for entity in &mut model.entities {
        let mut managed = Vec::new();
        for arn in &entity.managed {
            match replaced.get(arn) {
                Some(parts) => managed.extend(parts.iter().cloned()),
                None => managed.push(arn.clone()),
            }
        }
        entity.managed = managed;
    }
    model
        .entities
        .sort_by(|a, b| (a.kind, &a.account.id, &a.name).cmp(&(b.kind, &b.account.id, &b.name)));
    unsplit
}

/// A statement over the quota by itself that cannot be cut without changing what it means.
#[derive(Debug)]
struct Unsplittable {
    origin: Option<Origin>,
    size: usize,
    reason: String,
    help: &'static str,
}

/// Packs statements into documents under `limit`. A statement too large alone is cut into
/// statements of the same effect and condition: by its resources (a request matches the
/// statement when its resource matches one of them, so each part takes some), then by its
/// actions (likewise). A `NotAction` or `NotResource` list is never cut: each part would
/// exclude less, so together they would match more than the whole.
fn split_document(
    document: &PolicyDocument,
    limit: usize,
) -> Result<Vec<PolicyDocument>, Unsplittable> {
    let canonical = canonicalize(document);
    let mut pieces = Vec::new();
    for statement in canonical.statements {
        let mut queue = vec![statement];
        while let Some(mut statement) = queue.pop() {
            statement.sid = None;
            let size = statement_size(&statement);
            if size <= limit {
                pieces.push(statement);
                continue;
            }
            let (first, second) = cut(statement, limit, size)?;
            queue.push(second);
            queue.push(first);
        }
    }
    let mut documents: Vec<PolicyDocument> = Vec::new();
    let mut current = PolicyDocument::default();
    for piece in pieces {
        let mut candidate = current.clone();
        candidate.statements.push(piece.clone());
        if !current.statements.is_empty() && quota_size(&candidate) > limit {
            documents.push(std::mem::take(&mut current));
            current.statements.push(piece);
        } else {
            current = candidate;
        }
    }
    if !current.statements.is_empty() {
        documents.push(current);
    }
    Ok(documents)
}

/// The size of a document holding only `statement`.
fn statement_size(statement: &Statement) -> usize {
    quota_size(&PolicyDocument {
        statements: vec![statement.clone()],
    })
}

/// Halves a statement over `limit`: its `Resource` list when a statement on one of those
/// resources fits (otherwise the actions are what is too long), else its `Action` list.
fn cut(
    statement: Statement,
    limit: usize,
    size: usize,
) -> Result<(Statement, Statement), Unsplittable> {
    let resources = match &statement.resource {
        Some(ResourceBlock::Resource(set)) if set.len() >= 2 => Some(set.clone()),
        _ => None,
    };
    let actions = match &statement.action {
        ActionBlock::Action(set) if set.len() >= 2 => Some(set.clone()),
        _ => None,
    };
    // Its longest resource decides whether a statement on one resource fits.
    let one_resource_fits = |set: &NameSet| {
        set.iter().max_by_key(|r| r.len()).is_some_and(|resource| {
            let mut alone = statement.clone();
            alone.resource = Some(ResourceBlock::Resource([resource.clone()].into()));
            statement_size(&alone) <= limit
        })
    };
    let halves = |set: &NameSet| {
        let list: Vec<String> = set.iter().cloned().collect();
        let (left, right) = list.split_at(list.len() / 2);
        (
            left.iter().cloned().collect::<NameSet>(),
            right.iter().cloned().collect::<NameSet>(),
        )
    };
    if let Some(set) = resources.filter(|set| actions.is_none() || one_resource_fits(set)) {
        let (left, right) = halves(&set);
        let mut first = statement.clone();
        first.resource = Some(ResourceBlock::Resource(left));
        let mut second = statement;
        second.resource = Some(ResourceBlock::Resource(right));
        return Ok((first, second));
    }
    if let Some(set) = actions {
        let (left, right) = halves(&set);
        let mut first = statement.clone();
        first.action = ActionBlock::Action(left);
        let mut second = statement;
        second.action = ActionBlock::Action(right);
        return Ok((first, second));
    }
    let (reason, help) = match (&statement.action, &statement.resource) {
        (ActionBlock::NotAction(set), _) if set.len() >= 2 => (
            format!("one statement is over the quota by itself, and most of it is a `NotAction` list of {} actions: a statement with `NotAction` matches every action not in its list, so statements each with part of the list would together match every action", set.len()),
            "allow the actions by name instead of excluding the others, or shorten the `except` list",
        ),
        (_, Some(ResourceBlock::NotResource(set))) if set.len() >= 2 => (
            format!("one statement is over the quota by itself, and most of it is a `NotResource` list of {} resources: a statement with `NotResource` matches every resource not in its list, so statements each with part of the list would together match every resource", set.len()),
            "name the resources the statement is about instead of excluding the others, or shorten the list",
        ),
        _ => (
            "one statement is over the quota by itself with a single action on a single resource: its condition is what is long, and a condition cannot be split".to_string(),
            "shorten the condition (fewer values, or a wildcard with `like`)",
        ),
    };
    Err(Unsplittable {
        origin: statement.origins.first().copied(),
        size,
        reason,
        help,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use iamdsl_policy::{Conditions, Effect};
    use std::collections::BTreeSet;

    fn names(prefix: &str, count: usize) -> NameSet {
        (0..count)
            .map(|i| format!("{prefix}{i:04}-with-a-long-enough-name"))
            .collect()
    }

    fn statement(action: ActionBlock, resource: ResourceBlock, condition: Conditions) -> Statement {
        Statement {
            sid: None,
            effect: Effect::Allow,
            principal: None,
            action,
            resource: Some(resource),
            condition,
            origins: Vec::new(),
        }
    }

    fn mfa() -> Conditions {
        let mut condition = Conditions::default();
        condition.insert("Bool", "aws:MultiFactorAuthPresent", ["true".to_string()]);
        condition
    }

    /// Every (action, resource) a document's statements name, with their effect and condition.
    fn pairs(documents: &[PolicyDocument]) -> BTreeSet<(String, String, String)> {
        let mut out = BTreeSet::new();
        for statement in documents.iter().flat_map(|d| &d.statements) {
            let (ActionBlock::Action(actions), Some(ResourceBlock::Resource(resources))) =
                (&statement.action, &statement.resource)
            else {
                panic!("a split made a Not… statement: {statement:?}");
            };
            let meaning = format!("{:?} {:?}", statement.effect, statement.condition);
            for action in actions {
                for resource in resources {
                    out.insert((meaning.clone(), action.clone(), resource.clone()));
                }
            }
        }
        out
    }

    fn fits(documents: &[PolicyDocument], limit: usize) {
        for document in documents {
            assert!(quota_size(document) <= limit, "{}", quota_size(document));
        }
    }

    #[test]
    fn a_statement_over_the_quota_is_cut_by_resources_then_actions_with_the_same_meaning() {
        let limit = 6144;
        // Many resources, few actions: cut by resources, each part keeping both actions.
        let wide = statement(
            ActionBlock::Action(names("s3:GetObject", 2)),
            ResourceBlock::Resource(names("arn:aws:s3:::bucket/tenant-", 300)),
            mfa(),
        );
        // Many actions and resources: a statement on one resource is over the quota too, so
        // the actions are cut as well.
        let both = statement(
            ActionBlock::Action(names("ec2:Describe", 400)),
            ResourceBlock::Resource(names("arn:aws:ec2:us-east-1:111111111111:instance/i-", 40)),
            Conditions::default(),
        );
        for original in [wide, both] {
            let document = PolicyDocument {
                statements: vec![original.clone()],
            };
            assert!(quota_size(&document) > limit);
            let parts = split_document(&document, limit).unwrap();
            assert!(parts.len() >= 2);
            fits(&parts, limit);
            assert_eq!(pairs(&parts), pairs(&[document]));
        }
    }

    #[test]
    fn resources_are_cut_before_actions() {
        let document = PolicyDocument {
            statements: vec![statement(
                ActionBlock::Action(names("s3:GetObject", 3)),
                ResourceBlock::Resource(names("arn:aws:s3:::bucket/tenant-", 300)),
                Conditions::default(),
            )],
        };
        let parts = split_document(&document, 6144).unwrap();
        for statement in parts.iter().flat_map(|d| &d.statements) {
            assert_eq!(
                statement.action,
                ActionBlock::Action(names("s3:GetObject", 3))
            );
        }
    }

    #[test]
    fn a_not_action_list_or_a_long_condition_is_never_cut() {
        let not_action = statement(
            ActionBlock::NotAction(names("iam:Create", 400)),
            ResourceBlock::Resource(["*".to_string()].into()),
            Conditions::default(),
        );
        let not_resource = statement(
            ActionBlock::Action(["s3:GetObject".to_string()].into()),
            ResourceBlock::NotResource(names("arn:aws:s3:::bucket/tenant-", 300)),
            Conditions::default(),
        );
        let mut long_condition = Conditions::default();
        long_condition.insert("IpAddress", "aws:SourceIp", names("10.0.0.0/", 400));
        let condition = statement(
            ActionBlock::Action(["s3:GetObject".to_string()].into()),
            ResourceBlock::Resource(["*".to_string()].into()),
            long_condition,
        );
        for (original, why) in [
            (not_action, "`NotAction` list of 400 actions"),
            (not_resource, "`NotResource` list of 300 resources"),
            (condition, "a condition cannot be split"),
        ] {
            let document = PolicyDocument {
                statements: vec![original],
            };
            let refused = split_document(&document, 6144).unwrap_err();
            assert!(refused.reason.contains(why), "{}", refused.reason);
            assert!(refused.size > 6144);
        }
    }

    #[test]
    fn a_not_action_statement_is_still_cut_by_its_resources() {
        let document = PolicyDocument {
            statements: vec![statement(
                ActionBlock::NotAction(["iam:*".to_string()].into()),
                ResourceBlock::Resource(names("arn:aws:s3:::bucket/tenant-", 300)),
                Conditions::default(),
            )],
        };
        let parts = split_document(&document, 6144).unwrap();
        fits(&parts, 6144);
        let mut resources = NameSet::new();
        for statement in parts.iter().flat_map(|d| &d.statements) {
            assert_eq!(
                statement.action,
                ActionBlock::NotAction(["iam:*".to_string()].into())
            );
            let Some(ResourceBlock::Resource(set)) = &statement.resource else {
                panic!("{statement:?}");
            };
            resources.extend(set.iter().cloned());
        }
        assert_eq!(resources, names("arn:aws:s3:::bucket/tenant-", 300));
    }
}
