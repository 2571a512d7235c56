package store

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/auth"
	"roster/shared/events"
	"roster/shared/fault"
	"roster/shared/web"
)

// The table's stream (NEW_AND_OLD_IMAGES) is where Roster's events are
// born (decision 025): every write lands there, so no write path can
// forget one. This file knows which item change means which event. Only
// the items people, groups, tenants and credentials live in speak:
//
//	item                         events
//	user     TENANT#t USER#id    created, updated, deactivated, reactivated, deleted; membership added/removed; session revoked
//	group    TENANT#t GROUP#id   group created, updated, deleted
//	tenant   TENANT#t TENANT     tenant created, updated, deactivated, reactivated
//	account  ACCOUNT#a ACCOUNT   login failed, user locked (the tenant and user the failure was in ride on the item);
//	                             mfa enrolled, removed (the tenant and user ride on the item too: factorNote)
//	reset    RESET#id RESET      recovery requested (written), password reset (spent); decoys none
//	session  ACCOUNT#a SESSION#s session ended (removed by EndSession; the user read from the membership)
//	apikey, device               created, revoked
//	invite                       invitation created
//
// Everything else produces none: uniqueness markers (EMAIL#, USERNAME#,
// NUMBER#, GROUPNAME#, PROFILENAME#), OWNERS, EXTERNAL*, INVITEE#,
// THROTTLE#, IDEMPOTENCY#, LOGINCODE#, memberships (MEMBER#, the mirror of
// a user), auth tokens (a session's secret, rotated on every exchange),
// login profiles, the deletion notes below, and the audit log and webhook
// items the consumer itself writes (AUDIT#, HOOK#), which would otherwise
// feed back into the stream.
//
// Deletions: a removed item cannot say who removed it, so a user's delete
// writes a deletion note (DELETED#<t>#<userId>, kept a day) in its
// transaction, with the actor and request id; the consumer reads it back.

// deletionItem records who deleted a user, for the stream's consumer.
type deletionItem struct {
	PK        string    `dynamodbav:"PK"`
	SK        string    `dynamodbav:"SK"`
	Type      string    `dynamodbav:"type"`
	TenantID  string    `dynamodbav:"tenantId"`
	UserID    string    `dynamodbav:"userId"`
	Actor     string    `dynamodbav:"actor,omitempty"`
	RequestID string    `dynamodbav:"requestId,omitempty"`
	At        time.Time `dynamodbav:"at"`
	ExpiresAt int64     `dynamodbav:"expiresAt"`
}

const deletionSK = "DELETED"

// deletionKeep is how long a deletion note outlives its delete: long
// enough for the stream's consumer (whose records live 24 hours) to read it.
const deletionKeep = 48 * time.Hour

func deletionPK(tenantID, userID string) string { return "DELETED#" + tenantID + "#" + userID }

// deletionPut is the transaction item that notes who deletes a user and
// in which request: the request's principal and id (ctx), unless the
// caller names them (provisioning: its actor and the event's id).
func (t *Table) deletionPut(ctx context.Context, tenantID, userID, by, requestID string) (types.TransactWriteItem, error) {
	if by == "" {
		by = actorOf(ctx)
	}
	if requestID == "" {
		requestID = web.RequestID(ctx)
	}
	now := time.Now().UTC()
	item, err := attributevalue.MarshalMap(deletionItem{
		PK: deletionPK(tenantID, userID), SK: deletionSK, Type: "deletion", TenantID: tenantID, UserID: userID,
		Actor: by, RequestID: requestID, At: now, ExpiresAt: now.Add(deletionKeep).Unix(),
	})
	if err != nil {
		return types.TransactWriteItem{}, fault.Wrap(fmt.Errorf("marshal deletion of %s: %w", userID, err), fault.Internal, errInternal)
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: item}}, nil
}

// actorOf names the request's principal as audit fields do, or "".
func actorOf(ctx context.Context) string {
	if p, ok := auth.PrincipalFrom(ctx); ok {
		return p.Actor()
	}
	return ""
}

