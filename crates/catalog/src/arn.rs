//! ARN templates such as `arn:${Partition}:s3:::${BucketName}/${ObjectName}`: their parameters,
//! filling them in, and recognising which template a concrete ARN follows.

use std::collections::BTreeMap;

/// The variables every ARN may use and iamdsl fills from context, not from positional arguments.
pub const CONTEXT_VARIABLES: [&str; 3] = ["Partition", "Region", "Account"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Literal(String),
    Variable(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArnTemplate {
    pub text: String,
    pub segments: Vec<Segment>,
}

impl ArnTemplate {
    pub fn parse(text: &str) -> ArnTemplate {
        let mut segments = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            if start > 0 {
                segments.push(Segment::Literal(rest[..start].to_string()));
            }
            segments.push(Segment::Variable(rest[start + 2..start + len].to_string()));
            rest = &rest[start + len + 1..];
        }
        if !rest.is_empty() {
            segments.push(Segment::Literal(rest.to_string()));
        }
        ArnTemplate {
            text: text.to_string(),
            segments,
        }
    }

    /// The variables a constructor takes positionally, in order: all but partition, region and
    /// account, each once.
    pub fn parameters(&self) -> Vec<&str> {
        let mut params: Vec<&str> = Vec::new();
        for segment in &self.segments {
            if let Segment::Variable(name) = segment {
                if !CONTEXT_VARIABLES.contains(&name.as_str()) && !params.contains(&name.as_str()) {
                    params.push(name);
                }
            }
        }
        params
    }

    pub fn uses(&self, variable: &str) -> bool {
        self.segments
            .iter()
            .any(|s| matches!(s, Segment::Variable(v) if v == variable))
    }

    /// The ARN with every variable replaced by `value(variable)`.
    pub fn fill<'v>(&self, mut value: impl FnMut(&str) -> &'v str) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Literal(text) => out.push_str(text),
                Segment::Variable(name) => out.push_str(value(name)),
            }
        }
        out
    }

    /// Characters of the template that are fixed text: more means more specific.
    pub fn specificity(&self) -> usize {
        self.segments
            .iter()
            .map(|s| match s {
                Segment::Literal(text) => text.len(),
                Segment::Variable(_) => 0,
            })
            .sum()
    }

    /// Whether `arn` follows this template. Fixed text must match exactly; a variable takes any
    /// non-empty text (partition, region and account never contain `:`, and region and account
    /// may be empty, as in S3 and IAM ARNs). A `*` in the ARN stands inside a variable only.
    pub fn matches(&self, arn: &str) -> bool {
        match_segments(&self.segments, arn, None)
    }

    /// The values of the template's variables that spell `arn`, if it follows the template
    /// (as [`ArnTemplate::matches`] reads it, a variable that appears twice the same both times).
    pub fn captures(&self, arn: &str) -> Option<BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        match_segments(&self.segments, arn, Some(&mut out)).then_some(out)
    }
}

