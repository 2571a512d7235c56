package store

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/fault"
	"roster/shared/signin"
	"roster/shared/tenant"
	"roster/shared/user"
	"roster/shared/web"
)

// accountItem is a person as stored. lockedUntil is epoch seconds and
// sessionsRevokedAt epoch milliseconds, so conditions can compare them
// with a number (a session's start, see authItem).
type accountItem struct {
	PK            string    `dynamodbav:"PK"`
	SK            string    `dynamodbav:"SK"`
	Type          string    `dynamodbav:"type"`
	ID            string    `dynamodbav:"accountId"`
	DefaultTenant string    `dynamodbav:"defaultTenant"`
	CreatedAt     time.Time `dynamodbav:"createdAt"`
	Version       int64     `dynamodbav:"version"`
	PasswordHash  string    `dynamodbav:"passwordHash,omitempty"`
	FailedLogins  int       `dynamodbav:"failedLogins"`
	LockedUntil   int64     `dynamodbav:"lockedUntil,omitempty"`

	SessionsRevokedAt int64 `dynamodbav:"sessionsRevokedAt,omitempty"`

	factorsItem // second factors; see factors.go
}

// account returns the person as ordinary reads return it: without the
// password hash, which only the privileged reads give (credentials).
func (it accountItem) account() *signin.Account {
	a := &signin.Account{
		ID: it.ID, DefaultTenant: it.DefaultTenant, CreatedAt: it.CreatedAt, Version: it.Version,
		FailedLogins: it.FailedLogins, SessionsRevokedAt: millisTime(it.SessionsRevokedAt),
		Factors: it.factors(),
	}
	if it.LockedUntil > 0 {
		a.LockedUntil = time.Unix(it.LockedUntil, 0).UTC()
	}
	return a
}

// credentials returns the person with the password hash: for the
// privileged reads alone (LoginUser, AccountCredentials), which a login
// or a password check needs.
func (it accountItem) credentials() *signin.Account {
	a := it.account()
	a.PasswordHash = it.PasswordHash
	a.Factors.TOTPSecret = it.TOTPSecret
	return a
}

// memberItem says that a person holds a user in a tenant.
type memberItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Type      string `dynamodbav:"type"`
	AccountID string `dynamodbav:"accountId"`
	TenantID  string `dynamodbav:"tenantId"`
	UserID    string `dynamodbav:"userId"`
}

const errInternal = "An internal error occurred."

// GetAccount reads an account with a strongly consistent read, without
// its password hash. fault.NotFound.
func (t *Table) GetAccount(ctx context.Context, id string) (*signin.Account, error) {
	it, err := t.getAccount(ctx, id)
	if err != nil {
		return nil, err
	}
	return it.account(), nil
}

// getAccount reads an account item with a strongly consistent read.
// fault.NotFound.
func (t *Table) getAccount(ctx context.Context, id string) (*accountItem, error) {
	var it accountItem
	if err := t.getOne(ctx, key(accountPK(id), accountSK), &it, "The account does not exist.", "get account "+id); err != nil {
		return nil, err
	}
	return &it, nil
}

