package hostile

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

// Cardinal is the Cardinal Cruise-compatible dialect: forged, expired,
// replayed and foreign request JWTs on /cardinal/lookup and
// /cardinal/authenticate, and careless bodies behind a good JWT.
func Cardinal() Dialect {
	return Dialect{Name: "cardinal", Probes: cardinalProbes, ErrorOf: cardinalErrorOf}
}

// cardinalErrorOf reads {"ErrorNo", "ErrorDesc"}; the detail of a refused
// JWT is the claim its ErrorDesc names ("JWT <claim>: …").
func cardinalErrorOf(body []byte) (code, detail string, ok bool) {
	var e struct {
		ErrorNo   string `json:"ErrorNo"`
		ErrorDesc string `json:"ErrorDesc"`
		// cardinal.js's browser calls: {"ErrorNumber", "ErrorDescription"}.
		ErrorNumber      int    `json:"ErrorNumber"`
		ErrorDescription string `json:"ErrorDescription"`
	}
	if json.Unmarshal(body, &e) != nil {
		return "", "", false
	}
	if e.ErrorNo == "" && e.ErrorNumber != 0 {
		e.ErrorNo, e.ErrorDesc = strconv.Itoa(e.ErrorNumber), e.ErrorDescription
	}
	if e.ErrorNo == "" {
		return "", "", false
	}
	if rest, found := strings.CutPrefix(e.ErrorDesc, "JWT "); found {
		detail, _, _ = strings.Cut(rest, ":")
	}
	return e.ErrorNo, detail, true
}

