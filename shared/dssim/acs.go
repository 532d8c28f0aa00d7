package dssim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/open3ds/server/shared/emv3ds"
)

// maxSessionData is the longest threeDSSessionData an ACS accepts.
const maxSessionData = 1024

// handleMethod is the ACS's 3DS Method URL: the browser posts
// threeDSMethodData in a hidden iframe; the ACS records that the method ran
// and posts threeDSMethodData (the transaction ID only) back to
// threeDSMethodNotificationURL.
func (s *Simulator) handleMethod(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	raw := r.PostFormValue("threeDSMethodData")
	data, err := emv3ds.ParseThreeDSMethodData(raw)
	if err != nil {
		s.log.add(data.ThreeDSServerTransID, Exchange{Direction: Received, MessageType: "ThreeDSMethod", Peer: "browser", Endpoint: r.URL.Path, Note: "invalid threeDSMethodData: " + err.Error()})
		renderHTML(w, http.StatusBadRequest, "error", "threeDSMethodData is missing or invalid: "+err.Error())
		return
	}
	in, _ := json.Marshal(data)
	s.log.add(data.ThreeDSServerTransID, Exchange{Direction: Received, MessageType: "ThreeDSMethod", Peer: "browser", Endpoint: r.URL.Path, Body: in})
	s.methods.methodRan(data.ThreeDSServerTransID)
	s.cfg.Logger.InfoContext(r.Context(), "dssim 3DS Method ran", "threeDSServerTransID", safeID(data.ThreeDSServerTransID))
	if data.ThreeDSMethodNotificationURL == "" || strings.HasSuffix(r.URL.Path, silentMethodSuffix) {
		renderHTML(w, http.StatusOK, "autopost", autopostPage{Title: "3DS Method"})
		return
	}
	back := emv3ds.ThreeDSMethodData{ThreeDSServerTransID: data.ThreeDSServerTransID}
	out, _ := json.Marshal(back)
	s.log.add(data.ThreeDSServerTransID, Exchange{Direction: Sent, MessageType: "ThreeDSMethod", Peer: "browser", Endpoint: data.ThreeDSMethodNotificationURL, Body: out})
	renderHTML(w, http.StatusOK, "autopost", autopostPage{
		Title: "3DS Method", Action: data.ThreeDSMethodNotificationURL,
		Fields: []formField{{"threeDSMethodData", back.Encode()}},
	})
}

// handleChallenge is acsURL: the browser posts creq (and
// threeDSSessionData); the ACS answers the one-time-code page.
func (s *Simulator) handleChallenge(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	encoded := r.PostFormValue("creq")
	session := r.PostFormValue("threeDSSessionData")
	if encoded == "" {
		s.log.add("", Exchange{Direction: Received, MessageType: string(emv3ds.MessageTypeCReq), Peer: "browser", Endpoint: challengePath, Note: "creq missing"})
		renderHTML(w, http.StatusBadRequest, "error", "The form field creq is missing.")
		return
	}
	creq, err := emv3ds.ParseCReq(encoded)
	var t *txn
	if creq != nil {
		var lerr error
		if t, lerr = s.load(r.Context(), creq.ACSTransID); lerr != nil && !errors.Is(lerr, ErrUnknownTransaction) {
			s.stateFailed(w, r, lerr)
			return
		}
	}
	txID := ""
	if t != nil {
		txID = t.id
	} else if creq != nil {
		txID = creq.ThreeDSServerTransID
	}
	var body []byte
	if raw, derr := emv3ds.DecodeBase64URL(encoded); derr == nil {
		body = raw
	}
	s.log.add(txID, Exchange{Direction: Received, MessageType: string(emv3ds.MessageTypeCReq), Peer: "browser", Endpoint: challengePath, Body: body})
	if t == nil {
		note := "unknown acsTransID"
		if err != nil {
			note = "creq invalid: " + err.Error()
		}
		s.log.add(txID, Exchange{Direction: Sent, Peer: "browser", Endpoint: challengePath, Status: http.StatusBadRequest, Note: note})
		renderHTML(w, http.StatusBadRequest, "error", "This challenge is unknown to the ACS ("+note+").")
		return
	}
	if err == nil {
		err = validate(creq)
	}
	if err == nil {
		err = checkCReq(creq, t, session)
	}
	if err != nil {
		// The ACS reports a bad CReq to the 3DS Server through the browser.
		s.finishWithErro(w, r, t, session, emv3ds.NewErro(err, emv3ds.ErrorComponentACS, creq))
		return
	}
	started := t.state == stateAwaitCReq
	if started {
		t.state = stateChallenging
		t.sessionData = session
		t.windowSize = string(creq.ChallengeWindowSize)
		if err := s.save(r.Context(), t); errors.Is(err, ErrStaleTransaction) {
			started = false // another request started it first
		} else if err != nil {
			s.stateFailed(w, r, err)
			return
		}
	}
	if !started {
		s.log.add(t.id, Exchange{Direction: Sent, Peer: "browser", Endpoint: challengePath, Status: http.StatusConflict, Note: "challenge already started or finished"})
		renderHTML(w, http.StatusConflict, "error", "This challenge has already been started or completed.")
		return
	}
	if t.ss == ScenarioAutoPass || t.ss == ScenarioAutoFail {
		s.renderAutoChallenge(w, r, t)
		return
	}
	s.renderChallenge(w, r, t, "")
}

