//! Accounts as the evaluator sees them: each principal with the policies that apply to its
//! requests (its own and its groups' inline and managed policies, its permissions boundary) and
//! each role's trust policy, read from authorization details, so that built and deployed state
//! are evaluated alike; and the resources with policies of their own (`details.resources`:
//! bucket, key, queue… policies), each deciding the requests on what it holds, as a resource of
//! its owner's account. On top: requests of one principal, assume-role checks (both halves),
//! assume-role chains and "who can", with the principals outside the project that resource
//! policies let in.

mod organization;
mod resources;

use resources::{governed_resources, secret_without_suffix, undeclared_note, Parts};
pub use resources::{ExternalPrincipal, GovernedResource};

use crate::NameSet;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Mutex, OnceLock};

use crate::authz::{AttachedPolicy, AuthorizationDetails, InlinePolicy, ResourcePolicyState};
use crate::document::{ActionBlock, Effect, PolicyDocument, ResourceBlock, Statement};
use crate::eval::{
    assumes_role, evaluate, Cited, Context, Decision, Evaluation, Policy, PolicyKind, Principal,
    Quantifier, Request,
};
use iamdsl_catalog::resource_policies::ResourcePolicyKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalKind {
    User,
    /// Evaluated as a member that has only the group's permissions.
    Group,
    Role,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::User => "user",
            PrincipalKind::Group => "group",
            PrincipalKind::Role => "role",
        }
    }
}

/// A policy of a principal, with what people call it.
#[derive(Debug, Clone)]
pub struct Source<'a> {
    pub kind: PolicyKind,
    /// "inline policy of role deployer", "managed policy log_reader".
    pub label: String,
    pub document: &'a PolicyDocument,
    /// The policy's ARN, for managed policies.
    pub arn: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PrincipalInfo<'a> {
    pub kind: PrincipalKind,
    pub name: String,
    pub arn: String,
    pub account: String,
    /// Identity policies and the boundary.
    pub policies: Vec<Source<'a>>,
    /// Attached AWS managed policies whose documents iamdsl does not have: they may allow
    /// more than the evaluation shows (never less: none of them is known to deny).
    pub unknown: Vec<String>,
    /// Users: the names of their groups.
    pub groups: Vec<String>,
    /// The ARN of the permissions boundary.
    pub boundary: Option<String>,
    /// What AWS puts in every request of this principal.
    pub context: Context,
}

/// A statement that decided, with the policy it is in.
#[derive(Debug, Clone, Copy)]
pub struct CitedStatement<'s, 'a> {
    pub kind: PolicyKind,
    pub label: &'s str,
    pub statement: &'a Statement,
}

/// An evaluation with its statements resolved.
#[derive(Debug, Clone)]
pub struct Explained<'s, 'a> {
    pub evaluation: Evaluation,
    pub cited: Vec<CitedStatement<'s, 'a>>,
    /// AWS managed policies that apply and whose content is unknown; for an implicit deny,
    /// one of them may allow the request.
    pub unknown: Vec<String>,
    /// For an implicit deny: the allows that name the request but whose condition failed.
    pub unmet: Vec<UnmetStatement<'s, 'a>>,
    /// The resource's own policy is not known (the state says it could not be read) and could
    /// change the answer: what to say of it.
    pub unknown_resource_policy: Option<String>,
    /// The resource is of a kind that carries a policy, but the state does not hold it: how it
    /// was evaluated instead, in one line.
    pub undeclared_resource: Option<String>,
    /// The state says the organization could not be read, and its SCPs or RCPs could deny
    /// what this allows: what to say of it.
    pub unknown_organization: Option<String>,
}

/// An allow that would apply but for its condition, with the test that failed.
#[derive(Debug, Clone)]
pub struct UnmetStatement<'s, 'a> {
    pub statement: CitedStatement<'s, 'a>,
    pub test: crate::eval::Unmet,
}

/// The unmet allows of an evaluation, with their statements.
fn unmet_statements<'s, 'a>(
    evaluation: &Evaluation,
    resolve: impl Fn(&Cited) -> Option<CitedStatement<'s, 'a>>,
) -> Vec<UnmetStatement<'s, 'a>> {
    evaluation
        .unmet
        .iter()
        .filter_map(|test| {
            Some(UnmetStatement {
                statement: resolve(&test.cited)?,
                test: test.clone(),
            })
        })
        .collect()
}

impl<'s, 'a> Explained<'s, 'a> {
    /// An evaluation with its statements resolved by `resolve`, of a question no document of
    /// unknown content takes part in (an outside caller's, whose own side is taken to allow).
    fn certain(
        evaluation: Evaluation,
        resolve: impl Fn(&Cited) -> Option<CitedStatement<'s, 'a>>,
    ) -> Explained<'s, 'a> {
        let cited = evaluation.cited.iter().filter_map(&resolve).collect();
        let unmet = unmet_statements(&evaluation, resolve);
        Explained {
            evaluation,
            cited,
            unknown: Vec::new(),
            unmet,
            unknown_resource_policy: None,
            undeclared_resource: None,
            unknown_organization: None,
        }
    }
}

impl Explained<'_, '_> {
    pub fn decision(&self) -> Decision {
        self.evaluation.decision
    }
}

