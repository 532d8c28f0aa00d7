package hostile

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// Worldpay is the Worldpay Access 3DS dialect's request rows, with
// merchant-1's seeded Basic credentials. Its browser and DS traffic is the
// native flows' (the same callbacks and /ds/results), probed there.
func Worldpay(user, pass string) Dialect {
	return Dialect{Name: "worldpay", Probes: func(t *testing.T, tg Target) []Probe { return worldpayProbes(t, tg, user, pass) }, ErrorOf: worldpayErrorOf}
}

// worldpayErrorOf reads Worldpay's error object: errorName and the first
// validation error's jsonPath.
func worldpayErrorOf(body []byte) (code, detail string, ok bool) {
	var e struct {
		ErrorName        string `json:"errorName"`
		Message          string `json:"message"`
		ValidationErrors []struct {
			JSONPath string `json:"jsonPath"`
		} `json:"validationErrors"`
	}
	if json.Unmarshal(body, &e) != nil || e.ErrorName == "" || e.Message == "" {
		return "", "", false
	}
	if len(e.ValidationErrors) > 0 {
		detail = e.ValidationErrors[0].JSONPath
	}
	return e.ErrorName, detail, true
}

const (
	wpBase       = "/verifications/customers/3ds"
	wpMedia      = "application/vnd.worldpay.verifications.customers-v3.hal+json"
	wpSecretWord = "hostile-wrong-password-0123"
)

func worldpayProbes(_ *testing.T, tg Target, user, pass string) []Probe {
	basic := func(u, p string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p)) }
	good := basic(user, pass)
	auth := header("Authorization", good, "Content-Type", wpMedia)
	ddc := jsonBody(map[string]any{"transactionReference": "hostile-ddc", "merchant": map[string]any{"entity": "MindPalaceLtd"},
		"paymentInstrument": map[string]any{"type": "card/front", "cardNumber": panY}})
	verify := jsonBody(map[string]any{"transactionReference": "hostile-none", "merchant": map[string]any{"entity": "MindPalaceLtd"},
		"challenge": map[string]any{"reference": "00000000-0000-5000-8000-000000000000"}})
	deny := Want{Status: 401, Code: "accessDenied", Times: 10}
	var ps []Probe
	for _, path := range []string{wpBase + "/deviceDataInitialization", wpBase + "/authentication", wpBase + "/verification"} {
		ps = append(ps,
			Probe{Name: "no credential " + path, Path: path, Header: header("Content-Type", wpMedia), Body: ddc, Want: deny},
			Probe{Name: "wrong password " + path, Path: path, Header: header("Authorization", basic(user, wpSecretWord)), Body: ddc,
				Want: Want{Status: 401, Code: "accessDenied", Never: []string{wpSecretWord}}},
			Probe{Name: "two Basic credentials " + path, Path: path, Header: header("Authorization", good, "Authorization", basic(user, "x")), Body: ddc, Want: deny},
			Probe{Name: "malformed Basic " + path, Path: path, Header: header("Authorization", "Basic %%%"), Body: ddc, Want: deny},
			Probe{Name: "a native API key " + path, Path: path, Header: header("Authorization", "Bearer "+tg.Keys[0]), Body: ddc, Want: deny},
			Probe{Name: "body not JSON " + path, Path: path, Header: auth, Body: []byte(`{"transactionReference":`), Want: Want{Status: 400, Code: "bodyIsNotJson"}},
			Probe{Name: "body an array " + path, Path: path, Header: auth, Body: []byte(`[1,2]`), Want: Want{Status: 400, Code: "bodyIsNotJson"}},
			Probe{Name: "multipart " + path, Path: path, Header: header("Authorization", good, "Content-Type", "multipart/form-data; boundary=x"), Body: ddc, Want: Want{Status: 415}},
			Probe{Name: "member named after a card " + path, Path: path, Header: auth, Body: dupMember(ddc, panAsName, "caf\u0001"),
				Want: Want{Status: 400, Code: "bodyDoesNotMatchSchema", Never: []string{panAsName}}},
			Probe{Name: "duplicated transactionReference " + path, Path: path, Header: auth, Body: dupMember(ddc, "TransactionReference", "x"),
				Want: Want{Status: 400, Code: "bodyDoesNotMatchSchema", Field: "$.transactionReference"}},
			Probe{Name: "reference of 65 characters " + path, Path: path, Header: auth,
				Body: bytes.Replace(ddc, []byte("hostile-ddc"), []byte(strings.Repeat("r", 65)), 1),
				Want: Want{Status: 400, Code: "bodyDoesNotMatchSchema", Field: "$.transactionReference"}},
		)
	}
	ps = append(ps,
		Probe{Name: "tokenized card", Path: wpBase + "/deviceDataInitialization", Header: auth,
			Body: jsonBody(map[string]any{"transactionReference": "hostile-tok", "merchant": map[string]any{"entity": "e"},
				"paymentInstrument": map[string]any{"type": "card/tokenized", "href": "https://try.access.worldpay.com/tokens/x"}}),
			Want: Want{Status: 400, Code: "bodyDoesNotMatchSchema", Field: "$.paymentInstrument.href"}},
		Probe{Name: "card number in the wrong place is never echoed", Path: wpBase + "/authentication", Header: auth,
			Body: jsonBody(map[string]any{"transactionReference": panY, "merchant": map[string]any{"entity": panY}}),
			Want: Want{Status: 400, Code: "bodyDoesNotMatchSchema", Never: []string{panY}}},
		Probe{Name: "verification of an unknown reference", Path: wpBase + "/verification", Header: auth, Body: verify,
			Want: Want{Status: 400, Code: "bodyDoesNotMatchSchema", Field: "$.challenge.reference"}},
		Probe{Name: "empty object names what is missing", Path: wpBase + "/verification", Header: http.Header{"Authorization": {good}, "Content-Type": {"application/json"}},
			Body: []byte(`{}`), Want: Want{Status: 400, Code: "bodyDoesNotMatchSchema", Field: "$.transactionReference"}},
	)
	return ps
}
