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
        Server::start_with(Stdio::null())
    }

    fn start_with(stderr: Stdio) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_iamdsl"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
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

    /// Writes bytes as they are, framed or not.
    fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    /// The next message from the server, whatever it is.
    fn next_message(&mut self) -> Value {
        self.messages
            .recv_timeout(Duration::from_secs(20))
            .expect("no message from the server")
    }

    /// The next response (to a request or to malformed input), skipping notifications.
    fn next_response(&mut self) -> Value {
        loop {
            let message = self.next_message();
            if message.get("method").is_none() {
                return message;
            }
        }
    }

    /// The exit status once the process has ended by itself (stdin still open), within 10 s.
    fn wait_for_exit(&mut self) -> std::process::ExitStatus {
        for _ in 0..200 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("the server did not end after `exit` while its input stayed open");
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
    let object = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "s3:GetObject")
        .expect("s3:GetObject offered");
    assert_eq!(object["detail"], "Read");
    // It replaces the whole `s3:Get`, not only the word after `:`.
    assert_eq!(
        object["textEdit"],
        json!({ "range": { "start": position_of(&typing, "s3:Get", 0), "end": position_of(&typing, "s3:Get", 6) }, "newText": "s3:GetObject" })
    );
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

/// A project with one misspelled action (a quick fix) and a cross-file reference.
fn small_project(dir: &Path) -> (PathBuf, String) {
    std::fs::write(dir.join("iamdsl.toml"), "").unwrap();
    std::fs::write(
        dir.join("other.iamdsl"),
        "group ops { attach reader }\nuser ann { groups = [ops] }\n",
    )
    .unwrap();
    let main = dir.join("main.iamdsl");
    let text = "account prod = \"111111111111\" default\n\npolicy reader {\n  allow read on s3.bucket(\"acme-data\")\n}\n\nrole app {\n  trust { service lambda }\n  allow s3:GetObjekt on *\n}\n";
    std::fs::write(&main, text).unwrap();
    (main, text.to_string())
}

