package store

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/fault"
	"roster/shared/provision"
	"roster/shared/signin"
	"roster/shared/user"
	"roster/shared/web"
)

// userItem is a user as stored. Normalised username and email are kept so a
// rename knows which markers to move.
type userItem struct {
	PK            string    `dynamodbav:"PK"`
	SK            string    `dynamodbav:"SK"`
	Type          string    `dynamodbav:"type"`
	TenantID      string    `dynamodbav:"tenantId"`
	ID            string    `dynamodbav:"userId"`
	Number        int64     `dynamodbav:"number"`
	Username      string    `dynamodbav:"username"`
	UsernameLower string    `dynamodbav:"usernameLower"`
	Email         string    `dynamodbav:"email"`
	EmailLower    string    `dynamodbav:"emailLower"`
	FirstName     string    `dynamodbav:"firstName,omitempty"`
	LastName      string    `dynamodbav:"lastName,omitempty"`
	Active        bool      `dynamodbav:"active"`
	Role          string    `dynamodbav:"role,omitempty"`
	AccessToken   string    `dynamodbav:"accessToken,omitempty"`
	CreatedAt     time.Time `dynamodbav:"createdAt"`
	UpdatedAt     time.Time `dynamodbav:"updatedAt"`
	CreatedBy     string    `dynamodbav:"createdBy,omitempty"`
	UpdatedBy     string    `dynamodbav:"updatedBy,omitempty"`
	RequestID     string    `dynamodbav:"requestId,omitempty"` // the change's request, for the change feed (stream.go)
	Version       int64     `dynamodbav:"version"`

	AccountID      string `dynamodbav:"accountId,omitempty"`
	DisplayName    string `dynamodbav:"displayName,omitempty"`
	Mobile         string `dynamodbav:"mobile,omitempty"`
	LanguageCode   string `dynamodbav:"languageCode,omitempty"`
	DefaultStoreID string `dynamodbav:"defaultStoreId,omitempty"`
	TokenVersion   int64  `dynamodbav:"tokenVersion"`
	// Epoch milliseconds, the unit of every session time (see accountItem).
	SessionsRevokedAt int64 `dynamodbav:"sessionsRevokedAt,omitempty"`

	NotificationsOptIn         bool             `dynamodbav:"notificationsOptIn"`
	EmailVerified              bool             `dynamodbav:"emailVerified,omitempty"`
	LDAPUserName               string           `dynamodbav:"ldapUserName,omitempty"`
	BypassBasicAuth            bool             `dynamodbav:"bypassBasicAuth"`
	InvitationAccepted         bool             `dynamodbav:"invitationAccepted"`
	Groups                     []string         `dynamodbav:"groups,omitempty,stringset"`
	WorkingEnvironments        []string         `dynamodbav:"workingEnvironments,omitempty"`
	CreatedWorkingEnvironments []workingEnvItem `dynamodbav:"createdWorkingEnvironments,omitempty"`
	Azure                      *azureItem       `dynamodbav:"azure,omitempty"`
	LoginProfileID             int64            `dynamodbav:"loginProfileId,omitempty"`

	searchKeys // the search indexes' sort keys (search.go)
}

type workingEnvItem struct {
	PublicID string `dynamodbav:"publicId"`
	Name     string `dynamodbav:"name"`
	Type     string `dynamodbav:"type"`
}

// azureItem holds the application key sealed, as the caller sealed it.
type azureItem struct {
	SubscriptionID string `dynamodbav:"subscriptionId,omitempty"`
	TenantID       string `dynamodbav:"tenantId,omitempty"`
	ApplicationID  string `dynamodbav:"applicationId,omitempty"`
	ApplicationKey string `dynamodbav:"applicationKey,omitempty"`
}

// markerItem reserves a unique value (email, username, number) in a tenant
// and points at the user holding it and the person behind that user, so a
// login reads user and account together (markers written before they
// named the person have no accountId).
type markerItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Type      string `dynamodbav:"type"`
	UserID    string `dynamodbav:"userId"`
	AccountID string `dynamodbav:"accountId,omitempty"`
}

