package store

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/signin"
	"roster/shared/user"
)

// Administering a tenant's users (package directory): lookups by number,
// listing, batch reads, versioned updates that move uniqueness markers,
// and deletes that free them.

// UserIDByNumber reads the number marker with a strongly consistent read.
// fault.NotFound.
func (t *Table) UserIDByNumber(ctx context.Context, tenantID string, n int64) (string, error) {
	return t.markerUserID(ctx, tenantID, numberSK(n), "number", "No user has this number.")
}

// ListUsers reads up to limit users of the tenant in id order (ids are
// time-ordered, so oldest first), after the user afterID when it is set,
// with one strongly consistent Query. It asks for one user more than
// limit, so more is exact and the last page is never an empty one.
func (t *Table) ListUsers(ctx context.Context, tenantID string, limit int, afterID string) ([]*user.User, bool, error) {
	pk := tenantPK(tenantID)
	in := &dynamodb.QueryInput{
		TableName:                 &t.name,
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk), ":prefix": str(userSK(""))},
		ConsistentRead:            aws.Bool(true),
		Limit:                     aws.Int32(int32(limit + 1)),
	}
	if afterID != "" {
		in.ExclusiveStartKey = key(pk, userSK(afterID))
	}
	out, err := t.db.Query(ctx, in)
	if err != nil {
		return nil, false, translate(err, "list users of "+tenantID)
	}
	users, err := unmarshalUsers(out.Items)
	if err != nil {
		return nil, false, err
	}
	// A page cut short by DynamoDB's 1 MB limit carries a key to go on from.
	more := len(users) > limit || out.LastEvaluatedKey != nil
	if len(users) > limit {
		users = users[:limit]
	}
	return users, more, nil
}

// GetUsers reads the tenant's users with the given ids, strongly
// consistently, with one BatchGetItem per 100 ids. Unknown ids are left out.
func (t *Table) GetUsers(ctx context.Context, tenantID string, ids []string) ([]*user.User, error) {
	keys := make([]map[string]types.AttributeValue, len(ids))
	for i, id := range ids {
		keys[i] = key(tenantPK(tenantID), userSK(id))
	}
	items, err := t.batchGet(ctx, keys, "", nil)
	if err != nil {
		return nil, err
	}
	return unmarshalUsers(items)
}

func unmarshalUsers(items []map[string]types.AttributeValue) ([]*user.User, error) {
	users := make([]*user.User, 0, len(items))
	for _, item := range items {
		var it userItem
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			return nil, fault.Wrap(fmt.Errorf("unmarshal user: %w", err), fault.Internal, errInternal)
		}
		users = append(users, it.user())
	}
	return users, nil
}

// What a failed condition means in the transactions below.
var (
	errStaleUser = fault.New(fault.Conflict, "The user has changed since it was read.")
	errEmail     = &fault.Error{Code: fault.Conflict, Message: "A user with this email already exists.",
		Fields: []fault.FieldError{{Field: "email", Message: "is already taken"}}}
	errUsername = &fault.Error{Code: fault.Conflict, Message: "A user with this username already exists.",
		Fields: []fault.FieldError{{Field: "username", Message: "is already taken"}}}
	errNoGroup = &fault.Error{Code: fault.Invalid, Message: "The request has invalid fields.",
		Fields: []fault.FieldError{{Field: "groupIDsToAdd", Message: "names a group that does not exist"}}}
)

