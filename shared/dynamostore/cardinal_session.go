package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/open3ds/server/shared/threeds"
)

// TypeCardinalSession is the item type of a Cardinal browser session.
const TypeCardinalSession = "cardinal_session"

func cardinalSessionPK(id string) string { return "cardinalsession#" + id }

const cardinalSessionSK = "SESSION"

type cardinalSessionItem struct {
	PK   string `dynamodbav:"pk"`
	SK   string `dynamodbav:"sk"`
	Type string `dynamodbav:"type"`

	ID            string   `dynamodbav:"sessionId"`
	SecretHash    []byte   `dynamodbav:"secretHash"`
	MerchantID    string   `dynamodbav:"merchantId"`
	APIID         string   `dynamodbav:"apiId"`
	OrgUnitID     string   `dynamodbav:"orgUnitId"`
	JTI           string   `dynamodbav:"jti"`
	PreviousKey   bool     `dynamodbav:"previousKey,omitempty"`
	ReferenceID   string   `dynamodbav:"referenceId,omitempty"`
	ConfirmURL    string   `dynamodbav:"confirmUrl,omitempty"`
	Origin        string   `dynamodbav:"origin,omitempty"`
	Objectify     bool     `dynamodbav:"objectify,omitempty"`
	OrderNumber   string   `dynamodbav:"orderNumber,omitempty"`
	Amount        string   `dynamodbav:"amount,omitempty"`
	CurrencyCode  string   `dynamodbav:"currencyCode,omitempty"`
	MethodTransID string   `dynamodbav:"methodTransId,omitempty"`
	MethodPANHash string   `dynamodbav:"methodPanHash,omitempty"`
	TransIDs      []string `dynamodbav:"transIds,omitempty,stringset"`
	CreatedAt     string   `dynamodbav:"createdAt,omitempty"`
	ExpiresAt     int64    `dynamodbav:"expiresAt"` // TTL
}

// PutCardinalSession stores a Cardinal browser session: create true makes
// a new one (it fails when the ID exists), false replaces an existing one.
// The item expires (TTL) at s.ExpiresAt.
func (s *Store) PutCardinalSession(ctx context.Context, c *threeds.CardinalSession, create bool) error {
	if c == nil || c.ID == "" || c.MerchantID == "" || len(c.SecretHash) == 0 || c.ExpiresAt.IsZero() {
		return errors.New("put cardinal session: missing ID, merchant, secret or expiry")
	}
	item, err := attributevalue.MarshalMap(&cardinalSessionItem{
		PK: cardinalSessionPK(c.ID), SK: cardinalSessionSK, Type: TypeCardinalSession,
		ID: c.ID, SecretHash: c.SecretHash, MerchantID: c.MerchantID, APIID: c.APIID, OrgUnitID: c.OrgUnitID, JTI: c.JTI,
		PreviousKey: c.PreviousKey, ReferenceID: c.ReferenceID, ConfirmURL: c.ConfirmURL, Origin: c.Origin, Objectify: c.Objectify,
		OrderNumber: c.OrderNumber, Amount: c.Amount, CurrencyCode: c.CurrencyCode,
		MethodTransID: c.MethodTransID, MethodPANHash: c.MethodPANHash, TransIDs: c.TransIDs,
		CreatedAt: ts(c.CreatedAt), ExpiresAt: c.ExpiresAt.Unix(),
	})
	if err != nil {
		return fmt.Errorf("put cardinal session: %w", err)
	}
	in := &dynamodb.PutItemInput{TableName: s.tableName(), Item: item}
	if create {
		in.ConditionExpression = aws.String("attribute_not_exists(pk)")
	} else {
		in.ConditionExpression = aws.String("attribute_exists(pk) AND merchantId = :m")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":m": str(c.MerchantID)}
	}
	_, err = s.db.PutItem(ctx, in)
	if isConditionFailed(err) {
		if create {
			return errors.New("put cardinal session: the session ID exists")
		}
		return fmt.Errorf("put cardinal session: %w", threeds.ErrCardinalSessionNotFound)
	}
	if err != nil {
		return fmt.Errorf("put cardinal session: %w", err)
	}
	return nil
}

// GetCardinalSession reads a session by ID (one GetItem); an expired one
// the TTL sweeper has not deleted yet is still returned (the caller checks
// ExpiresAt).
func (s *Store) GetCardinalSession(ctx context.Context, id string) (*threeds.CardinalSession, error) {
	it, err := getItem[cardinalSessionItem](ctx, s, "get cardinal session", key(cardinalSessionPK(id), cardinalSessionSK), threeds.ErrCardinalSessionNotFound)
	if err != nil {
		return nil, err
	}
	return &threeds.CardinalSession{ID: it.ID, SecretHash: it.SecretHash, MerchantID: it.MerchantID, APIID: it.APIID,
		OrgUnitID: it.OrgUnitID, JTI: it.JTI, PreviousKey: it.PreviousKey, ReferenceID: it.ReferenceID, ConfirmURL: it.ConfirmURL,
		Origin: it.Origin, Objectify: it.Objectify, OrderNumber: it.OrderNumber, Amount: it.Amount, CurrencyCode: it.CurrencyCode,
		MethodTransID: it.MethodTransID, MethodPANHash: it.MethodPANHash, TransIDs: it.TransIDs,
		CreatedAt: pt(it.CreatedAt), ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC()}, nil
}
