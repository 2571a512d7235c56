package store

import (
	"context"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"roster/shared/directory"
	"roster/shared/fault"
	"roster/shared/loginprofile"
	"roster/shared/user"
)

// Searching a tenant's users (docs/decisions/011-search.md).
//
// Users stay in the tenant partition, so every search is a strongly
// consistent Query: a user written a moment ago shows in the next search.
// Five local secondary indexes sort the partition's user items by
//
//	index  sort key  value
//	table  SK        USER#<id>: creation order (ids are time-ordered)
//	LSI1   LSI1SK    lower(username) + sep + id
//	LSI2   LSI2SK    lower(email) + sep + id
//	LSI3   LSI3SK    lower(firstName) + sep + id
//	LSI4   LSI4SK    lower(lastName) + sep + id
//	LSI5   LSI5SK    updatedAt (UTC, fixed-width milliseconds) + sep + id
//
// Only user items carry LSInSK, so the indexes hold nothing else. The id
// suffix makes every key unique (a page boundary never splits equal
// values ambiguously) and never empty (DynamoDB refuses an empty index key,
// and email and names are optional). sep is U+0001, below every printable
// character, so "anne" sorts before "anne marie".
//
// The keys are derived from the user in one place, searchKeysOf. Writes
// that put a whole user item get them from toUserItem; writes that update
// a user in place must SET them too (searchKeyUpdate).
const (
	keySep = "\x01"

	updatedIndex = "LSI5"
	updatedAttr  = "LSI5SK"
)

// The text fields a search word can match, in the order a search without a
// sort field prefers them when one user matches through several.
const (
	fieldUsername = iota
	fieldEmail
	fieldFirstName
	fieldLastName
	textFields
)

var textIndex = [textFields]struct{ index, attr string }{
	fieldUsername:  {"LSI1", "LSI1SK"},
	fieldEmail:     {"LSI2", "LSI2SK"},
	fieldFirstName: {"LSI3", "LSI3SK"},
	fieldLastName:  {"LSI4", "LSI4SK"},
}

// searchKeys are the index sort keys of a user item (see above).
type searchKeys struct {
	LSI1SK string `dynamodbav:"LSI1SK,omitempty"`
	LSI2SK string `dynamodbav:"LSI2SK,omitempty"`
	LSI3SK string `dynamodbav:"LSI3SK,omitempty"`
	LSI4SK string `dynamodbav:"LSI4SK,omitempty"`
	LSI5SK string `dynamodbav:"LSI5SK,omitempty"`
}

// searchKeysOf derives a user's index sort keys.
func searchKeysOf(u *user.User) searchKeys {
	return searchKeys{
		LSI1SK: textKey(u.Username, u.ID),
		LSI2SK: textKey(u.Email, u.ID),
		LSI3SK: textKey(u.FirstName, u.ID),
		LSI4SK: textKey(u.LastName, u.ID),
		LSI5SK: timeKey(u.UpdatedAt, u.ID),
	}
}

// text returns the key of text field f.
func (k searchKeys) text(f int) string {
	switch f {
	case fieldUsername:
		return k.LSI1SK
	case fieldEmail:
		return k.LSI2SK
	case fieldFirstName:
		return k.LSI3SK
	default:
		return k.LSI4SK
	}
}

// searchKeyUpdate returns the SET clauses and values that store the
// non-empty keys of k, for writes that change a user with UpdateItem.
func searchKeyUpdate(k searchKeys) ([]string, map[string]types.AttributeValue) {
	var set []string
	values := map[string]types.AttributeValue{}
	for _, kv := range []struct{ attr, value string }{
		{"LSI1SK", k.LSI1SK}, {"LSI2SK", k.LSI2SK}, {"LSI3SK", k.LSI3SK}, {"LSI4SK", k.LSI4SK}, {"LSI5SK", k.LSI5SK},
	} {
		if kv.value != "" {
			set = append(set, kv.attr+" = :"+kv.attr)
			values[":"+kv.attr] = str(kv.value)
		}
	}
	return set, values
}

