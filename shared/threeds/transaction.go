package threeds

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/open3ds/server/shared/emv3ds"
)

// Transaction is one 3DS authentication, keyed by threeDSServerTransID. It is
// what the Store keeps between the merchant's calls, the browser's callbacks
// and the DS's results. It holds no full PAN: Card has the BIN, the last four
// digits and a keyed hash.
type Transaction struct {
	ID         string // threeDSServerTransID (UUID)
	MerchantID string
	// Dialect names the merchant API the transaction was opened through
	// (e.g. "emvjson"); the webhook renders its event in that dialect. Empty
	// (a transaction stored before dialects existed) means DefaultDialect.
	Dialect string
	State   State
	// Version is the optimistic-locking counter. The Store sets it: 1 on
	// Create, +1 on every write of Update.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
	// ExpiresAt is when the record disappears (TTL); set by every transition
	// from the Retention it is given.
	ExpiresAt time.Time

	Card Card

	// Versions: negotiated messageVersion and the ranges from the card range.
	MessageVersion    emv3ds.Version
	DSStartVersion    emv3ds.Version
	DSEndVersion      emv3ds.Version
	ACSStartVersion   emv3ds.Version
	ACSEndVersion     emv3ds.Version
	DSReferenceNumber string // DS's reference number from the card range / PRes, when known

	// 3DS Method.
	ThreeDSMethodURL      string
	MethodNotificationURL string
	CompInd               emv3ds.ThreeDSCompInd
	MethodCompletedAt     time.Time

	// AReq.
	AReqSentAt          time.Time
	DeviceChannel       emv3ds.DeviceChannel
	MessageCategory     emv3ds.MessageCategory
	NotificationURL     string // where the ACS posts the final CRes
	ReturnURL           string // merchant page the browser goes back to after the challenge
	ChallengeWindowSize string
	DecoupledRequested  bool
	ChallengeInd        string
	ThreeRIInd          string
	// 2.3.1: the AReq's threeDSRequestorDecReqInd (Y/N, or F/B: decoupled
	// as the fallback of a challenge) and the threeDSMethodId it sent in
	// place of a 3DS Method run.
	DecReqInd       emv3ds.DecReqInd
	ThreeDSMethodID string

	// ARes (zero until RecordARes).
	ARes AResData

	// Result is set once the result is final (ARes Y/N/A/U/R/I, or RReq) and
	// never changes after that.
	Result *Result

	// RReqFingerprint identifies the RReq that produced the result (a hash
	// the Service computes over its significant fields); RRes is the RRes
	// JSON answered to it, answered again to an identical repeat.
	RReqFingerprint string
	RRes            json.RawMessage

	CResReceivedAt time.Time

	// Error is set when the transaction failed (DS Erro, timeout, invalid ARes).
	Error *ErrorInfo
}

// Card is what is kept of the card: never the full PAN.
type Card struct {
	Scheme  emv3ds.Scheme
	BIN     string // first six digits
	Last4   string
	PANHash string // keyed hash (vault.HashPAN), to correlate without storing the PAN
}

// PANHasher computes the keyed hash of a PAN (vault.Vault implements it).
type PANHasher interface {
	HashPAN(pan emv3ds.PAN) string
}

// NewCard keeps the BIN, the last four digits and the keyed hash of pan.
func NewCard(pan emv3ds.PAN, scheme emv3ds.Scheme, h PANHasher) Card {
	return Card{Scheme: scheme, BIN: pan.BIN(), Last4: pan.Last4(), PANHash: h.HashPAN(pan)}
}

// MaskedPAN is the card as it may be shown: BIN, stars, last four.
func (c Card) MaskedPAN() string {
	if c.BIN == "" && c.Last4 == "" {
		return ""
	}
	return c.BIN + "******" + c.Last4
}

// AResData are the ARes fields the later steps need.
type AResData struct {
	TransStatus          emv3ds.TransStatus
	TransStatusReason    emv3ds.TransStatusReason
	DSTransID            string
	ACSTransID           string
	SDKTransID           string
	ACSReferenceNumber   string
	DSReferenceNumber    string
	ACSOperatorID        string
	ACSURL               string
	ACSChallengeMandated string
	AuthenticationType   string
	AuthenticationMethod string
	ACSSignedContent     string
	ACSRenderingType     json.RawMessage
	CardholderInfo       string
	ACSDecConInd         string
	MessageVersion       emv3ds.Version
	// Trust list (whiteListStatus/Source in 2.2.0) and the 2.3.1 exemption
	// the ACS applied.
	TrustListStatus         string
	TrustListStatusSource   string
	TransChallengeExemption string
	// Result fields of a frictionless ARes (also copied into Result).
	ECI                 emv3ds.ECI
	AuthenticationValue emv3ds.AuthenticationValue
	ReceivedAt          time.Time
}

