package dssim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/open3ds/server/shared/emv3ds"
)

// maxBody bounds what the simulator reads from any request (an AReq with
// sdkEncData is at most ~70 kB).
const maxBody = 256 << 10

// Paths of the ACS routes, relative to the base URL.
const (
	dsPath        = "/ds"
	methodPath    = "/acs/method"
	challengePath = "/acs/challenge"
	submitPath    = "/acs/challenge/submit"
	appPath       = "/acs/app/challenge"
)

// envelope is just enough of any EMV message to route it.
type envelope struct {
	MessageType          emv3ds.MessageType `json:"messageType"`
	ThreeDSServerTransID string             `json:"threeDSServerTransID"`
}

// handleDS is the Directory Server endpoint: AReq, PReq, and Erro messages a
// 3DS Server sends about an ARes or PRes it rejected.
func (s *Simulator) handleDS(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		s.answerErro(w, r, "", body, emv3ds.NewErro(
			emv3ds.FieldError{Field: "message", Rule: "body unreadable or too large", Code: emv3ds.ErrorCodeMessageInvalid, Err: emv3ds.ErrInvalidMessage},
			emv3ds.ErrorComponentDS, nil), Fault{})
		return
	}
	var env envelope
	_ = json.Unmarshal(body, &env)
	switch env.MessageType {
	case emv3ds.MessageTypeAReq:
		s.handleAReq(w, r, body)
	case emv3ds.MessageTypePReq:
		s.handlePReq(w, r, body)
	case emv3ds.MessageTypeErro:
		s.log.add(env.ThreeDSServerTransID, Exchange{Direction: Received, MessageType: string(emv3ds.MessageTypeErro), Peer: "3DS Server", Endpoint: dsPath, Body: body})
		s.cfg.Logger.InfoContext(r.Context(), "dssim received Erro", "threeDSServerTransID", safeID(env.ThreeDSServerTransID))
		w.WriteHeader(http.StatusOK)
	default:
		s.log.add(env.ThreeDSServerTransID, Exchange{Direction: Received, MessageType: string(env.MessageType), Peer: "3DS Server", Endpoint: dsPath, Body: body})
		s.answerErro(w, r, env.ThreeDSServerTransID, nil, emv3ds.NewErro(
			emv3ds.FieldError{Field: "messageType", Rule: "the DS accepts AReq, PReq and Erro", Code: emv3ds.ErrorCodeMessageInvalid, Err: emv3ds.ErrInvalidMessage},
			emv3ds.ErrorComponentDS, nil), Fault{})
	}
}

