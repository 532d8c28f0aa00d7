package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The return URL must never carry a status nobody verified: before the RReq
// arrives the CRes's transStatus is the browser's word only.
func TestChallengePageReturnsOnlyVerifiedStatus(t *testing.T) {
	ready := renderChallenge("n0nce", challengeView{TransID: "tx-1", TransStatus: "Y", ResultReady: true, ReturnURL: "https://shop.example.com/r"})
	require.Contains(t, ready, `name="transStatus" value="Y"`)
	require.Contains(t, ready, `name="resultReady" value="true"`)

	pending := renderChallenge("n0nce", challengeView{TransID: "tx-1", TransStatus: "Y", ResultReady: false, ReturnURL: "https://shop.example.com/r"})
	require.NotContains(t, pending, `name="transStatus"`)
	require.Contains(t, pending, `name="resultReady" value="false"`)
	require.Contains(t, pending, `data-trans-status=""`, "an unconfirmed status is not placed in the page")
	require.NotContains(t, pending, `"Y"`)
	hostile := renderChallenge("n0nce", challengeView{TransID: `"><script>alert(1)</script>`, TransStatus: "Y", ResultReady: true, ReturnURL: "javascript:alert(1)"})
	require.NotContains(t, hostile, "<script>alert(1)")
	require.NotContains(t, hostile, "javascript:")
	require.NotContains(t, hostile, `id="return"`, "a non-http(s) return URL is never placed in the page")
	require.True(t, strings.Contains(pending, `"https://shop.example.com"`), "postMessage is restricted to the return URL's origin")
}
