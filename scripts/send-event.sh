#!/usr/bin/env bash
# Sends provisioning events to the local provisioning queue that `make run`
# consumes. The argument is a file from events/ (an SQS event: each record's
# body is sent) or a bare event document. The queue URL comes from the demo
# file `make run` writes (DEMO_FILE, default .roster/demo.json).
#
#   ./scripts/send-event.sh events/provisioning-user-upsert.json
set -euo pipefail

file=${1:?usage: send-event.sh EVENT_FILE}
demo=${DEMO_FILE:-.roster/demo.json}
[ -r "$demo" ] || { echo "send-event: $demo not found; start the local stack with \`make run\` first" >&2; exit 1; }
# python3 reads the JSON: it is on every machine the project runs on.
url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["provisioningQueueUrl"])' "$demo") ||
	{ echo "send-event: no provisioningQueueUrl in $demo" >&2; exit 1; }

# One compact JSON document per line: the records' bodies, or the file itself.
python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
for body in ([json.loads(r["body"]) for r in doc["Records"]] if "Records" in doc else [doc]):
    print(json.dumps(body, separators=(",", ":")))
' "$file" |
while IFS= read -r body; do
	# The SQS query API, signed with the local stack's dummy credentials.
	out=$(curl -sS --fail-with-body -X POST "$url" --aws-sigv4 "aws:amz:us-east-1:sqs" --user local:local \
		--data-urlencode "Action=SendMessage" --data-urlencode "Version=2012-11-05" \
		--data-urlencode "MessageBody=$body") || { echo "send-event: $out" >&2; exit 1; }
	id=$(sed -n 's:.*<MessageId>\(.*\)</MessageId>.*:\1:p' <<<"$out")
	echo "sent $(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["type"], d["id"])' "$body") as message ${id:-?}"
done
