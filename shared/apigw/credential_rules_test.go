package apigw_test

import (
	"encoding/base64"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/apigw"
)

func TestRuleFor(t *testing.T) {
	t.Parallel()
	rules := []apigw.CredentialRule{
		{Dialect: "native", PathPrefixes: []string{"/preauth", "/auth", "/postauth"}},
		{Dialect: "vendor", PathPrefixes: []string{"/v/"}},
		{Dialect: "vendor-deep", PathPrefixes: []string{"/v/deep/"}},
	}
	for _, c := range []struct{ resource, path, want string }{
		{"/auth", "/auth", "native"},
		{"", "/postauth", "native"},
		{"/v/x", "/v/x", "vendor"},
		{"/v/deep/x", "/v/deep/x", "vendor-deep"}, // the longest prefix wins
		{"/v/{token}/x", "/v/abc/x", "vendor"},
		{"/authentication", "/authentication", ""}, // an exact prefix guards only itself
		{"/nowhere", "/nowhere", ""},
	} {
		r, ok := apigw.RuleFor(rules, c.resource, c.path)
		require.Equal(t, c.want != "", ok, "%s", c.resource)
		require.Equal(t, c.want, r.Dialect, "%s", c.resource)
	}
}

func TestBasicMaterial(t *testing.T) {
	t.Parallel()
	ev := func(h map[string]string) events.APIGatewayCustomAuthorizerRequestTypeRequest {
		return events.APIGatewayCustomAuthorizerRequestTypeRequest{Headers: h}
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	m := apigw.BasicMaterial("k")
	got, err := m(ev(map[string]string{"authorization": "Basic " + b64("user:pa:ss")}))
	require.NoError(t, err)
	require.Equal(t, "k:user:pa:ss", got, "the password may hold colons")
	got, err = m(ev(map[string]string{"Authorization": "basic " + b64("apikey:")}))
	require.NoError(t, err)
	require.Equal(t, apigw.BasicCredentialMaterial("k", "apikey", ""), got, "an empty password (Juspay)")
	for name, h := range map[string]map[string]string{
		"no header":      {},
		"not base64":     {"Authorization": "Basic %%%"},
		"no colon":       {"Authorization": "Basic " + b64("userpass")},
		"empty user":     {"Authorization": "Basic " + b64(":pass")},
		"another scheme": {"Authorization": "Bearer x"},
	} {
		_, err := m(ev(h))
		require.Error(t, err, name)
	}
}

func TestPathTokenMaterial(t *testing.T) {
	t.Parallel()
	m := apigw.PathTokenMaterial("cap", "token")
	got, err := m(events.APIGatewayCustomAuthorizerRequestTypeRequest{PathParameters: map[string]string{"token": "t0k"}})
	require.NoError(t, err)
	require.Equal(t, "cap:t0k", got)
	_, err = m(events.APIGatewayCustomAuthorizerRequestTypeRequest{})
	require.ErrorIs(t, err, apigw.ErrNoCredential)
}

// For: the alternate rule applies when the request carries its credential
// (even a malformed or conflicting one, which is then refused), else the rule.
func TestCredentialRuleFor(t *testing.T) {
	alt := apigw.CredentialRule{Dialect: "d", Material: apigw.HeaderMaterial("", apigw.APIKeySources)}
	r := apigw.CredentialRule{Dialect: "d", Kind: "tok", PathPrefixes: []string{"/d/"}, Material: apigw.PathTokenMaterial("tok", "token"), Alternate: &alt}
	ev := events.APIGatewayCustomAuthorizerRequestTypeRequest{PathParameters: map[string]string{"token": "t1"}}
	require.Equal(t, "tok", r.For(ev).Kind)
	ev.Headers = map[string]string{"Authorization": "Bearer k1"}
	got := r.For(ev)
	require.Equal(t, "", got.Kind)
	m, err := got.Material(ev)
	require.NoError(t, err)
	require.Equal(t, "k1", m)
	ev.Headers = map[string]string{"Authorization": "Bearer k1", "APIKey": "k2"}
	_, err = r.For(ev).Material(ev)
	require.ErrorIs(t, err, apigw.ErrConflictingCredentials)
	require.Equal(t, "tok", apigw.CredentialRule{Kind: "tok"}.For(ev).Kind, "no alternate: the rule itself")
}