/// Whether `text` follows `segments`. With `captures`, also the value of each variable: each as
/// short as the rest allows (a bucket's name ends at its first `/`), a variable that appears
/// twice the same both times.
fn match_segments(
    segments: &[Segment],
    text: &str,
    mut captures: Option<&mut BTreeMap<String, String>>,
) -> bool {
    let Some((first, rest)) = segments.split_first() else {
        return text.is_empty();
    };
    match first {
        Segment::Literal(literal) => text
            .strip_prefix(literal.as_str())
            .is_some_and(|tail| match_segments(rest, tail, captures)),
        Segment::Variable(name) => {
            let context = CONTEXT_VARIABLES.contains(&name.as_str());
            let min = usize::from(name == "Partition" || !context);
            // A context variable never holds `:`: it ends at the first one at the latest.
            let limit = if context {
                text.find(':').unwrap_or(text.len())
            } else {
                text.len()
            };
            let mut ends_here = |end: usize| {
                if end < min || end > limit {
                    return false;
                }
                let Some(out) = captures.as_deref_mut() else {
                    return match_segments(rest, &text[end..], None);
                };
                let value = &text[..end];
                if out.get(name).is_some_and(|earlier| earlier != value) {
                    return false;
                }
                let fresh = out.insert(name.clone(), value.to_string()).is_none();
                if match_segments(rest, &text[end..], Some(&mut *out)) {
                    return true;
                }
                if fresh {
                    out.remove(name);
                }
                false
            };
            match rest.first() {
                // Last segment: the variable takes the rest.
                None => ends_here(text.len()),
                // Followed by fixed text: it can only end where that text starts.
                Some(Segment::Literal(next)) => match next.as_bytes().first() {
                    // Templates' fixed text starts with ASCII (`:`, `/`): where that byte is,
                    // a char starts, and checking it there is cheaper than a substring
                    // searcher built on every call (most of import's time otherwise).
                    Some(&first) if first.is_ascii() => text
                        .bytes()
                        .enumerate()
                        .filter(|&(i, b)| b == first && text[i..].starts_with(next.as_str()))
                        .map(|(i, _)| i)
                        .any(&mut ends_here),
                    _ => text
                        .match_indices(next.as_str())
                        .map(|(i, _)| i)
                        .any(&mut ends_here),
                },
                Some(Segment::Variable(_)) => text
                    .char_indices()
                    .map(|(i, _)| i)
                    .chain(std::iter::once(text.len()))
                    .any(&mut ends_here),
            }
        }
    }
}

/// The service namespace of an ARN (`arn:PARTITION:SERVICE:…`), if it looks like one.
pub fn arn_service(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(4, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("arn"), Some(_), Some(service)) if !service.is_empty() => Some(service),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_read_from_an_arn() {
        let template = ArnTemplate::parse("arn:${Partition}:s3:::${BucketName}/${ObjectName}");
        let values = template.captures("arn:aws:s3:::logs/AWSLogs/1/*").unwrap();
        assert_eq!(values["BucketName"], "logs");
        assert_eq!(values["ObjectName"], "AWSLogs/1/*");
        assert_eq!(values["Partition"], "aws");
        let template = ArnTemplate::parse(
            "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}",
        );
        let values = template
            .captures("arn:aws:logs:eu-west-1:111111111111:log-group:/aws/x:log-stream:*")
            .unwrap();
        assert_eq!(values["LogGroupName"], "/aws/x");
        assert_eq!(values["LogStreamName"], "*");
        assert_eq!(values["Region"], "eu-west-1");
        assert!(template.captures("arn:aws:s3:::logs").is_none());
    }

    #[test]
    fn parameters_fill_and_match() {
        let object = ArnTemplate::parse("arn:${Partition}:s3:::${BucketName}/${ObjectName}");
        assert_eq!(object.parameters(), vec!["BucketName", "ObjectName"]);
        let filled = object.fill(|v| match v {
            "Partition" => "aws",
            "BucketName" => "logs",
            _ => "*",
        });
        assert_eq!(filled, "arn:aws:s3:::logs/*");
        assert!(object.matches("arn:aws:s3:::logs/*"));
        assert!(object.matches("arn:aws:s3:::logs/a/b.txt"));
        assert!(!object.matches("arn:aws:s3:::logs"));

        let bucket = ArnTemplate::parse("arn:${Partition}:s3:::${BucketName}");
        assert!(bucket.matches("arn:aws:s3:::logs"));
        // A bucket template also matches `b/k` (the variable takes the slash); specificity decides.
        assert!(object.specificity() > bucket.specificity());

        let group = ArnTemplate::parse(
            "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}",
        );
        assert!(group.matches("arn:aws:logs:eu-west-1:111111111111:log-group:/aws/lambda/x:*"));
        assert!(group.matches("arn:aws:logs:*:*:log-group:/aws/lambda/x"));
        let role = ArnTemplate::parse("arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}");
        assert!(role.matches("arn:aws:iam::111111111111:role/ops/deployer"));
        assert!(!role.matches("arn:aws:iam::111111111111:user/alice"));
        assert_eq!(arn_service("arn:aws:iam::1:role/x"), Some("iam"));
        assert_eq!(arn_service("not an arn"), None);
    }
}
