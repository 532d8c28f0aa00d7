package dynamostore

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

func merchantPK(id string) string  { return "MERCHANT#" + id }
func merchantGSI(id string) string { return "MERCHANT#" + id }

const (
	merchantSK     = "PROFILE"
	merchantsGSIPK = "MERCHANTS"
)

type merchantItem struct {
	PK      string `dynamodbav:"pk"`
	SK      string `dynamodbav:"sk"`
	GSI1PK  string `dynamodbav:"gsi1pk"`
	GSI1SK  string `dynamodbav:"gsi1sk"`
	Type    string `dynamodbav:"type"`
	Version int64  `dynamodbav:"version"`

	ID                 string   `dynamodbav:"merchantId"`
	Name               string   `dynamodbav:"merchantName,omitempty"`
	AcquirerBIN        string   `dynamodbav:"acquirerBIN,omitempty"`
	AcquirerMerchantID string   `dynamodbav:"acquirerMerchantID,omitempty"`
	MCC                string   `dynamodbav:"mcc,omitempty"`
	Country            string   `dynamodbav:"merchantCountryCode,omitempty"`
	AcquirerCountry    string   `dynamodbav:"acquirerCountryCode,omitempty"` // 2.3.1
	RequestorID        string   `dynamodbav:"threeDSRequestorID,omitempty"`
	RequestorName      string   `dynamodbav:"threeDSRequestorName,omitempty"`
	RequestorURL       string   `dynamodbav:"threeDSRequestorURL,omitempty"`
	AllowedSchemes     []string `dynamodbav:"allowedSchemes,omitempty"`
	AllowedOrigins     []string `dynamodbav:"allowedOrigins,omitempty"`
	RestrictReturnURL  bool     `dynamodbav:"restrictReturnURL,omitempty"`
	// AllowProfileOverrides is the merchant's policy (threeds.CheckProfileOverrides).
	AllowProfileOverrides bool   `dynamodbav:"allowProfileOverrides,omitempty"`
	WebhookURL            string `dynamodbav:"webhookURL,omitempty"`
	// WebhookSecretSealed is AES-256-GCM (vault) bound to the merchant ID.
	WebhookSecretSealed []byte `dynamodbav:"webhookSecretSealed,omitempty"`
	CreatedAt           string `dynamodbav:"createdAt,omitempty"`
	UpdatedAt           string `dynamodbav:"updatedAt,omitempty"`
}

func (s *Store) toMerchantItem(m *threeds.Merchant, version int64) (*merchantItem, error) {
	it := &merchantItem{
		PK: merchantPK(m.ID), SK: merchantSK, GSI1PK: merchantsGSIPK, GSI1SK: "MERCHANT#" + m.ID, Type: TypeMerchant, Version: version,
		ID: m.ID, Name: m.Name, AcquirerBIN: m.AcquirerBIN, AcquirerMerchantID: m.AcquirerMerchantID, MCC: m.MCC,
		Country: m.Country, RequestorID: m.RequestorID, RequestorName: m.RequestorName, RequestorURL: m.RequestorURL, WebhookURL: m.WebhookURL,
		AllowedOrigins: append([]string(nil), m.AllowedOrigins...), RestrictReturnURL: m.RestrictReturnURL,
		CreatedAt: ts(m.CreatedAt), UpdatedAt: ts(m.UpdatedAt), AllowProfileOverrides: m.AllowProfileOverrides,
		AcquirerCountry: m.AcquirerCountry,
	}
	for _, sc := range m.AllowedSchemes {
		it.AllowedSchemes = append(it.AllowedSchemes, string(sc))
	}
	if m.WebhookSecret != "" {
		if s.sealer == nil {
			return nil, errors.New("merchant webhook secret: no Sealer configured, refusing to store it in clear")
		}
		sealed, err := s.sealer.Seal([]byte(m.WebhookSecret), []byte("merchant:"+m.ID))
		if err != nil {
			return nil, fmt.Errorf("merchant webhook secret: %w", err)
		}
		it.WebhookSecretSealed = sealed
	}
	return it, nil
}

