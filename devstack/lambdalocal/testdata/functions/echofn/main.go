// Command echofn is a test Lambda behind the local API Gateway: it answers
// with the event it received, and misbehaves on request (crash, hang, error).
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

var invocations int // per process: 1 on a cold start

func handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	invocations++
	switch {
	case strings.HasSuffix(req.Path, "/crash"):
		os.Exit(3)
	case strings.HasSuffix(req.Path, "/slow"):
		time.Sleep(300 * time.Millisecond) // overlapping invocations
	case strings.HasSuffix(req.Path, "/hang"):
		time.Sleep(time.Hour)
	case strings.HasSuffix(req.Path, "/error"):
		return events.APIGatewayProxyResponse{}, errors.New("echo failed on purpose")
	case strings.HasSuffix(req.Path, "/binary"):
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: base64.StdEncoding.EncodeToString([]byte{0xff, 0x00, 0xfe}), IsBase64Encoded: true,
			Headers: map[string]string{"Content-Type": "application/octet-stream"}}, nil
	case strings.HasSuffix(req.Path, "/garbage"):
		return events.APIGatewayProxyResponse{StatusCode: 0}, nil
	}
	lc, _ := lambdacontext.FromContext(ctx)
	deadline, _ := ctx.Deadline()
	body, err := json.Marshal(map[string]any{
		"event":       req,
		"invocations": invocations,
		"pid":         os.Getpid(),
		"greeting":    os.Getenv("GREETING"),
		"function":    os.Getenv("AWS_LAMBDA_FUNCTION_NAME"),
		"requestId":   lc.AwsRequestID,
		"arn":         lc.InvokedFunctionArn,
		"hasDeadline": !deadline.IsZero(),
	})
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return events.APIGatewayProxyResponse{
		StatusCode:        201,
		Headers:           map[string]string{"Content-Type": "application/json", "X-Single": "one"},
		MultiValueHeaders: map[string][]string{"Set-Cookie": {"a=1", "b=2"}},
		Body:              string(body),
	}, nil
}

func main() {
	if os.Getenv("ECHO_FAIL_INIT") == "1" {
		os.Exit(4)
	}
	lambda.Start(handle)
}
