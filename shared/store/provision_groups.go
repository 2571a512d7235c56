package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/provision"
)

// Items of provisioning's group events (package provision), beside those
// of provision.go:
//
//	PK          SK                                  item
//	TENANT#<t>  EXTERNALGROUP#<groupExtId>          group's external id -> groupId, occurredAt of the last group.upsert applied
//	TENANT#<t>  EXTERNALMEMBER#<extId>#<groupId>    a feed's membership: member or not, occurredAt of the last event applied
//
// The membership item orders membership events per (user, group), apart
// from the user's own ref, so an attribute change never makes a
// membership event of the same minute stale. A removal leaves it, with
// member false, so an older add arriving late does not re-add the user.
// External ids never contain '#', so the two parts of its key are unambiguous.
func externalGroupSK(externalID string) string { return "EXTERNALGROUP#" + externalID }
func externalMemberSK(externalID, groupID string) string {
	return "EXTERNALMEMBER#" + externalID + "#" + groupID
}

type externalGroupItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	Type       string `dynamodbav:"type"`
	ExternalID string `dynamodbav:"externalId"`
	GroupID    string `dynamodbav:"groupId"`
	OccurredAt int64  `dynamodbav:"occurredAt"` // epoch nanoseconds, so conditions compare numbers
}

type externalMemberItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	Type       string `dynamodbav:"type"`
	ExternalID string `dynamodbav:"externalId"`
	GroupID    string `dynamodbav:"groupId"`
	Member     bool   `dynamodbav:"member"`
	OccurredAt int64  `dynamodbav:"occurredAt"`
}

func (it externalGroupItem) ref(tenantID string) *provision.GroupRef {
	return &provision.GroupRef{TenantID: tenantID, ExternalID: it.ExternalID, GroupID: it.GroupID, OccurredAt: time.Unix(0, it.OccurredAt).UTC()}
}

func (it externalMemberItem) ref(tenantID string) *provision.MemberRef {
	return &provision.MemberRef{TenantID: tenantID, ExternalID: it.ExternalID, GroupID: it.GroupID, Member: it.Member,
		OccurredAt: time.Unix(0, it.OccurredAt).UTC()}
}

// GetGroup reads one group of the tenant. fault.NotFound.
func (t *Table) GetGroup(ctx context.Context, tenantID, id string) (*directory.Group, error) {
	var it groupItem
	if err := t.getOne(ctx, key(tenantPK(tenantID), groupSK(id)), &it,
		"The group does not exist.", "get group"); err != nil {
		return nil, err
	}
	g := it.group()
	return &g, nil
}

// GroupIDByName reads the group-name marker, matching names as the
// directory keeps them unique (trimmed, case-insensitively). fault.NotFound.
func (t *Table) GroupIDByName(ctx context.Context, tenantID, name string) (string, error) {
	var it groupNameItem
	if err := t.getOne(ctx, key(tenantPK(tenantID), groupNameSK(normalizeGroupName(name))), &it,
		"No group has this name.", "get group name"); err != nil {
		return "", err
	}
	return it.GroupID, nil
}

// GetGroupRef reads the ref of a group's external id. fault.NotFound.
func (t *Table) GetGroupRef(ctx context.Context, tenantID, externalID string) (*provision.GroupRef, error) {
	var it externalGroupItem
	if err := t.getOne(ctx, key(tenantPK(tenantID), externalGroupSK(externalID)), &it,
		"The group's external id is unknown.", "get group ref"); err != nil {
		return nil, err
	}
	return it.ref(tenantID), nil
}

// GetMemberRef reads the feed's last membership event for a user's
// external id and a group. fault.NotFound.
func (t *Table) GetMemberRef(ctx context.Context, tenantID, externalID, groupID string) (*provision.MemberRef, error) {
	var it externalMemberItem
	if err := t.getOne(ctx, key(tenantPK(tenantID), externalMemberSK(externalID, groupID)), &it,
		"No membership event was applied.", "get member ref"); err != nil {
		return nil, err
	}
	return it.ref(tenantID), nil
}

