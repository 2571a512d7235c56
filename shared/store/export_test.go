package store

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"roster/shared/directory"
	"roster/shared/user"
)

// Test-only access to the store's internals, for the external tests.

// UserIDAt returns a user id drawn at t, as user.NewID draws one at the
// current time.
func UserIDAt(t time.Time) string {
	var b [16]byte
	_, _ = rand.Read(b[6:])
	ms := uint64(t.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	return idEncoding.EncodeToString(b[:])
}

// SeedUsers writes user items exactly as CreateUser writes the user (but
// none of its markers, membership or account) with BatchWriteItem, 25 at a
// time, retrying unprocessed items: a quick way to fill a tenant for
// search tests and benchmarks.
func (t *Table) SeedUsers(ctx context.Context, users []*user.User) error {
	var pending []types.WriteRequest
	for _, u := range users {
		if u.Version == 0 {
			u.Version = 1
		}
		item, err := attributevalue.MarshalMap(toUserItem(u))
		if err != nil {
			return err
		}
		pending = append(pending, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	return batchWrite(ctx, t.db.(batchWriter), t.name, pending)
}

type batchWriter interface {
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

// seedWorkers is how many BatchWriteItem calls a seed keeps in flight.
const seedWorkers = 8

// batchWrite writes the requests 25 at a time from seedWorkers goroutines.
func batchWrite(ctx context.Context, db batchWriter, table string, pending []types.WriteRequest) error {
	batches := make(chan []types.WriteRequest)
	errs := make(chan error, seedWorkers)
	var wg sync.WaitGroup
	for range seedWorkers {
		wg.Go(func() {
			for batch := range batches {
				if err := writeBatch(ctx, db, table, batch); err != nil {
					errs <- err
					for range batches { // drain, so the sender finishes
					}
					return
				}
			}
		})
	}
	for len(pending) > 0 {
		n := min(len(pending), 25)
		batches <- pending[:n]
		pending = pending[n:]
	}
	close(batches)
	wg.Wait()
	close(errs)
	return <-errs
}

// writeBatch writes up to 25 requests, retrying what DynamoDB leaves
// unprocessed with a growing pause.
func writeBatch(ctx context.Context, db batchWriter, table string, batch []types.WriteRequest) error {
	for try := 0; len(batch) > 0; try++ {
		if try > 10 {
			return fmt.Errorf("batch write: %d items still unprocessed", len(batch))
		}
		if try > 0 {
			time.Sleep(time.Duration(try*try) * 10 * time.Millisecond)
		}
		out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: batch}})
		if err != nil {
			return fmt.Errorf("batch write: %w", err)
		}
		batch = out.UnprocessedItems[table]
	}
	return nil
}

// SearchKeys returns the index sort keys stored on a user item, by
// attribute name, for tests that check every write keeps them right.
func SearchKeysOf(u *user.User) map[string]string {
	k := searchKeysOf(u)
	return map[string]string{"LSI1SK": k.LSI1SK, "LSI2SK": k.LSI2SK, "LSI3SK": k.LSI3SK, "LSI4SK": k.LSI4SK, "LSI5SK": k.LSI5SK}
}

// The other layout DESIGN.md §3 weighs, for the benchmark that measures
// both: each user in a partition of its own (PK = TENANT#t#USER#id,
// SK = USER) and six global indexes whose partition key is the tenant
// (GPK = TENANT#t): GSI1 by id (creation), GSI2..GSI6 by the same sort keys
// as LSI1..LSI5. Global indexes can only be read eventually consistently.

// UserPartitionIndexes names the global indexes of the other layout by the
// order they serve.
var UserPartitionIndexes = map[directory.UserOrder]string{
	directory.ByCreated: "GSI1", directory.ByUsername: "GSI2", directory.ByEmail: "GSI3", directory.ByFirstName: "GSI4", directory.ByLastName: "GSI5", directory.ByUpdated: "GSI6",
}

// UserPartitionTable returns the CreateTableInput of the other layout,
// projecting what the tenant layout's local indexes project.
func UserPartitionTable(name string, projected []string) *dynamodb.CreateTableInput {
	s := types.ScalarAttributeTypeS
	in := &dynamodb.CreateTableInput{
		TableName:   &name,
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("PK"), AttributeType: s}, {AttributeName: aws.String("SK"), AttributeType: s},
			{AttributeName: aws.String("GPK"), AttributeType: s},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("PK"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("SK"), KeyType: types.KeyTypeRange},
		},
	}
	for i := 1; i <= 6; i++ {
		sk := fmt.Sprintf("GSI%dSK", i)
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(sk), AttributeType: s})
		// Like the local indexes, each projects the text keys of the others.
		include := slices.Clone(projected)
		for j := 2; j <= 5; j++ {
			if j != i {
				include = append(include, fmt.Sprintf("GSI%dSK", j))
			}
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName: aws.String(fmt.Sprintf("GSI%d", i)),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("GPK"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String(sk), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: include},
		})
	}
	return in
}

