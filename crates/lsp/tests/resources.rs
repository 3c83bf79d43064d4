//! Resources with policies of their own (`resource logs = s3.bucket(…) { … }`), through the
//! protocol: the server of `iamdsl lsp` in process, on an in-memory pipe, as an editor drives it.
//! Hover shows a resource's policy as its service stores it, completion knows the kinds, the
//! principals after `to` and the declared resources, and navigation, rename, symbols, semantic
//! tokens and inlay hints take resources in.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::Path;
use std::pin::Pin;
use std::sync::mpsc;
use std::task::{Context, Poll};
use std::time::Duration;

use serde_json::{json, Value};

const MAIN: &str = r#"account prod = "111111111111" default
account audit = "222222222222"

/// The central log bucket; the audit account's reader reads it.
resource logs = s3.bucket("acme-logs") {
  allow read, list to role auditor
  deny * to * when aws:SecureTransport == false
}

/// Order events.
resource events = sns.topic("order-events") {
  allow sns:Publish to role app
}

/// Takes the order events only.
resource jobs = sqs.queue("jobs") {
  allow sqs:SendMessage to service sns when aws:SourceArn == events
}

/// Declared with no policy.
resource scratch = s3.bucket("acme-scratch")

role app {
  trust { service lambda }
  allow sns:Publish on events
  allow s3:GetObject on logs
}

in audit {
  role auditor {
    trust { account audit }
    allow read on logs
  }
}
"#;

/// The server's output, as bytes, into a channel the client reads on its own thread.
struct ChannelWriter(mpsc::Sender<Vec<u8>>);

impl tokio::io::AsyncWrite for ChannelWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let _ = self.0.send(buf.to_vec());
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// An editor: JSON-RPC messages framed with `Content-Length`, to and from the server.
struct Client {
    input: tokio::sync::mpsc::UnboundedSender<Vec<u8>>,
    messages: mpsc::Receiver<Value>,
    next_id: i64,
    _dir: tempfile::TempDir,
    uri: String,
    version: i64,
}

