package juspay3ds

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

type fake struct {
	authIn  threeds.AuthInput
	result  *threeds.ResultOutput
	rreqHit bool
}

func (f *fake) Preauth(_ context.Context, _ string, in threeds.PreauthInput) (*threeds.PreauthOutput, error) {
	if in.AcctNumber.Reveal() == "4111111111111111" {
		return nil, threeds.ErrNotEnrolled
	}
	return &threeds.PreauthOutput{ThreeDSServerTransID: "tx-1", Scheme: emv3ds.SchemeVisa, MessageVersion: "2.2.0",
		DSStartProtocolVersion: "2.1.0", DSEndProtocolVersion: "2.2.0", ACSStartProtocolVersion: "2.1.0", ACSEndProtocolVersion: "2.2.0",
		ThreeDSMethodURL: "https://acs.example/m", ThreeDSMethodData: "eyJ9"}, nil
}

func (f *fake) Authenticate(_ context.Context, _ string, in threeds.AuthInput) (*threeds.AuthOutput, error) {
	f.authIn = in
	return &threeds.AuthOutput{ARes: &emv3ds.ARes{MessageType: "ARes", ThreeDSServerTransID: in.AReq.ThreeDSServerTransID,
		TransStatus: emv3ds.TransStatusChallenge, ACSURL: "https://acs.example/c", ACSTransID: "acs-1", DSTransID: "ds-1"},
		ChallengeRequest: "eyJjIjoxfQ", ECI: ""}, nil
}

func (f *fake) Result(_ context.Context, _ string, id string) (*threeds.ResultOutput, error) {
	if f.result == nil || f.result.ThreeDSServerTransID != id {
		return nil, threeds.ErrTransactionNotFound
	}
	return f.result, nil
}

func (f *fake) ReceiveRReq(context.Context, *emv3ds.RReq, error) (*threeds.ResultsAnswer, error) {
	f.rreqHit = true
	return &threeds.ResultsAnswer{RRes: &emv3ds.RRes{MessageType: "RRes", ResultsStatus: "01"}}, nil
}

func do(t *testing.T, routes []apigw.Route, body, merchant string) (int, map[string]any) {
	t.Helper()
	ev := events.APIGatewayProxyRequest{HTTPMethod: http.MethodPost, Body: body, Headers: map[string]string{"Content-Type": "application/json"}}
	if merchant != "" {
		ev.RequestContext.Authorizer = map[string]any{apigw.AuthorizerMerchantKey: merchant}
	}
	resp := routes[0].Handle(context.Background(), ev)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &m), resp.Body)
	return resp.StatusCode, m
}

var log = slog.New(slog.DiscardHandler)

func TestAuthenticateFlattensTheNestedRequest(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("testdata", "authenticate.json"))
	require.NoError(t, err)
	f := &fake{}
	status, m := do(t, AuthRoutes(f, log), string(raw), "m-1")
	require.Equal(t, http.StatusOK, status, m)
	a := f.authIn.AReq
	require.Equal(t, "4000000000001000", a.AcctNumber.Reveal())
	require.Equal(t, "15100", a.PurchaseAmount)
	require.Equal(t, "2", a.PurchaseExponent)
	require.Equal(t, "-120", a.BrowserTZ)
	require.Equal(t, "1080", a.BrowserScreenHeight)
	require.Equal(t, "840", a.BillAddrCountry)
	require.Equal(t, emv3ds.Version("2.2.0"), a.MessageVersion, "preferredProtocolVersion")
	require.Equal(t, "https://hs.example.com/payments/pay_Q1w2/merchant_1718/authorize/adyen", a.NotificationURL)
	require.Equal(t, emv3ds.ChallengeWindowSize("05"), f.authIn.ChallengeWindowSize)
	require.Equal(t, "C", m["transStatus"])
	require.Equal(t, "Y", m["acsChallengeMandated"])
	require.Equal(t, "eyJjIjoxfQ", m["base64EncodedChallengeRequest"])
	require.Equal(t, "https://acs.example/c", m["acsURL"])
	require.NotContains(t, m, "errorDetails")

	// A member at the top and in an object is refused, naming it.
	status, m = do(t, AuthRoutes(f, log), `{"acctNumber":"4000000000001000","cardholderAccount":{"acctNumber":"4111111111111111"}}`, "m-1")
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "acctNumber", m["errorDetails"].(map[string]any)["errorDetail"])
	require.NotContains(t, m["error"], "4111111111111111")
	status, m = do(t, AuthRoutes(f, log), `{"purchase":[1]}`, "m-1")
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, m["error"], "purchase")
}

