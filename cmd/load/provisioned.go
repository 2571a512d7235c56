package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// maxChecked bounds how many provisioning events are followed up after a
// run: enough to see the consumer keeps up, few enough to check quickly.
const maxChecked = 20

// ProvisionCheck is what became of the last provisioning events sent.
type ProvisionCheck struct {
	Checked       int     `json:"checked"`
	Applied       int     `json:"applied"`
	WaitedSeconds float64 `json:"waitedSeconds"` // after the load, until the last was found or the wait ran out
}

// lastSent picks the newest events' people, taking from each client in
// turn, newest first, up to n.
func lastSent(clients []*client, n int) []string {
	var out []string
	for depth := 1; len(out) < n; depth++ {
		added := false
		for _, c := range clients {
			if len(c.sent) >= depth && len(out) < n {
				out = append(out, c.sent[len(c.sent)-depth])
				added = true
			}
		}
		if !added {
			break
		}
	}
	return out
}

// checkProvisioned waits until the people of the given provisioning events
// can be found through UserInfo. The consumer applies events after the
// send has been answered, so a send's latency says nothing of an event
// that fails, lands in the dead-letter queue, or waits behind a backlog
// the consumer cannot clear.
func checkProvisioned(ctx context.Context, t *Target, emails []string, wait time.Duration) ProvisionCheck {
	start := time.Now()
	deadline := start.Add(wait)
	res := ProvisionCheck{Checked: len(emails)}
	for _, e := range emails {
		for !found(ctx, t, e) {
			if time.Now().After(deadline) || ctx.Err() != nil {
				res.WaitedSeconds = time.Since(start).Seconds()
				return res
			}
			time.Sleep(250 * time.Millisecond)
		}
		res.Applied++
	}
	res.WaitedSeconds = time.Since(start).Seconds()
	return res
}

func found(ctx context.Context, t *Target, email string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL+"/UserInfo/UserId?userEmail="+url.QueryEscape(email), nil)
	if err != nil {
		return false
	}
	req.Header.Set("Authorization", t.APIKey)
	res, err := t.HTTP.Do(req)
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

func (r *Report) checkProvisioning(p ProvisionCheck) {
	r.Provisioning = &p
	if p.Applied < p.Checked {
		r.fail(fmt.Sprintf("%d of the last %d provisioning events sent were not applied %.0fs after the load ended",
			p.Checked-p.Applied, p.Checked, p.WaitedSeconds))
	}
}
