//! [`NameSet`]: the set of strings a policy lists (actions, resources, principals, condition
//! values), kept as one sorted vector.
//!
//! A large project holds hundreds of thousands of these lists, most of one to three entries. A
//! `BTreeSet<String>` gives each its own tree node of room for eleven; a sorted vector holds
//! exactly its entries, which took a 2,000-role build's memory and time down (see
//! docs/performance.md). Order, equality, ordering and hashing are those of the sorted entries,
//! as they were with the tree.

use std::fmt;

/// Sorted, distinct strings.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NameSet(Vec<String>);

impl NameSet {
    pub fn new() -> NameSet {
        NameSet(Vec::new())
    }

    /// Adds `name`; false when it was there already.
    pub fn insert(&mut self, name: String) -> bool {
        match self.0.binary_search(&name) {
            Ok(_) => false,
            Err(at) => {
                self.0.insert(at, name);
                true
            }
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0
            .binary_search_by(|entry| entry.as_str().cmp(name))
            .is_ok()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, String> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn retain(&mut self, keep: impl FnMut(&String) -> bool) {
        self.0.retain(keep);
    }

    /// Every entry of `self` is in `other`.
    pub fn is_subset(&self, other: &NameSet) -> bool {
        self.len() <= other.len() && self.iter().all(|name| other.contains(name))
    }

    fn normalize(&mut self) {
        // A stable sort finds the sorted runs: a set extended by another sorts in linear time.
        self.0.sort();
        self.0.dedup();
        self.0.shrink_to_fit();
    }
}

impl Extend<String> for NameSet {
    fn extend<I: IntoIterator<Item = String>>(&mut self, names: I) {
        let before = self.0.len();
        self.0.extend(names);
        if self.0.len() != before {
            self.normalize();
        }
    }
}

impl FromIterator<String> for NameSet {
    fn from_iter<I: IntoIterator<Item = String>>(names: I) -> NameSet {
        let mut set = NameSet(names.into_iter().collect());
        set.normalize();
        set
    }
}

impl<const N: usize> From<[String; N]> for NameSet {
    fn from(names: [String; N]) -> NameSet {
        names.into_iter().collect()
    }
}

impl IntoIterator for NameSet {
    type Item = String;
    type IntoIter = std::vec::IntoIter<String>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a NameSet {
    type Item = &'a String;
    type IntoIter = std::slice::Iter<'a, String>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Debug for NameSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::NameSet;

    proptest! {
        /// Whatever is inserted, extended or kept, the set holds what a tree set
        /// would, in the same order, and compares as it would.
        #[test]
        fn behaves_as_a_tree_set(
            steps in prop::collection::vec((0u8..3, prop::collection::vec("[a-d]{0,2}", 0..4)), 0..30),
            other in prop::collection::vec("[a-d]{0,2}", 0..6),
        ) {
            let mut ours = NameSet::new();
            let mut tree = BTreeSet::new();
            for (step, names) in steps {
                match step {
                    0 => for name in names {
                        prop_assert_eq!(ours.insert(name.clone()), tree.insert(name));
                    },
                    1 => {
                        ours.extend(names.clone());
                        tree.extend(names);
                    }
                    _ => {
                        ours.retain(|n| !names.contains(n));
                        tree.retain(|n| !names.contains(n));
                    }
                }
                prop_assert!(ours.iter().eq(tree.iter()));
                prop_assert_eq!(ours.len(), tree.len());
            }
            let other_ours: NameSet = other.iter().cloned().collect();
            let other_tree: BTreeSet<String> = other.into_iter().collect();
            prop_assert_eq!(ours.cmp(&other_ours), tree.cmp(&other_tree));
            prop_assert_eq!(ours == other_ours, tree == other_tree);
            prop_assert_eq!(ours.is_subset(&other_ours), tree.is_subset(&other_tree));
            for name in ["", "a", "ab", "d"] {
                prop_assert_eq!(ours.contains(name), tree.contains(name));
            }
        }
    }
}