// renderAutoChallenge answers the 3dsecure.io-style challenge page that
// submits itself by JavaScript: the code 1234 (auto-pass, Y) or a failure
// (auto-fail, N).
func (s *Simulator) renderAutoChallenge(w http.ResponseWriter, r *http.Request, t *txn) {
	fields := []formField{{"acsTransID", t.acsTransID}}
	if t.sessionData != "" {
		fields = append(fields, formField{"threeDSSessionData", t.sessionData})
	}
	if t.ss == ScenarioAutoPass {
		fields = append(fields, formField{"action", "submit"}, formField{"otp", "1234"})
	} else {
		fields = append(fields, formField{"action", "autofail"})
	}
	s.log.add(t.id, Exchange{Direction: Sent, MessageType: "ChallengePage", Peer: "browser", Endpoint: challengePath, Status: http.StatusOK, Note: "auto-submitting challenge " + string(t.ss)})
	renderHTML(w, http.StatusOK, "autopost", autopostPage{Title: t.scheme.dsName + " authentication", Action: s.baseURLFor(r) + submitPath, Fields: fields})
}

// checkCReq applies the ACS's cross-checks of a browser CReq with its ARes.
func checkCReq(c *emv3ds.CReq, t *txn, session string) error {
	var fs []emv3ds.FieldError
	if c.ThreeDSServerTransID != t.id {
		fs = append(fs, emv3ds.FieldError{Field: "threeDSServerTransID", Rule: "does not match the ARes", Code: emv3ds.ErrorCodeTransIDNotRecognised, Err: emv3ds.ErrTransIDMismatch})
	}
	if c.MessageVersion != t.version {
		fs = append(fs, emv3ds.FieldError{Field: "messageVersion", Rule: "differs from the AReq's", Code: emv3ds.ErrorCodeInvalidFormat, Err: emv3ds.ErrFormat})
	}
	if t.channel == emv3ds.DeviceChannelBrowser && c.ChallengeWindowSize == "" {
		fs = append(fs, emv3ds.FieldError{Field: "challengeWindowSize", Rule: "required for browser", Code: emv3ds.ErrorCodeRequiredMissing, Err: emv3ds.ErrMissing})
	}
	if len(session) > maxSessionData {
		fs = append(fs, emv3ds.FieldError{Field: "threeDSSessionData", Rule: "at most 1024 characters", Code: emv3ds.ErrorCodeInvalidFormat, Err: emv3ds.ErrFormat})
	}
	if len(fs) == 0 {
		return nil
	}
	return &emv3ds.ValidationError{Fields: fs}
}

// stateFailed answers a request whose ACS state could not be read or
// written (the sandbox's table unreachable): a page, never a guess.
func (s *Simulator) stateFailed(w http.ResponseWriter, r *http.Request, err error) {
	s.cfg.Logger.ErrorContext(r.Context(), "dssim: ACS state store failed", "error", err)
	renderHTML(w, http.StatusServiceUnavailable, "error", "The ACS cannot reach its state store; try again.")
}

func (s *Simulator) renderChallenge(w http.ResponseWriter, r *http.Request, t *txn, errMsg string) {
	wd, ht := windowSize(t.windowSize)
	p := challengePage{
		Scheme: t.scheme.dsName, Amount: t.amount, Merchant: t.merchant, Last4: t.last4,
		Width: wd, Height: ht, WindowSize: t.windowSize, Error: errMsg,
		Action: s.baseURLFor(r) + submitPath, ACSTransID: t.acsTransID, SessionData: t.sessionData,
		TriesLeft: maxOTPTries - t.wrongTries, Fallback: t.fallbackAllowed(),
	}
	s.log.add(t.id, Exchange{Direction: Sent, MessageType: "ChallengePage", Peer: "browser", Endpoint: challengePath, Status: http.StatusOK, Note: errMsg})
	renderHTML(w, http.StatusOK, "challenge", p)
}

// handleChallengeSubmit takes the one-time code or the cancel button.
func (s *Simulator) handleChallengeSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	t, err := s.load(r.Context(), r.PostFormValue("acsTransID"))
	if errors.Is(err, ErrUnknownTransaction) {
		renderHTML(w, http.StatusBadRequest, "error", "This challenge is unknown to the ACS.")
		return
	}
	if err != nil {
		s.stateFailed(w, r, err)
		return
	}
	action := r.PostFormValue("action")
	otp := r.PostFormValue("otp")
	outcome, again, ok := s.step(t, action, otp)
	if ok {
		if err := s.save(r.Context(), t); errors.Is(err, ErrStaleTransaction) {
			ok = false // a concurrent post of the same form won
		} else if err != nil {
			s.stateFailed(w, r, err)
			return
		}
	}
	if !ok {
		s.log.add(t.id, Exchange{Direction: Received, MessageType: "ChallengeForm", Peer: "browser", Endpoint: submitPath, Note: "challenge not in progress"})
		renderHTML(w, http.StatusConflict, "error", "This challenge is not in progress.")
		return
	}
	s.log.add(t.id, Exchange{Direction: Received, MessageType: "ChallengeForm", Peer: "browser", Endpoint: submitPath, Note: "action " + action})
	if again != "" {
		s.renderChallenge(w, r, t, again)
		return
	}
	s.finishChallenge(w, r, t, outcome)
}

