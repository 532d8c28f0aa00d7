package juspay

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// SignatureAlgorithm is the return_url signature's algorithm parameter.
const SignatureAlgorithm = "HMAC-SHA256"

// Sign is Juspay's return_url signature over params (signature and
// signature_algorithm excluded): the parameters sorted by key, each key
// and value URL-encoded and joined as key=value with "&", that string
// URL-encoded once more, HMAC-SHA256 with the merchant's response key,
// base64 (standard, padded). Juspay's "Status Verification"
// (https://juspay.io/resources-global/docs/common-resources/status-verification).
func Sign(responseKey string, params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "signature" && k != "signature_algorithm" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(params[k]))
	}
	mac := hmac.New(sha256.New, []byte(responseKey))
	mac.Write([]byte(url.QueryEscape(strings.Join(parts, "&"))))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Verify checks a return_url's query (as the merchant's page receives it,
// decoded once) against the response key, in constant time: the signature
// value is percent-decoded once more and compared with Sign.
func Verify(responseKey string, query url.Values) bool {
	p := map[string]string{}
	for k, vs := range query {
		if len(vs) != 1 {
			return false
		}
		p[k] = vs[0]
	}
	if p["signature_algorithm"] != SignatureAlgorithm {
		return false
	}
	got, err := url.QueryUnescape(p["signature"]) // the signature is percent-encoded once more
	if err != nil {
		return false
	}
	return hmac.Equal([]byte(Sign(responseKey, p)), []byte(got))
}

// SignedReturnURL is returnURL with order_id, status, status_id, signature
// and signature_algorithm added to its query ("" when there is no
// return_url). The signature covers every parameter of the final query
// (the return_url's own ones too), so Verify checks the query as received.
func SignedReturnURL(returnURL, responseKey, orderID, status string, statusID int) string {
	if returnURL == "" {
		return ""
	}
	u, err := url.Parse(returnURL)
	if err != nil {
		return ""
	}
	p := map[string]string{"order_id": orderID, "status": status, "status_id": strconv.Itoa(statusID)}
	q := u.Query()
	for k, v := range p {
		q.Set(k, v)
	}
	all := map[string]string{}
	for k := range q {
		all[k] = q.Get(k)
	}
	// Juspay percent-encodes the base64 signature before it goes into the
	// query (its example: …G1vQ%253D), so the query value decodes to it
	// percent-encoded once.
	q.Set("signature", url.QueryEscape(Sign(responseKey, all)))
	q.Set("signature_algorithm", SignatureAlgorithm)
	u.RawQuery = q.Encode()
	return u.String()
}