func TestVersion(t *testing.T) {
	t.Parallel()
	f := &fake{}
	status, m := do(t, PreauthRoutes(f, log), `{"cardNumber":"4000000000001000"}`, "m-1")
	require.Equal(t, http.StatusOK, status)
	raw, _ := json.Marshal(m)
	require.JSONEq(t, `{"threeDSServerTransID":"tx-1","cardRanges":[{"schemeId":"Visa","acsInfoInd":[],
		"acsStartProtocolVersion":"2.1.0","acsEndProtocolVersion":"2.2.0","dsStartProtocolVersion":"2.1.0","dsEndProtocolVersion":"2.2.0",
		"threeDSMethodURL":"https://acs.example/m","acsProtocolVersions":[{"version":"2.2.0","threeDSMethodURL":"https://acs.example/m"}],
		"threeDSMethodDataForm":{"threeDSMethodData":"eyJ9"},"highestCommonSupportedVersion":"2.2.0"}]}`, string(raw))
	status, m = do(t, PreauthRoutes(f, log), `{"cardholderAccountNumber":"4111111111111111"}`, "m-1")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, []any{}, m["cardRanges"], "not enrolled: no ranges")
	status, m = do(t, PreauthRoutes(f, log), `{"cardNumber":"4000000000001000"}`, "")
	require.Equal(t, http.StatusUnauthorized, status)
	require.Equal(t, "303", m["errorDetails"].(map[string]any)["errorCode"])
}

func TestFinalAndResults(t *testing.T) {
	t.Parallel()
	f := &fake{result: &threeds.ResultOutput{ThreeDSServerTransID: "00000000-0000-4000-8000-000000000001", Status: threeds.ResultFinal,
		TransStatus: "Y", ECI: "02", AuthenticationValue: "AAABBZEEBgAAAAAAAAQGAAAAAAA=", DSTransID: "ds-1", MessageVersion: "2.2.0",
		InteractionCounter: "01", Source: threeds.SourceRReq}}
	status, m := do(t, PostauthRoutes(f, log), `{"threeDSServerTransID":"00000000-0000-4000-8000-000000000001"}`, "m-1")
	require.Equal(t, http.StatusOK, status)
	raw, _ := json.Marshal(m)
	require.JSONEq(t, `{"threeDSServerTransID":"00000000-0000-4000-8000-000000000001","transStatus":"Y","eci":"02",
		"authenticationValue":"AAABBZEEBgAAAAAAAAQGAAAAAAA=",
		"resultsRequest":{"messageType":"RReq","messageVersion":"2.2.0","transStatus":"Y","eci":"02","authenticationValue":"AAABBZEEBgAAAAAAAAQGAAAAAAA=","interactionCounter":"01"},
		"resultsResponse":{"messageType":"RRes","messageVersion":"2.2.0","resultsStatus":"01","dsTransID":"ds-1"}}`, string(raw))

	// An RReq for a transaction the merchant does not own never reaches the flow.
	status, _ = do(t, CallbackRoutes(f, f, log), `{"messageType":"RReq","threeDSServerTransID":"00000000-0000-4000-8000-000000000002"}`, "m-1")
	require.Equal(t, http.StatusNotFound, status)
	require.False(t, f.rreqHit)
	status, m = do(t, CallbackRoutes(f, f, log), `{"messageType":"RReq","threeDSServerTransID":"00000000-0000-4000-8000-000000000001"}`, "m-1")
	require.Equal(t, http.StatusOK, status)
	require.True(t, f.rreqHit)
	require.Equal(t, "RRes", m["messageType"])
}
