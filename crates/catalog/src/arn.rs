//! ARN templates such as `arn:${Partition}:s3:::${BucketName}/${ObjectName}`: their parameters,
//! filling them in, and recognising which template a concrete ARN follows.

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
        match_segments(&self.segments, arn)
    }
}

fn match_segments(segments: &[Segment], text: &str) -> bool {
    let Some((first, rest)) = segments.split_first() else {
        return text.is_empty();
    };
    match first {
        Segment::Literal(literal) => text
            .strip_prefix(literal.as_str())
            .is_some_and(|tail| match_segments(rest, tail)),
        Segment::Variable(name) => {
            let context = CONTEXT_VARIABLES.contains(&name.as_str());
            let min = usize::from(name == "Partition" || !context);
            // A context variable never holds `:`: it ends at the first one at the latest.
            let limit = if context {
                text.find(':').unwrap_or(text.len())
            } else {
                text.len()
            };
            let fits =
                |end: usize| end >= min && end <= limit && match_segments(rest, &text[end..]);
            match rest.first() {
                // Last segment: the variable takes the rest.
                None => fits(text.len()),
                // Followed by fixed text: it can only end where that text starts.
                Some(Segment::Literal(next)) => {
                    text.match_indices(next.as_str()).map(|(i, _)| i).any(fits)
                }
                Some(Segment::Variable(_)) => text
                    .char_indices()
                    .map(|(i, _)| i)
                    .chain(std::iter::once(text.len()))
                    .any(fits),
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