// UpdateUser applies an administrative change in one transaction: the
// user's changed attributes (conditional on the version read), the email
// and username markers moved when they change, a check that each group
// joined exists, a password change with the token versions it bumps, and
// the tenant's count of active owners when the user becomes or stops being
// one (refused, naming role or active, when it is the last). A change that
// is the user item alone is one conditional UpdateItem, which costs half a
// transaction's write capacity.
func (t *Table) UpdateUser(ctx context.Context, c directory.UserUpdate) error {
	old, next := c.Old, c.New
	stampRequest(ctx, next, "")
	upd, err := t.userUpdate(old, next)
	if err != nil {
		return err
	}
	x := &txn{table: &t.name}
	x.add(types.TransactWriteItem{Update: upd}, errStaleUser)
	pk := tenantPK(next.TenantID)
	if err := x.moveMarker(pk, next, emailMarker(old.Email), emailMarker(next.Email), errEmail); err != nil {
		return err
	}
	oldName, newName := usernameSK(user.NormalizeUsername(old.Username)), usernameSK(user.NormalizeUsername(next.Username))
	if err := x.moveMarker(pk, next, oldName, newName, errUsername); err != nil {
		return err
	}
	for _, g := range c.CheckGroups {
		x.add(groupCheck(&t.name, pk, g), errNoGroup)
	}
	if c.Password != nil {
		x.replacePassword(c.Password, next.TenantID, next.ID)
	}
	d := ownerDelta(old, next)
	if d != 0 {
		x.add(ownersChange(&t.name, next.TenantID, d), lastOwnerChange(old, next))
	}
	if len(x.items) > maxTransactItems {
		return fault.InvalidField("groupIDsToAdd", "adds too many groups in one change; add them in two")
	}
	if len(x.items) == 1 {
		_, err := t.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: upd.TableName, Key: upd.Key, UpdateExpression: upd.UpdateExpression,
			ConditionExpression: upd.ConditionExpression, ExpressionAttributeNames: upd.ExpressionAttributeNames,
			ExpressionAttributeValues: upd.ExpressionAttributeValues,
		})
		if conditionFailed(err) {
			return fault.Wrap(err, fault.Conflict, "%s", errStaleUser.Message)
		}
		return translate(err, "update user "+next.ID)
	}
	if d != 0 {
		// Owner changes of one tenant meet on its count: AWS may cancel
		// one that overlaps another with TransactionConflict, and the
		// retry then commits or meets the condition the winner left.
		return retryBusy(ctx, func() error { return x.run(ctx, t.db, "update user "+next.ID) })
	}
	return x.run(ctx, t.db, "update user "+next.ID)
}

// retryBusy runs write again, after a jittered pause, while it fails only
// because a concurrent transaction cancelled it (fault.Unavailable).
func retryBusy(ctx context.Context, write func() error) error {
	for try := 1; ; try++ {
		err := write()
		if fault.CodeOf(err) != fault.Unavailable || try == maxConflictTries {
			return err
		}
		if werr := backoff(ctx, try); werr != nil {
			return err
		}
	}
}