impl Client {
    /// A server with `MAIN` open (in a project of its own), once it has published its
    /// diagnostics, which must be none.
    fn start() -> Client {
        let (input, server_input) = tokio::sync::mpsc::unbounded_channel();
        let (output, server_output) = mpsc::channel::<Vec<u8>>();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(iamdsl_lsp::serve(server_input, ChannelWriter(output)));
        });
        let (sender, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buffer: Vec<u8> = Vec::new();
            while let Ok(chunk) = server_output.recv() {
                buffer.extend_from_slice(&chunk);
                while let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                    let header = String::from_utf8_lossy(&buffer[..end]).to_string();
                    let length: usize = header
                        .trim()
                        .strip_prefix("Content-Length: ")
                        .unwrap()
                        .parse()
                        .unwrap();
                    if buffer.len() < end + 4 + length {
                        break;
                    }
                    let body = serde_json::from_slice(&buffer[end + 4..end + 4 + length]).unwrap();
                    buffer.drain(..end + 4 + length);
                    if sender.send(body).is_err() {
                        return;
                    }
                }
            }
        });
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("iamdsl.toml"),
            "[defaults]\nregion = \"eu-west-1\"\n",
        )
        .unwrap();
        let path = dir.path().join("main.iamdsl");
        std::fs::write(&path, MAIN).unwrap();
        let uri = url(&path);
        let mut client = Client {
            input,
            messages,
            next_id: 1,
            _dir: dir,
            uri,
            version: 1,
        };
        client.request("initialize", json!({ "capabilities": {} }));
        client.notify("initialized", json!({}));
        client.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": client.uri, "languageId": "iamdsl", "version": 1, "text": MAIN } }),
        );
        let diagnostics = client.diagnostics();
        assert!(diagnostics.is_empty(), "{diagnostics:#?}");
        client
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        let mut bytes = Vec::new();
        write!(bytes, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.input.send(bytes).unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn next(&mut self) -> Value {
        self.messages
            .recv_timeout(Duration::from_secs(60))
            .expect("the server went quiet")
    }

    /// The result of a request (the server's notifications meanwhile are dropped).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let message = self.next();
            if message["id"] == id && message.get("method").is_none() {
                assert!(message.get("error").is_none(), "{method}: {message}");
                return message["result"].clone();
            }
        }
    }

    /// The next diagnostics published for the document.
    fn diagnostics(&mut self) -> Vec<Value> {
        loop {
            let message = self.next();
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == self.uri.as_str()
            {
                return message["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
    }

    /// The document's whole text replaced by `text`.
    fn change(&mut self, text: &str) {
        self.version += 1;
        let (uri, version) = (self.uri.clone(), self.version);
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
    }

    /// `method` at `position` of the document.
    fn at(&mut self, method: &str, position: Value, extra: Value) -> Value {
        let mut params = json!({ "textDocument": { "uri": self.uri }, "position": position });
        if let (Some(params), Some(extra)) = (params.as_object_mut(), extra.as_object()) {
            params.extend(extra.clone());
        }
        self.request(method, params)
    }

    fn hover(&mut self, position: Value) -> String {
        let hover = self.at("textDocument/hover", position, json!({}));
        hover["contents"]["value"]
            .as_str()
            .unwrap_or_else(|| panic!("no markdown hover: {hover}"))
            .to_string()
    }

    /// The labels completion offers at the `|` of `marked`, appended to `MAIN` on a line of its
    /// own (so that the project's declarations are known).
    fn complete(&mut self, marked: &str) -> Vec<String> {
        let text = format!("{MAIN}{}", marked.replacen('|', "", 1));
        let cursor = MAIN.len() + marked.find('|').unwrap();
        self.change(&text);
        let list = self.at(
            "textDocument/completion",
            position(&text, cursor),
            json!({}),
        );
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["label"].as_str().unwrap().to_string())
            .collect()
    }
}

fn url(path: &Path) -> String {
    tower_lsp::lsp_types::Url::from_file_path(path)
        .unwrap()
        .to_string()
}

/// The protocol's position (UTF-16 columns) of byte `offset` of `text`.
fn position(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    json!({ "line": line, "character": before[start..].encode_utf16().count() })
}

/// The position `offset` bytes into the `nth` (0-based) occurrence of `needle` in `MAIN`.
fn at(needle: &str, nth: usize, offset: usize) -> Value {
    let found = MAIN
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("no {needle:?} #{nth}"));
    position(MAIN, found.0 + offset)
}

/// The text of `MAIN` a protocol range covers (one line).
fn covered(range: &Value) -> String {
    let line = MAIN
        .lines()
        .nth(range["start"]["line"].as_u64().unwrap() as usize)
        .unwrap();
    let (start, end) = (
        range["start"]["character"].as_u64().unwrap() as usize,
        range["end"]["character"].as_u64().unwrap() as usize,
    );
    line[start..end].to_string()
}

#[test]
fn hover_shows_a_resources_policy_as_its_service_stores_it() {
    let mut client = Client::start();
    // On the declaration and on a use in `on`: the same hover.
    let declared = client.hover(at("resource logs", 0, 10));
    let used = client.hover(at("on logs", 1, 4));
    assert_eq!(declared, used);
    for part in [
        "**resource `logs` = s3.bucket**",
        "The central log bucket; the audit account's reader reads it.",
        "`arn:aws:s3:::acme-logs`, in account `prod` (111111111111)",
        "Bucket policy:\n```json\n{\n  \"Version\": \"2012-10-17\"",
        "\"arn:aws:iam::222222222222:role/auditor\"",
        "\"aws:SecureTransport\"",
    ] {
        assert!(declared.contains(part), "missing {part:?} in\n{declared}");
    }
    // A topic's policy carries the `Id` SNS asks for: the stored form, not the bare document.
    // Hovered where the name stands for the topic's ARN, as a condition's value.
    let topic = client.hover(at("== events", 0, 4));
    for part in [
        "**resource `events` = sns.topic**",
        "Topic policy:",
        "\"Id\": \"iamdsl-order-events\"",
        "\"arn:aws:sns:eu-west-1:111111111111:order-events\"",
    ] {
        assert!(topic.contains(part), "missing {part:?} in\n{topic}");
    }
    // An access level in a resource's statement: what it expands to there.
    let intent = client.hover(at("read, list to", 0, 1));
    assert!(
        intent.contains("**read** expands to:")
            && intent.contains("s3:GetObject")
            && intent.contains("\"Principal\""),
        "{intent}"
    );
    let bare = client.hover(at("resource scratch", 0, 10));
    assert!(
        bare.contains("No bucket policy: declared without one."),
        "{bare}"
    );
}

