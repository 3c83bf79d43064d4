//! The catalog's facts, as stored in `stdlib/aws/services/*.json`.

use serde::Deserialize;

/// AWS's access levels, as the Service Authorization Reference names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum Level {
    List,
    Read,
    Write,
    #[serde(rename = "Permissions management")]
    PermissionsManagement,
    Tagging,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::List => "List",
            Level::Read => "Read",
            Level::Write => "Write",
            Level::PermissionsManagement => "Permissions management",
            Level::Tagging => "Tagging",
        }
    }
}

/// The type of a condition key, which decides the AWS operators that apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    String,
    Arn,
    Numeric,
    Date,
    Bool,
    IpAddress,
    Binary,
}

impl KeyType {
    pub fn name(self) -> &'static str {
        match self {
            KeyType::String => "String",
            KeyType::Arn => "ARN",
            KeyType::Numeric => "Numeric",
            KeyType::Date => "Date",
            KeyType::Bool => "Bool",
            KeyType::IpAddress => "IPAddress",
            KeyType::Binary => "Binary",
        }
    }
}

/// A key's type as the reference spells it: `ArrayOfString` is a multivalued `String`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyKind {
    pub base: KeyType,
    pub multivalued: bool,
}

impl<'de> Deserialize<'de> for KeyKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<KeyKind, D::Error> {
        let text = String::deserialize(deserializer)?;
        let (multivalued, base) = match text.strip_prefix("ArrayOf") {
            Some(rest) => (true, rest),
            None => (false, text.as_str()),
        };
        let base = match base {
            "String" => KeyType::String,
            "ARN" | "Arn" => KeyType::Arn,
            "Numeric" | "Long" | "Integer" => KeyType::Numeric,
            "Date" => KeyType::Date,
            "Bool" | "Boolean" => KeyType::Bool,
            "IPAddress" | "IpAddress" => KeyType::IpAddress,
            "Binary" => KeyType::Binary,
            other => {
                return Err(serde::de::Error::custom(format!(
                    "unknown condition key type `{other}`"
                )))
            }
        };
        Ok(KeyKind { base, multivalued })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ConditionKey {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: KeyKind,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ActionResource {
    #[serde(rename = "type")]
    pub resource_type: String,
    pub required: bool,
    #[serde(default)]
    pub condition_keys: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Action {
    pub name: String,
    /// `s3:GetObject`: written once when the service is read, since every statement that
    /// grants the action holds this text.
    #[serde(skip)]
    full_name: String,
    pub levels: Vec<Level>,
    pub resources: Vec<ActionResource>,
    pub condition_keys: Vec<String>,
    #[serde(default)]
    pub dependent_actions: Vec<String>,
}

impl Action {
    /// The name with its service prefix, as a policy writes it: `s3:GetObject`.
    pub fn full_name(&self) -> &str {
        &self.full_name
    }

    /// The level an intent sees. Actions listed under two levels ("Permissions management,
    /// Write", "Tagging, Write") count as their specific level, so that `write` never grants
    /// permission management or tagging (see docs/language.md).
    pub fn level(&self) -> Level {
        if self.levels.contains(&Level::PermissionsManagement) {
            Level::PermissionsManagement
        } else if self.levels.contains(&Level::Tagging) {
            Level::Tagging
        } else {
            self.levels.first().copied().unwrap_or(Level::Write)
        }
    }

    /// Whether the action can be limited to specific resources (else it needs `*`).
    pub fn has_resources(&self) -> bool {
        !self.resources.is_empty()
    }

    pub fn applies_to(&self, resource_type: &str) -> bool {
        self.resources
            .iter()
            .any(|r| r.resource_type == resource_type)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ResourceType {
    pub name: String,
    pub arns: Vec<String>,
    pub condition_keys: Vec<String>,
    /// Computed on first use: the constructor name and the parsed ARN templates.
    #[serde(skip)]
    derived: std::sync::OnceLock<(String, Vec<crate::ArnTemplate>)>,
}

impl ResourceType {
    fn derived(&self) -> &(String, Vec<crate::ArnTemplate>) {
        self.derived.get_or_init(|| {
            (
                crate::constructor_name(&self.name),
                self.arns
                    .iter()
                    .map(|a| crate::ArnTemplate::parse(a))
                    .collect(),
            )
        })
    }

    /// `log-group` → `log_group`.
    pub fn constructor(&self) -> &str {
        &self.derived().0
    }

    /// The ARN templates, parsed.
    pub fn templates(&self) -> &[crate::ArnTemplate] {
        &self.derived().1
    }
}

#[derive(Debug, Deserialize)]
pub struct Service {
    pub prefix: String,
    #[serde(default)]
    pub name: String,
    pub resource_types: Vec<ResourceType>,
    pub condition_keys: Vec<ConditionKey>,
    pub actions: Vec<Action>,
    #[serde(skip)]
    key_index: std::sync::OnceLock<crate::KeyIndex>,
}

impl Service {
    /// Looks an action up by name, ignoring case as IAM does.
    pub fn action(&self, name: &str) -> Option<&Action> {
        self.actions
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    pub fn resource_type(&self, name: &str) -> Option<&ResourceType> {
        self.resource_types.iter().find(|r| r.name == name)
    }

    /// One of this service's condition keys, by name (any case; variable parts match anything).
    pub fn condition_key(&self, name: &str) -> Option<&ConditionKey> {
        let index = self
            .key_index
            .get_or_init(|| crate::KeyIndex::new(&self.condition_keys));
        index.find(name).and_then(|i| self.condition_keys.get(i))
    }
}

/// What `catalog.json` says about the data.
#[derive(Debug, Clone, Deserialize)]
pub struct Source {
    pub package: String,
    pub version: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Header {
    pub source: Source,
    pub global_condition_keys: Vec<ConditionKey>,
    /// Service prefixes that RCPs apply to, sorted.
    pub rcp_supported_services: Vec<String>,
}

impl Service {
    /// Fills in what is derived from the data as read: each action's full name.
    pub(crate) fn complete(mut self) -> Service {
        for action in &mut self.actions {
            action.full_name = format!("{}:{}", self.prefix, action.name);
        }
        self
    }
}
