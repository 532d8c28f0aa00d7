package worldpay

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// Authenticator is the authentication use case (threeds.AuthService).
type Authenticator interface {
	Authenticate(ctx context.Context, merchantID string, in threeds.AuthInput) (*threeds.AuthOutput, error)
}

// ResultReader is the result use case (threeds.ResultService).
type ResultReader interface {
	Result(ctx context.Context, merchantID, threeDSServerTransID string) (*threeds.ResultOutput, error)
}

// AuthRoutes are the dialect's routes of the auth step. results reads a
// reference's transaction first: a finished one answers its stored result
// and no second AReq goes out.
func AuthRoutes(svc Authenticator, results ResultReader, signer Signer, entities EntityReader, log *slog.Logger) []apigw.Route {
	h := authHandler{svc: svc, results: results, signer: signer, entities: entities, log: log, now: signer.now}
	return []apigw.Route{apigw.Post(apigw.StepAuth, Name, PathAuthentication, Errors{}, h.Handle)}
}

type authHandler struct {
	svc      Authenticator
	results  ResultReader
	signer   Signer
	entities EntityReader
	log      *slog.Logger
	now      func() time.Time
}

// outcomeBody is every outcome's answer (authentication and verification).
type outcomeBody struct {
	Outcome              string          `json:"outcome"`
	TransactionReference string          `json:"transactionReference"`
	Authentication       *authentication `json:"authentication,omitempty"`
	Challenge            *challengeOut   `json:"challenge,omitempty"`
	Links                links           `json:"_links,omitempty"`
}

type authentication struct {
	Version             string `json:"version,omitempty"`
	AuthenticationValue string `json:"authenticationValue,omitempty"`
	ECI                 string `json:"eci,omitempty"`
	TransactionID       string `json:"transactionId,omitempty"`
}

type challengeOut struct {
	Reference string `json:"reference"`
	URL       string `json:"url"`
	JWT       string `json:"jwt"`
	Payload   string `json:"payload"`
}

// The outcomes.
const (
	OutcomeAuthenticated   = "authenticated"
	OutcomeFailed          = "authenticationFailed"
	OutcomeChallenged      = "challenged"
	OutcomeNotEnrolled     = "notEnrolled"
	OutcomeUnavailable     = "unavailable"
	OutcomeBypassed        = "bypassed"
	OutcomeOutage          = "authenticationOutage"
	OutcomeSignatureFailed = "signatureFailed"
)

