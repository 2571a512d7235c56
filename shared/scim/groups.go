package scim

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	filter "github.com/scim2/filter-parser/v2"

	"roster/shared/auth"
	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/user"
)

// Groups are the tenant's groups (directory.Group) and their members,
// the users whose groups hold the group's id. A membership lives on the
// user item, so a group's members are found by reading the tenant's
// users, at most maxScan of them (tooMany past it); a list or read with
// excludedAttributes=members (as Entra ID and Okta send them) reads no
// user. A membership change is a change of each user it adds or removes
// (directory.Service Update, one read and one transaction a user), so a
// PATCH of hundreds of members is that many changes, checked first: an
// unknown user changes nothing.

// groupResource is a group as a SCIM Group; members nil leaves them out.
func groupResource(g directory.Group, members []*user.User, base string) object {
	m := object{
		"schemas":     []any{GroupSchema},
		"id":          g.ID,
		"displayName": g.Name,
		"meta": object{
			"resourceType": "Group",
			"created":      g.CreatedAt.UTC().Format(timeFormat),
			"lastModified": g.CreatedAt.UTC().Format(timeFormat),
			"location":     base + "/Groups/" + g.ID,
		},
	}
	if g.ExternalID != "" {
		m["externalId"] = g.ExternalID
	}
	if members != nil {
		list := make([]any, 0, len(members))
		for _, u := range members {
			list = append(list, object{"value": u.ID, "$ref": base + "/Users/" + u.ID})
		}
		if len(list) > 0 {
			m["members"] = list
		}
	}
	return m
}

// wantsMembers reports whether an answer shaped by q shows members.
func wantsMembers(q listQuery) bool {
	for _, r := range q.Excluded {
		if r.top != nil && r.top.Name == "members" {
			return false
		}
	}
	if len(q.Attributes) == 0 {
		return true
	}
	return slices.ContainsFunc(q.Attributes, func(r resolved) bool { return r.top != nil && r.top.Name == "members" })
}

// errTooManyUsers refuses what would read more than maxScan users.
func errTooManyUsers(field string) error {
	return invalid(tooMany, field, "needs more than 1000 users read; ask with excludedAttributes=members")
}

// scanUsers reads the tenant's users, 100 a Query, at most maxScan.
func (s *server) scanUsers(ctx context.Context, p auth.Principal, field string, each func(*user.User)) error {
	cursor, read := "", 0
	for {
		pg, err := s.dir.List(ctx, p, directory.MaxPageSize, cursor)
		if err != nil {
			return err
		}
		read += len(pg.Users)
		for _, u := range pg.Users {
			each(u)
		}
		if pg.Next == "" {
			return nil
		}
		if read >= maxScan {
			return errTooManyUsers(field)
		}
		cursor = pg.Next
	}
}

// membersOf maps each group id to its members.
func (s *server) membersOf(ctx context.Context, p auth.Principal) (map[string][]*user.User, error) {
	out := map[string][]*user.User{}
	err := s.scanUsers(ctx, p, "members", func(u *user.User) {
		for _, g := range u.Groups {
			out[g] = append(out[g], u)
		}
	})
	return out, err
}

// listGroups answers GET /Groups.
func (s *server) listGroups(w http.ResponseWriter, r *http.Request) {
	q, err := queryFromURL(&groupType, r.URL.Query())
	if err != nil {
		WriteError(w, r, err)
		return
	}
	s.findGroups(w, r, q)
}

// searchGroups answers POST /Groups/.search.
func (s *server) searchGroups(w http.ResponseWriter, r *http.Request) {
	in, err := readSearch(r)
	if err == nil {
		var q listQuery
		if q, err = in.query(&groupType); err == nil {
			s.findGroups(w, r, q)
			return
		}
	}
	WriteError(w, r, err)
}

// findGroups answers a list of groups: displayName eq and id eq read one
// group; anything else reads the tenant's groups (one Query) and filters
// them here.
func (s *server) findGroups(w http.ResponseWriter, r *http.Request, q listQuery) {
	list, err := s.collectGroups(r.Context(), principal(r), baseURL(r), q)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	sortResources(list, q)
	page(w, q, len(list), window(list, q))
}

