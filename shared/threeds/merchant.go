package threeds

import (
	"time"

	"github.com/open3ds/server/shared/emv3ds"
)

// Merchant is a 3DS Requestor's profile: the defaults the server fills into
// every AReq, and where its webhooks go.
type Merchant struct {
	ID                 string
	Name               string // merchantName
	AcquirerBIN        string // acquirerBIN
	AcquirerMerchantID string // acquirerMerchantID
	MCC                string // mcc, 4 digits
	Country            string // merchantCountryCode, ISO 3166-1 numeric
	// AcquirerCountry is the 2.3.1 acquirerCountryCode (ISO 3166-1
	// numeric): the country of the acquiring institution. Empty: the
	// acquirer is taken to be in the merchant's Country.
	AcquirerCountry string
	RequestorID     string // threeDSRequestorID
	RequestorName   string // threeDSRequestorName
	RequestorURL    string // threeDSRequestorURL: the merchant's site or support page
	// AllowProfileOverrides lets /auth set the ProfileFields (acquirer and
	// requestor identity, merchantName) to other values than the profile's:
	// for a payment service provider's profile. Off by default: a differing
	// value is refused (CheckProfileOverrides).
	AllowProfileOverrides bool
	AllowedSchemes        []emv3ds.Scheme
	// AllowedOrigins are the merchant's web origins ("https://shop.example.com",
	// "http://localhost:*"): they may frame our browser pages (the CSP
	// frame-ancestors of every HTML answer) and receive their postMessages.
	// Empty: only our own origin may frame them.
	AllowedOrigins []string
	// RestrictReturnURL limits /auth's returnURL to AllowedOrigins.
	RestrictReturnURL bool
	WebhookURL        string
	// WebhookSecret signs webhook deliveries. Stores keep it encrypted at
	// rest and hand it back in clear.
	WebhookSecret string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// AllowsScheme reports whether the merchant may authenticate cards of s
// (an empty list allows every scheme).
func (m *Merchant) AllowsScheme(s emv3ds.Scheme) bool {
	if len(m.AllowedSchemes) == 0 {
		return true
	}
	for _, a := range m.AllowedSchemes {
		if a == s {
			return true
		}
	}
	return false
}

// AcquirerCountryCode is the acquirerCountryCode a 2.3.1 AReq of the
// merchant carries: AcquirerCountry, else Country.
func (m *Merchant) AcquirerCountryCode() string {
	if m.AcquirerCountry != "" {
		return m.AcquirerCountry
	}
	return m.Country
}

// Clone returns a deep copy.
func (m *Merchant) Clone() *Merchant {
	c := *m
	c.AllowedSchemes = append([]emv3ds.Scheme(nil), m.AllowedSchemes...)
	c.AllowedOrigins = append([]string(nil), m.AllowedOrigins...)
	return &c
}

// APIKey is a merchant's API key as stored: only the hash of the key and a
// short display prefix, never the key itself.
type APIKey struct {
	ID         string // stable identifier for listing and revoking
	MerchantID string
	Hash       string // vault.HashAPIKey(key), or of a dialect credential's material
	// Kind is the credential kind: "" for the native API key, else a
	// dialect's (apigw.CredentialRule.Kind, e.g. "worldpay-basic"). A
	// credential opens only the routes of a rule of its own kind.
	Kind       string
	Prefix     string // first characters of the key, for display ("o3ds_AbCd…")
	Name       string // operator's label
	CreatedAt  time.Time
	RevokedAt  time.Time // zero while the key is valid
	LastUsedAt time.Time // zero until first use
}

// Revoked reports whether the key was revoked.
func (k *APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }
