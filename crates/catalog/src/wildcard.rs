//! IAM's wildcard matching: `*` is any run of characters (also none), `?` is one character.

/// Whether `text` matches `pattern`. Actions compare case-insensitively, resources exactly.
/// Works on bytes without allocating (the policy evaluator calls it per statement); `?` takes
/// one whole character.
pub fn matches(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let (pattern, text) = (pattern.as_bytes(), text.as_bytes());
    let same = |a: u8, b: u8| {
        if ignore_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    // The length of the character that starts at `text[t]` (UTF-8 lead byte).
    let char_len = |t: usize| match text[t] {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    };
    // Iterative matching with one backtrack point: linear in practice, never exponential.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(b'?') => {
                p += 1;
                t += char_len(t);
            }
            Some(&c) if same(c, text[t]) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    let next = star_t + char_len(star_t);
                    p = star_p + 1;
                    t = next;
                    star = Some((star_p, next));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|c| *c == b'*')
}

pub fn has_wildcard(text: &str) -> bool {
    text.contains(['*', '?'])
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn iam_wildcards() {
        assert!(matches("s3:Get*", "s3:GetObject", true));
        assert!(matches("s3:get*", "s3:GetObject", true));
        assert!(!matches("s3:get*", "s3:GetObject", false));
        assert!(matches("s3:*Object*", "s3:PutObjectAcl", true));
        assert!(matches("ec2:Describe?pcs", "ec2:DescribeVpcs", true));
        assert!(matches("*", "", true));
        assert!(!matches("s3:Get?", "s3:Get", true));
        assert!(matches("arn:aws:s3:::b/*", "arn:aws:s3:::b/", false));
        assert!(matches("a*b*c", "axxbyyc", false));
        assert!(!matches("a*b*c", "axxbyy", false));
        assert!(matches("caf?", "café", false));
        assert!(matches("*é", "caféé", false));
        assert!(!matches("caf??", "café", false));
    }
}
