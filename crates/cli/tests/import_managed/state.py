"""AWS's managed policies (moto's copy) as one account's customer managed policies.

Writes the AWS CLI's `get-account-authorization-details` shape to the path given: every policy
keeps its name, path, version id and document; its ARN is moved into the account.

    python state.py ACCOUNT OUT.json
"""

import json
import sys

from moto.iam.aws_managed_policies import aws_managed_policies_data

account, out = sys.argv[1], sys.argv[2]
policies = []
for name, policy in sorted(json.loads(aws_managed_policies_data).items()):
    path = policy["Path"]
    policies.append(
        {
            "PolicyName": name,
            "Arn": f"arn:aws:iam::{account}:policy{path}{name}",
            "Path": path,
            "DefaultVersionId": policy["DefaultVersionId"],
            "AttachmentCount": 0,
            "IsAttachable": True,
            "PolicyVersionList": [
                {
                    "Document": policy["Document"],
                    "VersionId": policy["DefaultVersionId"],
                    "IsDefaultVersion": True,
                }
            ],
        }
    )
state = {
    "UserDetailList": [],
    "GroupDetailList": [],
    "RoleDetailList": [],
    "Policies": policies,
}
with open(out, "w", encoding="utf-8") as file:
    json.dump(state, file)
print(len(policies))
