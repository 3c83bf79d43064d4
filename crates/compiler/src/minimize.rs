//! `--minimize`: shorter action lists, never wider grants. An action list is replaced by
//! `service:Prefix*` only where the catalog proves that the wildcard matches exactly actions of
//! the list.

use std::collections::BTreeSet;

use iamdsl_catalog::{catalog, wildcard};
use iamdsl_policy::{ActionBlock, NameSet, PolicyDocument};

/// The document with each `Action` list minimized.
pub fn minimize(document: &PolicyDocument) -> PolicyDocument {
    let mut out = document.clone();
    for statement in &mut out.statements {
        if let ActionBlock::Action(actions) = &statement.action {
            statement.action = ActionBlock::Action(minimize_actions(actions));
        }
    }
    out
}

/// The shortest equivalent list: per service, each action is replaced by the shortest prefix
/// wildcard whose every match is in the list.
pub fn minimize_actions(actions: &NameSet) -> NameSet {
    let mut out = NameSet::new();
    let mut by_service: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    for action in actions {
        match action.split_once(':') {
            Some((service, name)) if !wildcard::has_wildcard(action) => {
                by_service
                    .entry(service.to_ascii_lowercase())
                    .or_default()
                    .insert(name.to_ascii_lowercase());
            }
            _ => {
                out.insert(action.clone());
            }
        }
    }
    for (prefix, granted) in by_service {
        let Some(service) = catalog().service(&prefix) else {
            out.extend(
                actions
                    .iter()
                    .filter(|a| a.to_ascii_lowercase().starts_with(&format!("{prefix}:")))
                    .cloned(),
            );
            continue;
        };
        let all: Vec<String> = service
            .actions
            .iter()
            .map(|a| a.name.to_ascii_lowercase())
            .collect();
        let original: Vec<&String> = actions
            .iter()
            .filter(|a| {
                a.split(':')
                    .next()
                    .is_some_and(|s| s.eq_ignore_ascii_case(&prefix))
            })
            .collect();
        // Actions the catalog does not know are kept as written.
        let unknown: Vec<&String> = original
            .iter()
            .copied()
            .filter(|a| {
                !all.contains(
                    &a.split_once(':')
                        .map_or(String::new(), |(_, n)| n.to_ascii_lowercase()),
                )
            })
            .collect();
        if !all.is_empty() && all.iter().all(|a| granted.contains(a)) {
            out.insert(format!("{prefix}:*"));
            out.extend(unknown.into_iter().cloned());
            continue;
        }
        let mut chosen: BTreeSet<String> = BTreeSet::new();
        for action in original {
            let Some((_, name)) = action.split_once(':') else {
                continue;
            };
            let lower = name.to_ascii_lowercase();
            if !all.contains(&lower) {
                chosen.insert(action.clone());
                continue;
            }
            // The shortest prefix whose matches are all granted; the name itself at worst.
            let mut replacement = action.clone();
            for end in (1..lower.len()).filter(|&i| lower.is_char_boundary(i)) {
                let stem = &lower[..end];
                if all
                    .iter()
                    .filter(|a| a.starts_with(stem))
                    .all(|a| granted.contains(a))
                {
                    let candidate = format!("{prefix}:{}*", &name[..end]);
                    if candidate.len() < action.len() {
                        replacement = candidate;
                    }
                    break;
                }
            }
            chosen.insert(replacement);
        }
        out.extend(chosen);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a list of actions and wildcards grants, as exact catalog actions.
    fn grants(list: &NameSet) -> NameSet {
        list.iter()
            .flat_map(|a| {
                catalog()
                    .match_actions(a)
                    .into_iter()
                    .map(|(_, x)| x.full_name().to_string())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn minimized_lists_grant_exactly_the_same_actions() {
        let service = catalog().service("s3").expect("s3");
        let reads: NameSet = service
            .actions
            .iter()
            .filter(|a| a.level() == iamdsl_catalog::Level::Read)
            .map(|a| a.full_name().to_string())
            .collect();
        let minimized = minimize_actions(&reads);
        assert!(minimized.len() < reads.len(), "{minimized:?}");
        assert_eq!(grants(&minimized), reads);
        let every: NameSet = service
            .actions
            .iter()
            .map(|a| a.full_name().to_string())
            .collect();
        assert_eq!(
            minimize_actions(&every),
            NameSet::from(["s3:*".to_string()])
        );
        let one = NameSet::from(["s3:GetObject".to_string()]);
        assert_eq!(minimize_actions(&one), one);
    }
}
