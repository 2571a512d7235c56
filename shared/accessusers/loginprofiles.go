package accessusers

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"roster/shared/check"
	"roster/shared/fault"
	"roster/shared/loginprofile"
	"roster/shared/web"
)

// maxCachedTenants bounds the profile cache; past it the cache starts over.
const maxCachedTenants = 10_000

// profileCache keeps the login profiles each tenant has been seen to have.
// Profiles never change once added (package loginprofile), so an entry is
// never stale; a number the cache does not know makes it read the tenant's
// list again, which is how a profile added by another container is found.
// A search page whose users all have known profiles costs no extra call.
type profileCache struct {
	st       loginprofile.Store
	mu       sync.Mutex
	byTenant map[string]map[int64]loginprofile.Profile
}

func newProfileCache(st loginprofile.Store) *profileCache {
	return &profileCache{st: st, byTenant: map[string]map[int64]loginprofile.Profile{}}
}

// lookup returns the tenant's profiles, reading them when one of ids (as
// users store them: 0 is the default) is not known yet.
func (c *profileCache) lookup(ctx context.Context, tenantID string, ids ...int64) (map[int64]loginprofile.Profile, error) {
	c.mu.Lock()
	known := c.byTenant[tenantID]
	c.mu.Unlock()
	missing := false
	for _, id := range ids {
		id = loginprofile.Effective(id)
		if _, ok := known[id]; !ok && id != loginprofile.DefaultID {
			missing = true
			break
		}
	}
	if !missing {
		if known == nil {
			known = map[int64]loginprofile.Profile{loginprofile.DefaultID: loginprofile.Default()}
		}
		return known, nil
	}
	list, err := c.st.ListLoginProfiles(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return c.remember(tenantID, list), nil
}

// remember stores a tenant's full list of profiles.
func (c *profileCache) remember(tenantID string, list []loginprofile.Profile) map[int64]loginprofile.Profile {
	m := make(map[int64]loginprofile.Profile, len(list)+1)
	m[loginprofile.DefaultID] = loginprofile.Default()
	for _, p := range list {
		m[p.ID] = p
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.byTenant) >= maxCachedTenants {
		clear(c.byTenant)
	}
	c.byTenant[tenantID] = m
	return m
}

// get returns one profile; ok is false when the tenant has none with id.
func (c *profileCache) get(ctx context.Context, tenantID string, id int64) (loginprofile.Profile, bool, error) {
	m, err := c.lookup(ctx, tenantID, id)
	if err != nil {
		return loginprofile.Profile{}, false, err
	}
	p, ok := m[loginprofile.Effective(id)]
	return p, ok, nil
}

// check returns an error naming field when id names no profile of the
// tenant.
func (c *profileCache) check(ctx context.Context, tenantID, field string, id int64) error {
	_, ok, err := c.get(ctx, tenantID, id)
	if err != nil || ok {
		return err
	}
	return withID(msgNoLoginProfile, fault.InvalidField(field,
		"names no login profile of this tenant ("+strconv.FormatInt(id, 10)+"); GET /api/v1/loginprofile/list lists them"))
}

// profileItem is a login profile as the API shows it.
type profileItem struct {
	ID             int64  `json:"id"`
	Name           string `json:"name"`
	AuthTypeID     int    `json:"authTypeId"`
	AuthTypeStr    string `json:"authTypeStr"`
	CreateDateTime string `json:"createDateTime"` // "" for the built-in default
	CreatedOwner   string `json:"createdOwner"`   // "" for the built-in default
	Default        bool   `json:"default"`        // the profile of users that name none
}

// profileList answers GET /api/v1/loginprofile/list.
type profileList struct {
	List        []profileItem `json:"list"`
	ResultCount int           `json:"resultCount"`
}

// listProfiles lists the tenant's login profiles, the default first.
func (h *handlers) listProfiles() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		errw := writeError(h.now)
		if err := noQuery(r); err != nil {
			errw(w, r, err)
			return
		}
		p := principal(r.Context())
		list, err := h.profiles.st.ListLoginProfiles(r.Context(), p.TenantID)
		if err != nil {
			errw(w, r, err)
			return
		}
		h.profiles.remember(p.TenantID, list)
		out := profileList{List: make([]profileItem, len(list)), ResultCount: len(list)}
		for i, pr := range list {
			item := profileItem{ID: pr.ID, Name: pr.Name, AuthTypeID: int(pr.AuthType), AuthTypeStr: pr.AuthType.String(),
				CreatedOwner: pr.CreatedBy, Default: pr.ID == loginprofile.DefaultID}
			if !pr.CreatedAt.IsZero() {
				item.CreateDateTime = stamp(pr.CreatedAt)
			}
			out.List[i] = item
		}
		web.Encode(w, http.StatusOK, out)
	})
}

type addProfileRequest struct {
	Name       string `json:"name"`
	AuthTypeID *int   `json:"authTypeId"`
}

// Valid requires a name and one of the authentication types.
func (r addProfileRequest) Valid(context.Context) []fault.FieldError {
	p := problems(check.Text("name", r.Name, maxName, true))
	if r.AuthTypeID == nil || !loginprofile.AuthType(*r.AuthTypeID).Valid() {
		p.add("authTypeId", "is required: 1 (LOCAL), 2 (LDAP), 3 (SAML) or 4 (OIDC)")
	}
	return p
}

// addedProfile answers POST /api/v1/loginprofile/add: the envelope and the
// new profile's id, which users name as authId.
type addedProfile struct {
	envelope
	ID int64 `json:"id"`
}

// addProfile adds a login profile to the caller's tenant.
func (h *handlers) addProfile() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		errw := writeError(h.now)
		req, err := web.DecodeValid[addProfileRequest](r, maxBody)
		if err != nil {
			errw(w, r, err)
			return
		}
		p := principal(r.Context())
		now := h.now()
		added, err := h.profiles.st.AddLoginProfile(r.Context(), p.TenantID, loginprofile.Profile{
			Name: strings.TrimSpace(req.Name), AuthType: loginprofile.AuthType(*req.AuthTypeID),
			CreatedAt: now.UTC().Truncate(time.Millisecond), CreatedBy: p.Actor(),
		})
		if err != nil {
			if f := fault.As(err); f.Code == fault.Conflict && len(f.Fields) == 0 {
				err = withID(msgProfileLimit, err)
			}
			errw(w, r, err)
			return
		}
		web.Encode(w, http.StatusOK, addedProfile{
			envelope: envelope{Timestamp: stamp(now), Message: "Login profile " + strconv.FormatInt(added.ID, 10) + " (" + added.Name + ") added."},
			ID:       added.ID,
		})
	})
}
