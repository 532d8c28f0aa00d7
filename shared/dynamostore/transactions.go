package dynamostore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// txItem is a transaction as stored, in the compact layout (issue 18):
// one-to-three-letter attribute names, no copy of the ID (it is the
// partition key) and no copy of a result the ARes already holds
// (ResultFromARes), so that a final frictionless transaction stays under
// the 1 KB of one write unit. The names that conditions, the stream filter,
// the TTL and the table audit use keep their full spelling: pk, sk, type,
// expiresAt, version, state, merchantId. Items written in the earlier
// layout (legacyTxItem) are still read (decodeTxItem); every write uses
// this one.
// Transactions carry no gsi1 keys: nothing lists them by merchant, and an
// indexed item pays every write twice (table and index). A future listing
// would add the keys (sparse: e.g. on final items only) with its query.
type txItem struct {
	txFields
	ARes   *aresItem   `dynamodbav:"a,omitempty"`
	Result *resultItem `dynamodbav:"r,omitempty"`
	// ResultFromARes marks a result that is exactly the one RecordARes
	// derives from the ARes (transStatus, reason, ECI, CAVV, its time):
	// it is rebuilt on read instead of stored twice.
	ResultFromARes bool       `dynamodbav:"ra,omitempty"`
	Error          *errorItem `dynamodbav:"e,omitempty"`
}

