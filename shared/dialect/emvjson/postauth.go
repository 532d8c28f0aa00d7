package emvjson

import (
	"context"
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

// PostauthRoutes are the dialect's routes of the postauth step.
func PostauthRoutes(svc ResultReader, log *slog.Logger) []apigw.Route {
	h := postauthHandler{svc: svc, log: log}
	return []apigw.Route{apigw.Post(apigw.StepPostauth, Name, "/postauth", Errors{}, h.Handle)}
}

type postauthHandler struct {
	svc ResultReader
	log *slog.Logger
}

type postauthRequest struct {
	ThreeDSServerTransID string `json:"threeDSServerTransID"`
}

// postauthBody is the result in EMV element names. status says whether it is
// final; pending answers carry transStatus C or D while the challenge or
// decoupled authentication runs.
type postauthBody struct {
	ThreeDSServerTransID string `json:"threeDSServerTransID"`
	Status               string `json:"status"`
	TransStatus          string `json:"transStatus,omitempty"`
	TransStatusReason    string `json:"transStatusReason,omitempty"`
	AuthenticationValue  string `json:"authenticationValue,omitempty"`
	ECI                  string `json:"eci,omitempty"`
	DSTransID            string `json:"dsTransID,omitempty"`
	ACSTransID           string `json:"acsTransID,omitempty"`
	SDKTransID           string `json:"sdkTransID,omitempty"`
	MessageVersion       string `json:"messageVersion,omitempty"`
	ChallengeCancel      string `json:"challengeCancel,omitempty"`
	InteractionCounter   string `json:"interactionCounter,omitempty"`
	AuthenticationType   string `json:"authenticationType,omitempty"`
	CardholderInfo       string `json:"cardholderInfo,omitempty"`
	ResultSource         string `json:"resultSource,omitempty"`
	Scheme               string `json:"scheme,omitempty"`

	// 2.3.1 (clearhaus/3DSv2-api-documentation
	// source/differences_v220_v231.rst): authenticationMethod replaces
	// authenticationType (an array, from the RReq after a challenge, else
	// the ARes); trustListStatus(Source) replace whiteListStatus(Source),
	// which keep their 2.2.0 names here for a 2.2.0 result;
	// transChallengeExemption is new in the ARes. decoupledFallback (not an
	// EMV element) flags transStatusReason 29/30: authenticate again with
	// threeDSRequestorDecReqInd Y (or F/B).
	AuthenticationMethod    []string `json:"authenticationMethod,omitempty"`
	TrustListStatus         string   `json:"trustListStatus,omitempty"`
	TrustListStatusSource   string   `json:"trustListStatusSource,omitempty"`
	WhiteListStatus         string   `json:"whiteListStatus,omitempty"`
	WhiteListStatusSource   string   `json:"whiteListStatusSource,omitempty"`
	TransChallengeExemption string   `json:"transChallengeExemption,omitempty"`
	DecoupledFallback       bool     `json:"decoupledFallback,omitempty"`
}

func (h postauthHandler) Handle(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	about := apigw.About{}
	merchantID, err := apigw.MerchantID(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	body, err := apigw.JSONBody(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	var req postauthRequest
	if err := apigw.DecodeFields(body, &req); err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	about.ThreeDSServerTransID = req.ThreeDSServerTransID
	out, err := h.svc.Result(ctx, merchantID, req.ThreeDSServerTransID)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	about.MessageVersion = out.MessageVersion
	if out.Status == threeds.ResultFailed && out.Error != nil {
		about.MessageType = out.Error.MessageType
		// The protocol failed: answer the Erro the merchant got from /auth.
		return apigw.Error(ctx, h.log, Errors{}, &threeds.FailedError{Info: *out.Error}, about)
	}
	h.log.InfoContext(ctx, "postauth", slog.String("threeDSServerTransID", out.ThreeDSServerTransID),
		slog.String("merchantId", merchantID), slog.String("resultStatus", out.Status),
		slog.String("transStatus", string(out.TransStatus)), slog.Int("status", http.StatusOK))
	return apigw.JSON(http.StatusOK, postauthResponse(out))
}

// postauthResponse is the projection answered: the one result projection
// (threeds.ResultOutput) in EMV element names. The webhook carries the same.
func postauthResponse(out *threeds.ResultOutput) postauthBody {
	b := postauthBody{
		ThreeDSServerTransID: out.ThreeDSServerTransID,
		Status:               out.Status,
		TransStatus:          string(out.TransStatus),
		TransStatusReason:    string(out.TransStatusReason),
		AuthenticationValue:  out.AuthenticationValue.Reveal(),
		ECI:                  string(out.ECI),
		DSTransID:            out.DSTransID,
		ACSTransID:           out.ACSTransID,
		SDKTransID:           out.SDKTransID,
		MessageVersion:       string(out.MessageVersion),
		ChallengeCancel:      string(out.ChallengeCancel),
		InteractionCounter:   out.InteractionCounter,
		AuthenticationType:   out.AuthenticationType,
		CardholderInfo:       out.CardholderInfo,
		ResultSource:         out.Source,
		Scheme:               string(out.Scheme),

		AuthenticationMethod:    threeds.SplitAuthenticationMethods(out.AuthenticationMethod),
		TransChallengeExemption: out.TransChallengeExemption,
		DecoupledFallback:       out.DecoupledFallback,
	}
	if out.MessageVersion.AtLeast(emv3ds.Version231) {
		b.TrustListStatus, b.TrustListStatusSource = out.TrustListStatus, out.TrustListStatusSource
	} else {
		b.WhiteListStatus, b.WhiteListStatusSource = out.TrustListStatus, out.TrustListStatusSource
	}
	return b
}
