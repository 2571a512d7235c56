package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/fault"
	"roster/shared/signin"
	"roster/shared/user"
)

// The sign-in secrets: devices, auth tokens and invitations. Each lives in
// a partition of its own, found by the id its token carries; only the
// HMAC of a token is stored.

type deviceItem struct {
	PK        string    `dynamodbav:"PK"`
	SK        string    `dynamodbav:"SK"`
	Type      string    `dynamodbav:"type"`
	ID        string    `dynamodbav:"deviceId"`
	TenantID  string    `dynamodbav:"tenantId"`
	Name      string    `dynamodbav:"name,omitempty"`
	Hash      []byte    `dynamodbav:"hash"`
	CreatedAt time.Time `dynamodbav:"createdAt"`
	CreatedBy string    `dynamodbav:"createdBy,omitempty"`
	Revoked   bool      `dynamodbav:"revoked"`
}

// authItem is an auth token as stored. sessionStart is epoch milliseconds,
// so a condition can compare it with the account's sessionsRevokedAt; a
// token stored before sessions were tracked has none, and its session
// begins at its creation.
type authItem struct {
	PK           string    `dynamodbav:"PK"`
	SK           string    `dynamodbav:"SK"`
	Type         string    `dynamodbav:"type"`
	ID           string    `dynamodbav:"tokenId"`
	AccountID    string    `dynamodbav:"accountId"`
	Hash         []byte    `dynamodbav:"hash"`
	CreatedAt    time.Time `dynamodbav:"createdAt"`
	ExpiresAt    int64     `dynamodbav:"expiresAt"` // epoch seconds; the table's TTL attribute
	SessionStart int64     `dynamodbav:"sessionStart,omitempty"`
	SessionID    string    `dynamodbav:"sessionId,omitempty"` // the session's record; see sessions.go
	MFA          bool      `dynamodbav:"mfa,omitempty"`       // the login passed a second factor; see factors.go
}

type inviteItem struct {
	PK        string    `dynamodbav:"PK"`
	SK        string    `dynamodbav:"SK"`
	Type      string    `dynamodbav:"type"`
	ID        string    `dynamodbav:"inviteId"`
	TenantID  string    `dynamodbav:"tenantId"`
	Email     string    `dynamodbav:"email"`
	Role      string    `dynamodbav:"role"`
	FirstName string    `dynamodbav:"firstName,omitempty"`
	LastName  string    `dynamodbav:"lastName,omitempty"`
	Hash      []byte    `dynamodbav:"hash"`
	CreatedAt time.Time `dynamodbav:"createdAt"`
	CreatedBy string    `dynamodbav:"createdBy,omitempty"`
	ExpiresAt int64     `dynamodbav:"expiresAt"` // epoch seconds; the table's TTL attribute
}

// unixTime reads an epoch-seconds attribute back as a time.
func unixTime(s int64) time.Time { return time.Unix(s, 0).UTC() }

// epochMillis returns t in epoch milliseconds, and 0 for the zero time, so
// an omitempty attribute is left out.
func epochMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// millisTime reads an epoch-milliseconds attribute back as a time; 0 (or
// absent) is the zero time.
func millisTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// sessionLive is the condition on an account that holds while a session
// that began at :start (epoch milliseconds) may go on: the person's
// sessions were never revoked, or last revoked before it began.
const sessionLive = "(attribute_not_exists(sessionsRevokedAt) OR sessionsRevokedAt < :start)"

// What a failed condition means in the sign-in transactions below.
var (
	errAuthExpired     = fault.New(fault.Unauthorized, "The auth token is invalid or has expired.")
	errAuthTaken       = fault.New(fault.Conflict, "The auth token already exists.")
	errSessionRevoked  = fault.New(fault.Unauthorized, "The session has been revoked.")
	errPasswordChanged = fault.New(fault.Conflict, "The password has changed since it was checked.")
)

// PutDevice stores a new device. fault.Conflict when the id is taken.
func (t *Table) PutDevice(ctx context.Context, d *signin.Device) error {
	return t.putNew(ctx, deviceItem{
		PK: devicePK(d.ID), SK: deviceSK, Type: "device", ID: d.ID, TenantID: d.TenantID, Name: d.Name,
		Hash: d.Hash, CreatedAt: d.CreatedAt.UTC(), CreatedBy: d.CreatedBy, Revoked: d.Revoked,
	}, "The device already exists.", "put device")
}