type txFields struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Type      string `dynamodbav:"type"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
	Version   int64  `dynamodbav:"version"`

	ID         string `dynamodbav:"-"` // from pk
	MerchantID string `dynamodbav:"merchantId"`
	Dialect    string `dynamodbav:"dl,omitempty"`
	State      string `dynamodbav:"state"`
	CreatedAt  string `dynamodbav:"ca"`
	UpdatedAt  string `dynamodbav:"ua"`

	CardScheme string `dynamodbav:"cs,omitempty"`
	CardBIN    string `dynamodbav:"cb,omitempty"`
	CardLast4  string `dynamodbav:"cl,omitempty"`
	PANHash    string `dynamodbav:"ph,omitempty"`

	MessageVersion    string `dynamodbav:"mv,omitempty"`
	DSStartVersion    string `dynamodbav:"dsv,omitempty"`
	DSEndVersion      string `dynamodbav:"dev,omitempty"`
	ACSStartVersion   string `dynamodbav:"asv,omitempty"`
	ACSEndVersion     string `dynamodbav:"aev,omitempty"`
	DSReferenceNumber string `dynamodbav:"drn,omitempty"`

	ThreeDSMethodURL      string `dynamodbav:"mu,omitempty"`
	MethodNotificationURL string `dynamodbav:"mnu,omitempty"`
	CompInd               string `dynamodbav:"ci,omitempty"`
	MethodCompletedAt     string `dynamodbav:"mca,omitempty"`

	AReqSentAt          string `dynamodbav:"qa,omitempty"`
	DeviceChannel       string `dynamodbav:"dc,omitempty"`
	MessageCategory     string `dynamodbav:"mc,omitempty"`
	NotificationURL     string `dynamodbav:"nu,omitempty"`
	ReturnURL           string `dynamodbav:"ru,omitempty"`
	ChallengeWindowSize string `dynamodbav:"cw,omitempty"`
	DecoupledRequested  bool   `dynamodbav:"dr,omitempty"`
	ChallengeInd        string `dynamodbav:"chi,omitempty"`
	ThreeRIInd          string `dynamodbav:"ri,omitempty"`
	// 2.3.1: decoupled fallback indicator and the reused 3DS Method's ID.
	DecReqInd       string `dynamodbav:"dri,omitempty"`
	ThreeDSMethodID string `dynamodbav:"mid,omitempty"`

	RReqFingerprint string `dynamodbav:"rf,omitempty"`
	RRes            string `dynamodbav:"rr,omitempty"`
	CResReceivedAt  string `dynamodbav:"cra,omitempty"`
}

type aresItem struct {
	TransStatus          string `dynamodbav:"ts,omitempty"`
	TransStatusReason    string `dynamodbav:"tr,omitempty"`
	DSTransID            string `dynamodbav:"dt,omitempty"`
	ACSTransID           string `dynamodbav:"at,omitempty"`
	SDKTransID           string `dynamodbav:"st,omitempty"`
	ACSReferenceNumber   string `dynamodbav:"arn,omitempty"`
	DSReferenceNumber    string `dynamodbav:"drn,omitempty"`
	ACSOperatorID        string `dynamodbav:"ao,omitempty"`
	ACSURL               string `dynamodbav:"au,omitempty"`
	ACSChallengeMandated string `dynamodbav:"cm,omitempty"`
	AuthenticationType   string `dynamodbav:"aty,omitempty"`
	AuthenticationMethod string `dynamodbav:"am,omitempty"`
	ACSSignedContent     string `dynamodbav:"sc,omitempty"`
	ACSRenderingType     string `dynamodbav:"rt,omitempty"`
	CardholderInfo       string `dynamodbav:"chi,omitempty"`
	ACSDecConInd         string `dynamodbav:"dci,omitempty"`
	MessageVersion       string `dynamodbav:"mv,omitempty"`
	ECI                  string `dynamodbav:"eci,omitempty"`
	// AuthenticationValue is only ever read (items written before sealing);
	// the value is written sealed (cavv.go).
	AuthenticationValue       string `dynamodbav:"av,omitempty"`
	AuthenticationValueSealed []byte `dynamodbav:"avs,omitempty"`
	AuthenticationValueKeyID  string `dynamodbav:"avk,omitempty"`
	ReceivedAt                string `dynamodbav:"ra,omitempty"`
	// Trust list and 2.3.1 exemption.
	TrustListStatus         string `dynamodbav:"tl,omitempty"`
	TrustListStatusSource   string `dynamodbav:"tls,omitempty"`
	TransChallengeExemption string `dynamodbav:"tce,omitempty"`
}

type resultItem struct {
	TransStatus       string `dynamodbav:"ts"`
	TransStatusReason string `dynamodbav:"tr,omitempty"`
	ECI               string `dynamodbav:"eci,omitempty"`
	// AuthenticationValue: as in aresItem, read only; written sealed.
	AuthenticationValue       string `dynamodbav:"av,omitempty"`
	AuthenticationValueSealed []byte `dynamodbav:"avs,omitempty"`
	AuthenticationValueKeyID  string `dynamodbav:"avk,omitempty"`
	ChallengeCancel           string `dynamodbav:"cc,omitempty"`
	InteractionCounter        string `dynamodbav:"ic,omitempty"`
	Source                    string `dynamodbav:"src"`
	ReceivedAt                string `dynamodbav:"ra"`
	// 2.3.1 authenticationMethod (comma-joined) and the trust list.
	AuthenticationMethod  string `dynamodbav:"am,omitempty"`
	TrustListStatus       string `dynamodbav:"tl,omitempty"`
	TrustListStatusSource string `dynamodbav:"tls,omitempty"`
}

type errorItem struct {
	Code        string `dynamodbav:"c,omitempty"`
	Component   string `dynamodbav:"co,omitempty"`
	Description string `dynamodbav:"d,omitempty"`
	Detail      string `dynamodbav:"dt,omitempty"`
	MessageType string `dynamodbav:"mt,omitempty"`
	Timeout     bool   `dynamodbav:"to,omitempty"`
}

func txPK(id string) string { return "TX#" + id }

const txSK = "TX"

// maxIDBytes bounds an ID that may become part of a key (DynamoDB refuses
// partition keys over 2,048 bytes; every ID we issue is 36).
const maxIDBytes = 256

func toTxItem(t *threeds.Transaction) *txItem {
	it := &txItem{txFields: txFields{
		PK: txPK(t.ID), SK: txSK,
		Type: TypeTransaction, ExpiresAt: epoch(t.ExpiresAt), Version: t.Version,
		ID: t.ID, MerchantID: t.MerchantID, Dialect: t.Dialect, State: string(t.State), CreatedAt: ts(t.CreatedAt), UpdatedAt: ts(t.UpdatedAt),
		CardScheme: string(t.Card.Scheme), CardBIN: t.Card.BIN, CardLast4: t.Card.Last4, PANHash: t.Card.PANHash,
		MessageVersion: string(t.MessageVersion), DSStartVersion: string(t.DSStartVersion), DSEndVersion: string(t.DSEndVersion),
		ACSStartVersion: string(t.ACSStartVersion), ACSEndVersion: string(t.ACSEndVersion), DSReferenceNumber: t.DSReferenceNumber,
		ThreeDSMethodURL: t.ThreeDSMethodURL, MethodNotificationURL: t.MethodNotificationURL, CompInd: string(t.CompInd),
		MethodCompletedAt: ts(t.MethodCompletedAt), AReqSentAt: ts(t.AReqSentAt), DeviceChannel: string(t.DeviceChannel),
		MessageCategory: string(t.MessageCategory), NotificationURL: t.NotificationURL, ReturnURL: t.ReturnURL,
		ChallengeWindowSize: t.ChallengeWindowSize, DecoupledRequested: t.DecoupledRequested, ChallengeInd: t.ChallengeInd,
		ThreeRIInd: t.ThreeRIInd, RReqFingerprint: t.RReqFingerprint, RRes: string(t.RRes), CResReceivedAt: ts(t.CResReceivedAt),
		DecReqInd: string(t.DecReqInd), ThreeDSMethodID: t.ThreeDSMethodID,
	}}
	a := t.ARes
	ai := aresItem{
		TransStatus: string(a.TransStatus), TransStatusReason: string(a.TransStatusReason), DSTransID: a.DSTransID,
		ACSTransID: a.ACSTransID, SDKTransID: a.SDKTransID, ACSReferenceNumber: a.ACSReferenceNumber,
		DSReferenceNumber: a.DSReferenceNumber, ACSOperatorID: a.ACSOperatorID, ACSURL: a.ACSURL,
		ACSChallengeMandated: a.ACSChallengeMandated, AuthenticationType: a.AuthenticationType,
		AuthenticationMethod: a.AuthenticationMethod, ACSSignedContent: a.ACSSignedContent,
		ACSRenderingType: string(a.ACSRenderingType), CardholderInfo: a.CardholderInfo, ACSDecConInd: a.ACSDecConInd,
		MessageVersion: string(a.MessageVersion), ECI: string(a.ECI), AuthenticationValue: a.AuthenticationValue.Reveal(),
		ReceivedAt:      ts(a.ReceivedAt),
		TrustListStatus: a.TrustListStatus, TrustListStatusSource: a.TrustListStatusSource, TransChallengeExemption: a.TransChallengeExemption,
	}
	if !reflect.DeepEqual(ai, aresItem{}) {
		it.ARes = &ai
	}
	if r := t.Result; r != nil && resultFromARes(r, &t.ARes) {
		it.ResultFromARes = true
	} else if r != nil {
		it.Result = &resultItem{
			TransStatus: string(r.TransStatus), TransStatusReason: string(r.TransStatusReason), ECI: string(r.ECI),
			AuthenticationValue: r.AuthenticationValue.Reveal(), ChallengeCancel: string(r.ChallengeCancel),
			InteractionCounter: r.InteractionCounter, Source: r.Source, ReceivedAt: ts(r.ReceivedAt),
			AuthenticationMethod: r.AuthenticationMethod, TrustListStatus: r.TrustListStatus, TrustListStatusSource: r.TrustListStatusSource,
		}
	}
	if e := t.Error; e != nil {
		it.Error = &errorItem{Code: string(e.Code), Component: string(e.Component), Description: e.Description, Detail: e.Detail,
			MessageType: string(e.MessageType), Timeout: e.Timeout}
	}
	return it
}

func fromTxItem(it *txItem) *threeds.Transaction {
	t := &threeds.Transaction{
		ID: it.ID, MerchantID: it.MerchantID, Dialect: it.Dialect, State: threeds.State(it.State), Version: it.Version,
		CreatedAt: pt(it.CreatedAt), UpdatedAt: pt(it.UpdatedAt), ExpiresAt: fromEpoch(it.ExpiresAt),
		Card:           threeds.Card{Scheme: emv3ds.Scheme(it.CardScheme), BIN: it.CardBIN, Last4: it.CardLast4, PANHash: it.PANHash},
		MessageVersion: emv3ds.Version(it.MessageVersion), DSStartVersion: emv3ds.Version(it.DSStartVersion),
		DSEndVersion: emv3ds.Version(it.DSEndVersion), ACSStartVersion: emv3ds.Version(it.ACSStartVersion),
		ACSEndVersion: emv3ds.Version(it.ACSEndVersion), DSReferenceNumber: it.DSReferenceNumber,
		ThreeDSMethodURL: it.ThreeDSMethodURL, MethodNotificationURL: it.MethodNotificationURL,
		CompInd: emv3ds.ThreeDSCompInd(it.CompInd), MethodCompletedAt: pt(it.MethodCompletedAt), AReqSentAt: pt(it.AReqSentAt),
		DeviceChannel: emv3ds.DeviceChannel(it.DeviceChannel), MessageCategory: emv3ds.MessageCategory(it.MessageCategory),
		NotificationURL: it.NotificationURL, ReturnURL: it.ReturnURL, ChallengeWindowSize: it.ChallengeWindowSize,
		DecoupledRequested: it.DecoupledRequested, ChallengeInd: it.ChallengeInd, ThreeRIInd: it.ThreeRIInd,
		RReqFingerprint: it.RReqFingerprint, CResReceivedAt: pt(it.CResReceivedAt),
		DecReqInd: emv3ds.DecReqInd(it.DecReqInd), ThreeDSMethodID: it.ThreeDSMethodID,
	}
	if it.RRes != "" {
		t.RRes = json.RawMessage(it.RRes)
	}
	if a := it.ARes; a != nil {
		t.ARes = threeds.AResData{
			TransStatus: emv3ds.TransStatus(a.TransStatus), TransStatusReason: emv3ds.TransStatusReason(a.TransStatusReason),
			DSTransID: a.DSTransID, ACSTransID: a.ACSTransID, SDKTransID: a.SDKTransID, ACSReferenceNumber: a.ACSReferenceNumber,
			DSReferenceNumber: a.DSReferenceNumber, ACSOperatorID: a.ACSOperatorID, ACSURL: a.ACSURL,
			ACSChallengeMandated: a.ACSChallengeMandated, AuthenticationType: a.AuthenticationType,
			AuthenticationMethod: a.AuthenticationMethod, ACSSignedContent: a.ACSSignedContent,
			CardholderInfo: a.CardholderInfo, ACSDecConInd: a.ACSDecConInd, MessageVersion: emv3ds.Version(a.MessageVersion),
			ECI: emv3ds.ECI(a.ECI), AuthenticationValue: emv3ds.AuthenticationValue(a.AuthenticationValue), ReceivedAt: pt(a.ReceivedAt),
			TrustListStatus: a.TrustListStatus, TrustListStatusSource: a.TrustListStatusSource, TransChallengeExemption: a.TransChallengeExemption,
		}
		if a.ACSRenderingType != "" {
			t.ARes.ACSRenderingType = json.RawMessage(a.ACSRenderingType)
		}
	}
	if it.ResultFromARes {
		a := t.ARes
		t.Result = &threeds.Result{TransStatus: a.TransStatus, TransStatusReason: a.TransStatusReason, ECI: a.ECI,
			AuthenticationValue: a.AuthenticationValue, Source: threeds.SourceARes, ReceivedAt: a.ReceivedAt}
	} else if r := it.Result; r != nil {
		t.Result = &threeds.Result{
			TransStatus: emv3ds.TransStatus(r.TransStatus), TransStatusReason: emv3ds.TransStatusReason(r.TransStatusReason),
			ECI: emv3ds.ECI(r.ECI), AuthenticationValue: emv3ds.AuthenticationValue(r.AuthenticationValue),
			ChallengeCancel: emv3ds.ChallengeCancel(r.ChallengeCancel), InteractionCounter: r.InteractionCounter,
			Source: r.Source, ReceivedAt: pt(r.ReceivedAt),
			AuthenticationMethod: r.AuthenticationMethod, TrustListStatus: r.TrustListStatus, TrustListStatusSource: r.TrustListStatusSource,
		}
	}
	if e := it.Error; e != nil {
		t.Error = &threeds.ErrorInfo{Code: emv3ds.ErrorCode(e.Code), Component: emv3ds.ErrorComponent(e.Component), Description: e.Description, Detail: e.Detail,
			MessageType: emv3ds.MessageType(e.MessageType), Timeout: e.Timeout}
	}
	return t
}

// resultFromARes reports a result that is exactly what RecordARes derives
// from a: stored as a flag, rebuilt on read.
func resultFromARes(r *threeds.Result, a *threeds.AResData) bool {
	return r.Source == threeds.SourceARes && r.TransStatus == a.TransStatus && r.TransStatusReason == a.TransStatusReason &&
		r.ECI == a.ECI && r.AuthenticationValue == a.AuthenticationValue && r.ChallengeCancel == "" &&
		r.InteractionCounter == "" && r.ReceivedAt.Equal(a.ReceivedAt) && !a.ReceivedAt.IsZero()
}

// DecodeTransaction turns a stored transaction item (e.g. a stream image
// converted to SDK attribute values) into the domain Transaction. Sealed
// authentication values stay closed (empty): Store.Get opens them.
func DecodeTransaction(item map[string]types.AttributeValue) (*threeds.Transaction, error) {
	it, err := decodeTxItem(item)
	if err != nil {
		return nil, fmt.Errorf("decode transaction item: %w", err)
	}
	if it.Type != TypeTransaction {
		return nil, fmt.Errorf("decode transaction item: item type %q", it.Type)
	}
	return fromTxItem(it), nil
}

// Create implements threeds.Store.
func (s *Store) Create(ctx context.Context, tx *threeds.Transaction) error {
	if tx == nil || tx.ID == "" || tx.MerchantID == "" {
		return errors.New("create transaction: missing ID or MerchantID")
	}
	if tx.ExpiresAt.IsZero() {
		return fmt.Errorf("create transaction %s: ExpiresAt is required (every transaction expires)", tx.ID)
	}
	c := tx.Clone()
	c.Version = 1
	it := toTxItem(c)
	if err := s.sealCAVV(it); err != nil {
		return fmt.Errorf("create transaction: %w", err)
	}
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fmt.Errorf("create transaction %s: %w", tx.ID, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           s.tableName(),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(pk) OR expiresAt <= :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": num(s.now().Unix()),
		},
	})
	if isConditionFailed(err) {
		return fmt.Errorf("create transaction %s: %w", tx.ID, threeds.ErrDuplicateTransaction)
	}
	if err != nil {
		return fmt.Errorf("create transaction %s: %w", tx.ID, err)
	}
	tx.Version = 1
	return nil
}

// Get implements threeds.Store (strongly consistent read).
func (s *Store) Get(ctx context.Context, id string) (*threeds.Transaction, error) {
	if id == "" || len(id) > maxIDBytes {
		// Never a key DynamoDB would refuse with a server error: the domain
		// checks identifiers first (threeds.CheckTransID); this is the floor.
		return nil, fmt.Errorf("get transaction: %w", threeds.ErrTransactionNotFound)
	}
	it, err := s.getTx(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.openCAVV(it); err != nil {
		return nil, fmt.Errorf("get transaction: %w", err)
	}
	return fromTxItem(it), nil
}

// txUpdate is a transaction's optimistic update (see update).
func (s *Store) txUpdate(id string) versioned[threeds.Transaction, txItem] {
	return versioned[threeds.Transaction, txItem]{
		op: "update transaction " + id,
		read: func(ctx context.Context) (*threeds.Transaction, int64, error) {
			cur, err := s.Get(ctx, id)
			if err != nil {
				return nil, 0, err
			}
			return cur, cur.Version, nil
		},
		clone: (*threeds.Transaction).Clone,
		check: threeds.CheckUpdate,
		encode: func(next *threeds.Transaction, version int64) (*txItem, error) {
			it := toTxItem(next)
			it.Version = version
			if err := s.sealCAVV(it); err != nil {
				return nil, err
			}
			return it, nil
		},
		stored: func(next *threeds.Transaction, it *txItem) (*threeds.Transaction, error) {
			next.Version = it.Version
			return next, nil
		},
	}
}

// Update implements threeds.Store: GetItem, fn, then PutItem on the
// condition that the version is still the one read; retried with jittered
// backoff up to MaxAttempts times.
func (s *Store) Update(ctx context.Context, id string, fn func(*threeds.Transaction) error) (*threeds.Transaction, error) {
	return update(ctx, s, s.txUpdate(id), fn)
}

// UpdateHeld implements threeds.HeldUpdater: fn on a copy of held, then one
// PutItem on the condition that the version is still held's and the item
// has not expired; Update (GetItem + PutItem) when that condition fails or
// fn changed nothing.
func (s *Store) UpdateHeld(ctx context.Context, held *threeds.Transaction, fn func(*threeds.Transaction) error) (*threeds.Transaction, error) {
	v := s.txUpdate(held.ID)
	next, changed, err := v.apply(held, fn)
	if err != nil {
		return nil, err
	}
	if changed {
		out, ok, err := v.put(ctx, s, next, held.Version, true)
		if err != nil {
			return nil, err
		}
		if ok {
			return out, nil
		}
	}
	return update(ctx, s, v, fn)
}
