package uas

import (
	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
)

// Name is the dialect's name, stored on the transactions it opens.
const Name = "uas"

// Errors renders errors as UAS's error shape, {"error": "..."}: the
// description of the one status mapper (apigw.Status) and the offending
// field, never a value.
type Errors struct{}

// errorBody is UAS's error response (UnifiedAuthenticationServiceErrorResponse).
type errorBody struct {
	Error string `json:"error"`
}

// RenderError answers {"error": "<description> (<field>)"}.
func (Errors) RenderError(status int, erro *emv3ds.Erro) apigw.Response {
	msg := erro.ErrorDescription
	if erro.ErrorDetail != "" {
		msg += " (" + erro.ErrorDetail + ")"
	}
	return apigw.JSON(status, errorBody{Error: msg})
}