/// One way a principal gets to do something: itself, or through the roles it assumes in turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    /// Indices into [`Access::principals`]: the principal first, the one that acts last.
    pub steps: Vec<usize>,
    /// The AWS managed policies whose documents iamdsl does not hold and that would have to
    /// allow a step of the chain: empty when the chain is certain, else it only may exist.
    pub unknown: Vec<String>,
    /// The last step depends on a resource policy iamdsl does not know (what
    /// [`Explained::unknown_resource_policy`] says): the chain then only may exist.
    pub unknown_resource_policy: Option<String>,
}

impl Chain {
    /// Neither an AWS managed policy nor a resource policy of unknown content decides a step.
    pub fn is_certain(&self) -> bool {
        self.unknown.is_empty() && self.unknown_resource_policy.is_none()
    }
}

/// A policy without statements: what is evaluated for a resource without one, or whose policy
/// is unknown, and for a boundary whose document is not known.
static NO_STATEMENTS: PolicyDocument = PolicyDocument {
    statements: Vec::new(),
};

/// What an answer that depends on AWS managed policies iamdsl does not hold says of them: one
/// wording for `explain`, `who-can`, expectations and the diff.
pub fn unknown_documents_caveat(arns: &[String]) -> String {
    format!(
        "{} may allow it: iamdsl does not hold the documents of AWS managed policies",
        arns.join(", ")
    )
}

/// An AWS managed policy's document and name, from the policies AWS publishes
/// (`iamdsl_catalog::managed`), when the deployed state does not hold it. Each document is
/// parsed the first time it is asked for, and kept.
pub fn aws_managed_policy(arn: &str) -> Option<(&'static PolicyDocument, &'static str)> {
    type Parsed = Mutex<HashMap<String, Option<(&'static PolicyDocument, &'static str)>>>;
    static PARSED: OnceLock<Parsed> = OnceLock::new();
    let parsed = PARSED.get_or_init(Parsed::default);
    let mut parsed = parsed
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(known) = parsed.get(arn) {
        return *known;
    }
    let known = iamdsl_catalog::managed::managed_policies()
        .by_arn(arn)
        .and_then(|policy| {
            let document = crate::reader::read_policy_text(policy.document()).ok()?;
            // Kept for the life of the process, like the catalog: at most one per AWS policy.
            let document: &'static PolicyDocument = Box::leak(Box::new(document));
            Some((document, policy.name()))
        });
    parsed.insert(arn.to_string(), known);
    known
}

/// What an allow says when the state does not know the organization's SCPs and RCPs.
pub fn organization_caveat(why: &str) -> String {
    format!("the organization's SCPs and RCPs are not known ({why}): they may deny it")
}

/// `{"Effect": "Allow", "Action": ACTION, "Resource": "*"}`, alone.
fn allow_document(action: &str) -> PolicyDocument {
    PolicyDocument {
        statements: vec![Statement {
            sid: None,
            effect: Effect::Allow,
            principal: None,
            action: ActionBlock::Action(NameSet::from([action.to_string()])),
            resource: Some(ResourceBlock::Resource(NameSet::from(["*".to_string()]))),
            condition: Default::default(),
            origins: Vec::new(),
        }],
    }
}

/// The account id of an ARN (`arn:aws:iam::111111111111:role/x`), if it has one.
pub fn arn_account(arn: &str) -> Option<&str> {
    // The fifth field, found by bytes: asked for every resource of every evaluation.
    let mut colons = arn.bytes().enumerate().filter(|(_, b)| *b == b':');
    let start = colons.nth(3)?.0 + 1;
    let end = colons.next().map_or(arn.len(), |(i, _)| i);
    let account = &arn[start..end];
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
}

/// The services the allows of a principal's identity policies name, `None` when one may name
/// any.
fn allowed_services(principal: &PrincipalInfo<'_>) -> Option<BTreeSet<String>> {
    let mut services = BTreeSet::new();
    for source in &principal.policies {
        if source.kind != PolicyKind::Identity {
            continue;
        }
        for statement in &source.document.statements {
            if statement.effect != Effect::Allow {
                continue;
            }
            let ActionBlock::Action(patterns) = &statement.action else {
                return None;
            };
            for pattern in patterns {
                match pattern.split_once(':') {
                    Some((service, _)) if !service.contains(['*', '?']) => {
                        services.insert(service.to_ascii_lowercase());
                    }
                    _ => return None,
                }
            }
        }
    }
    Some(services)
}

