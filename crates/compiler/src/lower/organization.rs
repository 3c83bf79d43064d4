//! The organization: SCPs and RCPs lowered like policies (their statements by the permission
//! code), and the tree of the root, OUs and member accounts with what is attached where, into
//! the state's [`Organization`] shape, with the checks of what AWS Organizations accepts.
//!
//! AWS's rules, from the Organizations User Guide:
//! - SCPs: no `Principal` ("SCP syntax",
//!   https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_syntax.html);
//! - RCPs: `Principal` is `*`, `Effect` is `Deny`, no `NotAction`, no action `*` (only
//!   `RCPFullAWSAccess` allows), only the services RCPs support ("RCP syntax",
//!   https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html);
//! - at most five OUs below the root, five SCPs and five RCPs attached to one node ("Quotas for
//!   AWS Organizations", https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html);
//! - a node without an SCP attached has `FullAWSAccess`, which AWS attaches to every new OU and
//!   account.

use std::collections::{BTreeMap, BTreeSet};

use iamdsl_diagnostics::{codes, Diagnostic, FileId, Span};
use iamdsl_policy::organization::{
    aws_managed_org_policy, Attachments, OrgAccount, OrgPolicy, OrgPolicyKind, OrgUnit,
    Organization,
};
use iamdsl_policy::{ActionBlock, Effect, NameSet, Principals, Statement};
use iamdsl_syntax::ast::{self, *};

use super::{Lowerer, Scope, Within};
use crate::model::{origin, Entity};
use crate::resolve::{Decl, SymbolKind};

/// OUs AWS allows below the root.
const MAX_OU_DEPTH: usize = 5;
/// SCPs, and RCPs, AWS allows attached to one root, OU or account.
const MAX_ATTACHED: usize = 5;

fn policy_kind(kind: SymbolKind) -> Option<OrgPolicyKind> {
    match kind {
        SymbolKind::Scp => Some(OrgPolicyKind::Scp),
        SymbolKind::Rcp => Some(OrgPolicyKind::Rcp),
        _ => None,
    }
}

impl<'a> Lowerer<'a> {
    /// A statement of an SCP or RCP: permissions (and templates' permissions) only.
    pub(super) fn lower_org_statement(&mut self, scope: &Scope, stmt: &Stmt, holder: &mut Entity) {
        match &stmt.kind {
            StmtKind::Error => {}
            StmtKind::Permission(permission) => {
                let statements = self.lower_org_permission(scope, permission, stmt);
                holder.document.statements.extend(statements);
            }
            StmtKind::Use(use_stmt) => self.lower_use(scope, stmt, use_stmt, holder),
            StmtKind::Unit(_) | StmtKind::Member(_) => {
                self.not_allowed(scope, stmt, "an organization (`organization NAME { … }`)")
            }
            _ => self.not_allowed(scope, stmt, "a policy, group, user or role"),
        }
    }

