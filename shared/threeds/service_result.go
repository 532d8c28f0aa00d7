package threeds

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/open3ds/server/shared/emv3ds"
)

// Result states the merchant sees.
const (
	ResultFinal   = "final"   // a final authentication result is held
	ResultPending = "pending" // waiting for the 3DS Method, the AReq, the challenge or decoupled result
	ResultFailed  = "failed"  // the protocol failed (DS Erro, timeout, invalid ARes): see Error
	ResultExpired = "expired" // no result came in time
)

// ResultOutput is the transaction's outcome for the merchant (postauth and
// the webhook): everything authorisation needs.
type ResultOutput struct {
	ThreeDSServerTransID string
	Status               string // ResultFinal, ResultPending, ResultFailed, ResultExpired
	State                State
	Scheme               emv3ds.Scheme
	MessageVersion       emv3ds.Version
	TransStatus          emv3ds.TransStatus
	TransStatusReason    emv3ds.TransStatusReason
	AuthenticationValue  emv3ds.AuthenticationValue
	ECI                  emv3ds.ECI
	DSTransID            string
	ACSTransID           string
	SDKTransID           string
	ChallengeCancel      emv3ds.ChallengeCancel
	InteractionCounter   string
	AuthenticationType   string
	// AuthenticationMethod is the 2.3.1 authenticationMethod of the result
	// (the RReq's after a challenge, else the ARes's), comma-joined
	// (SplitAuthenticationMethods).
	AuthenticationMethod string
	// TrustListStatus(Source) (whiteListStatus in 2.2.0) and the 2.3.1
	// transChallengeExemption, as the ACS reported them.
	TrustListStatus         string
	TrustListStatusSource   string
	TransChallengeExemption string
	// DecoupledFallback: the 2.3.1 result asks for a new, decoupled
	// authentication (transStatusReason 29 or 30; DecoupledFallback).
	DecoupledFallback  bool
	CardholderInfo     string
	Source             string // SourceARes or SourceRReq
	ResultAt           time.Time
	Error              *ErrorInfo
	CardBIN, CardLast4 string
}

// Result returns a merchant's transaction outcome. Another merchant's
// transaction is ErrTransactionNotFound.
func (s *flows) Result(ctx context.Context, merchantID, threeDSServerTransID string) (*ResultOutput, error) {
	if threeDSServerTransID == "" {
		return nil, fieldError("threeDSServerTransID", "is required", emv3ds.ErrorCodeRequiredMissing, emv3ds.ErrMissing)
	}
	if err := CheckTransID("threeDSServerTransID", threeDSServerTransID); err != nil {
		return nil, err
	}
	tx, err := ReadTransaction(ctx, s.d.Transactions, merchantID, threeDSServerTransID)
	if err != nil {
		return nil, fmt.Errorf("postauth: %w", err)
	}
	return ResultOf(tx, s.d.Now()), nil
}

// Bounds after which a transaction still waiting is reported as ended. The
// record itself lives on until its TTL; these only stop postauth from
// answering "pending" for something that can no longer finish.
const (
	// aresLostAfter: an AReq whose ARes was never recorded (the store failed
	// while the DS answered). The AReq is never resent, so nothing will come.
	aresLostAfter = 2 * time.Minute
	// challengeLostAfter: a challenge the ACS never reported on. The ACS must
	// send an RReq with challengeCancel when its own timers (30 s to the first
	// CReq, 10 min per step) expire; this is the last resort when it did not.
	challengeLostAfter = 30 * time.Minute
)

