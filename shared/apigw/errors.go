package apigw

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// About names the message an error answers, so the Erro echoes its version
// and transaction ID.
type About struct {
	MessageType          emv3ds.MessageType
	MessageVersion       emv3ds.Version
	ThreeDSServerTransID string
}

// Status and Erro body for err: the one place errors become HTTP answers.
// Client mistakes are 4xx with the offending element named (never its value);
// the DS's and ACS's protocol errors keep their component; the server's own
// failures are a generic 500 whose cause is only logged.
func Status(err error, about About) (int, *emv3ds.Erro) {
	about = about.echoable()
	var (
		verr        *emv3ds.ValidationError
		badText     *BadTextError
		unavailable *threeds.DirectoryUnavailableError
		peer        *threeds.PeerErroError
		rejected    *threeds.RejectedMessageError
		failed      *threeds.FailedError
	)
	erro := func(code emv3ds.ErrorCode, component emv3ds.ErrorComponent, description, detail string) *emv3ds.Erro {
		e := &emv3ds.Erro{
			MessageType: emv3ds.MessageTypeErro, MessageVersion: about.MessageVersion,
			ThreeDSServerTransID: about.ThreeDSServerTransID, ErrorCode: code, ErrorComponent: component,
			ErrorDescription: description, ErrorDetail: detail, ErrorMessageType: about.MessageType,
		}
		if !e.MessageVersion.Supported() {
			e.MessageVersion = emv3ds.Version220
		}
		return e
	}
	switch {
	case errors.As(err, &verr):
		e := emv3ds.NewErro(verr, emv3ds.ErrorComponentServer, nil)
		e.MessageVersion, e.ThreeDSServerTransID, e.ErrorMessageType = about.MessageVersion, about.ThreeDSServerTransID, about.MessageType
		if !e.MessageVersion.Supported() {
			e.MessageVersion = emv3ds.Version220
		}
		status := http.StatusBadRequest
		if verr.Code() == emv3ds.ErrorCodeTransIDNotRecognised {
			status = http.StatusNotFound
		}
		return status, e
	case errors.As(err, &badText):
		return http.StatusBadRequest, erro(emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrorComponentServer, "Text "+badText.Rule(), badText.Field)
	case errors.Is(err, ErrBodyTooLarge):
		return http.StatusRequestEntityTooLarge, erro(emv3ds.ErrorCodeMessageInvalid, emv3ds.ErrorComponentServer, "Request body too large", "body")
	case errors.Is(err, ErrEmptyBody), errors.Is(err, ErrMalformedBody):
		return http.StatusBadRequest, erro(emv3ds.ErrorCodeMessageInvalid, emv3ds.ErrorComponentServer, "Message received invalid: the body is not a JSON object", "body")
	case errors.Is(err, ErrRouteNotFound):
		return http.StatusNotFound, erro(emv3ds.ErrorCodeMessageInvalid, emv3ds.ErrorComponentServer, "Message received invalid: no such route", "path")
	case errors.Is(err, ErrMethodNotAllowed):
		return http.StatusMethodNotAllowed, erro(emv3ds.ErrorCodeMessageInvalid, emv3ds.ErrorComponentServer, "Message received invalid: method not allowed", "httpMethod")
	case errors.Is(err, threeds.ErrInvalidCallback):
		return http.StatusBadRequest, erro(emv3ds.ErrorCodeMessageInvalid, emv3ds.ErrorComponentServer, "Message received invalid: the callback data is not valid", "body")
	case errors.Is(err, ErrUnsupportedMedia):
		return http.StatusUnsupportedMediaType, erro(emv3ds.ErrorCodeMessageInvalid, emv3ds.ErrorComponentServer, "Content-Type must be application/json", "Content-Type")
	case errors.Is(err, ErrIdempotencyKeySize):
		return http.StatusBadRequest, erro(emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrorComponentServer, "Idempotency-Key must be 1 to 255 ASCII characters", "Idempotency-Key")
	case errors.Is(err, ErrUnauthenticated), errors.Is(err, threeds.ErrInvalidAPIKey), errors.Is(err, threeds.ErrMerchantNotFound):
		return http.StatusUnauthorized, erro(emv3ds.ErrorCodeAccessDenied, emv3ds.ErrorComponentServer, "Access denied: missing or invalid API key", "Authorization")
	case errors.Is(err, threeds.ErrTransactionNotFound):
		return http.StatusNotFound, erro(emv3ds.ErrorCodeTransIDNotRecognised, emv3ds.ErrorComponentServer, "Transaction ID not recognised", "threeDSServerTransID")
	case errors.Is(err, threeds.ErrNotEnrolled):
		return http.StatusUnprocessableEntity, erro(emv3ds.ErrorCodeTransactionDataInvalid, emv3ds.ErrorComponentServer, "Card not enrolled in 3-D Secure 2: the account number is in no card range", "acctNumber")
	case errors.Is(err, threeds.ErrSchemeNotServed):
		return http.StatusUnprocessableEntity, erro(emv3ds.ErrorCodeTransactionDataInvalid, emv3ds.ErrorComponentServer, "Card scheme not enabled for this merchant", "acctNumber")
	case errors.Is(err, threeds.ErrIdempotencyConflict):
		return http.StatusConflict, erro(emv3ds.ErrorCodeTransactionDataInvalid, emv3ds.ErrorComponentServer, "Idempotency-Key already used with a different request body", "Idempotency-Key")
	case errors.Is(err, threeds.ErrIdempotencyInProgress):
		return http.StatusConflict, erro(emv3ds.ErrorCodeTransientFailure, emv3ds.ErrorComponentServer, "A request with this Idempotency-Key is still in progress", "Idempotency-Key")
	case errors.Is(err, threeds.ErrResultFinal), errors.Is(err, threeds.ErrInvalidTransition), errors.Is(err, threeds.ErrConcurrentUpdate):
		return http.StatusConflict, erro(emv3ds.ErrorCodeTransactionDataInvalid, emv3ds.ErrorComponentServer, "Transaction is not in a state that allows this request", "threeDSServerTransID")
	case errors.As(err, &unavailable):
		status := http.StatusBadGateway
		if unavailable.Timeout {
			status = http.StatusGatewayTimeout
		}
		return status, erro(emv3ds.ErrorCodeSystemConnectionFailure, emv3ds.ErrorComponentServer, "Unable to contact Directory Server", unavailable.Cause)
	case errors.As(err, &peer): // the DS or ACS judged the request: a client-visible outcome
		e := *peer.Erro
		if e.ErrorMessageType == "" {
			e.ErrorMessageType = about.MessageType
		}
		return http.StatusUnprocessableEntity, &e
	case errors.As(err, &rejected):
		return http.StatusBadGateway, rejected.Erro
	case errors.As(err, &failed):
		i := failed.Info
		if i.Description == "" {
			i.Description = i.Code.Description()
		}
		e := erro(i.Code, i.Component, i.Description, i.Detail)
		if i.MessageType != "" {
			e.ErrorMessageType = i.MessageType
		}
		// Reading a failed transaction is a successful read: never a 5xx
		// (clients retry those), always 422 with the Erro /auth answered.
		return http.StatusUnprocessableEntity, e
	default:
		return http.StatusInternalServerError, erro(emv3ds.ErrorCodeTransientFailure, emv3ds.ErrorComponentServer, "Transient system failure", "Retry the request")
	}
}

