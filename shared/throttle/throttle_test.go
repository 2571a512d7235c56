package throttle_test

import (
	"testing"
	"time"

	"roster/shared/fault"
	"roster/shared/throttle"
)

func TestAWindowIsAlignedAndARefusalWaitsForItsEnd(t *testing.T) {
	hour := throttle.Limit{Max: 5, Window: time.Hour}
	tests := []struct {
		now        time.Time
		start, end time.Time
	}{
		{time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 4, 0, 0, 0, time.UTC)},
		{time.Date(2026, 1, 2, 3, 59, 59, 0, time.UTC), time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 4, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		start, end := hour.Span(tt.now)
		if !start.Equal(tt.start) || !end.Equal(tt.end) {
			t.Errorf("Span(%v) = %v, %v; want %v, %v", tt.now, start, end, tt.start, tt.end)
		}
		e := throttle.Refused(throttle.Counter{Of: "this address", Limit: hour}, tt.now)
		if e.Code != fault.TooManyRequests || e.RetryAfter != tt.end.Sub(tt.now) || e.Message == "" {
			t.Errorf("Refused at %v = %+v", tt.now, e)
		}
	}
}

func TestMailCountsTheNormalisedAddressFirstThenTheTenant(t *testing.T) {
	a, b := throttle.Mail("t1", " Grace@EXAMPLE.com"), throttle.Mail("t1", "grace@ｅｘａｍｐｌｅ.com")
	if len(a) != 2 || a[0] != b[0] || a[1] != b[1] {
		t.Fatalf("Mail = %+v and %+v, want one address counter and one tenant counter, the same for both", a, b)
	}
	if a[0].Limit.Max != throttle.MailPerAddress || a[1].Limit.Max != throttle.MailPerTenant || a[0].Key == a[1].Key {
		t.Errorf("Mail = %+v", a)
	}
}
