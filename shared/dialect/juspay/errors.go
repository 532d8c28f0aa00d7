package juspay

import (
	"net/http"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
)

// Name is the dialect's name, stored on the transactions it opens.
const Name = "juspay"

// ErrorBody is Juspay's error object.
type ErrorBody struct {
	Status       string `json:"status"`
	ErrorCode    string `json:"error_code"`
	ErrorMessage string `json:"error_message"`
	// ErrorField names the offending parameter (never its value).
	ErrorField string `json:"error_field,omitempty"`
}

// Errors renders errors in Juspay's shape: status "invalid_request_error"
// for client mistakes ("error" for the server's own), an error_code by
// kind, an error_message that names the parameter, never its value.
type Errors struct{}

// RenderError answers erro in Juspay's shape.
func (Errors) RenderError(status int, erro *emv3ds.Erro) apigw.Response {
	b := ErrorBody{Status: "invalid_request_error", ErrorField: erro.ErrorDetail}
	switch {
	case status == http.StatusUnauthorized:
		b.ErrorCode, b.ErrorMessage, b.ErrorField = "access_denied", "Access denied: missing or invalid credentials", ""
	case status == http.StatusNotFound:
		b.ErrorCode, b.ErrorMessage = "not_found", "Not found: "+erro.ErrorDescription
	case status == http.StatusConflict:
		b.ErrorCode, b.ErrorMessage = "conflict", erro.ErrorDescription
	case status >= 500:
		b.Status, b.ErrorCode, b.ErrorMessage, b.ErrorField = "error", "internal_error", erro.ErrorDescription, ""
	default:
		b.ErrorCode = "invalid_request"
		b.ErrorMessage = erro.ErrorDescription
		if erro.ErrorDetail != "" {
			b.ErrorMessage = "Invalid " + erro.ErrorDetail + ": " + erro.ErrorDescription
		}
	}
	return apigw.JSON(status, b)
}