// GetDevice reads a device. fault.NotFound.
func (t *Table) GetDevice(ctx context.Context, id string) (*signin.Device, error) {
	var it deviceItem
	if err := t.getOne(ctx, key(devicePK(id), deviceSK), &it, "The device does not exist.", "get device"); err != nil {
		return nil, err
	}
	return &signin.Device{
		ID: it.ID, TenantID: it.TenantID, Name: it.Name, Hash: it.Hash,
		CreatedAt: it.CreatedAt, CreatedBy: it.CreatedBy, Revoked: it.Revoked,
	}, nil
}

// RevokeDevice revokes a device of the tenant. A device of another tenant
// is indistinguishable from a missing one: fault.NotFound.
func (t *Table) RevokeDevice(ctx context.Context, tenantID, id string) error {
	return t.revoke(ctx, key(devicePK(id), deviceSK), tenantID, "The device does not exist.", "revoke device")
}

func toAuthItem(a *signin.AuthToken) authItem {
	return authItem{
		PK: authPK(a.ID), SK: authSK, Type: "authtoken", ID: a.ID, AccountID: a.AccountID,
		Hash: a.Hash, CreatedAt: a.CreatedAt.UTC(), ExpiresAt: a.ExpiresAt.Unix(), SessionStart: epochMillis(a.SessionStart),
		SessionID: a.SessionID, MFA: a.MFA,
	}
}

// GetAuthToken reads an auth token, expired or not. fault.NotFound.
func (t *Table) GetAuthToken(ctx context.Context, id string) (*signin.AuthToken, error) {
	var it authItem
	if err := t.getOne(ctx, key(authPK(id), authSK), &it, "The auth token does not exist.", "get auth token"); err != nil {
		return nil, err
	}
	start := millisTime(it.SessionStart)
	if start.IsZero() {
		start = it.CreatedAt.Truncate(time.Millisecond)
	}
	return &signin.AuthToken{
		ID: it.ID, AccountID: it.AccountID, Hash: it.Hash, CreatedAt: it.CreatedAt, ExpiresAt: unixTime(it.ExpiresAt),
		SessionStart: start, SessionID: it.SessionID, MFA: it.MFA,
	}, nil
}

// CompleteLogin stores the auth token of a successful login. When the
// account also needs its failures cleared or its hash replaced, both go in
// one transaction, the new hash conditional on the old one still being
// stored; otherwise it is a single PutItem. fault.Conflict when the
// password changed meanwhile.
func (t *Table) CompleteLogin(ctx context.Context, s signin.LoginSuccess) error {
	item, err := attributevalue.MarshalMap(toAuthItem(s.Token))
	if err != nil {
		return fault.Wrap(fmt.Errorf("marshal auth token: %w", err), fault.Internal, errInternal)
	}
	put := &types.Put{TableName: &t.name, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}
	var session types.TransactWriteItem
	if s.Session != nil {
		if session, err = t.sessionPut(s.Session); err != nil {
			return err
		}
	}
	if !s.ResetFailures && s.NewHash == "" {
		if s.Session == nil {
			return t.putIfAbsent(ctx, item, "The auth token already exists.", "put auth token")
		}
		x := &txn{table: &t.name}
		x.add(types.TransactWriteItem{Put: put}, errAuthTaken)
		x.add(session, errAuthTaken)
		return x.run(ctx, t.db, "complete login")
	}
	update := &types.Update{
		TableName:                 &t.name,
		Key:                       key(accountPK(s.Token.AccountID), accountSK),
		UpdateExpression:          aws.String("SET failedLogins = :zero REMOVE lockedUntil"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":zero": num(0)},
	}
	if s.NewHash != "" {
		update.UpdateExpression = aws.String("SET failedLogins = :zero, passwordHash = :new REMOVE lockedUntil")
		update.ConditionExpression = aws.String("passwordHash = :old")
		update.ExpressionAttributeValues[":new"] = str(s.NewHash)
		update.ExpressionAttributeValues[":old"] = str(s.OldHash)
	}
	// The account first: a password changed meanwhile explains the
	// failure better than a taken token id.
	x := &txn{table: &t.name}
	x.add(types.TransactWriteItem{Update: update}, errPasswordChanged)
	x.add(types.TransactWriteItem{Put: put}, errAuthTaken)
	if s.Session != nil {
		x.add(session, errAuthTaken)
	}
	return x.run(ctx, t.db, "complete login")
}