// ApplyGroupProvisioning writes p in one TransactWriteItems, the refs
// first so a lost race explains itself before the name marker does. A
// lost race (a ref, the group or the user changed since read) is
// fault.Unavailable, for a retry that reads again; a taken name is
// ErrGroupName; a missing group is ErrNoGroup; a missing or inactive
// tenant is fault.NotFound; an existing mark is ErrMarked.
func (t *Table) ApplyGroupProvisioning(ctx context.Context, p provision.GroupChange) error {
	x := &txn{table: &t.name}
	pk := tenantPK(p.Mark.TenantID)
	if r := p.GroupRef; r != nil {
		item, err := attributevalue.MarshalMap(externalGroupItem{PK: pk, SK: externalGroupSK(r.ExternalID), Type: "externalgroup",
			ExternalID: r.ExternalID, GroupID: r.GroupID, OccurredAt: r.OccurredAt.UnixNano()})
		if err != nil {
			return fault.Wrap(fmt.Errorf("marshal group ref: %w", err), fault.Internal, errInternal)
		}
		var prev *time.Time
		if p.PrevGroupRef != nil {
			prev = &p.PrevGroupRef.OccurredAt
		}
		x.add(types.TransactWriteItem{Put: asOf(&types.Put{TableName: &t.name, Item: item}, prev)}, errRaced)
	}
	if r := p.Member; r != nil {
		item, err := attributevalue.MarshalMap(externalMemberItem{PK: pk, SK: externalMemberSK(r.ExternalID, r.GroupID),
			Type: "externalmember", ExternalID: r.ExternalID, GroupID: r.GroupID, Member: r.Member, OccurredAt: r.OccurredAt.UnixNano()})
		if err != nil {
			return fault.Wrap(fmt.Errorf("marshal member ref: %w", err), fault.Internal, errInternal)
		}
		var prev *time.Time
		if p.PrevMember != nil {
			prev = &p.PrevMember.OccurredAt
		}
		x.add(types.TransactWriteItem{Put: asOf(&types.Put{TableName: &t.name, Item: item}, prev)}, errRaced)
	}
	if g := p.NewGroup; g != nil {
		x.add(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: &t.name, Key: key(pk, tenantSK),
			ConditionExpression:       aws.String("attribute_exists(PK) AND active = :true"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":true": &types.AttributeValueMemberBOOL{Value: true}},
		}}, fault.New(fault.NotFound, "The tenant does not exist or is inactive."))
		item, err := attributevalue.MarshalMap(groupItem{PK: pk, SK: groupSK(g.ID), Type: "group", ID: g.ID, Name: g.Name, CreatedAt: g.CreatedAt.UTC()})
		if err != nil {
			return fault.Wrap(fmt.Errorf("marshal group %s: %w", g.ID, err), fault.Internal, errInternal)
		}
		x.add(types.TransactWriteItem{Put: &types.Put{TableName: &t.name, Item: item,
			ConditionExpression: aws.String("attribute_not_exists(PK)")}}, errRaced)
		if err := x.putGroupName(pk, g); err != nil {
			return err
		}
	}
	if old, next := p.Rename[0], p.Rename[1]; old != nil {
		x.add(types.TransactWriteItem{Update: &types.Update{
			TableName: &t.name, Key: key(pk, groupSK(old.ID)),
			UpdateExpression:          aws.String("SET #name = :new"),
			ConditionExpression:       aws.String("#name = :old"),
			ExpressionAttributeNames:  map[string]string{"#name": "name"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":new": str(next.Name), ":old": str(old.Name)},
		}}, errRaced)
		if normalizeGroupName(old.Name) != normalizeGroupName(next.Name) {
			x.add(types.TransactWriteItem{Delete: &types.Delete{
				TableName: &t.name, Key: key(pk, groupNameSK(normalizeGroupName(old.Name))),
				ConditionExpression:       aws.String("groupId = :id"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(old.ID)},
			}}, errRaced)
			if err := x.putGroupName(pk, next); err != nil {
				return err
			}
		}
	}
	if old, next := p.User[0], p.User[1]; old != nil {
		upd, err := t.userUpdate(old, next)
		if err != nil {
			return err
		}
		x.add(types.TransactWriteItem{Update: upd}, errRaced)
	}
	if p.CheckGroup != "" {
		x.add(groupCheck(&t.name, pk, p.CheckGroup), provision.ErrNoGroup)
	}
	if len(x.items) == 0 {
		return t.ApplyProvisioning(ctx, provision.Change{Mark: p.Mark})
	}
	m := p.Mark
	if err := t.addMark(x, m); err != nil {
		return err
	}
	return x.run(ctx, t.db, "provision "+m.TenantID+"/"+m.EventID)
}

// putGroupName adds the put of g's name marker, provided the name is free.
func (x *txn) putGroupName(pk string, g *directory.Group) error {
	item, err := attributevalue.MarshalMap(groupNameItem{PK: pk, SK: groupNameSK(normalizeGroupName(g.Name)), Type: "marker", GroupID: g.ID})
	if err != nil {
		return fault.Wrap(fmt.Errorf("marshal group name %s: %w", g.ID, err), fault.Internal, errInternal)
	}
	x.add(types.TransactWriteItem{Put: &types.Put{TableName: x.table, Item: item,
		ConditionExpression: aws.String("attribute_not_exists(PK)")}}, provision.ErrGroupName)
	return nil
}

// asOf makes put conditional on the stored item's occurredAt being the one
// read (absent when prev is nil), so two events never both apply on the
// same state.
func asOf(put *types.Put, prev *time.Time) *types.Put {
	if prev == nil {
		put.ConditionExpression = aws.String("attribute_not_exists(PK)")
		return put
	}
	put.ConditionExpression = aws.String("occurredAt = :prev")
	put.ExpressionAttributeValues = map[string]types.AttributeValue{
		":prev": &types.AttributeValueMemberN{Value: strconv.FormatInt(prev.UnixNano(), 10)},
	}
	return put
}

