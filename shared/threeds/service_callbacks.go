package threeds

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/open3ds/server/shared/emv3ds"
)

// ErrInvalidCallback is a browser callback whose data is not ours or does not
// match its transaction (a forged or replayed post).
var ErrInvalidCallback = errors.New("invalid callback data")

// MethodCompleted records the 3DS Method notification posted by the ACS page.
// It is authenticated by what it carries: the transaction ID must be one
// whose ACS has a method that is still expected.
func (s *flows) MethodCompleted(ctx context.Context, threeDSMethodData string) (string, error) {
	md, err := emv3ds.ParseThreeDSMethodData(threeDSMethodData)
	if err != nil || CheckTransID("threeDSServerTransID", md.ThreeDSServerTransID) != nil {
		return "", fmt.Errorf("3DS method notification: %w", ErrInvalidCallback)
	}
	_, err = UpdateTransaction(ctx, s.d.Transactions, "", md.ThreeDSServerTransID, nil, func(t *Transaction) error {
		return t.RecordMethodCompleted(s.d.Now())
	})
	if err != nil {
		return md.ThreeDSServerTransID, fmt.Errorf("3DS method notification: %w", err)
	}
	return md.ThreeDSServerTransID, nil
}

// ChallengeOutcome is what the challenge callback shows the browser.
type ChallengeOutcome struct {
	ThreeDSServerTransID string
	// TransStatus is the final result's when the RReq has arrived, otherwise
	// empty (ResultReady false: the merchant must ask /postauth). It is never
	// the CRes's: a browser can forge that.
	TransStatus emv3ds.TransStatus
	ResultReady bool
	ReturnURL   string
}

