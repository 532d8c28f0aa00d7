package worldpay

import "github.com/open3ds/server/shared/apigw"

// CredentialKind is the kind of the stored Worldpay credentials
// (threeds.APIKey.Kind): the hash of apigw.BasicCredentialMaterial(kind,
// username, password).
const CredentialKind = "worldpay-basic"

// Credentials is the dialect's credential rule: HTTP Basic on every path
// under /verifications/customers/3ds/. A refused credential reaches the
// handler without a merchant, which answers 401 in Worldpay's shape.
var Credentials = apigw.CredentialRule{
	Dialect:        Name,
	Kind:           CredentialKind,
	PathPrefixes:   []string{BasePath + "/"},
	Material:       apigw.BasicMaterial(CredentialKind),
	GatewayRejects: false,
}