    fn lower_org_permission(
        &mut self,
        scope: &Scope,
        permission: &Permission,
        stmt: &Stmt,
    ) -> Vec<Statement> {
        let rcp = scope.owner_kind == SymbolKind::Rcp;
        let what = if rcp { "an RCP" } else { "an SCP" };
        for principal in &permission.principals {
            let star = matches!(principal.node, ast::Principal::Star(_));
            if !rcp || !star {
                let help = if rcp {
                    "an RCP applies to every caller: write `to *` or leave `to` out, and narrow it with a condition (`when aws:PrincipalOrgID != \"o-…\"`)"
                } else {
                    "an SCP applies to the principals of the accounts it is attached to: remove `to …`, and single principals out with a condition on `aws:PrincipalArn`"
                };
                self.report(
                    Some(scope),
                    Diagnostic::error(
                        codes::ORG_POLICY_PRINCIPAL,
                        if rcp {
                            format!("{what} names no principal but `*`")
                        } else {
                            format!("{what} names no principal")
                        },
                    )
                    .at(
                        scope.file,
                        principal.loc.span(),
                        "a principal AWS refuses here",
                    )
                    .with_help(help),
                );
                return Vec::new();
            }
        }
        if rcp {
            let refusal = if permission.effect.node == ast::Effect::Allow {
                Some((
                    permission.effect.loc.span(),
                    "an RCP denies only: `RCPFullAWSAccess` is the allow, attached everywhere",
                    "write `deny …` with the condition under which requests are refused",
                ))
            } else if !permission.actions.except.is_empty() {
                Some((
                    permission.actions.loc.span(),
                    "an RCP takes no `NotAction`",
                    "name the actions to deny",
                ))
            } else {
                permission
                    .actions
                    .items
                    .iter()
                    .find(|a| matches!(a, ActionItem::Star(_)))
                    .map(|star| {
                        (
                            star.span(),
                            "an RCP cannot deny the action `*`",
                            "name the services' actions (`s3:*`, `kms:*`) to deny",
                        )
                    })
            };
            if let Some((span, label, help)) = refusal {
                self.report(
                    Some(scope),
                    Diagnostic::error(
                        codes::ORG_POLICY_ELEMENT,
                        format!("AWS does not accept this in RCP `{}`", scope.owner),
                    )
                    .at(scope.file, span, label)
                    .with_help(help),
                );
                return Vec::new();
            }
        }
        let mut statements = self.lower_permission(scope, permission, stmt);
        if rcp {
            let catalog = self.catalog;
            for statement in &statements {
                let ActionBlock::Action(actions) = &statement.action else {
                    continue;
                };
                let unsupported: BTreeSet<&str> = actions
                    .iter()
                    .filter_map(|a| a.split_once(':').map(|(s, _)| s))
                    .filter(|s| !s.contains(['*', '?']) && !catalog.rcp_supports(s))
                    .collect();
                if !unsupported.is_empty() {
                    let list: Vec<&str> = unsupported.into_iter().collect();
                    self.report(
                        Some(scope),
                        Diagnostic::error(
                            codes::ORG_POLICY_ELEMENT,
                            format!("RCPs do not apply to `{}`", list.join("`, `")),
                        )
                        .at(scope.file, permission.actions.loc.span(), "a service RCPs do not support")
                        .with_help(format!(
                            "RCPs apply to {} services, s3, sts, kms, sqs and secretsmanager among them; restrict the others with an SCP",
                            catalog.rcp_supported_services().len()
                        )),
                    );
                }
            }
            let everyone = Principals(
                [("AWS".to_string(), NameSet::from(["*".to_string()]))]
                    .into_iter()
                    .collect(),
            );
            for statement in &mut statements {
                statement.principal = Some(everyone.clone());
            }
        }
        statements
    }

