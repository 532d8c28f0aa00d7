package dynamostore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// Card ranges are kept twice:
//   - per DS, as the PRes gave them (pk CRDS#<ds>), so incremental loads
//     can apply add/modify/delete;
//   - as lookup segments per PAN length (pk CRSEG#<len>, sk = segment
//     start): disjoint pieces of the PAN space, each naming the range that
//     wins there (the narrowest when DSs overlap). A lookup is one Query:
//     sk ≤ PAN, descending, Limit 1, then PAN ≤ segment end.
// A load rebuilds the segments of the lengths it touches from every DS's
// ranges of those lengths. Loads run one at a time (a lock item).

const (
	cardRangesPK = "CARDRANGES"
	lockSK       = "LOCK"
	lockTTL      = 5 * time.Minute
)

func dsPK(ds string) string { return "CRDS#" + ds }
func dsRangeSK(r threeds.CardRange) string {
	return fmt.Sprintf("R#%02d#%s#%s", len(r.Start), r.Start, r.End)
}
func segPK(n int) string { return fmt.Sprintf("CRSEG#%02d", n) }

type rangeAttrs struct {
	DS                  string        `dynamodbav:"ds"`
	Scheme              string        `dynamodbav:"scheme,omitempty"`
	Start               string        `dynamodbav:"startRange"`
	End                 string        `dynamodbav:"endRange"`
	ACSStartVersion     string        `dynamodbav:"acsStartProtocolVersion,omitempty"`
	ACSEndVersion       string        `dynamodbav:"acsEndProtocolVersion,omitempty"`
	DSStartVersion      string        `dynamodbav:"dsStartProtocolVersion,omitempty"`
	DSEndVersion        string        `dynamodbav:"dsEndProtocolVersion,omitempty"`
	ThreeDSMethodURL    string        `dynamodbav:"threeDSMethodURL,omitempty"`
	ACSInfoInd          []string      `dynamodbav:"acsInfoInd,omitempty"`
	ACSProtocolVersions []protoVerAtt `dynamodbav:"acsProtocolVersions,omitempty"`
	DSProtocolVersions  []string      `dynamodbav:"dsProtocolVersions,omitempty"` // 2.3.1
}

type protoVerAtt struct {
	Version          string   `dynamodbav:"version"`
	ThreeDSMethodURL string   `dynamodbav:"threeDSMethodURL,omitempty"`
	ACSInfoInd       []string `dynamodbav:"acsInfoInd,omitempty"`
}

type dsRangeItem struct {
	PK   string `dynamodbav:"pk"`
	SK   string `dynamodbav:"sk"`
	Type string `dynamodbav:"type"`
	rangeAttrs
}

type segItem struct {
	PK       string `dynamodbav:"pk"`
	SK       string `dynamodbav:"sk"` // segment start
	Type     string `dynamodbav:"type"`
	SegStart string `dynamodbav:"segStart"`
	SegEnd   string `dynamodbav:"segEnd"`
	rangeAttrs
}

type setItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Type      string `dynamodbav:"type"`
	DS        string `dynamodbav:"ds"`
	Scheme    string `dynamodbav:"scheme,omitempty"`
	SerialNum string `dynamodbav:"serialNum,omitempty"`
	Count     int    `dynamodbav:"count"`
	LoadedAt  string `dynamodbav:"loadedAt"`
}

func toRangeAttrs(r threeds.CardRange) rangeAttrs {
	a := rangeAttrs{DS: r.DS, Scheme: string(r.Scheme), Start: r.Start, End: r.End,
		ACSStartVersion: string(r.ACSStartVersion), ACSEndVersion: string(r.ACSEndVersion),
		DSStartVersion: string(r.DSStartVersion), DSEndVersion: string(r.DSEndVersion),
		ThreeDSMethodURL: r.ThreeDSMethodURL, ACSInfoInd: r.ACSInfoInd}
	for _, v := range r.ACSProtocolVersions {
		a.ACSProtocolVersions = append(a.ACSProtocolVersions, protoVerAtt{Version: string(v.Version), ThreeDSMethodURL: v.ThreeDSMethodURL, ACSInfoInd: v.ACSInfoInd})
	}
	if len(a.ACSInfoInd) == 0 {
		a.ACSInfoInd = nil
	}
	for _, v := range r.DSProtocolVersions {
		a.DSProtocolVersions = append(a.DSProtocolVersions, string(v))
	}
	return a
}