// handleAReq validates the AReq with the message core, then lets the card's
// scenario decide the answer.
func (s *Simulator) handleAReq(w http.ResponseWriter, r *http.Request, body []byte) {
	areq, err := emv3ds.DecodeAReq(body)
	txID := ""
	if areq != nil {
		txID = areq.ThreeDSServerTransID
	}
	s.log.add(txID, Exchange{Direction: Received, MessageType: string(emv3ds.MessageTypeAReq), Peer: "3DS Server", Endpoint: dsPath, Body: body})
	if err == nil {
		err = areq.ValidateWith(emv3ds.ValidateOptions{SkipLuhn: IsThreeDSecureIOTestPAN})
	}
	if err != nil {
		s.answerErro(w, r, txID, nil, emv3ds.NewErro(err, emv3ds.ErrorComponentDS, areq), Fault{})
		return
	}
	pan := areq.AcctNumber.Reveal()
	sc, ss, inRange := lookupPAN(pan)
	if vsc, vss, ok := s.vendorScenario(pan, areq.CardholderName); ok { // worldpay.go
		sc, ss, inRange = vsc, vss, true
	}
	rng, found := s.ranges.find(pan)
	if !inRange || !found {
		s.answerErro(w, r, txID, nil, emv3ds.NewErro(emv3ds.FieldError{
			Field: "acctNumber", Rule: "card not in a card range of this DS", Code: emv3ds.ErrorCodeTransactionDataInvalid, Err: emv3ds.ErrNotAllowed,
		}, emv3ds.ErrorComponentDS, areq), Fault{})
		return
	}
	fault, ferr := s.faultFor(r, ss)
	if ferr != nil {
		http.Error(w, ferr.Error(), http.StatusBadRequest)
		return
	}
	if rng.v231 {
		if err := checkAReq231(areq); err != nil {
			s.answerErro(w, r, txID, nil, emv3ds.NewErro(err, emv3ds.ErrorComponentDS, areq), fault)
			return
		}
	}
	if areq.MessageVersion.Compare(rng.acsStart) < 0 || areq.MessageVersion.Compare(rng.acsEnd) > 0 {
		s.answerErro(w, r, txID, nil, emv3ds.NewErro(emv3ds.FieldError{
			Field: "messageVersion", Rule: "not supported by the card range's ACS (" + string(rng.acsStart) + "–" + string(rng.acsEnd) + ")",
			Code: emv3ds.ErrorCodeVersionNotSupported, Err: emv3ds.ErrUnsupportedVersion,
		}, emv3ds.ErrorComponentDS, areq), fault)
		return
	}

	t := &txn{
		id: txID, acsTransID: newUUID(), dsTransID: newUUID(), sdkTransID: areq.SDKTransID,
		scheme: sc, ss: ss, version: areq.MessageVersion, category: areq.MessageCategory, channel: areq.DeviceChannel,
		serverURL: areq.ThreeDSServerURL, notificationURL: areq.NotificationURL,
		amount: displayAmount(areq.PurchaseAmount, areq.PurchaseExponent, areq.PurchaseCurrency), merchant: areq.MerchantName,
		last4: areq.AcctNumber.Last4(), created: time.Now(),
	}
	if areq.MessageVersion.AtLeast(emv3ds.Version231) {
		t.decReqInd, t.trustPrompt = areq.ThreeDSRequestorDecReqInd, hasChallengeInd(areq, emv3ds.ChallengeInd("09"))
	}
	// A 3DS Server must never resend an AReq under the same ID.
	if err := s.state.Create(r.Context(), t.record()); errors.Is(err, ErrDuplicateTransaction) {
		s.answerErro(w, r, txID, nil, emv3ds.NewErro(emv3ds.FieldError{
			Field: "threeDSServerTransID", Rule: "already used by an earlier AReq", Code: emv3ds.ErrorCodeTransactionDataInvalid, Err: emv3ds.ErrNotAllowed,
		}, emv3ds.ErrorComponentDS, areq), fault)
		return
	} else if err != nil {
		s.cfg.Logger.ErrorContext(r.Context(), "dssim: ACS state store failed", "error", err)
		http.Error(w, "ACS state store unavailable", http.StatusServiceUnavailable)
		return
	}

	base := s.baseURLFor(r)
	switch ss {
	case ScenarioDSTimeout:
		// Hold longer than any 3DS Server's DS timeout; end at once on Close.
		s.sleep(r.Context(), s.cfg.HoldTimeout)
		s.answerErro(w, r, txID, nil, &emv3ds.Erro{
			MessageType: emv3ds.MessageTypeErro, MessageVersion: areq.MessageVersion, ThreeDSServerTransID: txID, DSTransID: t.dsTransID,
			ErrorCode: emv3ds.ErrorCodeTransactionTimedOut, ErrorComponent: emv3ds.ErrorComponentDS,
			ErrorDescription: emv3ds.ErrorCodeTransactionTimedOut.Description(), ErrorDetail: "ACS did not answer in time",
			ErrorMessageType: emv3ds.MessageTypeAReq,
		}, Fault{})
		return
	case ScenarioDSErro:
		e := emv3ds.NewErro(emv3ds.FieldError{
			Field: "acctNumber", Rule: "issuer refuses authentication for this card", Code: emv3ds.ErrorCodeTransactionDataInvalid, Err: emv3ds.ErrNotAllowed,
		}, emv3ds.ErrorComponentDS, areq)
		e.DSTransID = t.dsTransID
		s.answerErro(w, r, txID, nil, e, fault)
		return
	case ScenarioSlowACS:
		if !s.sleep(r.Context(), s.cfg.SlowACSDelay) {
			return
		}
	}

	ares, after := s.decide(areq, t, base, rng)
	if t.state == stateAwaitCReq {
		// The CReq may come to another execution environment: store it.
		if err := s.save(r.Context(), t); err != nil {
			s.cfg.Logger.ErrorContext(r.Context(), "dssim: ACS state store failed", "error", err)
			http.Error(w, "ACS state store unavailable", http.StatusServiceUnavailable)
			return
		}
	}
	if !s.sleep(r.Context(), fault.Delay) {
		return
	}
	if after != nil && s.cfg.InlineTimers {
		after()
		after = nil
	}
	s.writeMessage(w, r, txID, "3DS Server", dsPath, ares, fault)
	if after != nil {
		s.goBackground(after)
	}
}

