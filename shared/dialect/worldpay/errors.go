package worldpay

import (
	"net/http"
	"strings"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
)

// Name is the dialect's name, stored on the transactions it opens.
const Name = "worldpay"

// Worldpay's error names. Sources: Worldpay's own Access Checkout SDKs
// (AccessCheckoutException.kt, ValidationRuleName) and docs.worldpay.com
// "Worldpay error responses"; the three marked "ours" are not in that list.
const (
	errBodyDoesNotMatchSchema = "bodyDoesNotMatchSchema"   // 400
	errBodyIsNotJSON          = "bodyIsNotJson"            // 400
	errBodyIsEmpty            = "bodyIsEmpty"              // 400
	errAccessDenied           = "accessDenied"             // 401 (and 403: an entity not the caller's)
	errResourceNotFound       = "resourceNotFound"         // 404
	errEndpointNotFound       = "endpointNotFound"         // 404, an unknown path
	errMethodNotAllowed       = "methodNotAllowed"         // 405
	errUnsupportedAccept      = "unsupportedAcceptHeader"  // 406
	errUnsupportedMedia       = "unsupportedContentType"   // 415
	errInternal               = "internalErrorOccurred"    // 5xx
	errEntityTooLarge         = "requestEntityTooLarge"    // 413, ours
	errConflict               = "resourceIsInInvalidState" // 409, ours
	errUnprocessable          = "unprocessableEntity"      // other 4xx, ours

	fieldIsMissing       = "fieldIsMissing"
	fieldHasInvalidValue = "fieldHasInvalidValue"
	fieldIsNotAllowed    = "fieldIsNotAllowed"
	stringIsTooLong      = "stringIsTooLong"
	panFailedLuhnCheck   = "panFailedLuhnCheck"
	fieldMustBeInteger   = "fieldMustBeInteger"
	integerIsTooSmall    = "integerIsTooSmall"
	integerIsTooLarge    = "integerIsTooLarge"
)

// errorBody is Worldpay's error object.
type errorBody struct {
	ErrorName        string            `json:"errorName"`
	Message          string            `json:"message"`
	ValidationErrors []validationError `json:"validationErrors,omitempty"`
}

type validationError struct {
	ErrorName string `json:"errorName"`
	Message   string `json:"message"`
	JSONPath  string `json:"jsonPath"`
}

// Errors renders the one mapper's errors (apigw.Status) in Worldpay's shape:
// the EMV element a domain error names becomes the JSON path of the
// Worldpay member it came from.
type Errors struct{}

// RenderError answers erro as Worldpay's error object.
func (Errors) RenderError(status int, erro *emv3ds.Erro) apigw.Response {
	return jsonResponse(status, errorFor(status, erro))
}

func errorFor(status int, erro *emv3ds.Erro) errorBody {
	detail := erro.ErrorDetail
	switch status {
	case http.StatusUnauthorized:
		return errorBody{ErrorName: errAccessDenied, Message: "Access to the requested resource has been denied"}
	case http.StatusNotFound:
		if detail == "path" {
			return errorBody{ErrorName: errEndpointNotFound, Message: "Requested endpoint was not found"}
		}
		return errorBody{ErrorName: errResourceNotFound, Message: "No authentication exists for this transactionReference"}
	case http.StatusMethodNotAllowed:
		return errorBody{ErrorName: errMethodNotAllowed, Message: "Requested method is not allowed"}
	case http.StatusUnsupportedMediaType:
		return errorBody{ErrorName: errUnsupportedMedia, Message: "Content-Type must be " + MediaType + " or application/json"}
	case http.StatusNotAcceptable:
		return errorBody{ErrorName: errUnsupportedAccept, Message: "Accept must allow " + MediaType + " or application/json"}
	case http.StatusRequestEntityTooLarge:
		return errorBody{ErrorName: errEntityTooLarge, Message: "The request body is too large"}
	case http.StatusConflict:
		return errorBody{ErrorName: errConflict, Message: "The transactionReference is not in a state that allows this request"}
	case http.StatusBadRequest:
		if detail == "body" {
			return errorBody{ErrorName: errBodyIsNotJSON, Message: "The body within the request is not valid json"}
		}
		var verrs []validationError
		for _, el := range strings.Split(detail, ",") {
			el = strings.TrimSpace(el)
			if el == "" {
				continue
			}
			name := fieldHasInvalidValue
			if erro.ErrorCode == emv3ds.ErrorCodeRequiredMissing {
				name = fieldIsMissing
			}
			verrs = append(verrs, validationError{ErrorName: name, Message: erro.ErrorDescription, JSONPath: jsonPathOf(el)})
		}
		return errorBody{ErrorName: errBodyDoesNotMatchSchema, Message: "The json body provided does not match the expected schema", ValidationErrors: verrs}
	}
	if status >= 500 {
		return errorBody{ErrorName: errInternal, Message: "An internal error occurred"}
	}
	return errorBody{ErrorName: errUnprocessable, Message: erro.ErrorDescription}
}