// LoginUser is the privileged read of a login: the user holding a
// username in the tenant (matched case-insensitively), the account behind
// it with its password hash, and the tenant, strongly
// consistently: the username marker (one GetItem), then user, account and
// tenant together (one BatchGetItem) when the marker names the person. A
// marker written before markers named it costs a BatchGetItem of user and
// tenant and a GetItem of the account instead. fault.NotFound when no user
// holds the username, the user has no account or its account is missing,
// or the tenant is missing (the messages tell which).
func (t *Table) LoginUser(ctx context.Context, tenantID, username string) (*user.User, *signin.Account, *tenant.Tenant, error) {
	pk := tenantPK(tenantID)
	out, err := t.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &t.name, Key: key(pk, usernameSK(user.NormalizeUsername(username))),
		ConsistentRead: aws.Bool(true), ProjectionExpression: aws.String("userId, accountId"),
	})
	if err != nil {
		return nil, nil, nil, translate(err, "get username marker")
	}
	var m markerItem
	if out.Item != nil {
		if err := attributevalue.UnmarshalMap(out.Item, &m); err != nil {
			return nil, nil, nil, fault.Wrap(fmt.Errorf("unmarshal username marker: %w", err), fault.Internal, errInternal)
		}
	}
	if m.UserID == "" {
		return nil, nil, nil, fault.New(fault.NotFound, "No user has this username.")
	}
	if m.AccountID == "" {
		u, tn, err := t.GetUserAndTenant(ctx, tenantID, m.UserID)
		if err != nil {
			return nil, nil, nil, err
		}
		return t.withAccount(ctx, u, tn)
	}
	items, err := t.batchGet(ctx, []map[string]types.AttributeValue{
		key(pk, userSK(m.UserID)), key(accountPK(m.AccountID), accountSK), key(pk, tenantSK),
	}, "", nil)
	if err != nil {
		return nil, nil, nil, err
	}
	var (
		acct *signin.Account
		rest []map[string]types.AttributeValue
	)
	for _, item := range items {
		if sk, _ := item[attrSK].(*types.AttributeValueMemberS); sk != nil && sk.Value == accountSK {
			var it accountItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return nil, nil, nil, fault.Wrap(fmt.Errorf("unmarshal account %s: %w", m.AccountID, err), fault.Internal, errInternal)
			}
			acct = it.credentials()
			continue
		}
		rest = append(rest, item)
	}
	u, tn, err := userAndTenant(rest)
	switch {
	case err != nil:
		return nil, nil, nil, err
	case u == nil:
		return nil, nil, nil, fault.New(fault.NotFound, "The user does not exist.")
	case tn == nil:
		return nil, nil, nil, fault.New(fault.NotFound, "The tenant does not exist.")
	case u.AccountID != m.AccountID:
		// Never written so; should it happen, the user's own word counts.
		return t.withAccount(ctx, u, tn)
	case acct == nil:
		return nil, nil, nil, fault.New(fault.NotFound, "The account does not exist.")
	}
	return u, acct, tn, nil
}

// loginCodeItem counts the failed logins with a user code that names no
// user, as an account counts its person's: the sign-in service reads and
// writes it in place of an account, so that such a login makes the calls
// a wrong password makes (see LoginStandIn).
type loginCodeItem struct {
	FailedLogins int   `dynamodbav:"failedLogins"`
	LockedUntil  int64 `dynamodbav:"lockedUntil,omitempty"`
}

// LoginStandIn is the read a login makes in place of LoginUser's second
// when the user code names no user: a BatchGetItem of the same three keys
// in the same partitions, a user that is never there, the failure counter
// of the code (h, the sign-in service's keyed hash of tenant and code) in
// place of the account, and the tenant. It returns the counter as an
// account without id or password (zero when there is none yet) and the
// tenant. fault.NotFound when the tenant is missing.
func (t *Table) LoginStandIn(ctx context.Context, tenantID, h string) (*signin.Account, *tenant.Tenant, error) {
	pk := tenantPK(tenantID)
	items, err := t.batchGet(ctx, []map[string]types.AttributeValue{
		key(pk, userSK(h)), key(loginCodePK(h), loginCodeSK), key(pk, tenantSK),
	}, "", nil)
	if err != nil {
		return nil, nil, err
	}
	var (
		acct = &signin.Account{}
		rest []map[string]types.AttributeValue
	)
	for _, item := range items {
		if sk, _ := item[attrSK].(*types.AttributeValueMemberS); sk != nil && sk.Value == loginCodeSK {
			var it loginCodeItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return nil, nil, fault.Wrap(fmt.Errorf("unmarshal login code failures: %w", err), fault.Internal, errInternal)
			}
			acct.FailedLogins = it.FailedLogins
			if it.LockedUntil > 0 {
				acct.LockedUntil = time.Unix(it.LockedUntil, 0).UTC()
			}
			continue
		}
		rest = append(rest, item)
	}
	_, tn, err := userAndTenant(rest)
	switch {
	case err != nil:
		return nil, nil, err
	case tn == nil:
		return nil, nil, fault.New(fault.NotFound, "The tenant does not exist.")
	}
	return acct, tn, nil
}

// withAccount returns u with its account (password hash included: it
// serves LoginUser), read with one GetItem, and its tenant tn.
// fault.NotFound when u has none or it is missing.
func (t *Table) withAccount(ctx context.Context, u *user.User, tn *tenant.Tenant) (*user.User, *signin.Account, *tenant.Tenant, error) {
	if u.AccountID == "" {
		return nil, nil, nil, fault.New(fault.NotFound, "The user has no account.")
	}
	it, err := t.getAccount(ctx, u.AccountID)
	if err != nil {
		return nil, nil, nil, err
	}
	return u, it.credentials(), tn, nil
}

