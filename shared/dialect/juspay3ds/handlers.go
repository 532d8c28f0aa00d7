package juspay3ds

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

func init() {
	apigw.RegisterElementNames("cardNumber", "cardholderAccountNumber", "cardholderAccount", "purchase", "cardholder",
		"merchant", "acquirer", "browserInformation", "threeDSRequestor", "sdkInformation", "preferredProtocolVersion")
}

// Use cases the handlers call (the threeds services).
type (
	Preauther interface {
		Preauth(ctx context.Context, merchantID string, in threeds.PreauthInput) (*threeds.PreauthOutput, error)
	}
	Authenticator interface {
		Authenticate(ctx context.Context, merchantID string, in threeds.AuthInput) (*threeds.AuthOutput, error)
	}
	ResultReader interface {
		Result(ctx context.Context, merchantID, threeDSServerTransID string) (*threeds.ResultOutput, error)
	}
	RReqReceiver interface {
		ReceiveRReq(ctx context.Context, rreq *emv3ds.RReq, derr error) (*threeds.ResultsAnswer, error)
	}
)

// PreauthRoutes: POST /3ds/version.
func PreauthRoutes(svc Preauther, log *slog.Logger) []apigw.Route {
	h := handlers{pre: svc, log: log}
	return []apigw.Route{apigw.Post(apigw.StepPreauth, Name, "/3ds/version", Errors{}, h.version)}
}

// AuthRoutes: POST /3ds/authenticate.
func AuthRoutes(svc Authenticator, log *slog.Logger) []apigw.Route {
	h := handlers{auth: svc, log: log}
	return []apigw.Route{apigw.Post(apigw.StepAuth, Name, "/3ds/authenticate", Errors{}, h.authenticate)}
}

// PostauthRoutes: POST /3ds/final.
func PostauthRoutes(svc ResultReader, log *slog.Logger) []apigw.Route {
	h := handlers{result: svc, log: log}
	return []apigw.Route{apigw.Post(apigw.StepPostauth, Name, "/3ds/final", Errors{}, h.final)}
}

// CallbackRoutes: POST /3ds/results, the RReq an upstream component pushes
// for one of the merchant's transactions, validated as /ds/results validates
// the DS's (threeds.ReceiveRReq) after the ownership check.
func CallbackRoutes(rreqs RReqReceiver, results ResultReader, log *slog.Logger) []apigw.Route {
	h := handlers{rreqs: rreqs, result: results, log: log}
	return []apigw.Route{apigw.Post(apigw.StepCallback, Name, "/3ds/results", Errors{}, h.results)}
}

type handlers struct {
	pre    Preauther
	auth   Authenticator
	result ResultReader
	rreqs  RReqReceiver
	log    *slog.Logger
}

func begin(ev events.APIGatewayProxyRequest) (string, []byte, error) {
	merchantID, err := apigw.MerchantID(ev)
	if err != nil {
		return "", nil, err
	}
	body, err := apigw.JSONBody(ev)
	return merchantID, body, err
}

type versionRequest struct {
	CardNumber              emv3ds.PAN `json:"cardNumber"`
	CardholderAccountNumber emv3ds.PAN `json:"cardholderAccountNumber"`
}

type acsProtocolVersion struct {
	Version          string `json:"version"`
	ThreeDSMethodURL string `json:"threeDSMethodURL,omitempty"`
}

type cardRange struct {
	SchemeID                      string               `json:"schemeId,omitempty"`
	ACSInfoInd                    []string             `json:"acsInfoInd"`
	ACSStartProtocolVersion       string               `json:"acsStartProtocolVersion"`
	ACSEndProtocolVersion         string               `json:"acsEndProtocolVersion"`
	DSStartProtocolVersion        string               `json:"dsStartProtocolVersion"`
	DSEndProtocolVersion          string               `json:"dsEndProtocolVersion"`
	ThreeDSMethodURL              string               `json:"threeDSMethodURL,omitempty"`
	ACSProtocolVersions           []acsProtocolVersion `json:"acsProtocolVersions"`
	ThreeDSMethodDataForm         *methodDataForm      `json:"threeDSMethodDataForm,omitempty"`
	HighestCommonSupportedVersion string               `json:"highestCommonSupportedVersion"`
}