// Handle maps the seed's authentication body into an AReq and answers the
// outcome in the seed's shapes.
func (h authHandler) Handle(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	r, resp, ok := begin(ctx, h.log, ev)
	if !ok {
		return resp
	}
	var req authenticationRequest
	if err := r.decode(&req); err != nil {
		return r.fail(err)
	}
	areq, windowSize, verrs := toAReq(&req, h.now())
	if len(verrs) > 0 {
		return r.invalid(verrs)
	}
	if resp, ok := r.entity(h.entities, req.Merchant.Entity); !ok {
		return resp
	}
	ref := req.TransactionReference
	id := TransID(r.merchantID, ref)
	h.deviceData(ctx, r, areq, id, req.DeviceData.CollectionReference)
	// The return URL is the challenge JWT's, not the transaction's: our
	// hosted challenge page posts TransactionId and MD to it inside the
	// merchant's iframe (the callback page would send the top window).
	in := threeds.AuthInput{AReq: areq, ChallengeWindowSize: windowSize, CallbackBaseURL: r.base, Dialect: Name}
	prior, err := h.results.Result(ctx, r.merchantID, id)
	switch {
	case errors.Is(err, threeds.ErrTransactionNotFound):
		in.TransID = id // no deviceDataInitialization: the AReq opens it
	case err != nil:
		return r.fail(err)
	case prior.State == threeds.StateFinal || prior.State == threeds.StateFailed:
		r.log.InfoContext(ctx, "authentication replayed", slog.String("threeDSServerTransID", id),
			slog.String("merchantId", r.merchantID), slog.String("state", string(prior.State)), slog.Int("status", http.StatusOK))
		return r.ok(resultBody(r.base, ref, prior))
	default:
		areq.ThreeDSServerTransID = id
	}
	out, err := h.svc.Authenticate(ctx, r.merchantID, in)
	var (
		unavailable *threeds.DirectoryUnavailableError
		rejected    *threeds.RejectedMessageError
		peer        *threeds.PeerErroError
	)
	switch {
	case errors.As(err, &rejected) && rejected.Erro.ErrorMessageType == emv3ds.MessageTypeARes:
		// The DS's ARes failed our checks (its authentication value or
		// its form): no usable authentication, Worldpay's signatureFailed.
		r.log.WarnContext(ctx, "authentication", slog.String("threeDSServerTransID", id), slog.String("merchantId", r.merchantID),
			slog.String("outcome", OutcomeSignatureFailed), slog.String("errorCode", string(rejected.Erro.ErrorCode)), slog.Int("status", http.StatusOK))
		return r.ok(outcomeBody{Outcome: OutcomeSignatureFailed, TransactionReference: ref, Links: linksFor(r.base, "3ds:authenticate")})
	case errors.As(err, &rejected), errors.As(err, &peer):
		// The DS refused the AReq or answered an Erro: no authentication.
		r.log.WarnContext(ctx, "authentication", slog.String("threeDSServerTransID", id), slog.String("merchantId", r.merchantID),
			slog.String("outcome", OutcomeUnavailable), slog.Int("status", http.StatusOK))
		return r.ok(outcomeBody{Outcome: OutcomeUnavailable, TransactionReference: ref, Links: linksFor(r.base, "3ds:authenticate")})
	case errors.Is(err, threeds.ErrNotEnrolled):
		r.log.InfoContext(ctx, "authentication", slog.String("threeDSServerTransID", id), slog.String("merchantId", r.merchantID),
			slog.String("outcome", OutcomeNotEnrolled), slog.Int("status", http.StatusOK))
		return r.ok(outcomeBody{Outcome: OutcomeNotEnrolled, TransactionReference: ref,
			Authentication: &authentication{Version: "1.0.2", ECI: "06"}})
	case errors.As(err, &unavailable):
		r.log.WarnContext(ctx, "authentication", slog.String("threeDSServerTransID", id), slog.String("merchantId", r.merchantID),
			slog.String("outcome", OutcomeOutage), slog.Bool("timeout", unavailable.Timeout), slog.Int("status", http.StatusOK))
		return r.ok(outcomeBody{Outcome: OutcomeOutage, TransactionReference: ref, Links: linksFor(r.base, "3ds:authenticate")})
	case err != nil:
		return r.fail(err)
	}
	ares := out.ARes
	body := outcomeBody{TransactionReference: ref}
	switch ares.TransStatus {
	case emv3ds.TransStatusChallenge:
		body.Outcome = OutcomeChallenged
		body.Authentication = &authentication{Version: string(ares.MessageVersion)}
		jwt, err := h.signer.Issue(r.base, Claims{Purpose: "challenge", TransactionID: id, MerchantID: r.merchantID, ReturnURL: req.Challenge.ReturnURL,
			ObjectifyPayload: true, Payload: &ChallengePayload{ACSUrl: ares.ACSURL, Payload: out.ChallengeRequest,
				TransactionID: ares.ACSTransID, SessionData: out.SessionData}})
		if err != nil {
			return r.fail(err)
		}
		body.Challenge = &challengeOut{Reference: id, URL: r.base + ChallengePath, JWT: jwt, Payload: out.ChallengeRequest}
		body.Links = linksFor(r.base, "3ds:verify")
	default:
		body = outcomeOf(r.base, ref, out.Scheme, ares.MessageVersion, ares.TransStatus, ares.AuthenticationValue, ares.ECI, ares.DSTransID)
	}
	r.log.InfoContext(ctx, "authentication", slog.String("threeDSServerTransID", id), slog.String("merchantId", r.merchantID),
		slog.String("dsTransID", ares.DSTransID), slog.String("transStatus", string(ares.TransStatus)),
		slog.String("outcome", body.Outcome), slog.Int("status", http.StatusOK))
	return r.ok(body)
}

