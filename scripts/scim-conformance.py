#!/usr/bin/env python3
"""scim-conformance.py BASE_URL TOKEN — run the published SCIM checker
(scim2-tester, pinned in scripts/tools.sh) against a running SCIM endpoint
and print one JSON line per check: status, title, resource type, reason.
Exits 0; the caller (shared/scim's conformance test) decides what fails."""
import json
import sys

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import check_server

base, token = sys.argv[1], sys.argv[2]
http = Client(base_url=base, headers={"Authorization": "Bearer " + token}, timeout=30)
client = SyncSCIMClient(http)
for r in check_server(client):
    print(json.dumps({
        "status": r.status.name,
        "title": r.title,
        "resourceType": r.resource_type,
        "reason": (r.reason or "")[:400],
    }))
