package worldpay

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/threeds"
)

// CredentialKind is the kind of the stored Worldpay credentials
// (threeds.APIKey.Kind): the hash of apigw.BasicCredentialMaterial(kind,
// username, password).
const CredentialKind = "worldpay-basic"

// Credentials is the dialect's credential rule: HTTP Basic on every path
// under /verifications/customers/3ds/. A refused credential reaches the
// handler without a merchant, which answers 401 in Worldpay's shape.
var Credentials = apigw.CredentialRule{
	Dialect:        Name,
	Kind:           CredentialKind,
	PathPrefixes:   []string{BasePath + "/"},
	Material:       apigw.BasicMaterial(CredentialKind),
	GatewayRejects: false,
}

// EntityKind is the dialect record naming one of a merchant's
// merchant.entity values (scope: our merchant ID, key: the entity). It is
// written with the merchant's Basic credentials (threedsctl
// worldpay-credentials, make run), so the credential record names its
// entity; a request whose entity has no record for the caller is refused
// 403 accessDenied.
const EntityKind = "worldpay-entity"

// EntityReader reads the entity records (the dynamostore Store's dialect
// records: one GetItem).
type EntityReader interface {
	GetDialectRecord(ctx context.Context, kind, scope, key string) (body []byte, ok bool, err error)
}

// EntityWriter writes them.
type EntityWriter interface {
	CreateDialectRecord(ctx context.Context, kind, scope, key string, body []byte, expiresAt time.Time) (existing []byte, created bool, err error)
}

// Entity is an entity record's body.
type Entity struct {
	Entity     string    `json:"entity"`
	MerchantID string    `json:"merchantId"`
	KeyID      string    `json:"keyId,omitempty"` // the credential it was created with
	CreatedAt  time.Time `json:"createdAt"`
}

// PutEntity records entity as merchantID's (kept when it exists).
func PutEntity(ctx context.Context, w EntityWriter, merchantID, entity, keyID string, now time.Time) error {
	if err := threeds.CheckIdentifier("merchant.entity", entity, threeds.ReferenceFormat(1, maxReference)); err != nil {
		return err
	}
	body, err := json.Marshal(Entity{Entity: entity, MerchantID: merchantID, KeyID: keyID, CreatedAt: now.UTC()})
	if err != nil {
		return err
	}
	_, _, err = w.CreateDialectRecord(ctx, EntityKind, merchantID, entity, body, time.Time{})
	return err
}

// errEntity is a merchant.entity that is not the caller's.
var errEntity = errors.New("worldpay: merchant.entity is not the caller's")

// ownsEntity reports whether entity is merchantID's. Without a reader
// (a misconfigured function) no entity is.
func ownsEntity(ctx context.Context, r EntityReader, merchantID, entity string) (bool, error) {
	if r == nil {
		return false, nil
	}
	b, ok, err := r.GetDialectRecord(ctx, EntityKind, merchantID, entity)
	if err != nil || !ok {
		return false, err
	}
	var e Entity
	if err := json.Unmarshal(b, &e); err != nil {
		return false, err
	}
	return e.MerchantID == merchantID && e.Entity == entity, nil
}