/// What AWS puts in the request of a principal outside the project: its ARN, its account (when
/// known) and the time.
fn external_caller(principal: &str, account: &str) -> Context {
    let mut caller = Context::new();
    caller.set_default("aws:PrincipalArn", principal);
    if !account.is_empty() {
        caller.set_default("aws:PrincipalAccount", account);
    }
    RequestTime::now().add_to(&mut caller);
    caller
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// What AWS puts in every request: the time it is made (`until` grants test it), written once
/// for all principals.
struct RequestTime {
    current: String,
    epoch: String,
}

impl RequestTime {
    fn now() -> RequestTime {
        let now = now();
        RequestTime {
            current: crate::eval::iso_date_time(now),
            epoch: now.to_string(),
        }
    }

    fn add_to(&self, context: &mut Context) {
        context.set_default("aws:CurrentTime", &self.current);
        context.set_default("aws:EpochTime", &self.epoch);
    }
}

pub struct Access<'a> {
    principals: Vec<PrincipalInfo<'a>>,
    by_arn: HashMap<String, usize>,
    /// Role ARN to its trust policy, with its label.
    trust: HashMap<&'a str, (String, &'a PolicyDocument)>,
    /// Trusted principal (ARN or account id) to the roles that name it, for finding chains
    /// without trying every pair.
    trusting: HashMap<String, Vec<usize>>,
    /// Roles whose trust names `*`.
    trusting_anyone: Vec<usize>,
    /// Per principal, the services (lower case) its identity policies' allows name; `None`
    /// when one may name any (`NotAction`, a wildcard before the `:`).
    allowed_services: Vec<Option<BTreeSet<String>>>,
    /// The resources with policies of their own (`details.resources`).
    resources: Vec<GovernedResource<'a>>,
    /// A resource's ARN (a secret's without its suffix) to the resource.
    resource_by_arn: HashMap<String, usize>,
    /// The service of a resource (`s3`) to the resources, for requests on patterns.
    resources_by_service: HashMap<String, Vec<usize>>,
    /// Every account of the state: its principals' and its resources'.
    accounts: BTreeSet<String>,
    /// The kind of resource policy of each ARN asked about (what the catalog's templates say),
    /// found once: `explain` asks it of every request.
    kinds_of_arns: Mutex<HashMap<String, Option<&'static ResourcePolicyKind>>>,
    /// The organization's SCPs and RCPs, per member account.
    guardrails: organization::Guardrails<'a>,
}