// collectGroups returns every group that matches q's filter, with its
// members when q shows them or filters on them.
func (s *server) collectGroups(ctx context.Context, p auth.Principal, base string, q listQuery) ([]object, error) {
	var groups []directory.Group
	kind, v := noIndex, ""
	if q.Filter != nil {
		kind, v = indexed(&groupType, q.Filter)
	}
	var err error
	switch kind {
	case byDisplayName, byID:
		var g directory.Group
		if kind == byID {
			g, err = s.dir.GetGroup(ctx, p, v)
		} else {
			g, err = s.dir.GroupByName(ctx, p, v)
		}
		if err == nil {
			groups = []directory.Group{g}
		} else if fault.CodeOf(err) == fault.NotFound {
			err = nil
		}
	default:
		groups, err = s.dir.ListGroups(ctx, p)
	}
	if err != nil {
		return nil, err
	}
	var members map[string][]*user.User
	if wantsMembers(q) || q.Filter != nil && strings.Contains(strings.ToLower(filterString(q.Filter)), "members") {
		if members, err = s.membersOf(ctx, p); err != nil {
			return nil, err
		}
	}
	var list []object
	for _, g := range groups {
		ms := members[g.ID]
		if members != nil && ms == nil {
			ms = []*user.User{}
		}
		m := groupResource(g, ms, base)
		if q.Filter == nil || matches(&groupType, q.Filter, m) {
			list = append(list, m)
		}
	}
	return list, nil
}

func filterString(e filter.Expression) string {
	if s, ok := e.(interface{ String() string }); ok {
		return s.String()
	}
	return ""
}

// getGroup answers GET /Groups/{id}.
func (s *server) getGroup(w http.ResponseWriter, r *http.Request) {
	q, err := oneResourceQuery(&groupType, r.URL.Query())
	if err != nil {
		WriteError(w, r, err)
		return
	}
	ctx, p := r.Context(), principal(r)
	g, err := s.dir.GetGroup(ctx, p, r.PathValue("id"))
	if err != nil {
		WriteError(w, r, err)
		return
	}
	var ms []*user.User
	if wantsMembers(q) {
		all, err := s.membersOf(ctx, p)
		if err != nil {
			WriteError(w, r, err)
			return
		}
		ms = all[g.ID]
	}
	encode(w, http.StatusOK, project(groupResource(g, ms, baseURL(r)), q))
}

// groupInput is a Group as a client wrote it.
type groupInput struct {
	Name       string
	ExternalID string
	Members    []string // user ids
	HasList    bool     // members was given
}

// groupFrom reads a canonical Group.
func groupFrom(m object) (groupInput, error) {
	var in groupInput
	in.Name, _ = m["displayName"].(string)
	in.ExternalID, _ = m["externalId"].(string)
	if strings.TrimSpace(in.Name) == "" {
		return in, invalid(invalidValue, "displayName", "is required and must not be blank")
	}
	list, ok := m["members"].([]any)
	in.HasList = ok || m["members"] != nil
	for i, item := range list {
		o, _ := item.(object)
		v, _ := o["value"].(string)
		if v == "" {
			return in, invalid(invalidValue, "members["+itoa(i)+"].value", "is required: a user's id")
		}
		if !slices.Contains(in.Members, v) {
			in.Members = append(in.Members, v)
		}
	}
	return in, nil
}

// checkMembers reads every user a change names, so an unknown one changes
// nothing: invalidValue naming members.
func (s *server) checkMembers(ctx context.Context, p auth.Principal, ids []string) error {
	if len(ids) > maxMemberChanges {
		return invalid(tooMany, "members", "must add at most 500 members in one request")
	}
	for _, id := range ids {
		if _, err := s.dir.Get(ctx, p, id); err != nil {
			if fault.CodeOf(err) == fault.NotFound {
				return invalid(invalidValue, "members", "names "+id+", which is no user of the tenant")
			}
			return err
		}
	}
	return nil
}