// factorNote is what an account update that enrols or removes a TOTP
// sets beside it, so the stream can say in which tenant, for which user
// and by whom (roster.mfa.*): factorTenant, factorUser, factorBy, as
// failedTenant/failedUser do for a failed login. An account is a person,
// not a tenant's user, so the caller names them; with no tenant or user
// known the three are removed, and the change publishes nothing rather
// than an earlier note's tenant. It returns the update's clause (a SET or
// a REMOVE, to join to the rest) and its values.
func factorNote(tenantID, userID, by string) (clause string, values map[string]types.AttributeValue) {
	if tenantID == "" || userID == "" {
		return "REMOVE factorTenant, factorUser, factorBy", nil
	}
	if by == "" {
		by = events.Unknown
	}
	return "SET factorTenant = :ftenant, factorUser = :fuser, factorBy = :fby",
		map[string]types.AttributeValue{":ftenant": str(tenantID), ":fuser": str(userID), ":fby": str(by)}
}

// joinSet adds a factorNote clause to an update's SET clause: as more SET
// actions, or as a REMOVE after it.
func joinSet(set, note string) string {
	if rest, ok := strings.CutPrefix(note, "SET "); ok {
		return set + ", " + rest
	}
	return set + " " + note
}

// joinRemove adds a factorNote clause to an update's REMOVE clause, or
// a REMOVE clause to an update holding one (merging the two).
func joinRemove(remove, note string) string {
	if i := strings.Index(note, "REMOVE "); i >= 0 {
		return note[:i] + remove + ", " + note[i+len("REMOVE "):]
	}
	return note + " " + remove
}

// factorNoteOf is factorNote for the request's principal acting on its
// own account: its tenant and user, when it is a user.
func factorNoteOf(ctx context.Context) (string, map[string]types.AttributeValue) {
	p, ok := auth.PrincipalFrom(ctx)
	if !ok || p.UserID == "" {
		return factorNote("", "", "")
	}
	return factorNote(p.TenantID, p.UserID, p.Actor())
}

// EventsOf turns one stream record into the events it means, in order:
// none for an internal item. A user's deletion is completed with who
// deleted it (one GetItem of the deletion note). An image the store cannot
// read is an error the caller treats as a poison record.
func (t *Table) EventsOf(ctx context.Context, rec awsevents.DynamoDBEventRecord) ([]events.Event, error) {
	if evs, ok, err := t.sessionEnded(ctx, rec); ok {
		return evs, err
	}
	evs, err := eventsOf(rec)
	if err != nil {
		return nil, err
	}
	for i := range evs {
		if evs[i].Type != events.UserDeleted || evs[i].Actor != "" {
			continue
		}
		var note deletionItem
		err := t.getOne(ctx, key(deletionPK(evs[i].TenantID, evs[i].UserID), deletionSK), &note, "no deletion note", "get deletion note")
		switch {
		case err == nil:
			evs[i].Actor, evs[i].RequestID = note.Actor, note.RequestID
			if !note.At.IsZero() {
				evs[i].Time = note.At
			}
		case fault.CodeOf(err) == fault.NotFound:
			evs[i].Actor = events.Unknown
		default:
			return nil, err
		}
	}
	return evs, nil
}

