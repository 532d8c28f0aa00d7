// Package logging sets up the JSON slog logger every function and command
// uses, with Lambda's request ID on each line, and the one way a process
// reports a fatal start-up error.
package logging