func cardinalProbes(t *testing.T, tg Target) []Probe {
	apiID, orgUnit, key := tg.Cardinal[0], tg.Cardinal[1], []byte(tg.Cardinal[2])
	require.NotEmpty(t, apiID, "the stack seeds Cardinal credentials")
	now := time.Now()
	claims := func(kv ...any) jwt.MapClaims {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		c := jwt.MapClaims{"jti": "hostile-" + hex.EncodeToString(b), "iat": now.Unix(), "iss": apiID, "OrgUnitId": orgUnit,
			"ReferenceId": "ref", "ObjectifyPayload": true,
			"Payload": map[string]any{"OrderDetails": map[string]any{"OrderNumber": "o", "Amount": "1500", "CurrencyCode": "840"}}}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(c, kv[i].(string))
			} else {
				c[kv[i].(string)] = kv[i+1]
			}
		}
		return c
	}
	sign := func(m jwt.SigningMethod, c jwt.MapClaims, k any) string {
		s, err := jwt.NewWithClaims(m, c).SignedString(k)
		require.NoError(t, err)
		return s
	}
	hs := func(kv ...any) string { return sign(jwt.SigningMethodHS256, claims(kv...), key) }
	none := sign(jwt.SigningMethodNone, claims(), jwt.UnsafeAllowNoneSignatureType)

	// A JWT used once already: every later use is a replay.
	used := hs()
	r := tg.API.Call(t, "/cardinal/authenticate", used, map[string]any{"TransactionId": "00000000-0000-4000-8000-0000000e0000"})
	require.Equal(t, http.StatusNotFound, r.Status, "the positive control is past the JWT check: %s", r.Body)

	lookup := jsonBody(map[string]any{"OrderNumber": "o", "Amount": "1500", "CurrencyCode": "840", "CardNumber": panY,
		"CardExpMonth": "12", "CardExpYear": "2030"})
	bearer := func(tok string) http.Header {
		return header("Authorization", "Bearer "+tok, "Content-Type", "application/json")
	}
	refused := func(claim string) Want {
		return Want{Status: 401, Code: "1010", Field: claim, Never: []string{tg.Cardinal[2]}}
	}

	var ps []Probe
	for _, path := range []string{"/cardinal/lookup", "/cardinal/authenticate"} {
		body := lookup
		if strings.HasSuffix(path, "authenticate") {
			body = jsonBody(map[string]any{"TransactionId": "00000000-0000-4000-8000-0000000e0000"})
		}
		for _, row := range []struct {
			name, token, claim string
		}{
			{"alg none", none, "alg"},
			{"HS384 with the right key", sign(jwt.SigningMethodHS384, claims(), key), "alg"},
			{"HS512 with the right key", sign(jwt.SigningMethodHS512, claims(), key), "alg"},
			{"HS256 with another key", sign(jwt.SigningMethodHS256, claims(), []byte("hostile-guess-of-the-api-key-000000")), "signature"},
			{"HS256 with the API identifier as key", sign(jwt.SigningMethodHS256, claims(), []byte(apiID)), "signature"},
			{"iss of nobody", hs("iss", "hostile-unknown-issuer"), "iss"},
			{"iss missing", hs("iss", nil), "iss"},
			{"OrgUnitId of another", hs("OrgUnitId", "hostile-org-unit"), "OrgUnitId"},
			{"jti missing", hs("jti", nil), "jti"},
			{"iat five hours ago", hs("iat", now.Add(-5*time.Hour).Unix()), "iat"},
			{"iat an hour ahead", hs("iat", now.Add(time.Hour).Unix()), "iat"},
			{"exp passed", hs("exp", now.Add(-time.Hour).Unix()), "exp"},
			{"Payload a string while ObjectifyPayload is true", hs("Payload", `{"OrderDetails":{}}`), "Payload"},
			{"ReferenceId missing", hs("ReferenceId", nil), "ReferenceId"},
			{"replayed jti", used, "jti"},
			{"no JWT", "", "JWT"},
			{"native API key as the JWT", tg.Keys[0], "JWT"},
		} {
			ps = append(ps, Probe{Name: path + " " + row.name, Path: path, Header: bearer(row.token), Body: body, Want: refused(row.claim)})
			// The same JWTs given to cardinal.js's setup('init') (the browser
			// call that trades a request JWT for a session token).
			if path == "/cardinal/lookup" {
				ps = append(ps, Probe{Name: "/cardinal/songbird/init " + row.name, Path: "/cardinal/songbird/init",
					Header: header("Content-Type", "text/plain;charset=UTF-8"), Body: jsonBody(map[string]any{"jwt": row.token}), Want: refused(row.claim)})
			}
		}
		// Replays stay refused however often they come.
		ps = append(ps, Probe{Name: path + " replayed jti, again and again", Path: path, Header: bearer(used), Body: body,
			Want: Want{Status: 401, Code: "1010", Field: "jti", Times: 5}})
	}
	// Careless bodies behind a good JWT: a 4xx naming the field, no echo.
	ps = append(ps,
		Probe{Name: "lookup not JSON", Path: "/cardinal/lookup", Header: bearer(hs()), Body: []byte("{not json"), Want: Want{Status: 400}},
		Probe{Name: "lookup card number as a member name", Path: "/cardinal/lookup", Header: bearer(hs()),
			Body: dupMember(lookup, panAsName, "x"), Want: Want{Never: []string{panAsName}, NotStatus: 500}},
		Probe{Name: "lookup bad expiry", Path: "/cardinal/lookup", Header: bearer(hs()),
			Body: jsonBody(map[string]any{"CardNumber": panY, "CardExpMonth": "13x", "CardExpYear": "20", "Amount": "1500", "CurrencyCode": "840"}),
			Want: Want{Status: 400}},
		Probe{Name: "authenticate TransactionId not a UUID", Path: "/cardinal/authenticate", Header: bearer(hs()),
			Body: jsonBody(map[string]any{"TransactionId": "../../etc"}), Want: Want{Status: 400, Never: []string{"../../etc"}}},
		Probe{Name: "authenticate another merchant's transaction", Path: "/cardinal/authenticate", Header: bearer(hs()),
			Body: jsonBody(map[string]any{"TransactionId": tg.API.Preauth(t, tg.Keys[1], map[string]any{"acctNumber": panY})["threeDSServerTransID"]}),
			Want: Want{Status: 404}},
	)
	// cardinal.js's calls with careless or forged session tokens: 401
	// ErrorNumber 1011, never echoed; a body that is not JSON: 400.
	text := header("Content-Type", "text/plain;charset=UTF-8")
	for _, p := range []string{"/cardinal/songbird/bin", "/cardinal/songbird/start", "/cardinal/songbird/continue", "/cardinal/songbird/result"} {
		for name, tok := range map[string]string{"no session token": "", "path in the token": "../../etc",
			"forged token": "0_00000000-0000-4000-8000-0000000e0000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "JWT as the token": hs()} {
			ps = append(ps, Probe{Name: p + " " + name, Path: p, Header: text,
				Body: jsonBody(map[string]any{"sessionToken": tok, "bin": panY, "TransactionId": "00000000-0000-4000-8000-0000000e0000"}),
				Want: Want{Status: 401, Code: "1011", Never: []string{"../../etc"}}})
		}
		ps = append(ps, Probe{Name: p + " not JSON", Path: p, Header: text, Body: []byte("{not json"), Want: Want{Status: 400, Code: "1013"}})
	}
	ps = append(ps, Probe{Name: "/cardinal/songbird/init not JSON", Path: "/cardinal/songbird/init", Header: text, Body: []byte("{not json"),
		Want: Want{Status: 400, Code: "1013"}})
	return ps
}