// Result sources.
const (
	SourceARes = "ARes"
	SourceRReq = "RReq"
)

// Result is the final authentication result.
type Result struct {
	TransStatus         emv3ds.TransStatus
	TransStatusReason   emv3ds.TransStatusReason
	ECI                 emv3ds.ECI
	AuthenticationValue emv3ds.AuthenticationValue
	ChallengeCancel     emv3ds.ChallengeCancel
	InteractionCounter  string
	// AuthenticationMethod is the 2.3.1 authenticationMethod of the message
	// that gave the result, its values joined by commas ("02" or "02,07").
	AuthenticationMethod string
	// TrustListStatus(Source) of the message that gave the result, when it
	// carried them (whiteListStatus in 2.2.0).
	TrustListStatus       string
	TrustListStatusSource string
	Source                string // SourceARes or SourceRReq
	ReceivedAt            time.Time
}

// ErrorInfo is why a transaction failed, as an EMV Erro would say it.
type ErrorInfo struct {
	Code        emv3ds.ErrorCode
	Component   emv3ds.ErrorComponent
	Description string
	Detail      string
	// MessageType is the errorMessageType: the message in error (ARes for
	// an invalid ARes, AReq when the DS rejected or never answered ours).
	MessageType emv3ds.MessageType
	// Timeout marks a DS that did not answer in time (as opposed to one that
	// could not be reached), so a later answer keeps the 504 of the first.
	Timeout bool
}

// NewTransactionInput is what preauth knows when the transaction starts.
type NewTransactionInput struct {
	ID                    string
	MerchantID            string
	Dialect               string // DefaultDialect when empty
	Card                  Card
	MessageVersion        emv3ds.Version
	DSStartVersion        emv3ds.Version
	DSEndVersion          emv3ds.Version
	ACSStartVersion       emv3ds.Version
	ACSEndVersion         emv3ds.Version
	DSReferenceNumber     string
	ThreeDSMethodURL      string // the ACS's, from the card range; empty when it has none
	MethodNotificationURL string
	ThreeDSMethodID       string // 2.3.1: the 3DS Method run the AReq will name instead (preauth checked it)
}

// NewTransaction starts a transaction: method_pending when the ACS has a 3DS
// Method URL, preauthenticated otherwise. It lives Retention.PreAuth unless
// an AReq is sent.
// DefaultDialect is the dialect of a transaction that names none: the native
// merchant API (shared/dialect/emvjson), which every transaction stored
// before dialects existed was opened through.
const DefaultDialect = "emvjson"

func NewTransaction(in NewTransactionInput, now time.Time, r Retention) (*Transaction, error) {
	var missing []string
	if in.ID == "" {
		missing = append(missing, "ID")
	}
	if in.MerchantID == "" {
		missing = append(missing, "MerchantID")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("new transaction: missing %s", strings.Join(missing, ", "))
	}
	now = stamp(now)
	t := &Transaction{
		ID:                    in.ID,
		MerchantID:            in.MerchantID,
		Dialect:               in.Dialect,
		State:                 StatePreAuthenticated,
		CreatedAt:             now,
		UpdatedAt:             now,
		ExpiresAt:             Expiry(now, r.PreAuth),
		Card:                  in.Card,
		MessageVersion:        in.MessageVersion,
		DSStartVersion:        in.DSStartVersion,
		DSEndVersion:          in.DSEndVersion,
		ACSStartVersion:       in.ACSStartVersion,
		ACSEndVersion:         in.ACSEndVersion,
		DSReferenceNumber:     in.DSReferenceNumber,
		ThreeDSMethodURL:      in.ThreeDSMethodURL,
		MethodNotificationURL: in.MethodNotificationURL,
		ThreeDSMethodID:       in.ThreeDSMethodID,
	}
	if t.Dialect == "" {
		t.Dialect = DefaultDialect
	}
	if in.ThreeDSMethodURL != "" {
		t.State = StateMethodPending
	}
	return t, nil
}

