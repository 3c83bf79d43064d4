"""The apply tests' proxy in front of moto's server on 127.0.0.1: it passes every request on,
records the operation of each (one per line in LOG), and answers the operations named in RULES
(a JSON list, read again for every request) with an error instead, a given number of times.

    python fault_proxy.py UPSTREAM_URL RULES LOG PORT_FILE

A rule: {"action": "CreateRole", "contains": "RoleName=deployer", "times": 1, "status": 400,
"code": "MalformedPolicyDocument", "message": "Invalid principal in policy"}.
"""

import http.client
import http.server
import json
import os
import sys
import threading
import urllib.parse

UPSTREAM, RULES, LOG, PORT_FILE = sys.argv[1:5]
upstream = urllib.parse.urlsplit(UPSTREAM)
lock = threading.Lock()
# (rule index) -> times answered
answered = {}


def operation(headers, body):
    target = headers.get("X-Amz-Target")
    if target:
        return target.split(".")[-1]
    fields = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    return fields.get("Action", [""])[0]


def matching_rule(action, body):
    try:
        with open(RULES) as f:
            rules = json.load(f)
    except (OSError, ValueError):
        return None
    text = urllib.parse.unquote_plus(body.decode("utf-8", "replace"))
    for i, rule in enumerate(rules):
        if rule.get("action") != action or rule.get("contains", "") not in text:
            continue
        key = json.dumps(rule, sort_keys=True)
        if answered.get(key, 0) < rule.get("times", 1):
            answered[key] = answered.get(key, 0) + 1
            return rule
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        action = operation(self.headers, body)
        with lock:
            with open(LOG, "a") as f:
                f.write(action + "\n")
            rule = matching_rule(action, body)
        if rule is not None:
            reply = (
                '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
                "<Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>"
                "<RequestId>iamdsl-fault-proxy</RequestId></ErrorResponse>"
                % (rule["code"], rule["message"])
            ).encode()
            self.send_response(rule.get("status", 400))
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)
            return
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        headers["Host"] = upstream.netloc
        connection.request(self.command, self.path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        self.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        connection.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.replace(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
