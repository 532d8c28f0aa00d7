package cruise_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dialect/cardinal/cruise"
)

var (
	apiKey  = []byte("7a1b2c3d-merchant-api-key-0123456789abcdef")
	oldKey  = []byte("previous-merchant-api-key-0123456789abcdef")
	now     = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	lookup1 = func(iss string) (cruise.Credential, error) {
		if iss != "56560a358b946e0c8452365ds" {
			return cruise.Credential{}, errors.New("unknown")
		}
		return cruise.Credential{OrgUnitID: "565607c18b946e058463ds8r", Keys: [][]byte{apiKey, oldKey}}, nil
	}
)

// claims is the seed's example request JWT.
func claims() jwt.MapClaims {
	return jwt.MapClaims{
		"jti": "a5a59bfb-ac06-4c5f-be5c-351b64ae608e", "iat": now.Unix(), "iss": "56560a358b946e0c8452365ds",
		"OrgUnitId": "565607c18b946e058463ds8r",
		"Payload": map[string]any{"OrderDetails": map[string]any{
			"OrderNumber": "0e5c5bf2-ea64-42e8-9ee1-71fff6522e15", "Amount": "1500", "CurrencyCode": "840"}},
		"ObjectifyPayload": true, "ReferenceId": "c88b20c0-5047-11e6-8c35-8789b865ff15",
		"exp": now.Add(time.Hour).Unix(), "ConfirmUrl": "https://mywebsite.com/confirmHandler",
	}
}

func sign(t *testing.T, c jwt.MapClaims, key []byte) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
	require.NoError(t, err)
	return s
}

func with(kv ...any) jwt.MapClaims {
	c := claims()
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
		} else {
			c[kv[i].(string)] = kv[i+1]
		}
	}
	return c
}

func TestParseRequestSeed(t *testing.T) {
	t.Parallel()
	r, err := cruise.ParseRequest(sign(t, claims(), apiKey), lookup1, now)
	require.NoError(t, err)
	require.Equal(t, "a5a59bfb-ac06-4c5f-be5c-351b64ae608e", r.JTI)
	require.Equal(t, "56560a358b946e0c8452365ds", r.Issuer)
	require.Equal(t, "c88b20c0-5047-11e6-8c35-8789b865ff15", r.ReferenceID)
	require.Equal(t, "https://mywebsite.com/confirmHandler", r.ConfirmURL)
	require.True(t, r.Objectify)
	require.Equal(t, "1500", r.Payload.OrderDetails.Amount.String())
	require.Equal(t, "840", r.Payload.OrderDetails.CurrencyCode.String())
	require.Equal(t, now.Add(time.Hour), r.ExpiresAt)
	require.Equal(t, 0, r.KeyIndex)

	// The previous key (rotation overlap) verifies too, and is reported.
	r, err = cruise.ParseRequest(sign(t, claims(), oldKey), lookup1, now)
	require.NoError(t, err)
	require.Equal(t, 1, r.KeyIndex)
}

// Stringified payload: ObjectifyPayload false or absent means a JSON string.
func TestParseRequestStringPayload(t *testing.T) {
	t.Parallel()
	str := `{"OrderDetails":{"OrderNumber":"o-1","Amount":1500,"CurrencyCode":"978"}}`
	for _, c := range []jwt.MapClaims{with("ObjectifyPayload", false, "Payload", str), with("ObjectifyPayload", nil, "Payload", str)} {
		r, err := cruise.ParseRequest(sign(t, c, apiKey), lookup1, now)
		require.NoError(t, err)
		require.False(t, r.Objectify)
		require.Equal(t, "1500", r.Payload.OrderDetails.Amount.String())
		require.Equal(t, "978", r.Payload.OrderDetails.CurrencyCode.String())
	}
}

func TestParseRequestRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		c     jwt.MapClaims
		at    time.Time
		claim string
	}{
		{"jti missing", with("jti", nil), now, "jti"},
		{"jti empty", with("jti", ""), now, "jti"},
		{"jti not a string", with("jti", 5), now, "jti"},
		{"iat missing", with("iat", nil), now, "iat"},
		{"iat not a number", with("iat", "yesterday"), now, "iat"},
		{"iat in the future beyond skew", with("iat", now.Add(6*time.Minute).Unix(), "exp", nil), now, "iat"},
		{"iss missing", with("iss", nil), now, "iss"},
		{"iss unknown", with("iss", "someone-else"), now, "iss"},
		{"OrgUnitId missing", with("OrgUnitId", nil), now, "OrgUnitId"},
		{"OrgUnitId wrong", with("OrgUnitId", "565607c18b946e058463ds8x"), now, "OrgUnitId"},
		{"Payload missing", with("Payload", nil), now, "Payload"},
		{"Payload string while ObjectifyPayload true", with("Payload", `{"OrderDetails":{}}`), now, "Payload"},
		{"Payload object while ObjectifyPayload false", with("ObjectifyPayload", false), now, "Payload"},
		{"Payload string not JSON", with("ObjectifyPayload", false, "Payload", "not json"), now, "Payload"},
		{"Payload amount not digits", with("Payload", map[string]any{"OrderDetails": map[string]any{"Amount": "15.00"}}), now, "Payload"},
		{"ObjectifyPayload not a boolean", with("ObjectifyPayload", "true"), now, "ObjectifyPayload"},
		{"ReferenceId missing", with("ReferenceId", nil), now, "ReferenceId"},
		{"ConfirmUrl not a string", with("ConfirmUrl", 7), now, "ConfirmUrl"},
		{"exp passed", with("exp", now.Add(-10*time.Minute).Unix()), now, "exp"},
		{"exp not a number", with("exp", "soon"), now, "exp"},
		// exp far in the future is capped at iat + 4 h.
		{"exp beyond the 4 h cap", with("exp", now.Add(24*time.Hour).Unix()), now.Add(4*time.Hour + 6*time.Minute), "iat"},
		{"no exp, older than 4 h", with("exp", nil), now.Add(4*time.Hour + 6*time.Minute), "iat"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := cruise.ParseRequest(sign(t, tc.c, apiKey), lookup1, tc.at)
			var ce *cruise.ClaimError
			require.ErrorAs(t, err, &ce)
			require.Equal(t, tc.claim, ce.Claim, "%v", err)
		})
	}
}

// Within the cap and the skew the same JWT is accepted.
func TestParseRequestCapAndSkew(t *testing.T) {
	t.Parallel()
	tok := sign(t, with("exp", now.Add(24*time.Hour).Unix()), apiKey)
	r, err := cruise.ParseRequest(tok, lookup1, now.Add(4*time.Hour+4*time.Minute))
	require.NoError(t, err)
	require.Equal(t, now.Add(4*time.Hour), r.ExpiresAt, "effective expiry is iat + 4 h")
	_, err = cruise.ParseRequest(sign(t, with("iat", now.Add(4*time.Minute).Unix()), apiKey), lookup1, now)
	require.NoError(t, err, "iat 4 min ahead is within the skew")
}

func TestParseRequestAlgorithms(t *testing.T) {
	t.Parallel()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	pub, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	require.NoError(t, err)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims()).SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)
	signed := func(m jwt.SigningMethod, key any) string {
		s, err := jwt.NewWithClaims(m, claims()).SignedString(key)
		require.NoError(t, err)
		return s
	}
	tests := []struct {
		name, token, claim string
	}{
		{"none", none, "alg"},
		{"HS384", signed(jwt.SigningMethodHS384, apiKey), "alg"},
		{"HS512", signed(jwt.SigningMethodHS512, apiKey), "alg"},
		{"RS256", signed(jwt.SigningMethodRS256, rsaKey), "alg"},
		{"PS256", signed(jwt.SigningMethodPS256, rsaKey), "alg"},
		{"ES256", signed(jwt.SigningMethodES256, ecKey), "alg"},
		// Key confusion: HS256 "signed" with the PEM of a public key.
		{"HS256 with a public key as secret", signed(jwt.SigningMethodHS256, pubPEM), "signature"},
		{"HS256 with another key", signed(jwt.SigningMethodHS256, []byte("not the key")), "signature"},
		{"tampered payload", tamper(t, sign(t, claims(), apiKey)), "signature"},
		{"not a JWT", "hello", "JWT"},
		{"empty", "", "JWT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := cruise.ParseRequest(tc.token, lookup1, now)
			var ce *cruise.ClaimError
			require.ErrorAs(t, err, &ce)
			require.Equal(t, tc.claim, ce.Claim, "%v", err)
			require.NotContains(t, err.Error(), string(apiKey))
		})
	}
}

// tamper swaps the claims of a signed token for others, keeping the
// signature.
func tamper(t *testing.T, tok string) string {
	t.Helper()
	other := sign(t, with("OrgUnitId", "565607c18b946e058463ds8r", "jti", "other"), []byte("x"))
	return splitN(other, 0) + "." + splitN(other, 1) + "." + splitN(tok, 2)
}

func splitN(tok string, i int) string {
	parts := [3]string{}
	n := 0
	for _, c := range tok {
		if c == '.' {
			n++
			continue
		}
		parts[n] += string(c)
	}
	return parts[i]
}

