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

// txItem is a transaction as stored. Attribute names are stable: the
// table's stream carries them in its images (Store.BecameFinal decodes those).
// Transactions carry no gsi1 keys: nothing lists them by merchant, and an
// indexed item pays every write twice (table and index). A future listing
// would add the keys (sparse: e.g. on final items only) with its query.
type txItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Type      string `dynamodbav:"type"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
	Version   int64  `dynamodbav:"version"`

	ID         string `dynamodbav:"threeDSServerTransID"`
	MerchantID string `dynamodbav:"merchantId"`
	Dialect    string `dynamodbav:"dialect,omitempty"`
	State      string `dynamodbav:"state"`
	CreatedAt  string `dynamodbav:"createdAt"`
	UpdatedAt  string `dynamodbav:"updatedAt"`

	CardScheme string `dynamodbav:"cardScheme,omitempty"`
	CardBIN    string `dynamodbav:"cardBin,omitempty"`
	CardLast4  string `dynamodbav:"cardLast4,omitempty"`
	PANHash    string `dynamodbav:"panHash,omitempty"`

	MessageVersion    string `dynamodbav:"messageVersion,omitempty"`
	DSStartVersion    string `dynamodbav:"dsStartProtocolVersion,omitempty"`
	DSEndVersion      string `dynamodbav:"dsEndProtocolVersion,omitempty"`
	ACSStartVersion   string `dynamodbav:"acsStartProtocolVersion,omitempty"`
	ACSEndVersion     string `dynamodbav:"acsEndProtocolVersion,omitempty"`
	DSReferenceNumber string `dynamodbav:"dsReferenceNumber,omitempty"`

	ThreeDSMethodURL      string `dynamodbav:"threeDSMethodURL,omitempty"`
	MethodNotificationURL string `dynamodbav:"threeDSMethodNotificationURL,omitempty"`
	CompInd               string `dynamodbav:"threeDSCompInd,omitempty"`
	MethodCompletedAt     string `dynamodbav:"methodCompletedAt,omitempty"`

	AReqSentAt          string `dynamodbav:"areqSentAt,omitempty"`
	DeviceChannel       string `dynamodbav:"deviceChannel,omitempty"`
	MessageCategory     string `dynamodbav:"messageCategory,omitempty"`
	NotificationURL     string `dynamodbav:"notificationURL,omitempty"`
	ReturnURL           string `dynamodbav:"returnURL,omitempty"`
	ChallengeWindowSize string `dynamodbav:"challengeWindowSize,omitempty"`
	DecoupledRequested  bool   `dynamodbav:"decoupledRequested,omitempty"`
	ChallengeInd        string `dynamodbav:"threeDSRequestorChallengeInd,omitempty"`
	ThreeRIInd          string `dynamodbav:"threeRIInd,omitempty"`
	// 2.3.1: decoupled fallback indicator and the reused 3DS Method's ID.
	DecReqInd       string `dynamodbav:"threeDSRequestorDecReqInd,omitempty"`
	ThreeDSMethodID string `dynamodbav:"threeDSMethodId,omitempty"`

	ARes *aresItem `dynamodbav:"ares,omitempty"`

	Result *resultItem `dynamodbav:"result,omitempty"`

	RReqFingerprint string `dynamodbav:"rreqFingerprint,omitempty"`
	RRes            string `dynamodbav:"rres,omitempty"`
	CResReceivedAt  string `dynamodbav:"cresReceivedAt,omitempty"`

	Error *errorItem `dynamodbav:"error,omitempty"`
}

type aresItem struct {
	TransStatus          string `dynamodbav:"transStatus,omitempty"`
	TransStatusReason    string `dynamodbav:"transStatusReason,omitempty"`
	DSTransID            string `dynamodbav:"dsTransID,omitempty"`
	ACSTransID           string `dynamodbav:"acsTransID,omitempty"`
	SDKTransID           string `dynamodbav:"sdkTransID,omitempty"`
	ACSReferenceNumber   string `dynamodbav:"acsReferenceNumber,omitempty"`
	DSReferenceNumber    string `dynamodbav:"dsReferenceNumber,omitempty"`
	ACSOperatorID        string `dynamodbav:"acsOperatorID,omitempty"`
	ACSURL               string `dynamodbav:"acsURL,omitempty"`
	ACSChallengeMandated string `dynamodbav:"acsChallengeMandated,omitempty"`
	AuthenticationType   string `dynamodbav:"authenticationType,omitempty"`
	AuthenticationMethod string `dynamodbav:"authenticationMethod,omitempty"`
	ACSSignedContent     string `dynamodbav:"acsSignedContent,omitempty"`
	ACSRenderingType     string `dynamodbav:"acsRenderingType,omitempty"`
	CardholderInfo       string `dynamodbav:"cardholderInfo,omitempty"`
	ACSDecConInd         string `dynamodbav:"acsDecConInd,omitempty"`
	MessageVersion       string `dynamodbav:"messageVersion,omitempty"`
	ECI                  string `dynamodbav:"eci,omitempty"`
	// AuthenticationValue is only ever read (items written before sealing);
	// the value is written sealed (cavv.go).
	AuthenticationValue       string `dynamodbav:"authenticationValue,omitempty"`
	AuthenticationValueSealed []byte `dynamodbav:"authenticationValueSealed,omitempty"`
	AuthenticationValueKeyID  string `dynamodbav:"authenticationValueKeyId,omitempty"`
	ReceivedAt                string `dynamodbav:"receivedAt,omitempty"`
	// Trust list and 2.3.1 exemption.
	TrustListStatus         string `dynamodbav:"trustListStatus,omitempty"`
	TrustListStatusSource   string `dynamodbav:"trustListStatusSource,omitempty"`
	TransChallengeExemption string `dynamodbav:"transChallengeExemption,omitempty"`
}

type resultItem struct {
	TransStatus       string `dynamodbav:"transStatus"`
	TransStatusReason string `dynamodbav:"transStatusReason,omitempty"`
	ECI               string `dynamodbav:"eci,omitempty"`
	// AuthenticationValue: as in aresItem, read only; written sealed.
	AuthenticationValue       string `dynamodbav:"authenticationValue,omitempty"`
	AuthenticationValueSealed []byte `dynamodbav:"authenticationValueSealed,omitempty"`
	AuthenticationValueKeyID  string `dynamodbav:"authenticationValueKeyId,omitempty"`
	ChallengeCancel           string `dynamodbav:"challengeCancel,omitempty"`
	InteractionCounter        string `dynamodbav:"interactionCounter,omitempty"`
	Source                    string `dynamodbav:"source"`
	ReceivedAt                string `dynamodbav:"receivedAt"`
	// 2.3.1 authenticationMethod (comma-joined) and the trust list.
	AuthenticationMethod  string `dynamodbav:"authenticationMethod,omitempty"`
	TrustListStatus       string `dynamodbav:"trustListStatus,omitempty"`
	TrustListStatusSource string `dynamodbav:"trustListStatusSource,omitempty"`
}

type errorItem struct {
	Code        string `dynamodbav:"errorCode,omitempty"`
	Component   string `dynamodbav:"errorComponent,omitempty"`
	Description string `dynamodbav:"errorDescription,omitempty"`
	Detail      string `dynamodbav:"errorDetail,omitempty"`
	MessageType string `dynamodbav:"errorMessageType,omitempty"`
	Timeout     bool   `dynamodbav:"timeout,omitempty"`
}

func txPK(id string) string { return "TX#" + id }

const txSK = "TX"

// maxIDBytes bounds an ID that may become part of a key (DynamoDB refuses
// partition keys over 2,048 bytes; every ID we issue is 36).
const maxIDBytes = 256

func toTxItem(t *threeds.Transaction) *txItem {
	it := &txItem{
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
	}
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
	if r := t.Result; r != nil {
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
	if r := it.Result; r != nil {
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

// DecodeTransaction turns a stored transaction item (e.g. a stream image
// converted to SDK attribute values) into the domain Transaction. Sealed
// authentication values stay closed (empty): Store.Get opens them.
func DecodeTransaction(item map[string]types.AttributeValue) (*threeds.Transaction, error) {
	var it txItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return nil, fmt.Errorf("decode transaction item: %w", err)
	}
	if it.Type != TypeTransaction {
		return nil, fmt.Errorf("decode transaction item: item type %q", it.Type)
	}
	return fromTxItem(&it), nil
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
	it, err := getItem[txItem](ctx, s, "get transaction "+id, key(txPK(id), txSK), threeds.ErrTransactionNotFound)
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
