package emvjson

import (
	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
)

// Name is the dialect's name, stored on the transactions it opens.
const Name = "emvjson"

// Errors renders errors as the EMV Erro message: messageType, errorCode,
// errorComponent, errorDescription, errorDetail (never a value), with the
// message's version and transaction ID when known.
type Errors struct{}

// RenderError answers the Erro as JSON.
func (Errors) RenderError(status int, erro *emv3ds.Erro) apigw.Response {
	return apigw.JSON(status, erro)
}