#[test]
fn completion_offers_kinds_principals_and_declared_resources() {
    let mut client = Client::start();
    // The kinds of resource with a policy of their own, after `resource NAME =`.
    assert_eq!(
        client.complete("resource x = |"),
        [
            "s3.bucket",
            "kms.key",
            "sqs.queue",
            "sns.topic",
            "lambda.function",
            "secretsmanager.secret",
            "ecr.repository"
        ]
    );
    assert_eq!(
        client.complete("resource x in audit = s|"),
        [
            "s3.bucket",
            "sqs.queue",
            "sns.topic",
            "secretsmanager.secret"
        ]
    );
    // After `to`: the kinds of principal a resource's policy names, then what each names.
    assert_eq!(
        client.complete("resource x = s3.bucket(\"x\") {\n  allow read to |"),
        ["role", "user", "account", "service", "org"]
    );
    assert_eq!(
        client.complete("resource x = s3.bucket(\"x\") {\n  allow read to role |"),
        ["app", "auditor"]
    );
    assert_eq!(
        client.complete(
            "resource x = s3.bucket(\"x\") {\n  allow read on s3.object(\"x\", \"*\") to account |"
        ),
        ["audit", "prod"]
    );
    assert_eq!(
        client.complete("resource x = s3.bucket(\"x\") {\n  allow read to role app, |"),
        ["role", "user", "account", "service", "org"]
    );
    // A resource's policy goes on with `to` after its actions and its resources.
    assert_eq!(
        client.complete("resource x = s3.bucket(\"x\") {\n  allow read |"),
        ["on", "to", "except"]
    );
    assert_eq!(
        client.complete("resource x = s3.bucket(\"x\") {\n  allow read on * |"),
        ["except", "to"]
    );
    // Its statements are permissions.
    assert_eq!(
        client.complete("resource x = s3.bucket(\"x\") {\n  |"),
        ["allow", "deny"]
    );
    // A trust policy names no organization.
    assert_eq!(
        client.complete("role r {\n  trust { |"),
        ["service", "account", "role", "user", "saml", "oidc"]
    );
    // After `on`: the declared resources too.
    assert_eq!(
        client.complete("role r {\n  allow read on |"),
        ["events", "jobs", "logs", "scratch", "arn"]
    );
    // The declared resource first, then the services it may begin (`logs.log_group(…)`).
    let typed = client.complete("role r {\n  allow read on lo|");
    assert_eq!(typed.first().map(String::as_str), Some("logs"), "{typed:?}");
    assert!(typed.contains(&"lookoutvision".to_string()), "{typed:?}");
    // After one, what continues the statement (a new one may start there too, as after `on *`).
    let after = client.complete("role r {\n  allow read on logs |");
    assert!(
        after.ends_with(&["except".into(), "when".into(), "until".into()]),
        "{after:?}"
    );
    // A resource's name stands for its ARN where a value goes.
    let value = client.complete("role r {\n  allow read on * when aws:SourceArn == |");
    assert!(
        value.contains(&"logs".to_string()) && value.contains(&"events".to_string()),
        "{value:?}"
    );
}