func (t *Transaction) invalid(op string) error {
	if t.State == StateFinal {
		return fmt.Errorf("%s in state %s: %w", op, t.State, ErrResultFinal)
	}
	return fmt.Errorf("%s in state %s: %w", op, t.State, ErrInvalidTransition)
}

// RecordMethodCompleted records the ACS's 3DS Method notification. It is
// idempotent: a repeat, or a notification arriving after the AReq was sent
// (the 10-second wait is over), changes nothing and is not an error. A
// transaction whose ACS has no method URL cannot complete one.
func (t *Transaction) RecordMethodCompleted(now time.Time) error {
	switch t.State {
	case StateMethodPending:
		now = stamp(now)
		t.State = StateMethodCompleted
		t.MethodCompletedAt = now
		t.UpdatedAt = now
		return nil
	case StateMethodCompleted:
		return nil
	case StatePreAuthenticated, StateExpired:
		return t.invalid("record 3DS method completion")
	default:
		if t.ThreeDSMethodURL == "" {
			return t.invalid("record 3DS method completion")
		}
		return nil // late notification: the AReq already went with compInd N
	}
}

// DefaultCompInd is the threeDSCompInd the AReq must carry in the current
// state: Y after the method completed, N while it is still pending (the wait
// is over), U when the ACS has no method URL.
func (t *Transaction) DefaultCompInd() emv3ds.ThreeDSCompInd {
	switch t.State {
	case StateMethodCompleted:
		return emv3ds.ThreeDSCompIndCompleted
	case StateMethodPending:
		return emv3ds.ThreeDSCompIndNotCompleted
	default:
		return emv3ds.ThreeDSCompIndUnavailable
	}
}

// AReqSent is what the auth step records when it sends the AReq.
type AReqSent struct {
	MessageVersion      emv3ds.Version
	CompInd             emv3ds.ThreeDSCompInd // empty: DefaultCompInd
	DeviceChannel       emv3ds.DeviceChannel
	MessageCategory     emv3ds.MessageCategory
	NotificationURL     string
	ReturnURL           string
	ChallengeWindowSize string
	DecoupledRequested  bool
	ChallengeInd        string
	ThreeRIInd          string
	DecReqInd           emv3ds.DecReqInd // 2.3.1: F/B allow the decoupled fallback
	ThreeDSMethodID     string           // 2.3.1: an earlier 3DS Method run named instead of one
}

// RecordAReqSent moves a prepared transaction to areq_sent. The transaction
// then lives Retention.Pending, long enough for the DS to answer and a
// challenge to finish.
func (t *Transaction) RecordAReqSent(in AReqSent, now time.Time, r Retention) error {
	if !t.State.beforeAReq() {
		return t.invalid("record AReq sent")
	}
	t.applyAReqSent(in, stamp(now), r)
	t.AReqSentAt = stamp(now)
	return nil
}

// CompleteAReqClaim records what the AReq said on a transaction a store
// already marked StateAReqSent (AReqClaimer.ClaimAReq): the same fields as
// RecordAReqSent, with the claim's AReqSentAt kept.
func (t *Transaction) CompleteAReqClaim(in AReqSent, now time.Time, r Retention) error {
	if t.State != StateAReqSent || t.AReqSentAt.IsZero() {
		return t.invalid("complete AReq claim")
	}
	t.applyAReqSent(in, stamp(now), r)
	return nil
}

func (t *Transaction) applyAReqSent(in AReqSent, now time.Time, r Retention) {
	if in.CompInd == "" {
		in.CompInd = t.DefaultCompInd()
	}
	if in.MessageVersion != "" {
		t.MessageVersion = in.MessageVersion
	}
	t.CompInd = in.CompInd
	t.DeviceChannel = in.DeviceChannel
	t.MessageCategory = in.MessageCategory
	t.NotificationURL = in.NotificationURL
	t.ReturnURL = in.ReturnURL
	t.ChallengeWindowSize = in.ChallengeWindowSize
	t.DecoupledRequested = in.DecoupledRequested
	t.ChallengeInd = in.ChallengeInd
	t.ThreeRIInd = in.ThreeRIInd
	t.DecReqInd, t.ThreeDSMethodID = in.DecReqInd, in.ThreeDSMethodID
	t.State = StateAReqSent
	t.UpdatedAt = now
	t.ExpiresAt = Expiry(now, r.Pending)
}