// decide builds the ARes of t's scenario; after, when not nil, is the work
// to run once the ARes is out (the decoupled RReq).
func (s *Simulator) decide(areq *emv3ds.AReq, t *txn, base string, rng rangeDef) (ares *emv3ds.ARes, after func()) {
	ares = &emv3ds.ARes{
		MessageType: emv3ds.MessageTypeARes, MessageVersion: t.version,
		ThreeDSServerTransID: t.id, ACSTransID: t.acsTransID, DSTransID: t.dsTransID, SDKTransID: t.sdkTransID,
		ACSReferenceNumber: t.scheme.acsRefNumber, ACSOperatorID: t.scheme.acsOperatorID, DSReferenceNumber: t.scheme.dsRefNumber,
	}
	ci := areq.ChallengeInd()
	v22 := t.version.AtLeast(emv3ds.Version220)
	wantsI := v22 && (ci == emv3ds.ChallengeIndNoChallengeTRA || ci == emv3ds.ChallengeIndNoChallengeDataShare || ci == emv3ds.ChallengeIndNoChallengeSCADone)
	// 2.3.1 allows two challenge indicators: any of them counts.
	for _, c := range areq.ThreeDSRequestorChallengeInd {
		if v22 && (c == emv3ds.ChallengeIndNoChallengeTRA || c == emv3ds.ChallengeIndNoChallengeDataShare || c == emv3ds.ChallengeIndNoChallengeSCADone) {
			wantsI = true
		}
	}

	challenge := func() {
		switch {
		case t.channel == emv3ds.DeviceChannel3RI:
			// 3RI can never be challenged: the ACS decides frictionlessly.
			s.frictionless(ares, t, emv3ds.TransStatusAuthenticated, "")
		case v22 && hasChallengeInd(areq, emv3ds.ChallengeIndNoChallengeDataShare):
			// Data share only forbids a challenge: acknowledge as informational.
			s.frictionless(ares, t, emv3ds.TransStatusInformational, "")
		default:
			s.challengeARes(ares, t, base, ci == emv3ds.ChallengeIndMandated || t.ss == ScenarioChallenge)
		}
	}

	switch t.ss {
	case ScenarioFrictionlessY, ScenarioSlowACS:
		s.frictionless(ares, t, emv3ds.TransStatusAuthenticated, "")
	case ScenarioFrictionlessN:
		s.frictionless(ares, t, emv3ds.TransStatusNotAuthenticated, emv3ds.TransStatusReasonCardAuthFailed)
	case ScenarioAttempts:
		s.frictionless(ares, t, emv3ds.TransStatusAttempted, "")
	case ScenarioUnavailable:
		s.frictionless(ares, t, emv3ds.TransStatusUnavailable, emv3ds.TransStatusReasonACSTechnical)
	case ScenarioRejected:
		s.frictionless(ares, t, emv3ds.TransStatusRejected, emv3ds.TransStatusReasonSuspectedFraud)
	case ScenarioChallenge, ScenarioMethodChallenge, ScenarioDuplicateRReq, ScenarioAutoPass, ScenarioAutoFail:
		challenge()
	case ScenarioMethodFrictionles:
		if s.methodDone(areq, rng) {
			s.frictionless(ares, t, emv3ds.TransStatusAuthenticated, "")
		} else {
			challenge()
		}
	case ScenarioInformational:
		if wantsI {
			s.frictionless(ares, t, emv3ds.TransStatusInformational, "")
		} else {
			s.frictionless(ares, t, emv3ds.TransStatusAuthenticated, "")
		}
	case ScenarioDecoupled:
		dec := areq.ThreeDSRequestorDecReqInd
		// 2.3.1 F: decoupled only as the fallback of a challenge, so where
		// no challenge is possible (3RI) it is used at once (v231.go).
		fallbackNow := rng.v231 && dec == emv3ds.DecReqIndFallback && t.channel == emv3ds.DeviceChannel3RI
		if v22 && (dec == emv3ds.DecReqIndYes || dec == emv3ds.DecReqIndBoth) || fallbackNow {
			s.decoupledARes(ares, t)
			after = func() { s.decoupledResult(t) }
		} else {
			challenge()
		}
	case ScenarioInvalidARes:
		s.frictionless(ares, t, emv3ds.TransStatusAuthenticated, "")
		ares.AuthenticationValue = "" // the defect this scenario exists for
	case ScenarioVersion210:
		s.frictionless(ares, t, emv3ds.TransStatusAuthenticated, "")
	default:
		s.frictionless(ares, t, emv3ds.TransStatusAuthenticated, "")
	}
	if rng.v231 && t.version.AtLeast(emv3ds.Version231) {
		trustList231(areq, ares)
	}
	return ares, after
}