func toUserItem(u *user.User) userItem {
	it := userItem{
		PK: tenantPK(u.TenantID), SK: userSK(u.ID), Type: "user",
		TenantID: u.TenantID, ID: u.ID, Number: u.Number,
		Username: u.Username, UsernameLower: user.NormalizeUsername(u.Username),
		Email: u.Email, EmailLower: user.NormalizeEmail(u.Email),
		FirstName: u.FirstName, LastName: u.LastName, Active: u.Active, Role: u.Role,
		CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC(),
		CreatedBy: u.CreatedBy, UpdatedBy: u.UpdatedBy, RequestID: u.RequestID, Version: u.Version,
		AccountID: u.AccountID, DisplayName: u.DisplayName, Mobile: u.Mobile, LanguageCode: u.LanguageCode,
		DefaultStoreID: u.DefaultStoreID, TokenVersion: u.TokenVersion, SessionsRevokedAt: epochMillis(u.SessionsRevokedAt),
		NotificationsOptIn: u.NotificationsOptIn, LDAPUserName: u.LDAPUserName, EmailVerified: u.EmailVerified,
		BypassBasicAuth: u.BypassBasicAuth, InvitationAccepted: u.InvitationAccepted,
		Groups: u.Groups, WorkingEnvironments: u.WorkingEnvironments, LoginProfileID: u.LoginProfileID,
		searchKeys: searchKeysOf(u),
	}
	for _, w := range u.CreatedWorkingEnvironments {
		it.CreatedWorkingEnvironments = append(it.CreatedWorkingEnvironments, workingEnvItem(w))
	}
	if a := u.Azure; a != nil {
		it.Azure = &azureItem{SubscriptionID: a.SubscriptionID, TenantID: a.TenantID, ApplicationID: a.ApplicationID, ApplicationKey: a.ApplicationKey}
		if a.ApplicationKey == user.Withheld {
			it.Azure.ApplicationKey = "" // the stored key stays (see userUpdate)
		}
	}
	return it
}

// user returns the stored user as ordinary reads return it: every sealed
// secret withheld (the access token left out, the application key
// user.Withheld). Only UserSecrets reads them.
func (it userItem) user() *user.User {
	u := &user.User{
		TenantID: it.TenantID, ID: it.ID, Number: it.Number,
		Username: it.Username, Email: it.Email, FirstName: it.FirstName, LastName: it.LastName,
		Active: it.Active, Role: it.Role,
		CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, CreatedBy: it.CreatedBy, UpdatedBy: it.UpdatedBy, RequestID: it.RequestID,
		Version:   it.Version,
		AccountID: it.AccountID, DisplayName: it.DisplayName, Mobile: it.Mobile, LanguageCode: it.LanguageCode,
		DefaultStoreID: it.DefaultStoreID, TokenVersion: it.TokenVersion, SessionsRevokedAt: millisTime(it.SessionsRevokedAt),
		NotificationsOptIn: it.NotificationsOptIn, LDAPUserName: it.LDAPUserName, EmailVerified: it.EmailVerified,
		BypassBasicAuth: it.BypassBasicAuth, InvitationAccepted: it.InvitationAccepted,
		Groups: it.Groups, WorkingEnvironments: it.WorkingEnvironments, LoginProfileID: it.LoginProfileID,
	}
	slices.Sort(u.Groups) // a string set comes back in any order
	for _, w := range it.CreatedWorkingEnvironments {
		u.CreatedWorkingEnvironments = append(u.CreatedWorkingEnvironments, user.WorkingEnvironment(w))
	}
	if a := it.Azure; a != nil {
		u.Azure = &user.AzureCredentials{SubscriptionID: a.SubscriptionID, TenantID: a.TenantID, ApplicationID: a.ApplicationID}
		if a.ApplicationKey != "" {
			u.Azure.ApplicationKey = user.Withheld
		}
	}
	return u
}

// Retry bounds for CreateUser: a drawn user number that is taken is drawn
// again, and a transaction cancelled only by a concurrent transaction on the
// same markers (AWS reports TransactionConflict where the emulators
// serialise) is retried after a short jittered pause, when the loser then
// sees the winner's marker and gets a proper Conflict.
const (
	maxNumberDraws   = 4
	maxConflictTries = 4
)

// CreateUser writes the user, its email, username and number markers, the
// person's membership of the tenant, the person's account (created when
// new, left alone when it exists) and, for an active owner, the tenant's
// count of active owners raised by one, in one transaction, conditional on
// the tenant being active, every value being free, the person not yet
// being a member and every group in u.Groups existing. A user without an
// AccountID is a new person and gets one.
func (t *Table) CreateUser(ctx context.Context, u *user.User) error {
	return t.CreateUserWithPassword(ctx, u, "")
}

