package store_test

import (
	"bytes"
	"context"
	"testing"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/store/storetest"
)

func TestPutAPIKeyThenGetAPIKeyRoundTripsHashBytes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		// Every byte value, including NUL and bytes that are not UTF-8,
		// must survive the binary attribute.
		hash := make([]byte, 256)
		for i := range hash {
			hash[i] = byte(255 - i)
		}
		in := &auth.APIKey{ID: "key1", TenantID: "t1", Name: "ci", Hash: hash, CreatedAt: msNow(), Revoked: true}
		if err := env.Table.PutAPIKey(context.Background(), in); err != nil {
			t.Fatalf("PutAPIKey: %v", err)
		}
		got, err := env.Table.GetAPIKey(context.Background(), "key1")
		if err != nil {
			t.Fatalf("GetAPIKey: %v", err)
		}
		if got.ID != in.ID || got.TenantID != in.TenantID || got.Name != in.Name ||
			got.Revoked != in.Revoked || !got.CreatedAt.Equal(in.CreatedAt) {
			t.Errorf("GetAPIKey = %+v, want %+v", got, in)
		}
		if !bytes.Equal(got.Hash, hash) {
			t.Errorf("Hash = %x, want %x", got.Hash, hash)
		}
	})
}

func TestPutAPIKeyWithTakenIDIsConflictAndKeepsTheFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		first := &auth.APIKey{ID: "key1", TenantID: "t1", Hash: []byte("first"), CreatedAt: msNow()}
		if err := env.Table.PutAPIKey(context.Background(), first); err != nil {
			t.Fatal(err)
		}
		err := env.Table.PutAPIKey(context.Background(), &auth.APIKey{ID: "key1", TenantID: "t2", Hash: []byte("second"), CreatedAt: msNow()})
		wantCode(t, err, fault.Conflict)
		got, err := env.Table.GetAPIKey(context.Background(), "key1")
		if err != nil {
			t.Fatal(err)
		}
		if got.TenantID != "t1" || !bytes.Equal(got.Hash, first.Hash) {
			t.Errorf("key after the rejected put = %+v, want the first one kept", got)
		}
	})
}

func TestGetUnknownAPIKeyIsNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		_, err := env.Table.GetAPIKey(context.Background(), "nope")
		wantCode(t, err, fault.NotFound)
	})
}

// The SDK retries a PutItem whose answer was lost although it was applied;
// the retry then meets the key it wrote and must succeed, not report a
// conflict for a freshly generated key (seen under load on moto).
func TestPutAPIKeyRetriedAfterItLandedSucceeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env storetest.Env) {
		k := &auth.APIKey{ID: "key2", TenantID: "t1", Hash: []byte("same"), CreatedAt: msNow()}
		for i := range 2 {
			if err := env.Table.PutAPIKey(context.Background(), k); err != nil {
				t.Fatalf("put %d: %v", i+1, err)
			}
		}
	})
}