#[test]
fn rename_of_a_resource_renames_its_uses_in_on_and_in_values() {
    let mut client = Client::start();
    // Go to definition from a use, and every reference, from the declaration.
    let definition = client.at("textDocument/definition", at("on events", 0, 4), json!({}));
    assert_eq!(definition["range"]["start"], at("resource events", 0, 9));
    assert_eq!(covered(&definition["range"]), "events");
    let references = client.at(
        "textDocument/references",
        at("resource events", 0, 10),
        json!({ "context": { "includeDeclaration": true } }),
    );
    let starts: Vec<&Value> = references
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["range"]["start"])
        .collect();
    let expected = [
        at("resource events", 0, 9),
        at("== events", 0, 3),
        at("on events", 0, 3),
    ];
    assert_eq!(starts.len(), 3, "{references}");
    assert!(expected.iter().all(|e| starts.contains(&e)), "{references}");

    let edit = client.at(
        "textDocument/rename",
        at("== events", 0, 4),
        json!({ "newName": "order_events" }),
    );
    let edits = edit["changes"][client.uri.as_str()]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(edits.len(), 3, "{edit}");
    assert!(edits
        .iter()
        .all(|e| covered(&e["range"]) == "events" && e["newText"] == "order_events"));
    // Applied (from the end), the project still checks without a diagnostic.
    let mut renamed = MAIN.to_string();
    let mut offsets: Vec<usize> = edits
        .iter()
        .map(|e| {
            let line = e["range"]["start"]["line"].as_u64().unwrap() as usize;
            let column = e["range"]["start"]["character"].as_u64().unwrap() as usize;
            MAIN.lines().take(line).map(|l| l.len() + 1).sum::<usize>() + column
        })
        .collect();
    offsets.sort_unstable_by(|a, b| b.cmp(a));
    for offset in offsets {
        renamed.replace_range(offset..offset + "events".len(), "order_events");
    }
    assert!(renamed.contains("resource order_events = sns.topic"));
    assert!(renamed.contains("aws:SourceArn == order_events"));
    assert!(renamed.contains("allow sns:Publish on order_events"));
    client.change(&renamed);
    let diagnostics = client.diagnostics();
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
}

#[test]
fn symbols_semantic_tokens_and_inlay_hints_take_resources_in() {
    let mut client = Client::start();
    let uri = client.uri.clone();
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    );
    let logs = symbols
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "logs")
        .unwrap_or_else(|| panic!("{symbols}"));
    // SymbolKind::PACKAGE
    assert_eq!(logs["kind"], 4, "{logs}");

    let tokens = client.request(
        "textDocument/semanticTokens/full",
        json!({ "textDocument": { "uri": uri } }),
    );
    let data: Vec<u64> = tokens["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect();
    let (mut line, mut start) = (0, 0);
    let mut decoded: Vec<(String, u64)> = Vec::new();
    for token in data.chunks(5) {
        line += token[0];
        start = if token[0] == 0 {
            start + token[1]
        } else {
            token[1]
        };
        let text = MAIN.lines().nth(line as usize).unwrap();
        decoded.push((
            text[start as usize..(start + token[2]) as usize].to_string(),
            token[3],
        ));
    }
    // Keywords (0), and the resource's name where declared and used (5, a declared name).
    for expected in [("resource", 0), ("to", 0), ("logs", 5)] {
        assert!(
            decoded.contains(&(expected.0.to_string(), expected.1)),
            "{expected:?} in {decoded:?}"
        );
    }
    assert_eq!(
        decoded
            .iter()
            .filter(|t| *t == &("logs".to_string(), 5))
            .count(),
        3,
        "{decoded:?}"
    );

    // The intent of a resource's statement: how many actions it expands to.
    let hints = client.request(
        "textDocument/inlayHint",
        json!({ "textDocument": { "uri": uri }, "range": {
            "start": { "line": 0, "character": 0 },
            "end": { "line": MAIN.lines().count(), "character": 0 } } }),
    );
    let positions: Vec<&Value> = hints
        .as_array()
        .unwrap()
        .iter()
        .map(|h| &h["position"])
        .collect();
    assert!(positions.contains(&&at("read, list to", 0, 10)), "{hints}");
}