func textKey(v, id string) string { return directory.FoldSearchText(v) + keySep + id }

// prefixEnd follows every key that begins with a prefix: U+10FFFF, the
// largest code point (UTF-8 sorts by code point), which FoldSearchText
// removes from the text of every key.
const prefixEnd = string(utf8.MaxRune)

// keyTimeLayout is fixed-width, so the keys sort as the times do.
const keyTimeLayout = "2006-01-02T15:04:05.000Z"

func timeKey(t time.Time, id string) string { return t.UTC().Format(keyTimeLayout) + keySep + id }

// keyValue returns the value part of an index key.
func keyValue(k string) string {
	if i := strings.LastIndex(k, keySep); i >= 0 {
		return k[:i]
	}
	return k
}

// idEncoding is user ids' base32 (user.NewID): ids sort as the bytes they
// encode, a 48-bit millisecond time followed by 80 random bits.
var idEncoding = base32.NewEncoding("234567abcdefghijklmnopqrstuvwxyz").WithPadding(base32.NoPadding)

// idBound returns the smallest (fill 0x00) or largest (fill 0xff) user id
// drawn in t's millisecond.
func idBound(t time.Time, fill byte) string {
	var b [16]byte
	ms := uint64(max(t.UnixMilli(), 0))
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	for i := 6; i < len(b); i++ {
		b[i] = fill
	}
	return idEncoding.EncodeToString(b[:])
}