type methodDataForm struct {
	ThreeDSMethodData string `json:"threeDSMethodData"`
}

type versionResponse struct {
	ThreeDSServerTransID string      `json:"threeDSServerTransID"`
	CardRanges           []cardRange `json:"cardRanges"`
}

var schemeIDs = map[emv3ds.Scheme]string{emv3ds.SchemeVisa: "Visa", emv3ds.SchemeMastercard: "Mastercard", emv3ds.SchemeAmex: "American Express"}

func (h handlers) version(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	about := apigw.About{}
	merchantID, body, err := begin(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	var req versionRequest
	if err := apigw.DecodeFields(body, &req); err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	pan := req.CardNumber
	if pan == "" {
		pan = req.CardholderAccountNumber
	}
	out, err := h.pre.Preauth(ctx, merchantID, threeds.PreauthInput{AcctNumber: pan, CallbackBaseURL: apigw.BaseURL(ev), Dialect: Name})
	if errors.Is(err, threeds.ErrNotEnrolled) {
		// Netcetera's answer for a card in no range: no ranges (Hyperswitch
		// then skips external 3DS). No transaction was opened.
		return apigw.JSON(http.StatusOK, versionResponse{CardRanges: []cardRange{}})
	}
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	info := out.ACSInfoInd
	if info == nil {
		info = []string{}
	}
	cr := cardRange{SchemeID: schemeIDs[out.Scheme], ACSInfoInd: info,
		ACSStartProtocolVersion: string(out.ACSStartProtocolVersion), ACSEndProtocolVersion: string(out.ACSEndProtocolVersion),
		DSStartProtocolVersion: string(out.DSStartProtocolVersion), DSEndProtocolVersion: string(out.DSEndProtocolVersion),
		ThreeDSMethodURL:              out.ThreeDSMethodURL,
		ACSProtocolVersions:           []acsProtocolVersion{{Version: string(out.MessageVersion), ThreeDSMethodURL: out.ThreeDSMethodURL}},
		HighestCommonSupportedVersion: string(out.MessageVersion)}
	if out.ThreeDSMethodData != "" {
		cr.ThreeDSMethodDataForm = &methodDataForm{ThreeDSMethodData: out.ThreeDSMethodData}
	}
	h.log.InfoContext(ctx, "juspay3ds version", slog.String("threeDSServerTransID", out.ThreeDSServerTransID),
		slog.String("merchantId", merchantID), slog.Int("status", http.StatusOK))
	return apigw.JSON(http.StatusOK, versionResponse{ThreeDSServerTransID: out.ThreeDSServerTransID, CardRanges: []cardRange{cr}})
}

// nested are the request objects whose members are AReq elements.
var nested = []string{"cardholderAccount", "purchase", "cardholder", "merchant", "acquirer", "browserInformation",
	"threeDSRequestor", "sdkInformation"}

// flatten lifts the nested objects' members to the top level (an AReq), and
// preferredProtocolVersion to messageVersion. A member given both at the
// top and in an object is a duplicate (Erro 204 from the decoder).
func flatten(body []byte) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, apigw.ErrMalformedBody
	}
	out := map[string]json.RawMessage{}
	var dup []string
	add := func(k string, v json.RawMessage) {
		if _, ok := out[k]; ok {
			dup = append(dup, k)
		}
		out[k] = v
	}
	isNested := map[string]bool{}
	for _, n := range nested {
		isNested[n] = true
	}
	for k, v := range top {
		if isNested[k] {
			if string(v) == "null" {
				continue
			}
			var inner map[string]json.RawMessage
			if err := json.Unmarshal(v, &inner); err != nil {
				return nil, &emv3ds.ValidationError{Fields: []emv3ds.FieldError{{Field: k, Rule: "must be an object", Code: emv3ds.ErrorCodeInvalidFormat, Err: emv3ds.ErrFormat}}}
			}
			for ik, iv := range inner {
				add(ik, iv)
			}
			continue
		}
		if k == "preferredProtocolVersion" {
			k = "messageVersion"
		}
		add(k, v)
	}
	if len(dup) > 0 {
		return nil, &emv3ds.ValidationError{Fields: []emv3ds.FieldError{{Field: dup[0], Rule: "is given twice", Code: emv3ds.ErrorCodeInvalidFormat, Err: emv3ds.ErrFormat}}}
	}
	return json.Marshal(out)
}

