"""Fetches cloudsplaining's example account (`test/files/example-authz-details.json` of its
sdist on PyPI, checked against the digest PyPI publishes) for the import test.

    python3 scripts/fetch-cloudsplaining-example.py VERSION DIR
"""

import hashlib
import io
import json
import os
import sys
import tarfile
import urllib.request

version, target = sys.argv[1], sys.argv[2]
project = json.load(urllib.request.urlopen("https://pypi.org/pypi/cloudsplaining/json"))
files = project.get("releases", {}).get(version) or (
    project["urls"] if project["info"]["version"] == version else []
)
sdist = next((f for f in files if f["packagetype"] == "sdist"), None)
if sdist is None:
    sys.exit(f"PyPI lists no sdist of cloudsplaining {version}")
data = urllib.request.urlopen(sdist["url"]).read()
if hashlib.sha256(data).hexdigest() != sdist["digests"]["sha256"]:
    sys.exit(f"{sdist['filename']}: the download does not match PyPI's sha256")
member = f"cloudsplaining-{version}/test/files/example-authz-details.json"
with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
    example = archive.extractfile(member).read()
os.makedirs(target, exist_ok=True)
path = os.path.join(target, "example-authz-details.json")
with open(path + ".tmp", "wb") as f:
    f.write(example)
os.replace(path + ".tmp", path)
