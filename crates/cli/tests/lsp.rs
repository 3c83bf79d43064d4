//! The language server, driven as an editor drives it: the real binary over stdio, JSON-RPC.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use serde_json::{json, Value};

struct Server {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_iamdsl"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(value) = line.strip_prefix("Content-Length: ") {
                        length = value.parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                if sender.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        Server {
            child,
            stdin,
            messages,
            next_id: 1,
        }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        let message = if params.is_null() {
            json!({ "jsonrpc": "2.0", "method": method })
        } else {
            json!({ "jsonrpc": "2.0", "method": method, "params": params })
        };
        self.send(message);
    }

    /// Sends a request and returns its result, skipping notifications meanwhile.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let message = if params.is_null() {
            json!({ "jsonrpc": "2.0", "id": id, "method": method })
        } else {
            json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })
        };
        self.send(message);
        loop {
            let message = self
                .messages
                .recv_timeout(Duration::from_secs(20))
                .expect("no answer from the server");
            if message["id"] == id {
                assert!(message.get("error").is_none(), "{method}: {message}");
                return message["result"].clone();
            }
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics_for(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let message = self
                .messages
                .recv_timeout(Duration::from_secs(20))
                .expect("no diagnostics from the server");
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == uri
            {
                return message["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
    }

    fn stop(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        // Editors close the pipe after `exit`; the server ends when it does.
        drop(self.stdin);
        let status = self.child.wait().unwrap();
        assert!(status.success());
    }
}

fn copy_example(into: &Path) -> PathBuf {
    let target = into.join("platform");
    copy_dir(&repo_root().join("examples/platform"), &target);
    target
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn open(server: &mut Server, path: &Path) -> (String, String) {
    let text = std::fs::read_to_string(path).unwrap();
    let uri = uri(path);
    server.notify("textDocument/didOpen", json!({ "textDocument": { "uri": uri, "languageId": "iamdsl", "version": 1, "text": text } }));
    (uri, text)
}

fn position_of(text: &str, needle: &str, offset_in_needle: usize) -> Value {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in text"))
        + offset_in_needle;
    let line = text[..at].matches('\n').count();
    let column = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({ "line": line, "character": column })
}

#[test]
fn an_editor_session_on_the_example() {
    let dir = tempfile::tempdir().unwrap();
    let platform = copy_example(dir.path());
    let mut server = Server::start();
    let init = server.request(
        "initialize",
        json!({ "processId": null, "rootUri": uri(&platform), "capabilities": {} }),
    );
    assert_eq!(init["serverInfo"]["name"], "iamdsl");
    server.notify("initialized", json!({}));

    // Open a file: the example is clean.
    let people = platform.join("people.iamdsl");
    let (people_uri, people_text) = open(&mut server, &people);
    assert_eq!(server.diagnostics_for(&people_uri), Vec::<Value>::new());

    // Introduce a mistake: its diagnostic appears, with its code; fix it: it is cleared.
    let broken = people_text.replace("attach log_reader", "attach log_raeder");
    server.notify("textDocument/didChange", json!({ "textDocument": { "uri": people_uri, "version": 2 }, "contentChanges": [{ "text": broken }] }));
    let diagnostics = server.diagnostics_for(&people_uri);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "E0204");
    assert!(diagnostics[0]["message"]
        .as_str()
        .unwrap()
        .contains("did you mean `log_reader`?"));
    assert_eq!(
        diagnostics[0]["range"]["start"],
        position_of(&broken, "log_raeder", 0)
    );
    server.notify("textDocument/didChange", json!({ "textDocument": { "uri": people_uri, "version": 3 }, "contentChanges": [{ "text": people_text }] }));
    assert_eq!(server.diagnostics_for(&people_uri), Vec::<Value>::new());

    // Completion after `s3:Get` lists s3:GetObject with its access level.
    let typing = people_text.replace("allow write on dynamodb", "allow s3:Get");
    server.notify("textDocument/didChange", json!({ "textDocument": { "uri": people_uri, "version": 4 }, "contentChanges": [{ "text": typing }] }));
    server.diagnostics_for(&people_uri);
    let items = server.request("textDocument/completion", json!({ "textDocument": { "uri": people_uri }, "position": position_of(&typing, "s3:Get", 6) }));
    let object = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "s3:GetObject")
        .expect("s3:GetObject offered");
    assert_eq!(object["detail"], "Read");
    server.notify("textDocument/didChange", json!({ "textDocument": { "uri": people_uri, "version": 5 }, "contentChanges": [{ "text": people_text }] }));
    server.diagnostics_for(&people_uri);

    // Hover over a role shows its trust policy and permissions as JSON.
    let roles = platform.join("roles.iamdsl");
    let (roles_uri, roles_text) = open(&mut server, &roles);
    server.diagnostics_for(&roles_uri);
    let hover = server.request("textDocument/hover", json!({ "textDocument": { "uri": roles_uri }, "position": position_of(&roles_text, "role deployer", 6) }));
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(
        shown.contains("Trust policy:") && shown.contains("sts:AssumeRoleWithWebIdentity"),
        "{shown}"
    );
    assert!(shown.contains("lambda:UpdateFunctionCode"), "{shown}");
    let action = server.request("textDocument/hover", json!({ "textDocument": { "uri": roles_uri }, "position": position_of(&roles_text, "iam:PassRole", 5) }));
    assert!(action["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("**iam:PassRole** — Write"));

    // Go to definition of a policy used in another file.
    let definition = server.request("textDocument/definition", json!({ "textDocument": { "uri": roles_uri }, "position": position_of(&roles_text, "boundary platform_boundary", 10) }));
    assert_eq!(definition["uri"], uri(&platform.join("policies.iamdsl")));

    // Rename a group: every reference, in every file (one more file uses it, unsaved).
    let contractors = platform.join("contractors.iamdsl");
    let contractors_text = "user eve { groups = [developers] }\n";
    server.notify("textDocument/didOpen", json!({ "textDocument": { "uri": uri(&contractors), "languageId": "iamdsl", "version": 1, "text": contractors_text } }));
    assert_eq!(
        server.diagnostics_for(&uri(&contractors)),
        Vec::<Value>::new()
    );
    let edit = server.request("textDocument/rename", json!({ "textDocument": { "uri": people_uri }, "position": position_of(&people_text, "group developers", 7), "newName": "engineers" }));
    let edits = edit["changes"][&people_uri].as_array().unwrap();
    // The declaration and the two users' `groups`; not the words of the doc comment.
    assert_eq!(edits.len(), 3, "{edits:?}");
    assert!(edits
        .iter()
        .all(|e| e["range"]["start"] != position_of(&people_text, "developers.", 0)));
    let other = edit["changes"][uri(&contractors)].as_array().unwrap();
    assert_eq!(other.len(), 1);
    assert_eq!(
        other[0]["range"]["start"],
        position_of(contractors_text, "developers", 0)
    );
    assert!(edits.iter().all(|e| e["newText"] == "engineers"));
    let edit = server.request("textDocument/rename", json!({ "textDocument": { "uri": roles_uri }, "position": position_of(&roles_text, "boundary platform_boundary", 10), "newName": "guardrail" }));
    let files: Vec<&String> = edit["changes"].as_object().unwrap().keys().collect();
    assert_eq!(files.len(), 3, "{files:?}");
    server.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri(&contractors) } }),
    );

    // Formatting: the same formatter as `iamdsl fmt`.
    let messy = "role   r{trust{service ec2}}";
    let scratch = platform.join("scratch.iamdsl");
    let scratch_uri = uri(&scratch);
    server.notify("textDocument/didOpen", json!({ "textDocument": { "uri": scratch_uri, "languageId": "iamdsl", "version": 1, "text": messy } }));
    let edits = server.request("textDocument/formatting", json!({ "textDocument": { "uri": scratch_uri }, "options": { "tabSize": 2, "insertSpaces": true } }));
    assert_eq!(edits[0]["newText"], "role r { trust { service ec2 } }\n");

    let symbols = server.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": roles_uri } }),
    );
    assert!(symbols
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"] == "deployer"));
    server.stop();
}

#[test]
fn a_file_outside_any_project_with_syntax_errors_still_gets_answers() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alone.iamdsl");
    let text = "account prod = \"111111111111\"\nrole web {\n  trust { service ec2 }\n  allow s3:GetObject on\n}\nrole api { trust { service lambda } }\n";
    std::fs::write(&file, text).unwrap();
    let mut server = Server::start();
    server.request(
        "initialize",
        json!({ "processId": null, "rootUri": null, "capabilities": {} }),
    );
    let (file_uri, _) = open(&mut server, &file);
    let diagnostics = server.diagnostics_for(&file_uri);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "E0101");
    // What parsed still works: hover on the second role.
    let hover = server.request("textDocument/hover", json!({ "textDocument": { "uri": file_uri }, "position": position_of(text, "role api", 6) }));
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("role `api`"));
    server.stop();
}