// RecordARes stores the ARes. C (and S, 2.3.1 SPC) → challenge_pending, D →
// decoupled_pending, Y/N/A/U/R/I → final with the result from the ARes.
func (t *Transaction) RecordARes(in AResData, now time.Time, r Retention) error {
	if t.State != StateAReqSent {
		return t.invalid("record ARes")
	}
	now = stamp(now)
	in.ReceivedAt = now
	if in.MessageVersion == "" {
		in.MessageVersion = t.MessageVersion
	}
	switch in.TransStatus {
	case emv3ds.TransStatusChallenge, emv3ds.TransStatusChallengeSPC:
		t.State = StateChallengePending
		t.ExpiresAt = Expiry(now, r.Pending)
	case emv3ds.TransStatusDecoupled:
		t.State = StateDecoupledPending
		t.ExpiresAt = Expiry(now, r.Decoupled)
	case emv3ds.TransStatusAuthenticated, emv3ds.TransStatusNotAuthenticated,
		emv3ds.TransStatusUnavailable, emv3ds.TransStatusAttempted,
		emv3ds.TransStatusRejected, emv3ds.TransStatusInformational:
		t.State = StateFinal
		t.Result = &Result{
			TransStatus:         in.TransStatus,
			TransStatusReason:   in.TransStatusReason,
			ECI:                 in.ECI,
			AuthenticationValue: in.AuthenticationValue,
			Source:              SourceARes,
			ReceivedAt:          now,

			AuthenticationMethod:  in.AuthenticationMethod,
			TrustListStatus:       in.TrustListStatus,
			TrustListStatusSource: in.TrustListStatusSource,
		}
		t.ExpiresAt = Expiry(now, r.Result)
	default:
		return fmt.Errorf("record ARes: transStatus %q is not an ARes status: %w", in.TransStatus, ErrInvalidTransition)
	}
	t.ARes = in
	t.UpdatedAt = now
	return nil
}

// RReqData is a received RReq, reduced to what the domain keeps, plus the
// RRes the Service answers to it.
type RReqData struct {
	TransStatus         emv3ds.TransStatus
	TransStatusReason   emv3ds.TransStatusReason
	ECI                 emv3ds.ECI
	AuthenticationValue emv3ds.AuthenticationValue
	ChallengeCancel     emv3ds.ChallengeCancel
	InteractionCounter  string
	// 2.3.1 authenticationMethod (comma-joined) and the trust list.
	AuthenticationMethod  string
	TrustListStatus       string
	TrustListStatusSource string
	// ACSTransID and DSTransID, when given, must match the ARes.
	ACSTransID string
	DSTransID  string
	// Fingerprint identifies this RReq (e.g. SHA-256 of its canonical
	// fields); an identical repeat has the same fingerprint.
	Fingerprint string
	// RRes is the RRes JSON to answer; stored and answered again to a repeat.
	RRes json.RawMessage
}

// RecordRReq stores the result of a challenge or decoupled authentication
// and returns the RRes to answer. An identical repeat (same fingerprint)
// changes nothing and returns the stored RRes; a different RReq once the
// result is final returns ErrResultFinal.
func (t *Transaction) RecordRReq(in RReqData, now time.Time, r Retention) (json.RawMessage, error) {
	if t.State == StateFinal {
		if t.RReqFingerprint != "" && in.Fingerprint != "" && in.Fingerprint == t.RReqFingerprint {
			return t.RRes, nil
		}
		return nil, t.invalid("record RReq")
	}
	if !t.State.IsPending() {
		return nil, t.invalid("record RReq")
	}
	if in.Fingerprint == "" {
		return nil, fmt.Errorf("record RReq: missing fingerprint: %w", ErrInvalidTransition)
	}
	if in.ACSTransID != "" && t.ARes.ACSTransID != "" && in.ACSTransID != t.ARes.ACSTransID {
		return nil, fmt.Errorf("record RReq: acsTransID does not match the ARes: %w", ErrInvalidTransition)
	}
	if in.DSTransID != "" && t.ARes.DSTransID != "" && in.DSTransID != t.ARes.DSTransID {
		return nil, fmt.Errorf("record RReq: dsTransID does not match the ARes: %w", ErrInvalidTransition)
	}
	switch in.TransStatus {
	case emv3ds.TransStatusAuthenticated, emv3ds.TransStatusNotAuthenticated,
		emv3ds.TransStatusUnavailable, emv3ds.TransStatusAttempted,
		emv3ds.TransStatusRejected:
	default:
		return nil, fmt.Errorf("record RReq: transStatus %q is not a final RReq status: %w", in.TransStatus, ErrInvalidTransition)
	}
	now = stamp(now)
	t.State = StateFinal
	t.Result = &Result{
		TransStatus:         in.TransStatus,
		TransStatusReason:   in.TransStatusReason,
		ECI:                 in.ECI,
		AuthenticationValue: in.AuthenticationValue,
		ChallengeCancel:     in.ChallengeCancel,
		InteractionCounter:  in.InteractionCounter,
		Source:              SourceRReq,
		ReceivedAt:          now,

		AuthenticationMethod:  in.AuthenticationMethod,
		TrustListStatus:       in.TrustListStatus,
		TrustListStatusSource: in.TrustListStatusSource,
	}
	t.RReqFingerprint = in.Fingerprint
	t.RRes = append(json.RawMessage(nil), in.RRes...)
	t.UpdatedAt = now
	t.ExpiresAt = Expiry(now, r.Result)
	return t.RRes, nil
}

