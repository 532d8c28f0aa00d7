package juspay

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// ResultReader is the result use case (threeds.ResultService).
type ResultReader interface {
	Result(ctx context.Context, merchantID, threeDSServerTransID string) (*threeds.ResultOutput, error)
}

// StatusRoutes are the dialect's routes of the postauth step: order status.
func StatusRoutes(orders OrderStore, results ResultReader, log *slog.Logger) []apigw.Route {
	h := statusHandler{orders: orders, results: results, log: log}
	return []apigw.Route{{Method: http.MethodGet, Path: "/orders/{order_id}", Step: apigw.StepPostauth, Dialect: Name, Handle: h.Handle, Errors: Errors{}}}
}

type statusHandler struct {
	orders  OrderStore
	results ResultReader
	log     *slog.Logger
}

// OrderStatus is Juspay's order status body (also the webhook's
// content.order).
type OrderStatus struct {
	ID                   string          `json:"id"`
	OrderID              string          `json:"order_id"`
	MerchantID           string          `json:"merchant_id"`
	Status               string          `json:"status"`
	StatusID             int             `json:"status_id"`
	Amount               json.Number     `json:"amount"`
	Currency             string          `json:"currency"`
	CustomerID           string          `json:"customer_id,omitempty"`
	CustomerEmail        string          `json:"customer_email,omitempty"`
	CustomerPhone        string          `json:"customer_phone,omitempty"`
	ReturnURL            string          `json:"return_url,omitempty"`
	DateCreated          string          `json:"date_created"`
	TxnType              string          `json:"txn_type"`
	TxnID                string          `json:"txn_id,omitempty"`
	TxnUUID              string          `json:"txn_uuid,omitempty"`
	PaymentMethodType    string          `json:"payment_method_type,omitempty"`
	PaymentMethod        string          `json:"payment_method,omitempty"`
	Card                 *statusCard     `json:"card,omitempty"`
	TxnDetail            *txnDetail      `json:"txn_detail,omitempty"`
	SecondFactorResponse map[string]any  `json:"second_factor_response"`
	AcquirerDetails      AcquirerDetails `json:"acquirer_details"`
}

type statusCard struct {
	CardISIN       string `json:"card_isin"`
	LastFourDigits string `json:"last_four_digits"`
	CardBrand      string `json:"card_brand"`
}

type txnDetail struct {
	TxnID   string `json:"txn_id"`
	TxnUUID string `json:"txn_uuid"`
	OrderID string `json:"order_id"`
	Status  string `json:"status"`
}

func (h statusHandler) Handle(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	about := apigw.About{}
	merchantID, _, err := authMerchant(ctx, h.orders, ev)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	orderID := ev.PathParameters["order_id"]
	if orderID == "" { // a local path without the template's parameters
		orderID = ev.Path[strings.LastIndex(ev.Path, "/")+1:]
	}
	if !orderIDFormat.Valid(orderID) {
		return apigw.Error(ctx, h.log, Errors{}, fieldErr("order_id", orderIDFormat.Rule, emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrFormat), about)
	}
	b, ok, err := h.orders.GetDialectRecord(ctx, kindOrder, merchantID, orderID)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	if !ok {
		return apigw.Error(ctx, h.log, Errors{}, fieldErr("order_id", "no such order", emv3ds.ErrorCodeTransIDNotRecognised, emv3ds.ErrTransIDMismatch), about)
	}
	var o Order
	if err := json.Unmarshal(b, &o); err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	var res *threeds.ResultOutput
	if o.TxID != "" {
		res, err = h.results.Result(ctx, merchantID, o.TxID)
		if err != nil && !isNotFound(err) {
			return apigw.Error(ctx, h.log, Errors{}, err, about)
		}
	}
	body := StatusBody(&o, res)
	h.log.InfoContext(ctx, "juspay order status", slog.String("merchantId", merchantID), slog.String("order", o.ID),
		slog.String("orderStatus", body.Status), slog.Int("status", http.StatusOK))
	return apigw.JSON(http.StatusOK, body)
}

func isNotFound(err error) bool { return errors.Is(err, threeds.ErrTransactionNotFound) }

// StatusBody is the order status of o given its transaction's result (nil
// before /txns, or once the transaction is past retention).
//
//	no transaction          NEW (10), second_factor_response {}
//	AReq sent, no result    PENDING_VBV (23), txn PENDING_VBV, {}
//	Y or A                  SUCCESS (21), txn VBVSuccessful, the block filled
//	N, U, R, I, failed      FAILED (26), txn AuthenticationFailed, the block filled
func StatusBody(o *Order, res *threeds.ResultOutput) OrderStatus {
	s := OrderStatus{ID: o.ID, OrderID: o.OrderID, MerchantID: o.JuspayMID, Status: "NEW", StatusID: statusIDNew,
		Amount: json.Number(o.Amount), Currency: o.Currency, CustomerID: o.CustomerID, CustomerEmail: o.CustomerEmail,
		CustomerPhone: o.CustomerPhone, ReturnURL: o.ReturnURL, DateCreated: o.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"),
		TxnType: "AUTHENTICATION", SecondFactorResponse: map[string]any{}, AcquirerDetails: o.Acquirer}
	if o.TxID == "" {
		return s
	}
	s.TxnID, s.TxnUUID, s.PaymentMethodType, s.PaymentMethod = o.TxnID, o.TxnUUID, "CARD", o.CardBrand
	s.Card = &statusCard{CardISIN: o.CardISIN, LastFourDigits: o.CardLastFour, CardBrand: o.CardBrand}
	s.Status, s.StatusID = "PENDING_VBV", statusIDPendingVBV
	td := &txnDetail{TxnID: o.TxnID, TxnUUID: o.TxnUUID, OrderID: o.OrderID, Status: "PENDING_VBV"}
	s.TxnDetail = td
	if res == nil || res.Status == threeds.ResultPending {
		return s
	}
	if res.Status == threeds.ResultFinal && (res.TransStatus == "Y" || res.TransStatus == "A") {
		s.Status, s.StatusID, td.Status = "SUCCESS", statusIDSuccess, "VBVSuccessful"
	} else {
		s.Status, s.StatusID, td.Status = "FAILED", statusIDFailed, "AuthenticationFailed"
	}
	s.SecondFactorResponse = SecondFactorResponse(res)
	return s
}

// SecondFactorResponse is the seed's block: exactly its eight keys, null
// where the protocol gave nothing.
func SecondFactorResponse(res *threeds.ResultOutput) map[string]any {
	orNull := func(v string) any {
		if v == "" {
			return nil
		}
		return v
	}
	return map[string]any{
		"eci":                      juspayECI(res.TransStatus),
		"cavv":                     orNull(res.AuthenticationValue.Reveal()),
		"threeDSVersion":           orNull(string(res.MessageVersion)),
		"threeDSTransStatusReason": orNull(string(res.TransStatusReason)),
		"threeDSServerTransID":     res.ThreeDSServerTransID,
		"threeDSTransStatus":       orNull(string(res.TransStatus)),
		// EMV 3DS 2.x carries no CAVV algorithm (1.0's PARes did): unknown.
		"cavvAlgorithm":  nil,
		"threeDSTransId": orNull(res.DSTransID),
	}
}

// juspayECI is the seed's ECI table: 05 authenticated, 06 attempted, 07
// failed or not authenticated, whatever the scheme's own ECI (Mastercard's
// 02/01/00 map to 05/06/07).
func juspayECI(ts emv3ds.TransStatus) string {
	switch ts {
	case "Y":
		return "05"
	case "A":
		return "06"
	default:
		return "07"
	}
}
