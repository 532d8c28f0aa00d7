package worldpay

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/threeds"
)

// PendingWait is how long verification waits for the RReq of a challenge
// still under way before it answers the pending outcome; PendingPoll is how
// often it reads the transaction meanwhile.
const (
	PendingWait = 3 * time.Second
	PendingPoll = 250 * time.Millisecond
)

// OutcomePending is verification's answer while the ACS has not reported
// the challenge's result (our outcome: Worldpay documents none; see the
// README). The merchant calls verification again.
const OutcomePending = "challengePending"

// PostauthRoutes are the dialect's routes of the postauth step. sleep waits
// between reads of a pending transaction (nil: a timer).
func PostauthRoutes(svc ResultReader, entities EntityReader, sleep func(context.Context, time.Duration) error, log *slog.Logger) []apigw.Route {
	if sleep == nil {
		sleep = sleepCtx
	}
	h := verifyHandler{svc: svc, entities: entities, sleep: sleep, log: log}
	return []apigw.Route{apigw.Post(apigw.StepPostauth, Name, PathVerification, Errors{}, h.Handle)}
}

type verifyHandler struct {
	svc      ResultReader
	entities EntityReader
	sleep    func(context.Context, time.Duration) error
	log      *slog.Logger
}

type verifyRequest struct {
	TransactionReference string      `json:"transactionReference"`
	Merchant             merchantRef `json:"merchant"`
	Challenge            struct {
		Reference string `json:"reference"`
	} `json:"challenge"`
}

// Handle answers the challenge's result, from the RReq.
func (h verifyHandler) Handle(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	r, resp, ok := begin(ctx, h.log, ev)
	if !ok {
		return resp
	}
	var req verifyRequest
	if err := r.decode(&req); err != nil {
		return r.fail(err)
	}
	verrs := checkReference(req.TransactionReference, req.Merchant.Entity)
	id := TransID(r.merchantID, req.TransactionReference)
	switch {
	case req.Challenge.Reference == "":
		verrs = append(verrs, validationError{fieldIsMissing, "challenge.reference is required", "$.challenge.reference"})
	case len(verrs) == 0 && req.Challenge.Reference != id:
		verrs = append(verrs, validationError{fieldHasInvalidValue, "challenge.reference is not the reference of this transactionReference's challenge", "$.challenge.reference"})
	}
	if len(verrs) > 0 {
		return r.invalid(verrs)
	}
	if resp, ok := r.entity(h.entities, req.Merchant.Entity); !ok {
		return resp
	}
	deadline := PendingWait
	var res *threeds.ResultOutput
	for {
		var err error
		if res, err = h.svc.Result(ctx, r.merchantID, id); err != nil {
			return r.fail(err)
		}
		if res.Status != threeds.ResultPending || deadline <= 0 {
			break
		}
		if err := h.sleep(ctx, PendingPoll); err != nil {
			break
		}
		deadline -= PendingPoll
	}
	var body outcomeBody
	switch {
	case res.Status == threeds.ResultPending:
		body = outcomeBody{Outcome: OutcomePending, TransactionReference: req.TransactionReference, Links: linksFor(r.base, "3ds:verify")}
	case res.Status == threeds.ResultExpired:
		body = outcomeBody{Outcome: OutcomeUnavailable, TransactionReference: req.TransactionReference, Links: linksFor(r.base, "3ds:authenticate")}
	default:
		body = resultBody(r.base, req.TransactionReference, res)
	}
	r.log.InfoContext(ctx, "verification", slog.String("threeDSServerTransID", id), slog.String("merchantId", r.merchantID),
		slog.String("resultStatus", res.Status), slog.String("transStatus", string(res.TransStatus)),
		slog.String("outcome", body.Outcome), slog.Int("status", http.StatusOK))
	return r.ok(body)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