// AccountCredentials is the privileged read of a password check: an
// account with its password hash and its memberships (tenant and user
// ids, whose token versions a password change bumps), with one strongly
// consistent query of the account's partition. fault.NotFound when there
// is no account.
func (t *Table) AccountCredentials(ctx context.Context, id string) (*signin.Account, []signin.Membership, error) {
	it, members, err := t.accountPartition(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return it.credentials(), members, nil
}

// accountPartition reads an account item and its memberships with one
// strongly consistent query of the account's partition. fault.NotFound
// when there is no account.
func (t *Table) accountPartition(ctx context.Context, id string) (*accountItem, []signin.Membership, error) {
	var (
		acct    *accountItem
		members []signin.Membership
	)
	p := dynamodb.NewQueryPaginator(t.db, &dynamodb.QueryInput{
		TableName:                 &t.name,
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(accountPK(id))},
		ConsistentRead:            aws.Bool(true),
	})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, nil, translate(err, "query account "+id)
		}
		for _, item := range out.Items {
			sk, _ := item[attrSK].(*types.AttributeValueMemberS)
			switch {
			case sk == nil:
			case sk.Value == accountSK:
				acct = &accountItem{}
				if err := attributevalue.UnmarshalMap(item, acct); err != nil {
					return nil, nil, fault.Wrap(fmt.Errorf("unmarshal account %s: %w", id, err), fault.Internal, errInternal)
				}
			case strings.HasPrefix(sk.Value, memberPrefix):
				var it memberItem
				if err := attributevalue.UnmarshalMap(item, &it); err != nil {
					return nil, nil, fault.Wrap(fmt.Errorf("unmarshal membership of %s: %w", id, err), fault.Internal, errInternal)
				}
				members = append(members, signin.Membership{TenantID: it.TenantID, UserID: it.UserID})
			}
		}
	}
	if acct == nil {
		return nil, nil, fault.New(fault.NotFound, "The account does not exist.")
	}
	return acct, members, nil
}

// AccountTenants reads an account, without its password hash, and the
// tenants it can enter: its memberships whose tenant and user are both
// active, with the tenant's names and the user's role. One query and one
// BatchGetItem (per 50 tenants), all strongly consistent. fault.NotFound
// when there is no account.
func (t *Table) AccountTenants(ctx context.Context, id string) (*signin.Account, []signin.Membership, error) {
	it, members, err := t.accountPartition(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	acct := it.account()
	if len(members) == 0 {
		return acct, members, nil
	}
	keys := make([]map[string]types.AttributeValue, 0, 2*len(members))
	for _, m := range members {
		keys = append(keys, key(tenantPK(m.TenantID), tenantSK), key(tenantPK(m.TenantID), userSK(m.UserID)))
	}
	items, err := t.batchGet(ctx, keys, "PK, SK, tenantId, #name, organization, active, userId, #role",
		map[string]string{"#name": "name", "#role": "role"})
	if err != nil {
		return nil, nil, err
	}
	type found struct {
		Name, Organization, UserID, Role string
		TenantActive, UserActive         bool
	}
	byTenant := map[string]*found{}
	get := func(tenantID string) *found {
		f := byTenant[tenantID]
		if f == nil {
			f = &found{}
			byTenant[tenantID] = f
		}
		return f
	}
	for _, item := range items {
		var it struct {
			SK           string `dynamodbav:"SK"`
			TenantID     string `dynamodbav:"tenantId"`
			Name         string `dynamodbav:"name"`
			Organization string `dynamodbav:"organization"`
			Active       bool   `dynamodbav:"active"`
			UserID       string `dynamodbav:"userId"`
			Role         string `dynamodbav:"role"`
		}
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			return nil, nil, fault.Wrap(fmt.Errorf("unmarshal tenants of %s: %w", id, err), fault.Internal, errInternal)
		}
		f := get(it.TenantID)
		if it.SK == tenantSK {
			f.Name, f.Organization, f.TenantActive = it.Name, it.Organization, it.Active
		} else {
			f.UserID, f.Role, f.UserActive = it.UserID, it.Role, it.Active
		}
	}
	var out []signin.Membership
	for _, m := range members {
		f := byTenant[m.TenantID]
		// A membership whose user is gone or inactive, or whose tenant is
		// closed, is not a tenant the person can enter.
		if f == nil || !f.TenantActive || !f.UserActive || f.UserID != m.UserID {
			continue
		}
		m.TenantName, m.Organization, m.Role = f.Name, f.Organization, f.Role
		out = append(out, m)
	}
	return acct, out, nil
}

