//! What a project's principals may do, by AWS's evaluation logic over what the project builds.
//! `iamdsl explain`, `iamdsl who-can`, the `expect` checks and the permission-level diff all ask
//! here.

use std::collections::BTreeSet;

use iamdsl_catalog::facts;
use iamdsl_diagnostics::{Diagnostic, Span};
use iamdsl_policy::access::{Access, PrincipalKind};
use iamdsl_policy::authz::AuthorizationDetails;
use iamdsl_policy::eval::{Context, Decision, Quantifier};

use iamdsl_syntax::ast::{Item, ItemKind};

use crate::model::{DeclKind, Entity, Model};
use crate::Analysis;

/// Every account of the model as built, in one: the state the evaluator reads.
pub fn evaluated_state(model: &Model) -> AuthorizationDetails {
    crate::bundle::built_counterpart(model, &AuthorizationDetails::default())
}

/// A principal (user, group or role) named as in source, by its AWS name, or by its ARN.
pub fn find_principal<'m>(model: &'m Model, name: &str) -> Result<&'m Entity, String> {
    let principals = || model.entities.iter().filter(|e| e.kind != DeclKind::Policy);
    principals()
        .find(|e| e.ident == name)
        .or_else(|| principals().find(|e| e.arn(&model.partition) == name))
        .or_else(|| principals().find(|e| e.name == name))
        .ok_or_else(|| {
            let names: Vec<&str> = principals().map(|e| e.ident.as_str()).collect();
            match iamdsl_diagnostics::suggest::closest(name, names.iter().copied()) {
                Some(close) => format!("no user, group or role `{name}`; did you mean `{close}`?"),
                None => format!("no user, group or role `{name}` in the project"),
            }
        })
}

/// Who a principal's question is asked of: the principal itself; for a group, each member
/// (with all its permissions), or, without members, a member with only the group's.
pub fn subjects(model: &Model, access: &Access<'_>, entity: &Entity) -> Vec<usize> {
    let arn = entity.arn(&model.partition);
    let Some(index) = access.by_arn(&arn) else {
        return Vec::new();
    };
    if entity.kind != DeclKind::Group {
        return vec![index];
    }
    let members: Vec<usize> = access
        .principals()
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            p.kind == PrincipalKind::User
                && p.account == entity.account.id
                && p.groups.contains(&entity.name)
        })
        .map(|(i, _)| i)
        .collect();
    if members.is_empty() {
        vec![index]
    } else {
        members
    }
}

/// `key=value` pairs of the command line or of an expectation's `when`, as a request context;
/// a key given twice has both values.
pub fn context_of<'p>(pairs: impl IntoIterator<Item = (&'p str, &'p str)>) -> Context {
    let mut grouped: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for (key, value) in pairs {
        grouped.entry(key).or_default().push(value.to_string());
    }
    let mut context = Context::new();
    for (key, values) in grouped {
        context.set(key, values);
    }
    context
}

/// A way from a principal to administrator access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    /// The principal without admin access, by index into the access layer.
    pub principal: usize,
    /// The steps, in words: "assumes role ops", "iam:PutRolePolicy on role ops".
    pub steps: Vec<String>,
    /// The principals the way goes through, by index, from `principal` to the one whose
    /// access it gains (a group joined, a principal rewritten): for drawing it.
    pub through: Vec<usize>,
}

/// A principal's requests at their most capable: signed in with MFA, over TLS. Escalations are
/// looked for in this context.
pub fn most_capable_context() -> Context {
    let mut context = Context::new();
    context.set("aws:MultiFactorAuthPresent", ["true".to_string()]);
    context.set("aws:SecureTransport", ["true".to_string()]);
    context
}

/// Whether a principal may do every IAM action on every resource.
pub fn is_admin(access: &Access<'_>, principal: usize, context: &Context) -> bool {
    access.allows(principal, "iam:*", "*", context, Quantifier::Every)
}

/// "role ops", "user alice": a principal as the escalation steps name it.
struct Named<'p, 'a>(&'p iamdsl_policy::access::PrincipalInfo<'a>);

impl std::fmt::Display for Named<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.0.kind.as_str(), self.0.name)
    }
}

