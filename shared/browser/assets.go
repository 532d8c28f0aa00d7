package browser

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/open3ds/server/shared/apigw"
)

//go:embed assets/threeds.core.js
var core string

// Version identifies this build of threeds.js: the first 12 hex digits of
// the SHA-256 of its source. /js/threeds.js?v=<Version> may be cached for a
// year; without it, for five minutes.
var Version = func() string {
	sum := sha256.Sum256([]byte(core))
	return hex.EncodeToString(sum[:])[:12]
}()

var coreVersioned = strings.Replace(core, "__VERSION__", Version, 1)

// Script is /js/threeds.js: a classic script that defines window.ThreeDS.
var Script = "/*! open3ds threeds.js " + Version + " */\n(function () {\n" + coreVersioned +
	"\nvar src = (document.currentScript && document.currentScript.src) || location.href;\nwindow.ThreeDS = create(src);\n})();\n"

// Module is /js/threeds.mjs: the same functions as an ES module (default
// export and named exports).
var Module = "/*! open3ds threeds.mjs " + Version + " */\n" + coreVersioned +
	"\nconst ThreeDS = create(import.meta.url);\nexport default ThreeDS;\n" +
	"export const { version, method, challenge, cancel, windowSize, returned, framed, on, configure, sizes } = ThreeDS;\n"

// Asset answers GET /js/threeds.js or /js/threeds.mjs (module true). Both
// carry CORS headers (a module script from another origin needs them), an
// ETag, and nosniff.
func Asset(module bool, query map[string]string, headers map[string]string) apigw.Response {
	body := Script
	if module {
		body = Module
	}
	return scriptResponse(body, Version, query, headers)
}

// scriptResponse answers a script of ours at version: CORS and CORP open
// (merchant pages on any origin load it), an ETag, nosniff, five minutes of
// caching, or a year with ?v=<version>, and 304 on a matching If-None-Match.
func scriptResponse(body, version string, query map[string]string, headers map[string]string) apigw.Response {
	etag := `"` + version + `"`
	h := map[string]string{
		"Content-Type":                 "text/javascript; charset=utf-8",
		"Cache-Control":                "public, max-age=300",
		"ETag":                         etag,
		"X-Content-Type-Options":       "nosniff",
		"Access-Control-Allow-Origin":  "*",
		"Cross-Origin-Resource-Policy": "cross-origin",
		"Vary":                         "Origin",
	}
	if query["v"] == version {
		h["Cache-Control"] = "public, max-age=31536000, immutable"
	}
	for k, v := range headers {
		if strings.EqualFold(k, "If-None-Match") && strings.Contains(v, etag) {
			return apigw.Response{StatusCode: http.StatusNotModified, Headers: h}
		}
	}
	return apigw.Response{StatusCode: http.StatusOK, Headers: h, Body: body}
}
