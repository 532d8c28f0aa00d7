package session

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ErrInvalid is returned for any token that is not ours, is expired, is signed
// with another algorithm or is bound to another transaction.
var ErrInvalid = errors.New("invalid threeDSSessionData")

// DefaultTTL is how long a session token is valid: a challenge step may take
// 10 minutes, so 15 leaves room.
const DefaultTTL = 15 * time.Minute

// MaxLength is the protocol's limit on threeDSSessionData.
const MaxLength = 1024

const (
	issuer   = "open3ds"
	audience = "challenge-callback"
)

// Tokens signs and verifies session tokens with one HMAC key.
type Tokens struct {
	key []byte
	ttl time.Duration
	now func() time.Time
}

// New returns a token issuer. key must be at least 32 bytes.
func New(key []byte, ttl time.Duration, now func() time.Time) (*Tokens, error) {
	if len(key) < 32 {
		return nil, errors.New("session: key shorter than 32 bytes")
	}
	if ttl <= 0 {
		return nil, errors.New("session: ttl must be positive")
	}
	if now == nil {
		now = time.Now
	}
	return &Tokens{key: key, ttl: ttl, now: now}, nil
}

// Issue returns the token for one transaction.
func (t *Tokens) Issue(threeDSServerTransID string) (string, error) {
	now := t.now()
	claims := jwt.RegisteredClaims{
		Issuer:    issuer,
		Subject:   threeDSServerTransID,
		Audience:  jwt.ClaimStrings{audience},
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.key)
	if err != nil {
		return "", fmt.Errorf("session: sign: %w", err)
	}
	if len(s) > MaxLength {
		return "", errors.New("session: token exceeds 1024 characters")
	}
	return s, nil
}

// Verify returns the transaction the token is bound to. It accepts HS256 only,
// requires exp, and checks issuer and audience.
func (t *Tokens) Verify(token string) (string, error) {
	if token == "" || len(token) > MaxLength {
		return "", ErrInvalid
	}
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return t.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithTimeFunc(t.now),
	)
	if err != nil || claims.Subject == "" {
		return "", ErrInvalid
	}
	return claims.Subject, nil
}
