//! "Did you mean …?" for every kind of name: declarations, keywords, AWS actions and keys.

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions), ASCII
/// case-insensitive, so that `s3:getobjekt` is close to `s3:GetObject`.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let width = b.len() + 1;
    let mut rows = vec![0usize; (a.len() + 1) * width];
    let at = |i: usize, j: usize| i * width + j;
    for j in 0..=b.len() {
        rows[at(0, j)] = j;
    }
    for i in 1..=a.len() {
        rows[at(i, 0)] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[at(i - 1, j)] + 1)
                .min(rows[at(i, j - 1)] + 1)
                .min(rows[at(i - 1, j - 1)] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[at(i - 2, j - 2)] + 1);
            }
            rows[at(i, j)] = best;
        }
    }
    rows[at(a.len(), b.len())]
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn closest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    // A third of the length, at least one edit, at most three.
    let limit = (word.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate.len().abs_diff(word.len()) > limit {
            continue;
        }
        let distance = edit_distance(word, candidate);
        if distance <= limit
            && best.is_none_or(|(d, c)| distance < d || (distance == d && candidate < c))
        {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_word() {
        assert_eq!(edit_distance("alow", "allow"), 1);
        assert_eq!(edit_distance("GetObjekt", "GetObject"), 1);
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(closest("alow", ["allow", "deny", "attach"]), Some("allow"));
        assert_eq!(
            closest("s3:GetObjekt", ["s3:GetObject", "s3:PutObject"]),
            Some("s3:GetObject")
        );
        assert_eq!(closest("zzzz", ["allow", "deny"]), None);
    }
}