func (a rangeAttrs) cardRange() threeds.CardRange {
	r := threeds.CardRange{DS: a.DS, Scheme: emv3ds.Scheme(a.Scheme), Start: a.Start, End: a.End,
		ACSStartVersion: emv3ds.Version(a.ACSStartVersion), ACSEndVersion: emv3ds.Version(a.ACSEndVersion),
		DSStartVersion: emv3ds.Version(a.DSStartVersion), DSEndVersion: emv3ds.Version(a.DSEndVersion),
		ThreeDSMethodURL: a.ThreeDSMethodURL}
	if len(a.ACSInfoInd) > 0 {
		r.ACSInfoInd = a.ACSInfoInd
	}
	for _, v := range a.ACSProtocolVersions {
		pv := threeds.ACSProtocolVersion{Version: emv3ds.Version(v.Version), ThreeDSMethodURL: v.ThreeDSMethodURL}
		if len(v.ACSInfoInd) > 0 {
			pv.ACSInfoInd = v.ACSInfoInd
		}
		r.ACSProtocolVersions = append(r.ACSProtocolVersions, pv)
	}
	for _, v := range a.DSProtocolVersions {
		r.DSProtocolVersions = append(r.DSProtocolVersions, emv3ds.Version(v))
	}
	return r
}

// LoadRanges implements threeds.CardRangeStore. The load is validated in
// full before anything is written, so a bad PRes changes nothing. The
// writes are batched, not atomic: should a load die half-way, the DS's
// serialNum is still the old one and the next incremental load may fail
// with ErrCardRangeUnknown — answer that with a full load, as for Erro 307.
func (s *Store) LoadRanges(ctx context.Context, load threeds.CardRangeLoad) error {
	unlock, err := s.lockCardRanges(ctx)
	if err != nil {
		return err
	}
	defer unlock()

	if _, err := s.CardRangeSet(ctx, load.DS); err != nil && !(load.Full && errors.Is(err, threeds.ErrCardRangesNotLoaded)) {
		return fmt.Errorf("load card ranges for %s: %w", load.DS, err)
	}
	currentItems, err := s.dsRanges(ctx, load.DS, "")
	if err != nil {
		return fmt.Errorf("load card ranges for %s: %w", load.DS, err)
	}
	current := make([]threeds.CardRange, len(currentItems))
	for i, it := range currentItems {
		current[i] = it.cardRange()
	}
	next, err := threeds.ApplyCardRangeLoad(current, load)
	if err != nil {
		return fmt.Errorf("load card ranges for %s: %w", load.DS, err)
	}

	// 1. the DS's own ranges: put new or changed, delete gone
	var writes []types.WriteRequest
	old := map[string]rangeAttrs{}
	for _, r := range current {
		old[dsRangeSK(r)] = toRangeAttrs(r)
	}
	keep := map[string]bool{}
	lengths := map[int]bool{}
	for _, r := range next {
		sk := dsRangeSK(r)
		keep[sk] = true
		a := toRangeAttrs(r)
		if o, ok := old[sk]; ok && reflect.DeepEqual(o, a) {
			continue
		}
		lengths[len(r.Start)] = true
		item, err := attributevalue.MarshalMap(&dsRangeItem{PK: dsPK(load.DS), SK: sk, Type: TypeCardRange, rangeAttrs: a})
		if err != nil {
			return err
		}
		writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	for sk, a := range old {
		if !keep[sk] {
			lengths[len(a.Start)] = true
			writes = append(writes, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: key(dsPK(load.DS), sk)}})
		}
	}
	if err := s.batchWrite(ctx, writes); err != nil {
		return fmt.Errorf("load card ranges for %s: %w", load.DS, err)
	}

	// 2. the lookup segments of every length that changed
	for n := range lengths {
		if err := s.rebuildSegments(ctx, n, load.DS); err != nil {
			return fmt.Errorf("load card ranges for %s: segments of length %d: %w", load.DS, n, err)
		}
	}

	// 3. the DS's serialNum, last: it says the load is complete
	item, err := attributevalue.MarshalMap(&setItem{PK: cardRangesPK, SK: "DS#" + load.DS, Type: TypeCardRangeSet, DS: load.DS,
		Scheme: string(load.Scheme), SerialNum: load.SerialNum, Count: len(next), LoadedAt: ts(s.now())})
	if err != nil {
		return err
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.tableName(), Item: item}); err != nil {
		return fmt.Errorf("load card ranges for %s: %w", load.DS, err)
	}
	return nil
}

