package browser

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/open3ds/server/shared/apigw"
)

//go:embed assets/cardinal.core.js
var cardinalCore string

// CardinalVersion identifies this build of cardinal.js (threeds.js and the
// Songbird layer): the first 12 hex digits of their SHA-256.
var CardinalVersion = func() string {
	sum := sha256.Sum256([]byte(core + cardinalCore))
	return hex.EncodeToString(sum[:])[:12]
}()

// CardinalScript is /js/cardinal.js: a classic script that defines
// window.Cardinal with Cardinal Cruise's Songbird names, built on the
// threeds.js functions (its 3DS Method and challenge window). It calls the
// API under the URL it was loaded from.
var CardinalScript = "/*! open3ds cardinal.js " + CardinalVersion + " (Songbird names on threeds.js " + Version + ") */\n(function () {\n" +
	coreVersioned + "\n" + cardinalCore +
	"\nvar src = (document.currentScript && document.currentScript.src) || location.href;\nwindow.Cardinal = createCardinal(create(src), src);\n})();\n"

// CardinalAsset answers GET /js/cardinal.js as Asset answers threeds.js:
// CORS and CORP open (merchant pages on any origin load it), an ETag,
// nosniff, a year of caching with ?v=<CardinalVersion>.
func CardinalAsset(query map[string]string, headers map[string]string) apigw.Response {
	etag := `"` + CardinalVersion + `"`
	h := map[string]string{
		"Content-Type":                 "text/javascript; charset=utf-8",
		"Cache-Control":                "public, max-age=300",
		"ETag":                         etag,
		"X-Content-Type-Options":       "nosniff",
		"Access-Control-Allow-Origin":  "*",
		"Cross-Origin-Resource-Policy": "cross-origin",
		"Vary":                         "Origin",
	}
	if query["v"] == CardinalVersion {
		h["Cache-Control"] = "public, max-age=31536000, immutable"
	}
	for k, v := range headers {
		if strings.EqualFold(k, "If-None-Match") && strings.Contains(v, etag) {
			return apigw.Response{StatusCode: http.StatusNotModified, Headers: h}
		}
	}
	return apigw.Response{StatusCode: http.StatusOK, Headers: h, Body: CardinalScript}
}
