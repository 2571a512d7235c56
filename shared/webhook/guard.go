package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// ErrRefused is in the chain of every address the guard refuses.
var ErrRefused = errors.New("webhook: address refused")

// Guard keeps deliveries away from what a tenant must not reach through
// Roster (server-side request forgery): private, loopback, link-local
// (the cloud metadata service at 169.254.169.254 and fd00:ec2::254
// among them), shared, multicast and reserved addresses, by literal or by
// any name that resolves to one. A name is resolved once per delivery and
// the connection goes to the address checked (pinned), so a name that
// changes its answer between check and connect reaches nothing it should
// not.
type Guard struct {
	// Resolver looks names up; net.DefaultResolver unless set.
	Resolver *net.Resolver
	// AllowLoopback lets http:// and loopback addresses through: for the
	// local stack and tests only, where receivers listen on 127.0.0.1.
	AllowLoopback bool
}

// blocked are the ranges no delivery may reach, beyond what netip's own
// predicates catch (loopback, private, link-local, multicast, unspecified).
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space (carrier NAT)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64 of any IPv4 address
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("2002::/16"),       // 6to4, which embeds an IPv4 address
	netip.MustParsePrefix("100::/64"),        // discard
}

// Allowed reports whether a delivery may connect to addr.
func (g Guard) Allowed(addr netip.Addr) bool {
	addr = addr.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	if g.AllowLoopback && addr.IsLoopback() {
		return true
	}
	if !addr.IsValid() || addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() ||
		addr.IsLinkLocalMulticast() || addr.IsInterfaceLocalMulticast() || addr.IsMulticast() || addr.IsUnspecified() {
		return false
	}
	for _, p := range blocked {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// CheckURL checks an endpoint's address as registered: https (http only
// where loopback is allowed), a host, no user information, no fragment,
// and, for an IP literal, an allowed address. A name is checked when a
// delivery resolves it (Resolve).
func (g Guard) CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: not a URL", ErrRefused)
	case u.Scheme != "https" && !(g.AllowLoopback && u.Scheme == "http"):
		return nil, fmt.Errorf("%w: must be https", ErrRefused)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("%w: must name a host", ErrRefused)
	case u.User != nil:
		return nil, fmt.Errorf("%w: must not carry user information", ErrRefused)
	case u.Fragment != "":
		return nil, fmt.Errorf("%w: must not carry a fragment", ErrRefused)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || strings.HasSuffix(host, ".internal") {
		if !g.AllowLoopback {
			return nil, fmt.Errorf("%w: %s is a local name", ErrRefused, host)
		}
	}
	if addr, err := netip.ParseAddr(u.Hostname()); err == nil && !g.Allowed(addr) {
		return nil, fmt.Errorf("%w: %s is not a public address", ErrRefused, addr)
	}
	return u, nil
}

// Resolve looks host up once and returns the address to connect to: the
// first the name resolves to, provided every address it resolves to is
// allowed (a name that mixes a public address with a private one is
// refused: it is built to slip through).
func (g Guard) Resolve(ctx context.Context, host string) (netip.Addr, error) {
	if addr, err := netip.ParseAddr(host); err == nil {
		if !g.Allowed(addr) {
			return netip.Addr{}, fmt.Errorf("%w: %s is not a public address", ErrRefused, addr)
		}
		return addr.Unmap(), nil
	}
	r := g.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("resolve %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return netip.Addr{}, fmt.Errorf("resolve %s: no address", host)
	}
	for _, a := range addrs {
		if !g.Allowed(a) {
			return netip.Addr{}, fmt.Errorf("%w: %s resolves to %s, not a public address", ErrRefused, host, a.Unmap())
		}
	}
	return addrs[0].Unmap(), nil
}
