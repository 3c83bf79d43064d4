//! Who can reach what, as a picture: `iamdsl graph` draws the project's principals by account,
//! group membership, the trust entries of roles (with the condition keys they test) and the
//! escalations `expect no escalation to admin` would report; `who-can` draws the chains it
//! found. One model, rendered as Graphviz DOT or as Mermaid (which pull-request comments show).

use std::collections::BTreeMap;
use std::fmt::Write;

use iamdsl_policy::access::{Access, Chain, PrincipalKind};

use crate::explain::{escalations, evaluated_state, most_capable_context};
use crate::model::{DeclKind, Model};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeKind {
    User,
    Group,
    Role,
    /// A principal outside the project: a service, an identity provider, another account.
    External,
    /// What a `who-can` question asked about.
    Request,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub label: String,
    pub kind: NodeKind,
    /// The account it belongs to, by id; `None` outside the project's accounts.
    pub account: Option<String>,
    /// A principal that can gain administrator access.
    pub escalates: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EdgeKind {
    /// A user in a group.
    Member,
    /// A role's trust policy lets the principal in.
    Trusts,
    /// A step of a chain the evaluator found.
    Assumes,
    /// A step of an escalation to administrator access.
    Escalates,
    /// The last principal of a chain makes the request.
    Acts,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
    pub label: Option<String>,
}

/// Nodes (their index is their identity) and edges, with the accounts' names for clusters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Account id to its name in the project.
    pub accounts: BTreeMap<String, String>,
}

impl Graph {
    fn node(&mut self, label: String, kind: NodeKind, account: Option<String>) -> usize {
        if let Some(index) = self.nodes.iter().position(|n| n.label == label) {
            return index;
        }
        self.nodes.push(Node {
            label,
            kind,
            account,
            escalates: false,
        });
        self.nodes.len() - 1
    }

    fn edge(&mut self, from: usize, to: usize, kind: EdgeKind, label: Option<String>) {
        let edge = Edge {
            from,
            to,
            kind,
            label,
        };
        if !self.edges.contains(&edge) {
            self.edges.push(edge);
        }
    }

    pub fn render(&self, format: GraphFormat) -> String {
        match format {
            GraphFormat::Dot => self.dot(),
            GraphFormat::Mermaid => self.mermaid(),
        }
    }