// deviceData puts what our DDC page collected into the AReq: the
// collection reference's browser values win over deviceData's, and the
// threeDSCompInd is the transaction's (Y once the ACS's 3DS Method
// notified us, N when it did not in time, U without a method). Without a
// reference of ours (none, or one we did not issue for this transaction,
// such as the seed's example value) the AReq goes with deviceData's values
// and threeDSCompInd U.
func (h authHandler) deviceData(ctx context.Context, r *request, areq *emv3ds.AReq, id, ref string) {
	if ref == "" {
		areq.ThreeDSCompInd = emv3ds.ThreeDSCompIndUnavailable
		return
	}
	c, err := h.signer.ParseCollection(id, ref)
	if err != nil {
		r.log.WarnContext(ctx, "collectionReference not recognised", slog.String("threeDSServerTransID", id))
		areq.ThreeDSCompInd = emv3ds.ThreeDSCompIndUnavailable
		return
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&areq.BrowserColorDepth, c.ColorDepth)
	set(&areq.BrowserScreenHeight, c.ScreenHeight)
	set(&areq.BrowserScreenWidth, c.ScreenWidth)
	set(&areq.BrowserTZ, c.TZ)
	set(&areq.BrowserLanguage, c.Language)
	java, js := c.Java, true
	areq.BrowserJavaEnabled, areq.BrowserJavascriptEnabled = &java, &js
}

// outcomeOf is a final result as Worldpay's outcome: Y and A authenticated,
// N and R authenticationFailed, U unavailable, I bypassed.
func outcomeOf(base, ref string, scheme emv3ds.Scheme, v emv3ds.Version, st emv3ds.TransStatus, av emv3ds.AuthenticationValue, eci emv3ds.ECI, dsTransID string) outcomeBody {
	if eci == "" {
		if e, ok := emv3ds.ECIFor(scheme, st); ok {
			eci = e
		}
	}
	a := &authentication{Version: string(v), ECI: string(eci), TransactionID: dsTransID}
	b := outcomeBody{TransactionReference: ref, Authentication: a}
	switch st {
	case emv3ds.TransStatusAuthenticated, emv3ds.TransStatusAttempted:
		b.Outcome, a.AuthenticationValue = OutcomeAuthenticated, av.Reveal()
	case emv3ds.TransStatusNotAuthenticated, emv3ds.TransStatusRejected:
		b.Outcome, b.Links = OutcomeFailed, linksFor(base, "3ds:authenticate")
	case emv3ds.TransStatusInformational:
		b.Outcome = OutcomeBypassed
	default: // U, and anything else the DS answered
		b.Outcome, b.Authentication, b.Links = OutcomeUnavailable, nil, linksFor(base, "3ds:authenticate")
	}
	return b
}

// resultBody is a stored result as Worldpay's outcome.
func resultBody(base, ref string, res *threeds.ResultOutput) outcomeBody {
	if res.State == threeds.StateFailed {
		if res.Error != nil && res.Error.Timeout {
			return outcomeBody{Outcome: OutcomeOutage, TransactionReference: ref, Links: linksFor(base, "3ds:authenticate")}
		}
		if res.Error != nil && res.Error.MessageType == emv3ds.MessageTypeARes && res.Error.Component == emv3ds.ErrorComponentServer {
			return outcomeBody{Outcome: OutcomeSignatureFailed, TransactionReference: ref, Links: linksFor(base, "3ds:authenticate")}
		}
		return outcomeBody{Outcome: OutcomeUnavailable, TransactionReference: ref, Links: linksFor(base, "3ds:authenticate")}
	}
	return outcomeOf(base, ref, res.Scheme, res.MessageVersion, res.TransStatus, res.AuthenticationValue, res.ECI, res.DSTransID)
}
