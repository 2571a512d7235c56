package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// The operations the generator knows, named dialect.action. Each is one
// request, except that users.update reads the user first when it does not
// know its ETag (the read is recorded as users.get).
const (
	opRegister       = "userinfo.register"  // POST /UserInfo/RegisterNewUser
	opUserID         = "userinfo.userid"    // GET /UserInfo/UserId
	opUsersCreate    = "users.create"       // POST /users
	opUsersGet       = "users.get"          // GET /users/{id}
	opUsersUpdate    = "users.update"       // PUT /users/{id} with If-Match
	opUsersList      = "users.list"         // GET /users, following nextCursor
	opAccessAdd      = "accessuser.add"     // POST /api/v1/accessuser/add
	opAccessUpdate   = "accessuser.update"  // POST /api/v1/accessuser/update
	opAccessSearch   = "accessuser.search"  // GET /api/v1/accessuser/search
	opIdentityUpdate = "identity.update"    // PUT {base}/identity_/api/User/{id}
	opIdentityGroups = "identity.groups"    // GET {base}/identity_/api/Group
	opLogin          = "account.login"      // POST /account (argon2id)
	opAccountGet     = "account.get"        // GET /account with the login's access token
	opProvision      = "provisioning.event" // SQS SendMessage of a user.upsert
)

// Share is one operation's weight in a Mix.
type Share struct {
	Op     string
	Weight int
}

// Mix is the proportion of each operation. Weights are relative; they need
// not add up to 100.
type Mix []Share

// DefaultMix is a day of administration traffic: reads outnumber writes
// about two to one and every dialect takes part. Logins are a small share
// because each costs an argon2id hash (19 MiB, about 50 ms of a core), so
// a larger share measures the hash rather than the service; provisioning
// events too, as a feed sends them in bursts, not all day (and the local
// server's consumer, one batch at a time, applies a few a second).
func DefaultMix() Mix {
	return Mix{
		{opRegister, 6}, {opUsersCreate, 6}, {opAccessAdd, 6}, {opProvision, 3},
		{opUsersGet, 16}, {opUserID, 10}, {opIdentityGroups, 4}, {opAccountGet, 2},
		{opUsersUpdate, 10}, {opIdentityUpdate, 6}, {opAccessUpdate, 6},
		{opAccessSearch, 12}, {opUsersList, 8},
		{opLogin, 2},
	}
}

// With changes weights of m from a list such as
// "account.login=0,users.get=30": an operation set to 0 is left out. An
// unknown operation or a bad weight is an error.
func (m Mix) With(spec string) (Mix, error) {
	out := slices.Clone(m)
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, weight, ok := strings.Cut(item, "=")
		w, err := strconv.Atoi(weight)
		if !ok || err != nil || w < 0 {
			return nil, fmt.Errorf("-mix %q: want operation=weight with a whole weight >= 0", item)
		}
		i := slices.IndexFunc(out, func(s Share) bool { return s.Op == name })
		if i < 0 {
			return nil, fmt.Errorf("-mix %q: unknown operation; known: %s", name, strings.Join(m.Ops(), ", "))
		}
		out[i].Weight = w
	}
	return out.Without(), nil
}

// Without returns m without the named operations, nor any of weight 0.
func (m Mix) Without(ops ...string) Mix {
	return slices.DeleteFunc(slices.Clone(m), func(s Share) bool {
		return s.Weight <= 0 || slices.Contains(ops, s.Op)
	})
}

// Ops lists the operations of m in order.
func (m Mix) Ops() []string {
	ops := make([]string, len(m))
	for i, s := range m {
		ops[i] = s.Op
	}
	return ops
}

// Pick draws an operation with probability proportional to its weight.
// m must have a positive total weight.
func (m Mix) Pick(r *rand.Rand) string {
	total := 0
	for _, s := range m {
		total += s.Weight
	}
	n := r.IntN(total)
	for _, s := range m {
		if n < s.Weight {
			return s.Op
		}
		n -= s.Weight
	}
	panic("unreachable: n is below the total weight")
}

// String lists the mix as percentages, for the report.
func (m Mix) String() string {
	total := 0
	for _, s := range m {
		total += s.Weight
	}
	parts := make([]string, len(m))
	for i, s := range m {
		parts[i] = fmt.Sprintf("%s %.0f%%", s.Op, 100*float64(s.Weight)/float64(total))
	}
	return strings.Join(parts, ", ")
}
