package store

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/auth"
	"roster/shared/fault"
	"roster/shared/signin"
)

// Second factors (decision 024). The TOTP secret, sealed, lives on the
// account item beside the password hash, with the last accepted step and
// the count of wrong codes, so a login's password step reads it with the
// account and a replayed step is refused by a condition on the item that
// records it:
//
//	PK                  SK                  item
//	ACCOUNT#<a>         ACCOUNT             + totpSecret, totpSince, totpLastStep, failedCodes
//	ACCOUNT#<a>         TOTPPENDING         an unconfirmed TOTP secret, sealed (expiresAt)
//	ACCOUNT#<a>         RECOVERY            HMACs of the unused recovery codes (a string set)
//	CHALLENGE#<id>      CHALLENGE           a login's second step (account, device HMAC, sealed secret copy, expiresAt)
const (
	pendingTOTPSK = "TOTPPENDING"
	recoverySK    = "RECOVERY"
	challengeSK   = "CHALLENGE"
)

func challengePK(id string) string { return "CHALLENGE#" + id }

// factorsItem is the part of an account item that holds its factors.
// totpSince is epoch milliseconds, so conditions compare it as a number.
type factorsItem struct {
	TOTPSecret   string `dynamodbav:"totpSecret,omitempty"`
	TOTPSince    int64  `dynamodbav:"totpSince,omitempty"`
	TOTPLastStep int64  `dynamodbav:"totpLastStep,omitempty"`
	FailedCodes  int    `dynamodbav:"failedCodes,omitempty"`
	Passkeys     int    `dynamodbav:"passkeys,omitempty"` // passkeys registered; see passkeys.go
}

// factors returns the factors as ordinary reads show them: without the
// sealed secret (see accountItem.credentials).
func (it factorsItem) factors() signin.AccountFactors {
	return signin.AccountFactors{TOTPSince: millisTime(it.TOTPSince), TOTPLastStep: it.TOTPLastStep, FailedCodes: it.FailedCodes,
		Passkeys: it.Passkeys}
}

type pendingTOTPItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Type      string `dynamodbav:"type"`
	Secret    string `dynamodbav:"totpSecret"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

type challengeItem struct {
	PK           string    `dynamodbav:"PK"`
	SK           string    `dynamodbav:"SK"`
	Type         string    `dynamodbav:"type"`
	ID           string    `dynamodbav:"challengeId"`
	AccountID    string    `dynamodbav:"accountId"`
	DeviceHash   []byte    `dynamodbav:"deviceHash"`
	Hash         []byte    `dynamodbav:"hash"`
	TenantID     string    `dynamodbav:"tenantId"`
	UserID       string    `dynamodbav:"userId"`
	Role         string    `dynamodbav:"role"`
	TokenVersion int64     `dynamodbav:"tokenVersion"`
	TOTPSecret   string    `dynamodbav:"totpSecret,omitempty"`
	TOTPSince    int64     `dynamodbav:"totpSince,omitempty"`
	Enrol        bool      `dynamodbav:"enrol,omitempty"`
	Passkeys     bool      `dynamodbav:"passkeys,omitempty"`
	Passwordless bool      `dynamodbav:"passwordless,omitempty"`
	Ceremony     []byte    `dynamodbav:"ceremony,omitempty"`
	SessionStart int64     `dynamodbav:"sessionStart"`
	CreatedAt    time.Time `dynamodbav:"createdAt"`
	ExpiresAt    int64     `dynamodbav:"expiresAt"`
}

// What a failed condition means in the factor transactions.
var (
	errTOTPEnrolled  = fault.New(fault.Conflict, "An authenticator is enrolled already.")
	errNoPending     = fault.New(fault.NotFound, "No enrolment is pending; start one first.")
	errChallengeGone = fault.New(fault.Unauthorized, "The MFA challenge is invalid or has expired.")
	errCodeRefused   = fault.New(fault.Forbidden, "The code was used already, or the account is locked or its sessions were revoked.")
	errFactorChanged = fault.New(fault.Conflict, "The factors changed meanwhile.")
)

// PutPendingTOTP stores (or replaces) an account's unconfirmed TOTP secret.
func (t *Table) PutPendingTOTP(ctx context.Context, accountID, sealed string, expires time.Time) error {
	item, err := attributevalue.MarshalMap(pendingTOTPItem{
		PK: accountPK(accountID), SK: pendingTOTPSK, Type: "totppending", Secret: sealed, ExpiresAt: expires.Unix(),
	})
	if err != nil {
		return fault.Wrap(fmt.Errorf("marshal pending totp: %w", err), fault.Internal, errInternal)
	}
	_, err = t.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &t.name, Item: item})
	return translate(err, "put pending totp of "+accountID)
}

// PendingTOTP reads an account's unconfirmed TOTP secret. fault.NotFound
// when there is none or it expired at now.
func (t *Table) PendingTOTP(ctx context.Context, accountID string, now time.Time) (string, error) {
	var it pendingTOTPItem
	if err := t.getOne(ctx, key(accountPK(accountID), pendingTOTPSK), &it, errNoPending.Message, "get pending totp"); err != nil {
		return "", err
	}
	if it.ExpiresAt <= now.Unix() {
		return "", errNoPending
	}
	return it.Secret, nil
}

// ConfirmTOTP makes the pending secret the account's TOTP in one
// transaction: the pending item consumed (it must exist, unexpired), the
// account given the secret (only while it has none), and the recovery
// codes replaced.
func (t *Table) ConfirmTOTP(ctx context.Context, c signin.TOTPConfirmation) error {
	note, noted := factorNoteOf(ctx)
	values := map[string]types.AttributeValue{
		":secret": str(c.Secret), ":since": num(epochMillis(c.Since)), ":step": num(c.Step), ":zero": num(0), ":one": num(1),
	}
	maps.Copy(values, noted)
	x := &txn{table: &t.name}
	x.add(types.TransactWriteItem{Update: &types.Update{
		TableName: &t.name, Key: key(accountPK(c.AccountID), accountSK),
		UpdateExpression:          aws.String(joinSet("SET totpSecret = :secret, totpSince = :since, totpLastStep = :step, failedCodes = :zero", note) + " ADD version :one"),
		ConditionExpression:       aws.String("attribute_exists(PK) AND attribute_not_exists(totpSince)"),
		ExpressionAttributeValues: values,
	}}, errTOTPEnrolled)
	x.add(types.TransactWriteItem{Delete: t.consume(accountPK(c.AccountID), pendingTOTPSK, c.Now)}, errNoPending)
	x.add(t.recoveryPut(c.AccountID, c.RecoveryCodes), nil)
	return x.run(ctx, t.db, "confirm totp of "+c.AccountID)
}

// recoveryPut is the transaction item that replaces an account's
// recovery codes with the HMACs given.
func (t *Table) recoveryPut(accountID string, hashes [][]byte) types.TransactWriteItem {
	set := make([]string, len(hashes))
	for i, h := range hashes {
		set[i] = signin.RecoveryHashHex(h)
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: map[string]types.AttributeValue{
		attrPK: str(accountPK(accountID)), attrSK: str(recoverySK), "type": str("recovery"),
		"codes": &types.AttributeValueMemberSS{Value: set},
	}}}
}

// RemoveFactors removes an account's TOTP and recovery codes in one
// transaction. With since set, the account's enrolment must still be that
// one and step newer than its last, which it becomes; fault.Conflict
// otherwise. With since zero (an administrator's reset) it is
// unconditional, and also clears the failures the codes counted.
//
// The update notes the tenant and user for roster.mfa.removed: the
// principal's own, or, for an administrator's reset, the person's user in
// the administrator's tenant (one more GetItem, on that path only).
func (t *Table) RemoveFactors(ctx context.Context, accountID string, since time.Time, step int64) error {
	note, noted := factorNoteOf(ctx)
	if p, ok := auth.PrincipalFrom(ctx); ok && since.IsZero() {
		var m memberItem
		err := t.getOne(ctx, key(accountPK(accountID), memberSK(p.TenantID)), &m, "No user in the tenant.", "get member")
		if err != nil && fault.CodeOf(err) != fault.NotFound {
			return err
		}
		note, noted = factorNote(m.TenantID, m.UserID, p.Actor())
	}
	values := map[string]types.AttributeValue{":one": num(1)}
	maps.Copy(values, noted)
	update := &types.Update{
		TableName: &t.name, Key: key(accountPK(accountID), accountSK),
		UpdateExpression:          aws.String(joinRemove("REMOVE totpSecret, totpSince, totpLastStep, failedCodes", note) + " ADD version :one"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: values,
	}
	if !since.IsZero() {
		update.ConditionExpression = aws.String("totpSince = :since AND totpLastStep < :step")
		update.ExpressionAttributeValues[":since"] = num(epochMillis(since))
		update.ExpressionAttributeValues[":step"] = num(step)
	}
	x := &txn{table: &t.name}
	x.add(types.TransactWriteItem{Update: update}, errFactorChanged)
	x.add(types.TransactWriteItem{Delete: &types.Delete{TableName: &t.name, Key: key(accountPK(accountID), recoverySK)}}, nil)
	x.add(types.TransactWriteItem{Delete: &types.Delete{TableName: &t.name, Key: key(accountPK(accountID), pendingTOTPSK)}}, nil)
	err := x.run(ctx, t.db, "remove factors of "+accountID)
	if since.IsZero() && fault.CodeOf(err) == fault.Conflict {
		return fault.Wrap(err, fault.NotFound, "The account does not exist.")
	}
	return err
}

// RecoveryCodesLeft counts the account's unused recovery codes.
func (t *Table) RecoveryCodesLeft(ctx context.Context, accountID string) (int, error) {
	var it struct {
		Codes []string `dynamodbav:"codes,stringset"`
	}
	err := t.getOne(ctx, key(accountPK(accountID), recoverySK), &it, "No recovery codes.", "get recovery codes")
	if fault.CodeOf(err) == fault.NotFound {
		return 0, nil
	}
	return len(it.Codes), err
}

// PutChallenge stores a login challenge: one PutItem, or, when the
// password step rehashed the password (newHash), one transaction that
// also replaces the account's hash, conditional on oldHash being stored.
// fault.Conflict when the id is taken or the hash changed meanwhile.
func (t *Table) PutChallenge(ctx context.Context, c *signin.LoginChallenge, oldHash, newHash string) error {
	it := challengeItem{
		PK: challengePK(c.ID), SK: challengeSK, Type: "challenge", ID: c.ID, AccountID: c.AccountID,
		DeviceHash: c.DeviceHash, Hash: c.Hash, TenantID: c.TenantID, UserID: c.UserID, Role: c.Role,
		TokenVersion: c.TokenVersion, TOTPSecret: c.TOTPSecret, TOTPSince: epochMillis(c.TOTPSince), Enrol: c.Enrol,
		Passkeys: c.Passkeys, Passwordless: c.Passwordless, Ceremony: c.Ceremony,
		SessionStart: epochMillis(c.SessionStart), CreatedAt: c.CreatedAt.UTC(), ExpiresAt: c.ExpiresAt.Unix(),
	}
	if newHash == "" {
		return t.putNew(ctx, it, "The challenge already exists.", "put challenge")
	}
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fault.Wrap(fmt.Errorf("marshal challenge: %w", err), fault.Internal, errInternal)
	}
	x := &txn{table: &t.name}
	x.add(types.TransactWriteItem{Update: &types.Update{
		TableName: &t.name, Key: key(accountPK(c.AccountID), accountSK),
		UpdateExpression:          aws.String("SET passwordHash = :new"),
		ConditionExpression:       aws.String("passwordHash = :old"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":new": str(newHash), ":old": str(oldHash)},
	}}, errPasswordChanged)
	x.add(types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		fault.New(fault.Conflict, "The challenge already exists."))
	return x.run(ctx, t.db, "put challenge "+c.ID)
}

// GetChallenge reads a login challenge, expired or not. fault.NotFound.
func (t *Table) GetChallenge(ctx context.Context, id string) (*signin.LoginChallenge, error) {
	var it challengeItem
	if err := t.getOne(ctx, key(challengePK(id), challengeSK), &it, "The challenge does not exist.", "get challenge"); err != nil {
		return nil, err
	}
	return &signin.LoginChallenge{
		ID: it.ID, AccountID: it.AccountID, DeviceHash: it.DeviceHash, Hash: it.Hash,
		TenantID: it.TenantID, UserID: it.UserID, Role: it.Role, TokenVersion: it.TokenVersion,
		TOTPSecret: it.TOTPSecret, TOTPSince: millisTime(it.TOTPSince), Enrol: it.Enrol,
		Passkeys: it.Passkeys, Passwordless: it.Passwordless, Ceremony: it.Ceremony, SessionStart: millisTime(it.SessionStart),
		CreatedAt: it.CreatedAt, ExpiresAt: unixTime(it.ExpiresAt),
	}, nil
}

// CompleteChallenge finishes a login's second step in one transaction:
// the challenge consumed (it must exist, unexpired); the account's last
// step moved to s.Step (only while it is newer and the enrolment the
// challenge names is still the account's), or the recovery code removed
// from the set (only while the set holds it); the account's failures
// cleared, only while it is not locked and its sessions were not revoked
// since the login began; and the auth token stored.
func (t *Table) CompleteChallenge(ctx context.Context, s signin.ChallengeSuccess) error {
	c := s.Challenge
	token, err := attributevalue.MarshalMap(toAuthItem(s.Token))
	if err != nil {
		return fault.Wrap(fmt.Errorf("marshal auth token: %w", err), fault.Internal, errInternal)
	}
	cond := "attribute_exists(PK) AND (attribute_not_exists(lockedUntil) OR lockedUntil <= :now) AND " + sessionLive
	expr := "SET failedLogins = :zero, failedCodes = :zero REMOVE lockedUntil"
	values := map[string]types.AttributeValue{
		":now": num(s.Now.Unix()), ":start": num(epochMillis(c.SessionStart)), ":zero": num(0),
	}
	x := &txn{table: &t.name}
	x.add(types.TransactWriteItem{Delete: t.consume(challengePK(c.ID), challengeSK, s.Now)}, errChallengeGone)
	if s.Recovery == nil {
		cond += " AND totpSince = :since AND totpLastStep < :step"
		expr = "SET failedLogins = :zero, failedCodes = :zero, totpLastStep = :step REMOVE lockedUntil"
		values[":since"], values[":step"] = num(epochMillis(c.TOTPSince)), num(s.Step)
	} else {
		h := signin.RecoveryHashHex(s.Recovery)
		x.add(types.TransactWriteItem{Update: &types.Update{
			TableName: &t.name, Key: key(accountPK(c.AccountID), recoverySK),
			UpdateExpression:          aws.String("DELETE codes :set"),
			ConditionExpression:       aws.String("contains(codes, :code)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":set": &types.AttributeValueMemberSS{Value: []string{h}}, ":code": str(h)},
		}}, errCodeRefused)
	}
	x.add(types.TransactWriteItem{Update: &types.Update{
		TableName: &t.name, Key: key(accountPK(c.AccountID), accountSK),
		UpdateExpression: &expr, ConditionExpression: &cond, ExpressionAttributeValues: values,
	}}, errCodeRefused)
	x.add(types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: token, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		errAuthTaken)
	if s.Session != nil {
		session, err := t.sessionPut(s.Session)
		if err != nil {
			return err
		}
		x.add(session, errAuthTaken)
	}
	return x.run(ctx, t.db, "complete challenge "+c.ID)
}

// CompleteEnrolment confirms a pending TOTP and finishes the login whose
// challenge asked for it, in one transaction: the challenge consumed; the
// pending secret consumed, only while it is the one the code was checked
// against; the account given it (only while it has none, is not locked and
// its sessions were not revoked since the login began), its failures
// cleared; the recovery codes replaced; the auth token and the session's
// record stored.
func (t *Table) CompleteEnrolment(ctx context.Context, c signin.TOTPConfirmation, s signin.ChallengeSuccess) error {
	token, err := attributevalue.MarshalMap(toAuthItem(s.Token))
	if err != nil {
		return fault.Wrap(fmt.Errorf("marshal auth token: %w", err), fault.Internal, errInternal)
	}
	note, noted := factorNote(s.Challenge.TenantID, s.Challenge.UserID, "user:"+s.Challenge.UserID)
	values := map[string]types.AttributeValue{
		":secret": str(c.Secret), ":since": num(epochMillis(c.Since)), ":step": num(c.Step), ":zero": num(0), ":one": num(1),
		":now": num(s.Now.Unix()), ":start": num(epochMillis(s.Challenge.SessionStart)),
	}
	maps.Copy(values, noted)
	x := &txn{table: &t.name}
	x.add(types.TransactWriteItem{Delete: t.consume(challengePK(s.Challenge.ID), challengeSK, s.Now)}, errChallengeGone)
	x.add(types.TransactWriteItem{Update: &types.Update{
		TableName: &t.name, Key: key(accountPK(c.AccountID), accountSK),
		UpdateExpression: aws.String(joinRemove("REMOVE lockedUntil",
			joinSet("SET totpSecret = :secret, totpSince = :since, totpLastStep = :step, failedLogins = :zero, failedCodes = :zero", note)) + " ADD version :one"),
		ConditionExpression: aws.String("attribute_exists(PK) AND attribute_not_exists(totpSince) AND " +
			"(attribute_not_exists(lockedUntil) OR lockedUntil <= :now) AND " + sessionLive),
		ExpressionAttributeValues: values,
	}}, errCodeRefused)
	x.add(types.TransactWriteItem{Delete: &types.Delete{
		TableName: &t.name, Key: key(accountPK(c.AccountID), pendingTOTPSK),
		ConditionExpression:       aws.String("totpSecret = :secret AND expiresAt > :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":secret": str(c.Secret), ":now": num(s.Now.Unix())},
	}}, errNoPending)
	x.add(t.recoveryPut(c.AccountID, c.RecoveryCodes), nil)
	x.add(types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: token, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		errAuthTaken)
	if s.Session != nil {
		session, err := t.sessionPut(s.Session)
		if err != nil {
			return err
		}
		x.add(session, errAuthTaken)
	}
	return x.run(ctx, t.db, "complete enrolment "+s.Challenge.ID)
}

// SetMFAPolicy sets the roles of a tenant that must log in with a second
// factor (none: the attribute is removed). fault.NotFound when there is no
// tenant.
func (t *Table) SetMFAPolicy(ctx context.Context, tenantID string, roles []string) error {
	in := &dynamodb.UpdateItemInput{
		TableName: &t.name, Key: key(tenantPK(tenantID), tenantSK),
		UpdateExpression:    aws.String("REMOVE mfaRoles"),
		ConditionExpression: aws.String("attribute_exists(PK)"),
	}
	if len(roles) > 0 {
		in.UpdateExpression = aws.String("SET mfaRoles = :roles")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":roles": &types.AttributeValueMemberSS{Value: roles}}
	}
	_, err := t.db.UpdateItem(ctx, in)
	if conditionFailed(err) {
		return fault.Wrap(err, fault.NotFound, "The tenant does not exist.")
	}
	return translate(err, "set mfa policy of "+tenantID)
}