func hasChallengeInd(areq *emv3ds.AReq, want emv3ds.ChallengeInd) bool {
	for _, c := range areq.ThreeDSRequestorChallengeInd {
		if c == want {
			return true
		}
	}
	return false
}

// frictionless fills a final ARes: Y and A (and I) carry a CAVV and the
// scheme's ECI; N, U and R carry the reason and no ECI, so the 3DS Server
// computes the "not authenticated" one itself.
func (s *Simulator) frictionless(ares *emv3ds.ARes, t *txn, st emv3ds.TransStatus, reason emv3ds.TransStatusReason) {
	t.state = stateDone
	ares.TransStatus = st
	ares.TransStatusReason = reason
	switch st {
	case emv3ds.TransStatusAuthenticated:
		ares.AuthenticationValue, ares.ECI = newCAVV(), t.scheme.eciY
	case emv3ds.TransStatusAttempted:
		ares.AuthenticationValue, ares.ECI = newCAVV(), t.scheme.eciA
	case emv3ds.TransStatusInformational:
		ares.AuthenticationValue, ares.ECI = newCAVV(), t.scheme.eciI
	}
}

// challengeARes fills an ARes C: acsURL for the browser, a signed
// acsSignedContent and rendering type for the app.
func (s *Simulator) challengeARes(ares *emv3ds.ARes, t *txn, base string, mandated bool) {
	t.state = stateAwaitCReq
	ares.TransStatus = emv3ds.TransStatusChallenge
	ares.ACSChallengeMandated = yn(mandated)
	setAuthMethod(ares, nil, t.version, emv3ds.AuthenticationTypeDynamic, emv3ds.AuthenticationMethodSMSOTP)
	if t.channel == emv3ds.DeviceChannelApp {
		jwk, err := ephemeralJWK()
		if err == nil {
			ares.ACSSignedContent, err = s.signer.sign(map[string]any{
				"acsTransID": t.acsTransID, "acsRefNumber": t.scheme.acsRefNumber,
				"acsURL": base + appPath, "acsEphemPubKey": jwk,
			})
		}
		if err != nil {
			s.cfg.Logger.Error("dssim: sign acsSignedContent", "error", err)
		}
		ares.ACSRenderingType = &emv3ds.ACSRenderingType{ACSInterface: "01", ACSUITemplate: "01"}
		return
	}
	ares.ACSURL = base + challengePath
}

// decoupledARes fills an ARes D.
func (s *Simulator) decoupledARes(ares *emv3ds.ARes, t *txn) {
	t.state = stateDone
	ares.TransStatus = emv3ds.TransStatusDecoupled
	ares.ACSChallengeMandated = "N"
	ares.ACSDecConInd = "Y"
	ares.CardholderInfo = &emv3ds.CardholderInfo{Text: "Approve this purchase in your " + t.scheme.dsName + " banking app."}
	setAuthMethod(ares, nil, t.version, emv3ds.AuthenticationTypeDecoupled, emv3ds.AuthenticationMethodDecoupled)
}

// setAuthMethod sets authenticationType (2.1.0/2.2.0) or authenticationMethod
// (2.3.1) on an ARes or RReq.
func setAuthMethod(ares *emv3ds.ARes, rreq *emv3ds.RReq, v emv3ds.Version, typ emv3ds.AuthenticationType, method emv3ds.AuthenticationMethod) {
	if v.AtLeast(emv3ds.Version231) {
		if ares != nil {
			ares.AuthenticationMethod = []emv3ds.AuthenticationMethod{method}
		}
		if rreq != nil {
			rreq.AuthenticationMethod = []emv3ds.AuthenticationMethod{method}
		}
		return
	}
	if ares != nil {
		ares.AuthenticationType = typ
	}
	if rreq != nil {
		rreq.AuthenticationType = typ
	}
}

func yn(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}