    /// Every SCP and RCP, and the organization's tree, when the project declares one.
    pub(super) fn lower_organization(&mut self, decls: &[Decl<'a>]) -> Option<Organization> {
        let mut policies = Vec::new();
        let mut origins: BTreeMap<(OrgPolicyKind, String), (FileId, Span)> = BTreeMap::new();
        for decl in decls {
            let Some(kind) = policy_kind(decl.kind) else {
                continue;
            };
            let ItemKind::OrgPolicy(policy) = &decl.item.kind else {
                continue;
            };
            // An SCP or RCP belongs to no account: its ARNs name whichever account it is
            // attached above.
            let account = crate::model::Account {
                name: String::new(),
                id: "*".into(),
                default: false,
            };
            let scope = Scope {
                file: decl.file,
                owner: decl.name.name.clone(),
                owner_kind: decl.kind,
                account: account.clone(),
                allowed: self.allowed(decl.file, &decl.item.prefix),
                params: BTreeMap::new(),
                uses: Vec::new(),
                within: Within::Statement,
            };
            let mut holder = Entity::statement_holder(
                &decl.name.name,
                &decl.name.name,
                account,
                origin(decl.file, decl.name.span()),
            );
            self.lower_statements(&scope, &policy.body, &mut holder);
            origins.insert(
                (kind, decl.name.name.clone()),
                (decl.file, decl.name.span()),
            );
            policies.push(OrgPolicy {
                kind,
                name: decl.name.name.clone(),
                id: None,
                aws_managed: false,
                description: decl
                    .item
                    .prefix
                    .doc_text()
                    .map(|text| text.split_whitespace().collect::<Vec<_>>().join(" ")),
                document: iamdsl_policy::canonical::canonicalize_owned(holder.document),
            });
        }
        let organizations: Vec<&Decl<'a>> = decls
            .iter()
            .filter(|d| d.kind == SymbolKind::Organization)
            .collect();
        let decl = organizations.first()?;
        for other in &organizations[1..] {
            self.diagnostics.push(
                Diagnostic::error(codes::ORG_TREE, "a project describes one organization")
                    .at(other.file, other.name.span(), "a second organization")
                    .with_label(decl.file, decl.name.span(), "the first")
                    .with_help("the accounts of one project belong to one organization; describe the other in its own project"),
            );
        }
        let ItemKind::Organization(organization) = &decl.item.kind else {
            return None;
        };
        let mut tree = Tree {
            file: decl.file,
            placed: BTreeMap::new(),
            aws_managed: BTreeSet::new(),
            management: None,
            id: None,
        };
        let mut root = OrgUnit {
            name: "Root".into(),
            ..OrgUnit::default()
        };
        self.lower_node(
            &mut tree,
            &organization.body,
            &mut root,
            decl.name.span(),
            0,
        );
        let Some(management) = tree.management.clone() else {
            self.diagnostics.push(
                Diagnostic::error(
                    codes::ORG_TREE,
                    format!(
                        "organization `{}` names no management account",
                        decl.name.name
                    ),
                )
                .at(decl.file, decl.name.span(), "no `management = ACCOUNT`")
                .with_help(
                    "name the account that owns the organization: `management = root_account`",
                ),
            );
            return None;
        };
        // The management account is a member; where the source places it nowhere, it sits
        // directly under the root, as AWS creates it.
        if !tree.placed.contains_key(&management.id) {
            root.accounts.push(OrgAccount {
                id: management.id.clone(),
                name: Some(management.name.clone()),
                attached: Attachments {
                    scp: vec![OrgPolicyKind::Scp.full_access().to_string()],
                    rcp: Vec::new(),
                },
            });
            tree.aws_managed.insert((
                OrgPolicyKind::Scp,
                OrgPolicyKind::Scp.full_access().to_string(),
            ));
        }
        for (kind, name) in &tree.aws_managed {
            if let Some(document) = aws_managed_org_policy(*kind, name) {
                policies.push(OrgPolicy {
                    kind: *kind,
                    name: name.clone(),
                    id: None,
                    aws_managed: true,
                    description: None,
                    document,
                });
            }
        }
        let mut organization = Organization {
            id: tree.id.clone(),
            management: management.id.clone(),
            root,
            policies,
        };
        organization.sort();
        self.check_levels_allow(&organization, &origins, decl);
        Some(organization)
    }

    /// The statements of the root or of a unit (`depth` OUs below the root) into `node`.
    /// `span`: the node's name (the organization's for the root), where its own errors point.
    fn lower_node(
        &mut self,
        tree: &mut Tree,
        body: &[Stmt],
        node: &mut OrgUnit,
        span: Span,
        depth: usize,
    ) {
        let file = tree.file;
        for stmt in body {
            match &stmt.kind {
                StmtKind::Error => {}
                StmtKind::Attach(policy) => {
                    if let Some((kind, name)) = self.org_attachment(tree, policy) {
                        node.attached.of_mut(kind).push(name);
                    }
                }
                StmtKind::Unit(unit) => {
                    if depth + 1 > MAX_OU_DEPTH {
                        self.diagnostics.push(
                            Diagnostic::error(codes::ORG_TREE, format!("OU `{}` is nested deeper than AWS allows", unit.name.name))
                                .at(file, unit.name.span(), format!("more than {MAX_OU_DEPTH} OUs below the root"))
                                .with_help("AWS Organizations allows five levels of OUs below the root: move it up"),
                        );
                        continue;
                    }
                    let mut child = OrgUnit {
                        name: unit.name.name.clone(),
                        ..OrgUnit::default()
                    };
                    self.lower_node(tree, &unit.body, &mut child, unit.name.span(), depth + 1);
                    if node.units.iter().any(|u| u.name == child.name) {
                        self.diagnostics.push(
                            Diagnostic::error(
                                codes::ORG_TREE,
                                format!("two OUs named `{}` under one parent", child.name),
                            )
                            .at(file, unit.name.span(), "named again")
                            .with_help("AWS names OUs uniquely under their parent: rename one"),
                        );
                        continue;
                    }
                    node.units.push(child);
                }
                StmtKind::Member(member) => {
                    let Some(decl) =
                        self.resolve(None, file, &member.account, &[SymbolKind::Account])
                    else {
                        continue;
                    };
                    let Some(account) = self.names.accounts.by_name.get(&decl.name.name).cloned()
                    else {
                        continue;
                    };
                    if let Some(first) = tree
                        .placed
                        .insert(account.id.clone(), member.account.span())
                    {
                        self.diagnostics.push(
                            Diagnostic::error(
                                codes::ORG_TREE,
                                format!("account `{}` is placed twice", member.account.name),
                            )
                            .at(file, member.account.span(), "placed again")
                            .with_label(file, first, "first placed here")
                            .with_help(
                                "an account sits in one place of the organization: remove one",
                            ),
                        );
                        continue;
                    }
                    let mut holder = OrgUnit::default();
                    if let Some(body) = &member.body {
                        for stmt in body {
                            match &stmt.kind {
                                StmtKind::Attach(policy) => {
                                    if let Some((kind, name)) = self.org_attachment(tree, policy) {
                                        holder.attached.of_mut(kind).push(name);
                                    }
                                }
                                StmtKind::Error => {}
                                _ => self.not_in_organization(
                                    file,
                                    stmt,
                                    "an account of the organization holds `attach` only",
                                ),
                            }
                        }
                    }
                    self.complete_attachments(
                        tree,
                        &mut holder.attached,
                        file,
                        member.account.span(),
                    );
                    node.accounts.push(OrgAccount {
                        id: account.id.clone(),
                        name: Some(account.name.clone()),
                        attached: holder.attached,
                    });
                }
                StmtKind::Property(property)
                    if depth == 0 && property.name.name == "management" =>
                {
                    let ValueKind::Name(name) = &property.value.kind else {
                        self.diagnostics.push(
                            Diagnostic::error(codes::ORG_TREE, "`management` names a declared account")
                                .at(file, property.value.span(), "not an account's name")
                                .with_help("`management = root_account`, where `account root_account = \"111111111111\"`"),
                        );
                        continue;
                    };
                    if let Some(decl) = self.resolve(None, file, name, &[SymbolKind::Account]) {
                        if let Some(account) = self.names.accounts.by_name.get(&decl.name.name) {
                            tree.management = Some(account.clone());
                        }
                    }
                }
                StmtKind::Property(property) if depth == 0 && property.name.name == "id" => {
                    match &property.value.kind {
                        ValueKind::String(lit)
                            if lit.as_plain().is_some_and(|id| is_org_id(&id)) =>
                        {
                            tree.id = lit.as_plain();
                        }
                        _ => self.diagnostics.push(
                            Diagnostic::error(codes::ORG_TREE, "not an organization id")
                                .at(
                                    file,
                                    property.value.span(),
                                    "AWS's ids are `o-` and 10 to 32 lowercase letters or digits",
                                )
                                .with_help(
                                    "copy it from `aws organizations describe-organization`",
                                ),
                        ),
                    }
                }
                _ => self.not_in_organization(
                    file,
                    stmt,
                    "an organization holds `management`, `id`, `attach`, `ou` and `account`",
                ),
            }
        }
        self.complete_attachments(tree, &mut node.attached, file, span);
    }

    fn not_in_organization(&mut self, file: FileId, stmt: &Stmt, help: &str) {
        self.diagnostics.push(
            Diagnostic::error(
                codes::NOT_ALLOWED_HERE,
                format!("{} is not allowed in an organization", stmt.kind.describe()),
            )
            .at(file, stmt.loc.span(), "not allowed here")
            .with_help(help),
        );
    }

    /// FullAWSAccess where nothing else is attached, as AWS attaches it; the quota.
    fn complete_attachments(
        &mut self,
        tree: &mut Tree,
        attached: &mut Attachments,
        file: FileId,
        span: Span,
    ) {
        if attached.scp.is_empty() {
            let full = OrgPolicyKind::Scp.full_access().to_string();
            tree.aws_managed.insert((OrgPolicyKind::Scp, full.clone()));
            attached.scp.push(full);
        }
        for kind in OrgPolicyKind::ALL {
            let list = attached.of_mut(kind);
            list.sort();
            list.dedup();
            if list.len() > MAX_ATTACHED {
                self.diagnostics.push(
                    Diagnostic::error(
                        codes::ORG_ATTACHMENT,
                        format!("{} {}s attached to one node", list.len(), kind.short()),
                    )
                    .at(file, span, format!("AWS allows {MAX_ATTACHED}"))
                    .with_help("merge some of them into one policy"),
                );
            }
        }
    }

    /// What `attach` names: a declared SCP or RCP, or AWS's own by name.
    fn org_attachment(
        &mut self,
        tree: &mut Tree,
        policy: &PolicyRef,
    ) -> Option<(OrgPolicyKind, String)> {
        match policy {
            PolicyRef::Named(ident) => {
                let decl =
                    self.resolve(None, tree.file, ident, &[SymbolKind::Scp, SymbolKind::Rcp])?;
                Some((policy_kind(decl.kind)?, decl.name.name.clone()))
            }
            PolicyRef::AwsManaged(lit) => {
                let name = lit.as_plain().unwrap_or_default();
                let known = OrgPolicyKind::ALL
                    .into_iter()
                    .find(|kind| kind.full_access() == name);
                match known {
                    Some(kind) => {
                        tree.aws_managed.insert((kind, name.clone()));
                        Some((kind, name))
                    }
                    None => {
                        self.diagnostics.push(
                            Diagnostic::error(codes::ORG_ATTACHMENT, format!("`{name}` is not an AWS managed SCP or RCP"))
                                .at(tree.file, lit.span(), "not one of AWS's")
                                .with_help("AWS's own are `FullAWSAccess` (an SCP) and `RCPFullAWSAccess` (an RCP); declare others with `scp NAME { … }`"),
                        );
                        None
                    }
                }
            }
        }
    }

    /// A node where none of the attached SCPs allows anything: every request below it is
    /// denied (the management account's aside).
    fn check_levels_allow(
        &mut self,
        organization: &Organization,
        origins: &BTreeMap<(OrgPolicyKind, String), (FileId, Span)>,
        decl: &Decl<'a>,
    ) {
        let allows = |name: &String| {
            organization
                .policy(OrgPolicyKind::Scp, name)
                .is_some_and(|p| {
                    p.document
                        .statements
                        .iter()
                        .any(|s| s.effect == Effect::Allow)
                })
        };
        let mut report = |label: String, names: &[String]| {
            let mut diagnostic = Diagnostic::error(
                codes::ORG_DENIES_ALL,
                format!("no SCP attached to {label} allows anything"),
            )
            .at(decl.file, decl.name.span(), format!("every request of the accounts below {label} is denied"))
            .with_help("SCPs filter what other policies allow: attach `aws \"FullAWSAccess\"` beside the denies (a deny list), or an SCP that allows what the accounts may do (an allow list)");
            for name in names {
                if let Some((file, span)) = origins.get(&(OrgPolicyKind::Scp, name.clone())) {
                    diagnostic =
                        diagnostic.with_label(*file, *span, format!("`{name}` allows nothing"));
                }
            }
            self.diagnostics.push(diagnostic);
        };
        fn walk(
            unit: &OrgUnit,
            label: String,
            allows: &dyn Fn(&String) -> bool,
            report: &mut dyn FnMut(String, &[String]),
        ) {
            if !unit.attached.scp.iter().any(allows) {
                report(label, &unit.attached.scp);
            }
            for account in &unit.accounts {
                if !account.attached.scp.iter().any(allows) {
                    report(
                        format!(
                            "account `{}`",
                            account.name.as_deref().unwrap_or(&account.id)
                        ),
                        &account.attached.scp,
                    );
                }
            }
            for child in &unit.units {
                walk(child, format!("OU `{}`", child.name), allows, report);
            }
        }
        walk(&organization.root, "the root".into(), &allows, &mut report);
    }
}

/// What lowering the organization's tree keeps between nodes.
struct Tree {
    file: FileId,
    /// Account id to where it is placed.
    placed: BTreeMap<String, Span>,
    /// The AWS managed policies attached somewhere.
    aws_managed: BTreeSet<(OrgPolicyKind, String)>,
    management: Option<crate::model::Account>,
    id: Option<String>,
}

/// `o-` and 10 to 32 lowercase letters or digits (the Organizations API's pattern).
fn is_org_id(id: &str) -> bool {
    id.strip_prefix("o-").is_some_and(|rest| {
        (10..=32).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}
