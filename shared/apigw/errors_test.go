package apigw_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

func TestStatus(t *testing.T) {
	t.Parallel()
	fieldErr := func(field string, code emv3ds.ErrorCode, sentinel error) error {
		return &emv3ds.ValidationError{Fields: []emv3ds.FieldError{{Field: field, Rule: "rule", Code: code, Err: sentinel}}}
	}
	dsErro := &emv3ds.Erro{
		MessageType: emv3ds.MessageTypeErro, MessageVersion: emv3ds.Version220, ErrorCode: emv3ds.ErrorCodeTransactionDataInvalid,
		ErrorComponent: emv3ds.ErrorComponentDS, ErrorDescription: "Transaction data not valid", ErrorDetail: "acctNumber",
	}
	ourErro := &emv3ds.Erro{
		MessageType: emv3ds.MessageTypeErro, MessageVersion: emv3ds.Version220, ErrorCode: emv3ds.ErrorCodeRequiredMissing,
		ErrorComponent: emv3ds.ErrorComponentServer, ErrorDescription: "Required data element missing",
		ErrorDetail: "authenticationValue", ErrorMessageType: emv3ds.MessageTypeARes,
	}
	tests := []struct {
		name       string
		err        error
		status     int
		code       emv3ds.ErrorCode
		component  emv3ds.ErrorComponent
		detail     string
		msgTypeSet bool // errorMessageType is the About's
	}{
		{name: "missing element", err: fieldErr("purchaseAmount", emv3ds.ErrorCodeRequiredMissing, emv3ds.ErrMissing), status: 400, code: "201", component: "S", detail: "purchaseAmount", msgTypeSet: true},
		{name: "format", err: fieldErr("purchaseCurrency", emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrFormat), status: 400, code: "203", component: "S", detail: "purchaseCurrency", msgTypeSet: true},
		{name: "wrapped validation", err: fmt.Errorf("auth: %w", fieldErr("acctNumber", emv3ds.ErrorCodeTransactionDataInvalid, emv3ds.ErrNotAllowed)), status: 400, code: "305", component: "S", detail: "acctNumber", msgTypeSet: true},
		{name: "unknown transaction in validation", err: fieldErr("threeDSServerTransID", emv3ds.ErrorCodeTransIDNotRecognised, threeds.ErrTransactionNotFound), status: 404, code: "301", component: "S", detail: "threeDSServerTransID", msgTypeSet: true},
		{name: "non-ASCII", err: &apigw.BadTextError{Field: "cardholderName"}, status: 400, code: "203", component: "S", detail: "cardholderName", msgTypeSet: true},
		{name: "body too large", err: apigw.ErrBodyTooLarge, status: 413, code: "101", component: "S", detail: "body", msgTypeSet: true},
		{name: "empty body", err: apigw.ErrEmptyBody, status: 400, code: "101", component: "S", detail: "body", msgTypeSet: true},
		{name: "malformed body", err: apigw.ErrMalformedBody, status: 400, code: "101", component: "S", detail: "body", msgTypeSet: true},
		{name: "unsupported media", err: apigw.ErrUnsupportedMedia, status: 415, code: "101", component: "S", detail: "Content-Type", msgTypeSet: true},
		{name: "idempotency key size", err: apigw.ErrIdempotencyKeySize, status: 400, code: "203", component: "S", detail: "Idempotency-Key", msgTypeSet: true},
		{name: "unauthenticated", err: apigw.ErrUnauthenticated, status: 401, code: "303", component: "S", detail: "Authorization", msgTypeSet: true},
		{name: "invalid API key", err: threeds.ErrInvalidAPIKey, status: 401, code: "303", component: "S", detail: "Authorization", msgTypeSet: true},
		{name: "merchant gone", err: fmt.Errorf("preauth: %w", threeds.ErrMerchantNotFound), status: 401, code: "303", component: "S", detail: "Authorization", msgTypeSet: true},
		{name: "transaction not found", err: fmt.Errorf("postauth: %w", threeds.ErrTransactionNotFound), status: 404, code: "301", component: "S", detail: "threeDSServerTransID", msgTypeSet: true},
		{name: "not enrolled", err: threeds.ErrNotEnrolled, status: 422, code: "305", component: "S", detail: "acctNumber", msgTypeSet: true},
		{name: "scheme not served", err: threeds.ErrSchemeNotServed, status: 422, code: "305", component: "S", detail: "acctNumber", msgTypeSet: true},
		{name: "idempotency conflict", err: threeds.ErrIdempotencyConflict, status: 409, code: "305", component: "S", detail: "Idempotency-Key", msgTypeSet: true},
		{name: "idempotency in progress", err: threeds.ErrIdempotencyInProgress, status: 409, code: "403", component: "S", detail: "Idempotency-Key", msgTypeSet: true},
		{name: "result final", err: fmt.Errorf("auth: %w", threeds.ErrResultFinal), status: 409, code: "305", component: "S", detail: "threeDSServerTransID", msgTypeSet: true},
		{name: "invalid transition", err: threeds.ErrInvalidTransition, status: 409, code: "305", component: "S", detail: "threeDSServerTransID", msgTypeSet: true},
		{name: "concurrent update", err: threeds.ErrConcurrentUpdate, status: 409, code: "305", component: "S", detail: "threeDSServerTransID", msgTypeSet: true},
		{name: "DS refused", err: &threeds.DirectoryUnavailableError{Cause: "Connection refused"}, status: 502, code: "405", component: "S", detail: "Connection refused", msgTypeSet: true},
		{name: "DS timeout", err: fmt.Errorf("auth: %w", &threeds.DirectoryUnavailableError{Timeout: true, Cause: "Connection timeout"}), status: 504, code: "405", component: "S", detail: "Connection timeout", msgTypeSet: true},
		{name: "DS Erro passed through", err: &threeds.PeerErroError{Erro: dsErro}, status: 422, code: "305", component: "D", detail: "acctNumber", msgTypeSet: true},
		{name: "invalid ARes rejected by us", err: &threeds.RejectedMessageError{Erro: ourErro}, status: 502, code: "201", component: "S", detail: "authenticationValue"},
		{name: "stored DS timeout", err: &threeds.FailedError{Info: threeds.ErrorInfo{Code: "405", Component: "S", Detail: "Connection timeout", MessageType: "AReq", Timeout: true}}, status: 422, code: "405", component: "S", detail: "Connection timeout"},
		{name: "stored lost ARes", err: &threeds.FailedError{Info: threeds.ErrorInfo{Code: "402", Component: "S", Detail: "no ARes was recorded for the AReq", MessageType: "AReq", Timeout: true}}, status: 422, code: "402", component: "S", detail: "no ARes was recorded for the AReq"},
		{name: "stored DS refused", err: &threeds.FailedError{Info: threeds.ErrorInfo{Code: "405", Component: "S", Detail: "Connection refused", MessageType: "AReq"}}, status: 422, code: "405", component: "S", detail: "Connection refused"},
		{name: "stored invalid ARes", err: &threeds.FailedError{Info: threeds.ErrorInfo{Code: "201", Component: "S", Detail: "authenticationValue", MessageType: "ARes"}}, status: 422, code: "201", component: "S", detail: "authenticationValue"},
		{name: "stored DS Erro", err: &threeds.FailedError{Info: threeds.ErrorInfo{Code: "305", Component: "D", Detail: "acctNumber", MessageType: "AReq"}}, status: 422, code: "305", component: "D", detail: "acctNumber"},
		{name: "anything else", err: errors.New("dynamodb: ProvisionedThroughputExceededException for 4000000000001000"), status: 500, code: "403", component: "S", detail: "Retry the request", msgTypeSet: true},
		{name: "no such route", err: apigw.ErrRouteNotFound, status: 404, code: "101", component: "S", detail: "path", msgTypeSet: true},
		{name: "invalid callback", err: fmt.Errorf("challenge callback: %w", threeds.ErrInvalidCallback), status: 400, code: "101", component: "S", detail: "body", msgTypeSet: true},
	}
	about := apigw.About{MessageType: emv3ds.MessageTypeAReq, MessageVersion: emv3ds.Version210, ThreeDSServerTransID: "00000000-0000-4000-8000-000000000001"}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, erro := apigw.Status(tc.err, about)
			require.Equal(t, tc.status, status)
			require.Equal(t, emv3ds.MessageTypeErro, erro.MessageType)
			require.Equal(t, tc.code, erro.ErrorCode)
			require.Equal(t, tc.component, erro.ErrorComponent)
			require.Equal(t, tc.detail, erro.ErrorDetail)
			require.NotEmpty(t, erro.ErrorDescription)
			require.True(t, erro.MessageVersion.Supported())
			if tc.msgTypeSet {
				require.Equal(t, emv3ds.MessageTypeAReq, erro.ErrorMessageType)
			}
			if tc.component == emv3ds.ErrorComponentServer && tc.name != "invalid ARes rejected by us" {
				require.Equal(t, about.ThreeDSServerTransID, erro.ThreeDSServerTransID)
				require.Equal(t, emv3ds.Version210, erro.MessageVersion)
			}
			b, err := json.Marshal(erro)
			require.NoError(t, err)
			require.NotContains(t, string(b), "4000000000001000", "internal causes never reach the client")
			require.NotContains(t, string(b), "dynamodb")
		})
	}

	t.Run("unsupported version in About falls back", func(t *testing.T) {
		_, erro := apigw.Status(threeds.ErrNotEnrolled, apigw.About{MessageVersion: "9.9.9"})
		require.Equal(t, emv3ds.Version220, erro.MessageVersion)
	})
	t.Run("peer Erro keeps its own message type", func(t *testing.T) {
		e := *dsErro
		e.ErrorMessageType = emv3ds.MessageTypePReq
		_, erro := apigw.Status(&threeds.PeerErroError{Erro: &e}, about)
		require.Equal(t, emv3ds.MessageTypePReq, erro.ErrorMessageType)
		require.Empty(t, dsErro.ErrorMessageType, "the error's Erro is not modified")
	})
}

