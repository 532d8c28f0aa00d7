package cardinal

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/browser"
)

// PathScript is cardinal.js, served by the callback step with the browser kit.
const PathScript = "/js/cardinal.js"

// ScriptRoutes are the dialect's route of the callback step: GET
// /js/cardinal.js (shared/browser.CardinalAsset).
func ScriptRoutes() []apigw.Route {
	return []apigw.Route{{Method: http.MethodGet, Path: PathScript, Step: apigw.StepCallback, Dialect: Name, Errors: Errors{},
		Handle: func(_ context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
			return browser.CardinalAsset(ev.QueryStringParameters, ev.Headers)
		}}}
}