/// What one principal can do to others, for the escalation search.
#[derive(Clone, Default)]
struct Edges {
    /// Principals it can act as, and how.
    act_as: Vec<(usize, String)>,
    /// Principals whose permissions it can rewrite: how, and whether the boundary can be
    /// lifted too.
    edits: Vec<(usize, String, bool)>,
    /// Groups it can join.
    joins: Vec<(usize, String)>,
}

/// Principals that are not administrators but can become one. A principal *acts as* another
/// when it can assume it, pass it to a service that runs code, rewrite its trust policy, or
/// make credentials for it; it escalates when, acting as some principal, it can rewrite the
/// permissions of a principal it can act as (itself included) that has no permissions
/// boundary, or can act as an administrator, or join an administrators' group.
pub fn escalations(access: &Access<'_>, context: &Context) -> Vec<Escalation> {
    let principals = access.principals();
    let count = principals.len();
    let acting = |i: usize| principals[i].kind != PrincipalKind::Group;
    let admin: Vec<bool> = (0..count).map(|i| is_admin(access, i, context)).collect();
    let allowed = |who: usize, action: &str, resource: &str| {
        access.allows(who, action, resource, context, Quantifier::Some)
    };
    let candidates: Vec<&'static str> = facts::escalation_actions().collect();
    // What each principal can do to others, found when a search first needs it: most of a
    // large project is never reached from a principal that is not an administrator.
    let edges_from = |from: usize| -> Edges {
        let mut act_as: Vec<(usize, String)> = Vec::new();
        let mut edits: Vec<(usize, String, bool)> = Vec::new();
        let mut joins: Vec<(usize, String)> = Vec::new();
        if !acting(from) {
            return Edges::default();
        }
        for role in access.assumable(from, context) {
            act_as.push((role, format!("assumes role {}", principals[role].name)));
        }
        // Most principals can do none of these anywhere: one evaluation each rules them out.
        let may: Vec<&str> = candidates
            .iter()
            .copied()
            .filter(|action| allowed(from, action, "*"))
            .collect();
        // Passing a role is asked with the service it is passed to in the request, as AWS
        // asks it (`iam:PassedToService`).
        let runs_code = facts::RUN_AS_ROLE
            .iter()
            .find(|(action, _)| allowed(from, action, "*"));
        let passing = runs_code.map(|(_, service)| {
            let mut passing = context.clone();
            passing.set("iam:PassedToService", [service.to_string()]);
            passing
        });
        let may_pass = |arn: &str| {
            passing.as_ref().is_some_and(|passing| {
                access.allows(from, "iam:PassRole", arn, passing, Quantifier::Some)
            })
        };
        if may.is_empty() && !may_pass("*") {
            return Edges {
                act_as,
                edits,
                joins,
            };
        }
        let first_on = |actions: &[&'static str], arn: &str| -> Option<&'static str> {
            actions
                .iter()
                .copied()
                .filter(|a| may.contains(a))
                .find(|a| allowed(from, a, arn))
        };
        for (to, target) in principals.iter().enumerate() {
            // Written only into the edges found: most targets have none.
            let name = Named(target);
            // Rewriting permissions, with or without taking the boundary away.
            let mut edit = |edit: &[&'static str], lift: &[&'static str]| {
                if let Some(action) = first_on(edit, &target.arn) {
                    let lift = first_on(lift, &target.arn);
                    let how = match lift {
                        Some(lift) => format!("{action} and {lift} on {name}"),
                        None => format!("{action} on {name}"),
                    };
                    edits.push((to, how, lift.is_some()));
                }
            };
            match target.kind {
                PrincipalKind::Role => {
                    edit(facts::EDIT_ROLE, facts::LIFT_ROLE_BOUNDARY);
                    if let Some(action) = first_on(&[facts::EDIT_TRUST], &target.arn) {
                        act_as.push((to, format!("{action} on {name}, then assumes it")));
                    }
                    // Passing the role to a service that trusts it and runs code as it.
                    if let Some((run, service)) = runs_code {
                        if may_pass(&target.arn)
                            && access.external_can_assume(service, to, context).decision()
                                == Decision::Allow
                        {
                            act_as.push((
                                to,
                                format!("iam:PassRole of {name} with {run}: runs code as it"),
                            ));
                        }
                    }
                }
                PrincipalKind::User => {
                    edit(facts::EDIT_USER, facts::LIFT_USER_BOUNDARY);
                    if let Some(action) = first_on(facts::CREDENTIALS, &target.arn) {
                        act_as.push((to, format!("{action} on {name}: signs in as it")));
                    }
                }
                PrincipalKind::Group => {
                    let join = first_on(&[facts::JOIN_GROUP], &target.arn);
                    if join.is_some() {
                        joins.push((to, format!("iam:AddUserToGroup on {name}")));
                    }
                    if let Some(action) = first_on(facts::EDIT_GROUP, &target.arn) {
                        // Editing a group edits its members; with AddUserToGroup, a user can
                        // join it first.
                        for (member, user) in principals.iter().enumerate().filter(|(m, p)| {
                            p.kind == PrincipalKind::User
                                && p.account == target.account
                                && (p.groups.contains(&target.name)
                                    || (*m == from && join.is_some()))
                        }) {
                            let how = if user.groups.contains(&target.name) {
                                format!("{action} on {name}, which user {} is in", user.name)
                            } else {
                                format!("iam:AddUserToGroup and {action} on {name}: joins it and rewrites its policies")
                            };
                            edits.push((member, how, false));
                        }
                    }
                }
            }
            if let Some(arn) = target
                .policies
                .iter()
                .filter_map(|p| p.arn.as_deref())
                .find(|arn| first_on(facts::EDIT_POLICY, arn).is_some())
            {
                if target.kind != PrincipalKind::Group {
                    edits.push((
                        to,
                        format!("iam:CreatePolicyVersion on {arn}, attached to {name}"),
                        false,
                    ));
                }
            }
        }
        Edges {
            act_as,
            edits,
            joins,
        }
    };
    let mut edges: Vec<Option<Edges>> = vec![None; count];
    let mut out = Vec::new();
    for start in (0..count).filter(|&i| acting(i) && !admin[i]) {
        // Everything `start` can act as, with the way there.
        let mut path_to: Vec<Option<Vec<String>>> = vec![None; count];
        let mut came_from: Vec<Option<usize>> = vec![None; count];
        path_to[start] = Some(Vec::new());
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(at) = queue.pop_front() {
            let from_here = edges[at].get_or_insert_with(|| edges_from(at));
            for (to, how) in &from_here.act_as {
                if path_to[*to].is_none() {
                    let mut path = path_to[at].clone().unwrap_or_default();
                    path.push(how.clone());
                    path_to[*to] = Some(path);
                    came_from[*to] = Some(at);
                    queue.push_back(*to);
                }
            }
        }
        // The principals from `start` to `x`, through those it acts as.
        let chain_to = |x: usize| {
            let mut chain = vec![x];
            let mut at = x;
            while let Some(previous) = came_from[at] {
                chain.push(previous);
                at = previous;
            }
            chain.reverse();
            chain
        };
        let reached: Vec<usize> = (0..count).filter(|&i| path_to[i].is_some()).collect();
        let mut found = reached
            .iter()
            .find(|&&x| admin[x])
            .and_then(|&x| Some((path_to[x].clone()?, chain_to(x))));
        for &x in &reached {
            if found.is_some() {
                break;
            }
            let base = path_to[x].clone().unwrap_or_default();
            let from_x = edges[x].get_or_insert_with(|| edges_from(x));
            if let Some((group, how)) = from_x.joins.iter().find(|(group, _)| admin[*group]) {
                let mut path = base.clone();
                path.push(format!("{how}, whose members are administrators"));
                let mut through = chain_to(x);
                through.push(*group);
                found = Some((path, through));
                break;
            }
            for (y, how, lifts) in &from_x.edits {
                let Some(to_y) = &path_to[*y] else { continue };
                if principals[*y].boundary.is_none() || *lifts {
                    let mut path = base.clone();
                    let why = if *lifts {
                        "its boundary can be taken away"
                    } else {
                        "it has no permissions boundary"
                    };
                    path.push(format!(
                        "{how}: {} {} can be given any permission ({why})",
                        principals[*y].kind.as_str(),
                        principals[*y].name
                    ));
                    if *y != x {
                        path.push(format!(
                            "then acts as it: {}",
                            if to_y.is_empty() {
                                "it is the principal itself".to_string()
                            } else {
                                to_y.join(", ")
                            }
                        ));
                    }
                    let mut through = chain_to(x);
                    if *y != x {
                        through.push(*y);
                    }
                    found = Some((path, through));
                    break;
                }
            }
        }
        if let Some((steps, through)) = found {
            out.push(Escalation {
                principal: start,
                steps,
                through,
            });
        }
    }
    out
}

/// The declarations an answer about `principals`' requests reads: the principals, a group's
/// members and a user's groups, the managed policies and boundaries attached to any of them,
/// and every role they may reach by assuming roles (named in a trust policy, by ARN or by
/// account, or granted `sts:AssumeRole` by their policies), with that role's own.
pub fn request_path(model: &Model, principals: &[&Entity]) -> BTreeSet<String> {
    let partition = &model.partition;
    let mut path: BTreeSet<String> = BTreeSet::new();
    let mut queue: Vec<&Entity> = principals.to_vec();
    while let Some(entity) = queue.pop() {
        if !path.insert(entity.ident.clone()) {
            continue;
        }
        let same_account = |e: &&Entity| e.account.id == entity.account.id;
        let attached: Vec<&String> = entity.managed.iter().chain(&entity.boundary).collect();
        let mut next: Vec<&Entity> = model
            .entities
            .iter()
            .filter(|e| e.kind == DeclKind::Policy && attached.contains(&&e.arn(partition)))
            .collect();
        match entity.kind {
            DeclKind::User => next.extend(
                model
                    .entities
                    .iter()
                    .filter(same_account)
                    .filter(|e| e.kind == DeclKind::Group && entity.groups.contains(&e.name)),
            ),
            DeclKind::Group => next.extend(
                model
                    .entities
                    .iter()
                    .filter(same_account)
                    .filter(|e| e.kind == DeclKind::User && e.groups.contains(&entity.name)),
            ),
            _ => {}
        }
        if entity.kind != DeclKind::Policy {
            let arn = entity.arn(partition);
            let root = format!("arn:{partition}:iam::{}:root", entity.account.id);
            let documents: Vec<&iamdsl_policy::PolicyDocument> = std::iter::once(entity)
                .chain(next.iter().copied())
                .map(|e| &e.document)
                .collect();
            next.extend(model.entities.iter().filter(|role| {
                role.kind == DeclKind::Role
                    && (role.trust.as_ref().is_some_and(|trust| {
                        trust.statements.iter().any(|s| {
                            s.principal.as_ref().is_some_and(|p| {
                                p.0.values().flatten().any(|named| {
                                    *named == arn || *named == root || *named == entity.account.id
                                })
                            })
                        })
                    }) || documents
                        .iter()
                        .any(|d| crate::lints::grants_assume(d, &role.arn(partition))))
            }));
        }
        queue.extend(next);
    }
    path
}

/// The errors of an analysis that could change an answer read from the declarations in
/// `path` (see [`request_path`]): those in one of them, and those in no user, group, role,
/// policy or expectation (a `let`, a template, an account, a file that did not parse), which
/// may change any. An expectation's errors change no answer: it is a question, not a grant.
pub fn errors_in_path<'d>(analysis: &'d Analysis, path: &BTreeSet<String>) -> Vec<&'d Diagnostic> {
    analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .filter(|d| {
            let Some(label) = &d.primary else {
                return true;
            };
            let Some((_, module)) = analysis
                .modules
                .iter()
                .find(|(file, _)| *file == label.file)
            else {
                return true;
            };
            match enclosing_item(&module.items, label.span) {
                Some(ItemKind::Expect(_)) => false,
                Some(ItemKind::Block(block)) => path.contains(&block.name.name),
                _ => true,
            }
        })
        .collect()
}

/// The innermost declaration whose text holds `span` (through `in ACCOUNT { … }` blocks).
fn enclosing_item(items: &[Item], span: Span) -> Option<&ItemKind> {
    let item = items.iter().find(|item| {
        let holds = item.loc.span();
        holds.start <= span.start && span.end <= holds.end
    })?;
    match &item.kind {
        ItemKind::In(block) => enclosing_item(&block.items, span).or(Some(&item.kind)),
        kind => Some(kind),
    }
}