// maxMemberChanges bounds the members one request adds and removes: each
// is a change of a user (two reads and a transaction), and 500 end well
// within the function's timeout.
const maxMemberChanges = 500

// setMembership adds and removes the group of each user.
func (s *server) setMembership(ctx context.Context, p auth.Principal, gid string, add, remove []string) error {
	for _, id := range add {
		if _, err := s.dir.Update(ctx, p, id, directory.Change{GroupsToAdd: []string{gid}}); err != nil {
			return err
		}
	}
	for _, id := range remove {
		if _, err := s.dir.Update(ctx, p, id, directory.Change{GroupsToRemove: []string{gid}}); err != nil && fault.CodeOf(err) != fault.NotFound {
			return err
		}
	}
	return nil
}

// readGroup decodes and checks a Group body.
func readGroup(r *http.Request) (groupInput, error) {
	return readResource(r, maxPatchBytes, &groupType, groupFrom)
}

// createGroup answers POST /Groups: the group, then each member's change.
func (s *server) createGroup(w http.ResponseWriter, r *http.Request) {
	in, err := readGroup(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	ctx, p := r.Context(), principal(r)
	if err := s.checkMembers(ctx, p, in.Members); err != nil {
		WriteError(w, r, err)
		return
	}
	g, err := s.dir.CreateGroup(ctx, p, in.Name)
	if err == nil && in.ExternalID != "" {
		g, err = s.dir.UpdateGroup(ctx, p, g.ID, g.Name, &in.ExternalID)
	}
	if err == nil {
		err = s.setMembership(ctx, p, g.ID, in.Members, nil)
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	var ms []*user.User
	for _, id := range in.Members {
		if u, err := s.dir.Get(ctx, p, id); err == nil {
			ms = append(ms, u)
		}
	}
	m := groupResource(g, ms, baseURL(r))
	w.Header().Set("Location", m["meta"].(object)["location"].(string))
	encode(w, http.StatusCreated, m)
}

// replaceGroup answers PUT /Groups/{id}: the name, and the members made
// exactly those given.
func (s *server) replaceGroup(w http.ResponseWriter, r *http.Request) {
	in, err := readGroup(r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	ctx, p, id := r.Context(), principal(r), r.PathValue("id")
	g, err := s.dir.GetGroup(ctx, p, id)
	if err == nil {
		err = s.checkMembers(ctx, p, in.Members)
	}
	var all map[string][]*user.User
	if err == nil {
		all, err = s.membersOf(ctx, p)
	}
	if err == nil {
		g, err = s.dir.UpdateGroup(ctx, p, id, in.Name, &in.ExternalID)
	}
	if err == nil {
		add, remove := diffMembers(all[id], in.Members)
		err = s.setMembership(ctx, p, id, add, remove)
	}
	if err != nil {
		WriteError(w, r, err)
		return
	}
	s.writeGroup(w, r, g)
}

// writeGroup answers a group with its members as they now are.
func (s *server) writeGroup(w http.ResponseWriter, r *http.Request, g directory.Group) {
	all, err := s.membersOf(r.Context(), principal(r))
	if err != nil {
		WriteError(w, r, err)
		return
	}
	encode(w, http.StatusOK, groupResource(g, all[g.ID], baseURL(r)))
}

// diffMembers returns who joins and who leaves for the members to become want.
func diffMembers(current []*user.User, want []string) (add, remove []string) {
	var have []string
	for _, u := range current {
		have = append(have, u.ID)
		if !slices.Contains(want, u.ID) {
			remove = append(remove, u.ID)
		}
	}
	for _, id := range want {
		if !slices.Contains(have, id) {
			add = append(add, id)
		}
	}
	return add, remove
}

// patchGroup answers PATCH /Groups/{id} (204): a rename, and members
// added and removed, as Okta and Entra ID send them.
func (s *server) patchGroup(w http.ResponseWriter, r *http.Request) {
	body, err := decodeObject(r, maxPatchBytes)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	ops, err := patchFrom(body)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	ctx, p, id := r.Context(), principal(r), r.PathValue("id")
	g, err := s.dir.GetGroup(ctx, p, id)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	plan, err := planGroupPatch(ops)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	if plan.needMembers {
		all, err := s.membersOf(ctx, p)
		if err != nil {
			WriteError(w, r, err)
			return
		}
		plan.resolve(all[id])
	}
	if len(plan.remove) > maxMemberChanges {
		WriteError(w, r, invalid(tooMany, "members", "must remove at most 500 members in one request"))
		return
	}
	if err := s.checkMembers(ctx, p, plan.add); err != nil {
		WriteError(w, r, err)
		return
	}
	if plan.name != "" || plan.externalID != nil {
		if g, err = s.dir.UpdateGroup(ctx, p, id, cmpOr(plan.name, g.Name), plan.externalID); err != nil {
			WriteError(w, r, err)
			return
		}
	}
	if err := s.setMembership(ctx, p, g.ID, plan.add, plan.remove); err != nil {
		WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// groupPatch is what a PATCH of a group comes to.
type groupPatch struct {
	name        string
	externalID  *string
	add, remove []string
	// Operations that need the current members: a replace of members,
	// a remove of all of them, or a remove by a filter other than
	// value eq.
	needMembers bool
	replaceAll  *[]string
	removeAll   bool
	removeBy    []filter.Expression
}

// planGroupPatch reads the operations in order.
func planGroupPatch(ops []patchOp) (*groupPatch, error) {
	gp := &groupPatch{}
	addIDs := func(v any, field string) ([]string, error) {
		a := find(groupSchema.Attributes, "members")
		cv, err := value(a, listOf(v), field)
		if err != nil {
			return nil, err
		}
		var ids []string
		for i, item := range cv.([]any) {
			o, _ := item.(object)
			id, _ := o["value"].(string)
			if id == "" {
				return nil, invalid(invalidValue, field+"["+itoa(i)+"].value", "is required: a user's id")
			}
			ids = append(ids, id)
		}
		return ids, nil
	}
	join := func(ids []string) {
		for _, id := range ids {
			gp.remove = slices.DeleteFunc(gp.remove, func(x string) bool { return x == id })
			if !slices.Contains(gp.add, id) {
				gp.add = append(gp.add, id)
			}
		}
	}
	leave := func(ids []string) {
		for _, id := range ids {
			gp.add = slices.DeleteFunc(gp.add, func(x string) bool { return x == id })
			if !slices.Contains(gp.remove, id) {
				gp.remove = append(gp.remove, id)
			}
		}
	}
	for _, op := range ops {
		field := "Operations[" + itoa(op.index) + "]"
		path := strings.TrimSpace(op.Path)
		switch {
		case path == "" && op.Op != "remove":
			vals, ok := op.Value.(object)
			if !ok {
				return nil, invalid(invalidValue, field+".value", "must be an object of attributes when there is no path")
			}
			for k, v := range vals {
				switch strings.ToLower(k) {
				case "displayname":
					s, ok := v.(string)
					if !ok {
						return nil, invalid(invalidValue, "displayName", "must be a string")
					}
					gp.name = s
				case "members":
					ids, err := addIDs(v, "members")
					if err != nil {
						return nil, err
					}
					if op.Op == "replace" {
						gp.needMembers, gp.replaceAll, gp.add, gp.remove = true, &ids, nil, nil
					} else {
						join(ids)
					}
				case "id", "schemas", "meta":
					// Okta sends the group's id back in a replace; read-only, ignored.
				case "externalid":
					s, ok := v.(string)
					if !ok && v != nil {
						return nil, invalid(invalidValue, "externalId", "must be a string")
					}
					gp.externalID = &s
				default:
					return nil, invalid(invalidPath, field+".value."+k, "is not an attribute of Group")
				}
			}
		case path == "":
			return nil, invalid(noTarget, field+".path", "is required to remove")
		case strings.EqualFold(path, "externalId"):
			s, ok := op.Value.(string)
			if !ok && op.Op != "remove" {
				return nil, invalid(invalidValue, "externalId", "must be a string")
			}
			gp.externalID = &s
		case strings.EqualFold(path, "displayName"):
			if op.Op == "remove" {
				return nil, invalid(invalidValue, "displayName", "is required and cannot be removed")
			}
			s, ok := op.Value.(string)
			if !ok {
				return nil, invalid(invalidValue, "displayName", "must be a string")
			}
			gp.name = s
		case strings.EqualFold(path, "members"):
			switch {
			case op.Op == "remove" && op.Value == nil:
				gp.needMembers, gp.removeAll, gp.add = true, true, nil
			case op.Op == "remove":
				ids, err := addIDs(op.Value, "members")
				if err != nil {
					return nil, err
				}
				leave(ids)
			case op.Op == "replace":
				ids, err := addIDs(op.Value, "members")
				if err != nil {
					return nil, err
				}
				gp.needMembers, gp.replaceAll, gp.add, gp.remove = true, &ids, nil, nil
			default:
				ids, err := addIDs(op.Value, "members")
				if err != nil {
					return nil, err
				}
				join(ids)
			}
		default:
			pp, err := filter.ParsePath([]byte(path))
			if err != nil || !strings.EqualFold(pp.AttributePath.AttributeName, "members") || pp.ValueExpression == nil || op.Op != "remove" {
				if err == nil && strings.EqualFold(pp.AttributePath.AttributeName, "id") {
					return nil, invalid(mutability, field+".path", "id is read-only")
				}
				return nil, invalid(invalidPath, field+".path", "names "+path+"; a group's PATCH takes displayName, members, or members[value eq \"…\"] to remove")
			}
			if err := checkExpr(&groupType, &filter.ValuePath{AttributePath: pp.AttributePath, ValueFilter: pp.ValueExpression}, nil); err != nil {
				return nil, invalid(invalidPath, field+".path", "has a filter that is not valid for members")
			}
			if k, v, ok := simpleEq(pp.ValueExpression); ok && strings.EqualFold(k, "value") {
				if s, ok := v.(string); ok {
					leave([]string{s})
					continue
				}
			}
			gp.needMembers = true
			gp.removeBy = append(gp.removeBy, pp.ValueExpression)
		}
	}
	if gp.name != "" {
		if err := checkName(gp.name); err != nil {
			return nil, err
		}
	}
	return gp, nil
}

func checkName(name string) error {
	if strings.TrimSpace(name) == "" {
		return invalid(invalidValue, "displayName", "is required and must not be blank")
	}
	return nil
}

// resolve turns the operations that needed the current members into
// adds and removes.
func (gp *groupPatch) resolve(current []*user.User) {
	var have []string
	for _, u := range current {
		have = append(have, u.ID)
	}
	switch {
	case gp.replaceAll != nil:
		add, remove := diffMembers(current, *gp.replaceAll)
		gp.add, gp.remove = add, remove
	case gp.removeAll:
		gp.remove = have
	}
	for _, f := range gp.removeBy {
		for _, u := range current {
			if matchesWithin(find(groupSchema.Attributes, "members"), f, object{"value": u.ID, "display": cmpOr(u.DisplayName, u.Username), "type": "User"}) &&
				!slices.Contains(gp.remove, u.ID) {
				gp.remove = append(gp.remove, u.ID)
			}
		}
	}
}

func listOf(v any) any {
	if _, ok := v.([]any); ok || v == nil {
		return v
	}
	return []any{v}
}

// deleteGroup answers DELETE /Groups/{id}: each member leaves it, then it
// is deleted.
func (s *server) deleteGroup(w http.ResponseWriter, r *http.Request) {
	if err := noQuery(r); err != nil {
		WriteError(w, r, err)
		return
	}
	ctx, p, id := r.Context(), principal(r), r.PathValue("id")
	if _, err := s.dir.GetGroup(ctx, p, id); err != nil {
		WriteError(w, r, err)
		return
	}
	all, err := s.membersOf(ctx, p)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	var ids []string
	for _, u := range all[id] {
		ids = append(ids, u.ID)
	}
	if err := s.dir.DeleteGroup(ctx, p, id, ids); err != nil {
		WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func itoa(i int) string { return strconv.Itoa(i) }
