package juspay3ds

import (
	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
)

// Name is the dialect's name, stored on the transactions it opens.
const Name = "juspay3ds"

// Errors renders {"error": "<description> (<field>)", "errorDetails":
// {errorCode, errorComponent, errorDescription, errorDetail}, "threeDSServerTransID"?}.
type Errors struct{}

type errorDetails struct {
	ErrorCode        string `json:"errorCode"`
	ErrorComponent   string `json:"errorComponent,omitempty"`
	ErrorDescription string `json:"errorDescription"`
	ErrorDetail      string `json:"errorDetail,omitempty"`
	ErrorMessageType string `json:"errorMessageType,omitempty"`
}

type errorBody struct {
	Error                string       `json:"error"`
	ThreeDSServerTransID string       `json:"threeDSServerTransID,omitempty"`
	ErrorDetails         errorDetails `json:"errorDetails"`
}

// RenderError answers the error body.
func (Errors) RenderError(status int, erro *emv3ds.Erro) apigw.Response {
	msg := erro.ErrorDescription
	if erro.ErrorDetail != "" {
		msg += " (" + erro.ErrorDetail + ")"
	}
	return apigw.JSON(status, errorBody{Error: msg, ThreeDSServerTransID: erro.ThreeDSServerTransID, ErrorDetails: errorDetails{
		ErrorCode: string(erro.ErrorCode), ErrorComponent: string(erro.ErrorComponent), ErrorDescription: erro.ErrorDescription,
		ErrorDetail: erro.ErrorDetail, ErrorMessageType: string(erro.ErrorMessageType),
	}})
}

// Credentials is the rule for /3ds/: the merchant's native API key
// (Authorization: Bearer or APIKey); a refusal reaches the handler, which
// answers 401 in this dialect's shape.
var Credentials = apigw.CredentialRule{
	Dialect:        Name,
	PathPrefixes:   []string{"/3ds/"},
	Material:       apigw.HeaderMaterial("", apigw.APIKeySources),
	GatewayRejects: false,
}
