package emvjson

import "github.com/open3ds/server/shared/apigw"

// Credentials is the native API's credential rule (shared/credentials):
// the merchant's API key as `Authorization: Bearer <key>` or `APIKey: <key>`,
// hashed as it is; a refusal is the 401 with the EMV Erro body
// (apigw.Unauthorized), before the handler.
var Credentials = apigw.CredentialRule{
	Dialect:        Name,
	PathPrefixes:   []string{"/preauth", "/auth", "/postauth"},
	Material:       apigw.HeaderMaterial("", apigw.APIKeySources),
	GatewayRejects: true,
}