// Bounds of batchGet: DynamoDB takes at most 100 keys per BatchGetItem and
// may leave some unprocessed under load, to be asked for again.
const (
	maxBatchKeys   = 100
	maxBatchPasses = 5
)

// batchGet reads the items with the given keys, strongly consistently,
// in as few BatchGetItem calls as the key limit allows. Missing items are
// simply absent from the result. An empty projection reads whole items.
func (t *Table) batchGet(ctx context.Context, keys []map[string]types.AttributeValue, projection string, names map[string]string) ([]map[string]types.AttributeValue, error) {
	var items []map[string]types.AttributeValue
	for len(keys) > 0 {
		n := min(len(keys), maxBatchKeys)
		pending := keys[:n]
		keys = keys[n:]
		for pass := 1; len(pending) > 0; pass++ {
			if pass > maxBatchPasses {
				return nil, fault.New(fault.Unavailable, "The service is busy; retry shortly.")
			}
			if pass > 1 {
				if err := backoff(ctx, pass-1); err != nil {
					return nil, translate(err, "batch get")
				}
			}
			out, err := t.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
				t.name: {Keys: pending, ConsistentRead: aws.Bool(true), ProjectionExpression: optional(projection), ExpressionAttributeNames: names},
			}})
			if err != nil {
				return nil, translate(err, "batch get")
			}
			items = append(items, out.Responses[t.name]...)
			pending = out.UnprocessedKeys[t.name].Keys
		}
	}
	return items, nil
}

// optional returns s as an optional string parameter: nil when empty.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// MemberUserID returns the account's user in a tenant. fault.NotFound.
func (t *Table) MemberUserID(ctx context.Context, accountID, tenantID string) (string, error) {
	out, err := t.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &t.name, Key: key(accountPK(accountID), memberSK(tenantID)),
		ConsistentRead: aws.Bool(true), ProjectionExpression: aws.String("userId"),
	})
	if err != nil {
		return "", translate(err, "get membership")
	}
	var m memberItem
	if out.Item != nil {
		if err := attributevalue.UnmarshalMap(out.Item, &m); err != nil {
			return "", fault.Wrap(fmt.Errorf("unmarshal membership: %w", err), fault.Internal, errInternal)
		}
	}
	if m.UserID == "" {
		return "", fault.New(fault.NotFound, "The person holds no user in this tenant.")
	}
	return m.UserID, nil
}

// SetDefaultTenant sets the account's default tenant and bumps its version,
// in one transaction conditional on the account being a member of the
// tenant. fault.NotFound when it is not (or there is no account).
func (t *Table) SetDefaultTenant(ctx context.Context, accountID, tenantID string) error {
	notMember := fault.New(fault.NotFound, "The person holds no user in this tenant.")
	x := &txn{table: &t.name}
	x.add(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName: &t.name, Key: key(accountPK(accountID), memberSK(tenantID)),
		ConditionExpression: aws.String("attribute_exists(PK)"),
	}}, notMember)
	x.add(types.TransactWriteItem{Update: &types.Update{
		TableName: &t.name, Key: key(accountPK(accountID), accountSK),
		UpdateExpression:          aws.String("SET defaultTenant = :tenant ADD version :one"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":tenant": str(tenantID), ":one": num(1)},
	}}, notMember)
	return x.run(ctx, t.db, "set default tenant of "+accountID)
}

