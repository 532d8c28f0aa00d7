package dssim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/webhooksig"
)

// RReqSignatureHeader carries the sandbox simulator's HMAC signature of an
// RReq body ("t=<unix seconds>,v1=<hex HMAC-SHA256>", package webhooksig)
// when Config.RReqSigningKey is set.
const RReqSignatureHeader = webhooksig.SandboxRReqHeader

// challengeOutcome is how a challenge ended.
type challengeOutcome int

const (
	outcomeAuthenticated challengeOutcome = iota
	outcomeWrongCode
	outcomeCancelled
	outcomeFallback // 2.3.1: not completed, fall back to decoupled (v231.go)
)

// resultRReq builds the RReq for a finished challenge or decoupled
// authentication.
func resultRReq(t *txn, o challengeOutcome, decoupled bool) *emv3ds.RReq {
	rreq := &emv3ds.RReq{
		MessageType: emv3ds.MessageTypeRReq, MessageVersion: t.version, MessageCategory: t.category,
		ThreeDSServerTransID: t.id, ACSTransID: t.acsTransID, DSTransID: t.dsTransID, SDKTransID: t.sdkTransID,
	}
	switch o {
	case outcomeAuthenticated:
		rreq.TransStatus = emv3ds.TransStatusAuthenticated
		rreq.AuthenticationValue = newCAVV()
		rreq.ECI = t.scheme.eciY
	case outcomeWrongCode:
		rreq.TransStatus = emv3ds.TransStatusNotAuthenticated
		rreq.TransStatusReason = emv3ds.TransStatusReasonCardAuthFailed
	case outcomeCancelled:
		rreq.TransStatus = emv3ds.TransStatusNotAuthenticated
		rreq.TransStatusReason = emv3ds.TransStatusReasonCardAuthFailed
		rreq.ChallengeCancel = emv3ds.ChallengeCancelCardholder
	case outcomeFallback:
		rreq.TransStatus = emv3ds.TransStatusNotAuthenticated
		rreq.TransStatusReason = emv3ds.TransStatusReason("29")
	}
	if o == outcomeAuthenticated && t.trustPrompt && t.version.AtLeast(emv3ds.Version231) {
		rreq.TrustListStatus, rreq.TrustListStatusSource = "Y", "03" // the cardholder trust-listed the merchant (v231.go)
	}
	if decoupled {
		setAuthMethod(nil, rreq, t.version, emv3ds.AuthenticationTypeDecoupled, emv3ds.AuthenticationMethodDecoupled)
		return rreq
	}
	setAuthMethod(nil, rreq, t.version, emv3ds.AuthenticationTypeDynamic, emv3ds.AuthenticationMethodSMSOTP)
	n := t.submissions
	if n < 1 {
		n = 1
	}
	rreq.InteractionCounter = fmt.Sprintf("%02d", min(n, 99))
	if t.channel == emv3ds.DeviceChannelApp {
		rreq.ACSRenderingType = &emv3ds.ACSRenderingType{ACSInterface: "01", ACSUITemplate: "01"}
	}
	return rreq
}

// decoupledResult waits DecoupledDelay (or not at all when Close comes
// first) and sends the decoupled RReq Y.
func (s *Simulator) decoupledResult(t *txn) {
	if !s.sleep(context.Background(), s.cfg.DecoupledDelay) {
		return
	}
	s.deliverRReq(context.Background(), t, resultRReq(t, outcomeAuthenticated, true))
}

// errRResInvalid marks an answer to an RReq that is not a valid RRes 01.
var errRResInvalid = errors.New("answer is not a valid RRes with resultsStatus 01")

// deliverRReq posts the RReq to the AReq's threeDSServerURL and checks the
// answer: a valid RRes 01 for the same transaction, or (recorded as such) an
// Erro. Every step is recorded in the exchange log; the error is returned
// for the caller's log only.
func (s *Simulator) deliverRReq(ctx context.Context, t *txn, rreq *emv3ds.RReq) error {
	b, err := rreq.MarshalJSON()
	if err != nil {
		return fmt.Errorf("encode RReq: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.RReqTimeout)
	defer cancel()
	go func() { // Close ends a delivery in flight
		select {
		case <-s.closing:
			cancel()
		case <-ctx.Done():
		}
	}()

	ex := Exchange{Direction: Sent, MessageType: string(emv3ds.MessageTypeRReq), Peer: "3DS Server", Endpoint: t.serverURL, Body: b}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.serverURL, bytes.NewReader(b))
	if err != nil {
		ex.Note = "threeDSServerURL unusable"
		s.log.add(t.id, ex)
		return fmt.Errorf("build RReq request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if len(s.cfg.RReqSigningKey) > 0 {
		req.Header.Set(RReqSignatureHeader, webhooksig.Sign(s.cfg.RReqSigningKey, time.Now(), b))
	}
	resp, err := s.rreq.Do(req)
	if err != nil {
		ex.Note = "delivery failed: " + err.Error()
		s.log.add(t.id, ex)
		s.cfg.Logger.Warn("dssim: RReq delivery failed", "threeDSServerTransID", safeID(t.id), "error", err)
		return fmt.Errorf("post RReq: %w", err)
	}
	defer resp.Body.Close()
	s.log.add(t.id, ex)
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))

	in := Exchange{Direction: Received, Peer: "3DS Server", Endpoint: t.serverURL, Status: resp.StatusCode, Body: body}
	var env envelope
	_ = json.Unmarshal(body, &env)
	in.MessageType = string(env.MessageType)
	err = s.checkRRes(rreq, resp.StatusCode, env.MessageType, body)
	if err != nil {
		in.Note = err.Error()
	}
	s.log.add(t.id, in)
	s.cfg.Logger.Info("dssim RReq delivered", "threeDSServerTransID", safeID(t.id), "transStatus", string(rreq.TransStatus),
		"status", resp.StatusCode, "answer", string(env.MessageType), "ok", err == nil)
	return err
}

// checkRRes validates the 3DS Server's answer to an RReq.
func (s *Simulator) checkRRes(rreq *emv3ds.RReq, status int, typ emv3ds.MessageType, body []byte) error {
	switch typ {
	case emv3ds.MessageTypeRRes:
		rres, err := emv3ds.DecodeRRes(body)
		if err == nil {
			err = validate(rres)
		}
		if err != nil {
			return fmt.Errorf("%w: %v", errRResInvalid, err)
		}
		switch {
		case status != http.StatusOK:
			return fmt.Errorf("%w: HTTP status %d", errRResInvalid, status)
		case rres.ThreeDSServerTransID != rreq.ThreeDSServerTransID || rres.ACSTransID != rreq.ACSTransID || rres.DSTransID != rreq.DSTransID:
			return fmt.Errorf("%w: IDs do not match the RReq", errRResInvalid)
		case rres.MessageVersion != rreq.MessageVersion:
			return fmt.Errorf("%w: messageVersion differs from the RReq's", errRResInvalid)
		case rres.ResultsStatus != emv3ds.ResultsStatusReceived:
			return fmt.Errorf("%w: resultsStatus %s", errRResInvalid, rres.ResultsStatus)
		}
		return nil
	case emv3ds.MessageTypeErro:
		e, err := emv3ds.DecodeErro(body)
		if err != nil || e == nil {
			return fmt.Errorf("%w: malformed Erro", errRResInvalid)
		}
		return fmt.Errorf("3DS Server answered Erro %s (component %s, detail %q)", e.ErrorCode, e.ErrorComponent, e.ErrorDetail)
	}
	return fmt.Errorf("%w: HTTP status %d, messageType %q", errRResInvalid, status, typ)
}
