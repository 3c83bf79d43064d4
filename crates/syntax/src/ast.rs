//! The typed syntax tree. Every node carries its byte range as a [`Loc`]; locations never take
//! part in equality, so `parse(fmt(x)) == parse(x)` states "the formatter kept the meaning".

use std::fmt;
use std::hash::{Hash, Hasher};

use iamdsl_diagnostics::Span;

/// A node's byte range. Equal to every other `Loc`: equality of trees is structural.
#[derive(Clone, Copy, Default)]
pub struct Loc(pub Span);

impl Loc {
    pub fn span(self) -> Span {
        self.0
    }
}

impl PartialEq for Loc {
    fn eq(&self, _: &Loc) -> bool {
        true
    }
}

impl Eq for Loc {}

impl Hash for Loc {
    fn hash<H: Hasher>(&self, _: &mut H) {}
}

impl fmt::Debug for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "@{}..{}", self.0.start, self.0.end)
    }
}

impl From<Span> for Loc {
    fn from(span: Span) -> Loc {
        Loc(span)
    }
}

/// A name as written: a declaration's name, a reference, a service prefix.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident {
    pub name: String,
    pub loc: Loc,
}

impl Ident {
    pub fn span(&self) -> Span {
        self.loc.span()
    }
}

/// Any node with a location.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Spanned<T> {
    pub node: T,
    pub loc: Loc,
}

impl<T> Spanned<T> {
    pub fn span(&self) -> Span {
        self.loc.span()
    }
}

/// One parsed file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Module {
    pub items: Vec<Item>,
}

/// `#[allow(lint, …)]`
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Attribute {
    pub name: Ident,
    pub args: Vec<Ident>,
    pub loc: Loc,
}

/// What stands before every item and statement: `///` lines and attributes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct Prefix {
    /// Text of each `///` line, without the `///` and without one leading space.
    pub docs: Vec<Spanned<String>>,
    pub attrs: Vec<Attribute>,
}

impl Prefix {
    /// The doc comment as one text, lines joined with `\n`.
    pub fn doc_text(&self) -> Option<String> {
        if self.docs.is_empty() {
            return None;
        }
        Some(
            self.docs
                .iter()
                .map(|d| d.node.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub prefix: Prefix,
    pub kind: ItemKind,
    pub loc: Loc,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemKind {
    Account(AccountDecl),
    Let(LetDecl),
    Block(BlockDecl),
    Template(TemplateDecl),
    In(InBlock),
    Resource(ResourceDecl),
    Expect(Expect),
    /// `scp NAME { … }`, `rcp NAME { … }`
    OrgPolicy(OrgPolicyDecl),
    /// `organization NAME { … }`
    Organization(OrganizationDecl),
    /// Text that did not parse; its diagnostics were reported.
    Error,
}

/// The kinds of policy an organization attaches to its nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OrgPolicyKind {
    Scp,
    Rcp,
}

impl OrgPolicyKind {
    pub fn keyword(self) -> &'static str {
        match self {
            OrgPolicyKind::Scp => "scp",
            OrgPolicyKind::Rcp => "rcp",
        }
    }
}

/// `scp NAME { statements }`: a service control policy; `rcp …` a resource control policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgPolicyDecl {
    pub kind: OrgPolicyKind,
    pub name: Ident,
    pub body: Vec<Stmt>,
}

/// `organization NAME { management = ACCOUNT; attach …; ou NAME { … }; account NAME }`: the
/// root's statements, its units and member accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationDecl {
    pub name: Ident,
    pub body: Vec<Stmt>,
}

/// `account prod = "111111111111" default`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountDecl {
    pub name: Ident,
    pub id: StringLit,
    pub default: bool,
}

/// `let logs = "acme-logs"`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetDecl {
    pub name: Ident,
    pub value: Value,
}

/// What a block declares: an IAM entity. The model's entities have the same kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeclKind {
    Policy,
    Group,
    User,
    Role,
}

impl DeclKind {
    pub fn keyword(self) -> &'static str {
        match self {
            DeclKind::Policy => "policy",
            DeclKind::Group => "group",
            DeclKind::User => "user",
            DeclKind::Role => "role",
        }
    }

    /// The resource part of the entity's ARN: `arn:aws:iam::ACCOUNT:<this>/PATH/NAME`.
    pub fn arn_kind(self) -> &'static str {
        self.keyword()
    }
}

/// `policy|group|user|role NAME [in ACCOUNT] { … }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockDecl {
    pub kind: DeclKind,
    pub name: Ident,
    pub account: Option<Ident>,
    pub body: Vec<Stmt>,
}

/// `resource NAME [in ACCOUNT] = service.type(…) [{ … }]`: a resource of a kind that carries a
/// policy of its own (`iamdsl_catalog::resource_policies`), with that policy. Without a block the
/// resource is declared to have none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceDecl {
    pub name: Ident,
    pub account: Option<Ident>,
    pub constructor: Constructor,
    pub body: Option<Vec<Stmt>>,
}