func response(objectify bool) cruise.Response {
	return cruise.Response{
		Issuer: "56560a358b946e0c8452365ds", JTI: "8af34811-f97d-495a-ad19-ec2f68004f28", Audience: "a5a59bfb-ac06-4c5f-be5c-351b64ae608e",
		ConsumerSessionID: "0e1ae450-df2b-4872-94f7-f129a2ddab18", IssuedAt: now, ExpiresAt: now.Add(2 * time.Hour), Objectify: objectify,
		Payload: cruise.ResponsePayload{Validated: true, ActionCode: "SUCCESS", ErrorNumber: 0, ErrorDescription: "Success",
			Payment: cruise.Payment{Type: "CCA", ProcessorTransactionId: "tx", ExtendedData: cruise.ExtendedData{
				CAVV: "AAABAWFlmQAAAABjRWWZEEFgFz+=", ECIFlag: "05", PAResStatus: "Y", SignatureVerification: "Y",
				XID: "tx", Enrolled: "Y", ThreeDSVersion: "2.2.0", DSTransactionId: "ds"}}},
	}
}

// The response JWT as the seed shows it, object and stringified; the
// merchant's verifier reads both.
func TestResponseRoundTrip(t *testing.T) {
	t.Parallel()
	for _, objectify := range []bool{true, false} {
		tok, err := cruise.SignResponse(response(objectify), apiKey)
		require.NoError(t, err)
		// Independently: HS256 header, claims and Payload type.
		parsed, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return apiKey, nil }, jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(func() time.Time { return now }))
		require.NoError(t, err)
		c := parsed.Claims.(jwt.MapClaims)
		require.Equal(t, "56560a358b946e0c8452365ds", c["iss"])
		require.Equal(t, "a5a59bfb-ac06-4c5f-be5c-351b64ae608e", c["aud"])
		require.Equal(t, float64(now.Unix()), c["iat"])
		if objectify {
			p := c["Payload"].(map[string]any)
			require.Equal(t, true, p["Validated"])
			require.Equal(t, float64(0), p["ErrorNumber"])
			require.Equal(t, "CCA", p["Payment"].(map[string]any)["Type"])
		} else {
			var p map[string]any
			require.NoError(t, json.Unmarshal([]byte(c["Payload"].(string)), &p))
			require.Equal(t, "SUCCESS", p["ActionCode"])
		}
		got, err := cruise.VerifyResponse(tok, apiKey, "a5a59bfb-ac06-4c5f-be5c-351b64ae608e", now)
		require.NoError(t, err)
		require.Equal(t, objectify, got.Objectify)
		require.Equal(t, response(objectify).Payload, got.Payload)
	}
}

func TestVerifyResponseRefusals(t *testing.T) {
	t.Parallel()
	good, err := cruise.SignResponse(response(true), apiKey)
	require.NoError(t, err)
	hs512, err := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.MapClaims{"iss": "x"}).SignedString(apiKey)
	require.NoError(t, err)
	tests := []struct {
		name, token, aud, claim string
		at                      time.Time
	}{
		{"wrong key", good, "", "signature", now},
		{"wrong aud", good, "another-jti", "aud", now},
		{"expired", good, "", "exp", now.Add(3 * time.Hour)},
		{"HS512", hs512, "", "alg", now},
	}
	for _, tc := range tests {
		key := apiKey
		if tc.name == "wrong key" {
			key = oldKey
		}
		_, err := cruise.VerifyResponse(tc.token, key, tc.aud, tc.at)
		var ce *cruise.ClaimError
		require.ErrorAs(t, err, &ce, tc.name)
		require.Equal(t, tc.claim, ce.Claim, "%s: %v", tc.name, err)
	}
}

// NewRequest makes what ParseRequest accepts, both payload forms.
func TestNewRequest(t *testing.T) {
	t.Parallel()
	for _, objectify := range []bool{true, false} {
		tok, err := cruise.NewRequest(cruise.RequestInput{JTI: "j-1", APIID: "56560a358b946e0c8452365ds", OrgUnitID: "565607c18b946e058463ds8r",
			ReferenceID: "ref", IssuedAt: now, Objectify: objectify,
			Payload: cruise.RequestPayload{OrderDetails: cruise.OrderDetails{OrderNumber: "o", Amount: "100", CurrencyCode: "840"}}}, apiKey)
		require.NoError(t, err)
		r, err := cruise.ParseRequest(tok, lookup1, now)
		require.NoError(t, err)
		require.Equal(t, objectify, r.Objectify)
		require.Equal(t, "o", r.Payload.OrderDetails.OrderNumber)
	}
}
