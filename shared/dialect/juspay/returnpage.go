package juspay

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// ReturnPath is where the challenge callback sends the browser after a
// challenge (the transaction's return URL); its page sends the browser on
// to the order's return_url with Juspay's signed parameters.
const ReturnPath = "/txns/return"

// ReturnRoutes are the dialect's browser return route (postauth step, no
// authorizer: it reveals only what the signed return_url carries).
func ReturnRoutes(orders OrderStore, results ResultReader, log *slog.Logger) []apigw.Route {
	h := returnHandler{orders: orders, results: results, log: log}
	return []apigw.Route{{Method: http.MethodGet, Path: ReturnPath, Step: apigw.StepPostauth, Dialect: Name, Handle: h.Handle, Errors: Errors{}}}
}

type returnHandler struct {
	orders  OrderStore
	results ResultReader
	log     *slog.Logger
}

func (h returnHandler) Handle(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	about := apigw.About{}
	txID := ev.QueryStringParameters["threeDSServerTransID"]
	if err := threeds.CheckTransID("threeDSServerTransID", txID); err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	notFound := fieldErr("threeDSServerTransID", "no such transaction", emv3ds.ErrorCodeTransIDNotRecognised, emv3ds.ErrTransIDMismatch)
	b, ok, err := h.orders.GetDialectRecord(ctx, kindTxn, "", txID)
	if err != nil || !ok {
		return apigw.Error(ctx, h.log, Errors{}, errOrNotFound(err, notFound), about)
	}
	var l txnLink
	if err := json.Unmarshal(b, &l); err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	b, ok, err = h.orders.GetDialectRecord(ctx, kindOrder, l.MerchantID, l.OrderID)
	if err != nil || !ok {
		return apigw.Error(ctx, h.log, Errors{}, errOrNotFound(err, notFound), about)
	}
	var o Order
	if err := json.Unmarshal(b, &o); err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	m, err := merchantMapping(ctx, h.orders, o.JuspayMID)
	if err != nil || m == nil || o.ReturnURL == "" {
		return apigw.Error(ctx, h.log, Errors{}, errOrNotFound(err, notFound), about)
	}
	res, err := h.results.Result(ctx, l.MerchantID, txID)
	if err != nil && !isNotFound(err) {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	st := StatusBody(o.attempt(txID, l), res)
	loc := SignedReturnURL(o.ReturnURL, m.ResponseKey, o.OrderID, st.Status, st.StatusID)
	h.log.InfoContext(ctx, "juspay return", slog.String("threeDSServerTransID", txID), slog.String("orderStatus", st.Status),
		slog.Int("status", http.StatusOK))
	// A page that navigates on, not a 303: the callback page reaches us by a
	// form whose CSP form-action is our origin, and browsers apply
	// form-action to the redirects of a form submission too.
	return returnPage(loc)
}

func errOrNotFound(err, notFound error) error {
	if err != nil {
		return err
	}
	return notFound
}
