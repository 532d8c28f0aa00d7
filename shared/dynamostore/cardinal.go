package dynamostore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/open3ds/server/shared/threeds"
)

// Item types of the Cardinal dialect.
const (
	TypeCardinalCredential = "cardinal_credential"
	TypeCardinalJTI        = "cardinal_jti"
)

func cardinalPK(apiID string) string { return "cardinal#" + apiID }

const cardinalSK = "CARDINAL"

// jtiPK keys a used request-JWT ID by API identifier and the SHA-256 of the
// jti, so any jti makes a bounded key.
func jtiPK(apiID, jti string) string {
	h := sha256.Sum256([]byte(jti))
	return "cardinaljti#" + apiID + "#" + hex.EncodeToString(h[:])
}

type cardinalItem struct {
	PK     string `dynamodbav:"pk"`
	SK     string `dynamodbav:"sk"`
	GSI1PK string `dynamodbav:"gsi1pk"`
	GSI1SK string `dynamodbav:"gsi1sk"`
	Type   string `dynamodbav:"type"`

	APIID              string `dynamodbav:"apiId"`
	OrgUnitID          string `dynamodbav:"orgUnitId"`
	MerchantID         string `dynamodbav:"merchantId"`
	SealedKey          []byte `dynamodbav:"sealedKey"`
	PreviousSealedKey  []byte `dynamodbav:"previousSealedKey,omitempty"`
	PreviousValidUntil string `dynamodbav:"previousValidUntil,omitempty"`
	CreatedAt          string `dynamodbav:"createdAt,omitempty"`
	RotatedAt          string `dynamodbav:"rotatedAt,omitempty"`
}

// PutCardinalCredential implements threeds.CardinalStore: creates or
// replaces (rotation) the credential of c.APIID.
func (s *Store) PutCardinalCredential(ctx context.Context, c *threeds.CardinalCredential) error {
	if c == nil || c.APIID == "" || c.MerchantID == "" || c.OrgUnitID == "" || len(c.SealedKey) == 0 {
		return errors.New("put cardinal credential: missing APIID, OrgUnitID, MerchantID or key")
	}
	item, err := attributevalue.MarshalMap(&cardinalItem{
		PK: cardinalPK(c.APIID), SK: cardinalSK, GSI1PK: merchantGSI(c.MerchantID), GSI1SK: "CARDINAL#" + c.APIID,
		Type: TypeCardinalCredential, APIID: c.APIID, OrgUnitID: c.OrgUnitID, MerchantID: c.MerchantID,
		SealedKey: c.SealedKey, PreviousSealedKey: c.PreviousSealedKey, PreviousValidUntil: ts(c.PreviousValidUntil),
		CreatedAt: ts(c.CreatedAt), RotatedAt: ts(c.RotatedAt),
	})
	if err != nil {
		return fmt.Errorf("put cardinal credential %s: %w", c.APIID, err)
	}
	// The API identifier belongs to one merchant for good.
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: s.tableName(), Item: item,
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR merchantId = :m"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":m": str(c.MerchantID)},
	})
	if isConditionFailed(err) {
		return fmt.Errorf("put cardinal credential %s: the API identifier belongs to another merchant", c.APIID)
	}
	if err != nil {
		return fmt.Errorf("put cardinal credential %s: %w", c.APIID, err)
	}
	return nil
}

// GetCardinalCredential implements threeds.CardinalStore: one GetItem.
func (s *Store) GetCardinalCredential(ctx context.Context, apiID string) (*threeds.CardinalCredential, error) {
	if apiID == "" {
		return nil, fmt.Errorf("get cardinal credential: %w", threeds.ErrCardinalCredentialNotFound)
	}
	it, err := getItem[cardinalItem](ctx, s, "get cardinal credential", key(cardinalPK(apiID), cardinalSK), threeds.ErrCardinalCredentialNotFound)
	if err != nil {
		return nil, err
	}
	return &threeds.CardinalCredential{APIID: it.APIID, OrgUnitID: it.OrgUnitID, MerchantID: it.MerchantID,
		SealedKey: it.SealedKey, PreviousSealedKey: it.PreviousSealedKey, PreviousValidUntil: pt(it.PreviousValidUntil),
		CreatedAt: pt(it.CreatedAt), RotatedAt: pt(it.RotatedAt)}, nil
}

// ClaimJTI implements threeds.CardinalStore: a conditional put that fails
// with threeds.ErrReplayedJTI when the jti is remembered; the item expires
// (TTL) at expiresAt.
func (s *Store) ClaimJTI(ctx context.Context, apiID, jti string, expiresAt time.Time) error {
	now := s.now()
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: s.tableName(),
		Item: map[string]types.AttributeValue{
			"pk": str(jtiPK(apiID, jti)), "sk": str("JTI"), "type": str(TypeCardinalJTI),
			"expiresAt": num(expiresAt.Unix()),
		},
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR expiresAt <= :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(now.Unix())},
	})
	if isConditionFailed(err) {
		return fmt.Errorf("claim jti: %w", threeds.ErrReplayedJTI)
	}
	if err != nil {
		return fmt.Errorf("claim jti: %w", err)
	}
	return nil
}
