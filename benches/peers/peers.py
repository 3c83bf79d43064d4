#!/usr/bin/env python3
"""The Python peers of the benchmark, each run as ONE process over all N inputs, so that the
interpreter's start and the peer's import (and database load) are paid once.

    peers.py sentry SENTRY_DIR OUT_DIR     policy_sentry: every CRUD template in SENTRY_DIR
                                           -> OUT_DIR/<name>.json (like `write-policy`)
    peers.py parliament BUILD_DIR          parliament: lint BUILD_DIR/roles/*/inline.json
                                           (the role inline documents `iamdsl build` wrote)
    peers.py compare INTENTS BUILD_DIR SENTRY_OUT
                                           not timed: what each tool granted, to show how
                                           close the two outputs are
    peers.py versions                      the versions installed
    peers.py check-pins REQUIREMENTS       exit 1 unless the pinned versions are installed
"""

import glob
import json
import os
import sys


def sentry(src, out):
    from policy_sentry.command.write_policy import write_policy_with_template
    from policy_sentry.util.file import read_yaml_file

    os.makedirs(out, exist_ok=True)
    paths = sorted(glob.glob(os.path.join(src, "*.yml")))
    statements = 0
    for path in paths:
        cfg = read_yaml_file(path)
        policy = write_policy_with_template(cfg)
        statements += len(policy["Statement"])
        name = os.path.splitext(os.path.basename(path))[0]
        with open(os.path.join(out, name + ".json"), "w") as f:
            # `write-policy --fmt json` prints with indent=4
            json.dump(policy, f, indent=4)
    print(f"policy_sentry: wrote {len(paths)} policies, {statements} statements", file=sys.stderr)
    if not paths:
        sys.exit("no templates found")


def parliament_lint(build):
    import parliament
    from parliament import analyze_policy_string, enhance_finding
    from parliament.cli import is_finding_filtered

    paths = sorted(glob.glob(os.path.join(build, "**", "roles", "*", "inline.json"), recursive=True))
    shown = 0
    by_issue = {}
    for path in paths:
        with open(path) as f:
            contents = f.read()
        # As parliament's CLI does for --file/--files: default auditors, bundled config,
        # findings enhanced and filtered at the default minimum severity (LOW).
        policy = analyze_policy_string(contents, path, config=parliament.config)
        for finding in policy.findings:
            finding = enhance_finding(finding)
            if not is_finding_filtered(finding):
                shown += 1
                by_issue[finding.issue] = by_issue.get(finding.issue, 0) + 1
    print(
        f"parliament: linted {len(paths)} policies, {shown} findings {json.dumps(by_issue, sort_keys=True)}",
        file=sys.stderr,
    )
    if not paths:
        sys.exit("no inline.json found")


def pairs(doc):
    out = set()
    for st in doc.get("Statement", []):
        if st.get("Effect") != "Allow":
            continue
        acts = st.get("Action", [])
        res = st.get("Resource", [])
        acts = [acts] if isinstance(acts, str) else acts
        res = [res] if isinstance(res, str) else res
        out.update((a.lower(), r) for a in acts for r in res)
    return out


def compare(intents, build, sentry_out):
    with open(intents) as f:
        names = sorted(json.load(f))
    inline = {}
    for path in glob.glob(os.path.join(build, "**", "roles", "*", "inline.json"), recursive=True):
        with open(path) as f:
            inline[os.path.basename(os.path.dirname(path))] = json.load(f)
    dsl_total = sentry_total = common = 0
    sentry_star = 0
    only_dsl, only_sentry = {}, {}
    for name in names:
        a = pairs(inline.get(name, {}))
        with open(os.path.join(sentry_out, name + ".json")) as f:
            b = pairs(json.load(f))
        sentry_star += sum(1 for _, r in b if r == "*")
        dsl_total += len(a)
        sentry_total += len(b)
        common += len(a & b)
        for act, _ in a - b:
            only_dsl[act] = only_dsl.get(act, 0) + 1
        for act, _ in b - a:
            only_sentry[act] = only_sentry.get(act, 0) + 1
    top = lambda d: ", ".join(f"{k} ({v})" for k, v in sorted(d.items(), key=lambda kv: (-kv[1], kv[0]))[:8])
    print(f"(action, resource) pairs granted over {len(names)} roles:")
    print(f"  iamdsl {dsl_total}, policy_sentry {sentry_total}, in both {common}")
    print(f"  only iamdsl: {dsl_total - common}; most frequent: {top(only_dsl) or '-'}")
    print(f"  only policy_sentry: {sentry_total - common} (of which on \"*\": {sentry_star}); most frequent: {top(only_sentry) or '-'}")


def versions():
    from importlib.metadata import version

    print(" ".join(f"{p}=={version(p)}" for p in ("policy_sentry", "parliament")))


def check_pins(requirements):
    """Exit 0 when every `name==version` of the file is installed at that version."""
    from importlib.metadata import PackageNotFoundError, version

    wrong = []
    with open(requirements) as f:
        for line in f:
            line = line.split("#")[0].strip()
            if not line:
                continue
            name, want = line.split("==")
            try:
                have = version(name)
            except PackageNotFoundError:
                have = None
            if have != want:
                wrong.append(f"{name}: want {want}, have {have}")
    if wrong:
        sys.exit("; ".join(wrong))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"sentry": sentry, "parliament": parliament_lint, "compare": compare, "versions": versions, "check-pins": check_pins}[cmd](*args)