/// Every capability the server advertises answers through the protocol: each advertised
/// provider is called as an editor calls it, and one not listed here fails the test.
#[test]
fn every_advertised_capability_answers_through_the_protocol() {
    let dir = tempfile::tempdir().unwrap();
    let (main, text) = small_project(dir.path());
    let mut server = Server::start();
    let init = server.request(
        "initialize",
        json!({ "processId": null, "rootUri": uri(dir.path()), "capabilities": {} }),
    );
    server.notify("initialized", json!({}));
    let (main_uri, _) = open(&mut server, &main);
    let diagnostics = server.diagnostics_for(&main_uri);
    let typo = diagnostics
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("s3:GetObjekt"))
        .unwrap_or_else(|| panic!("{diagnostics:?}"))
        .clone();
    // The fix is data of the diagnostic: its kind, the range it replaces and the replacement.
    assert_eq!(
        typo["data"],
        json!({ "fix": { "kind": "typo", "range": typo["range"], "replacement": "s3:GetObject" } })
    );
    let document = json!({ "uri": main_uri });
    let at = |needle: &str, offset: usize| position_of(&text, needle, offset);
    let whole =
        json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 20, "character": 0 } });

    let mut advertised: Vec<String> = init["capabilities"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    advertised.sort();
    let mut called = Vec::new();
    let mut check = |capability: &str, result: Value, ok: &dyn Fn(&Value) -> bool| {
        assert!(ok(&result), "{capability}: unexpected answer {result}");
        called.push(capability.to_string());
    };
    // Document sync: didOpen above published diagnostics; didChange and didClose below.
    server.notify("textDocument/didChange", json!({ "textDocument": { "uri": main_uri, "version": 2 }, "contentChanges": [{ "text": text }] }));
    server.diagnostics_for(&main_uri);
    check(
        "textDocumentSync",
        init["capabilities"]["textDocumentSync"].clone(),
        // Incremental: range edits.
        &|v| v["change"] == 2 && v["openClose"] == true,
    );

    let hover = server.request(
        "textDocument/hover",
        json!({ "textDocument": document, "position": at("policy reader", 8) }),
    );
    check("hoverProvider", hover, &|v| {
        v["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .contains("policy `reader`")
    });
    let completion = server.request(
        "textDocument/completion",
        json!({ "textDocument": document, "position": at("s3:GetObjekt", 6) }),
    );
    check("completionProvider", completion, &|v| {
        v["items"].as_array().is_some_and(|items| {
            items.iter().any(|i| {
                i["label"] == "s3:GetObject"
                    && i["textEdit"]["range"]["start"] == at("s3:GetObjekt", 0)
            })
        })
    });
    let other_uri = uri(&dir.path().join("other.iamdsl"));
    let definition = server.request(
        "textDocument/definition",
        json!({ "textDocument": { "uri": other_uri }, "position": { "line": 0, "character": 21 } }),
    );
    check("definitionProvider", definition, &|v| {
        v["uri"] == main_uri.as_str() && v["range"]["start"] == at("reader", 0)
    });
    let references = server.request("textDocument/references", json!({ "textDocument": document, "position": at("reader", 0), "context": { "includeDeclaration": true } }));
    check("referencesProvider", references, &|v| {
        v.as_array().is_some_and(|r| r.len() == 2)
    });
    let rename = server.request(
        "textDocument/rename",
        json!({ "textDocument": document, "position": at("reader", 0), "newName": "data_reader" }),
    );
    check("renameProvider", rename, &|v| {
        v["changes"].as_object().is_some_and(|c| c.len() == 2)
    });
    let symbols = server.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": document }),
    );
    check("documentSymbolProvider", symbols, &|v| {
        v.as_array()
            .is_some_and(|s| s.iter().any(|s| s["name"] == "app"))
    });
    let formatting = server.request(
        "textDocument/formatting",
        json!({ "textDocument": document, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    check("documentFormattingProvider", formatting, &|v| v.is_array());
    let workspace = server.request("workspace/symbol", json!({ "query": "op" }));
    check("workspaceSymbolProvider", workspace, &|v| {
        v.as_array().is_some_and(|s| {
            s.iter()
                .any(|s| s["name"] == "ops" && s["location"]["uri"] == other_uri.as_str())
        })
    });
    let actions = server.request("textDocument/codeAction", json!({ "textDocument": document, "range": typo["range"], "context": { "diagnostics": [typo] } }));
    check("codeActionProvider", actions, &|v| {
        v[0]["kind"] == "quickfix"
            && v[0]["edit"]["changes"][&main_uri][0]["newText"] == "s3:GetObject"
            && v[0]["edit"]["changes"][&main_uri][0]["range"] == typo["range"]
    });
    let hints = server.request(
        "textDocument/inlayHint",
        json!({ "textDocument": document, "range": whole }),
    );
    check("inlayHintProvider", hints, &|v| {
        v.as_array().is_some_and(|h| {
            h.len() == 1 && h[0]["label"].as_str().unwrap_or("").ends_with(" actions")
        })
    });
    let tokens = server.request(
        "textDocument/semanticTokens/full",
        json!({ "textDocument": document }),
    );
    check("semanticTokensProvider", tokens, &|v| {
        // The first token is `account`, a keyword (type 0), at 0:0, seven long.
        v["data"].as_array().is_some_and(|d| {
            d.len() > 20 && d[..5] == [json!(0), json!(0), json!(7), json!(0), json!(0)]
        })
    });
    server.notify("textDocument/didClose", json!({ "textDocument": document }));
    called.sort();
    assert_eq!(
        called, advertised,
        "every advertised capability is called, and only those"
    );
    server.stop();
}

fn error_code(response: &Value) -> i64 {
    response["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("not an error: {response}"))
}

/// Each kind of malformed input gets the JSON-RPC error it calls for, and the server goes on
/// answering; the errors are logged to stderr.
#[test]
fn malformed_input_gets_an_error_and_the_server_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let (main, _) = small_project(dir.path());
    let mut server = Server::start_with(Stdio::piped());
    let mut stderr = server.child.stderr.take().unwrap();
    server.request(
        "initialize",
        json!({ "processId": null, "rootUri": uri(dir.path()), "capabilities": {} }),
    );
    server.notify("initialized", json!({}));
    let (main_uri, _) = open(&mut server, &main);
    server.diagnostics_for(&main_uri);
    let framed = |body: &[u8]| -> Vec<u8> {
        let mut message = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        message.extend_from_slice(body);
        message
    };
    // (input, the error code it calls for: -32700 parse error, -32600 invalid request)
    let cases: Vec<(&str, Vec<u8>, i64)> = vec![
        ("not JSON", framed(b"not json at all"), -32700),
        (
            "truncated JSON",
            framed(br#"{"jsonrpc":"2.0","id":99,"method":"#),
            -32700,
        ),
        (
            "a Content-Length that is not a number",
            b"Content-Length: twelve\r\n\r\n{}".to_vec(),
            -32700,
        ),
        (
            "no Content-Length",
            b"Content-Type: application/json\r\n\r\n{}".to_vec(),
            -32700,
        ),
        (
            "a body shorter than its Content-Length",
            b"Content-Length: 4000\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":98,".to_vec(),
            -32700,
        ),
        (
            "JSON that is not a message",
            framed(br#"{"hello":"world"}"#),
            -32600,
        ),
        ("a batch", framed(b"[1,2,3]"), -32600),
    ];
    for (what, input, code) in cases {
        server.send_raw(&input);
        // The next request is still answered, after the error for the bad input.
        let id = server.next_id;
        server.next_id += 1;
        server.send(json!({ "jsonrpc": "2.0", "id": id, "method": "workspace/symbol", "params": { "query": "reader" } }));
        let error = server.next_response();
        let answer = server.next_response();
        assert_eq!(answer["id"], id, "{what}: {answer}");
        assert_eq!(error_code(&error), code, "{what}: {error}");
        assert_eq!(error["id"], Value::Null, "{what}: {error}");
        assert!(
            answer["result"]
                .as_array()
                .is_some_and(|s| s.iter().any(|s| s["name"] == "reader")),
            "{what}: the next request got {answer}"
        );
    }
    // A request with an id but no method: invalid, answered with its id.
    server.send(json!({ "jsonrpc": "2.0", "id": 77 }));
    let error = server.next_response();
    assert_eq!(
        (error_code(&error), error["id"].clone()),
        (-32600, json!(77)),
        "{error}"
    );

    // A document whose bytes are not UTF-8: a diagnostic (E0002), as `iamdsl check` gives.
    let bad = dir.path().join("latin1.iamdsl");
    let bad_uri = uri(&bad);
    let mut body = format!(r#"{{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{{"textDocument":{{"uri":"{bad_uri}","languageId":"iamdsl","version":1,"text":"// caf"#).into_bytes();
    body.extend_from_slice(b"\xe9\\nrole r { trust { service ec2 } }\\n\"}}}");
    server.send_raw(&framed(&body));
    let diagnostics = server.diagnostics_for(&bad_uri);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "E0002");
    assert!(diagnostics[0]["message"]
        .as_str()
        .unwrap()
        .contains("is not valid UTF-8"));
    assert_eq!(
        diagnostics[0]["range"]["start"],
        json!({ "line": 0, "character": 6 })
    );
    // Fixed by the next change: the diagnostic goes.
    server.notify("textDocument/didChange", json!({ "textDocument": { "uri": bad_uri, "version": 2 }, "contentChanges": [{ "text": "// café\nrole r { trust { service ec2 } }\n" }] }));
    assert_eq!(server.diagnostics_for(&bad_uri), Vec::<Value>::new());
    server.stop();
    let mut logged = String::new();
    stderr.read_to_string(&mut logged).unwrap();
    for expected in [
        "not JSON",
        "Content-Length",
        "cut short",
        "invalid message",
        "not UTF-8",
    ] {
        assert!(
            logged.contains(expected),
            "stderr lacks {expected:?}:\n{logged}"
        );
    }
}

/// `exit` ends the process even while its input stays open: 0 after `shutdown`, 1 without.
#[test]
fn exit_ends_the_server_with_the_protocols_exit_codes() {
    for (shut_down, expected) in [(true, 0), (false, 1)] {
        let mut server = Server::start();
        server.request(
            "initialize",
            json!({ "processId": null, "rootUri": null, "capabilities": {} }),
        );
        server.notify("initialized", json!({}));
        if shut_down {
            server.request("shutdown", Value::Null);
        }
        server.notify("exit", Value::Null);
        let status = server.wait_for_exit();
        assert_eq!(status.code(), Some(expected), "shutdown first: {shut_down}");
    }
    // A client that never answers the server's request (to watch files) still ends it.
    let mut server = Server::start();
    server.request(
        "initialize",
        json!({ "processId": null, "rootUri": null, "capabilities": { "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } } } }),
    );
    server.notify("initialized", json!({}));
    assert_eq!(server.next_message()["method"], "client/registerCapability");
    server.request("shutdown", Value::Null);
    server.notify("exit", Value::Null);
    assert_eq!(server.wait_for_exit().code(), Some(0));
}

/// Diagnostics follow the disk (watched files), unsaved documents are analysed alone, and a
/// project file that cannot be read is a diagnostic in the editor.
#[test]
fn diagnostics_follow_the_disk_and_unsaved_documents() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("iamdsl.toml"), "").unwrap();
    let main = dir.path().join("main.iamdsl");
    std::fs::write(
        &main,
        "account prod = \"111111111111\" default\ngroup ops { attach reader }\n",
    )
    .unwrap();
    let mut server = Server::start();
    server.send(json!({ "jsonrpc": "2.0", "id": 0, "method": "initialize", "params": { "processId": null, "rootUri": uri(dir.path()), "capabilities": { "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } } } } }));
    assert!(server.next_response()["result"]["capabilities"].is_object());
    server.notify("initialized", json!({}));
    // The server asks to be told of changes to sources and manifests.
    let registration = server.next_message();
    assert_eq!(
        registration["method"], "client/registerCapability",
        "{registration}"
    );
    let options = &registration["params"]["registrations"][0];
    assert_eq!(options["method"], "workspace/didChangeWatchedFiles");
    assert_eq!(
        options["registerOptions"]["watchers"][0]["globPattern"],
        "**/*.iamdsl"
    );
    server.send(json!({ "jsonrpc": "2.0", "id": registration["id"], "result": null }));

    let (main_uri, _) = open(&mut server, &main);
    let diagnostics = server.diagnostics_for(&main_uri);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "E0204");

    // Another tool writes the missing policy: the watched change re-analyses.
    let policies = dir.path().join("policies.iamdsl");
    std::fs::write(&policies, "policy reader { allow s3:GetObject on * }\n").unwrap();
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": uri(&policies), "type": 1 }] }),
    );
    assert_eq!(server.diagnostics_for(&main_uri), Vec::<Value>::new());

    // The file becomes unreadable as source (not UTF-8): E0002 on the open document, as
    // `iamdsl check` reports it, and the policy it held is missing again.
    std::fs::write(
        &policies,
        b"policy reader { allow s3:GetObject on * } // \xff\n",
    )
    .unwrap();
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": uri(&policies), "type": 2 }] }),
    );
    let diagnostics = server.diagnostics_for(&main_uri);
    let codes: Vec<&str> = diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["E0002", "E0204"], "{diagnostics:?}");
    assert!(diagnostics[0]["message"]
        .as_str()
        .unwrap()
        .contains("policies.iamdsl"));

    // Deleted: the project is back to one file, with one error.
    std::fs::remove_file(&policies).unwrap();
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": uri(&policies), "type": 3 }] }),
    );
    let codes: Vec<String> = server
        .diagnostics_for(&main_uri)
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes, ["E0204"]);

    // An unsaved document is analysed alone; closing it clears its diagnostics.
    let untitled = "untitled:Untitled-1";
    server.notify("textDocument/didOpen", json!({ "textDocument": { "uri": untitled, "languageId": "iamdsl", "version": 1, "text": "account a = \"111111111111\" default\nrole r {\n  trust { service ec2 }\n  allow s3:GetObjekt on *\n}\n" } }));
    let diagnostics = server.diagnostics_for(untitled);
    assert!(
        diagnostics
            .iter()
            .any(|d| d["message"].as_str().unwrap().contains("s3:GetObjekt")),
        "{diagnostics:?}"
    );
    let hover = server.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": untitled }, "position": { "line": 1, "character": 5 } }),
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("role `r`"),
        "{hover}"
    );
    server.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": untitled } }),
    );
    assert_eq!(server.diagnostics_for(untitled), Vec::<Value>::new());
    server.stop();
}

/// Incremental sync: range edits in UTF-16 positions, several in one change, applied in order,
/// after multi-byte text on the same line (an emoji is two UTF-16 units, `é` one, in four and
/// two bytes).
#[test]
fn range_edits_apply_in_utf16_positions() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("iamdsl.toml"), "").unwrap();
    let main = dir.path().join("main.iamdsl");
    let text = "account prod = \"111111111111\" default\npolicy reader { allow s3:GetObject on s3.object(\"b\", \"*\") }\ngroup ops { attach raeder }\n";
    std::fs::write(&main, text).unwrap();
    let mut server = Server::start();
    let init = server.request(
        "initialize",
        json!({ "processId": null, "rootUri": uri(dir.path()), "capabilities": {} }),
    );
    assert_eq!(init["capabilities"]["textDocumentSync"]["change"], 2);
    server.notify("initialized", json!({}));
    let (main_uri, _) = open(&mut server, &main);
    let diagnostics = server.diagnostics_for(&main_uri);
    assert_eq!(diagnostics[0]["code"], "E0204", "{diagnostics:?}");

    let range = |line: usize, start: usize, end: usize| json!({ "start": { "line": line, "character": start }, "end": { "line": line, "character": end } });
    // `"b"` becomes `"b🙂é"`: inserted after the `b`.
    let b = position_of(text, "\"b\"", 2)["character"].as_u64().unwrap() as usize;
    server.notify("textDocument/didChange", json!({ "textDocument": { "uri": main_uri, "version": 2 }, "contentChanges": [{ "range": range(1, b, b), "text": "🙂é" }] }));
    // Then, in one change: `"*"`, three UTF-16 units further right now, becomes `"x/*"`,
    // and the misspelled name is fixed on the next line.
    let star = position_of(text, "\"*\"", 1)["character"].as_u64().unwrap() as usize + 3;
    let name = position_of(text, "raeder", 0)["character"]
        .as_u64()
        .unwrap() as usize;
    server.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": main_uri, "version": 3 }, "contentChanges": [
        { "range": range(1, star, star + 1), "text": "x/*" },
        { "range": range(2, name, name + 6), "text": "reader" },
    ] }),
    );
    let diagnostics = loop {
        let message = server.next_message();
        if message["method"] == "textDocument/publishDiagnostics"
            && message["params"]["uri"] == main_uri
            && message["params"]["version"] == 3
        {
            break message["params"]["diagnostics"].clone();
        }
    };
    assert_eq!(diagnostics, json!([]));
    // The policy as built from the server's text: its resource has both edits.
    let hover = server.request("textDocument/hover", json!({ "textDocument": { "uri": main_uri }, "position": position_of(text, "policy reader", 8) }));
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(shown.contains("arn:aws:s3:::b🙂é/x/*"), "{shown}");
    server.stop();
}

