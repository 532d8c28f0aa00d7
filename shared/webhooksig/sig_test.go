package webhooksig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSignMatchesDocumentedScheme(t *testing.T) {
	secret := []byte("whsec_test")
	body := []byte(`{"id":"evt_1","type":"authentication.completed"}`)
	at := time.Unix(1764000000, 0)
	h := hmac.New(sha256.New, secret)
	h.Write([]byte("1764000000." + string(body)))
	require.Equal(t, "t=1764000000,v1="+hex.EncodeToString(h.Sum(nil)), Sign(secret, at, body))
}

func TestVerify(t *testing.T) {
	secret := []byte("whsec_test")
	body := []byte(`{"id":"evt_1"}`)
	at := time.Unix(1764000000, 0)
	good := Sign(secret, at, body)
	cases := []struct {
		name   string
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"valid", good, body, at.Add(time.Minute), nil},
		{"rotated secret second entry", Sign([]byte("old"), at, body) + "," + good[len("t=1764000000,"):], body, at, nil},
		{"body changed", good, []byte(`{"id":"evt_2"}`), at, ErrMismatch},
		{"other secret", Sign([]byte("other"), at, body), body, at, ErrMismatch},
		{"stale", good, body, at.Add(10 * time.Minute), ErrStale},
		{"future", good, body, at.Add(-10 * time.Minute), ErrStale},
		{"no v1", "t=1764000000", body, at, ErrMalformed},
		{"bad hex", "t=1764000000,v1=zz", body, at, ErrMalformed},
		{"garbage", "garbage", body, at, ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(secret, tc.header, tc.body, tc.now, DefaultTolerance)
			if tc.want == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tc.want)
			}
		})
	}
}