// dsRanges reads a DS's ranges (of one length when n is set, e.g. "16").
func (s *Store) dsRanges(ctx context.Context, ds, n string) ([]rangeAttrs, error) {
	prefix := "R#"
	if n != "" {
		prefix += n + "#"
	}
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		TableName: s.tableName(), ConsistentRead: aws.Bool(true),
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(dsPK(ds)), ":p": str(prefix),
		},
	})
	if err != nil {
		return nil, err
	}
	out := make([]rangeAttrs, len(items))
	for i, item := range items {
		var it dsRangeItem
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			return nil, err
		}
		out[i] = it.rangeAttrs
	}
	return out, nil
}

// loadedDSs lists the DSs with ranges (the set items), plus extra.
func (s *Store) loadedDSs(ctx context.Context, extra ...string) ([]string, error) {
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		TableName: s.tableName(), ConsistentRead: aws.Bool(true),
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(cardRangesPK), ":p": str("DS#"),
		},
	})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, item := range items {
		var it setItem
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			return nil, err
		}
		if !seen[it.DS] {
			seen[it.DS] = true
			out = append(out, it.DS)
		}
	}
	for _, ds := range extra {
		if !seen[ds] {
			seen[ds] = true
			out = append(out, ds)
		}
	}
	sort.Strings(out)
	return out, nil
}

// rebuildSegments recomputes the segments of PAN length n from the ranges
// of that length of every loaded DS and of loading (whose set item is only
// written at the end of its first load), and writes the difference.
func (s *Store) rebuildSegments(ctx context.Context, n int, loading string) error {
	dss, err := s.loadedDSs(ctx, loading)
	if err != nil {
		return err
	}
	var all []threeds.CardRange
	for _, ds := range dss {
		rs, err := s.dsRanges(ctx, ds, fmt.Sprintf("%02d", n))
		if err != nil {
			return err
		}
		for _, a := range rs {
			all = append(all, a.cardRange())
		}
	}
	threeds.SortCardRanges(all)
	want := map[string]segItem{}
	for _, sg := range buildSegments(all) {
		want[sg.Start] = segItem{PK: segPK(n), SK: sg.Start, Type: TypeCardRangeSeg, SegStart: sg.Start, SegEnd: sg.End, rangeAttrs: toRangeAttrs(sg.Range)}
	}
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		TableName: s.tableName(), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(segPK(n))},
	})
	if err != nil {
		return err
	}
	have := map[string]segItem{}
	for _, item := range items {
		var it segItem
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			return err
		}
		have[it.SK] = it
	}
	// puts before deletes: a concurrent lookup sees old or new segments,
	// never a hole where both agree there is a range
	var puts, dels []types.WriteRequest
	for sk, w := range want {
		if h, ok := have[sk]; ok && reflect.DeepEqual(h, w) {
			continue
		}
		item, err := attributevalue.MarshalMap(&w)
		if err != nil {
			return err
		}
		puts = append(puts, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	for sk := range have {
		if _, ok := want[sk]; !ok {
			dels = append(dels, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: key(segPK(n), sk)}})
		}
	}
	if err := s.batchWrite(ctx, puts); err != nil {
		return err
	}
	return s.batchWrite(ctx, dels)
}