type authExtras struct {
	ChallengeWindowSize string `json:"challengeWindowSize"`
}

type authResponse struct {
	ThreeDSServerTransID          string          `json:"threeDSServerTransID"`
	TransStatus                   string          `json:"transStatus"`
	ACSURL                        string          `json:"acsURL,omitempty"`
	ACSChallengeMandated          string          `json:"acsChallengeMandated,omitempty"`
	Base64EncodedChallengeRequest string          `json:"base64EncodedChallengeRequest,omitempty"`
	AuthenticationValue           string          `json:"authenticationValue,omitempty"`
	ECI                           string          `json:"eci,omitempty"`
	PurchaseDate                  string          `json:"purchaseDate,omitempty"`
	AuthenticationResponse        json.RawMessage `json:"authenticationResponse"`
}

func (h handlers) authenticate(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	about := apigw.About{MessageType: emv3ds.MessageTypeAReq}
	merchantID, body, err := begin(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	flat, err := flatten(body)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	areq, err := emv3ds.DecodeAReq(flat)
	if areq == nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	about.MessageVersion, about.ThreeDSServerTransID = areq.MessageVersion, areq.ThreeDSServerTransID
	var x authExtras
	if err := apigw.DecodeFields(flat, &x); err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	out, err := h.auth.Authenticate(ctx, merchantID, threeds.AuthInput{AReq: areq, CallbackBaseURL: apigw.BaseURL(ev),
		ChallengeWindowSize: emv3ds.ChallengeWindowSize(x.ChallengeWindowSize), Dialect: Name})
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	a := out.ARes
	raw, err := json.Marshal(a)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	resp := authResponse{ThreeDSServerTransID: a.ThreeDSServerTransID, TransStatus: string(a.TransStatus),
		AuthenticationValue: a.AuthenticationValue.Reveal(), ECI: string(out.ECI), PurchaseDate: areq.PurchaseDate,
		AuthenticationResponse: raw}
	if a.TransStatus == emv3ds.TransStatusChallenge {
		// Hyperswitch's Netcetera client treats only acsChallengeMandated Y
		// as a challenge: say Y on every C.
		resp.ACSURL, resp.ACSChallengeMandated, resp.Base64EncodedChallengeRequest = a.ACSURL, "Y", out.ChallengeRequest
	}
	h.log.InfoContext(ctx, "juspay3ds authenticate", slog.String("threeDSServerTransID", a.ThreeDSServerTransID),
		slog.String("merchantId", merchantID), slog.String("transStatus", string(a.TransStatus)), slog.Int("status", http.StatusOK))
	return apigw.JSON(http.StatusOK, resp)
}

type finalRequest struct {
	ThreeDSServerTransID string `json:"threeDSServerTransID"`
}

type resultsRequest struct {
	MessageType         string `json:"messageType"`
	MessageVersion      string `json:"messageVersion,omitempty"`
	TransStatus         string `json:"transStatus"`
	TransStatusReason   string `json:"transStatusReason,omitempty"`
	ECI                 string `json:"eci,omitempty"`
	AuthenticationValue string `json:"authenticationValue,omitempty"`
	ChallengeCancel     string `json:"challengeCancel,omitempty"`
	InteractionCounter  string `json:"interactionCounter,omitempty"`
}

type resultsResponse struct {
	MessageType    string `json:"messageType"`
	MessageVersion string `json:"messageVersion,omitempty"`
	ResultsStatus  string `json:"resultsStatus"`
	DSTransID      string `json:"dsTransID,omitempty"`
}

type finalResponse struct {
	ThreeDSServerTransID string           `json:"threeDSServerTransID"`
	TransStatus          string           `json:"transStatus,omitempty"`
	ECI                  string           `json:"eci,omitempty"`
	AuthenticationValue  string           `json:"authenticationValue,omitempty"`
	ResultsRequest       *resultsRequest  `json:"resultsRequest,omitempty"`
	ResultsResponse      *resultsResponse `json:"resultsResponse,omitempty"`
}

func (h handlers) final(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	about := apigw.About{}
	merchantID, body, err := begin(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	var req finalRequest
	if err := apigw.DecodeFields(body, &req); err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	about.ThreeDSServerTransID = req.ThreeDSServerTransID
	out, err := h.result.Result(ctx, merchantID, req.ThreeDSServerTransID)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	if out.Status == threeds.ResultFailed && out.Error != nil {
		about.MessageType = out.Error.MessageType
		return apigw.Error(ctx, h.log, Errors{}, &threeds.FailedError{Info: *out.Error}, about)
	}
	resp := finalAnswer(out)
	h.log.InfoContext(ctx, "juspay3ds final", slog.String("threeDSServerTransID", out.ThreeDSServerTransID),
		slog.String("merchantId", merchantID), slog.String("resultStatus", out.Status), slog.Int("status", http.StatusOK))
	return apigw.JSON(http.StatusOK, resp)
}

// results takes an RReq for one of the merchant's own transactions: another
// merchant's (or an unknown) transaction is 404 before the RReq is looked at.
func (h handlers) results(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	about := apigw.About{MessageType: emv3ds.MessageTypeRReq}
	merchantID, body, err := begin(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	var id finalRequest
	if err := apigw.DecodeFields(body, &id); err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	if _, err := h.result.Result(ctx, merchantID, id.ThreeDSServerTransID); err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	rreq, derr := emv3ds.DecodeRReq(body)
	ans, err := h.rreqs.ReceiveRReq(ctx, rreq, derr)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	if ans.Erro != nil {
		return Errors{}.RenderError(apigw.ErroStatus(ans.Erro), ans.Erro)
	}
	h.log.InfoContext(ctx, "juspay3ds results", slog.String("threeDSServerTransID", ans.ThreeDSServerTransID),
		slog.String("merchantId", merchantID), slog.String("transStatus", string(ans.TransStatus)), slog.Bool("repeat", ans.Repeat), slog.Int("status", http.StatusOK))
	return apigw.JSON(http.StatusOK, ans.RRes)
}

// finalAnswer is the result as /3ds/final and the webhook carry it; after a
// challenge with the RReq's members and our RRes.
func finalAnswer(out *threeds.ResultOutput) finalResponse {
	resp := finalResponse{ThreeDSServerTransID: out.ThreeDSServerTransID, TransStatus: string(out.TransStatus),
		ECI: string(out.ECI), AuthenticationValue: out.AuthenticationValue.Reveal()}
	if out.Source == threeds.SourceRReq {
		resp.ResultsRequest = &resultsRequest{MessageType: "RReq", MessageVersion: string(out.MessageVersion),
			TransStatus: string(out.TransStatus), TransStatusReason: string(out.TransStatusReason), ECI: string(out.ECI),
			AuthenticationValue: out.AuthenticationValue.Reveal(), ChallengeCancel: string(out.ChallengeCancel),
			InteractionCounter: out.InteractionCounter}
		resp.ResultsResponse = &resultsResponse{MessageType: "RRes", MessageVersion: string(out.MessageVersion), ResultsStatus: "01", DSTransID: out.DSTransID}
	}
	return resp
}
