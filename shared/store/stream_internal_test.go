package store

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"

	"roster/shared/events"
)

func TestFactorNoteJoinsTheUpdateClauses(t *testing.T) {
	set, _ := factorNote("acme", "u1", "user:u1")
	none, _ := factorNote("", "u1", "")
	for _, c := range []struct{ got, want string }{
		{joinSet("SET a = :a", set), "SET a = :a, factorTenant = :ftenant, factorUser = :fuser, factorBy = :fby"},
		{joinSet("SET a = :a", none), "SET a = :a REMOVE factorTenant, factorUser, factorBy"},
		{joinRemove("REMOVE b", set), "SET factorTenant = :ftenant, factorUser = :fuser, factorBy = :fby REMOVE b"},
		{joinRemove("REMOVE b", none), "REMOVE b, factorTenant, factorUser, factorBy"},
		{joinRemove("REMOVE b", joinSet("SET a = :a", none)), "SET a = :a REMOVE b, factorTenant, factorUser, factorBy"},
		{joinRemove("REMOVE b", joinSet("SET a = :a", set)), "SET a = :a, factorTenant = :ftenant, factorUser = :fuser, factorBy = :fby REMOVE b"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// resetRecord is a stream record of a reset token's item.
func resetRecord(op string, img map[string]awsevents.DynamoDBAttributeValue, by *awsevents.DynamoDBUserIdentity) awsevents.DynamoDBEventRecord {
	rec := awsevents.DynamoDBEventRecord{EventID: "e1", EventName: op, UserIdentity: by}
	rec.Change.Keys = map[string]awsevents.DynamoDBAttributeValue{attrPK: img[attrPK], attrSK: img[attrSK]}
	rec.Change.ApproximateCreationDateTime = awsevents.SecondsEpochTime{Time: time.Unix(1_000_000, 0)}
	if op == "REMOVE" {
		rec.Change.OldImage = img
	} else {
		rec.Change.NewImage = img
	}
	return rec
}

func TestAResetTokenTheTTLRemovesAndDecoysPublishNothing(t *testing.T) {
	token := map[string]awsevents.DynamoDBAttributeValue{
		attrPK: awsevents.NewStringAttribute("RESET#r1"), attrSK: awsevents.NewStringAttribute(resetSK),
		"type": awsevents.NewStringAttribute("reset"), "tenantId": awsevents.NewStringAttribute("acme"),
		"userId": awsevents.NewStringAttribute("u1"), "hash": awsevents.NewBinaryAttribute([]byte("h")),
		"expiresAt": awsevents.NewNumberAttribute("1000600"),
	}
	decoy := map[string]awsevents.DynamoDBAttributeValue{
		attrPK: awsevents.NewStringAttribute("RESET#" + strings.Repeat("ab", 32)), attrSK: awsevents.NewStringAttribute(resetSK),
		"type": awsevents.NewStringAttribute("resetdecoy"), "expiresAt": awsevents.NewNumberAttribute("1000600"),
	}
	ttl := &awsevents.DynamoDBUserIdentity{Type: "Service", PrincipalID: "dynamodb.amazonaws.com"}
	expired := maps.Clone(token)
	expired["expiresAt"] = awsevents.NewNumberAttribute("999999")
	for _, c := range []struct {
		name string
		rec  awsevents.DynamoDBEventRecord
		want []string
	}{
		{"spent", resetRecord("REMOVE", token, nil), []string{events.PasswordReset}},
		{"written", resetRecord("INSERT", token, nil), []string{events.RecoveryRequested}},
		{"removed by the TTL", resetRecord("REMOVE", token, ttl), nil},
		{"removed after its expiry", resetRecord("REMOVE", expired, nil), nil},
		{"decoy written", resetRecord("INSERT", decoy, nil), nil},
		{"decoy removed", resetRecord("REMOVE", decoy, ttl), nil},
	} {
		evs, err := eventsOf(c.rec)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var got []string
		for _, e := range evs {
			got = append(got, e.Type)
			if e.TenantID != "acme" || e.Subject != "u1" {
				t.Errorf("%s: %+v", c.name, e)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: events %v, want %v", c.name, got, c.want)
		}
	}
}