// userUpdate returns the update that turns the stored old into next,
// conditional on old's version: it sets only the attributes that differ
// and removes those next no longer has. The token version is only ever
// added to, because a password change made in another tenant bumps it
// without a version check.
func (t *Table) userUpdate(old, next *user.User) (*types.Update, error) {
	before, err := attributevalue.MarshalMap(toUserItem(old))
	if err != nil {
		return nil, fault.Wrap(fmt.Errorf("marshal user %s: %w", old.ID, err), fault.Internal, errInternal)
	}
	after, err := attributevalue.MarshalMap(toUserItem(next))
	if err != nil {
		return nil, fault.Wrap(fmt.Errorf("marshal user %s: %w", next.ID, err), fault.Internal, errInternal)
	}
	const tokenVersion = "tokenVersion"
	byField(before, after, "azure")
	names := map[string]string{"#version": "version"}
	values := map[string]types.AttributeValue{":prev": num(old.Version)}
	var set, remove []string
	name := func(attr string) string {
		var path []string
		for _, part := range strings.Split(attr, ".") {
			n := "#a" + strconv.Itoa(len(names))
			names[n] = part
			path = append(path, n)
		}
		return strings.Join(path, ".")
	}
	for _, attr := range slices.Sorted(maps.Keys(after)) {
		if attr == attrPK || attr == attrSK || attr == tokenVersion || reflect.DeepEqual(before[attr], after[attr]) {
			continue
		}
		v := ":v" + strconv.Itoa(len(values))
		values[v] = after[attr]
		set = append(set, name(attr)+" = "+v)
	}
	for _, attr := range slices.Sorted(maps.Keys(before)) {
		if _, ok := after[attr]; !ok {
			remove = append(remove, name(attr))
		}
	}
	var expr []string
	if len(set) > 0 {
		expr = append(expr, "SET "+strings.Join(set, ", "))
	}
	if len(remove) > 0 {
		expr = append(expr, "REMOVE "+strings.Join(remove, ", "))
	}
	if d := next.TokenVersion - old.TokenVersion; d > 0 {
		values[":tokens"] = num(d)
		expr = append(expr, "ADD "+name(tokenVersion)+" :tokens")
	}
	return &types.Update{
		TableName: &t.name, Key: key(tenantPK(next.TenantID), userSK(next.ID)),
		UpdateExpression:          aws.String(strings.Join(expr, " ")),
		ConditionExpression:       aws.String("#version = :prev"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}, nil
}

// byField replaces the map attribute attr, when both before and after hold
// one, by its fields ("attr.field"), so an update sets and removes fields
// one by one and leaves alone a field neither side carries: the sealed
// Azure application key, which an ordinary read withholds and a change
// that keeps it therefore never has.
func byField(before, after map[string]types.AttributeValue, attr string) {
	b, okB := before[attr].(*types.AttributeValueMemberM)
	a, okA := after[attr].(*types.AttributeValueMemberM)
	if !okB || !okA {
		return
	}
	delete(before, attr)
	delete(after, attr)
	for f, v := range b.Value {
		before[attr+"."+f] = v
	}
	for f, v := range a.Value {
		after[attr+"."+f] = v
	}
}

// DeleteUsers deletes each user as read: the user conditional on its
// version, its email, username and number markers and its membership each
// conditional on still being the user's. Users are packed into as few
// transactions as the 100-item limit allows (at most six items each, the
// sixth the deletion note that tells the change feed who deleted the user
// (stream.go)), so ten users are one call. A transaction a condition cancels deletes none
// of its users; their ids come back as stale. Active owners go first, in
// the first transaction, which also takes them off the tenant's count of
// active owners: when that would leave none, nothing of it is written and
// the error is a fault.Conflict (directory.ErrLastOwner).
func (t *Table) DeleteUsers(ctx context.Context, users []*user.User) ([]string, error) {
	bulk := len(users) > 1
	users = slices.Clone(users)
	slices.SortStableFunc(users, func(a, b *user.User) int { return ownerDelta(a, nil) - ownerDelta(b, nil) })
	var stale []string
	for len(users) > 0 {
		x := &txn{table: &t.name}
		n, owners := 0, 0
		for ; n < len(users); n++ {
			note, err := t.deletionPut(ctx, users[n].TenantID, users[n].ID, "", "")
			if err != nil {
				return nil, err
			}
			items := append(deleteItems(&t.name, users[n]), note)
			count := 0
			if owners > 0 || activeOwner(users[n]) {
				count = 1 // room for the owners count, once per transaction
			}
			if len(x.items)+len(items)+count > maxTransactItems {
				break
			}
			for _, it := range items {
				x.add(it, errStaleUser)
			}
			if activeOwner(users[n]) {
				owners++
			}
		}
		if owners > 0 {
			x.add(ownersChange(&t.name, users[0].TenantID, -owners), lastOwnerDelete(bulk))
		}
		batch := users[:n]
		users = users[n:]
		err := x.send(ctx, t.db)
		codes, cancelled := cancellation(err)
		if failed := failedItems(codes); owners > 0 && len(failed) == 1 && failed[0] == len(x.items)-1 {
			// Only the count refused: the users are as read, and they
			// include the tenant's last active owner.
			return nil, x.failure(failed[0], err)
		}
		if cancelled && (len(failedItems(codes)) > 0 || transient(codes)) {
			for _, u := range batch {
				stale = append(stale, u.ID)
			}
			continue
		}
		if err != nil {
			return nil, translate(err, "delete users")
		}
	}
	return stale, nil
}

// deleteItems returns the writes that delete u and free what it holds.
func deleteItems(table *string, u *user.User) []types.TransactWriteItem {
	pk := tenantPK(u.TenantID)
	mine := map[string]types.AttributeValue{":user": str(u.ID)}
	del := func(k map[string]types.AttributeValue) types.TransactWriteItem {
		return types.TransactWriteItem{Delete: &types.Delete{
			TableName: table, Key: k, ConditionExpression: aws.String("userId = :user"), ExpressionAttributeValues: mine,
		}}
	}
	items := []types.TransactWriteItem{{Delete: &types.Delete{
		TableName: table, Key: key(pk, userSK(u.ID)),
		ConditionExpression:       aws.String("#version = :version"),
		ExpressionAttributeNames:  map[string]string{"#version": "version"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":version": num(u.Version)},
	}}}
	if sk := emailMarker(u.Email); sk != "" {
		items = append(items, del(key(pk, sk)))
	}
	items = append(items, del(key(pk, usernameSK(user.NormalizeUsername(u.Username)))))
	if u.Number != 0 {
		items = append(items, del(key(pk, numberSK(u.Number))))
	}
	if u.AccountID != "" {
		items = append(items, del(key(accountPK(u.AccountID), memberSK(u.TenantID))))
	}
	return items
}

// emailMarker returns the sort key of an email's marker, or "" for no email.
func emailMarker(email string) string {
	if e := user.NormalizeEmail(email); e != "" {
		return emailSK(e)
	}
	return ""
}

// groupCheck is a transaction item that holds only while the group exists.
func groupCheck(table *string, pk, groupID string) types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName: table, Key: key(pk, groupSK(groupID)), ConditionExpression: aws.String("attribute_exists(PK)"),
	}}
}