func (s *Store) fromMerchantItem(it *merchantItem) (*threeds.Merchant, error) {
	m := &threeds.Merchant{
		ID: it.ID, Name: it.Name, AcquirerBIN: it.AcquirerBIN, AcquirerMerchantID: it.AcquirerMerchantID, MCC: it.MCC,
		Country: it.Country, RequestorID: it.RequestorID, RequestorName: it.RequestorName, RequestorURL: it.RequestorURL, WebhookURL: it.WebhookURL,
		AllowedOrigins: append([]string(nil), it.AllowedOrigins...), RestrictReturnURL: it.RestrictReturnURL,
		CreatedAt: pt(it.CreatedAt), UpdatedAt: pt(it.UpdatedAt), AllowProfileOverrides: it.AllowProfileOverrides,
		AcquirerCountry: it.AcquirerCountry,
	}
	for _, sc := range it.AllowedSchemes {
		m.AllowedSchemes = append(m.AllowedSchemes, emv3ds.Scheme(sc))
	}
	if len(it.WebhookSecretSealed) > 0 && !s.skipSecrets {
		if s.sealer == nil {
			return nil, errors.New("merchant webhook secret: no Sealer configured to open it")
		}
		pt, err := s.sealer.Open(it.WebhookSecretSealed, []byte("merchant:"+it.ID))
		if err != nil {
			return nil, fmt.Errorf("merchant %s webhook secret: %w", it.ID, err)
		}
		m.WebhookSecret = string(pt)
	}
	return m, nil
}

// CreateMerchant implements threeds.MerchantStore.
func (s *Store) CreateMerchant(ctx context.Context, m *threeds.Merchant) error {
	if m == nil || m.ID == "" {
		return errors.New("create merchant: missing ID")
	}
	it, err := s.toMerchantItem(m, 1)
	if err != nil {
		return err
	}
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fmt.Errorf("create merchant %s: %w", m.ID, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: s.tableName(), Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")})
	if isConditionFailed(err) {
		return fmt.Errorf("create merchant %s: %w", m.ID, threeds.ErrDuplicateMerchant)
	}
	if err != nil {
		return fmt.Errorf("create merchant %s: %w", m.ID, err)
	}
	return nil
}

func (s *Store) getMerchantItem(ctx context.Context, id string) (*merchantItem, error) {
	return getItem[merchantItem](ctx, s, "get merchant "+id, key(merchantPK(id), merchantSK), threeds.ErrMerchantNotFound)
}

// GetMerchant implements threeds.MerchantStore.
func (s *Store) GetMerchant(ctx context.Context, id string) (*threeds.Merchant, error) {
	if id == "" {
		return nil, fmt.Errorf("get merchant: %w", threeds.ErrMerchantNotFound)
	}
	it, err := s.getMerchantItem(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.fromMerchantItem(it)
}

// ListMerchants implements threeds.MerchantStore: one Query on gsi1
// (eventually consistent), ordered by ID.
func (s *Store) ListMerchants(ctx context.Context) ([]*threeds.Merchant, error) {
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		TableName: s.tableName(), IndexName: aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(merchantsGSIPK)},
	})
	if err != nil {
		return nil, fmt.Errorf("list merchants: %w", err)
	}
	out := make([]*threeds.Merchant, 0, len(items))
	for _, item := range items {
		var it merchantItem
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			return nil, fmt.Errorf("list merchants: decode: %w", err)
		}
		m, err := s.fromMerchantItem(&it)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// UpdateMerchant implements threeds.MerchantStore with optimistic locking.
