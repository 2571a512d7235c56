package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestDefaultMixCoversEveryDialectWithFewLogins(t *testing.T) {
	m := DefaultMix()
	total, logins := 0, 0
	dialects := map[string]bool{}
	for _, s := range m {
		total += s.Weight
		if s.Op == opLogin {
			logins = s.Weight
		}
		dialects[strings.SplitN(s.Op, ".", 2)[0]] = true
	}
	for _, d := range []string{"userinfo", "users", "accessuser", "identity", "account", "provisioning"} {
		if !dialects[d] {
			t.Errorf("no %s operation in the default mix", d)
		}
	}
	if share := float64(logins) / float64(total); share == 0 || share > 0.05 {
		t.Errorf("logins are %.0f%% of the mix, want a small share (argon2id is CPU-heavy)", share*100)
	}
}

func TestPickFollowsTheWeights(t *testing.T) {
	m := Mix{{"a", 1}, {"b", 3}, {"c", 0}, {"d", 6}}
	r := rand.New(rand.NewPCG(1, 2))
	counts := map[string]int{}
	const n = 100_000
	for range n {
		counts[m.Pick(r)]++
	}
	for op, want := range map[string]float64{"a": 0.1, "b": 0.3, "c": 0, "d": 0.6} {
		if got := float64(counts[op]) / n; math.Abs(got-want) > 0.01 {
			t.Errorf("%s drawn %.3f of the time, want %.2f", op, got, want)
		}
	}
}

func TestWithChangesWeightsAndLeavesOutZeros(t *testing.T) {
	got, err := Mix{{"a", 1}, {"b", 2}, {"c", 3}}.With(" b=10, c=0 ,")
	if err != nil {
		t.Fatal(err)
	}
	if want := (Mix{{"a", 1}, {"b", 10}}); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, bad := range []string{"zz=1", "a", "a=-1", "a=x"} {
		if _, err := DefaultMix().With(bad); err == nil {
			t.Errorf("With(%q): no error", bad)
		}
	}
}

func TestWithoutLeavesTheOriginalAlone(t *testing.T) {
	m := Mix{{"a", 1}, {"b", 2}}
	if got := m.Without("a"); !slices.Equal(got, Mix{{"b", 2}}) {
		t.Errorf("Without(a) = %v", got)
	}
	if !slices.Equal(m, Mix{{"a", 1}, {"b", 2}}) {
		t.Errorf("the original changed: %v", m)
	}
}