// RecordCRes notes that the browser brought the final CRes back. The CRes is
// never trusted for the result (the RReq is), so this changes no state; it
// is allowed only on a transaction that went through a challenge, and only
// the first arrival is kept.
func (t *Transaction) RecordCRes(now time.Time) error {
	viaChallenge := t.ARes.TransStatus == emv3ds.TransStatusChallenge || t.ARes.TransStatus == emv3ds.TransStatusChallengeSPC
	challenged := viaChallenge && (t.State == StateChallengePending || t.State == StateFinal)
	if !challenged {
		return fmt.Errorf("record CRes in state %s: %w", t.State, ErrInvalidTransition)
	}
	if !t.CResReceivedAt.IsZero() {
		return nil
	}
	now = stamp(now)
	t.CResReceivedAt = now
	t.UpdatedAt = now
	return nil
}

// RecordFailure ends a transaction that has no final result (DS Erro, DS
// timeout, invalid ARes). It is kept Retention.Result so postauth can report
// the failure.
func (t *Transaction) RecordFailure(e ErrorInfo, now time.Time, r Retention) error {
	if t.State.IsFinal() {
		return t.invalid("record failure")
	}
	now = stamp(now)
	t.State = StateFailed
	t.Error = &e
	t.UpdatedAt = now
	t.ExpiresAt = Expiry(now, r.Result)
	return nil
}

// Expire ends a transaction whose result did not come in time (challenge or
// decoupled window over, abandoned preauth). The record keeps its current
// expiry. Expiring an expired transaction is a no-op; a final result is never
// expired (ErrResultFinal).
func (t *Transaction) Expire(now time.Time) error {
	switch {
	case t.State == StateExpired:
		return nil
	case t.State.IsFinal():
		return t.invalid("expire")
	}
	now = stamp(now)
	t.State = StateExpired
	t.UpdatedAt = now
	return nil
}

// Clone returns a deep copy (stores hand out copies so callers cannot alter
// what is stored).
func (t *Transaction) Clone() *Transaction {
	if t == nil {
		return nil
	}
	c := *t
	c.ARes.ACSRenderingType = cloneRaw(t.ARes.ACSRenderingType)
	c.RRes = cloneRaw(t.RRes)
	if t.Result != nil {
		r := *t.Result
		c.Result = &r
	}
	if t.Error != nil {
		e := *t.Error
		c.Error = &e
	}
	return &c
}

func cloneRaw(b json.RawMessage) json.RawMessage {
	if b == nil {
		return nil
	}
	return append(json.RawMessage(nil), b...)
}

// LogValue logs the identifiers and the outcome only: no card data, no
// authentication value.
func (t *Transaction) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("threeDSServerTransID", t.ID),
		slog.String("merchantID", t.MerchantID),
		slog.String("state", string(t.State)),
		slog.Int64("version", t.Version),
	}
	if t.ARes.DSTransID != "" {
		attrs = append(attrs, slog.String("dsTransID", t.ARes.DSTransID))
	}
	if t.ARes.ACSTransID != "" {
		attrs = append(attrs, slog.String("acsTransID", t.ARes.ACSTransID))
	}
	if t.Result != nil {
		attrs = append(attrs, slog.String("transStatus", string(t.Result.TransStatus)))
	}
	if t.Error != nil {
		attrs = append(attrs, slog.String("errorCode", string(t.Error.Code)))
	}
	return slog.GroupValue(attrs...)
}