// SeedUsersUserPartition writes users as the other layout stores them.
func (t *Table) SeedUsersUserPartition(ctx context.Context, users []*user.User) error {
	var pending []types.WriteRequest
	for _, u := range users {
		item, err := attributevalue.MarshalMap(toUserItem(u))
		if err != nil {
			return err
		}
		k := searchKeysOf(u)
		delete(item, "LSI1SK")
		delete(item, "LSI2SK")
		delete(item, "LSI3SK")
		delete(item, "LSI4SK")
		delete(item, "LSI5SK")
		item["PK"], item["SK"], item["GPK"] = str(tenantPK(u.TenantID)+"#USER#"+u.ID), str("USER"), str(tenantPK(u.TenantID))
		for i, v := range []string{userSK(u.ID), k.LSI1SK, k.LSI2SK, k.LSI3SK, k.LSI4SK, k.LSI5SK} {
			item[fmt.Sprintf("GSI%dSK", i+1)] = str(v)
		}
		pending = append(pending, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	return batchWrite(ctx, t.db.(batchWriter), t.name, pending)
}

// SearchUserPartition reads one page of an order of the other layout: a
// prefix (text orders) or a key range, limit+1 users, eventually
// consistent, as SearchUsers reads the tenant layout.
func (t *Table) SearchUserPartition(ctx context.Context, q directory.UserSearch) (int, error) {
	index := UserPartitionIndexes[q.Order]
	sk := "GSI" + index[3:] + "SK"
	cond := "GPK = :pk"
	values := map[string]types.AttributeValue{":pk": str(tenantPK(q.TenantID))}
	switch {
	case q.Word != "":
		cond += " AND " + sk + " BETWEEN :lo AND :hi" // as SearchUsers reads a prefix
		values[":lo"], values[":hi"] = str(q.Word), str(q.Word+prefixEnd)
	case q.Order == directory.ByCreated && !q.From.IsZero():
		cond += " AND " + sk + " BETWEEN :lo AND :hi"
		values[":lo"], values[":hi"] = str(userSK(idBound(q.From, 0))), str(userSK(idBound(q.To, 0xff)))
	case q.Order == directory.ByUpdated && !q.From.IsZero():
		cond += " AND " + sk + " BETWEEN :lo AND :hi"
		values[":lo"], values[":hi"] = str(q.From.UTC().Format(keyTimeLayout)), str(q.To.UTC().Format(keyTimeLayout)+"\x02")
	}
	out, err := t.db.Query(ctx, &dynamodb.QueryInput{
		TableName: &t.name, IndexName: &index, KeyConditionExpression: &cond, ExpressionAttributeValues: values,
		ScanIndexForward: aws.Bool(!q.Descending), Limit: aws.Int32(int32(q.Limit + 1)),
	})
	if err != nil {
		return 0, err
	}
	return len(out.Items), nil
}

// SearchProjection is the user fields the tenant layout's indexes
// project (template.yaml), without the other indexes' keys.
func SearchProjection(in *dynamodb.CreateTableInput) []string {
	var out []string
	for _, a := range in.LocalSecondaryIndexes[0].Projection.NonKeyAttributes {
		if !strings.HasPrefix(a, "LSI") {
			out = append(out, a)
		}
	}
	return out
}