// ChallengeCompleted handles the final CRes the ACS page posts with our
// threeDSSessionData. The CRes is never trusted for the result: it must match
// the transaction, and the result is the RReq's, which the ACS sends first.
// When the RReq has not arrived yet the callback waits for it a little.
func (s *flows) ChallengeCompleted(ctx context.Context, cres, sessionData string) (*ChallengeOutcome, error) {
	msg, erro, err := emv3ds.ParseCRes(cres)
	if err != nil {
		return nil, fmt.Errorf("challenge callback: cres: %w", ErrInvalidCallback)
	}
	var id string
	if sessionData == "" {
		// The ACS posted no threeDSSessionData (it is optional, §8.1): the
		// CRes's own IDs name the transaction (byIDs checks them).
		if id, err = cresTransID(msg, erro); err != nil {
			return nil, err
		}
	} else if id, err = s.d.Sessions.Verify(sessionData); err != nil {
		return nil, fmt.Errorf("challenge callback: threeDSSessionData: %w", ErrInvalidCallback)
	}
	if erro != nil {
		// The ACS posted an Erro instead of a CRes: the result (if any) still
		// comes from the RReq; the IDs must be the transaction's.
		if erro.ThreeDSServerTransID != "" && erro.ThreeDSServerTransID != id {
			return nil, fmt.Errorf("challenge callback: Erro for another transaction: %w", ErrInvalidCallback)
		}
	} else if msg.ThreeDSServerTransID != id {
		return nil, fmt.Errorf("challenge callback: CRes for another transaction: %w", ErrInvalidCallback)
	}
	tx, err := UpdateTransaction(ctx, s.d.Transactions, "", id, nil, func(t *Transaction) error {
		if sessionData == "" {
			if err := checkCResByIDs(msg, erro, t, s.d.Now()); err != nil {
				return err
			}
		}
		if err := CheckCRes(msg, erro, t); err != nil { // a valid CRes (or Erro) of this transaction
			return err
		}
		if err := t.RecordCRes(s.d.Now()); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidCallback, err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("challenge callback: %w", err)
	}
	tx, err = s.waitForResult(ctx, tx)
	if err != nil {
		return nil, err
	}
	out := &ChallengeOutcome{ThreeDSServerTransID: id, ReturnURL: tx.ReturnURL}
	out.TransStatus, out.ResultReady = ConfirmedStatus(tx) // never the CRes's own transStatus
	return out, nil
}

// waitForResult polls the transaction until its challenge result is final or
// ResultWait is over.
func (s *flows) waitForResult(ctx context.Context, tx *Transaction) (*Transaction, error) {
	const step = 100
	for waited := 0; tx.Result == nil && tx.State.IsPending() && waited < int(s.cfg.ResultWait.Milliseconds()); waited += step {
		if err := s.d.Sleep(ctx, step*1e6); err != nil {
			return tx, nil // the browser went away; the page no longer matters
		}
		next, err := ReadTransaction(ctx, s.d.Transactions, "", tx.ID)
		if err != nil {
			return nil, fmt.Errorf("challenge callback: %w", err)
		}
		tx = next
	}
	return tx, nil
}

// waitForARes polls a transaction whose ARes is being recorded, for at most
// ResultWait.
func (s *flows) waitForARes(ctx context.Context, tx *Transaction) (*Transaction, error) {
	const step = 50
	for waited := 0; tx.State == StateAReqSent && waited < int(s.cfg.ResultWait.Milliseconds()); waited += step {
		if err := s.d.Sleep(ctx, step*1e6); err != nil {
			return tx, nil
		}
		next, err := ReadTransaction(ctx, s.d.Transactions, "", tx.ID)
		if err != nil {
			return nil, fmt.Errorf("results: %w", err)
		}
		tx = next
	}
	return tx, nil
}

// ResultsAnswer is the answer to the DS on the results endpoint: an RRes, or
// an Erro when the RReq is rejected. The edge encodes it.
type ResultsAnswer struct {
	RRes *emv3ds.RRes
	// Erro is set instead of RRes when the RReq is rejected; its code says why.
	Erro *emv3ds.Erro
	// Repeat reports an identical RReq answered again with the stored RRes.
	Repeat bool
	// ThreeDSServerTransID and TransStatus are the RReq's, for the log line.
	ThreeDSServerTransID string
	TransStatus          emv3ds.TransStatus
}

// ReceiveRReq validates an RReq against its transaction, stores the result
// and answers the RRes. An unknown transaction is Erro 301; an invalid RReq
// Erro 201/203/…; a repeat gets the same RRes; nothing changes a final result.
// rreq and derr are what emv3ds.DecodeRReq returned for the body.
func (s *flows) ReceiveRReq(ctx context.Context, rreq *emv3ds.RReq, derr error) (*ResultsAnswer, error) {
	if rreq == nil {
		return s.rejectRReq(&emv3ds.RReq{MessageType: emv3ds.MessageTypeRReq}, derr), nil
	}
	if rreq.ThreeDSServerTransID == "" {
		return s.rejectRReq(rreq, fieldError("threeDSServerTransID", "is required", emv3ds.ErrorCodeRequiredMissing, emv3ds.ErrMissing)), nil
	}
	if err := CheckTransID("threeDSServerTransID", rreq.ThreeDSServerTransID); err != nil {
		return s.rejectRReq(rreq, err), nil
	}
	tx, err := ReadTransaction(ctx, s.d.Transactions, "", rreq.ThreeDSServerTransID)
	if errors.Is(err, ErrTransactionNotFound) {
		return s.rejectRReq(rreq, fieldError("threeDSServerTransID", "is not a transaction of this 3DS Server", emv3ds.ErrorCodeTransIDNotRecognised, ErrTransactionNotFound)), nil
	}
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	if tx.State == StateAReqSent {
		// A fast ACS (decoupled) can send the RReq before /auth has stored
		// the ARes it answered: give the ARes a moment to land.
		if tx, err = s.waitForARes(ctx, tx); err != nil {
			return nil, err
		}
	}
	if verr := rreq.Validate(emv3ds.RReqContext{
		MessageVersion:       tx.MessageVersion,
		MessageCategory:      tx.MessageCategory,
		DeviceChannel:        tx.DeviceChannel,
		ThreeDSServerTransID: tx.ID,
		Decoupled:            tx.ARes.TransStatus == emv3ds.TransStatusDecoupled,
	}); verr != nil {
		return s.rejectRReq(rreq, verr), nil
	}
	if rreq.ACSTransID != tx.ARes.ACSTransID || rreq.DSTransID != tx.ARes.DSTransID {
		return s.rejectRReq(rreq, fieldError("acsTransID", "acsTransID and dsTransID must be those of the ARes", emv3ds.ErrorCodeTransIDNotRecognised, emv3ds.ErrNotAllowed)), nil
	}
	rres := emv3ds.NewRRes(rreq)
	rresJSON, err := json.Marshal(rres)
	if err != nil {
		return nil, fmt.Errorf("results: encode RRes: %w", err)
	}
	data := RReqData{
		TransStatus:         rreq.TransStatus,
		TransStatusReason:   rreq.TransStatusReason,
		ECI:                 defaultECI(tx.Card.Scheme, rreq.TransStatus, rreq.ECI),
		AuthenticationValue: rreq.AuthenticationValue,
		ChallengeCancel:     rreq.ChallengeCancel,
		InteractionCounter:  rreq.InteractionCounter,
		ACSTransID:          rreq.ACSTransID,

		AuthenticationMethod:  JoinAuthenticationMethods(rreq.AuthenticationMethod),
		TrustListStatus:       rreq.TrustListStatus,
		TrustListStatusSource: rreq.TrustListStatusSource,
		DSTransID:             rreq.DSTransID,
		Fingerprint:           fingerprint(rreq),
		RRes:                  rresJSON,
	}
	var answer []byte
	repeat := false
	_, err = UpdateTransaction(ctx, s.d.Transactions, "", tx.ID, tx, func(t *Transaction) error {
		repeat = t.State == StateFinal
		out, err := t.RecordRReq(data, s.d.Now(), s.cfg.Retention)
		answer = out
		return err
	})
	switch {
	case errors.Is(err, ErrResultFinal), errors.Is(err, ErrInvalidTransition):
		return s.rejectRReq(rreq, fieldError("transStatus", "the transaction already holds a final result or expects no RReq", emv3ds.ErrorCodeTransactionDataInvalid, ErrResultFinal)), nil
	case err != nil:
		return nil, fmt.Errorf("results: %w", err)
	}
	out := &rres
	if repeat {
		// The RRes answered the first time, as stored.
		if out, err = emv3ds.DecodeRRes(answer); err != nil {
			return nil, fmt.Errorf("results: stored RRes: %w", err)
		}
	}
	return &ResultsAnswer{RRes: out, Repeat: repeat, ThreeDSServerTransID: tx.ID, TransStatus: rreq.TransStatus}, nil
}

func (s *flows) rejectRReq(rreq *emv3ds.RReq, cause error) *ResultsAnswer {
	if cause == nil {
		cause = fieldError("body", "is not an RReq", emv3ds.ErrorCodeMessageInvalid, emv3ds.ErrInvalidMessage)
	}
	erro := emv3ds.NewErro(cause, emv3ds.ErrorComponentServer, rreq)
	erro.ErrorMessageType = emv3ds.MessageTypeRReq
	return &ResultsAnswer{Erro: erro, ThreeDSServerTransID: erro.ThreeDSServerTransID} // only a well-formed ID is echoed or logged
}

// fingerprint identifies an RReq by the fields that make up the result, so a
// DS resend matches while any change is a different RReq.
func fingerprint(r *emv3ds.RReq) string {
	h := sha256.New()
	for _, f := range []string{r.ThreeDSServerTransID, r.ACSTransID, r.DSTransID, string(r.MessageVersion),
		string(r.TransStatus), string(r.TransStatusReason), string(r.ECI), r.AuthenticationValue.Reveal(),
		string(r.ChallengeCancel), r.InteractionCounter, string(r.MessageCategory)} {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
