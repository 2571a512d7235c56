package provision_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"roster/shared/fault"
	"roster/shared/provision"
)

func TestDecodeAcceptsEachEventType(t *testing.T) {
	for _, body := range []string{
		tenantCreate("e1", "acme", at(0)),
		upsert("e2", "acme", "ext-1", at(0), "ada", "ada@example.com", true),
		state(provision.UserDeactivate, "e3", "acme", "ext-1", at(0)),
		state(provision.UserReactivate, "e4", "acme", "ext-1", at(0)),
		state(provision.UserDelete, "e5", "acme", "ext-1", at(0)),
		groupUpsert("e6", "acme", "dept-1", at(0), "Sales"),
		member(provision.GroupMemberAdd, "e7", "acme", "ext-1", at(0), "name", "Sales"),
		member(provision.GroupMemberRemove, "e8", "acme", "ext-1", at(0), "externalId", "dept-1"),
		member(provision.GroupMemberAdd, "e9", "acme", "ext-1", at(0), "id", "g1"),
	} {
		if _, err := provision.Decode([]byte(body)); err != nil {
			t.Errorf("Decode(%s): %v", body, err)
		}
	}
}

func TestDecodeRefusesWhatCanNeverApply(t *testing.T) {
	const ok = `"id":"e1","occurredAt":"2026-01-01T00:00:00Z","tenant":"acme"`
	for name, tc := range map[string]struct{ body, field string }{
		"not json":          {`{`, ""},
		"unknown type":      {`{"type":"user.rename","version":1,` + ok + `,"externalId":"x"}`, "type"},
		"other version":     {`{"type":"user.delete","version":2,` + ok + `,"externalId":"x"}`, "version"},
		"unknown field":     {`{"type":"user.delete","version":1,` + ok + `,"externalId":"x","extra":1}`, "extra"},
		"password in event": {`{"type":"tenant.create","version":1,` + ok + `,"organization":"A","name":"a","owner":{"email":"o@example.com","password":"x"}}`, "password"},
		"wrong type":        {`{"type":"user.delete","version":1,` + ok + `,"externalId":7}`, "externalId"},
		"missing id":        {`{"type":"user.delete","version":1,"occurredAt":"2026-01-01T00:00:00Z","tenant":"acme","externalId":"x"}`, "id"},
		"missing time":      {`{"type":"user.delete","version":1,"id":"e1","tenant":"acme","externalId":"x"}`, "occurredAt"},
		"bad time":          {`{"type":"user.delete","version":1,"id":"e1","occurredAt":"yesterday","tenant":"acme","externalId":"x"}`, "occurredAt"},
		"bad tenant":        {`{"type":"user.delete","version":1,"id":"e1","occurredAt":"2026-01-01T00:00:00Z","tenant":"a#b","externalId":"x"}`, "tenant"},
		"hash in key":       {`{"type":"user.delete","version":1,` + ok + `,"externalId":"a#b"}`, "externalId"},
		"missing owner":     {`{"type":"tenant.create","version":1,` + ok + `,"organization":"A","name":"a"}`, "owner"},
		"bad owner email":   {`{"type":"tenant.create","version":1,` + ok + `,"organization":"A","name":"a","owner":{"email":"nope"}}`, "owner.email"},
		"missing user":      {`{"type":"user.upsert","version":1,` + ok + `,"externalId":"x"}`, "user"},
		"missing active":    {`{"type":"user.upsert","version":1,` + ok + `,"externalId":"x","user":{"username":"ada"}}`, "user.active"},
		"bad role":          {`{"type":"user.upsert","version":1,` + ok + `,"externalId":"x","user":{"username":"ada","active":true,"role":"god"}}`, "user.role"},
		"trailing data":     {`{"type":"user.delete","version":1,` + ok + `,"externalId":"x"} {}`, ""},
		"member twice":      {`{"type":"user.upsert","version":1,` + ok + `,"externalId":"x","user":{"username":"ada","active":true,"active":false}}`, "user.active"},
		"invalid UTF-8":     {`{"type":"user.upsert","version":1,` + ok + `,"externalId":"x","user":{"username":"ada","firstName":"` + "\xff\xfe" + `","active":true}}`, "user.firstName"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := provision.Decode([]byte(tc.body))
			f := fault.As(err)
			if err == nil || f.Code != fault.Invalid || !provision.Permanent(err) {
				t.Fatalf("Decode = %v, want a permanent fault.Invalid", err)
			}
			if tc.field == "" {
				return
			}
			for _, fe := range f.Fields {
				if fe.Field == tc.field {
					return
				}
			}
			t.Errorf("fields %v do not name %q", f.Fields, tc.field)
		})
	}
}

func TestDecodeHashIgnoresSpacingAndKeyOrder(t *testing.T) {
	a, err := provision.Decode([]byte(`{"type":"user.delete","version":1,"id":"e1","occurredAt":"2026-01-01T01:00:00+01:00","tenant":"acme","externalId":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := provision.Decode([]byte(`{ "externalId": "x", "tenant": "acme", "occurredAt": "2026-01-01T00:00:00Z", "id": "e1", "version": 1, "type": "user.delete" }`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := provision.Decode([]byte(`{"type":"user.delete","version":1,"id":"e1","occurredAt":"2026-01-01T00:00:00Z","tenant":"acme","externalId":"y"}`))
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash() != b.Hash() || a.Hash() == c.Hash() {
		t.Errorf("hashes a=%s b=%s c=%s: want a == b != c", a.Hash(), b.Hash(), c.Hash())
	}
}

func TestSampleEventsDecode(t *testing.T) {
	files, err := filepath.Glob("../../events/provisioning-*.json")
	if err != nil || len(files) < 5 {
		t.Fatalf("sample events: %v, %v", files, err)
	}
	seen := map[string]bool{}
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var ev events.SQSEvent
		if err := json.Unmarshal(raw, &ev); err != nil || len(ev.Records) == 0 {
			t.Fatalf("%s: not an SQS event: %v", name, err)
		}
		for _, r := range ev.Records {
			e, err := provision.Decode([]byte(r.Body))
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			seen[e.Type] = true
		}
	}
	for _, typ := range provision.Types() {
		if !seen[typ] {
			t.Errorf("no sample event of type %s", typ)
		}
	}
}