func TestErrorLogsOnce(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	ctx := context.Background()

	r := apigw.Error(ctx, log, apigw.ErroJSON{}, threeds.ErrNotEnrolled, apigw.About{ThreeDSServerTransID: "00000000-0000-4000-8000-000000000001"})
	require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
	require.Equal(t, "application/json; charset=utf-8", r.Headers["Content-Type"])
	var rec map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &rec))
	require.Equal(t, "WARN", rec["level"])
	require.Equal(t, float64(422), rec["status"])
	require.Equal(t, "305", rec["errorCode"])
	require.Equal(t, "00000000-0000-4000-8000-000000000001", rec["threeDSServerTransID"])
	require.NotContains(t, rec, "error", "client mistakes log no internal cause")

	buf.Reset()
	r = apigw.Error(ctx, log, apigw.ErroJSON{}, fmt.Errorf("store: %w", errors.New("throttled")), apigw.About{})
	require.Equal(t, 500, r.StatusCode)
	require.NotContains(t, r.Body, "throttled")
	require.NoError(t, json.Unmarshal(buf.Bytes(), &rec))
	require.Equal(t, "ERROR", rec["level"])
	require.Equal(t, "store: throttled", rec["error"], "the cause is logged for the operator")
	require.Equal(t, 1, bytes.Count(buf.Bytes(), []byte("\n")), "one line per answer")
}
