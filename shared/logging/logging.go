package logging

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// New returns the process logger: Lambda's JSON handler (it reads
// AWS_LAMBDA_LOG_FORMAT and AWS_LAMBDA_LOG_LEVEL and adds requestId on the
// …Context calls), which also writes plain JSON outside Lambda.
func New() *slog.Logger {
	return lambdacontext.NewLogger()
}

// Fatal logs a start-up failure and exits. Only main functions call it:
// a Lambda that cannot initialise must fail its init, not serve requests.
func Fatal(msg string, err error) {
	slog.Error(msg, slog.String("error", err.Error()))
	os.Exit(1)
}