// SetAccountPassword stores a password hash (a PHC string made by
// password.Hasher) on an account and clears its failures and lock. It is
// for seeding and administration; people change their password through the
// sign-in service. fault.NotFound when there is no account.
func (t *Table) SetAccountPassword(ctx context.Context, accountID, phc string) error {
	_, err := t.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &t.name,
		Key:                       key(accountPK(accountID), accountSK),
		UpdateExpression:          aws.String("SET passwordHash = :hash, failedLogins = :zero REMOVE lockedUntil ADD version :one"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":hash": str(phc), ":zero": num(0), ":one": num(1)},
	})
	if conditionFailed(err) {
		return fault.Wrap(err, fault.NotFound, "The account does not exist.")
	}
	return translate(err, "set password of "+accountID)
}

// RecordLoginFailure counts one failed attempt with an atomic ADD, or, for
// the attempt that reaches the limit, locks the account and restarts the
// count. Each write is conditional on the account not being locked, so
// attempts during a lock neither count nor extend it, and on the count, so
// concurrent failures are each counted once and exactly one of them locks.
// The write the caller's reading of the count suggests is tried first; the
// other follows only when a concurrent attempt moved the count in between,
// so a failure is one UpdateItem, rarely two. A failure of a user code
// that names no user (f.StandIn) is counted the same way on the code's
// counter (see LoginStandIn), which the first failure creates and every
// failure keeps until f.Expires.
func (t *Table) RecordLoginFailure(ctx context.Context, f signin.LoginFailure) (locked bool, err error) {
	limit := int64(f.Max - 1) // failures before this one that make this one lock
	if limit < 0 {
		limit = 0
	}
	notLocked := "(attribute_not_exists(lockedUntil) OR lockedUntil <= :now)"
	counter := "failedLogins"
	if f.Codes {
		counter = "failedCodes" // wrong second-factor codes; see factors.go
	}
	reached, below := counter+" >= :limit", counter+" < :limit"
	if limit == 0 {
		reached = "(attribute_not_exists(" + counter + ") OR " + counter + " >= :limit)"
	} else {
		below = "(attribute_not_exists(" + counter + ") OR " + counter + " < :limit)"
	}
	now := num(f.Now.Unix())
	// An account must exist; a code's counter is created by its first
	// failure, and each failure stamps its type and pushes its expiry.
	k, exists, stamp, what := key(accountPK(f.AccountID), accountSK), "attribute_exists(PK) AND ", "", f.AccountID
	var names map[string]string
	where := map[string]types.AttributeValue{}
	if f.StandIn != "" {
		k, exists, stamp, what = key(loginCodePK(f.StandIn), loginCodeSK), "", "#type = :type, expiresAt = :expires", "an unknown user code"
		names = map[string]string{"#type": "type"}
	}
	update := func(expr, cond string, values map[string]types.AttributeValue) *dynamodb.UpdateItemInput {
		maps.Copy(values, where)
		if stamp != "" {
			values[":type"], values[":expires"] = str("logincode"), num(ceilUnix(f.Expires))
		}
		return &dynamodb.UpdateItemInput{
			TableName: &t.name, Key: k, UpdateExpression: aws.String(expr), ConditionExpression: aws.String(exists + cond),
			ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		}
	}
	lockExpr, countExpr := "SET "+counter+" = :zero, lockedUntil = :until", "ADD "+counter+" :one"
	if stamp != "" {
		lockExpr, countExpr = lockExpr+", "+stamp, countExpr+" SET "+stamp
	}
	// Where an account's failure happened rides on the same write, for the
	// change feed (stream.go); a failure outside a login clears it, so it
	// never names an earlier failure's tenant.
	if f.StandIn == "" {
		if f.TenantID != "" && f.UserID != "" {
			lockExpr += ", failedTenant = :ftenant, failedUser = :fuser, failedAt = :fat"
			countExpr += " SET failedTenant = :ftenant, failedUser = :fuser, failedAt = :fat"
			where[":ftenant"], where[":fuser"], where[":fat"] = str(f.TenantID), str(f.UserID), num(f.Now.UnixMilli())
		} else {
			lockExpr += " REMOVE failedTenant, failedUser, failedAt"
			countExpr += " REMOVE failedTenant, failedUser, failedAt"
		}
	}
	lock := update(lockExpr, notLocked+" AND "+reached, map[string]types.AttributeValue{
		":zero": num(0), ":until": num(ceilUnix(f.LockUntil)), ":now": now, ":limit": num(limit),
	})
	count := update(countExpr, notLocked+" AND "+below, map[string]types.AttributeValue{
		":one": num(1), ":now": now, ":limit": num(limit),
	})
	order := []*dynamodb.UpdateItemInput{count, lock}
	if int64(f.Seen) >= limit {
		order = []*dynamodb.UpdateItemInput{lock, count}
	}
	for _, in := range order {
		_, err := t.db.UpdateItem(ctx, in)
		switch {
		case err == nil:
			return in == lock, nil
		case !conditionFailed(err):
			return false, translate(err, "record login failure of "+what)
		}
	}
	// Both conditions failed: the account is locked (or gone) already.
	return false, nil
}