// ReadGroupProvisioning reads what a batch's group events read first, in
// at most two strongly consistent BatchGetItem rounds: the name markers,
// group refs and the member refs of groups named by id; then the groups
// behind the refs and the member refs of groups named by name or
// external id. fault.Unavailable when DynamoDB keeps leaving keys
// unprocessed (batchGet retries them with backoff first).
func (t *Table) ReadGroupProvisioning(ctx context.Context, k provision.GroupKeys) (*provision.GroupSnapshot, error) {
	s := &provision.GroupSnapshot{Names: map[[2]string]string{}, Refs: map[[2]string]*provision.GroupRef{},
		Groups: map[[2]string]*directory.Group{}, Members: map[[3]string]*provision.MemberRef{}}
	var round []map[string]types.AttributeValue
	seen := map[string]bool{}
	want := func(pk, sk string) {
		if !seen[pk+"\x00"+sk] {
			seen[pk+"\x00"+sk] = true
			round = append(round, key(pk, sk))
		}
	}
	member := func(tenantID, ext, groupID string) {
		s.Members[[3]string{tenantID, ext, groupID}] = nil
		want(tenantPK(tenantID), externalMemberSK(ext, groupID))
	}
	for _, n := range k.Names {
		s.Names[n] = ""
		want(tenantPK(n[0]), groupNameSK(normalizeGroupName(n[1])))
	}
	for _, r := range k.Refs {
		s.Refs[r] = nil
		want(tenantPK(r[0]), externalGroupSK(r[1]))
	}
	for _, m := range k.Members {
		switch {
		case m.GroupID != "":
			member(m.TenantID, m.ExternalID, m.GroupID)
		case m.GroupName != "":
			s.Names[[2]string{m.TenantID, m.GroupName}] = ""
			want(tenantPK(m.TenantID), groupNameSK(normalizeGroupName(m.GroupName)))
		case m.GroupExternalID != "":
			s.Refs[[2]string{m.TenantID, m.GroupExternalID}] = nil
			want(tenantPK(m.TenantID), externalGroupSK(m.GroupExternalID))
		}
	}
	if err := t.readGroupRound(ctx, round, s); err != nil {
		return nil, err
	}
	round, seen = nil, map[string]bool{}
	for r, ref := range s.Refs {
		if ref != nil {
			s.Groups[[2]string{r[0], ref.GroupID}] = nil
			want(tenantPK(r[0]), groupSK(ref.GroupID))
		}
	}
	for _, m := range k.Members {
		var id string
		switch {
		case m.GroupName != "":
			id = s.Names[[2]string{m.TenantID, m.GroupName}]
		case m.GroupExternalID != "":
			if r := s.Refs[[2]string{m.TenantID, m.GroupExternalID}]; r != nil {
				id = r.GroupID
			}
		}
		if id != "" {
			member(m.TenantID, m.ExternalID, id)
		}
	}
	return s, t.readGroupRound(ctx, round, s)
}

// readGroupRound reads keys with batchGet and files what it finds in s.
func (t *Table) readGroupRound(ctx context.Context, keys []map[string]types.AttributeValue, s *provision.GroupSnapshot) error {
	if len(keys) == 0 {
		return nil
	}
	items, err := t.batchGet(ctx, keys, "", nil)
	if err != nil {
		return err
	}
	for _, item := range items {
		var head struct {
			PK   string `dynamodbav:"PK"`
			SK   string `dynamodbav:"SK"`
			Type string `dynamodbav:"type"`
		}
		if err := attributevalue.UnmarshalMap(item, &head); err != nil {
			return fault.Wrap(fmt.Errorf("unmarshal group provisioning read: %w", err), fault.Internal, errInternal)
		}
		tenantID := strings.TrimPrefix(head.PK, "TENANT#")
		var err error
		switch {
		case head.Type == "externalgroup":
			var it externalGroupItem
			if err = attributevalue.UnmarshalMap(item, &it); err == nil {
				s.Refs[[2]string{tenantID, it.ExternalID}] = it.ref(tenantID)
			}
		case head.Type == "externalmember":
			var it externalMemberItem
			if err = attributevalue.UnmarshalMap(item, &it); err == nil {
				s.Members[[3]string{tenantID, it.ExternalID, it.GroupID}] = it.ref(tenantID)
			}
		case head.Type == "group":
			var it groupItem
			if err = attributevalue.UnmarshalMap(item, &it); err == nil {
				g := it.group()
				s.Groups[[2]string{tenantID, it.ID}] = &g
			}
		case strings.HasPrefix(head.SK, groupNameSK("")):
			var it groupNameItem
			if err = attributevalue.UnmarshalMap(item, &it); err == nil {
				// Every name asked for that normalizes to this marker.
				for n := range s.Names {
					if n[0] == tenantID && groupNameSK(normalizeGroupName(n[1])) == head.SK {
						s.Names[n] = it.GroupID
					}
				}
			}
		}
		if err != nil {
			return fault.Wrap(fmt.Errorf("unmarshal group provisioning read: %w", err), fault.Internal, errInternal)
		}
	}
	return nil
}