// step applies one form submission to t (the caller saves it). again is
// the error text when the page must be shown again; ok is false when the
// challenge is not in progress.
func (s *Simulator) step(t *txn, action, otp string) (o challengeOutcome, again string, ok bool) {
	if t.state != stateChallenging {
		return 0, "", false
	}
	t.submissions++
	switch {
	case action == "cancel":
		o = outcomeCancelled
	case action == "fallback" && t.fallbackAllowed():
		o = outcomeFallback // 2.3.1 decoupled fallback (v231.go)
	case action == "autofail" && t.ss == ScenarioAutoFail:
		o = outcomeWrongCode
	case otp == "1234":
		o = outcomeAuthenticated
	default:
		t.wrongTries++
		if t.wrongTries < maxOTPTries {
			left := maxOTPTries - t.wrongTries
			return 0, fmt.Sprintf("The code is not correct. %d %s left.", left, plural(left, "try", "tries")), true
		}
		o = outcomeWrongCode
	}
	t.state = stateDone
	return o, "", true
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// finishChallenge sends the RReq through the DS (twice for scenario 15),
// then answers the page that auto-posts the final CRes to notificationURL.
func (s *Simulator) finishChallenge(w http.ResponseWriter, r *http.Request, t *txn, o challengeOutcome) {
	rreq := resultRReq(t, o, false)
	ctx := context.WithoutCancel(r.Context()) // the browser leaving must not cut the DS leg
	_ = s.deliverRReq(ctx, t, rreq)
	if t.ss == ScenarioDuplicateRReq {
		_ = s.deliverRReq(ctx, t, rreq)
	}
	st := emv3ds.TransStatusNotAuthenticated
	if o == outcomeAuthenticated {
		st = emv3ds.TransStatusAuthenticated
	}
	cres := emv3ds.CRes{
		MessageType: emv3ds.MessageTypeCRes, MessageVersion: t.version,
		ThreeDSServerTransID: t.id, ACSTransID: t.acsTransID, ChallengeCompletionInd: "Y", TransStatus: st,
	}
	b, _ := json.Marshal(cres)
	s.log.add(t.id, Exchange{Direction: Sent, MessageType: string(emv3ds.MessageTypeCRes), Peer: "browser", Endpoint: t.notificationURL, Body: b})
	s.autopostResult(w, t, cres.Encode())
}

// finishWithErro ends a challenge whose CReq was wrong: the ACS posts an
// Erro (in the cres field) to notificationURL.
func (s *Simulator) finishWithErro(w http.ResponseWriter, r *http.Request, t *txn, session string, e *emv3ds.Erro) {
	t.state = stateDone
	if len(session) <= maxSessionData {
		t.sessionData = session
	}
	if err := s.save(r.Context(), t); err != nil && !errors.Is(err, ErrStaleTransaction) {
		s.stateFailed(w, r, err)
		return
	}
	b, _ := json.Marshal(e)
	s.log.add(t.id, Exchange{Direction: Sent, MessageType: string(emv3ds.MessageTypeErro), Peer: "browser", Endpoint: t.notificationURL, Body: b})
	s.cfg.Logger.InfoContext(r.Context(), "dssim rejected CReq", "threeDSServerTransID", safeID(t.id), "errorCode", string(e.ErrorCode), "errorDetail", e.ErrorDetail)
	s.autopostResult(w, t, emv3ds.EncodeBase64URL(b))
}

func (s *Simulator) autopostResult(w http.ResponseWriter, t *txn, cres string) {
	fields := []formField{{"cres", cres}}
	if t.sessionData != "" {
		fields = append(fields, formField{"threeDSSessionData", t.sessionData})
	}
	action := t.notificationURL
	renderHTML(w, http.StatusOK, "autopost", autopostPage{Title: "Returning to the merchant", Action: action, Fields: fields})
}

// handleCards lists the test cards as JSON (GET /debug/cards).
func (s *Simulator) handleCards(w http.ResponseWriter, _ *http.Request) {
	type card struct {
		Scheme    string `json:"scheme"`
		Scenario  string `json:"scenario"`
		PAN       string `json:"pan"`
		Behaviour string `json:"behaviour"`
	}
	var out []card
	for _, c := range TestCards() {
		out = append(out, card{string(c.Scheme), string(c.Scenario), c.PAN, c.Behaviour})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"cards": out, "serialNum": s.ranges.serial()})
}