// CreateUserWithPassword is CreateUser that also gives a new person's
// account the password hash, in the same transaction; an existing account
// keeps its own. fault.Invalid naming groups when a group does not exist.
func (t *Table) CreateUserWithPassword(ctx context.Context, u *user.User, passwordHash string) error {
	prepareUser(u)
	stampRequest(ctx, u, "")
	return retryCreate(ctx, u, func() error {
		items, err := t.createItems(u, passwordHash)
		if err != nil {
			return err
		}
		x := &txn{table: &t.name}
		x.addCreate(u, items)
		for _, g := range u.Groups {
			x.add(groupCheck(&t.name, tenantPK(u.TenantID), g), errCreateNoGroup)
		}
		if len(x.items) > maxTransactItems {
			return fault.InvalidField("groups", fmt.Sprintf("must list at most %d groups when creating a user", maxTransactItems-len(items)))
		}
		return x.run(ctx, t.db, "create user "+u.ID)
	})
}

// CreateUserWith stores u, a user the directory admitted, in one
// transaction with what also stands for: a provisioning event's mark and
// ref (provision.Provisioned), or an invitation's acceptance
// (signin.Acceptance). Any other kind is fault.Internal: a record the
// store cannot write must not be dropped silently.
func (t *Table) CreateUserWith(ctx context.Context, u *user.User, also user.Also) error {
	switch a := also.(type) {
	case provision.Provisioned:
		stampRequest(ctx, u, a.Mark.EventID)
		return t.createProvisioned(ctx, u, a)
	case signin.Acceptance:
		stampRequest(ctx, u, "")
		return t.acceptInvite(ctx, u, a)
	}
	return fault.Wrap(fmt.Errorf("create user %s with %T: unknown record", u.ID, also), fault.Internal, errInternal)
}

// errCreateNoGroup is what a failed group check means when creating a user.
var errCreateNoGroup = &fault.Error{Code: fault.Invalid, Message: "The request has invalid fields.",
	Fields: []fault.FieldError{{Field: "groups", Message: "names a group that does not exist"}}}

// stampRequest records on u the request that writes it: id when the
// caller names one (a provisioning event's), else the HTTP request's id
// (web.Middleware's); none leaves the attribute out, so a change never
// shows an earlier change's request.
func stampRequest(ctx context.Context, u *user.User, id string) {
	if id == "" {
		id = web.RequestID(ctx)
	}
	u.RequestID = id
}

// prepareUser makes sure of what a create needs: a first number to try,
// the account of a new person, and Version 1. user.New decides them for
// every caller; a record built otherwise (a test's) gets them here.
func prepareUser(u *user.User) {
	if u.Number == 0 {
		u.Number = user.NewNumber(u.CreatedAt)
	}
	if u.AccountID == "" {
		u.AccountID = user.NewID()
	}
	u.Version = 1
}

// retryCreate runs a transaction that creates u, drawing a fresh number
// when the drawn one is taken and retrying after a pause when only a
// concurrent transaction cancelled it.
func retryCreate(ctx context.Context, u *user.User, create func() error) error {
	draws, tries := 1, 1
	for {
		err := create()
		switch {
		case err != nil && fault.As(err).Message == numberTaken && draws < maxNumberDraws:
			draws++
			u.Number = user.NewNumber(u.CreatedAt)
		case fault.CodeOf(err) == fault.Unavailable && tries < maxConflictTries:
			if werr := backoff(ctx, tries); werr != nil {
				return err
			}
			tries++
		default:
			return err
		}
	}
}