// ceilUnix returns t in epoch seconds, rounded up so a lock is never shorter
// than asked.
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// maxTransactItems is DynamoDB's limit on the items of one transaction.
const maxTransactItems = 100

// UpdateSelf applies a self-service change in one transaction: the user's
// profile (conditional on its version), the email marker moved when the
// email changes, and for a password change the account's hash (conditional
// on the hash the current password was checked against) and its sessions'
// revocation, with every other user of the account getting a new token
// version.
func (t *Table) UpdateSelf(ctx context.Context, c signin.SelfUpdate) error {
	x, err := t.selfUpdate(ctx, c)
	if err != nil {
		return err
	}
	if c.Pending != nil { // a requested change of address (decision 023)
		x.addTakes(t, c.Counters, c.Now)
		if err := x.addVerifyToken(c.Pending); err != nil {
			return err
		}
	}
	if len(x.items) > maxTransactItems {
		return fault.New(fault.Conflict, "The person holds users in too many tenants to change the password in one step.")
	}
	return x.run(ctx, t.db, "update self "+c.User.ID)
}

// selfUpdate returns the transaction of UpdateSelf without its token.
func (t *Table) selfUpdate(ctx context.Context, c signin.SelfUpdate) (*txn, error) {
	u := c.User
	pk := tenantPK(u.TenantID)
	updated, err := attributevalue.Marshal(u.UpdatedAt.UTC())
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, errInternal)
	}
	set := []string{"email = :email", "emailLower = :emailLower", "updatedAt = :updated", "updatedBy = :by", "version = :version"}
	var remove []string
	values := map[string]types.AttributeValue{
		":email": str(u.Email), ":emailLower": str(user.NormalizeEmail(u.Email)), ":updated": updated,
		":by": str(u.UpdatedBy), ":version": num(u.Version), ":prev": num(c.PrevVersion),
	}
	for _, f := range []struct{ attr, value string }{
		{"displayName", u.DisplayName}, {"firstName", u.FirstName}, {"lastName", u.LastName},
		{"mobile", u.Mobile}, {"languageCode", u.LanguageCode}, {"defaultStoreId", u.DefaultStoreID},
		{"requestId", web.RequestID(ctx)},
	} {
		if f.value == "" {
			remove = append(remove, f.attr)
			continue
		}
		set = append(set, f.attr+" = :"+f.attr)
		values[":"+f.attr] = str(f.value)
	}
	if !u.EmailVerified {
		remove = append(remove, "emailVerified") // a new address is not proved yet (decision 023)
	} else {
		set = append(set, "emailVerified = :verified") // kept, or proved by a change's link
		values[":verified"] = &types.AttributeValueMemberBOOL{Value: true}
	}
	keys, keyValues := searchKeyUpdate(searchKeysOf(u)) // the search indexes follow the change
	set = append(set, keys...)
	maps.Copy(values, keyValues)
	expr := "SET " + strings.Join(set, ", ")
	if len(remove) > 0 {
		expr += " REMOVE " + strings.Join(remove, ", ")
	}
	if c.Password != nil {
		expr += " ADD tokenVersion :one"
		values[":one"] = num(1)
	}

	x := &txn{table: &t.name}
	x.add(types.TransactWriteItem{Update: &types.Update{
		TableName: &t.name, Key: key(pk, userSK(u.ID)), UpdateExpression: &expr,
		ConditionExpression:       aws.String("attribute_exists(PK) AND version = :prev"),
		ExpressionAttributeValues: values,
	}}, errStaleUser)
	if err := x.moveMarker(pk, u, emailMarker(c.OldEmail), emailMarker(u.Email), errEmail); err != nil {
		return nil, err
	}
	if c.Password != nil {
		x.replacePassword(c.Password, u.TenantID, u.ID)
	}
	return x, nil
}
