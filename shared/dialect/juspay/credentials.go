package juspay

import "github.com/open3ds/server/shared/apigw"

// CredentialKind is the kind of the stored Juspay credentials.
const CredentialKind = "juspay-basic"

// Credentials is the dialect's credential rule (shared/credentials): HTTP
// Basic with the API key as the username and an empty password, hashed as
// apigw.BasicCredentialMaterial(CredentialKind, key, ""). A refusal reaches
// the handler without a merchant, which answers 401 in Juspay's shape. Only
// /orders is guarded: /txns is authenticated by the order's
// client_auth_token (no API key in the browser).
var Credentials = apigw.CredentialRule{
	Dialect:        Name,
	Kind:           CredentialKind,
	PathPrefixes:   []string{"/orders", "/orders/"},
	Material:       apigw.BasicMaterial(CredentialKind),
	GatewayRejects: false,
}