/// `template NAME(param, param = default) { … }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateDecl {
    pub name: Ident,
    pub params: Vec<Param>,
    pub body: Vec<Stmt>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: Ident,
    pub default: Option<Value>,
}

/// `in ACCOUNT { items }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InBlock {
    pub account: Ident,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stmt {
    pub prefix: Prefix,
    pub kind: StmtKind,
    pub loc: Loc,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StmtKind {
    Permission(Permission),
    Attach(PolicyRef),
    Boundary(PolicyRef),
    Assume(Assume),
    Use(UseStmt),
    Trust(TrustBlock),
    Property(Property),
    /// A bare keyword such as `instance_profile`.
    Flag(Ident),
    /// `ou NAME { … }`: an organizational unit, in an organization or a unit.
    Unit(UnitStmt),
    /// `account NAME [{ … }]`: a member account where it sits in the organization.
    Member(MemberStmt),
    /// Text that did not parse; its diagnostics were reported.
    Error,
}

impl StmtKind {
    /// How a person would name this kind of statement in a message.
    pub fn describe(&self) -> &'static str {
        match self {
            StmtKind::Permission(p) if p.effect.node == Effect::Deny => "`deny`",
            StmtKind::Permission(_) => "`allow`",
            StmtKind::Attach(_) => "`attach`",
            StmtKind::Boundary(_) => "`boundary`",
            StmtKind::Assume(_) => "`assume`",
            StmtKind::Use(_) => "`use`",
            StmtKind::Trust(_) => "`trust`",
            StmtKind::Property(_) => "a property",
            StmtKind::Flag(_) => "a flag",
            StmtKind::Unit(_) => "`ou`",
            StmtKind::Member(_) => "`account`",
            StmtKind::Error => "a broken statement",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Effect {
    Allow,
    Deny,
}

/// `allow ACTIONS on RESOURCES [when CONDITION] [until DATE]`; in a resource's policy
/// `allow ACTIONS [on RESOURCES] to PRINCIPALS …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    pub effect: Spanned<Effect>,
    pub actions: ActionList,
    /// Empty (`items` and `except`) when `on` is left out: the resource whose policy it is.
    pub resources: ResourceList,
    /// `to role x, service cloudtrail`: empty outside resource policies.
    pub principals: Vec<Spanned<Principal>>,
    pub condition: Option<Condition>,
    pub until: Option<Spanned<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionList {
    pub items: Vec<ActionItem>,
    /// `* except iam:*` (becomes NotAction)
    pub except: Vec<ActionItem>,
    pub loc: Loc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccessLevel {
    List,
    Read,
    Write,
    Tagging,
    Permissions,
}

impl AccessLevel {
    pub const ALL: [AccessLevel; 5] = [
        AccessLevel::List,
        AccessLevel::Read,
        AccessLevel::Write,
        AccessLevel::Tagging,
        AccessLevel::Permissions,
    ];

    pub fn keyword(self) -> &'static str {
        match self {
            AccessLevel::List => "list",
            AccessLevel::Read => "read",
            AccessLevel::Write => "write",
            AccessLevel::Tagging => "tagging",
            AccessLevel::Permissions => "permissions",
        }
    }

    pub fn from_keyword(word: &str) -> Option<AccessLevel> {
        AccessLevel::ALL
            .into_iter()
            .find(|level| level.keyword() == word)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ActionItem {
    /// `*`
    Star(Loc),
    /// `read`, `write`, …: an intent, expanded from the catalog.
    Level(Spanned<AccessLevel>),
    /// `s3:GetObject`, `s3:Get*`
    Pattern(Spanned<String>),
}

impl ActionItem {
    pub fn span(&self) -> Span {
        match self {
            ActionItem::Star(loc) => loc.span(),
            ActionItem::Level(level) => level.span(),
            ActionItem::Pattern(pattern) => pattern.span(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceList {
    pub items: Vec<Resource>,
    /// `* except s3.bucket("x")` (becomes NotResource)
    pub except: Vec<Resource>,
    pub loc: Loc,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// `*`
    Star(Loc),
    /// `arn("arn:aws:…")`
    Arn(StringLit),
    /// `s3.object(logs, "*", region: "eu-west-1")`
    Constructor(Constructor),
    /// `logs`: a declared resource (and, for a bucket, its objects).
    Named(Ident),
}

impl Resource {
    pub fn span(&self) -> Span {
        match self {
            Resource::Star(loc) => loc.span(),
            Resource::Arn(s) => s.span(),
            Resource::Constructor(c) => c.loc.span(),
            Resource::Named(ident) => ident.span(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constructor {
    pub service: Ident,
    pub resource_type: Ident,
    pub args: Vec<Arg>,
    pub loc: Loc,
}

/// A positional (`"*"`) or named (`region: "eu-west-1"`) argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    pub name: Option<Ident>,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub clauses: Vec<Clause>,
    pub loc: Loc,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    pub kind: ClauseKind,
    pub loc: Loc,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClauseKind {
    /// `mfa`: aws:MultiFactorAuthPresent is true
    Mfa,
    /// `key exists` / `key not exists` (the `Null` operator)
    Exists { key: CondKey, negated: bool },
    /// `[any|all] key[?] OP value`
    Compare {
        quantifier: Option<Spanned<Quantifier>>,
        key: CondKey,
        if_exists: bool,
        op: Spanned<CompareOp>,
        value: Value,
    },
    /// `StringEqualsIgnoreCase(key, value)`: any AWS operator by its own name
    Raw {
        operator: Spanned<String>,
        key: CondKey,
        value: Value,
    },
}

/// A condition key as written: `aws:SourceIp`, `aud`, or a quoted `"token.actions…:sub"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CondKey {
    pub name: String,
    pub loc: Loc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quantifier {
    Any,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
    NotLike,
    In,
    NotIn,
}

impl CompareOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::Like => "like",
            CompareOp::NotLike => "not like",
            CompareOp::In => "in",
            CompareOp::NotIn => "not in",
        }
    }
}

/// `attach log_reader`, `attach aws "ReadOnlyAccess"`
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyRef {
    Named(Ident),
    AwsManaged(StringLit),
}

/// A principal or role named by declaration or by ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Named(Ident),
    Arn(StringLit),
}

/// `ou workloads { attach region_lock; account prod }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitStmt {
    pub name: Ident,
    pub body: Vec<Stmt>,
}

/// `account prod`, `account sandbox { attach sandbox_limits }`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberStmt {
    pub account: Ident,
    /// `None` without a block.
    pub body: Option<Vec<Stmt>>,
}

/// `use lambda_logs("app-*")`, `use std.ecs.task_execution()`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UseStmt {
    pub path: Vec<Ident>,
    pub args: Vec<Arg>,
}

/// `max_session = 1h`, `path = "/x/"`, `groups = [developers]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub name: Ident,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustBlock {
    pub entries: Vec<TrustEntry>,
    pub loc: Loc,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustEntry {
    pub prefix: Prefix,
    pub principal: Principal,
    /// Also allow `sts:TagSession`.
    pub tag_session: bool,
    pub condition: Option<Condition>,
    pub loc: Loc,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// `service ec2`, `service "ecs-tasks.amazonaws.com"`
    Service(Spanned<String>),
    /// `account audit`, `account "123456789012"`
    Account(NameOrString),
    Role(Target),
    User(Target),
    /// `saml "arn:aws:iam::…:saml-provider/okta"` or a `let` name
    Saml(NameOrString),
    /// `oidc "token.actions.githubusercontent.com"`
    Oidc(NameOrString),
    /// `org "o-a1b2c3d4e5"`: every principal of the organization (resource policies only).
    Org(NameOrString),
    /// `*`: parsed so that the checker can reject it with a clear message.
    Star(Loc),
}

/// `assume deployer`, `assume deployer when mfa`: the permission to assume a role and, for a
/// declared role, the trust entry that lets this principal in, both under `condition`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assume {
    pub target: Target,
    pub condition: Option<Condition>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameOrString {
    Name(Ident),
    String(StringLit),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    pub kind: ExpectKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpectKind {
    /// `expect no escalation to admin`
    NoEscalation,
    /// `expect developers can assume deployer`, `… when mfa`
    Assume {
        principal: Ident,
        can: bool,
        role: Ident,
        condition: Option<Condition>,
    },
    /// `expect web can s3:GetObject on s3.object("acme-assets", "index.html")`
    Access {
        principal: Ident,
        can: bool,
        actions: Vec<ActionItem>,
        resource: Resource,
        condition: Option<Condition>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    pub kind: ValueKind,
    pub loc: Loc,
}

impl Value {
    pub fn span(&self) -> Span {
        self.loc.span()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueKind {
    String(StringLit),
    /// Digits as written; range is checked where the number is used.
    Number(String),
    /// `1h`, `90m`, `1h30m`
    Duration(String),
    /// `2027-01-31`, `2027-01-31T12:00:00Z`
    Date(String),
    Bool(bool),
    List(Vec<Value>),
    /// `{ team: "payments" }`, in the order written.
    Map(Vec<MapEntry>),
    Star,
    /// A reference to a `let`, a template parameter or a declaration.
    Name(Ident),
}

/// `team: "payments"` in a map: a key (a word, or a string for keys such as `cost:center`) and
/// its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapEntry {
    pub key: NameOrString,
    pub value: Value,
}

impl MapEntry {
    pub fn key_span(&self) -> Span {
        match &self.key {
            NameOrString::Name(name) => name.span(),
            NameOrString::String(lit) => lit.span(),
        }
    }
}

/// A string literal, unescaped, as text and `${name}` interpolations.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StringLit {
    pub parts: Vec<StrPart>,
    pub loc: Loc,
}

impl StringLit {
    pub fn span(&self) -> Span {
        self.loc.span()
    }

    /// The text when the string has no interpolation.
    pub fn as_plain(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                StrPart::Text(text) => out.push_str(text),
                StrPart::Interp(_) => return None,
            }
        }
        Some(out)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StrPart {
    /// Literal text; IAM policy variables such as `${aws:username}` stay in here as written.
    Text(String),
    /// `${name}`
    Interp(Ident),
}
