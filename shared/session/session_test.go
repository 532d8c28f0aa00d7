package session

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

var key = []byte("0123456789abcdef0123456789abcdef")

func TestIssueVerify(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	tokens, err := New(key, 15*time.Minute, clock)
	require.NoError(t, err)
	tok, err := tokens.Issue("6f1c2a4e-9b8d-4c5e-a1f0-3d2b7c9e8a11")
	require.NoError(t, err)
	require.LessOrEqual(t, len(tok), MaxLength)

	id, err := tokens.Verify(tok)
	require.NoError(t, err)
	require.Equal(t, "6f1c2a4e-9b8d-4c5e-a1f0-3d2b7c9e8a11", id)

	now = now.Add(16 * time.Minute)
	_, err = tokens.Verify(tok)
	require.ErrorIs(t, err, ErrInvalid, "expired token accepted")
}

func TestVerifyRejects(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	tokens, err := New(key, time.Minute, func() time.Time { return now })
	require.NoError(t, err)
	good, err := tokens.Issue("tx")
	require.NoError(t, err)
	other, err := New([]byte("another-key-another-key-another-k"), time.Minute, func() time.Time { return now })
	require.NoError(t, err)

	claims := jwt.MapClaims{"iss": issuer, "aud": audience, "sub": "tx", "exp": now.Add(time.Minute).Unix()}
	hs512, err := jwt.NewWithClaims(jwt.SigningMethodHS512, claims).SignedString(key)
	require.NoError(t, err)
	noExp, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": issuer, "aud": audience, "sub": "tx"}).SignedString(key)
	require.NoError(t, err)
	wrongAud, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": issuer, "aud": "x", "sub": "tx", "exp": now.Add(time.Minute).Unix()}).SignedString(key)
	require.NoError(t, err)
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	body := base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"open3ds","aud":"challenge-callback","sub":"tx","exp":9999999999}`))
	parts := strings.Split(good, ".")

	cases := map[string]string{
		"empty":            "",
		"garbage":          "not-a-jwt",
		"alg none":         header + "." + body + ".",
		"HS512":            hs512,
		"no exp":           noExp,
		"wrong audience":   wrongAud,
		"other key":        mustIssue(t, other, "tx"),
		"tampered payload": parts[0] + "." + body + "." + parts[2],
		"too long":         strings.Repeat("a", MaxLength+1),
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := tokens.Verify(tok)
			require.ErrorIs(t, err, ErrInvalid)
		})
	}
}

func TestNewRejectsWeakKey(t *testing.T) {
	_, err := New([]byte("short"), time.Minute, nil)
	require.Error(t, err)
}

func mustIssue(t *testing.T, tokens *Tokens, id string) string {
	t.Helper()
	s, err := tokens.Issue(id)
	require.NoError(t, err)
	return s
}
