package uas

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

// ResultReader is the result use case (threeds.ResultService).
type ResultReader interface {
	Result(ctx context.Context, merchantID, threeDSServerTransID string) (*threeds.ResultOutput, error)
}

// PostauthRoutes are the dialect's routes of the postauth step:
// post_authentication_sync (the pull) and webhooks (the push Hyperswitch
// forwards). Both only read the stored result, so both are the postauth
// function's, whose role reads the table and nothing else.
func PostauthRoutes(svc ResultReader, log *slog.Logger) []apigw.Route {
	h := postauthHandler{svc: svc, log: log}
	return []apigw.Route{
		apigw.Post(apigw.StepPostauth, Name, "/uas/{token}/post_authentication_sync", Errors{}, h.Sync),
		apigw.Post(apigw.StepPostauth, Name, "/uas/{token}/webhooks", Errors{}, h.Webhook),
	}
}

type postauthHandler struct {
	svc ResultReader
	log *slog.Logger
}

// Sync answers post_authentication_sync: the result of the transaction the
// authentication ID names (TransID: one GetItem).
func (h postauthHandler) Sync(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	about := apigw.About{}
	merchantID, err := apigw.MerchantID(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	body, err := apigw.JSONBody(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	var req syncRequest
	if err := apigw.DecodeFields(body, &req); err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	if err := checkSource(req.SourceAuthenticationID); err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	out, err := h.result(ctx, merchantID, TransID(merchantID, req.SourceAuthenticationID), "source_authentication_id")
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	h.log.InfoContext(ctx, "uas post_authentication_sync", slog.String("threeDSServerTransID", out.ThreeDSServerTransID),
		slog.String("merchantId", merchantID), slog.String("resultStatus", out.Status),
		slog.String("transStatus", string(out.TransStatus)), slog.Int("status", http.StatusOK))
	return apigw.JSON(http.StatusOK, syncAnswer(out))
}

// result reads the result; an unknown transaction names field.
func (h postauthHandler) result(ctx context.Context, merchantID, id, field string) (*threeds.ResultOutput, error) {
	out, err := h.svc.Result(ctx, merchantID, id)
	if err != nil {
		if isNotFound(err) {
			return nil, &emv3ds.ValidationError{Fields: []emv3ds.FieldError{{
				Field: field, Rule: "names no transaction", Code: emv3ds.ErrorCodeTransIDNotRecognised, Err: emv3ds.ErrNotAllowed,
			}}}
		}
		return nil, err
	}
	return out, nil
}

// syncAnswer: trans_status, eci and the CAVV as dynamic data (type "cavv")
// with the DS transaction ID. A pending transaction answers its C (or D)
// without dynamic data; a failed one (no ARes) answers U.
func syncAnswer(out *threeds.ResultOutput) syncResponse {
	st := string(out.TransStatus)
	if st == "" {
		st = "U"
	}
	d := authenticationDetails{TransStatus: st, ECI: string(out.ECI)}
	if out.DSTransID != "" || out.AuthenticationValue.Reveal() != "" {
		d.DynamicDataDetails = &dynamicDataDetails{DSTransID: out.DSTransID}
		if v := out.AuthenticationValue.Reveal(); v != "" {
			d.DynamicDataDetails.DynamicDataValue, d.DynamicDataDetails.DynamicDataType = v, "cavv"
		}
	}
	return syncResponse{AuthenticationDetails: d}
}

// Webhook answers the webhooks route: body is the webhook Hyperswitch
// received (ours, see Webhook, or any body naming the transaction), as a
// JSON array of bytes. Only its transaction ID is taken from it; the answer
// is the stored result, so a forged body learns nothing it could not ask
// post_authentication_sync.
func (h postauthHandler) Webhook(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	about := apigw.About{}
	merchantID, err := apigw.MerchantID(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	body, err := apigw.JSONBody(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	var req struct {
		Body json.RawMessage `json:"body"`
	}
	if err := apigw.DecodeFields(body, &req); err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	inner, err := byteArray(req.Body)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	var hook struct {
		ID       string `json:"three_ds_server_trans_id"`
		NativeID string `json:"threeDSServerTransID"`
	}
	if err := apigw.DecodeFields(inner, &hook); err != nil {
		return apigw.Error(ctx, h.log, Errors{}, fieldErr("body", "must be the bytes of a JSON webhook", emv3ds.ErrorCodeInvalidFormat), about)
	}
	id := hook.ID
	if id == "" {
		id = hook.NativeID
	}
	if id == "" {
		return apigw.Error(ctx, h.log, Errors{}, missing("body.three_ds_server_trans_id"), about)
	}
	if err := threeds.CheckTransID("body.three_ds_server_trans_id", id); err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	out, err := h.result(ctx, merchantID, id, "body.three_ds_server_trans_id")
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	h.log.InfoContext(ctx, "uas webhook", slog.String("threeDSServerTransID", out.ThreeDSServerTransID),
		slog.String("merchantId", merchantID), slog.String("transStatus", string(out.TransStatus)), slog.Int("status", http.StatusOK))
	st := string(out.TransStatus)
	if st == "" {
		st = "U"
	}
	return apigw.JSON(http.StatusOK, webhookResponse{
		TransStatus:                st,
		ThreeDSServerTransactionID: out.ThreeDSServerTransID,
		AuthenticationValue:        out.AuthenticationValue.Reveal(),
		ECI:                        string(out.ECI),
	})
}

// byteArray decodes serde's Vec<u8>: a JSON array of integers 0–255.
func byteArray(raw json.RawMessage) ([]byte, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, missing("body")
	}
	var nums []int
	if err := json.Unmarshal(raw, &nums); err != nil {
		return nil, fieldErr("body", "must be an array of bytes (integers 0 to 255)", emv3ds.ErrorCodeInvalidFormat)
	}
	out := make([]byte, len(nums))
	for i, n := range nums {
		if n < 0 || n > 255 {
			return nil, fieldErr("body", "must be an array of bytes (integers 0 to 255)", emv3ds.ErrorCodeInvalidFormat)
		}
		out[i] = byte(n)
	}
	return out, nil
}