// RotateAuthToken consumes an auth token and stores its successor in one
// transaction: the delete is conditional on the old token existing and not
// having expired at now, so of two concurrent exchanges exactly one wins,
// and a check on the account holds only while the session fresh continues
// was not revoked, so a password change committed before the exchange
// stops it. fault.Unauthorized when the old token is gone or expired, or
// the session was revoked (or the account is gone).
func (t *Table) RotateAuthToken(ctx context.Context, oldID string, now time.Time, fresh *signin.AuthToken) error {
	item, err := attributevalue.MarshalMap(toAuthItem(fresh))
	if err != nil {
		return fault.Wrap(fmt.Errorf("marshal auth token: %w", err), fault.Internal, errInternal)
	}
	x := &txn{table: &t.name}
	x.add(types.TransactWriteItem{Delete: t.consume(authPK(oldID), authSK, now)}, errAuthExpired)
	x.add(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName: &t.name, Key: key(accountPK(fresh.AccountID), accountSK),
		ConditionExpression:       aws.String("attribute_exists(PK) AND " + sessionLive),
		ExpressionAttributeValues: map[string]types.AttributeValue{":start": num(epochMillis(fresh.SessionStart))},
	}}, errSessionRevoked)
	x.add(types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		errAuthTaken)
	if fresh.SessionID != "" {
		move, err := t.sessionMove(oldID, fresh)
		if err != nil {
			return err
		}
		x.add(move, errSessionEnded)
	}
	return x.run(ctx, t.db, "rotate auth token")
}

