package store

import "testing"

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
