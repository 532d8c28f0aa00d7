package emvjson

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/webhooksig"
)

// WebhookEvent is the body posted to the merchant's webhook URL.
type WebhookEvent struct {
	ID      string      `json:"id"`
	Type    string      `json:"type"`
	Created int64       `json:"created"`
	Data    WebhookData `json:"data"`
}

// WebhookData is the final result, in EMV element names: the same
// projection /postauth answers (threeds.ResultOutput).
type WebhookData struct {
	ThreeDSServerTransID string `json:"threeDSServerTransID"`
	TransStatus          string `json:"transStatus"`
	TransStatusReason    string `json:"transStatusReason,omitempty"`
	ECI                  string `json:"eci,omitempty"`
	AuthenticationValue  string `json:"authenticationValue,omitempty"`
	DSTransID            string `json:"dsTransID,omitempty"`
	ACSTransID           string `json:"acsTransID,omitempty"`
	MessageVersion       string `json:"messageVersion,omitempty"`
	ChallengeCancel      string `json:"challengeCancel,omitempty"`
	ResultSource         string `json:"resultSource,omitempty"`
	Scheme               string `json:"scheme,omitempty"`
	// 2.3.1 authenticationMethod, as /postauth answers it.
	AuthenticationMethod []string `json:"authenticationMethod,omitempty"`
	DecoupledFallback    bool     `json:"decoupledFallback,omitempty"`
}

// WebhookBody is the dialect's event for ev.
func WebhookBody(ev threeds.WebhookEvent) WebhookEvent {
	r := ev.Result
	return WebhookEvent{
		ID:      ev.ID,
		Type:    ev.Type,
		Created: ev.Created.Unix(),
		Data: WebhookData{
			ThreeDSServerTransID: r.ThreeDSServerTransID,
			TransStatus:          string(r.TransStatus),
			TransStatusReason:    string(r.TransStatusReason),
			ECI:                  string(r.ECI),
			AuthenticationValue:  r.AuthenticationValue.Reveal(),
			DSTransID:            r.DSTransID,
			ACSTransID:           r.ACSTransID,
			MessageVersion:       string(r.MessageVersion),
			ChallengeCancel:      string(r.ChallengeCancel),
			ResultSource:         r.Source,
			Scheme:               string(r.Scheme),
			AuthenticationMethod: threeds.SplitAuthenticationMethods(r.AuthenticationMethod),
			DecoupledFallback:    r.DecoupledFallback,
		},
	}
}

// Webhook renders the dialect's webhook deliveries: the JSON event, signed
// in the Threeds-Signature header (shared/webhooksig), with the event ID in
// Threeds-Event-Id.
type Webhook struct{}

// RenderWebhook returns the body and headers of one delivery of ev, signed
// with secret at time at.
func (Webhook) RenderWebhook(ev threeds.WebhookEvent, secret []byte, at time.Time) ([]byte, map[string]string, error) {
	if ev.Result == nil {
		return nil, nil, fmt.Errorf("webhook %s: no result", ev.ID)
	}
	body, err := json.Marshal(WebhookBody(ev))
	if err != nil {
		return nil, nil, fmt.Errorf("webhook %s: encode: %w", ev.ID, err)
	}
	return body, map[string]string{
		"Content-Type":     "application/json",
		webhooksig.Header:  webhooksig.Sign(secret, at, body),
		"Threeds-Event-Id": ev.ID,
	}, nil
}
