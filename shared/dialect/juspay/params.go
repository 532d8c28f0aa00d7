package juspay

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
)

// The parameter names errors may name (apigw.ElementPath).
func init() {
	apigw.RegisterElementNames("order_id", "amount", "currency", "customer_id", "customer_email", "customer_phone",
		"return_url", "txn_type", "acquirer_details", "acquirer_details.acquirerBin", "acquirer_details.acquirerMerchantId",
		"acquirer_details.acquirerCountryCode", "acquirer_details.mcc", "acquirer_details.merchantName", "country",
		"description", "x-merchantid", "merchant_id", "client_auth_token", "payment_method_type", "payment_method",
		"card_number", "card_exp_month", "card_exp_year", "name_on_card", "card_security_code", "card_token",
		"redirect_after_payment", "format", "session", "step", "browser_screen_width", "browser_screen_height",
		"browser_color_depth", "browser_tz", "browser_language", "browser_java_enabled", "browser_javascript_enabled",
		"browser_user_agent", "browser_accept_header", "browser_ip", "acquirerBin", "acquirerMerchantId", "acquirerMId", "acquirerCountryCode",
		"mcc", "merchantName")
	// Juspay's address parameters (accepted, not used: the AReq's addresses
	// are the merchant's to send through the native API).
	for _, side := range []string{"billing_address_", "shipping_address_"} {
		for _, f := range []string{"first_name", "last_name", "line1", "line2", "line3", "city", "state", "country",
			"postal_code", "phone", "country_code_iso"} {
			apigw.RegisterElementNames(side + f)
		}
	}
}

// params reads a request's parameters, form-urlencoded (Juspay's default) or
// a JSON object (when the Content-Type says JSON or the body is one). A
// parameter given twice is an error naming it; JSON values that are objects
// are kept as their JSON text (acquirer_details).
func params(ev events.APIGatewayProxyRequest) (map[string]string, error) {
	ct := apigw.Header(ev, "Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	raw, err := apigw.Body(ev)
	if err != nil {
		return nil, err
	}
	if mt == "application/json" || (mt != "application/x-www-form-urlencoded" && bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{"))) {
		return jsonParams(ev)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return map[string]string{}, nil
	}
	vals, err := form(ev, mt, raw)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, vs := range vals {
		if len(vs) > 1 {
			return nil, fieldErr(k, "must be given once", emv3ds.ErrorCodeDuplicateElement, emv3ds.ErrDuplicate)
		}
		if vs[0] != "" {
			out[k] = vs[0]
		}
	}
	return out, nil
}

// form parses a form body: valid UTF-8 without control characters (an
// address like "Zürich" is fine), as apigw.JSONBody takes JSON text.
func form(ev events.APIGatewayProxyRequest, mt string, raw []byte) (url.Values, error) {
	if apigw.Header(ev, "Content-Type") != "" && mt != "application/x-www-form-urlencoded" {
		return nil, apigw.ErrUnsupportedMedia
	}
	vals, err := url.ParseQuery(string(raw))
	if err != nil {
		return nil, apigw.ErrMalformedBody
	}
	for k, vs := range vals {
		for _, v := range append([]string{k}, vs...) {
			if !text(v) {
				return nil, badText(apigw.ElementPath(k))
			}
		}
	}
	return vals, nil
}

// badText is the error of a value that is not valid UTF-8 text (field is
// already an element path: a name we know, or "unknown element").
func badText(field string) error {
	return &emv3ds.ValidationError{Fields: []emv3ds.FieldError{{Field: field, Rule: "must be valid UTF-8 text without control characters",
		Code: emv3ds.ErrorCodeInvalidFormat, Err: emv3ds.ErrFormat}}}
}

// text is valid UTF-8 without control characters (tab, CR, LF aside) or
// U+FFFD.
func text(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r == utf8.RuneError || (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || (r >= 0x7f && r < 0xa0) {
			return false
		}
	}
	return true
}

func jsonParams(ev events.APIGatewayProxyRequest) (map[string]string, error) {
	raw, err := apigw.JSONBody(ev)
	var bad *apigw.BadTextError
	if errors.As(err, &bad) {
		return nil, badText(bad.Field)
	}
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, apigw.ErrMalformedBody
	}
	out := map[string]string{}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, apigw.ErrMalformedBody
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, apigw.ErrMalformedBody
		}
		lk := strings.ToLower(k)
		if seen[lk] {
			return nil, fieldErr(k, "must be given once", emv3ds.ErrorCodeDuplicateElement, emv3ds.ErrDuplicate)
		}
		seen[lk] = true
		switch {
		case bytes.Equal(v, []byte("null")):
		case len(v) > 0 && v[0] == '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, apigw.ErrMalformedBody
			}
			if s != "" {
				out[lk] = s
			}
		default:
			out[lk] = string(v)
		}
	}
	return out, nil
}

// fieldErr is one failed rule on a named parameter (never its value).
func fieldErr(field, rule string, code emv3ds.ErrorCode, sentinel error) *emv3ds.ValidationError {
	return &emv3ds.ValidationError{Fields: []emv3ds.FieldError{{Field: apigw.ElementPath(field), Rule: rule, Code: code, Err: sentinel}}}
}

// checks collects every failed rule of one request.
type checks struct{ fields []emv3ds.FieldError }

func (c *checks) fail(field, rule string, sentinel error) {
	code := emv3ds.ErrorCodeInvalidFormat
	if sentinel == emv3ds.ErrMissing {
		code = emv3ds.ErrorCodeRequiredMissing
	}
	c.fields = append(c.fields, emv3ds.FieldError{Field: field, Rule: rule, Code: code, Err: sentinel})
}

func (c *checks) err() error {
	if len(c.fields) == 0 {
		return nil
	}
	return &emv3ds.ValidationError{Fields: c.fields}
}