func (s *Store) UpdateMerchant(ctx context.Context, id string, fn func(*threeds.Merchant) error) (*threeds.Merchant, error) {
	if s.skipSecrets {
		return nil, errors.New("update merchant: store opened without webhook secrets")
	}
	return update(ctx, s, versioned[threeds.Merchant, merchantItem]{
		op: "update merchant " + id,
		read: func(ctx context.Context) (*threeds.Merchant, int64, error) {
			it, err := s.getMerchantItem(ctx, id)
			if err != nil {
				return nil, 0, err
			}
			cur, err := s.fromMerchantItem(it)
			if err != nil {
				return nil, 0, err
			}
			return cur, it.Version, nil
		},
		clone: (*threeds.Merchant).Clone,
		check: func(_, next *threeds.Merchant) error {
			if next.ID != id {
				return fmt.Errorf("update merchant %s: ID cannot change", id)
			}
			return nil
		},
		encode: s.toMerchantItem,
		stored: func(_ *threeds.Merchant, it *merchantItem) (*threeds.Merchant, error) {
			return s.fromMerchantItem(it)
		},
	}, fn)
}

// ---- API keys

func apiKeyPK(hash string) string { return "APIKEY#" + hash }

const apiKeySK = "APIKEY"

type apiKeyItem struct {
	PK     string `dynamodbav:"pk"`
	SK     string `dynamodbav:"sk"`
	GSI1PK string `dynamodbav:"gsi1pk"`
	GSI1SK string `dynamodbav:"gsi1sk"`
	Type   string `dynamodbav:"type"`

	ID         string `dynamodbav:"keyId"`
	MerchantID string `dynamodbav:"merchantId"`
	Hash       string `dynamodbav:"keyHash"`
	Kind       string `dynamodbav:"credentialKind,omitempty"`
	Prefix     string `dynamodbav:"displayPrefix,omitempty"`
	Name       string `dynamodbav:"name,omitempty"`
	CreatedAt  string `dynamodbav:"createdAt,omitempty"`
	RevokedAt  string `dynamodbav:"revokedAt,omitempty"`
	LastUsedAt string `dynamodbav:"lastUsedAt,omitempty"`
}

func fromAPIKeyItem(it *apiKeyItem) *threeds.APIKey {
	return &threeds.APIKey{ID: it.ID, MerchantID: it.MerchantID, Hash: it.Hash, Kind: it.Kind, Prefix: it.Prefix, Name: it.Name,
		CreatedAt: pt(it.CreatedAt), RevokedAt: pt(it.RevokedAt), LastUsedAt: pt(it.LastUsedAt)}
}

// CreateAPIKey implements threeds.APIKeyStore: one transaction that checks
// the merchant exists and puts the key.
func (s *Store) CreateAPIKey(ctx context.Context, k *threeds.APIKey) error {
	if k == nil || k.ID == "" || k.Hash == "" || k.MerchantID == "" {
		return errors.New("create api key: missing ID, Hash or MerchantID")
	}
	item, err := attributevalue.MarshalMap(&apiKeyItem{
		PK: apiKeyPK(k.Hash), SK: apiKeySK, GSI1PK: merchantGSI(k.MerchantID), GSI1SK: "APIKEY#" + sortTime(k.CreatedAt) + "#" + k.ID,
		Type: TypeAPIKey, ID: k.ID, MerchantID: k.MerchantID, Hash: k.Hash, Kind: k.Kind, Prefix: k.Prefix, Name: k.Name,
		CreatedAt: ts(k.CreatedAt), RevokedAt: ts(k.RevokedAt), LastUsedAt: ts(k.LastUsedAt),
	})
	if err != nil {
		return fmt.Errorf("create api key %s: %w", k.ID, err)
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{TableName: s.tableName(), Key: key(merchantPK(k.MerchantID), merchantSK), ConditionExpression: aws.String("attribute_exists(pk)")}},
		{Put: &types.Put{TableName: s.tableName(), Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
	}})
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) && len(tce.CancellationReasons) == 2 {
		if aws.ToString(tce.CancellationReasons[0].Code) == "ConditionalCheckFailed" {
			return fmt.Errorf("create api key for %s: %w", k.MerchantID, threeds.ErrMerchantNotFound)
		}
		if aws.ToString(tce.CancellationReasons[1].Code) == "ConditionalCheckFailed" {
			return fmt.Errorf("create api key %s: %w", k.ID, threeds.ErrDuplicateAPIKey)
		}
	}
	if err != nil {
		return fmt.Errorf("create api key %s: %w", k.ID, err)
	}
	return nil
}

