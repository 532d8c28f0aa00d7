package uas

import "github.com/open3ds/server/shared/apigw"

// TokenKind is the stored credential kind of UAS capability tokens.
const TokenKind = "uas-token"

// PathPrefix is the base of every UAS route; the capability token is the
// next segment ({token}).
const PathPrefix = "/uas/"

// Credentials is the UAS credential rule (shared/credentials): the capability token in
// the path (/uas/{token}/…), hashed as TokenMaterial; when the request
// carries the merchant's native API key (Authorization: Bearer or APIKey)
// that key is used instead (Bearer). A refusal reaches the handler without a
// merchant, which answers 401 {"error": …} itself.
var Credentials = apigw.CredentialRule{
	Dialect:        Name,
	Kind:           TokenKind,
	PathPrefixes:   []string{PathPrefix},
	Material:       apigw.PathTokenMaterial(TokenKind, "token"),
	GatewayRejects: false,
	Alternate:      &Bearer,
}

// Bearer is the alternate rule of Credentials: the native API key.
var Bearer = apigw.CredentialRule{
	Dialect:        Name,
	PathPrefixes:   []string{PathPrefix},
	Material:       apigw.HeaderMaterial("", apigw.APIKeySources),
	GatewayRejects: false,
}

// TokenMaterial is what is hashed and stored for a capability token
// (vault.HashAPIKey(TokenMaterial(token))).
func TokenMaterial(token string) string { return TokenKind + ":" + token }
