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
	Checked int `json:"checked"`
	Applied int `json:"applied"`
	// Backlog is how many events were not yet consumed when the load
	// ended; -1 when the queue cannot say.
	Backlog       int     `json:"backlog"`
	WaitedSeconds float64 `json:"waitedSeconds"` // after the load, until the last was found or progress stopped
	Stalled       bool    `json:"stalled"`       // the wait ended for want of progress, or at maxProvisionWait
}

// maxProvisionWait bounds the wait for a consumer that keeps making
// progress but never finishes.
const maxProvisionWait = 15 * time.Minute

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
// that fails, lands in the dead-letter queue, or waits behind a backlog.
// The wait goes on while the consumer makes progress (an event found, the
// backlog shrinking) and ends when none was made for stall.
func checkProvisioned(ctx context.Context, t *Target, emails []string, stall time.Duration) ProvisionCheck {
	start := time.Now()
	res := ProvisionCheck{Checked: len(emails), Backlog: -1}
	backlog := func() int {
		if t.Backlog == nil {
			return -1
		}
		n, err := t.Backlog(ctx)
		if err != nil {
			return -1
		}
		return n
	}
	res.Backlog = backlog()
	last, progressed := res.Backlog, start
	for _, e := range emails {
		for !found(ctx, t, e) {
			now := time.Now()
			if n := backlog(); n >= 0 && (last < 0 || n < last) {
				last, progressed = n, now
			}
			if now.Sub(progressed) > stall || now.Sub(start) > maxProvisionWait || ctx.Err() != nil {
				res.Stalled = true
				res.WaitedSeconds = time.Since(start).Seconds()
				return res
			}
			time.Sleep(250 * time.Millisecond)
		}
		res.Applied++
		progressed = time.Now()
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

func (r *Report) checkProvisioning(p ProvisionCheck, stall time.Duration) {
	r.Provisioning = &p
	if p.Applied < p.Checked {
		r.fail(fmt.Sprintf("%d of the last %d provisioning events sent were not applied: the consumer made no progress for %s (%.0fs after the load ended)",
			p.Checked-p.Applied, p.Checked, stall, p.WaitedSeconds))
	}
}
