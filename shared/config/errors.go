package config

import "errors"

var (
	// ErrMissing is wrapped by a VarError for a required variable that is
	// absent or empty.
	ErrMissing = errors.New("missing")
	// ErrInvalid is wrapped by a VarError for a variable whose value cannot
	// be used.
	ErrInvalid = errors.New("invalid")
	// ErrConflict is wrapped by a VarError for variables that must not be
	// set together (an ARN and a local file for the same secret).
	ErrConflict = errors.New("conflict")
	// ErrUnknownFunction is returned for a Function that is not one of
	// Functions.
	ErrUnknownFunction = errors.New("unknown function")
)

// VarError is one bad environment variable. Its message names the variable
// and the rule it broke, never the value.
type VarError struct {
	Name   string
	Err    error // ErrMissing, ErrInvalid or ErrConflict
	Reason string
}

func (e *VarError) Error() string {
	if e.Reason == "" {
		return e.Name + ": " + e.Err.Error()
	}
	return e.Name + ": " + e.Err.Error() + ": " + e.Reason
}

func (e *VarError) Unwrap() error { return e.Err }
