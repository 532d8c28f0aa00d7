package cardinal

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/open3ds/server/shared/dialect/cardinal/cruise"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// SessionLifetime is how long a browser session token lives: never past
// the 4-hour cap of the request JWT it was traded for.
const SessionLifetime = 30 * time.Minute

// maxSessionTransactions bounds the transactions one session may open.
const maxSessionTransactions = 10

// ErrorNumbers of the browser calls (ours; Cardinal does not publish its
// numbers for these cases). 1000 + an EMV errorCode is a protocol error
// (e.g. 1405: the DS did not answer in time); see README.
const (
	ErrNumJWT           = 1010 // the request JWT of setup('init') is refused (its claim is named)
	ErrNumSession       = 1011 // the session token is missing, unknown, expired or foreign
	ErrNumOrigin        = 1012 // the page's origin is not one of the merchant's allowed origins
	ErrNumField         = 1013 // a field of the call is missing or malformed (it is named)
	ErrNumPending       = 1020 // the authentication is not finished (challenge pending)
	ErrNumTransaction   = 1030 // the TransactionId is not one of this session's
	ErrNumExpired       = 1050 // the transaction expired
	ErrNumProtocolFloor = 1000 // + EMV errorCode
)

// SessionStore keeps the browser sessions (dynamostore.Store).
type SessionStore interface {
	PutCardinalSession(ctx context.Context, s *threeds.CardinalSession, create bool) error
	GetCardinalSession(ctx context.Context, id string) (*threeds.CardinalSession, error)
}

// MerchantReader reads merchant profiles (their allowed origins).
type MerchantReader interface {
	GetMerchant(ctx context.Context, id string) (*threeds.Merchant, error)
}

// Browser is what the browser calls of cardinal.js share: the session
// store, the credentials that sign the response JWTs, and the PAN hasher
// that ties bin.process's card to start's.
type Browser struct {
	Sessions    SessionStore
	Credentials threeds.CardinalStore
	Vault       Sealer
	PANs        threeds.PANHasher
	Now         func() time.Time
	Log         *slog.Logger
}

// browserError is a refused browser call: its HTTP status, ErrorNumber and
// a description naming the field (never a value).
type browserError struct {
	Status int
	Number int
	Desc   string
}

func (e *browserError) Error() string { return e.Desc }

func sessionErr(desc string) *browserError {
	return &browserError{Status: http.StatusUnauthorized, Number: ErrNumSession, Desc: desc}
}

func fieldErr(desc string) *browserError {
	return &browserError{Status: http.StatusBadRequest, Number: ErrNumField, Desc: desc}
}

// newSessionID is Cardinal's sessionId shape: "0_" + a UUID.
func newSessionID() string { return "0_" + newJTI() }

// validSessionID accepts "0_" + a UUID only (checked before any read).
func validSessionID(id string) bool {
	return strings.HasPrefix(id, "0_") && threeds.CheckTransID("sessionId", id[2:]) == nil
}

// Trade opens the browser session of a verified request JWT (its jti
// already claimed by Authenticator.Verify) and returns the session and
// the token the browser carries: "<sessionId>.<secret>", of which only
// the SHA-256 of the secret is stored.
func (b Browser) Trade(ctx context.Context, s *Session, origin string) (*threeds.CardinalSession, string, error) {
	if s.Request.ConfirmURL != "" && threeds.CheckHTTPURL(s.Request.ConfirmURL) != nil {
		return nil, "", &browserError{Status: http.StatusUnauthorized, Number: ErrNumJWT, Desc: "JWT ConfirmUrl: must be an http(s) URL"}
	}
	od := s.Request.Payload.OrderDetails
	if len(od.OrderNumber) > 128 || !printable(od.OrderNumber) {
		return nil, "", &browserError{Status: http.StatusUnauthorized, Number: ErrNumJWT, Desc: "JWT Payload.OrderDetails.OrderNumber: must be up to 128 printable characters"}
	}
	if len(od.Amount) > 12 || len(od.CurrencyCode) > 3 {
		return nil, "", &browserError{Status: http.StatusUnauthorized, Number: ErrNumJWT, Desc: "JWT Payload.OrderDetails: Amount (up to 12 digits) or CurrencyCode (3 digits) is too long"}
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, "", fmt.Errorf("cardinal session: %w", err)
	}
	enc := base64.RawURLEncoding.EncodeToString(secret)
	sum := sha256.Sum256([]byte(enc))
	now := b.Now().UTC()
	exp := now.Add(SessionLifetime)
	if limit := s.Request.IssuedAt.Add(cruise.MaxLifetime + cruise.Skew); limit.Before(exp) {
		exp = limit
	}
	cs := &threeds.CardinalSession{
		ID: newSessionID(), SecretHash: sum[:], MerchantID: s.MerchantID, APIID: s.Request.Issuer, OrgUnitID: s.Request.OrgUnitID,
		JTI: s.Request.JTI, PreviousKey: s.Request.KeyIndex > 0, ReferenceID: s.Request.ReferenceID, ConfirmURL: s.Request.ConfirmURL,
		Origin: origin, Objectify: s.Request.Objectify, OrderNumber: od.OrderNumber, Amount: string(od.Amount),
		CurrencyCode: string(od.CurrencyCode), CreatedAt: now, ExpiresAt: exp,
	}
	if err := b.Sessions.PutCardinalSession(ctx, cs, true); err != nil {
		return nil, "", err
	}
	return cs, cs.ID + "." + enc, nil
}

