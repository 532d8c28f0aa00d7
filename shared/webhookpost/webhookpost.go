// Package webhookpost is the webhook adapter: it renders a threeds webhook
// event in the dialect the transaction was opened through (each dialect's
// Renderer: body and signature headers) and POSTs it to the merchant over
// HTTPS. It implements threeds.WebhookSender.
package webhookpost

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/open3ds/server/shared/threeds"
)

// Renderer is a dialect's webhook shape: the body and headers of one
// delivery, signed with the merchant's secret at the given time.
type Renderer interface {
	RenderWebhook(ev threeds.WebhookEvent, secret []byte, at time.Time) (body []byte, headers map[string]string, err error)
}

// Poster posts events; it is a threeds.WebhookSender.
type Poster struct {
	client    *http.Client
	renderers map[string]Renderer
}

var _ threeds.WebhookSender = (*Poster)(nil)

// New returns a Poster that renders each event with the renderer of its
// dialect (renderers by dialect name, e.g. {"emvjson": emvjson.Webhook{}}).
func New(client *http.Client, renderers map[string]Renderer) *Poster {
	return &Poster{client: client, renderers: renderers}
}

// Send renders and posts ev; it returns the receiver's status.
func (p *Poster) Send(ctx context.Context, to threeds.WebhookTarget, ev threeds.WebhookEvent, at time.Time) (int, error) {
	dialect := ev.Dialect
	if dialect == "" {
		dialect = threeds.DefaultDialect
	}
	r, ok := p.renderers[dialect]
	if !ok {
		return 0, fmt.Errorf("webhook %s: no renderer for dialect %q", ev.ID, dialect)
	}
	body, headers, err := r.RenderWebhook(ev, to.Secret, at)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, to.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", "open3ds-webhook/1")
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}