// validID reports whether id has the shape of a user id.
func validID(id string) bool {
	if len(id) != 26 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !('2' <= c && c <= '7' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}

// textFieldOf returns the text field an order sorts by, if it sorts by one.
func textFieldOf(o directory.UserOrder) (int, bool) {
	switch o {
	case directory.ByUsername:
		return fieldUsername, true
	case directory.ByEmail:
		return fieldEmail, true
	case directory.ByFirstName:
		return fieldFirstName, true
	case directory.ByLastName:
		return fieldLastName, true
	}
	return 0, false
}

// maxSearchCalls bounds the Queries of one request as MaxDiscarded bounds
// what they read; a page needs at most a handful.
const maxSearchCalls = 32

// SearchUsers returns one page of a tenant's users with strongly
// consistent Queries: one per index the page draws from (four for ByMatch,
// else one, plus one per MiB or per refill when conditions no index serves
// drop users). fault.Invalid naming cursor for a cursor of another search
// or one that was tampered with, naming limit or skip when out of range.
func (t *Table) SearchUsers(ctx context.Context, q directory.UserSearch) (directory.UserPage, error) {
	switch {
	case q.Limit < 1 || q.Limit > directory.MaxSearchLimit:
		return directory.UserPage{}, fault.InvalidField("limit", fmt.Sprintf("must be from 1 to %d", directory.MaxSearchLimit))
	case q.Skip < 0 || q.Skip > directory.MaxSearchSkip:
		return directory.UserPage{}, fault.InvalidField("skip", fmt.Sprintf("must be from 0 to %d", directory.MaxSearchSkip))
	}
	p := newPlan(q)
	var c cursor
	if q.Cursor != "" {
		var err error
		if c, err = p.resume(q.Cursor); err != nil {
			return directory.UserPage{}, err
		}
	}
	return t.run(ctx, p, c)
}

// plan is how a search reads: one stream per index it merges, the
// conditions checked item by item, and whether those are all implied by
// the streams' key conditions.
type plan struct {
	q       directory.UserSearch
	streams []*stream
	words   []int // text fields the word may match
	indexed bool
}

// stream is one Query over an index (or the table) with a key condition,
// read in chunks. Items fetched but not consumed are read again by the
// next page, from the position of the last one consumed.
type stream struct {
	field  int    // text field of a ByMatch stream; -1 otherwise
	index  string // "" for the table
	attr   string // the sort key: SK or LSInSK
	prefix string // the keys that begin with it, when set
	lo, hi string // attr BETWEEN lo AND hi when set

	start     map[string]types.AttributeValue // ExclusiveStartKey of the next fetch
	resumed   *position                       // where the cursor placed the stream
	consumed  *position                       // the last item consumed
	buf       []entry                         // fetched, not yet consumed
	done      bool                            // nothing follows buf
	lastChunk int                             // the Limit of the last fetch
	fetches   int                             // fetches so far
}

// entry is one user item read from a stream.
type entry struct {
	it   userItem
	pos  position
	keys searchKeys
}

// position is an item's place in a stream: the table's sort key and the
// index's.
type position struct {
	SK  string `json:"sk"`
	Key string `json:"k,omitempty"`
}

func newPlan(q directory.UserSearch) *plan {
	p := &plan{q: q, words: []int{fieldUsername, fieldEmail, fieldFirstName, fieldLastName}}
	hasDates := !q.From.IsZero() || !q.To.IsZero()
	dateServed := false
	switch f, text := textFieldOf(q.Order); {
	case text:
		s := &stream{field: -1, index: textIndex[f].index, attr: textIndex[f].attr}
		if q.Word != "" && !q.Contains {
			s.prefix = q.Word
		}
		p.words = []int{f}
		p.streams = []*stream{s}
	case q.Order == directory.ByMatch && q.Word != "" && !q.Contains:
		for f := range textFields {
			p.streams = append(p.streams, &stream{field: f, index: textIndex[f].index, attr: textIndex[f].attr, prefix: q.Word})
		}
	case q.Order == directory.ByUpdated:
		s := &stream{field: -1, index: updatedIndex, attr: updatedAttr}
		if q.DateField == directory.Updated && hasDates {
			s.lo, s.hi = "0", "~" // every time key lies between
			if !q.From.IsZero() {
				s.lo = q.From.UTC().Format(keyTimeLayout)
			}
			if !q.To.IsZero() {
				s.hi = q.To.UTC().Format(keyTimeLayout) + "\x02" // after every id of that millisecond
			}
			dateServed = true
		}
		p.streams = []*stream{s}
	default: // ByCreated, and ByMatch without a prefix word
		s := &stream{field: -1, attr: attrSK, lo: userSK(""), hi: userSK("~")}
		if q.DateField == directory.Created && hasDates {
			if !q.From.IsZero() {
				s.lo = userSK(idBound(q.From, 0x00))
			}
			if !q.To.IsZero() {
				s.hi = userSK(idBound(q.To, 0xff))
			}
			dateServed = true
		}
		p.streams = []*stream{s}
	}
	wordServed := q.Word == "" || p.streams[0].prefix != ""
	p.indexed = wordServed && q.LoginProfileID == 0 && (!hasDates || dateServed)
	return p
}

// keep reports whether e belongs in the result: the word, the profile and
// the date range, and for a merged plan whether this stream is where the
// user is listed.
func (p *plan) keep(e *entry, from *stream) bool {
	q := &p.q
	if q.Word != "" {
		hit := false
		for _, f := range p.words {
			v := keyValue(e.keys.text(f))
			if q.Contains && strings.Contains(v, q.Word) || !q.Contains && strings.HasPrefix(v, q.Word) {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	if q.LoginProfileID != 0 && loginprofile.Effective(e.it.LoginProfileID) != q.LoginProfileID {
		return false
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		at := e.it.CreatedAt.Truncate(time.Millisecond)
		if q.DateField == directory.Updated {
			at = e.it.UpdatedAt.Truncate(time.Millisecond)
		}
		if !q.From.IsZero() && at.Before(q.From) || !q.To.IsZero() && at.After(q.To) {
			return false
		}
	}
	if from.field < 0 {
		return true
	}
	// A user whose several fields begin with the word is in several
	// streams; it is listed at the first of them in the merged order.
	mine := e.keys.text(from.field)
	for _, s := range p.streams {
		if s == from {
			continue
		}
		other := e.keys.text(s.field)
		if strings.HasPrefix(keyValue(other), q.Word) && p.before(other, s.field, mine, from.field) {
			return false
		}
	}
	return true
}

// before reports whether key a of field fa comes before key b of field fb
// in the plan's order.
func (p *plan) before(a string, fa int, b string, fb int) bool {
	if a != b {
		return (a < b) != p.q.Descending
	}
	return fa < fb
}

// run reads the page: it merges the streams' heads in order, passes over
// Skip results, collects Limit and looks one further to learn whether more
// follow.
func (t *Table) run(ctx context.Context, p *plan, c cursor) (directory.UserPage, error) {
	q := &p.q
	skip := c.Skip + q.Skip
	page := directory.UserPage{Offset: c.Offset + skip, Indexed: p.indexed}
	matched := c.Offset // results consumed before the current position
	var full *cursor    // where the next page starts, once this one is full
	discarded, calls := 0, len(p.streams)
	// stop ends the page at a bound: partial when it is not full yet.
	stop := func() (directory.UserPage, error) {
		page.More = true
		if full == nil {
			page.Partial = true
			full = ptr(p.snapshot(matched, skip))
		}
		page.Next = full.encode()
		return page, nil
	}
	if err := t.fetchAll(ctx, p, skip+q.Limit+1); err != nil {
		return directory.UserPage{}, err
	}
	for _, s := range p.streams {
		page.Examined += len(s.buf)
	}
	for {
		need := skip + q.Limit - len(page.Users) + 1
		var best *stream
		for _, s := range p.streams {
			if len(s.buf) == 0 && !s.done {
				if calls++; calls > maxSearchCalls {
					return stop()
				}
				if err := t.fetch(ctx, p, s, need, directory.MaxDiscarded-discarded); err != nil {
					return directory.UserPage{}, err
				}
				page.Examined += len(s.buf)
			}
			if len(s.buf) > 0 && (best == nil || p.before(s.head(), s.field, best.head(), best.field)) {
				best = s
			}
		}
		if best == nil { // every stream is exhausted: this page ends the result
			return page, nil
		}
		e := best.buf[0]
		best.buf = best.buf[1:]
		best.consumed = &e.pos
		if !p.keep(&e, best) {
			if discarded++; discarded >= directory.MaxDiscarded {
				return stop()
			}
			continue
		}
		if full != nil { // the look-ahead found one more result
			page.More, page.Next = true, full.encode()
			return page, nil
		}
		matched++
		if skip > 0 {
			skip--
			continue
		}
		page.Users = append(page.Users, e.it.user())
		if len(page.Users) == q.Limit {
			full = ptr(p.snapshot(matched, 0))
		}
	}
}

func ptr[T any](v T) *T { return &v }

// head is the sort key of the stream's next item.
func (s *stream) head() string {
	if s.index == "" {
		return s.buf[0].pos.SK
	}
	return s.buf[0].pos.Key
}

// fetchAll reads the first chunk of every stream at once, so a merged
// search waits for one round trip rather than four.
func (t *Table) fetchAll(ctx context.Context, p *plan, need int) error {
	if len(p.streams) == 1 {
		if s := p.streams[0]; !s.done {
			return t.fetch(ctx, p, s, need, directory.MaxDiscarded)
		}
		return nil
	}
	errs := make([]error, len(p.streams))
	var wg sync.WaitGroup
	for i, s := range p.streams {
		if s.done {
			continue
		}
		wg.Go(func() { errs[i] = t.fetch(ctx, p, s, need, directory.MaxDiscarded) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// fetch reads the stream's next chunk: the items still needed (plus one,
// to see past the page), so an indexed page reads no more than it shows.
// When conditions drop items, chunks start at 25 and double with each
// refill; when only duplicates of a merged search drop them, from the
// second refill on, so a page that needs one refill costs what the same
// page costs in any tenant. A chunk never reads more than the items needed
// and the discards still allowed.
func (t *Table) fetch(ctx context.Context, p *plan, s *stream, need, discards int) error {
	n := need
	switch {
	case !p.indexed:
		n = max(need, 2*s.lastChunk, 25)
	case s.fetches >= 2:
		n = max(need, 2*s.lastChunk)
	}
	n = min(n, need+discards)
	s.lastChunk = n
	s.fetches++
	values := map[string]types.AttributeValue{":pk": str(tenantPK(p.q.TenantID))}
	cond := "PK = :pk"
	switch {
	case s.prefix != "":
		// A prefix as a range: to DynamoDB the same key condition as
		// begins_with, but DynamoDB Local walks the whole partition for a
		// begins_with that matches nothing (100 ms at 100,000 users).
		cond += " AND " + s.attr + " BETWEEN :lo AND :hi"
		values[":lo"], values[":hi"] = str(s.prefix), str(s.prefix+prefixEnd)
	case s.lo != "":
		cond += " AND " + s.attr + " BETWEEN :lo AND :hi"
		values[":lo"], values[":hi"] = str(s.lo), str(s.hi)
	}
	in := &dynamodb.QueryInput{
		TableName:                 &t.name,
		KeyConditionExpression:    &cond,
		ExpressionAttributeValues: values,
		ConsistentRead:            aws.Bool(true),
		ScanIndexForward:          aws.Bool(!p.q.Descending),
		Limit:                     aws.Int32(int32(n)),
		ExclusiveStartKey:         s.start,
	}
	if s.index != "" {
		in.IndexName = aws.String(s.index)
	}
	out, err := t.db.Query(ctx, in)
	if err != nil {
		var apiErr smithy.APIError
		if s.resumed != nil && errors.As(err, &apiErr) && apiErr.ErrorCode() == "ValidationException" {
			f := errCursor(badCursor)
			f.Err = err
			return f
		}
		return translate(err, "search users of "+p.q.TenantID)
	}
	// A page that ends where the last began would loop forever; DynamoDB
	// never sends one, and an emulator that did ends the stream.
	s.done = len(out.LastEvaluatedKey) == 0 || len(out.Items) == 0 && maps.EqualFunc(out.LastEvaluatedKey, s.start, sameValue)
	s.start = out.LastEvaluatedKey
	s.buf = s.buf[:0]
	for _, raw := range out.Items {
		var it userItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return fault.Wrap(fmt.Errorf("unmarshal user of %s: %w", p.q.TenantID, err), fault.Internal, errInternal)
		}
		it.TenantID = p.q.TenantID
		keys := it.searchKeys
		if keys.LSI1SK == "" { // an item written before the indexes: derive them
			keys = searchKeysOf(it.user())
		}
		e := entry{it: it, keys: keys, pos: position{SK: it.SK}}
		if s.index != "" {
			e.pos.Key = indexKey(keys, s.attr)
		}
		s.buf = append(s.buf, e)
	}
	return nil
}

// sameValue compares two key attribute values (strings, in this table).
func sameValue(a, b types.AttributeValue) bool {
	as, aok := a.(*types.AttributeValueMemberS)
	bs, bok := b.(*types.AttributeValueMemberS)
	return aok && bok && as.Value == bs.Value
}

func indexKey(k searchKeys, attr string) string {
	switch attr {
	case "LSI1SK":
		return k.LSI1SK
	case "LSI2SK":
		return k.LSI2SK
	case "LSI3SK":
		return k.LSI3SK
	case "LSI4SK":
		return k.LSI4SK
	}
	return k.LSI5SK
}

// cursor is where a search stopped: each stream's position, the results
// before it and the results still to pass over. It travels base64url
// encoded; Hash ties it to one tenant and one set of conditions.
type cursor struct {
	Version int         `json:"v"`
	Hash    string      `json:"h"`
	Offset  int         `json:"o"`
	Skip    int         `json:"s,omitempty"`
	Streams []*position `json:"p"` // nil: from the start; SK "": exhausted
}

const cursorVersion = 1

// maxCursor bounds an encoded cursor; real ones are well under 1 KiB.
const maxCursor = 4096

// snapshot is the cursor of the streams as they stand.
func (p *plan) snapshot(matched, skip int) cursor {
	c := cursor{Version: cursorVersion, Hash: p.hash(), Offset: matched, Skip: skip, Streams: make([]*position, len(p.streams))}
	for i, s := range p.streams {
		switch {
		case s.done && len(s.buf) == 0:
			c.Streams[i] = &position{} // exhausted
		case s.consumed != nil:
			pos := *s.consumed
			c.Streams[i] = &pos
		case s.resumed != nil:
			pos := *s.resumed
			c.Streams[i] = &pos
		}
	}
	return c
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c) // only strings and ints
	return base64.RawURLEncoding.EncodeToString(b)
}

// hash identifies the search a cursor belongs to: the tenant and every
// condition, but not the page size or skip.
func (p *plan) hash() string {
	q := p.q
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%s\x00%t\x00%d\x00%t\x00%d\x00%d\x00%d\x00%d",
		q.TenantID, q.Word, q.Contains, q.Order, q.Descending, q.LoginProfileID, q.DateField,
		q.From.UnixMilli()*boolInt(!q.From.IsZero()), q.To.UnixMilli()*boolInt(!q.To.IsZero()))
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], h.Sum64())
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// errCursor answers a cursor that is not one this search handed out.
func errCursor(reason string) *fault.Error { return fault.InvalidField("cursor", reason) }

const badCursor = "is not a cursor returned by this search; start again without it"

// resume decodes a cursor of this search and places the streams where it
// says. Every position is checked against the stream's key condition, so
// a cursor can neither leave the tenant (the partition key is never taken
// from it) nor make DynamoDB refuse the query.
func (p *plan) resume(raw string) (cursor, error) {
	const bad = badCursor
	if len(raw) > maxCursor {
		return cursor{}, errCursor(bad)
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return cursor{}, errCursor(bad)
	}
	var c cursor
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil || c.Version != cursorVersion || len(c.Streams) != len(p.streams) ||
		c.Offset < 0 || c.Skip < 0 || c.Skip > directory.MaxSearchSkip {
		return cursor{}, errCursor(bad)
	}
	if c.Hash != p.hash() {
		return cursor{}, errCursor("belongs to a search with other conditions; start again without it")
	}
	if c.Skip+p.q.Skip > directory.MaxSearchSkip {
		return cursor{}, fault.InvalidField("skip", fmt.Sprintf("must be from 0 to %d", directory.MaxSearchSkip))
	}
	for i, s := range p.streams {
		pos := c.Streams[i]
		if pos == nil {
			continue
		}
		if pos.SK == "" && pos.Key == "" { // exhausted
			s.resumed, s.done = pos, true
			continue
		}
		if !s.admits(*pos) {
			return cursor{}, errCursor(bad)
		}
		s.resumed = pos
		s.start = map[string]types.AttributeValue{attrPK: str(tenantPK(p.q.TenantID)), attrSK: str(pos.SK)}
		if s.index != "" {
			s.start[s.attr] = str(pos.Key)
		}
	}
	return c, nil
}

// admits reports whether pos is the position of a user item inside the
// stream's key condition.
func (s *stream) admits(pos position) bool {
	id, ok := strings.CutPrefix(pos.SK, userSK(""))
	if !ok || !validID(id) {
		return false
	}
	k := pos.SK
	if s.index != "" {
		if !strings.HasSuffix(pos.Key, keySep+id) || len(pos.Key) > 1024 || !utf8.ValidString(pos.Key) {
			return false
		}
		k = pos.Key
	} else if pos.Key != "" {
		return false
	}
	switch {
	case s.prefix != "":
		return strings.HasPrefix(k, s.prefix)
	case s.lo != "":
		return s.lo <= k && k <= s.hi
	}
	return true
}