// backoff waits a jittered, doubling pause before retry number try.
func backoff(ctx context.Context, try int) error {
	d := time.Duration(5<<try)*time.Millisecond + time.Duration(mrand.Int64N(int64(10*time.Millisecond)))
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

const numberTaken = "The user number is taken."

// The items of a user-creating transaction, in order. Other transactions
// (accepting an invitation, provisioning) embed the same block. A user
// without an email has no email marker: its slot is left out (see
// createSlot); only an active owner has the owners slot.
const (
	createTenant   = iota // condition: tenant exists and is active
	createUser            // the user
	createEmail           // email marker
	createUsername        // username marker
	createNumber          // number marker
	createMember          // the person's membership of the tenant
	createAccount         // the person's account, created when new
	createOwners          // the tenant's count of active owners, for an active owner
	createItemCount
)

// createSlot returns the slot (the constants above) of item i of u's
// create block.
func createSlot(u *user.User, i int) int {
	if user.NormalizeEmail(u.Email) == "" && i >= createEmail {
		return i + 1
	}
	return i
}

// createItems returns the writes that create u, in the order above.
// passwordHash, when set, becomes the password of a new account.
func (t *Table) createItems(u *user.User, passwordHash string) ([]types.TransactWriteItem, error) {
	item, err := attributevalue.MarshalMap(toUserItem(u))
	if err != nil {
		return nil, fault.Wrap(fmt.Errorf("marshal user %s: %w", u.ID, err), fault.Internal, "An internal error occurred.")
	}
	member, err := attributevalue.MarshalMap(memberItem{
		PK: accountPK(u.AccountID), SK: memberSK(u.TenantID), Type: "member",
		AccountID: u.AccountID, TenantID: u.TenantID, UserID: u.ID,
	})
	if err != nil {
		return nil, fault.Wrap(fmt.Errorf("marshal membership %s: %w", u.ID, err), fault.Internal, "An internal error occurred.")
	}
	created, err := attributevalue.Marshal(u.CreatedAt.UTC())
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	pk := tenantPK(u.TenantID)
	marker := func(sk string) *types.Put {
		m, _ := attributevalue.MarshalMap(markerItem{PK: pk, SK: sk, Type: "marker", UserID: u.ID, AccountID: u.AccountID})
		return &types.Put{TableName: &t.name, Item: m, ConditionExpression: aws.String("attribute_not_exists(PK)")}
	}
	account := &types.Update{
		TableName: &t.name, Key: key(accountPK(u.AccountID), accountSK),
		UpdateExpression: aws.String("SET #type = :type, accountId = :id, createdAt = if_not_exists(createdAt, :created), " +
			"defaultTenant = if_not_exists(defaultTenant, :tenant), version = if_not_exists(version, :one), " +
			"failedLogins = if_not_exists(failedLogins, :zero)"),
		ExpressionAttributeNames: map[string]string{"#type": "type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":type": str("account"), ":id": str(u.AccountID), ":created": created,
			":tenant": str(u.TenantID), ":one": num(1), ":zero": num(0),
		},
	}
	if passwordHash != "" {
		*account.UpdateExpression += ", passwordHash = if_not_exists(passwordHash, :hash)"
		account.ExpressionAttributeValues[":hash"] = str(passwordHash)
	}
	items := []types.TransactWriteItem{
		createTenant:   tenantActive(&t.name, pk),
		createUser:     {Put: &types.Put{TableName: &t.name, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		createEmail:    {Put: marker(emailSK(user.NormalizeEmail(u.Email)))},
		createUsername: {Put: marker(usernameSK(user.NormalizeUsername(u.Username)))},
		createNumber:   {Put: marker(numberSK(u.Number))},
		createMember:   {Put: &types.Put{TableName: &t.name, Item: member, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		// An upsert: a new person's account is created with this tenant as
		// its default; an existing one keeps everything it has.
		createAccount: {Update: account},
	}
	if activeOwner(u) {
		items = append(items, ownersChange(&t.name, u.TenantID, 1))
	}
	if user.NormalizeEmail(u.Email) == "" {
		items = slices.Delete(items, createEmail, createEmail+1)
	}
	return items, nil
}

// addCreate adds the create block of u (createItems), each item with
// what its failure means.
func (x *txn) addCreate(u *user.User, items []types.TransactWriteItem) {
	for i, it := range items {
		x.add(it, createFailure(createSlot(u, i), nil))
	}
}

// createFailure returns the error for item i of a create block whose
// condition failed, or nil when that item cannot fail.
func createFailure(i int, err error) error {
	switch i {
	case createTenant:
		return fault.Wrap(err, fault.NotFound, "%s", errTenantInactive.Message)
	case createUser:
		return fault.Wrap(err, fault.Conflict, "The user already exists.")
	case createEmail:
		return &fault.Error{Code: fault.Conflict, Message: "A user with this email already exists.",
			Fields: []fault.FieldError{{Field: "email", Message: "is already taken"}}, Err: err}
	case createUsername:
		return &fault.Error{Code: fault.Conflict, Message: "A user with this username already exists.",
			Fields: []fault.FieldError{{Field: "username", Message: "is already taken"}}, Err: err}
	case createNumber:
		return fault.Wrap(err, fault.Conflict, numberTaken)
	case createMember:
		return fault.Wrap(err, fault.Conflict, "The person is already a user of this tenant.")
	}
	return nil
}

// GetUser reads one user with a strongly consistent read.
func (t *Table) GetUser(ctx context.Context, tenantID, id string) (*user.User, error) {
	out, err := t.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &t.name, Key: key(tenantPK(tenantID), userSK(id)), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, translate(err, "get user "+id)
	}
	if out.Item == nil {
		return nil, fault.New(fault.NotFound, "The user does not exist.")
	}
	var it userItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return nil, fault.Wrap(fmt.Errorf("unmarshal user %s: %w", id, err), fault.Internal, "An internal error occurred.")
	}
	return it.user(), nil
}

// UserSecrets is the privileged read of a user's sealed secrets (the
// UserInfo access token and the Azure application key), with one strongly
// consistent GetItem of those attributes alone. No ordinary read returns
// them. fault.NotFound.
func (t *Table) UserSecrets(ctx context.Context, tenantID, id string) (*user.Secrets, error) {
	var it struct {
		PK          string     `dynamodbav:"PK"`
		AccessToken string     `dynamodbav:"accessToken"`
		Azure       *azureItem `dynamodbav:"azure"`
	}
	err := t.getProjected(ctx, key(tenantPK(tenantID), userSK(id)), "PK, accessToken, azure.applicationKey", &it,
		"The user does not exist.", "get secrets of user "+id)
	if err != nil {
		return nil, err
	}
	s := &user.Secrets{AccessToken: it.AccessToken}
	if it.Azure != nil {
		s.ApplicationKey = it.Azure.ApplicationKey
	}
	return s, nil
}

// UserIDByEmail reads the email marker with a strongly consistent read.
func (t *Table) UserIDByEmail(ctx context.Context, tenantID, email string) (string, error) {
	return t.markerUserID(ctx, tenantID, emailSK(user.NormalizeEmail(email)), "email", "No user has this email.")
}

// UserIDByUsername reads the username marker with a strongly consistent
// read. fault.NotFound.
func (t *Table) UserIDByUsername(ctx context.Context, tenantID, username string) (string, error) {
	return t.markerUserID(ctx, tenantID, usernameSK(user.NormalizeUsername(username)), "username", "No user has this username.")
}

// markerUserID returns the user a uniqueness marker points at.
func (t *Table) markerUserID(ctx context.Context, tenantID, sk, what, notFound string) (string, error) {
	out, err := t.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &t.name, Key: key(tenantPK(tenantID), sk),
		ConsistentRead: aws.Bool(true), ProjectionExpression: aws.String("userId"),
	})
	if err != nil {
		return "", translate(err, "get "+what+" marker")
	}
	var m markerItem
	if out.Item != nil {
		if err := attributevalue.UnmarshalMap(out.Item, &m); err != nil {
			return "", fault.Wrap(fmt.Errorf("unmarshal %s marker: %w", what, err), fault.Internal, "An internal error occurred.")
		}
	}
	if m.UserID == "" {
		return "", fault.New(fault.NotFound, "%s", notFound)
	}
	return m.UserID, nil
}

// SetAccessToken stores a sealed token on the user and bumps its version,
// provided the user exists and still has the email it was found by (an
// email change in between makes the lookup stale).
func (t *Table) SetAccessToken(ctx context.Context, c user.AccessTokenChange) error {
	tenantID, id, email, sealed := c.TenantID, c.UserID, c.Email, c.Sealed
	now, err := attributevalue.Marshal(c.At.UTC())
	if err != nil {
		return fault.Wrap(err, fault.Internal, "An internal error occurred.")
	}
	_, err = t.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           &t.name,
		Key:                 key(tenantPK(tenantID), userSK(id)),
		UpdateExpression:    aws.String("SET accessToken = :token, updatedAt = :now, updatedBy = :by, " + updatedAttr + " = :updatedKey ADD version :one"),
		ConditionExpression: aws.String("attribute_exists(PK) AND emailLower = :email"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":token": str(sealed), ":now": now, ":by": str(c.By), ":one": num(1), ":email": str(user.NormalizeEmail(email)),
			":updatedKey": str(timeKey(c.At, id)), // the search index of last changes follows
		},
	})
	if conditionFailed(err) {
		return fault.Wrap(err, fault.NotFound, "No user has this email.")
	}
	return translate(err, "set access token "+id)
}
