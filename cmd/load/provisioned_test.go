package main

import (
	"context"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestLastSentTakesTheNewestFromEveryClientInTurn(t *testing.T) {
	clients := []*client{{sent: []string{"a1", "a2", "a3"}}, {sent: nil}, {sent: []string{"c1"}}}
	if got, want := lastSent(clients, 3), []string{"a3", "c1", "a2"}; !slices.Equal(got, want) {
		t.Errorf("lastSent = %v, want %v", got, want)
	}
	if got := lastSent(clients, 10); len(got) != 4 {
		t.Errorf("lastSent of everything = %v, want the 4 sent", got)
	}
}

func TestCheckProvisionedWaitsForTheConsumer(t *testing.T) {
	f := newFakeRoster()
	srv := httptest.NewServer(f.handler(t))
	defer srv.Close()
	target := &Target{URL: srv.URL, APIKey: fakeKey, HTTP: srv.Client()}
	f.emails["early@load.example"] = true
	// The consumer applies the second event a moment after the check begins.
	go func() {
		time.Sleep(300 * time.Millisecond)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.emails["late@load.example"] = true
	}()
	got := checkProvisioned(context.Background(), target, []string{"early@load.example", "late@load.example"}, 5*time.Second)
	if got.Checked != 2 || got.Applied != 2 || got.WaitedSeconds < 0.25 || got.Backlog != -1 {
		t.Errorf("check %+v, want both applied after about 0.3s", got)
	}

	got = checkProvisioned(context.Background(), target, []string{"early@load.example", "never@load.example"}, 300*time.Millisecond)
	var r Report
	r.Pass = true
	r.checkProvisioning(got, 300*time.Millisecond)
	if got.Applied != 1 || !got.Stalled || r.Pass || len(r.Failures) != 1 {
		t.Errorf("check %+v, report %+v: want one applied and a failure", got, r)
	}
}

func TestCheckProvisionedWaitsWhileTheBacklogShrinks(t *testing.T) {
	f := newFakeRoster()
	srv := httptest.NewServer(f.handler(t))
	defer srv.Close()
	// The consumer needs 1.2 s, four times the stall limit, but its
	// backlog shrinks all the while.
	var mu sync.Mutex
	backlog, began := 12, time.Now()
	target := &Target{URL: srv.URL, APIKey: fakeKey, HTTP: srv.Client(), Backlog: func(context.Context) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		backlog = max(12-int(time.Since(began)/(100*time.Millisecond)), 0)
		if backlog == 0 {
			f.mu.Lock()
			f.emails["last@load.example"] = true
			f.mu.Unlock()
		}
		return backlog, nil
	}}
	got := checkProvisioned(context.Background(), target, []string{"last@load.example"}, 300*time.Millisecond)
	if got.Applied != 1 || got.Stalled || got.Backlog != 12 || got.WaitedSeconds < 1 {
		t.Errorf("check %+v: want the event applied after about 1.2s, from a backlog of 12", got)
	}
}