// ResultOf describes a transaction's outcome at now.
func ResultOf(tx *Transaction, now time.Time) *ResultOutput {
	out := &ResultOutput{
		ThreeDSServerTransID: tx.ID,
		State:                tx.State,
		Scheme:               tx.Card.Scheme,
		MessageVersion:       tx.MessageVersion,
		DSTransID:            tx.ARes.DSTransID,
		ACSTransID:           tx.ARes.ACSTransID,
		SDKTransID:           tx.ARes.SDKTransID,
		AuthenticationType:   tx.ARes.AuthenticationType,
		AuthenticationMethod: tx.ARes.AuthenticationMethod,
		CardholderInfo:       tx.ARes.CardholderInfo,

		TrustListStatus:         tx.ARes.TrustListStatus,
		TrustListStatusSource:   tx.ARes.TrustListStatusSource,
		TransChallengeExemption: tx.ARes.TransChallengeExemption,
		CardBIN:                 tx.Card.BIN,
		CardLast4:               tx.Card.Last4,
	}
	switch tx.State {
	case StateFinal:
		out.Status = ResultFinal
	case StateFailed:
		out.Status = ResultFailed
		out.Error = tx.Error
	case StateExpired:
		out.Status = ResultExpired
	case StateAReqSent:
		out.Status = ResultPending
		if now.Sub(tx.AReqSentAt) > aresLostAfter {
			out.Status = ResultFailed
			out.Error = &ErrorInfo{Code: emv3ds.ErrorCodeTransactionTimedOut, Component: emv3ds.ErrorComponentServer,
				Description: "Transaction timed out", Detail: "no ARes was recorded for the AReq",
				MessageType: emv3ds.MessageTypeAReq, Timeout: true}
		}
	case StateChallengePending:
		out.Status = ResultPending
		out.TransStatus = tx.ARes.TransStatus // C: the challenge is under way
		if now.Sub(tx.ARes.ReceivedAt) > challengeLostAfter {
			out.Status, out.TransStatus = ResultExpired, ""
		}
	case StateDecoupledPending:
		out.Status = ResultPending
		out.TransStatus = tx.ARes.TransStatus // D: decoupled authentication under way
	default:
		out.Status = ResultPending
	}
	if r := tx.Result; r != nil {
		out.TransStatus = r.TransStatus
		out.TransStatusReason = r.TransStatusReason
		out.AuthenticationValue = r.AuthenticationValue
		out.ECI = r.ECI
		out.ChallengeCancel = r.ChallengeCancel
		out.InteractionCounter = r.InteractionCounter
		out.Source = r.Source
		out.ResultAt = r.ReceivedAt
		if r.AuthenticationMethod != "" {
			out.AuthenticationMethod = r.AuthenticationMethod
		}
		if r.TrustListStatus != "" {
			out.TrustListStatus, out.TrustListStatusSource = r.TrustListStatus, r.TrustListStatusSource
		}
		out.DecoupledFallback = DecoupledFallback(tx.MessageVersion, r.TransStatusReason)
	}
	return out
}

// ErrInvalidAPIKey is any key that is unknown, malformed or revoked. The
// caller answers 401 and learns nothing more.
var ErrInvalidAPIKey = errors.New("invalid API key")

// APIKeyHasher hashes presented API keys (vault.HashAPIKey).
type APIKeyHasher func(key string) string

// AuthorizeAPIKey resolves an API key to its merchant: hash lookup, then a
// constant-time comparison of the stored and computed hashes. Revoked and
// unknown keys are the same ErrInvalidAPIKey. It only reads: one GetItem.
func (s *flows) AuthorizeAPIKey(ctx context.Context, key string, hash APIKeyHasher) (string, error) {
	return s.AuthorizeCredential(ctx, "", key, hash)
}

// AuthorizeCredential resolves a credential of the given kind ("" for the
// native API key; a dialect's kind otherwise) to its merchant, as
// AuthorizeAPIKey does: one read by hash, a constant-time comparison, and a
// stored credential of another kind is the same ErrInvalidAPIKey.
func (s *flows) AuthorizeCredential(ctx context.Context, kind, material string, hash APIKeyHasher) (string, error) {
	key := material
	if key == "" || len(key) > 512 {
		return "", ErrInvalidAPIKey
	}
	h := hash(key)
	k, err := s.d.APIKeys.LookupAPIKey(ctx, h)
	switch {
	case errors.Is(err, ErrAPIKeyNotFound), errors.Is(err, ErrAPIKeyRevoked):
		return "", ErrInvalidAPIKey
	case err != nil:
		return "", fmt.Errorf("authorize: %w", err)
	}
	if !EqualHash(k.Hash, h) || k.Revoked() || k.Kind != kind {
		return "", ErrInvalidAPIKey
	}
	// No write here: the credential check runs on every merchant request, and it
	// role may only read (template.yaml). Key use shows in the flow logs.
	return k.MerchantID, nil
}
