// Package config is the only reader of environment variables. FromEnv turns
// them into a typed Config (durations, URLs, certificate sources) and reports
// every missing or malformed variable at once in one errors.Join, so a
// misconfigured function fails its cold start with the whole list instead of
// one variable per deploy.
//
// Each Lambda function reads a known set of variables (Variables); the
// template tests in testkit/templatetest compare that set with what
// template.yaml gives each function, so the two cannot drift. Variables hold
// names, ARNs, paths and tuning values only, never secrets: the master key
// and the DS client certificate live in Secrets Manager (or, locally, in the
// files named by SECRETS_FILE and DS_CERT_FILE/DS_KEY_FILE/DS_CA_FILE).
package config
