package store

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/fault"
	"roster/shared/user"
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
	Version       int64     `dynamodbav:"version"`

	AccountID      string `dynamodbav:"accountId,omitempty"`
	DisplayName    string `dynamodbav:"displayName,omitempty"`
	Mobile         string `dynamodbav:"mobile,omitempty"`
	LanguageCode   string `dynamodbav:"languageCode,omitempty"`
	DefaultStoreID string `dynamodbav:"defaultStoreId,omitempty"`
	TokenVersion   int64  `dynamodbav:"tokenVersion"`
}

// markerItem reserves a unique value (email, username, number) in a tenant
// and points at the user holding it.
type markerItem struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Type   string `dynamodbav:"type"`
	UserID string `dynamodbav:"userId"`
}

func toUserItem(u *user.User) userItem {
	return userItem{
		PK: tenantPK(u.TenantID), SK: userSK(u.ID), Type: "user",
		TenantID: u.TenantID, ID: u.ID, Number: u.Number,
		Username: u.Username, UsernameLower: user.NormalizeUsername(u.Username),
		Email: u.Email, EmailLower: user.NormalizeEmail(u.Email),
		FirstName: u.FirstName, LastName: u.LastName, Active: u.Active, Role: u.Role,
		AccessToken: u.AccessToken,
		CreatedAt:   u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC(),
		CreatedBy: u.CreatedBy, UpdatedBy: u.UpdatedBy, Version: u.Version,
		AccountID: u.AccountID, DisplayName: u.DisplayName, Mobile: u.Mobile, LanguageCode: u.LanguageCode,
		DefaultStoreID: u.DefaultStoreID, TokenVersion: u.TokenVersion,
	}
}

func (it userItem) user() *user.User {
	return &user.User{
		TenantID: it.TenantID, ID: it.ID, Number: it.Number,
		Username: it.Username, Email: it.Email, FirstName: it.FirstName, LastName: it.LastName,
		Active: it.Active, Role: it.Role, AccessToken: it.AccessToken,
		CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, CreatedBy: it.CreatedBy, UpdatedBy: it.UpdatedBy,
		Version:   it.Version,
		AccountID: it.AccountID, DisplayName: it.DisplayName, Mobile: it.Mobile, LanguageCode: it.LanguageCode,
		DefaultStoreID: it.DefaultStoreID, TokenVersion: it.TokenVersion,
	}
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

// CreateUser writes the user and its email, username and number markers in
// one transaction, conditional on the tenant being active and every value
// being free.
func (t *Table) CreateUser(ctx context.Context, u *user.User) error {
	if u.Number == 0 {
		u.Number = user.NewNumber(u.CreatedAt)
	}
	u.Version = 1
	draws, tries := 1, 1
	for {
		err := t.createUser(ctx, u)
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

func (t *Table) createUser(ctx context.Context, u *user.User) error {
	item, err := attributevalue.MarshalMap(toUserItem(u))
	if err != nil {
		return fault.Wrap(fmt.Errorf("marshal user %s: %w", u.ID, err), fault.Internal, "An internal error occurred.")
	}
	pk := tenantPK(u.TenantID)
	marker := func(sk string) *types.Put {
		m, _ := attributevalue.MarshalMap(markerItem{PK: pk, SK: sk, Type: "marker", UserID: u.ID})
		return &types.Put{TableName: &t.name, Item: m, ConditionExpression: aws.String("attribute_not_exists(PK)")}
	}
	in := &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{
			TableName: &t.name, Key: key(pk, tenantSK),
			ConditionExpression:       aws.String("attribute_exists(PK) AND active = :true"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":true": &types.AttributeValueMemberBOOL{Value: true}},
		}},
		{Put: &types.Put{TableName: &t.name, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		{Put: marker(emailSK(user.NormalizeEmail(u.Email)))},
		{Put: marker(usernameSK(user.NormalizeUsername(u.Username)))},
		{Put: marker(numberSK(u.Number))},
	}}
	_, err = t.db.TransactWriteItems(ctx, in)
	if err == nil {
		return nil
	}
	if codes, ok := cancellation(err); ok {
		for _, i := range failedItems(codes) {
			switch i {
			case 0:
				return fault.Wrap(err, fault.NotFound, "The tenant does not exist or is inactive.")
			case 1:
				return fault.Wrap(err, fault.Conflict, "The user already exists.")
			case 2:
				return &fault.Error{Code: fault.Conflict, Message: "A user with this email already exists.",
					Fields: []fault.FieldError{{Field: "email", Message: "is already taken"}}, Err: err}
			case 3:
				return &fault.Error{Code: fault.Conflict, Message: "A user with this username already exists.",
					Fields: []fault.FieldError{{Field: "username", Message: "is already taken"}}, Err: err}
			case 4:
				return fault.Wrap(err, fault.Conflict, numberTaken)
			}
		}
	}
	return translate(err, "create user "+u.ID)
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

// UserIDByEmail reads the email marker with a strongly consistent read.
func (t *Table) UserIDByEmail(ctx context.Context, tenantID, email string) (string, error) {
	out, err := t.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &t.name, Key: key(tenantPK(tenantID), emailSK(user.NormalizeEmail(email))),
		ConsistentRead: aws.Bool(true), ProjectionExpression: aws.String("userId"),
	})
	if err != nil {
		return "", translate(err, "get email marker")
	}
	var m markerItem
	if out.Item != nil {
		if err := attributevalue.UnmarshalMap(out.Item, &m); err != nil {
			return "", fault.Wrap(fmt.Errorf("unmarshal email marker: %w", err), fault.Internal, "An internal error occurred.")
		}
	}
	if m.UserID == "" {
		return "", fault.New(fault.NotFound, "No user has this email.")
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
		UpdateExpression:    aws.String("SET accessToken = :token, updatedAt = :now, updatedBy = :by ADD version :one"),
		ConditionExpression: aws.String("attribute_exists(PK) AND emailLower = :email"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":token": str(sealed), ":now": now, ":by": str(c.By), ":one": num(1), ":email": str(user.NormalizeEmail(email)),
		},
	})
	if conditionFailed(err) {
		return fault.Wrap(err, fault.NotFound, "No user has this email.")
	}
	return translate(err, "set access token "+id)
}