// sessionEnded is roster.session.ended: a session record (ACCOUNT#a
// SESSION#s) removed by EndSession, not by the table's TTL. The record
// names the person and the tenant of the login's device, not the user, so
// the person's user in that tenant is read (one GetItem of the membership
// ACCOUNT#a MEMBER#t); a person no longer in that tenant has no user to
// name and publishes nothing. ok reports whether rec is a session record.
func (t *Table) sessionEnded(ctx context.Context, rec awsevents.DynamoDBEventRecord) (evs []events.Event, ok bool, err error) {
	pk, sk, err := recordKeys(rec)
	if err != nil || !strings.HasPrefix(pk, "ACCOUNT#") || !strings.HasPrefix(sk, sessionPrefix) {
		return nil, false, nil // eventsOf reports unreadable keys
	}
	if rec.EventName != "REMOVE" {
		return nil, true, nil
	}
	old, err := imageOf(rec.Change.OldImage)
	if err != nil {
		return nil, true, fmt.Errorf("record %s old image: %w", rec.EventID, err)
	}
	var it sessionItem
	if err := attributevalue.UnmarshalMap(old, &it); err != nil {
		return nil, true, fmt.Errorf("record %s: session: %w", rec.EventID, err)
	}
	c := change{rec: rec, old: old, at: rec.Change.ApproximateCreationDateTime.Time.UTC()}
	if removedByTTL(rec) || it.ExpiresAt <= c.at.Unix() || it.TenantID == "" || it.AccountID == "" {
		return nil, true, nil // expired, or a record without a tenant
	}
	var m memberItem
	err = t.getOne(ctx, key(accountPK(it.AccountID), memberSK(it.TenantID)), &m, "No user in the tenant.", "get member")
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		return nil, true, nil
	case err != nil:
		return nil, true, err
	}
	// The session id is the public one the Account API lists and ends
	// sessions by (/account/sessions/{sessionUid}); the token's secret is
	// never on the record. Only the person ends their own sessions.
	e := c.event(events.SessionEnded, m.TenantID, m.UserID, m.UserID, map[string]any{"userId": m.UserID, "sessionId": it.ID})
	e.Actor = "user:" + m.UserID
	return []events.Event{e}, true, nil
}

// recordKeys reads a stream record's partition and sort key.
func recordKeys(rec awsevents.DynamoDBEventRecord) (pk, sk string, err error) {
	keys, err := imageOf(rec.Change.Keys)
	if err != nil {
		return "", "", fmt.Errorf("record %s keys: %w", rec.EventID, err)
	}
	if err := attributevalue.Unmarshal(keys[attrPK], &pk); err != nil {
		return "", "", fmt.Errorf("record %s: partition key: %w", rec.EventID, err)
	}
	if err := attributevalue.Unmarshal(keys[attrSK], &sk); err != nil {
		return "", "", fmt.Errorf("record %s: sort key: %w", rec.EventID, err)
	}
	return pk, sk, nil
}

// eventsOf is EventsOf without reads: the mapping alone.
func eventsOf(rec awsevents.DynamoDBEventRecord) ([]events.Event, error) {
	pk, sk, err := recordKeys(rec)
	if err != nil {
		return nil, err
	}
	oldImg, err := imageOf(rec.Change.OldImage)
	if err != nil {
		return nil, fmt.Errorf("record %s old image: %w", rec.EventID, err)
	}
	newImg, err := imageOf(rec.Change.NewImage)
	if err != nil {
		return nil, fmt.Errorf("record %s new image: %w", rec.EventID, err)
	}
	c := change{rec: rec, old: oldImg, new: newImg, at: rec.Change.ApproximateCreationDateTime.Time.UTC()}
	switch {
	case strings.HasPrefix(pk, "TENANT#") && strings.HasPrefix(sk, "USER#"):
		return c.user()
	case strings.HasPrefix(pk, "TENANT#") && strings.HasPrefix(sk, "GROUP#"):
		return c.group(strings.TrimPrefix(pk, "TENANT#"))
	case strings.HasPrefix(pk, "TENANT#") && sk == tenantSK:
		return c.tenant()
	case strings.HasPrefix(pk, "ACCOUNT#") && sk == accountSK:
		return c.account()
	case strings.HasPrefix(pk, "APIKEY#") && sk == apiKeySK:
		return c.credential(events.APIKeyCreated, events.APIKeyRevoked, "keyId")
	case strings.HasPrefix(pk, "DEVICE#") && sk == deviceSK:
		return c.credential(events.DeviceCreated, events.DeviceRevoked, "deviceId")
	case strings.HasPrefix(pk, "INVITE#") && sk == inviteSK:
		return c.invitation()
	case strings.HasPrefix(pk, "RESET#") && sk == resetSK:
		return c.reset()
	}
	return nil, nil
}

