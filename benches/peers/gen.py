#!/usr/bin/env python3
"""Write one deterministic benchmark input in two forms from the same data.

    gen.py ROLES OUTDIR

writes
    OUTDIR/iamdsl/        an iamdsl project: iamdsl.toml, account.iamdsl, roles_NNN.iamdsl
    OUTDIR/sentry/        one policy_sentry CRUD template (YAML) per role
    OUTDIR/intents.json   the data both were written from (role -> level -> ARNs)

Each role gets an S3 bucket and its objects plus four to six other typical resources
(DynamoDB table, SQS queue, SNS topic, KMS key, Lambda function, Secrets Manager secret,
CloudWatch Logs log group, SSM parameter, ECR repository), each with one to three access
levels that the resource type has in iamdsl's catalog (a level that expands to nothing is an
error in iamdsl). The iamdsl side uses typed constructors; the YAML side uses the ARNs those
constructors produce with `region = "eu-west-1"` and account 111111111111.

Only the standard library is used; the same ROLES always gives the same bytes.
"""

import json
import os
import random
import sys

ACCOUNT = "111111111111"
REGION = "eu-west-1"
ALL = ["list", "read", "write", "permissions", "tagging"]

# iamdsl level -> policy_sentry CRUD key
SENTRY_KEY = {
    "list": "list",
    "read": "read",
    "write": "write",
    "tagging": "tagging",
    "permissions": "permissions-management",
}


def regional(service, rest):
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{rest}"


# kind -> (levels the type has in the catalog, constructor(r), ARN(r))
KINDS = {
    "dynamodb": (
        ALL,
        lambda r: f'dynamodb.table("app-{r}-items")',
        lambda r: regional("dynamodb", f"table/app-{r}-items"),
    ),
    "sqs": (
        ["read", "write", "permissions", "tagging"],
        lambda r: f'sqs.queue("app-{r}-jobs")',
        lambda r: regional("sqs", f"app-{r}-jobs"),
    ),
    "sns": (
        ALL,
        lambda r: f'sns.topic("app-{r}-events")',
        lambda r: regional("sns", f"app-{r}-events"),
    ),
    "kms": (
        ALL,
        lambda r: f'kms.key("{r:08d}-0000-4000-8000-000000000000")',
        lambda r: regional("kms", f"key/{r:08d}-0000-4000-8000-000000000000"),
    ),
    "lambda": (
        ALL,
        lambda r: f'lambda.function("app-{r}-handler")',
        lambda r: regional("lambda", f"function:app-{r}-handler"),
    ),
    "secretsmanager": (
        ["read", "write", "permissions", "tagging"],
        lambda r: f'secretsmanager.secret("app/{r}/db-*")',
        lambda r: regional("secretsmanager", f"secret:app/{r}/db-*"),
    ),
    "logs": (
        ["list", "read", "write", "tagging"],
        lambda r: f'logs.log_group("/aws/lambda/app-{r}-handler")',
        lambda r: regional("logs", f"log-group:/aws/lambda/app-{r}-handler"),
    ),
    "ssm": (
        ALL,
        lambda r: f'ssm.parameter("app/{r}/*")',
        lambda r: regional("ssm", f"parameter/app/{r}/*"),
    ),
    "ecr": (
        ALL,
        lambda r: f'ecr.repository("app-{r}")',
        lambda r: regional("ecr", f"repository/app-{r}"),
    ),
}


def pick_levels(rng, levels, weights):
    """One to three levels of `levels`, in catalog order; read/list/write more often."""
    n = rng.choices([1, 2, 3], [5, 4, 1])[0]
    chosen = set()
    while len(chosen) < min(n, len(levels)):
        chosen.add(rng.choices(levels, [weights[lv] for lv in levels])[0])
    return [lv for lv in ALL if lv in chosen]


WEIGHTS = {"list": 3, "read": 5, "write": 4, "permissions": 1, "tagging": 1}


def role_data(r):
    """[(levels, [(constructor, arn), ...]), ...] for role r."""
    rng = random.Random(r)
    intents = []
    bucket = f"app-{r}-data"
    s3_levels = pick_levels(rng, ALL, WEIGHTS)
    intents.append(
        (
            s3_levels,
            [
                (f's3.bucket("{bucket}")', f"arn:aws:s3:::{bucket}"),
                (f's3.object("{bucket}", "*")', f"arn:aws:s3:::{bucket}/*"),
            ],
        )
    )
    kinds = sorted(KINDS)
    for kind in rng.sample(kinds, rng.randint(4, 6)):
        levels, ctor, arn = KINDS[kind]
        intents.append((pick_levels(rng, levels, WEIGHTS), [(ctor(r), arn(r))]))
    return intents


def main():
    roles = int(sys.argv[1])
    out = sys.argv[2]
    dsl = os.path.join(out, "iamdsl")
    sentry = os.path.join(out, "sentry")
    os.makedirs(dsl, exist_ok=True)
    os.makedirs(sentry, exist_ok=True)

    with open(os.path.join(dsl, "iamdsl.toml"), "w") as f:
        f.write(f'[defaults]\nregion = "{REGION}"\n')
    with open(os.path.join(dsl, "account.iamdsl"), "w") as f:
        f.write(f'account prod = "{ACCOUNT}"\n')

    summary = {}
    chunk_text = []
    for r in range(roles):
        name = f"app{r:05d}"
        intents = role_data(r)

        lines = [f"role {name} {{", "  trust { service lambda }"]
        for levels, resources in intents:
            lines.append(
                f"  allow {', '.join(levels)} on {', '.join(c for c, _ in resources)}"
            )
        lines.append("}")
        chunk_text.append("\n".join(lines) + "\n")

        crud = {"mode": "crud", "name": name}
        for level in ALL:
            arns = [a for levels, res in intents if level in levels for _, a in res]
            if arns:
                crud[SENTRY_KEY[level]] = arns
        summary[name] = {k: v for k, v in crud.items() if k not in ("mode", "name")}
        # Plain YAML by hand (no PyYAML needed here); every value is a quoted string.
        yaml = [f"mode: {crud['mode']}", f"name: {name}"]
        for key in ("read", "write", "list", "tagging", "permissions-management"):
            if key in crud:
                yaml.append(f"{key}:")
                yaml.extend(f"  - {json.dumps(a)}" for a in crud[key])
        with open(os.path.join(sentry, f"{name}.yml"), "w") as f:
            f.write("\n".join(yaml) + "\n")

        if len(chunk_text) == 100 or r == roles - 1:
            with open(os.path.join(dsl, f"roles_{r // 100:03d}.iamdsl"), "w") as f:
                f.write("\n".join(chunk_text))
            chunk_text = []

    with open(os.path.join(out, "intents.json"), "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
