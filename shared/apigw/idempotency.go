package apigw

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/threeds"
)

// IdempotencyHeader is the request header naming a retry-safe request.
const IdempotencyHeader = "Idempotency-Key"

// Idempotent runs do at most once per (merchant, Idempotency-Key): a repeat
// with the same body gets the stored answer (and no second AReq), a repeat
// with another body 409. Requests without the header run as they are. The
// server's own 5xx failures are not stored, so a retry can succeed.
func Idempotent(ctx context.Context, log *slog.Logger, r Renderer, store threeds.IdempotencyStore, ev events.APIGatewayProxyRequest,
	merchantID string, body []byte, about About, do func() Response) Response {
	key := Header(ev, IdempotencyHeader)
	if key == "" || store == nil {
		return do()
	}
	if CheckIdempotencyKey(key) != nil {
		return Error(ctx, log, r, ErrIdempotencyKeySize, about)
	}
	sum := sha256.New()
	sum.Write([]byte(ev.HTTPMethod + " " + ev.Resource + "\x00"))
	sum.Write(body)
	hash := hex.EncodeToString(sum.Sum(nil))

	rec, err := store.Begin(ctx, merchantID, key, hash)
	if err != nil {
		return Error(ctx, log, r, err, about)
	}
	if rec.Completed {
		resp := RawJSON(rec.StatusCode, rec.Response)
		resp.Headers["Idempotent-Replayed"] = "true"
		return resp
	}
	resp := do()
	if resp.StatusCode >= http.StatusInternalServerError && resp.StatusCode != http.StatusBadGateway && resp.StatusCode != http.StatusGatewayTimeout {
		// Our own failure: free the key so the merchant's retry runs again.
		if err := store.Release(context.WithoutCancel(ctx), merchantID, key, hash); err != nil {
			log.WarnContext(ctx, "release idempotency key", slog.String("error", err.Error()))
		}
		return resp
	}
	// 502/504 are stored too: the AReq may have reached the DS, and it must
	// never be sent twice for one request.
	if err := store.Complete(context.WithoutCancel(ctx), merchantID, key, hash, resp.StatusCode, []byte(resp.Body)); err != nil && !errors.Is(err, context.Canceled) {
		log.WarnContext(ctx, "store idempotent response", slog.String("error", err.Error()))
	}
	return resp
}