// change is one stream record with its images read.
type change struct {
	rec      awsevents.DynamoDBEventRecord
	old, new map[string]types.AttributeValue
	at       time.Time
	n        int // events made so far, for their ids
}

func (c *change) event(typ, tenantID, subject, userID string, data map[string]any) events.Event {
	e := events.Event{
		ID: c.rec.EventID + "-" + strconv.Itoa(c.n), Seq: c.rec.Change.SequenceNumber, Type: typ,
		TenantID: tenantID, Subject: subject, UserID: userID, Time: c.at, Data: data,
	}
	c.n++
	img := c.new
	if img == nil {
		img = c.old
	}
	e.RequestID = attrString(img, "requestId")
	return e
}

func (c *change) op() string { return c.rec.EventName }

// userPublic are the user fields an event may carry, with how each is
// read; userSecret are named when they change, never shown.
var (
	userPublic = []struct {
		name string
		get  func(userItem) any
	}{
		{"username", func(u userItem) any { return u.Username }},
		{"email", func(u userItem) any { return u.Email }},
		{"emailVerified", func(u userItem) any { return u.EmailVerified }},
		{"firstName", func(u userItem) any { return u.FirstName }},
		{"lastName", func(u userItem) any { return u.LastName }},
		{"displayName", func(u userItem) any { return u.DisplayName }},
		{"mobile", func(u userItem) any { return u.Mobile }},
		{"languageCode", func(u userItem) any { return u.LanguageCode }},
		{"role", func(u userItem) any { return u.Role }},
		{"number", func(u userItem) any { return u.Number }},
		{"ldapUserName", func(u userItem) any { return u.LDAPUserName }},
		{"notificationsOptIn", func(u userItem) any { return u.NotificationsOptIn }},
		{"bypassBasicAuth", func(u userItem) any { return u.BypassBasicAuth }},
		{"invitationAccepted", func(u userItem) any { return u.InvitationAccepted }},
		{"defaultStoreId", func(u userItem) any { return u.DefaultStoreID }},
		{"loginProfileId", func(u userItem) any { return u.LoginProfileID }},
		{"externalId", func(u userItem) any { return u.ExternalID }},
		{"profile", func(u userItem) any { return profileMap(u.Profile) }},
		{"workingEnvironments", func(u userItem) any { return nonNil(u.WorkingEnvironments) }},
		{"azureSubscriptionId", func(u userItem) any { return azureField(u, func(a *azureItem) string { return a.SubscriptionID }) }},
		{"azureTenantId", func(u userItem) any { return azureField(u, func(a *azureItem) string { return a.TenantID }) }},
		{"azureApplicationId", func(u userItem) any { return azureField(u, func(a *azureItem) string { return a.ApplicationID }) }},
	}
	userSecret = []struct {
		name string
		get  func(userItem) string
	}{
		{"accessToken", func(u userItem) string { return u.AccessToken }},
		{"azureApplicationKey", func(u userItem) string {
			return azureField(u, func(a *azureItem) string { return a.ApplicationKey })
		}},
	}
)

// profileMap is the SCIM profile as an event shows it: the stored map's
// attribute names and values, {} when the user has none.
func profileMap(p *profileItem) map[string]any {
	m := map[string]any{}
	if p == nil {
		return m
	}
	if av, err := attributevalue.MarshalMap(p); err == nil {
		_ = attributevalue.UnmarshalMap(av, &m) // plain strings, booleans, lists and maps: cannot fail
	}
	return m
}