/// Changes that arrive while an analysis runs are coalesced: only the latest text is analysed
/// (far fewer publications than changes, the last for the last version with its diagnostics),
/// and a hover sent among them is answered from the last snapshot, before the analyses end.
#[test]
fn changes_during_an_analysis_are_coalesced_and_requests_do_not_wait() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("iamdsl.toml"),
        "[defaults]\nregion = \"eu-west-1\"\n",
    )
    .unwrap();
    let main = dir.path().join("main.iamdsl");
    // Large enough that an analysis takes longer than sending the changes.
    let mut text = String::from("account prod = \"111111111111\" default\n");
    for i in 0..300 {
        text.push_str(&format!("role r{i} {{\n  trust {{ service lambda }}\n  allow read, write on dynamodb.table(\"t{i}\")\n  allow s3:GetObject on s3.object(\"b{i}\", \"*\")\n}}\n"));
    }
    text.push_str(
        "expect r0 can s3:GetObject on s3.object(\"b0\", \"x\")\nexpect no escalation to admin\n",
    );
    std::fs::write(&main, &text).unwrap();
    let mut server = Server::start();
    server.request(
        "initialize",
        json!({ "processId": null, "rootUri": uri(dir.path()), "capabilities": {} }),
    );
    server.notify("initialized", json!({}));
    let (main_uri, _) = open(&mut server, &main);
    assert_eq!(server.diagnostics_for(&main_uri), Vec::<Value>::new());

    const CHANGES: i64 = 50;
    let hover_id = 1_000;
    for version in 2..=CHANGES + 1 {
        // Each change names another missing policy: the diagnostics say which text they are of.
        let changed = format!("{text}group g {{ attach missing{version} }}\n");
        server.notify("textDocument/didChange", json!({ "textDocument": { "uri": main_uri, "version": version }, "contentChanges": [{ "text": changed }] }));
        if version == CHANGES / 2 {
            server.send(json!({ "jsonrpc": "2.0", "id": hover_id, "method": "textDocument/hover", "params": { "textDocument": { "uri": main_uri }, "position": position_of(&text, "role r1 ", 6) } }));
        }
    }
    let (mut publications, mut before_hover, mut hovered) = (0, 0, false);
    let last = loop {
        let message = server.next_message();
        if message["id"] == hover_id {
            assert!(
                message["result"]["contents"]["value"]
                    .as_str()
                    .unwrap()
                    .contains("role `r1`"),
                "{message}"
            );
            hovered = true;
        } else if message["method"] == "textDocument/publishDiagnostics"
            && message["params"]["uri"] == main_uri
        {
            publications += 1;
            if !hovered {
                before_hover += 1;
            }
            if message["params"]["version"] == CHANGES + 1 {
                break message["params"]["diagnostics"].clone();
            }
        }
    };
    assert!(hovered, "the hover was answered after the last analysis");
    assert!(
        before_hover <= 1,
        "the hover waited for {before_hover} analyses"
    );
    assert!(
        publications < CHANGES / 5,
        "{publications} analyses for {CHANGES} changes"
    );
    let messages: Vec<&str> = last
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    let of = |version: i64| format!("`missing{version}`");
    assert!(
        messages.iter().any(|m| m.contains(&of(CHANGES + 1)))
            && !messages.iter().any(|m| m.contains(&of(CHANGES))),
        "{messages:?}"
    );
    server.stop();
}
