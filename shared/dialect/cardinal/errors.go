package cardinal

import (
	"net/http"
	"strings"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
)

// Name is the dialect's name, stored on the transactions it opens.
const Name = "cardinal"

// ErrorNoJWT is the ErrorNo of a refused request JWT.
const ErrorNoJWT = "1010"

// errorBody is the dialect's error shape: Cardinal's ErrorNo / ErrorDesc.
type errorBody struct {
	ErrorNo   string `json:"ErrorNo"`
	ErrorDesc string `json:"ErrorDesc"`
}

// Errors renders errors as {"ErrorNo", "ErrorDesc"}: ErrorNo is the EMV
// error code the mapper chose, ErrorDesc its description and the offending
// element (never a value).
type Errors struct{}

// RenderError answers the error as the dialect's JSON.
func (Errors) RenderError(status int, erro *emv3ds.Erro) apigw.Response {
	desc := erro.ErrorDescription
	if erro.ErrorDetail != "" && !strings.Contains(desc, erro.ErrorDetail) {
		desc += " (" + erro.ErrorDetail + ")"
	}
	return apigw.JSON(status, errorBody{ErrorNo: string(erro.ErrorCode), ErrorDesc: desc})
}

func jwtRefused(err error) apigw.Response {
	return apigw.JSON(http.StatusUnauthorized, errorBody{ErrorNo: ErrorNoJWT, ErrorDesc: err.Error()})
}
