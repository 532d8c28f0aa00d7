package dssim

import (
	"bytes"
	"html/template"
	"net/http"
)

// windowSizes maps challengeWindowSize to the page's CSS box (width, height).
var windowSizes = map[string][2]string{
	"01": {"250px", "400px"},
	"02": {"390px", "400px"},
	"03": {"500px", "600px"},
	"04": {"600px", "400px"},
	"05": {"100%", "100%"},
}

func windowSize(code string) (w, h string) {
	if s, ok := windowSizes[code]; ok {
		return s[0], s[1]
	}
	return windowSizes["05"][0], windowSizes["05"][1]
}

var pages = template.Must(template.New("pages").Parse(`
{{define "autopost"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body onload="document.getElementById('autopost').submit()">
<form id="autopost" method="post" action="{{.Action}}">
{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<noscript><p>JavaScript is off: press Continue.</p><button type="submit">Continue</button></noscript>
</form>
</body></html>
{{end}}

{{define "challenge"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Scheme}} authentication</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{margin:0;font-family:system-ui,sans-serif;background:#f4f5f7}
#acs{box-sizing:border-box;width:{{.Width}};height:{{.Height}};max-width:100%;padding:12px;background:#fff;overflow:auto}
h1{font-size:16px;margin:0 0 8px} p{font-size:13px;margin:6px 0}
.error{color:#b00020} input[name=otp]{font-size:18px;width:8em;letter-spacing:.2em}
button{margin:8px 8px 0 0;padding:6px 14px}
</style></head>
<body>
<div id="acs" data-challenge-window-size="{{.WindowSize}}">
<h1>{{.Scheme}}: confirm your purchase</h1>
<p>Purchase of {{.Amount}} at {{.Merchant}} with the card ending {{.Last4}}.</p>
<p>We sent a one-time code to your phone. (Simulator: the code is 1234.)</p>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<form id="challenge" method="post" action="{{.Action}}">
<input type="hidden" name="acsTransID" value="{{.ACSTransID}}">
{{if .SessionData}}<input type="hidden" name="threeDSSessionData" value="{{.SessionData}}">
{{end}}<label for="otp">One-time code</label>
<input id="otp" type="text" name="otp" inputmode="numeric" autocomplete="one-time-code" maxlength="8" autofocus>
<div><button type="submit" name="action" value="submit">Submit</button><button type="submit" name="action" value="cancel" formnovalidate>Cancel</button>{{if .Fallback}}<button id="fallback" type="submit" name="action" value="fallback" formnovalidate>Use my banking app instead</button>{{end}}</div>
</form>
<p>Tries left: {{.TriesLeft}}</p>
</div>
</body></html>
{{end}}

{{define "error"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ACS error</title></head>
<body><h1>The authentication could not start</h1><p>{{.}}</p></body></html>
{{end}}
`))

type formField struct{ Name, Value string }

type autopostPage struct {
	Title  string
	Action string
	Fields []formField
}

type challengePage struct {
	Scheme, Amount, Merchant, Last4 string
	Width, Height, WindowSize       string
	Error                           string
	Action, ACSTransID, SessionData string
	TriesLeft                       int
	Fallback                        bool // offer the 2.3.1 decoupled fallback (v231.go)
}

// renderHTML writes a page with the headers an ACS page needs: it is shown in
// the merchant's iframe, so no X-Frame-Options, and never cached.
func renderHTML(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "page rendering failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
