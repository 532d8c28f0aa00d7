package dssim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/open3ds/server/shared/emv3ds"
)

// handleAppChallenge plays the ACS side of the app (SDK) challenge, the URL
// inside acsSignedContent. A real SDK encrypts each CReq as JWE with keys
// derived from the ephemeral keys; the simulator takes the CReq as plain
// JSON instead (Content-Type application/json), which is enough for a test
// SDK to drive the flow: a first CReq without data gets the OTP screen,
// challengeDataEntry "1234" finishes with Y, three wrong codes with N,
// challengeCancel "01" with N. The RReq goes to the 3DS Server before the
// final CRes is returned, as in the browser flow.
func (s *Simulator) handleAppChallenge(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var creq *emv3ds.CReq
	if err == nil {
		creq, err = emv3ds.DecodeCReq(body)
	}
	var t *txn
	if creq != nil {
		var lerr error
		if t, lerr = s.load(r.Context(), creq.ACSTransID); lerr != nil && !errors.Is(lerr, ErrUnknownTransaction) {
			s.cfg.Logger.ErrorContext(r.Context(), "dssim: ACS state store failed", "error", lerr)
			http.Error(w, "ACS state store unavailable", http.StatusServiceUnavailable)
			return
		}
	}
	txID := ""
	if t != nil {
		txID = t.id
	}
	s.log.add(txID, Exchange{Direction: Received, MessageType: string(emv3ds.MessageTypeCReq), Peer: "3DS SDK", Endpoint: appPath, Body: body})
	if err == nil && t == nil {
		err = emv3ds.FieldError{Field: "acsTransID", Rule: "unknown to the ACS", Code: emv3ds.ErrorCodeTransIDNotRecognised, Err: emv3ds.ErrTransIDMismatch}
	}
	if err == nil && (t.channel != emv3ds.DeviceChannelApp || creq.ThreeDSServerTransID != t.id || creq.MessageVersion != t.version) {
		err = emv3ds.FieldError{Field: "threeDSServerTransID", Rule: "does not match an app challenge of this ACS", Code: emv3ds.ErrorCodeTransIDNotRecognised, Err: emv3ds.ErrTransIDMismatch}
	}
	if err != nil {
		s.appAnswer(w, txID, emv3ds.NewErro(err, emv3ds.ErrorComponentACS, creq))
		return
	}

	notInProgress := func() {
		s.appAnswer(w, t.id, emv3ds.NewErro(emv3ds.FieldError{Field: "acsTransID", Rule: "challenge not in progress", Code: emv3ds.ErrorCodeTransIDNotRecognised, Err: emv3ds.ErrTransIDMismatch}, emv3ds.ErrorComponentACS, creq))
	}
	saved := func() bool {
		err := s.save(r.Context(), t)
		if err != nil && !errors.Is(err, ErrStaleTransaction) {
			s.cfg.Logger.ErrorContext(r.Context(), "dssim: ACS state store failed", "error", err)
			http.Error(w, "ACS state store unavailable", http.StatusServiceUnavailable)
			return false
		}
		if err != nil {
			notInProgress()
			return false
		}
		return true
	}
	if t.state == stateAwaitCReq {
		t.state = stateChallenging
		if saved() {
			s.appAnswer(w, t.id, s.appScreen(t, ""))
		}
		return
	}
	action := "submit"
	if creq.ChallengeCancel != "" {
		action = "cancel"
	}
	o, again, ok := s.step(t, action, creq.ChallengeDataEntry)
	if ok && !saved() {
		return
	}
	if !ok {
		notInProgress()
		return
	}
	if again != "" {
		s.appAnswer(w, t.id, s.appScreen(t, again))
		return
	}
	rreq := resultRReq(t, o, false)
	_ = s.deliverRReq(r.Context(), t, rreq)
	if t.ss == ScenarioDuplicateRReq {
		_ = s.deliverRReq(r.Context(), t, rreq)
	}
	st := emv3ds.TransStatusNotAuthenticated
	if o == outcomeAuthenticated {
		st = emv3ds.TransStatusAuthenticated
	}
	s.appAnswer(w, t.id, &emv3ds.CRes{
		MessageType: emv3ds.MessageTypeCRes, MessageVersion: t.version, ThreeDSServerTransID: t.id, ACSTransID: t.acsTransID,
		SDKTransID: t.sdkTransID, ACSCounterAtoS: "001", ChallengeCompletionInd: "Y", TransStatus: st,
	})
}

// appScreen is the CRes that shows (or re-shows) the OTP screen.
func (s *Simulator) appScreen(t *txn, errMsg string) *emv3ds.CRes {
	text := "Enter the code we sent to your phone. (Simulator: 1234.)"
	if errMsg != "" {
		text = errMsg
	}
	return &emv3ds.CRes{
		MessageType: emv3ds.MessageTypeCRes, MessageVersion: t.version, ThreeDSServerTransID: t.id, ACSTransID: t.acsTransID,
		SDKTransID: t.sdkTransID, ACSCounterAtoS: "000", ACSUIType: "01", ChallengeCompletionInd: "N",
		ChallengeInfoHeader: t.scheme.dsName, ChallengeInfoLabel: "One-time code", ChallengeInfoText: text,
		SubmitAuthenticationLabel: "Submit",
	}
}

func (s *Simulator) appAnswer(w http.ResponseWriter, txID string, msg interface{ Type() emv3ds.MessageType }) {
	b, err := json.Marshal(msg)
	if err != nil {
		http.Error(w, "encode failed", http.StatusInternalServerError)
		return
	}
	s.log.add(txID, Exchange{Direction: Sent, MessageType: string(msg.Type()), Peer: "3DS SDK", Endpoint: appPath, Status: http.StatusOK, Body: b})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(b)
}