// Renderer writes an error in a dialect's own shape. The status and the
// Erro (what failed, as EMV error code, component and element) come from
// Status, the one mapper; the dialect only chooses the body: the EMV Erro
// itself for emvjson, its vendor's error object for the others.
type Renderer interface {
	RenderError(status int, erro *emv3ds.Erro) Response
}

// ErroJSON renders the EMV Erro message as the body: the protocol's own
// error, as the DS-facing routes answer it.
type ErroJSON struct{}

// RenderError answers erro as JSON.
func (ErroJSON) RenderError(status int, erro *emv3ds.Erro) Response { return JSON(status, erro) }

// ErroStatus is the HTTP status of an Erro the server answers about a DS's
// or ACS's message it rejected (the results endpoint): 404 for an unknown
// transaction (301), 409 for data that contradicts the transaction (305),
// else 400.
func ErroStatus(erro *emv3ds.Erro) int {
	switch erro.ErrorCode {
	case emv3ds.ErrorCodeTransIDNotRecognised:
		return http.StatusNotFound
	case emv3ds.ErrorCodeTransactionDataInvalid:
		return http.StatusConflict
	default:
		return http.StatusBadRequest
	}
}

// Error answers err in r's shape and logs the outcome once: a warning for
// client mistakes, an error (with the internal cause) for the server's own.
func Error(ctx context.Context, log *slog.Logger, r Renderer, err error, about About) Response {
	about = about.echoable()
	status, erro := Status(err, about)
	attrs := []any{
		slog.Int("status", status),
		slog.String("errorCode", string(erro.ErrorCode)),
		slog.String("errorComponent", string(erro.ErrorComponent)),
		slog.String("errorDetail", erro.ErrorDetail),
	}
	if about.ThreeDSServerTransID != "" {
		attrs = append(attrs, slog.String("threeDSServerTransID", about.ThreeDSServerTransID))
	}
	if status >= 500 {
		attrs = append(attrs, slog.String("error", err.Error()))
		log.ErrorContext(ctx, "request failed", attrs...)
	} else {
		log.WarnContext(ctx, "request rejected", attrs...)
	}
	return r.RenderError(status, erro)
}
