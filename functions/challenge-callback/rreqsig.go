package main

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/webhooksig"
)

// rreqSignature is the sandbox's stand-in for production's mutual TLS on
// /ds/results. In production only the DS's client certificate reaches the
// route (the custom domain's truststore; execute-api is off). The sandbox
// simulator has no certificate and uses the execute-api URL, so it signs
// every RReq with the sandbox key (header webhooksig.SandboxRReqHeader, an
// HMAC-SHA256 of the body in package webhooksig's format) and this check
// refuses the rest: in both modes nobody but the DS posts a result. A nil key
// (production) checks nothing.
type rreqSignature struct {
	key []byte
	now func() time.Time
}

// errUnsignedRReq is an RReq without a valid sandbox signature.
var errUnsignedRReq = errors.New("RReq without a valid " + webhooksig.SandboxRReqHeader + " signature")

// verify reports whether the request may be processed as an RReq.
func (v rreqSignature) verify(ev events.APIGatewayProxyRequest, body []byte) error {
	if len(v.key) == 0 {
		return nil
	}
	header := ""
	for k, val := range ev.Headers {
		if strings.EqualFold(k, webhooksig.SandboxRReqHeader) {
			header = val
		}
	}
	for k, vals := range ev.MultiValueHeaders {
		if strings.EqualFold(k, webhooksig.SandboxRReqHeader) && len(vals) > 0 {
			header = vals[0]
		}
	}
	now := time.Now
	if v.now != nil {
		now = v.now
	}
	if header == "" || webhooksig.Verify(v.key, header, body, now(), webhooksig.DefaultTolerance) != nil {
		return errUnsignedRReq
	}
	return nil
}

// refuseUnsigned is the answer to an unsigned RReq: 403, no processing.
func refuseUnsigned() apigw.Response {
	return apigw.RawJSON(http.StatusForbidden, []byte(`{"error":"forbidden","message":"sandbox: /ds/results accepts only RReqs signed by the DS simulator (`+webhooksig.SandboxRReqHeader+` header)"}`))
}