// Session checks a browser call's session token at now: a known session,
// its secret (constant time), not expired, and the page's origin the one
// of setup when both are known.
func (b Browser) Session(ctx context.Context, token, origin string) (*threeds.CardinalSession, error) {
	i := strings.LastIndexByte(token, '.')
	if token == "" {
		return nil, sessionErr("sessionToken is required (call Cardinal.setup('init', {jwt}) first)")
	}
	if i < 0 || !validSessionID(token[:i]) || len(token)-i-1 != 43 {
		return nil, sessionErr("sessionToken is malformed")
	}
	s, err := b.Sessions.GetCardinalSession(ctx, token[:i])
	if errors.Is(err, threeds.ErrCardinalSessionNotFound) {
		return nil, sessionErr("sessionToken is unknown or expired")
	}
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(token[i+1:]))
	if subtle.ConstantTimeCompare(sum[:], s.SecretHash) != 1 {
		return nil, sessionErr("sessionToken is unknown or expired")
	}
	if !b.Now().Before(s.ExpiresAt) {
		return nil, sessionErr("sessionToken has expired (call Cardinal.setup('init', {jwt}) with a new JWT)")
	}
	if s.Origin != "" && origin != "" && !strings.EqualFold(s.Origin, origin) {
		return nil, &browserError{Status: http.StatusForbidden, Number: ErrNumOrigin, Desc: "Origin is not the origin of this session's page"}
	}
	return s, nil
}

// owns reports whether txID is one of the session's transactions.
func owns(s *threeds.CardinalSession, txID string) bool { return slices.Contains(s.TransIDs, txID) }

// remember records a transaction of the session (and forgets the 3DS
// Method transaction once an AReq used it).
func (b Browser) remember(ctx context.Context, s *threeds.CardinalSession, txID string) error {
	if txID == s.MethodTransID {
		s.MethodTransID, s.MethodPANHash = "", ""
	}
	if !owns(s, txID) {
		s.TransIDs = append(s.TransIDs, txID)
		if len(s.TransIDs) > maxSessionTransactions {
			s.TransIDs = s.TransIDs[len(s.TransIDs)-maxSessionTransactions:]
		}
	}
	return b.Sessions.PutCardinalSession(ctx, s, false)
}

// methodTransaction is the session's 3DS Method transaction when pan is
// the card bin.process was given, else "".
func (b Browser) methodTransaction(s *threeds.CardinalSession, pan emv3ds.PAN) string {
	if s.MethodTransID == "" || b.PANs == nil || !threeds.EqualHash(b.PANs.HashPAN(pan), s.MethodPANHash) {
		return ""
	}
	return s.MethodTransID
}

// sign signs payload as the session's response JWT, with the API Key that
// verified its request JWT.
func (b Browser) sign(ctx context.Context, s *threeds.CardinalSession, payload cruise.ResponsePayload) (string, error) {
	c, err := b.Credentials.GetCardinalCredential(ctx, s.APIID)
	if errors.Is(err, threeds.ErrCardinalCredentialNotFound) || (err == nil && (c.MerchantID != s.MerchantID || c.OrgUnitID != s.OrgUnitID)) {
		return "", sessionErr("sessionToken belongs to a credential that no longer exists")
	}
	if err != nil {
		return "", err
	}
	now := b.Now()
	keys, err := Keys(c, b.Vault, now)
	if err != nil {
		return "", err
	}
	key := keys[0]
	if s.PreviousKey && len(keys) > 1 {
		key = keys[1]
	}
	return cruise.SignResponse(cruise.Response{
		Issuer: s.APIID, JTI: newJTI(), Audience: s.JTI, ConsumerSessionID: s.ID,
		IssuedAt: now, ExpiresAt: now.Add(cruise.ResponseLifetime), Objectify: s.Objectify, Payload: payload,
	}, key)
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