impl<'a> Access<'a> {
    pub fn new(details: &'a AuthorizationDetails) -> Access<'a> {
        let time = RequestTime::now();
        let managed: HashMap<&str, &'a crate::authz::ManagedPolicyDetail> = details
            .policies
            .iter()
            // Deployed state holds the documents of the AWS managed policies in use.
            .chain(&details.aws_managed)
            .map(|p| (p.arn.as_str(), p))
            .collect();
        let attached = |list: &'a [AttachedPolicy],
                        sources: &mut Vec<Source<'a>>,
                        unknown: &mut Vec<String>| {
            for policy in list {
                if let Some(detail) = managed.get(policy.arn.as_str()) {
                    let owner = if detail.arn.contains(":iam::aws:policy/") {
                        "AWS managed policy"
                    } else {
                        "managed policy"
                    };
                    sources.push(Source {
                        kind: PolicyKind::Identity,
                        label: format!("{owner} {}", detail.name),
                        document: &detail.document,
                        arn: Some(policy.arn.clone()),
                    });
                } else if let Some((document, name)) = aws_managed_policy(&policy.arn) {
                    sources.push(Source {
                        kind: PolicyKind::Identity,
                        label: format!("AWS managed policy {name}"),
                        document,
                        arn: Some(policy.arn.clone()),
                    });
                } else {
                    unknown.push(policy.arn.clone());
                }
            }
        };
        let inline = |list: &'a [InlinePolicy], owner: &str, sources: &mut Vec<Source<'a>>| {
            for policy in list {
                sources.push(Source {
                    kind: PolicyKind::Identity,
                    label: format!("inline policy {} of {owner}", policy.name),
                    document: &policy.document,
                    arn: None,
                });
            }
        };
        let boundary =
            |arn: &Option<String>, sources: &mut Vec<Source<'a>>, unknown: &mut Vec<String>| {
                let Some(arn) = arn else { return };
                match managed
                    .get(arn.as_str())
                    .map(|d| (&d.document, d.name.as_str()))
                    .or_else(|| aws_managed_policy(arn))
                {
                    Some((document, name)) => sources.push(Source {
                        kind: PolicyKind::Boundary,
                        label: format!("permissions boundary {name}"),
                        document,
                        arn: Some(arn.clone()),
                    }),
                    // Unknown, it is taken to allow nothing (the safe reading for "can"), and
                    // an answer it decides says so.
                    None => {
                        unknown.push(arn.clone());
                        sources.push(Source {
                            kind: PolicyKind::Boundary,
                            label: format!(
                                "permissions boundary {} (AWS managed; its document is not known)",
                                AttachedPolicy::from_arn(arn).name
                            ),
                            document: &NO_STATEMENTS,
                            arn: Some(arn.clone()),
                        });
                    }
                }
            };
        // Groups by account and name: a user's group list names groups of its own account.
        let mut group_index: HashMap<(String, &str), usize> = HashMap::new();
        let mut principals: Vec<PrincipalInfo<'a>> = Vec::new();
        for group in &details.groups {
            let account = arn_account(&group.arn).unwrap_or_default().to_string();
            let mut sources = Vec::new();
            let mut unknown = Vec::new();
            inline(
                &group.inline,
                &format!("group {}", group.name),
                &mut sources,
            );
            attached(&group.attached, &mut sources, &mut unknown);
            group_index.insert((account.clone(), group.name.as_str()), principals.len());
            let mut context = Context::new();
            context.set_default("aws:PrincipalAccount", &account);
            time.add_to(&mut context);
            context.set_default("aws:PrincipalType", "User");
            principals.push(PrincipalInfo {
                kind: PrincipalKind::Group,
                name: group.name.clone(),
                arn: group.arn.clone(),
                account,
                policies: sources,
                unknown,
                groups: Vec::new(),
                boundary: None,
                context,
            });
        }
        for user in &details.users {
            let account = arn_account(&user.arn).unwrap_or_default().to_string();
            let mut sources = Vec::new();
            let mut unknown = Vec::new();
            inline(&user.inline, &format!("user {}", user.name), &mut sources);
            attached(&user.attached, &mut sources, &mut unknown);
            for group in &user.groups {
                if let Some(&index) = group_index.get(&(account.clone(), group.as_str())) {
                    sources.extend(principals[index].policies.iter().cloned());
                    unknown.extend(principals[index].unknown.iter().cloned());
                }
            }
            boundary(&user.boundary, &mut sources, &mut unknown);
            let mut context = Context::new();
            context.set_default("aws:username", &user.name);
            context.set_default("aws:PrincipalArn", &user.arn);
            context.set_default("aws:PrincipalAccount", &account);
            time.add_to(&mut context);
            context.set_default("aws:PrincipalType", "User");
            if let Some(id) = &user.id {
                context.set_default("aws:userid", id);
            }
            principal_tags(&mut context, &user.tags);
            unknown.sort();
            unknown.dedup();
            principals.push(PrincipalInfo {
                kind: PrincipalKind::User,
                name: user.name.clone(),
                arn: user.arn.clone(),
                account,
                policies: sources,
                unknown,
                groups: user.groups.clone(),
                boundary: user.boundary.clone(),
                context,
            });
        }
        let mut trust = HashMap::new();
        for role in &details.roles {
            let account = arn_account(&role.arn).unwrap_or_default().to_string();
            let mut sources = Vec::new();
            let mut unknown = Vec::new();
            inline(&role.inline, &format!("role {}", role.name), &mut sources);
            attached(&role.attached, &mut sources, &mut unknown);
            boundary(&role.boundary, &mut sources, &mut unknown);
            let mut context = Context::new();
            context.set_default("aws:PrincipalArn", &role.arn);
            context.set_default("aws:PrincipalAccount", &account);
            time.add_to(&mut context);
            context.set_default("aws:PrincipalType", "AssumedRole");
            principal_tags(&mut context, &role.tags);
            trust.insert(
                role.arn.as_str(),
                (format!("trust policy of role {}", role.name), &role.trust),
            );
            principals.push(PrincipalInfo {
                kind: PrincipalKind::Role,
                name: role.name.clone(),
                arn: role.arn.clone(),
                account,
                policies: sources,
                unknown,
                groups: Vec::new(),
                boundary: role.boundary.clone(),
                context,
            });
        }
        let by_arn = principals
            .iter()
            .enumerate()
            .map(|(i, p)| (p.arn.clone(), i))
            .collect::<HashMap<_, _>>();
        let mut trusting: HashMap<String, Vec<usize>> = HashMap::new();
        let mut trusting_anyone = Vec::new();
        for role in &details.roles {
            let Some(&index) = by_arn.get(&role.arn) else {
                continue;
            };
            let named: BTreeSet<String> = role
                .trust
                .statements
                .iter()
                .filter(|s| s.effect == Effect::Allow)
                .filter_map(|s| s.principal.as_ref())
                .flat_map(|p| p.0.get("AWS").into_iter().flatten())
                .map(|value| match arn_account(value) {
                    Some(account) if value.ends_with(":root") => account.to_string(),
                    _ => value.clone(),
                })
                .collect();
            for value in named {
                if value == "*" {
                    trusting_anyone.push(index);
                } else {
                    trusting.entry(value).or_default().push(index);
                }
            }
        }
        let allowed_services = principals.iter().map(allowed_services).collect();
        let resources = governed_resources(details);
        let mut resource_by_arn = HashMap::new();
        let mut resources_by_service: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, resource) in resources.iter().enumerate() {
            let arn = &resource.detail.arn;
            let key = secret_without_suffix(arn).unwrap_or(arn);
            resource_by_arn.entry(key.to_string()).or_insert(index);
            let service = iamdsl_catalog::arn::arn_service(arn)
                .or_else(|| resource.kind.map(|k| k.service))
                .unwrap_or_default();
            resources_by_service
                .entry(service.to_ascii_lowercase())
                .or_default()
                .push(index);
        }
        let accounts = principals
            .iter()
            .map(|p| p.account.clone())
            .chain(resources.iter().map(|r| r.detail.account.clone()))
            .filter(|a| !a.is_empty())
            .collect();
        Access {
            principals,
            by_arn,
            trust,
            trusting,
            trusting_anyone,
            allowed_services,
            resources,
            resource_by_arn,
            resources_by_service,
            accounts,
            kinds_of_arns: Mutex::default(),
            guardrails: organization::Guardrails::new(details.organization.as_ref()),
        }
    }

    pub fn principals(&self) -> &[PrincipalInfo<'a>] {
        &self.principals
    }

    /// A principal by ARN.
    pub fn by_arn(&self, arn: &str) -> Option<usize> {
        self.by_arn.get(arn).copied()
    }

    /// A principal by AWS name: users and roles before groups, as IAM's names are unique per
    /// kind and account only.
    pub fn by_name(&self, name: &str) -> Vec<usize> {
        let mut found: Vec<usize> = (0..self.principals.len())
            .filter(|&i| self.principals[i].name == name)
            .collect();
        found.sort_by_key(|&i| self.principals[i].kind == PrincipalKind::Group);
        found
    }

    /// A request of `principal`. For `sts:AssumeRole*` on a role of these accounts, the role's
    /// trust policy is the resource-based policy; for a resource of the state with a policy of
    /// its own (a bucket, a key…), that policy, with the resource's owner as its account.
    pub fn evaluate<'s>(
        &'s self,
        principal: usize,
        action: &str,
        resource: &str,
        context: &Context,
        quantifier: Quantifier,
    ) -> Explained<'s, 'a> {
        match self.parts(action, resource, quantifier) {
            Parts::One(governing) => {
                self.evaluate_part(principal, action, resource, governing, context, quantifier)
            }
            Parts::Many(parts) => {
                // "For some resource of the pattern": the first part that allows decides;
                // "for every one": the first that does not.
                let wanted = quantifier != Quantifier::Every;
                let mut first = None;
                for (governing, part) in &parts {
                    let explained = self
                        .evaluate_part(principal, action, part, *governing, context, quantifier);
                    if (explained.decision() == Decision::Allow) == wanted {
                        return explained;
                    }
                    first.get_or_insert(explained);
                }
                match first {
                    Some(explained) => explained,
                    None => {
                        self.evaluate_part(principal, action, resource, None, context, quantifier)
                    }
                }
            }
        }
    }

    /// [`Access::evaluate`] of the part of a request that one resource's policy (or none)
    /// decides.
    fn evaluate_part<'s>(
        &'s self,
        principal: usize,
        action: &str,
        resource: &str,
        governing: Option<usize>,
        context: &Context,
        quantifier: Quantifier,
    ) -> Explained<'s, 'a> {
        let who = &self.principals[principal];
        let (evaluation, extra) = self.ask(
            principal, action, resource, governing, context, quantifier, evaluate,
        );
        let resolve = |&Cited { policy, statement }: &Cited| {
            let (kind, label, document) = match who.policies.get(policy) {
                Some(source) => (source.kind, source.label.as_str(), source.document),
                // Past the principal's own: the resource's policy (or the role's trust), then
                // the organization's.
                None => *extra.get(policy - who.policies.len())?,
            };
            Some(CitedStatement {
                kind,
                label,
                statement: document.statements.get(statement)?,
            })
        };
        let cited = evaluation.cited.iter().filter_map(resolve).collect();
        let unmet = unmet_statements(&evaluation, resolve);
        // The AWS managed policies that could have changed the answer: attached ones for a
        // missing identity allow, the boundary for a missing boundary allow.
        let is_boundary = |arn: &&String| who.boundary.as_ref() == Some(*arn);
        let unknown = match (evaluation.decision, evaluation.missing) {
            (Decision::ImplicitDeny, Some(PolicyKind::Identity)) => who
                .unknown
                .iter()
                .filter(|a| !is_boundary(a))
                .cloned()
                .collect(),
            (Decision::ImplicitDeny, Some(PolicyKind::Boundary)) => {
                who.unknown.iter().filter(is_boundary).cloned().collect()
            }
            _ => Vec::new(),
        };
        let trusted = assumes_role(action) && self.trust.contains_key(resource);
        // The kind of an undeclared resource that could have had a policy of its own.
        let undeclared = match governing {
            None if !trusted => self.policy_kind_of(resource),
            _ => None,
        };
        let unknown_resource_policy = self.resource_policy_caveat(governing, &evaluation);
        let undeclared_resource =
            undeclared.map(|kind| undeclared_note(kind, resource, &who.account));
        let unknown_organization = self
            .guardrails
            .unknown
            .as_ref()
            .filter(|_| evaluation.decision == Decision::Allow)
            .map(|why| organization_caveat(why));
        Explained {
            evaluation,
            cited,
            unknown,
            unmet,
            unknown_resource_policy,
            undeclared_resource,
            unknown_organization,
        }
    }

    /// What an answer must say of a resource policy of the state it could not read: it may
    /// allow what the answer denies implicitly, or deny what it allows; an explicit deny
    /// stands whatever it says. (A resource the state does not hold at all is read as before
    /// resource policies were known, and [`Explained::undeclared_resource`] says so.)
    fn resource_policy_caveat(
        &self,
        governing: Option<usize>,
        evaluation: &Evaluation,
    ) -> Option<String> {
        let governed = &self.resources[governing?];
        let ResourcePolicyState::Unknown(why) = &governed.detail.policy else {
            return None;
        };
        let could = match evaluation.decision {
            Decision::Allow => "deny",
            Decision::ImplicitDeny => "allow",
            Decision::ExplicitDeny => return None,
        };
        Some(format!(
            "the {} is not known ({why}): it may {could} it",
            governed.label
        ))
    }

    /// Whether `principal` may make the request: [`Access::evaluate`]'s decision is `Allow`,
    /// found without explaining it. Asked many times over by the escalation search.
    pub fn allows(
        &self,
        principal: usize,
        action: &str,
        resource: &str,
        context: &Context,
        quantifier: Quantifier,
    ) -> bool {
        match self.parts(action, resource, quantifier) {
            Parts::One(governing) => {
                self.allows_part(principal, action, resource, governing, context, quantifier)
            }
            Parts::Many(parts) => {
                let allowed = |(governing, part): &(Option<usize>, std::borrow::Cow<'_, str>)| {
                    self.allows_part(principal, action, part, *governing, context, quantifier)
                };
                if quantifier == Quantifier::Every {
                    parts.iter().all(allowed)
                } else {
                    parts.iter().any(allowed)
                }
            }
        }
    }

    /// [`Access::allows`] of the part of a request one resource's policy (or none) decides.
    fn allows_part(
        &self,
        principal: usize,
        action: &str,
        resource: &str,
        governing: Option<usize>,
        context: &Context,
        quantifier: Quantifier,
    ) -> bool {
        let who = &self.principals[principal];
        let trusted = assumes_role(action) && self.trust.contains_key(resource);
        let (owner, has_policy) = match governing.map(|index| &self.resources[index]) {
            // A resource policy that may let the principal in without an identity grant names
            // it, or anyone.
            Some(governed) => (
                Some(governed.detail.account.as_str()),
                governed.may_let_in(&who.arn),
            ),
            None => (arn_account(resource), trusted),
        };
        let cross_account = owner.is_some_and(|a| a != who.account);
        // Another account's resource needs a resource-based policy of its own that allows it.
        if cross_account && !has_policy && governing.is_none() {
            return false;
        }
        // Without an identity allow of the action's service only a resource policy of the
        // same account naming the principal could allow it.
        if (cross_account || !has_policy) && !self.may_name(principal, action) {
            return false;
        }
        let decide = |request: &Request<'_>, policies: &[Policy<'_>]| Evaluation {
            decision: crate::eval::decide(request, policies),
            reason: String::new(),
            cited: Vec::new(),
            missing: None,
            unmet: Vec::new(),
        };
        let (evaluation, _) = self.ask(
            principal, action, resource, governing, context, quantifier, decide,
        );
        evaluation.decision == Decision::Allow
    }

    /// Whether an allow statement of `principal`'s identity policies may name `action`, by its
    /// service: no statement of another service can.
    fn may_name(&self, principal: usize, action: &str) -> bool {
        let Some(services) = &self.allowed_services[principal] else {
            return true;
        };
        match action.split_once(':') {
            Some((service, _)) if !service.contains(['*', '?']) => {
                services.contains(&service.to_ascii_lowercase())
            }
            _ => true,
        }
    }

    /// The policies and request of one question of `principal`, answered by `answer`; with
    /// the resource's own policy: the role's trust policy for `sts:AssumeRole*` on a role, the
    /// policy of the `governing` resource (its owner then is the resource's account, which an
    /// S3 ARN does not say).
    #[allow(clippy::type_complexity, clippy::too_many_arguments)]
    fn ask<'s>(
        &'s self,
        principal: usize,
        action: &str,
        resource: &str,
        governing: Option<usize>,
        context: &Context,
        quantifier: Quantifier,
        answer: impl FnOnce(&Request<'_>, &[Policy<'_>]) -> Evaluation,
    ) -> (Evaluation, Vec<(PolicyKind, &'s str, &'a PolicyDocument)>) {
        let who = &self.principals[principal];
        let mut policies: Vec<Policy<'_>> = who
            .policies
            .iter()
            .map(|source| Policy {
                kind: source.kind,
                label: &source.label,
                document: source.document,
                account: None,
                level: None,
            })
            .collect();
        let mut resource_account = arn_account(resource);
        let mut required = false;
        let trust = assumes_role(action)
            .then(|| self.trust.get(resource))
            .flatten();
        let extra: Option<(&'s str, &'a PolicyDocument)> = if let Some((label, document)) = trust {
            // "Role trust policies are resource-based policies that are required for roles."
            required = true;
            Some((label.as_str(), *document))
        } else if let Some(governed) = governing.map(|index| &self.resources[index]) {
            resource_account = Some(governed.detail.account.as_str());
            required = governed.required_in_account();
            // A resource without a policy, or whose policy is unknown, is evaluated with none
            // (the caveat says so), under its label all the same.
            let document = governed.detail.document().unwrap_or(&NO_STATEMENTS);
            Some((governed.shown.as_str(), document))
        } else {
            None
        };
        let mut extras: Vec<(PolicyKind, &'s str, &'a PolicyDocument)> = Vec::new();
        if let Some((label, document)) = extra {
            extras.push((PolicyKind::Resource, label, document));
            policies.push(Policy {
                kind: PolicyKind::Resource,
                label,
                document,
                account: resource_account,
                level: None,
            });
        }
        // The organization's guardrails: SCPs of the principal's account, RCPs of the
        // resource's.
        let guardrails = [
            (
                PolicyKind::Scp,
                self.guardrails.scps(&who.arn, &who.account),
            ),
            (
                PolicyKind::Rcp,
                self.guardrails.rcps(
                    &who.arn,
                    resource_account.or(Some(who.account.as_str())),
                    action,
                ),
            ),
        ];
        for (kind, levels) in guardrails {
            for level in levels {
                for (label, document) in &level.policies {
                    extras.push((kind, label, *document));
                    policies.push(Policy {
                        kind,
                        label,
                        document,
                        account: None,
                        level: Some(&level.label),
                    });
                }
            }
        }
        let request = Request {
            principal: Principal {
                arn: &who.arn,
                account: &who.account,
            },
            action,
            resource,
            resource_account,
            context,
            principal_context: Some(&who.context),
            quantifier,
            resource_policy_required: required,
        };
        (answer(&request, &policies), extras)
    }

    /// Whether a principal outside the project may assume `role`: an identity provider
    /// (`sts:AssumeRoleWithWebIdentity`, `…WithSAML`), a service (`lambda.amazonaws.com`) or a
    /// principal of another account, whose own permissions the project cannot see and which
    /// are taken to allow it (the explanation says so).
    pub fn external_can_assume<'s>(
        &'s self,
        principal: &'s str,
        role: usize,
        context: &Context,
    ) -> Explained<'s, 's> {
        static CALLER_SIDE: OnceLock<PolicyDocument> = OnceLock::new();
        let role_info = &self.principals[role];
        let action = if principal.contains(":saml-provider/") {
            "sts:AssumeRoleWithSAML"
        } else if principal.contains(":oidc-provider/")
            || principal == "cognito-identity.amazonaws.com"
        {
            "sts:AssumeRoleWithWebIdentity"
        } else {
            "sts:AssumeRole"
        };
        let account = match arn_account(principal) {
            Some(account) if !principal.contains("-provider/") => account,
            // Providers and services act in the role's account.
            _ => role_info.account.as_str(),
        };
        let caller_side = CALLER_SIDE.get_or_init(|| allow_document("sts:AssumeRole*"));
        let mut policies = Vec::new();
        if account != role_info.account {
            policies.push(Policy {
                kind: PolicyKind::Identity,
                label:
                    "the caller's own policies (in its own account, not seen: taken to allow it)",
                document: caller_side,
                account: None,
                level: None,
            });
        }
        if let Some((label, trust)) = self.trust.get(role_info.arn.as_str()) {
            policies.push(Policy {
                kind: PolicyKind::Resource,
                label,
                document: trust,
                account: Some(&role_info.account),
                level: None,
            });
        }
        let caller = external_caller(principal, account);
        let request = Request {
            principal: Principal {
                arn: principal,
                account,
            },
            action,
            resource: &role_info.arn,
            resource_account: Some(&role_info.account),
            context,
            principal_context: Some(&caller),
            quantifier: Quantifier::Exact,
            resource_policy_required: true,
        };
        let evaluation = evaluate(&request, &policies);
        let resolve = |c: &Cited| {
            let policy = policies.get(c.policy)?;
            Some(CitedStatement {
                kind: policy.kind,
                label: policy.label,
                statement: policy.document.statements.get(c.statement)?,
            })
        };
        Explained::certain(evaluation, resolve)
    }

    /// Whether `principal` may assume `role`: the role's trust policy and, where AWS needs it,
    /// the principal's own `sts:AssumeRole` permission.
    pub fn can_assume<'s>(
        &'s self,
        principal: usize,
        role: usize,
        context: &Context,
    ) -> Explained<'s, 'a> {
        let role_arn = self.principals[role].arn.clone();
        self.evaluate(
            principal,
            "sts:AssumeRole",
            &role_arn,
            context,
            Quantifier::Exact,
        )
    }

    /// The roles `principal` may assume, found through the trust policies that name it.
    pub fn assumable(&self, principal: usize, context: &Context) -> Vec<usize> {
        // Only an allow counts here, and it is found without explaining it.
        self.assume_candidates(principal)
            .into_iter()
            .filter(|&role| {
                let arn = &self.principals[role].arn;
                self.allows(principal, "sts:AssumeRole", arn, context, Quantifier::Exact)
            })
            .collect()
    }

    /// The roles `principal` may assume, and those it may assume if AWS managed policies
    /// whose documents iamdsl does not hold allow it (with their ARNs).
    fn may_assume(&self, principal: usize, context: &Context) -> Vec<(usize, Vec<String>)> {
        self.assume_candidates(principal)
            .into_iter()
            .filter_map(|role| {
                let explained = self.can_assume(principal, role, context);
                match explained.decision() {
                    Decision::Allow => Some((role, Vec::new())),
                    Decision::ImplicitDeny if !explained.unknown.is_empty() => {
                        Some((role, explained.unknown))
                    }
                    _ => None,
                }
            })
            .collect()
    }

    /// The roles whose trust policies name `principal` (by ARN, by account, or anyone), in
    /// order, but those of another account when it holds no `sts:AssumeRole` they could need.
    fn assume_candidates(&self, principal: usize) -> Vec<usize> {
        let who = &self.principals[principal];
        if who.kind == PrincipalKind::Group {
            return Vec::new();
        }
        let mut candidates: BTreeSet<usize> = self.trusting_anyone.iter().copied().collect();
        for key in [&who.arn, &who.account] {
            if let Some(roles) = self.trusting.get(key.as_str()) {
                candidates.extend(roles);
            }
        }
        // Another account's role needs an identity allow of `sts:AssumeRole` too: without one
        // (and without a managed policy of unknown content that could hold it), it is out.
        let no_cross_account =
            who.unknown.is_empty() && !self.may_name(principal, "sts:AssumeRole");
        let cross_account =
            |role: usize| arn_account(&self.principals[role].arn).is_some_and(|a| a != who.account);
        candidates
            .into_iter()
            .filter(|&role| role != principal)
            .filter(|&role| !(no_cross_account && cross_account(role)))
            .collect()
    }

    /// Every principal that may make the request, directly or through a chain of assumed
    /// roles, with the shortest chain for each; then those that may make it only if AWS
    /// managed policies whose documents iamdsl does not hold allow a step (their chains name
    /// those policies). Groups are left out: they act through users.
    pub fn who_can(
        &self,
        action: &str,
        resource: &str,
        context: &Context,
        quantifier: Quantifier,
    ) -> Vec<Chain> {
        let count = self.principals.len();
        // Per principal: `Some(unknown)` when it may act itself (certainly when empty), with
        // what is not known of the resource's policy where that decides.
        let mut resource_doubt: Vec<Option<String>> = vec![None; count];
        let direct: Vec<Option<Vec<String>>> = (0..count)
            .map(|i| {
                if self.principals[i].kind == PrincipalKind::Group {
                    return None;
                }
                let explained = self.evaluate(i, action, resource, context, quantifier);
                // An unknown resource policy makes an allow uncertain, and a deny for want of
                // it alone (the identity side allows): it may be either.
                let doubt = explained.unknown_resource_policy.clone().filter(|_| {
                    explained.decision() == Decision::Allow
                        || explained.evaluation.missing == Some(PolicyKind::Resource)
                });
                let may = match explained.decision() {
                    Decision::Allow => Some(Vec::new()),
                    Decision::ImplicitDeny if !explained.unknown.is_empty() => {
                        Some(explained.unknown)
                    }
                    Decision::ImplicitDeny if doubt.is_some() => Some(Vec::new()),
                    _ => None,
                };
                resource_doubt[i] = doubt;
                may
            })
            .collect();
        // Reverse assume edges, from each role to those that may assume it.
        let mut assumed_by: BTreeMap<usize, Vec<(usize, Vec<String>)>> = BTreeMap::new();
        for principal in 0..count {
            for (role, unknown) in self.may_assume(principal, context) {
                assumed_by
                    .entry(role)
                    .or_default()
                    .push((principal, unknown));
            }
        }
        // Breadth first from the principals that act, backwards: shortest chains. Certain
        // steps first; the uncertain ones only reach principals the certain ones do not.
        let mut next: Vec<Option<usize>> = vec![None; count];
        let mut unknown: Vec<Option<Vec<String>>> = vec![None; count];
        // The principal that acts at the end of each one's chain.
        let mut acts: Vec<usize> = (0..count).collect();
        for certain in [true, false] {
            let mut queue: VecDeque<usize> = VecDeque::new();
            for i in 0..count {
                if unknown[i].is_none() {
                    if let Some(policies) = direct[i]
                        .as_ref()
                        .filter(|u| (u.is_empty() && resource_doubt[i].is_none()) == certain)
                    {
                        unknown[i] = Some(policies.clone());
                    }
                }
                if unknown[i].is_some() {
                    queue.push_back(i);
                }
            }
            while let Some(role) = queue.pop_front() {
                for (from, edge) in assumed_by.get(&role).into_iter().flatten() {
                    if unknown[*from].is_some() || (certain && !edge.is_empty()) {
                        continue;
                    }
                    let mut policies = unknown[role].clone().unwrap_or_default();
                    if certain && !policies.is_empty() {
                        continue;
                    }
                    policies.extend(edge.iter().cloned());
                    policies.sort();
                    policies.dedup();
                    unknown[*from] = Some(policies);
                    next[*from] = Some(role);
                    acts[*from] = acts[role];
                    queue.push_back(*from);
                }
            }
        }
        let mut chains: Vec<Chain> = (0..count)
            .filter_map(|start| {
                let unknown = unknown[start].clone()?;
                let mut steps = vec![start];
                let mut at = start;
                while let Some(following) = next[at] {
                    steps.push(following);
                    at = following;
                }
                Some(Chain {
                    steps,
                    unknown,
                    unknown_resource_policy: resource_doubt[acts[start]].clone(),
                })
            })
            .collect();
        // Certain chains first, each part in principal order.
        chains.sort_by_key(|chain| (!chain.is_certain(), chain.steps[0]));
        chains
    }
}

/// `aws:PrincipalTag/<key>` for each tag of the principal: what attribute-based conditions on
/// the caller decide on. A role session carries the role's tags (session tags, which the
/// request would add, are the request's own keys and win over these).
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principaltag
fn principal_tags(context: &mut Context, tags: &crate::authz::Tags) {
    for (key, value) in tags {
        context.set_default(&format!("aws:PrincipalTag/{key}"), value);
    }
}