// CardRangeSet implements threeds.CardRangeStore.
func (s *Store) CardRangeSet(ctx context.Context, ds string) (*threeds.CardRangeSet, error) {
	it, err := getItem[setItem](ctx, s, "card ranges of "+ds, key(cardRangesPK, "DS#"+ds), threeds.ErrCardRangesNotLoaded)
	if err != nil {
		return nil, err
	}
	return &threeds.CardRangeSet{DS: it.DS, Scheme: emv3ds.Scheme(it.Scheme), SerialNum: it.SerialNum, Count: it.Count, LoadedAt: pt(it.LoadedAt)}, nil
}

// LookupCardRange implements threeds.CardRangeStore with one Query. The
// PAN is only a key condition value: it is never written, logged or put
// into an error.
func (s *Store) LookupCardRange(ctx context.Context, pan emv3ds.PAN) (*threeds.CardRange, error) {
	p := pan.Reveal()
	if !threeds.ValidPAN(p) {
		return nil, fmt.Errorf("lookup card range: PAN is not 13–19 digits: %w", threeds.ErrCardRangeNotFound)
	}
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName: s.tableName(), ConsistentRead: aws.Bool(true),
		KeyConditionExpression: aws.String("pk = :pk AND sk <= :pan"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(segPK(len(p))), ":pan": str(p),
		},
		ScanIndexForward: aws.Bool(false),
		Limit:            aws.Int32(1),
	})
	if err != nil {
		return nil, fmt.Errorf("lookup card range: query failed (%T)", err) // SDK messages may echo values
	}
	if len(out.Items) == 0 {
		return nil, fmt.Errorf("lookup card range: %w", threeds.ErrCardRangeNotFound)
	}
	var it segItem
	if err := attributevalue.UnmarshalMap(out.Items[0], &it); err != nil {
		return nil, fmt.Errorf("lookup card range: decode: %w", err)
	}
	if len(it.SegEnd) != len(p) || p > it.SegEnd {
		return nil, fmt.Errorf("lookup card range: %w", threeds.ErrCardRangeNotFound)
	}
	r := it.cardRange()
	return &r, nil
}

// lockCardRanges serialises loads with a lock item that expires by itself
// (lockTTL) if its holder dies.
func (s *Store) lockCardRanges(ctx context.Context) (func(), error) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	owner := hex.EncodeToString(b)
	deadline := time.Now().Add(lockTTL + 30*time.Second)
	for attempt := 0; ; attempt++ {
		now := s.now()
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: s.tableName(),
			Item: map[string]types.AttributeValue{
				attrPK: str(cardRangesPK), attrSK: str(lockSK), attrType: str(TypeCardRangeLock),
				"owner": str(owner), attrExpiresAt: num(now.Add(lockTTL).Unix()),
			},
			ConditionExpression:       aws.String("attribute_not_exists(pk) OR expiresAt <= :now"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(now.Unix())},
		})
		if err == nil {
			break
		}
		if !isConditionFailed(err) {
			return nil, fmt.Errorf("lock card ranges: %w", err)
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("lock card ranges: another load holds the lock")
		}
		if err := backoff(ctx, min(attempt, 7)); err != nil {
			return nil, err
		}
	}
	return func() {
		_, _ = s.db.DeleteItem(context.WithoutCancel(ctx), &dynamodb.DeleteItemInput{
			TableName: s.tableName(), Key: key(cardRangesPK, lockSK),
			ConditionExpression:       aws.String("#o = :o"),
			ExpressionAttributeNames:  map[string]string{"#o": "owner"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":o": str(owner)},
		})
	}, nil
}
