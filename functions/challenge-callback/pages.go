package main

import (
	"bytes"
	"html/template"
	"net/url"

	"github.com/open3ds/server/shared/threeds"
)

// The pages the cardholder's browser receives at the end of the 3DS Method
// and of the challenge. Both run inside the merchant's iframe: they tell the
// parent window what happened (postMessage: the transaction ID and status,
// never card data) and, after a challenge with a merchant return URL, move
// the top window there.

var methodPage = template.Must(template.New("method").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>3-D Secure</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-{{.Nonce}}'">
</head><body>
<script nonce="{{.Nonce}}">
(function () {
  var msg = {type: "3ds-method-complete", threeDSServerTransID: {{.TransID}}};
  try { if (window.parent && window.parent !== window) { window.parent.postMessage(msg, {{.TargetOrigin}}); } } catch (e) {}
})();
</script>
</body></html>
`))

var challengePage = template.Must(template.New("challenge").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>3-D Secure</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-{{.Nonce}}'; script-src 'nonce-{{.Nonce}}'; form-action *">
<style nonce="{{.Nonce}}">body{font-family:system-ui,sans-serif;margin:2em;color:#222}</style>
</head><body>
<p id="status" data-trans-id="{{.TransID}}" data-trans-status="{{.TransStatus}}">{{.Message}}</p>
{{if .ReturnURL}}<form id="return" method="GET" action="{{.ReturnURL}}" target="_top">
<input type="hidden" name="threeDSServerTransID" value="{{.TransID}}">
{{if .ResultReady}}<input type="hidden" name="transStatus" value="{{.TransStatus}}">{{end}}
<input type="hidden" name="resultReady" value="{{.ResultReady}}">
<noscript><button type="submit">Continue</button></noscript>
</form>{{end}}
<script nonce="{{.Nonce}}">
(function () {
  var msg = {type: "3ds-challenge-complete", threeDSServerTransID: {{.TransID}}, transStatus: {{.TransStatus}}, resultReady: {{.ResultReady}}};
  try { if (window.parent && window.parent !== window) { window.parent.postMessage(msg, {{.TargetOrigin}}); } } catch (e) {}
  var form = document.getElementById("return");
  if (form) { form.submit(); }
})();
</script>
</body></html>
`))

type methodView struct {
	Nonce        string
	TransID      string
	TargetOrigin string
}

type challengeView struct {
	Nonce        string
	TransID      string
	TransStatus  string
	ResultReady  bool
	Message      string
	ReturnURL    string
	TargetOrigin string
}

func renderMethod(nonce, transID string) string {
	return render(methodPage, methodView{Nonce: nonce, TransID: transID, TargetOrigin: "*"})
}

// renderChallenge renders the final page. Only a status the RReq confirmed
// (ResultReady) is placed in it, and only an http(s) return URL.
func renderChallenge(nonce string, v challengeView) string {
	v.Nonce = nonce
	if !v.ResultReady {
		v.TransStatus = ""
	}
	if threeds.CheckHTTPURL(v.ReturnURL) != nil {
		v.ReturnURL = ""
	}
	v.TargetOrigin = originOf(v.ReturnURL)
	if v.Message == "" {
		v.Message = "Authentication finished. You can return to the merchant."
	}
	return render(challengePage, v)
}

func render(t *template.Template, v any) string {
	var b bytes.Buffer
	if err := t.Execute(&b, v); err != nil {
		return "<!DOCTYPE html><p>Authentication finished.</p>"
	}
	return b.String()
}

// originOf restricts postMessage to the merchant's origin when its return URL
// names one; otherwise the message (ID and status only) goes to any parent.
func originOf(returnURL string) string {
	u, err := url.Parse(returnURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "*"
	}
	return u.Scheme + "://" + u.Host
}