// elementPaths are the EMV elements the domain may name, as the Worldpay
// member the dialect filled them from.
var elementPaths = map[string]string{
	"acctNumber":           "$.instruction.paymentInstrument.cardNumber",
	"cardExpiryDate":       "$.instruction.paymentInstrument.cardExpiryDate",
	"cardholderName":       "$.instruction.paymentInstrument.cardHolderName",
	"purchaseAmount":       "$.instruction.value.amount",
	"purchaseCurrency":     "$.instruction.value.currency",
	"purchaseExponent":     "$.instruction.value.currency",
	"billAddrLine1":        "$.instruction.paymentInstrument.billingAddress.address1",
	"billAddrLine2":        "$.instruction.paymentInstrument.billingAddress.address2",
	"billAddrLine3":        "$.instruction.paymentInstrument.billingAddress.address3",
	"billAddrCity":         "$.instruction.paymentInstrument.billingAddress.city",
	"billAddrPostCode":     "$.instruction.paymentInstrument.billingAddress.postalCode",
	"billAddrState":        "$.instruction.paymentInstrument.billingAddress.stateCode",
	"billAddrCountry":      "$.instruction.paymentInstrument.billingAddress.countryCode",
	"shipAddrLine1":        "$.riskData.shipping.address.address1",
	"shipAddrLine2":        "$.riskData.shipping.address.address2",
	"shipAddrLine3":        "$.riskData.shipping.address.address3",
	"shipAddrCity":         "$.riskData.shipping.address.city",
	"shipAddrPostCode":     "$.riskData.shipping.address.postalCode",
	"shipAddrState":        "$.riskData.shipping.address.stateCode",
	"shipAddrCountry":      "$.riskData.shipping.address.countryCode",
	"email":                "$.riskData.account.email",
	"browserAcceptHeader":  "$.deviceData.acceptHeader",
	"browserUserAgent":     "$.deviceData.userAgentHeader",
	"browserLanguage":      "$.deviceData.browserLanguage",
	"browserIP":            "$.deviceData.ipAddress",
	"returnURL":            "$.challenge.returnUrl",
	"challengeWindowSize":  "$.challenge.windowSize",
	"merchantName":         "$.merchant.overrideName",
	"threeDSServerTransID": "$.transactionReference",
}

// jsonPathOf is the Worldpay path of an EMV element (or of a nested one,
// "acctInfo.chAccDate" → "$.riskData"), else the element itself under $.
func jsonPathOf(el string) string {
	if p, ok := elementPaths[el]; ok {
		return p
	}
	head, _, _ := strings.Cut(el, ".")
	switch head {
	case "acctInfo", "merchantRiskIndicator":
		return "$.riskData"
	case "homePhone", "mobilePhone", "workPhone":
		return "$.riskData.transaction.phoneNumber"
	}
	if strings.HasPrefix(el, "$") {
		return el
	}
	if topLevel[head] {
		return "$." + el
	}
	return "$"
}

// topLevel are the request members errors may name (apigw's decoder names
// registered members only, never a client's invented one).
var topLevel = map[string]bool{"transactionReference": true, "merchant": true, "instruction": true,
	"deviceData": true, "challenge": true, "riskData": true, "paymentInstrument": true}

func init() {
	for n := range topLevel {
		apigw.RegisterElementNames(n)
	}
}
