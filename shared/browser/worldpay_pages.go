package browser

import (
	"bytes"
	_ "embed"
	"html/template"
	"net/http"

	"github.com/open3ds/server/shared/apigw"
)

// The Worldpay dialect's hosted pages (shared/dialect/worldpay serves
// them): device data collection and the challenge.

//go:embed assets/worldpay_pages.html
var worldpayHTML string

var worldpayPages = template.Must(template.New("worldpay").Parse(worldpayHTML))

// WorldpayScriptURL is threeds.js as the pages under /worldpay/ load it.
var WorldpayScriptURL = "../js/threeds.js?v=" + Version

// WorldpayDDC is the device data collection page: it runs the 3DS Method
// (Config: threeDSServerTransID, threeDSMethodURL, threeDSMethodData,
// timeout), collects the browser's values and posts them with the JWT to
// CollectURL.
type WorldpayDDC struct {
	Nonce, ScriptURL, TransID, JWT, Bin, CollectURL string
	Config                                          map[string]any
}

// WorldpayDDCDone posts {"MessageType":"profile.completed","SessionId",
// "Status"} to the parent window.
type WorldpayDDCDone struct {
	Nonce, SessionID, Message string
	Status                    bool
}

// WorldpayChallenge shows the ACS (Config: acsURL, creq,
// threeDSSessionData) and then posts TransactionId and MD to ReturnURL in
// its own frame.
type WorldpayChallenge struct {
	Nonce, ScriptURL, TransID, ReturnURL, MD string
	Config                                   map[string]any
}

// WorldpayError is a refused page: the sentence shown, and for the DDC
// page the failed profile.completed message to the parent.
type WorldpayError struct {
	Nonce, Message string
	DDC            bool
}

// WorldpayPage renders one of the pages (v is one of the types above) with
// the security headers of p.
func WorldpayPage(status int, v any, p Policy) apigw.Response {
	name := "error"
	switch v.(type) {
	case WorldpayDDC:
		name = "ddc"
	case WorldpayDDCDone:
		name = "ddc-done"
	case WorldpayChallenge:
		name = "challenge"
	}
	var b bytes.Buffer
	if err := worldpayPages.ExecuteTemplate(&b, name, v); err != nil {
		return Secure(apigw.HTML(http.StatusInternalServerError, "<!DOCTYPE html><p>The page is not available.</p>"), Policy{})
	}
	return Secure(apigw.HTML(status, b.String()), p)
}
