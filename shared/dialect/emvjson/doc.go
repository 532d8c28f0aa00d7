// Package emvjson is the native merchant API, the "EMV-JSON" dialect: the
// 3dsecure.io-style /preauth, /auth and /postauth that clients of
// 3dsecure.io and Hyperswitch's threedsecureio connector use unchanged.
//
// It owns everything of that API's wire: the request and response types and
// their encoding (EMV element names, lenient in, exact out), its error body
// (the EMV Erro itself, Errors), its webhook payload and signature header
// (Webhook), and one handler per flow step, exposed as apigw routes
// (PreauthRoutes, AuthRoutes, PostauthRoutes) that the step functions
// route. API keys are read by the authorizer (Authorization: Bearer or
// APIKey). The flows themselves are threeds's; this package only translates.
// It imports no other dialect.
package emvjson