// LookupAPIKey implements threeds.APIKeyStore: a GetItem by hash, then a
// constant-time comparison of the stored hash.
func (s *Store) LookupAPIKey(ctx context.Context, hash string) (*threeds.APIKey, error) {
	if hash == "" {
		return nil, fmt.Errorf("lookup api key: %w", threeds.ErrAPIKeyNotFound)
	}
	it, err := getItem[apiKeyItem](ctx, s, "lookup api key", key(apiKeyPK(hash), apiKeySK), threeds.ErrAPIKeyNotFound)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(it.Hash), []byte(hash)) != 1 {
		return nil, fmt.Errorf("lookup api key: %w", threeds.ErrAPIKeyNotFound)
	}
	k := fromAPIKeyItem(it)
	if k.Revoked() {
		return k, fmt.Errorf("lookup api key %s: %w", k.ID, threeds.ErrAPIKeyRevoked)
	}
	return k, nil
}

func (s *Store) merchantKeyItems(ctx context.Context, merchantID string) ([]apiKeyItem, error) {
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		TableName: s.tableName(), IndexName: aws.String(indexGSI1),
		KeyConditionExpression: aws.String("gsi1pk = :pk AND begins_with(gsi1sk, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(merchantGSI(merchantID)), ":p": str("APIKEY#"),
		},
	})
	if err != nil {
		return nil, err
	}
	out := make([]apiKeyItem, len(items))
	for i, item := range items {
		if err := attributevalue.UnmarshalMap(item, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ListAPIKeys implements threeds.APIKeyStore: one Query on gsi1.
func (s *Store) ListAPIKeys(ctx context.Context, merchantID string) ([]*threeds.APIKey, error) {
	its, err := s.merchantKeyItems(ctx, merchantID)
	if err != nil {
		return nil, fmt.Errorf("list api keys of %s: %w", merchantID, err)
	}
	out := make([]*threeds.APIKey, len(its))
	for i := range its {
		out[i] = fromAPIKeyItem(&its[i])
	}
	return out, nil
}

// RevokeAPIKey implements threeds.APIKeyStore.
func (s *Store) RevokeAPIKey(ctx context.Context, merchantID, keyID string, now time.Time) error {
	its, err := s.merchantKeyItems(ctx, merchantID)
	if err != nil {
		return fmt.Errorf("revoke api key %s: %w", keyID, err)
	}
	for _, it := range its {
		if it.ID != keyID {
			continue
		}
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: s.tableName(), Key: key(apiKeyPK(it.Hash), apiKeySK),
			UpdateExpression:    aws.String("SET revokedAt = if_not_exists(revokedAt, :now)"),
			ConditionExpression: aws.String("attribute_exists(pk) AND merchantId = :m"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":now": str(ts(now)), ":m": str(merchantID),
			},
		})
		if isConditionFailed(err) {
			break
		}
		if err != nil {
			return fmt.Errorf("revoke api key %s: %w", keyID, err)
		}
		return nil
	}
	return fmt.Errorf("revoke api key %s: %w", keyID, threeds.ErrAPIKeyNotFound)
}

// TouchAPIKey implements threeds.APIKeyStore.
func (s *Store) TouchAPIKey(ctx context.Context, hash string, now time.Time) error {
	if hash == "" || strings.ContainsAny(hash, "#") {
		return fmt.Errorf("touch api key: %w", threeds.ErrAPIKeyNotFound)
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.tableName(), Key: key(apiKeyPK(hash), apiKeySK),
		UpdateExpression:          aws.String("SET lastUsedAt = :now"),
		ConditionExpression:       aws.String("attribute_exists(pk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": str(ts(now))},
	})
	if isConditionFailed(err) {
		return fmt.Errorf("touch api key: %w", threeds.ErrAPIKeyNotFound)
	}
	if err != nil {
		return fmt.Errorf("touch api key: %w", err)
	}
	return nil
}