// handlePReq answers card ranges, incrementally when serialNum is given.
func (s *Simulator) handlePReq(w http.ResponseWriter, r *http.Request, body []byte) {
	preq, err := emv3ds.DecodePReq(body)
	txID := ""
	if preq != nil {
		txID = preq.ThreeDSServerTransID
	}
	s.log.add(txID, Exchange{Direction: Received, MessageType: string(emv3ds.MessageTypePReq), Peer: "3DS Server", Endpoint: dsPath, Body: body})
	if err == nil {
		err = validate(preq)
	}
	if err != nil {
		s.answerErro(w, r, txID, nil, emv3ds.NewErro(err, emv3ds.ErrorComponentDS, preq), Fault{})
		return
	}
	fault, ferr := s.faultFor(r, "")
	if ferr != nil {
		http.Error(w, ferr.Error(), http.StatusBadRequest)
		return
	}
	defs, ok := s.ranges.since(preq.SerialNum)
	if !ok {
		s.answerErro(w, r, txID, nil, emv3ds.NewErro(emv3ds.FieldError{
			Field: "serialNum", Rule: "not issued by this DS; send a PReq without serialNum", Code: emv3ds.ErrorCodeSerialNumberInvalid, Err: emv3ds.ErrFormat,
		}, emv3ds.ErrorComponentDS, preq), fault)
		return
	}
	v := preq.MessageVersion
	pres := &emv3ds.PRes{
		MessageType: emv3ds.MessageTypePRes, MessageVersion: v, ThreeDSServerTransID: txID,
		DSTransID: newUUID(), SerialNum: s.ranges.serial(),
	}
	if v.AtLeast(emv3ds.Version231) {
		pres.DSProtocolVersions = dsVersions()
	} else {
		pres.DSStartProtocolVersion, pres.DSEndProtocolVersion = dsStartVersion, dsEndVersion
	}
	methodURL := s.baseURLFor(r) + methodPath
	for _, d := range defs {
		pres.CardRangeData = append(pres.CardRangeData, d.cardRange(v, methodURL))
	}
	if !s.sleep(r.Context(), fault.Delay) {
		return
	}
	s.writeMessage(w, r, txID, "3DS Server", dsPath, pres, fault)
}

// answerErro writes an Erro (HTTP 200, as the DS's answer message).
func (s *Simulator) answerErro(w http.ResponseWriter, r *http.Request, txID string, _ []byte, e *emv3ds.Erro, f Fault) {
	if txID == "" {
		txID = e.ThreeDSServerTransID
	}
	if !s.sleep(r.Context(), f.Delay) {
		return
	}
	s.writeMessage(w, r, txID, "3DS Server", dsPath, e, f)
}

// writeMessage encodes msg as the JSON answer, records it and applies the
// fault.
func (s *Simulator) writeMessage(w http.ResponseWriter, r *http.Request, txID, peer, endpoint string, msg interface{ Type() emv3ds.MessageType }, f Fault) {
	b, err := json.Marshal(msg)
	if err != nil {
		s.cfg.Logger.ErrorContext(r.Context(), "dssim: encode answer", "messageType", string(msg.Type()), "error", err)
		http.Error(w, "encode failed", http.StatusInternalServerError)
		return
	}
	out := f.apply(b)
	ex := Exchange{Direction: Sent, MessageType: string(msg.Type()), Peer: peer, Endpoint: endpoint, Status: http.StatusOK, Body: b}
	if f.Kind != "" {
		ex.Note = "fault injected: " + string(f.Kind)
		ex.Body = out
	}
	s.log.add(txID, ex)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
	attrs := []any{"messageType", string(msg.Type()), "threeDSServerTransID", safeID(txID)}
	switch m := msg.(type) {
	case *emv3ds.ARes:
		attrs = append(attrs, "transStatus", string(m.TransStatus))
	case *emv3ds.Erro:
		attrs = append(attrs, "errorCode", string(m.ErrorCode), "errorDetail", m.ErrorDetail)
	}
	if f.Kind != "" {
		attrs = append(attrs, "fault", string(f.Kind))
	}
	s.cfg.Logger.InfoContext(r.Context(), "dssim answered", attrs...)
}

// safeID keeps only UUID-shaped IDs in logs (anything else could be data).
func safeID(id string) string {
	if len(id) != 36 {
		return ""
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return ""
		}
	}
	return id
}

// displayAmount renders purchaseAmount for the challenge page ("12.34 978").
func displayAmount(amount, exponent, currency string) string {
	if amount == "" {
		return "an amount"
	}
	e, ok := atoiSmall(exponent)
	if !ok || e > 4 || e >= len(amount)+4 {
		return amount + " " + currency
	}
	for len(amount) <= e {
		amount = "0" + amount
	}
	if e > 0 {
		amount = amount[:len(amount)-e] + "." + amount[len(amount)-e:]
	}
	return amount + " (currency " + currency + ")"
}
