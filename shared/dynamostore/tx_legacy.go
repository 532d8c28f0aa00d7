package dynamostore

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/open3ds/server/shared/threeds"
)

// legacyTxItem is the transaction layout written before the compact one
// (txItem): the same fields under their long names. It is only read, so
// that transactions stored before an upgrade keep working until they
// expire; the first write of such a transaction stores it compactly.
type legacyTxItem struct {
	legacyTxFields
	ARes   *legacyAresItem   `dynamodbav:"ares,omitempty"`
	Result *legacyResultItem `dynamodbav:"result,omitempty"`
	Error  *legacyErrorItem  `dynamodbav:"error,omitempty"`
}

// legacyAttrID is an attribute only the legacy layout has.
const legacyAttrID = "threeDSServerTransID"

type legacyTxFields struct {
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
	DecReqInd           string `dynamodbav:"threeDSRequestorDecReqInd,omitempty"`
	ThreeDSMethodID     string `dynamodbav:"threeDSMethodId,omitempty"`

	RReqFingerprint string `dynamodbav:"rreqFingerprint,omitempty"`
	RRes            string `dynamodbav:"rres,omitempty"`
	CResReceivedAt  string `dynamodbav:"cresReceivedAt,omitempty"`
}

type legacyAresItem struct {
	TransStatus               string `dynamodbav:"transStatus,omitempty"`
	TransStatusReason         string `dynamodbav:"transStatusReason,omitempty"`
	DSTransID                 string `dynamodbav:"dsTransID,omitempty"`
	ACSTransID                string `dynamodbav:"acsTransID,omitempty"`
	SDKTransID                string `dynamodbav:"sdkTransID,omitempty"`
	ACSReferenceNumber        string `dynamodbav:"acsReferenceNumber,omitempty"`
	DSReferenceNumber         string `dynamodbav:"dsReferenceNumber,omitempty"`
	ACSOperatorID             string `dynamodbav:"acsOperatorID,omitempty"`
	ACSURL                    string `dynamodbav:"acsURL,omitempty"`
	ACSChallengeMandated      string `dynamodbav:"acsChallengeMandated,omitempty"`
	AuthenticationType        string `dynamodbav:"authenticationType,omitempty"`
	AuthenticationMethod      string `dynamodbav:"authenticationMethod,omitempty"`
	ACSSignedContent          string `dynamodbav:"acsSignedContent,omitempty"`
	ACSRenderingType          string `dynamodbav:"acsRenderingType,omitempty"`
	CardholderInfo            string `dynamodbav:"cardholderInfo,omitempty"`
	ACSDecConInd              string `dynamodbav:"acsDecConInd,omitempty"`
	MessageVersion            string `dynamodbav:"messageVersion,omitempty"`
	ECI                       string `dynamodbav:"eci,omitempty"`
	AuthenticationValue       string `dynamodbav:"authenticationValue,omitempty"`
	AuthenticationValueSealed []byte `dynamodbav:"authenticationValueSealed,omitempty"`
	AuthenticationValueKeyID  string `dynamodbav:"authenticationValueKeyId,omitempty"`
	ReceivedAt                string `dynamodbav:"receivedAt,omitempty"`
	TrustListStatus           string `dynamodbav:"trustListStatus,omitempty"`
	TrustListStatusSource     string `dynamodbav:"trustListStatusSource,omitempty"`
	TransChallengeExemption   string `dynamodbav:"transChallengeExemption,omitempty"`
}

type legacyResultItem struct {
	TransStatus               string `dynamodbav:"transStatus"`
	TransStatusReason         string `dynamodbav:"transStatusReason,omitempty"`
	ECI                       string `dynamodbav:"eci,omitempty"`
	AuthenticationValue       string `dynamodbav:"authenticationValue,omitempty"`
	AuthenticationValueSealed []byte `dynamodbav:"authenticationValueSealed,omitempty"`
	AuthenticationValueKeyID  string `dynamodbav:"authenticationValueKeyId,omitempty"`
	ChallengeCancel           string `dynamodbav:"challengeCancel,omitempty"`
	InteractionCounter        string `dynamodbav:"interactionCounter,omitempty"`
	Source                    string `dynamodbav:"source"`
	ReceivedAt                string `dynamodbav:"receivedAt"`
	AuthenticationMethod      string `dynamodbav:"authenticationMethod,omitempty"`
	TrustListStatus           string `dynamodbav:"trustListStatus,omitempty"`
	TrustListStatusSource     string `dynamodbav:"trustListStatusSource,omitempty"`
}

type legacyErrorItem struct {
	Code        string `dynamodbav:"errorCode,omitempty"`
	Component   string `dynamodbav:"errorComponent,omitempty"`
	Description string `dynamodbav:"errorDescription,omitempty"`
	Detail      string `dynamodbav:"errorDetail,omitempty"`
	MessageType string `dynamodbav:"errorMessageType,omitempty"`
	Timeout     bool   `dynamodbav:"timeout,omitempty"`
}

// decodeTxItem decodes a stored transaction in either layout. The ID of a
// compact item is its partition key's.
func decodeTxItem(item map[string]types.AttributeValue) (*txItem, error) {
	if _, legacy := item[legacyAttrID]; legacy {
		var l legacyTxItem
		if err := attributevalue.UnmarshalMap(item, &l); err != nil {
			return nil, err
		}
		return &txItem{
			txFields: txFields(l.legacyTxFields),
			ARes:     (*aresItem)(l.ARes),
			Result:   (*resultItem)(l.Result),
			Error:    (*errorItem)(l.Error),
		}, nil
	}
	it := new(txItem)
	if err := attributevalue.UnmarshalMap(item, it); err != nil {
		return nil, err
	}
	it.ID = strings.TrimPrefix(it.PK, txPK(""))
	return it, nil
}

// getTx reads a transaction item (strongly consistent); absent or expired
// is ErrTransactionNotFound. The CAVV stays sealed.
func (s *Store) getTx(ctx context.Context, id string) (*txItem, error) {
	op := "get transaction " + id
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.tableName(), Key: key(txPK(id), txSK), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if out.Item == nil {
		return nil, fmt.Errorf("%s: %w", op, threeds.ErrTransactionNotFound)
	}
	it, err := decodeTxItem(out.Item)
	if err != nil {
		return nil, fmt.Errorf("%s: decode: %w", op, err)
	}
	if s.expired(it.ExpiresAt) {
		return nil, fmt.Errorf("%s: %w", op, threeds.ErrTransactionNotFound)
	}
	return it, nil
}
