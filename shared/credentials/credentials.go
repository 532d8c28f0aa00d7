package credentials

import (
	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/dialect/emvjson"
	"github.com/open3ds/server/shared/dialect/juspay"
	"github.com/open3ds/server/shared/dialect/juspay3ds"
	"github.com/open3ds/server/shared/dialect/uas"
	"github.com/open3ds/server/shared/dialect/worldpay"
)

// Rules are the dialects' credential rules: one line per dialect. Cardinal
// is not here: its routes carry a request JWT its handlers check.
func Rules() []apigw.CredentialRule {
	return []apigw.CredentialRule{
		emvjson.Credentials,
		uas.Credentials,
		juspay3ds.Credentials,
		juspay.Credentials,
		worldpay.Credentials,
	}
}
