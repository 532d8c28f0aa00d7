package worldpay

import (
	"context"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/uuid"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// BasePath is the root of Worldpay's 3DS API.
const BasePath = "/verifications/customers/3ds"

// The three paths.
const (
	PathDeviceData     = BasePath + "/deviceDataInitialization"
	PathAuthentication = BasePath + "/authentication"
	PathVerification   = BasePath + "/verification"
)

// MediaType is Worldpay's versioned HAL media type, accepted on requests and
// answered on every response.
const MediaType = "application/vnd.worldpay.verifications.customers-v3.hal+json"

// CorrelationHeader is the header carrying each answer's correlation ID.
const CorrelationHeader = "WP-CorrelationId"

// maxReference is the longest transactionReference Worldpay accepts.
const maxReference = 64

// referenceNamespace is the UUIDv5 namespace of transaction IDs derived from
// transactionReference.
var referenceNamespace = uuid.MustParse("6f8c3b7e-2a55-5b2e-9d7f-0d4a1c3e9b10")

// TransID is the threeDSServerTransID of merchantID's transactionReference:
// UUIDv5(namespace, merchantID + "\x00" + reference).
func TransID(merchantID, reference string) string {
	return uuid.NewSHA1(referenceNamespace, []byte(merchantID+"\x00"+reference)).String()
}

// jsonResponse answers v with Worldpay's media type.
func jsonResponse(status int, v any) apigw.Response {
	r := apigw.JSON(status, v)
	r.Headers["Content-Type"] = MediaType
	return r
}

// link is a HAL link.
type link struct {
	Href      string `json:"href"`
	Templated bool   `json:"templated,omitempty"`
	Name      string `json:"name,omitempty"`
}

// links is the _links object: one action and the curies.
type links map[string]any

func linksFor(base string, rels ...string) links {
	l := links{}
	for _, rel := range rels {
		switch rel {
		case "3ds:authenticate":
			l[rel] = link{Href: base + PathAuthentication}
		case "3ds:verify":
			l[rel] = link{Href: base + PathVerification}
		}
	}
	l["curies"] = []link{{Href: base + "/rels" + BasePath + "/{rel}", Templated: true, Name: "3ds"}}
	return l
}

// request is what every handler starts from: the correlation ID, a logger
// carrying it, the merchant and the body.
type request struct {
	ctx        context.Context
	ev         events.APIGatewayProxyRequest
	log        *slog.Logger
	corrID     string
	merchantID string
	body       []byte
	base       string
}

// begin checks the credential, the media type and the body. A failure is
// answered (with the correlation ID) and ok is false.
func begin(ctx context.Context, log *slog.Logger, ev events.APIGatewayProxyRequest) (*request, apigw.Response, bool) {
	r := &request{ctx: ctx, ev: ev, corrID: uuid.NewString(), base: apigw.BaseURL(ev)}
	r.log = log.With(slog.String("wpCorrelationId", r.corrID), slog.String("dialect", Name))
	var err error
	if r.merchantID, err = apigw.MerchantID(ev); err != nil {
		return nil, r.fail(err), false
	}
	if ct := apigw.Header(ev, "Content-Type"); ct != "" {
		mt, _, perr := mime.ParseMediaType(ct)
		if perr != nil || (mt != MediaType && mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, r.fail(apigw.ErrUnsupportedMedia), false
		}
	}
	if !acceptable(apigw.Header(ev, "Accept")) {
		return nil, r.finish(jsonResponse(http.StatusNotAcceptable, errorFor(http.StatusNotAcceptable, &emv3ds.Erro{}))), false
	}
	if r.body, err = apigw.JSONBody(ev); err != nil {
		if errors.Is(err, apigw.ErrEmptyBody) {
			return nil, r.finish(jsonResponse(http.StatusBadRequest, errorBody{ErrorName: errBodyIsEmpty, Message: "The body of the request is empty"})), false
		}
		return nil, r.fail(err), false
	}
	return r, apigw.Response{}, true
}

// acceptable reports whether an Accept header allows our answer: absent,
// */*, application/*, the HAL media type, application/json or any +json.
func acceptable(accept string) bool {
	if strings.TrimSpace(accept) == "" {
		return true
	}
	for _, part := range strings.Split(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch {
		case mt == "*/*", mt == "application/*", mt == MediaType, mt == "application/json", strings.HasSuffix(mt, "+json"):
			return true
		}
	}
	return false
}

// fail answers err through the one mapper in Worldpay's shape.
func (r *request) fail(err error) apigw.Response {
	return r.finish(apigw.Error(r.ctx, r.log, Errors{}, err, apigw.About{}))
}

// invalid answers the dialect's own validation failures (every one found).
func (r *request) invalid(verrs []validationError) apigw.Response {
	fields := make([]string, len(verrs))
	for i, v := range verrs {
		fields[i] = v.JSONPath
	}
	r.log.WarnContext(r.ctx, "request rejected", slog.Int("status", http.StatusBadRequest), slog.String("jsonPaths", strings.Join(fields, ",")))
	return r.finish(jsonResponse(http.StatusBadRequest, errorBody{ErrorName: errBodyDoesNotMatchSchema,
		Message: "The json body provided does not match the expected schema", ValidationErrors: verrs}))
}

// entity refuses a merchant.entity that is not the caller's: 403
// accessDenied (an authenticated caller naming another's configuration).
func (r *request) entity(entities EntityReader, entity string) (apigw.Response, bool) {
	ok, err := ownsEntity(r.ctx, entities, r.merchantID, entity)
	if err != nil {
		return r.fail(err), false
	}
	if !ok {
		r.log.WarnContext(r.ctx, "request rejected", slog.String("merchantId", r.merchantID), slog.String("reason", errEntity.Error()),
			slog.Int("status", http.StatusForbidden))
		return r.finish(jsonResponse(http.StatusForbidden, errorBody{ErrorName: errAccessDenied, Message: "Access to the requested resource has been denied"})), false
	}
	return apigw.Response{}, true
}

// ok answers v.
func (r *request) ok(v any) apigw.Response { return r.finish(jsonResponse(http.StatusOK, v)) }

func (r *request) finish(resp apigw.Response) apigw.Response {
	if resp.Headers == nil {
		resp.Headers = map[string]string{}
	}
	resp.Headers["Content-Type"] = MediaType
	resp.Headers[CorrelationHeader] = r.corrID
	return resp
}

// decode decodes the body with the one lenient decoder.
func (r *request) decode(v any) error { return apigw.DecodeFields(r.body, v) }

// checkReference validates transactionReference and merchant.entity.
func checkReference(ref, entity string) []validationError {
	var out []validationError
	switch {
	case ref == "":
		out = append(out, validationError{fieldIsMissing, "transactionReference is required", "$.transactionReference"})
	case len(ref) > maxReference:
		out = append(out, validationError{stringIsTooLong, "transactionReference must be at most 64 characters", "$.transactionReference"})
	case threeds.CheckIdentifier("transactionReference", ref, threeds.ReferenceFormat(1, maxReference)) != nil:
		out = append(out, validationError{fieldHasInvalidValue, "transactionReference must be visible ASCII characters", "$.transactionReference"})
	}
	switch {
	case entity == "":
		out = append(out, validationError{fieldIsMissing, "merchant.entity is required", "$.merchant.entity"})
	case threeds.CheckIdentifier("merchant.entity", entity, threeds.ReferenceFormat(1, maxReference)) != nil:
		out = append(out, validationError{fieldHasInvalidValue, "merchant.entity must be 1 to 64 visible ASCII characters", "$.merchant.entity"})
	}
	return out
}

// checkPAN is the card number rule: 13 to 19 digits (fieldHasInvalidValue)
// passing the Luhn check (panFailedLuhnCheck, Worldpay's own name). Sandbox
// test cards that fail Luhn on purpose are not accepted here.
func checkPAN(pan, path string) *validationError {
	switch {
	case len(pan) < 13 || len(pan) > 19 || strings.Trim(pan, "0123456789") != "":
		return &validationError{fieldHasInvalidValue, "cardNumber must be 13 to 19 digits", path}
	case !emv3ds.LuhnValid(pan):
		return &validationError{panFailedLuhnCheck, "cardNumber failed the Luhn check", path}
	}
	return nil
}

// merchantRef is the merchant object.
type merchantRef struct {
	Entity       string `json:"entity"`
	OverrideName string `json:"overrideName"`
}