// moveMarker adds the writes that move u's uniqueness marker from oldSK to
// newSK ("" for none): the old one deleted provided it is still the
// user's, the new one (naming the user and its person) put provided it is
// free (taken: what it means when it is not).
func (x *txn) moveMarker(pk string, u *user.User, oldSK, newSK string, taken error) error {
	if oldSK == newSK {
		return nil
	}
	if oldSK != "" {
		x.add(types.TransactWriteItem{Delete: &types.Delete{
			TableName: x.table, Key: key(pk, oldSK),
			ConditionExpression:       aws.String("userId = :user"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":user": str(u.ID)},
		}}, errStaleUser)
	}
	if newSK != "" {
		m, err := attributevalue.MarshalMap(markerItem{PK: pk, SK: newSK, Type: "marker", UserID: u.ID, AccountID: u.AccountID})
		if err != nil {
			return fault.Wrap(err, fault.Internal, errInternal)
		}
		x.add(types.TransactWriteItem{Put: &types.Put{
			TableName: x.table, Item: m, ConditionExpression: aws.String("attribute_not_exists(PK)"),
		}}, taken)
	}
	return nil
}

// replacePassword adds the writes of a password change: the account's
// hash replaced provided it is still the one checked (or, when that was
// empty, the account still has none), its failures and lock cleared, its
// sessions revoked as of pw.At (which ends every session of the person:
// exchanges check the account), and every user of the account but the one
// being written (tenantID, userID) given a new token version.
func (x *txn) replacePassword(pw *signin.PasswordChange, tenantID, userID string) {
	cond, values := "passwordHash = :old", map[string]types.AttributeValue{
		":new": str(pw.NewHash), ":old": str(pw.OldHash), ":zero": num(0), ":one": num(1),
		":revoked": num(epochMillis(pw.At)),
	}
	if pw.OldHash == "" {
		cond = "attribute_exists(PK) AND attribute_not_exists(passwordHash)"
		delete(values, ":old")
	}
	x.add(types.TransactWriteItem{Update: &types.Update{
		TableName: x.table, Key: key(accountPK(pw.AccountID), accountSK),
		UpdateExpression:          aws.String("SET passwordHash = :new, failedLogins = :zero, sessionsRevokedAt = :revoked REMOVE lockedUntil ADD version :one"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeValues: values,
	}}, errPasswordChanged)
	x.bumpTokenVersions(pw.Others, tenantID, userID)
}

// bumpTokenVersions gives every user of members but (tenantID, userID),
// which its caller bumps with the rest of the user, a new token version,
// so the access tokens they hold stop working.
func (x *txn) bumpTokenVersions(members []signin.Membership, tenantID, userID string) {
	for _, m := range members {
		if m.TenantID == tenantID && m.UserID == userID {
			continue // bumped with the rest of the user
		}
		x.add(types.TransactWriteItem{Update: &types.Update{
			TableName: x.table, Key: key(tenantPK(m.TenantID), userSK(m.UserID)),
			UpdateExpression:          aws.String("ADD tokenVersion :one"),
			ConditionExpression:       aws.String("attribute_exists(PK)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1)},
		}}, fault.New(fault.Conflict, "The person's users have changed; retry."))
	}
}
