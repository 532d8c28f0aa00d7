package worldpay

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// JWTTTL is how long our DDC and challenge JWTs are valid (Worldpay's: 10
// minutes on Try and Production).
const JWTTTL = 10 * time.Minute

// JWTKey derives the dialect's HS256 key from the deployment's session key
// (itself derived from the master key), so no new secret is needed.
func JWTKey(sessionKey []byte) []byte {
	m := hmac.New(sha256.New, sessionKey)
	m.Write([]byte("open3ds worldpay jwt v1"))
	return m.Sum(nil)
}

// Signer issues and checks the JWTs of the hosted DDC and challenge pages.
type Signer struct {
	Key []byte
	Now func() time.Time
}

func (s Signer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// ChallengePayload is the challenge JWT's Payload (Cardinal's names, as
// Worldpay's JWT carries them).
type ChallengePayload struct {
	ACSUrl        string `json:"ACSUrl"`
	Payload       string `json:"Payload"` // the base64url CReq
	TransactionID string `json:"TransactionId"`
	SessionData   string `json:"SessionData,omitempty"` // threeDSSessionData posted with the CReq
}

// Claims are our JWTs' claims. TransactionId binds the token to one
// transaction; ReturnUrl and Payload are set for the challenge, MethodURL
// and MethodData for device data collection.
type Claims struct {
	jwt.RegisteredClaims
	Purpose          string            `json:"Purpose"` // "ddc" or "challenge"
	TransactionID    string            `json:"TransactionId"`
	MerchantID       string            `json:"MerchantId"`    // ours: the pages' frame-ancestors
	Bin              string            `json:"Bin,omitempty"` // ddc: the BIN the form must post
	ReturnURL        string            `json:"ReturnUrl,omitempty"`
	ObjectifyPayload bool              `json:"ObjectifyPayload,omitempty"`
	Payload          *ChallengePayload `json:"Payload,omitempty"`
	MethodURL        string            `json:"MethodURL,omitempty"`
	MethodData       string            `json:"MethodData,omitempty"`
}

// Issue signs c for issuer iss, valid JWTTTL from now.
func (s Signer) Issue(iss string, c Claims) (string, error) {
	if len(s.Key) == 0 {
		return "", errors.New("worldpay: no JWT key")
	}
	now := s.now()
	c.RegisteredClaims = jwt.RegisteredClaims{
		ID: uuid.NewString(), Issuer: iss,
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(JWTTTL)),
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.Key)
}

// ErrInvalidJWT is a JWT that is not ours, altered, expired or for another
// purpose.
var ErrInvalidJWT = errors.New("worldpay: invalid JWT")

// Parse checks a JWT of the given purpose and returns its claims.
func (s Signer) Parse(token, purpose string) (*Claims, error) {
	c := &Claims{}
	_, err := jwt.ParseWithClaims(token, c, func(*jwt.Token) (any, error) { return s.Key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(), jwt.WithTimeFunc(s.now))
	if err != nil || c.Purpose != purpose || c.TransactionID == "" || c.MerchantID == "" {
		return nil, ErrInvalidJWT
	}
	return c, nil
}