    /// Graphviz: one cluster per account, shapes by kind, escalations in red.
    pub fn dot(&self) -> String {
        let mut out = String::from(
            "digraph iamdsl {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=9];\n",
        );
        let node_line = |index: usize, node: &Node| {
            let shape = match node.kind {
                NodeKind::User => "ellipse",
                NodeKind::Group => "folder",
                NodeKind::Role => "box",
                NodeKind::External => "hexagon",
                NodeKind::Request => "note",
            };
            let style = if node.escalates {
                ", color=red, penwidth=2"
            } else {
                ""
            };
            format!(
                "n{index} [label={}, shape={shape}{style}];",
                dot_string(&node.label)
            )
        };
        for (id, name, members) in self.clusters() {
            let _ = writeln!(out, "  subgraph cluster_{id} {{");
            let _ = writeln!(out, "    label={};", dot_string(&format!("{name} ({id})")));
            for index in members {
                let _ = writeln!(out, "    {}", node_line(index, &self.nodes[index]));
            }
            out.push_str("  }\n");
        }
        for index in self.outside_accounts() {
            let _ = writeln!(out, "  {}", node_line(index, &self.nodes[index]));
        }
        for edge in self.sorted_edges() {
            let mut attributes = Vec::new();
            if let Some(label) = &edge.label {
                attributes.push(format!("label={}", dot_string(label)));
            }
            match edge.kind {
                EdgeKind::Member => attributes.push("style=dotted, arrowhead=empty".into()),
                EdgeKind::Trusts => {}
                EdgeKind::Assumes | EdgeKind::Acts => attributes.push("penwidth=2".into()),
                EdgeKind::Escalates => attributes.push("color=red, penwidth=2".into()),
            }
            let _ = writeln!(
                out,
                "  n{} -> n{}{};",
                edge.from,
                edge.to,
                if attributes.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", attributes.join(", "))
                }
            );
        }
        out.push_str("}\n");
        out
    }

    /// Mermaid flowchart: one subgraph per account, escalations in red.
    pub fn mermaid(&self) -> String {
        let mut out = String::from("flowchart LR\n");
        let node_line = |index: usize, node: &Node| {
            let label = mermaid_string(&node.label);
            match node.kind {
                NodeKind::User => format!("n{index}([{label}])"),
                NodeKind::Group => format!("n{index}[[{label}]]"),
                NodeKind::Role => format!("n{index}[{label}]"),
                NodeKind::External => format!("n{index}{{{{{label}}}}}"),
                NodeKind::Request => format!("n{index}>{label}]"),
            }
        };
        for (id, name, members) in self.clusters() {
            let _ = writeln!(
                out,
                "  subgraph account_{id}[{}]",
                mermaid_string(&format!("{name} ({id})"))
            );
            for index in members {
                let _ = writeln!(out, "    {}", node_line(index, &self.nodes[index]));
            }
            out.push_str("  end\n");
        }
        for index in self.outside_accounts() {
            let _ = writeln!(out, "  {}", node_line(index, &self.nodes[index]));
        }
        let mut escalation_links = Vec::new();
        for (number, edge) in self.sorted_edges().into_iter().enumerate() {
            let arrow = match edge.kind {
                EdgeKind::Member => "-.->",
                EdgeKind::Trusts => "-->",
                EdgeKind::Assumes | EdgeKind::Acts | EdgeKind::Escalates => "==>",
            };
            if edge.kind == EdgeKind::Escalates {
                escalation_links.push(number.to_string());
            }
            let label = edge
                .label
                .as_ref()
                .map(|l| format!("|{}|", mermaid_string(l)))
                .unwrap_or_default();
            let _ = writeln!(out, "  n{} {arrow}{label} n{}", edge.from, edge.to);
        }
        let escalating: Vec<String> = (0..self.nodes.len())
            .filter(|&i| self.nodes[i].escalates)
            .map(|i| format!("n{i}"))
            .collect();
        if !escalating.is_empty() {
            out.push_str("  classDef escalates stroke:#d00,stroke-width:3px\n");
            let _ = writeln!(out, "  class {} escalates", escalating.join(","));
        }
        if !escalation_links.is_empty() {
            let _ = writeln!(
                out,
                "  linkStyle {} stroke:#d00,stroke-width:3px",
                escalation_links.join(",")
            );
        }
        out
    }

    /// The accounts that hold nodes, with their names and the nodes they hold.
    fn clusters(&self) -> Vec<(&str, &str, Vec<usize>)> {
        self.accounts
            .iter()
            .map(|(id, name)| {
                let members: Vec<usize> = (0..self.nodes.len())
                    .filter(|&i| self.nodes[i].account.as_deref() == Some(id.as_str()))
                    .collect();
                (id.as_str(), name.as_str(), members)
            })
            .filter(|(_, _, members)| !members.is_empty())
            .collect()
    }

    /// The nodes in no account of the project: services, providers, other accounts.
    fn outside_accounts(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].account.is_none())
            .collect()
    }

    fn sorted_edges(&self) -> Vec<&Edge> {
        let mut edges: Vec<&Edge> = self.edges.iter().collect();
        edges.sort();
        edges
    }
}

fn dot_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Mermaid labels in quotes; a quote inside one is written as its entity.
fn mermaid_string(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "#quot;"))
}

fn principal_kind(kind: PrincipalKind) -> NodeKind {
    match kind {
        PrincipalKind::User => NodeKind::User,
        PrincipalKind::Group => NodeKind::Group,
        PrincipalKind::Role => NodeKind::Role,
    }
}

/// The principals of an access layer as nodes, in its order (node `i` is principal `i`).
fn principal_nodes(model: &Model, access: &Access<'_>) -> Graph {
    let mut graph = Graph {
        accounts: model
            .accounts
            .iter()
            .map(|a| (a.id.clone(), a.name.clone()))
            .collect(),
        ..Graph::default()
    };
    for principal in access.principals() {
        graph.nodes.push(Node {
            label: format!("{} {}", principal.kind.as_str(), principal.name),
            kind: principal_kind(principal.kind),
            account: Some(principal.account.clone()),
            escalates: false,
        });
    }
    graph
}

/// The project's principals, memberships, trust entries and escalations.
pub fn access_graph(model: &Model) -> Graph {
    let state = evaluated_state(model);
    let access = Access::new(&state);
    let mut graph = principal_nodes(model, &access);
    let principals = access.principals();
    for (user, info) in principals.iter().enumerate() {
        if info.kind != PrincipalKind::User {
            continue;
        }
        for (group, other) in principals.iter().enumerate() {
            if other.kind == PrincipalKind::Group
                && other.account == info.account
                && info.groups.contains(&other.name)
            {
                graph.edge(user, group, EdgeKind::Member, None);
            }
        }
    }
    let partition = &model.partition;
    for role in model.entities.iter().filter(|e| e.kind == DeclKind::Role) {
        let Some(to) = access.by_arn(&role.arn(partition)) else {
            continue;
        };
        for statement in role.trust.iter().flat_map(|t| &t.statements) {
            let keys: Vec<&str> = statement
                .condition
                .0
                .values()
                .flat_map(|keys| keys.keys())
                .map(String::as_str)
                .collect();
            let label = (!keys.is_empty()).then(|| format!("when {}", keys.join(", ")));
            for (kind, values) in statement.principal.iter().flat_map(|p| &p.0) {
                for value in values {
                    let from = match access.by_arn(value) {
                        Some(index) => index,
                        None => external_node(&mut graph, kind, value),
                    };
                    graph.edge(from, to, EdgeKind::Trusts, label.clone());
                }
            }
        }
    }
    for escalation in escalations(&access, &most_capable_context()) {
        if let Some(node) = graph.nodes.get_mut(escalation.principal) {
            node.escalates = true;
        }
        for (step, pair) in escalation.through.windows(2).enumerate() {
            let label = escalation.steps.get(step).cloned();
            graph.edge(pair[0], pair[1], EdgeKind::Escalates, label);
        }
    }
    graph
}

/// A trusted principal outside the project: a service, a provider, an account's root.
fn external_node(graph: &mut Graph, kind: &str, value: &str) -> usize {
    let account = if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        Some(value.to_string())
    } else if value.ends_with(":root") {
        iamdsl_policy::access::arn_account(value).map(str::to_string)
    } else {
        None
    };
    let label = match (&account, kind) {
        (Some(id), _) => match graph.accounts.get(id) {
            Some(name) => format!("any principal of {name}"),
            None => format!("account {id}"),
        },
        (None, "Service") => format!("service {value}"),
        // An OIDC or SAML provider by its host or name, as `trust` names it.
        (None, "Federated") => format!(
            "provider {}",
            value
                .split_once("-provider/")
                .map_or(value, |(_, name)| name)
        ),
        (None, _) => value.to_string(),
    };
    // Another account of the project's is drawn in its cluster.
    let cluster = account.filter(|id| graph.accounts.contains_key(id));
    graph.node(label, NodeKind::External, cluster)
}

/// The chains `who-can` (or `explain`) found, ending in the request they make.
pub fn chains_graph(model: &Model, access: &Access<'_>, chains: &[Chain], request: &str) -> Graph {
    let mut graph = principal_nodes(model, access);
    let target = graph.node(request.to_string(), NodeKind::Request, None);
    for chain in chains {
        for pair in chain.steps.windows(2) {
            graph.edge(pair[0], pair[1], EdgeKind::Assumes, Some("assumes".into()));
        }
        if let Some(&last) = chain.steps.last() {
            let label = (!chain.unknown.is_empty())
                .then(|| format!("only if {} allows it", chain.unknown.join(", ")));
            graph.edge(last, target, EdgeKind::Acts, label);
        }
    }
    // Principals in no chain are left out: the picture is of the answer.
    let used: Vec<bool> = (0..graph.nodes.len())
        .map(|i| i == target || graph.edges.iter().any(|e| e.from == i || e.to == i))
        .collect();
    prune(graph, &used)
}

/// The graph with only the nodes marked, their edges renumbered.
fn prune(graph: Graph, keep: &[bool]) -> Graph {
    let mut renumbered = vec![None; graph.nodes.len()];
    let mut nodes = Vec::new();
    for (index, node) in graph.nodes.into_iter().enumerate() {
        if keep.get(index).copied().unwrap_or(false) {
            renumbered[index] = Some(nodes.len());
            nodes.push(node);
        }
    }
    let edges = graph
        .edges
        .into_iter()
        .filter_map(|e| {
            Some(Edge {
                from: renumbered[e.from]?,
                to: renumbered[e.to]?,
                ..e
            })
        })
        .collect();
    Graph {
        nodes,
        edges,
        accounts: graph.accounts,
    }
}