// consume deletes a single-use secret, provided it exists and has not
// expired at now.
func (t *Table) consume(pk, sk string, now time.Time) *types.Delete {
	return &types.Delete{
		TableName:                 &t.name,
		Key:                       key(pk, sk),
		ConditionExpression:       aws.String("attribute_exists(PK) AND expiresAt > :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(now.Unix())},
	}
}

// PutInvite stores a new invitation as it is, neither replacing the
// address's live invitation nor counted against a limit: what provisioning
// and tests write. An administrator's invitation goes through CreateInvite.
// fault.Conflict when the id is taken.
func (t *Table) PutInvite(ctx context.Context, in *signin.Invite) error {
	return t.putNew(ctx, toInviteItem(in), "The invitation already exists.", "put invite")
}

func toInviteItem(in *signin.Invite) inviteItem {
	return inviteItem{
		PK: invitePK(in.ID), SK: inviteSK, Type: "invite", ID: in.ID, TenantID: in.TenantID,
		Email: in.Email, Role: in.Role, FirstName: in.FirstName, LastName: in.LastName, Hash: in.Hash,
		CreatedAt: in.CreatedAt.UTC(), CreatedBy: in.CreatedBy, ExpiresAt: in.ExpiresAt.Unix(),
	}
}

// GetInvite reads an invitation, expired or not. fault.NotFound.
func (t *Table) GetInvite(ctx context.Context, id string) (*signin.Invite, error) {
	var it inviteItem
	if err := t.getOne(ctx, key(invitePK(id), inviteSK), &it, "The invitation does not exist.", "get invite"); err != nil {
		return nil, err
	}
	return &signin.Invite{
		ID: it.ID, TenantID: it.TenantID, Email: it.Email, Role: it.Role, FirstName: it.FirstName, LastName: it.LastName,
		Hash: it.Hash, CreatedAt: it.CreatedAt, CreatedBy: it.CreatedBy, ExpiresAt: unixTime(it.ExpiresAt),
	}, nil
}

// acceptInvite stores u, the user an invitation's acceptance creates
// (CreateUserWith), in one transaction that consumes the invitation and
// the auth token and stores the fresh auth token: either all of it
// happens or none. The account upsert the transaction holds anyway is
// conditional on the session the fresh token continues not having been
// revoked. A drawn user number that is taken is drawn again.
// fault.NotFound when the invitation is gone or expired,
// fault.Unauthorized when the auth token is or the session was revoked,
// fault.Conflict when the person is already a member or the email or
// username is taken, and fault.NotFound when the tenant is missing or
// inactive.
func (t *Table) acceptInvite(ctx context.Context, u *user.User, a signin.Acceptance) error {
	prepareUser(u)
	fresh, err := attributevalue.MarshalMap(toAuthItem(a.Fresh))
	if err != nil {
		return fault.Wrap(fmt.Errorf("marshal auth token: %w", err), fault.Internal, errInternal)
	}
	return retryCreate(ctx, u, func() error {
		create, err := t.createItems(u, "")
		if err != nil {
			return err
		}
		x := &txn{table: &t.name}
		x.add(types.TransactWriteItem{Delete: t.consume(invitePK(a.InviteID), inviteSK, a.Now)},
			fault.New(fault.NotFound, "The invitation does not exist or has expired."))
		x.add(types.TransactWriteItem{Delete: t.consume(authPK(a.AuthID), authSK, a.Now)}, errAuthExpired)
		x.add(types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: fresh, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
			errAuthTaken)
		if a.Fresh.SessionID != "" {
			move, err := t.sessionMove(a.AuthID, a.Fresh)
			if err != nil {
				return err
			}
			x.add(move, errSessionEnded)
		}
		block := len(x.items)
		x.addCreate(u, create)
		for i := range create {
			if createSlot(u, i) == createTenant && !a.Fresh.MFA {
				// A session whose login passed no second factor may not
				// join a tenant that requires one of the role (decision 024).
				cc := create[i].ConditionCheck
				cc.ConditionExpression = aws.String(*cc.ConditionExpression + " AND (attribute_not_exists(mfaRoles) OR NOT contains(mfaRoles, :mfaRole))")
				cc.ExpressionAttributeValues[":mfaRole"] = str(u.Role)
			}
			if createSlot(u, i) == createAccount {
				// The account upsert holds only while the session goes on.
				up := create[i].Update
				up.ConditionExpression = aws.String(sessionLive)
				up.ExpressionAttributeValues[":start"] = num(epochMillis(a.Fresh.SessionStart))
				x.fails[block+i] = errSessionRevoked
			}
		}
		err = x.run(ctx, t.db, "accept invite "+a.InviteID)
		if f := fault.As(err); f != nil && f.Code == fault.NotFound && f.Message == errTenantInactive.Message && !a.Fresh.MFA {
			// The tenant check failed: inactive, or a factor is required.
			// Only a read tells which, on this rare path.
			if tn, gerr := t.GetTenant(ctx, u.TenantID); gerr == nil && tn.Active && tn.RequiresMFA(u.Role) {
				return fault.Wrap(err, fault.Forbidden, "This tenant requires a second factor for the role; log in with one.")
			}
		}
		return err
	})
}

// putNew writes an item that must not exist yet.
func (t *Table) putNew(ctx context.Context, v any, conflict, op string) error {
	item, err := attributevalue.MarshalMap(v)
	if err != nil {
		return fault.Wrap(fmt.Errorf("%s: marshal: %w", op, err), fault.Internal, errInternal)
	}
	return t.putIfAbsent(ctx, item, conflict, op)
}

// getOne reads one item with a strongly consistent read into v.
func (t *Table) getOne(ctx context.Context, k map[string]types.AttributeValue, v any, notFound, op string) error {
	return t.getProjected(ctx, k, "", v, notFound, op)
}

// getProjected reads the attributes of one item a projection names (all
// of them for ""), with a strongly consistent read, into v. A projection
// must name PK, so that an item is told from a missing one.
func (t *Table) getProjected(ctx context.Context, k map[string]types.AttributeValue, projection string, v any, notFound, op string) error {
	out, err := t.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &t.name, Key: k, ConsistentRead: aws.Bool(true),
		ProjectionExpression: optional(projection)})
	if err != nil {
		return translate(err, op)
	}
	if out.Item == nil {
		return fault.New(fault.NotFound, "%s", notFound)
	}
	if err := attributevalue.UnmarshalMap(out.Item, v); err != nil {
		return fault.Wrap(fmt.Errorf("%s: unmarshal: %w", op, err), fault.Internal, errInternal)
	}
	return nil
}