func azureField(u userItem, f func(*azureItem) string) string {
	if u.Azure == nil {
		return ""
	}
	return f(u.Azure)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// userSnapshot is what a created user's event shows.
func userSnapshot(u userItem) map[string]any {
	m := map[string]any{"userId": u.ID, "active": u.Active, "groups": nonNil(sorted(u.Groups))}
	for _, f := range userPublic {
		m[f.name] = f.get(u)
	}
	return m
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func (c *change) user() ([]events.Event, error) {
	var oldU, newU userItem
	if c.old != nil {
		if err := attributevalue.UnmarshalMap(c.old, &oldU); err != nil {
			return nil, fmt.Errorf("record %s: old user: %w", c.rec.EventID, err)
		}
	}
	if c.new != nil {
		if err := attributevalue.UnmarshalMap(c.new, &newU); err != nil {
			return nil, fmt.Errorf("record %s: new user: %w", c.rec.EventID, err)
		}
	}
	switch c.op() {
	case "INSERT":
		e := c.event(events.UserCreated, newU.TenantID, newU.ID, newU.ID, userSnapshot(newU))
		e.Actor, e.Time = newU.CreatedBy, newU.CreatedAt
		return []events.Event{e}, nil
	case "REMOVE":
		e := c.event(events.UserDeleted, oldU.TenantID, oldU.ID, oldU.ID,
			map[string]any{"userId": oldU.ID, "username": oldU.Username, "email": oldU.Email})
		// The actor comes from the deletion note (EventsOf); a removal
		// without one was not made by a request (nothing expires users).
		return []events.Event{e}, nil
	}
	var out []events.Event
	// An address proved by its link (ConfirmEmail) sets emailVerified
	// alone and leaves updatedAt and updatedBy as they were (a proof is
	// not an edit; every edit stamps them): it is the one documented event
	// of a verification, roster.user.updated changing emailVerified, made
	// by the user at the stream's time, not a separate type.
	proof := !oldU.EmailVerified && newU.EmailVerified && oldU.UpdatedAt.Equal(newU.UpdatedAt) && oldU.UpdatedBy == newU.UpdatedBy
	stamp := func(e events.Event) events.Event {
		e.Actor, e.Time = newU.UpdatedBy, newU.UpdatedAt
		if proof {
			e.Actor, e.Time = "user:"+newU.ID, c.at
		}
		return e
	}
	changed, values, previous := []string{}, map[string]any{}, map[string]any{}
	for _, f := range userPublic {
		if a, b := f.get(oldU), f.get(newU); !reflect.DeepEqual(a, b) {
			changed = append(changed, f.name)
			values[f.name], previous[f.name] = b, a
		}
	}
	for _, f := range userSecret {
		if f.get(oldU) != f.get(newU) {
			changed = append(changed, f.name) // named, never shown
		}
	}
	if len(changed) > 0 {
		slices.Sort(changed)
		e := stamp(c.event(events.UserUpdated, newU.TenantID, newU.ID, newU.ID,
			map[string]any{"userId": newU.ID, "values": values, "previous": previous}))
		e.Changed = changed
		out = append(out, e)
	}
	if oldU.Active != newU.Active {
		typ := events.UserDeactivated
		if newU.Active {
			typ = events.UserReactivated
		}
		e := stamp(c.event(typ, newU.TenantID, newU.ID, newU.ID, map[string]any{"userId": newU.ID}))
		e.Changed = []string{"active"}
		out = append(out, e)
	}
	for _, g := range sorted(newU.Groups) {
		if !slices.Contains(oldU.Groups, g) {
			e := stamp(c.event(events.MembershipAdded, newU.TenantID, newU.ID, newU.ID, map[string]any{"userId": newU.ID, "groupId": g}))
			e.Changed = []string{"groups"}
			out = append(out, e)
		}
	}
	for _, g := range sorted(oldU.Groups) {
		if !slices.Contains(newU.Groups, g) {
			e := stamp(c.event(events.MembershipRemoved, newU.TenantID, newU.ID, newU.ID, map[string]any{"userId": newU.ID, "groupId": g}))
			e.Changed = []string{"groups"}
			out = append(out, e)
		}
	}
	if newU.TokenVersion > oldU.TokenVersion || newU.SessionsRevokedAt > oldU.SessionsRevokedAt {
		var what []string
		if newU.TokenVersion > oldU.TokenVersion {
			what = append(what, "accessTokens")
		}
		if newU.SessionsRevokedAt > oldU.SessionsRevokedAt {
			what = append(what, "sessions")
		}
		e := stamp(c.event(events.SessionRevoked, newU.TenantID, newU.ID, newU.ID, map[string]any{"userId": newU.ID, "revoked": what}))
		out = append(out, e)
	}
	return out, nil
}

func (c *change) group(tenantID string) ([]events.Event, error) {
	var oldG, newG groupItem
	if c.old != nil {
		if err := attributevalue.UnmarshalMap(c.old, &oldG); err != nil {
			return nil, fmt.Errorf("record %s: old group: %w", c.rec.EventID, err)
		}
	}
	if c.new != nil {
		if err := attributevalue.UnmarshalMap(c.new, &newG); err != nil {
			return nil, fmt.Errorf("record %s: new group: %w", c.rec.EventID, err)
		}
	}
	switch c.op() {
	case "INSERT":
		e := c.event(events.GroupCreated, tenantID, newG.ID, "", map[string]any{"groupId": newG.ID, "name": newG.Name})
		e.Actor, e.Time = attrString(c.new, "createdBy"), orAt(newG.CreatedAt, c.at)
		return []events.Event{e}, nil
	case "REMOVE":
		return []events.Event{c.event(events.GroupDeleted, tenantID, oldG.ID, "", map[string]any{"groupId": oldG.ID, "name": oldG.Name})}, nil
	}
	if oldG.Name == newG.Name {
		return nil, nil
	}
	e := c.event(events.GroupUpdated, tenantID, newG.ID, "", map[string]any{"groupId": newG.ID, "name": newG.Name, "previous": map[string]any{"name": oldG.Name}})
	e.Changed, e.Actor = []string{"name"}, attrString(c.new, "updatedBy")
	return []events.Event{e}, nil
}

func (c *change) tenant() ([]events.Event, error) {
	var oldT, newT tenantItem
	if c.old != nil {
		if err := attributevalue.UnmarshalMap(c.old, &oldT); err != nil {
			return nil, fmt.Errorf("record %s: old tenant: %w", c.rec.EventID, err)
		}
	}
	if c.new != nil {
		if err := attributevalue.UnmarshalMap(c.new, &newT); err != nil {
			return nil, fmt.Errorf("record %s: new tenant: %w", c.rec.EventID, err)
		}
	}
	data := func(t tenantItem) map[string]any {
		return map[string]any{"tenantId": t.ID, "organization": t.Organization, "name": t.Name, "active": t.Active}
	}
	switch c.op() {
	case "INSERT":
		e := c.event(events.TenantCreated, newT.ID, newT.ID, "", data(newT))
		e.Time = orAt(newT.CreatedAt, c.at)
		return []events.Event{e}, nil
	case "REMOVE":
		return nil, nil // tenants are suspended, never removed
	}
	var out []events.Event
	var changed []string
	if oldT.Organization != newT.Organization {
		changed = append(changed, "organization")
	}
	if oldT.Name != newT.Name {
		changed = append(changed, "name")
	}
	if len(changed) > 0 {
		e := c.event(events.TenantUpdated, newT.ID, newT.ID, "", data(newT))
		e.Changed = changed
		out = append(out, e)
	}
	if oldT.Active != newT.Active {
		typ := events.TenantDeactivated
		if newT.Active {
			typ = events.TenantReactivated
		}
		e := c.event(typ, newT.ID, newT.ID, "", data(newT))
		e.Changed = []string{"active"}
		if newT.StateAt != 0 {
			e.Time = time.Unix(0, newT.StateAt).UTC()
		}
		out = append(out, e)
	}
	return out, nil
}

// account speaks for security events no user item records: a failed login
// counted on the person's account (failedLogins up), and the lock it may
// set (lockedUntil later). The failure's update also says in which tenant
// and user it happened (failedTenant, failedUser), so the event has a
// tenant without another write. A TOTP confirmed (totpSince set) or
// removed (totpSince gone) is roster.mfa.enrolled / .removed, in the
// tenant and for the user its update names (factorNote).
func (c *change) account() ([]events.Event, error) {
	if c.op() != "MODIFY" {
		return nil, nil
	}
	var oldA, newA accountItem
	if err := attributevalue.UnmarshalMap(c.old, &oldA); err != nil {
		return nil, fmt.Errorf("record %s: old account: %w", c.rec.EventID, err)
	}
	if err := attributevalue.UnmarshalMap(c.new, &newA); err != nil {
		return nil, fmt.Errorf("record %s: new account: %w", c.rec.EventID, err)
	}
	out := c.loginFailure(oldA, newA)
	if tenantID, userID := attrString(c.new, "factorTenant"), attrString(c.new, "factorUser"); tenantID != "" && userID != "" {
		typ := ""
		switch {
		case oldA.TOTPSince == 0 && newA.TOTPSince != 0:
			typ = events.MFAEnrolled
		case oldA.TOTPSince != 0 && newA.TOTPSince == 0:
			typ = events.MFARemoved
		}
		if typ != "" {
			e := c.event(typ, tenantID, userID, userID, map[string]any{"userId": userID})
			e.Actor, e.Changed = attrString(c.new, "factorBy"), []string{"totp"}
			out = append(out, e)
		}
	}
	return out, nil
}

// loginFailure is a failed login and the lock it set, from an account's
// images.
func (c *change) loginFailure(oldA, newA accountItem) []events.Event {
	tenantID, userID := attrString(c.new, "failedTenant"), attrString(c.new, "failedUser")
	if tenantID == "" || userID == "" {
		return nil
	}
	locked := newA.LockedUntil > oldA.LockedUntil
	failed := newA.FailedLogins > oldA.FailedLogins || locked
	at := c.at
	if t := attrMillis(c.new, "failedAt"); !t.IsZero() {
		at = t
	}
	var out []events.Event
	if failed {
		e := c.event(events.LoginFailed, tenantID, userID, userID, map[string]any{"userId": userID})
		e.Actor, e.Time = "user:"+userID, at
		out = append(out, e)
	}
	if locked {
		e := c.event(events.UserLocked, tenantID, userID, userID,
			map[string]any{"userId": userID, "lockedUntil": time.Unix(newA.LockedUntil, 0).UTC().Format(time.RFC3339)})
		e.Actor, e.Time = events.Unknown, at
		out = append(out, e)
	}
	return out
}

// reset speaks for password recovery (decision 021): a reset token's item
// written is roster.recovery.requested, and removed by the reset that
// spends it (before it expires; the table's TTL removes the others) is
// roster.password.reset. The decoys a request naming no one writes
// (type resetdecoy, no tenant) publish nothing, so a tenant's consumers
// cannot tell which names were tried. The token and its hash never leave.
func (c *change) reset() ([]events.Event, error) {
	img := c.new
	if img == nil {
		img = c.old
	}
	var it resetItem
	if err := attributevalue.UnmarshalMap(img, &it); err != nil {
		return nil, fmt.Errorf("record %s: reset token: %w", c.rec.EventID, err)
	}
	if it.Type != "reset" || it.TenantID == "" || it.UserID == "" {
		return nil, nil
	}
	switch c.op() {
	case "INSERT":
		e := c.event(events.RecoveryRequested, it.TenantID, it.UserID, it.UserID,
			map[string]any{"userId": it.UserID, "expiresAt": unixTime(it.ExpiresAt).Format(time.RFC3339)})
		e.Actor, e.Time = events.Anonymous, orAt(it.CreatedAt, c.at)
		return []events.Event{e}, nil
	case "REMOVE":
		if removedByTTL(c.rec) || it.ExpiresAt <= c.at.Unix() {
			return nil, nil // expired unspent
		}
		e := c.event(events.PasswordReset, it.TenantID, it.UserID, it.UserID, map[string]any{"userId": it.UserID})
		e.Actor, e.Changed = "user:"+it.UserID, []string{"password"}
		return []events.Event{e}, nil
	}
	return nil, nil
}

// removedByTTL reports a removal the table's TTL made, not a request.
func removedByTTL(rec awsevents.DynamoDBEventRecord) bool {
	id := rec.UserIdentity
	return id != nil && id.Type == "Service" && id.PrincipalID == "dynamodb.amazonaws.com"
}

func (c *change) credential(created, revoked, idAttr string) ([]events.Event, error) {
	img := c.new
	if img == nil {
		img = c.old
	}
	tenantID, id := attrString(img, "tenantId"), attrString(img, idAttr)
	data := map[string]any{idAttr: id, "name": attrString(img, "name")}
	switch {
	case c.op() == "INSERT":
		e := c.event(created, tenantID, id, "", data)
		e.Actor = attrString(img, "createdBy")
		if at, err := time.Parse(time.RFC3339Nano, attrString(img, "createdAt")); err == nil {
			e.Time = at.UTC()
		}
		return []events.Event{e}, nil
	case c.op() == "MODIFY" && !attrBool(c.old, "revoked") && attrBool(c.new, "revoked"):
		e := c.event(revoked, tenantID, id, "", data)
		e.Actor, e.Changed = attrString(img, "revokedBy"), []string{"revoked"}
		if at := attrMillis(img, "revokedAt"); !at.IsZero() {
			e.Time = at
		}
		return []events.Event{e}, nil
	}
	return nil, nil
}

func (c *change) invitation() ([]events.Event, error) {
	if c.op() != "INSERT" {
		return nil, nil // accepted or replaced: the user's own events say what followed
	}
	var in inviteItem
	if err := attributevalue.UnmarshalMap(c.new, &in); err != nil {
		return nil, fmt.Errorf("record %s: invitation: %w", c.rec.EventID, err)
	}
	e := c.event(events.InvitationCreated, in.TenantID, in.ID, "",
		map[string]any{"inviteId": in.ID, "email": in.Email, "role": in.Role, "expiresAt": unixTime(in.ExpiresAt).Format(time.RFC3339)})
	e.Actor, e.Time = in.CreatedBy, orAt(in.CreatedAt, c.at)
	return []events.Event{e}, nil
}

func attrString(img map[string]types.AttributeValue, name string) string {
	if s, ok := img[name].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// orAt is t, or the stream's time when the item has none.
func orAt(t, stream time.Time) time.Time {
	if t.IsZero() {
		return stream
	}
	return t.UTC()
}

// attrMillis reads an epoch-milliseconds attribute; zero when absent.
func attrMillis(img map[string]types.AttributeValue, name string) time.Time {
	n, ok := img[name].(*types.AttributeValueMemberN)
	if !ok {
		return time.Time{}
	}
	ms, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func attrBool(img map[string]types.AttributeValue, name string) bool {
	b, ok := img[name].(*types.AttributeValueMemberBOOL)
	return ok && b.Value
}

// imageOf converts a stream image (the Lambda event's attribute values)
// into the SDK's, so the item structs unmarshal it as they do a read.
func imageOf(img map[string]awsevents.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	if img == nil {
		return nil, nil
	}
	out := make(map[string]types.AttributeValue, len(img))
	for k, v := range img {
		av, err := attrOf(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

func attrOf(v awsevents.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case awsevents.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case awsevents.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case awsevents.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case awsevents.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case awsevents.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case awsevents.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case awsevents.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case awsevents.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case awsevents.DataTypeList:
		var l []types.AttributeValue
		for _, e := range v.List() {
			av, err := attrOf(e)
			if err != nil {
				return nil, err
			}
			l = append(l, av)
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	case awsevents.DataTypeMap:
		m, err := imageOf(v.Map())
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	}
	return nil, fmt.Errorf("unknown attribute type %v", v.DataType())
}
