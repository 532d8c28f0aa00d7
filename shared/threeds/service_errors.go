package threeds

import (
	"errors"
	"fmt"

	"github.com/open3ds/server/shared/emv3ds"
)

// ErrDirectoryUnavailable is wrapped by every failure to exchange a message
// with a Directory Server: connection refused, TLS failure, no answer in time.
var ErrDirectoryUnavailable = errors.New("unable to contact directory server")

// DirectoryUnavailableError says why a DS exchange failed. Cause is a short,
// card-data-free phrase ("Connection timeout") that goes into errorDetail.
type DirectoryUnavailableError struct {
	Timeout bool
	Cause   string
}

func (e *DirectoryUnavailableError) Error() string {
	return fmt.Sprintf("unable to contact directory server: %s", e.Cause)
}

// Is reports ErrDirectoryUnavailable.
func (e *DirectoryUnavailableError) Is(target error) bool { return target == ErrDirectoryUnavailable }

// PeerErroError is an Erro the DS or ACS answered instead of the expected
// message. It ends the transaction and is passed to the merchant unchanged,
// with the peer's errorComponent.
type PeerErroError struct{ Erro *emv3ds.Erro }

func (e *PeerErroError) Error() string {
	return fmt.Sprintf("peer answered Erro %s (component %s)", e.Erro.ErrorCode, e.Erro.ErrorComponent)
}

// InvalidResponseError is a DS response that is not a usable EMV message
// (garbage, truncated, too large, unexpected type). Reason is card-data free.
type InvalidResponseError struct{ Reason string }

func (e *InvalidResponseError) Error() string {
	return "invalid directory server response: " + e.Reason
}

// RejectedMessageError is a message from the DS or ACS that failed our
// validation. Erro is what the server sent back to the DS (component S) and
// what the merchant receives.
type RejectedMessageError struct{ Erro *emv3ds.Erro }

func (e *RejectedMessageError) Error() string {
	return fmt.Sprintf("rejected %s from directory server: Erro %s", e.Erro.ErrorMessageType, e.Erro.ErrorCode)
}

// FailedError reports again a failure recorded on the transaction (postauth
// after a failed /auth): the merchant gets the Erro and status it got then.
type FailedError struct{ Info ErrorInfo }

func (e *FailedError) Error() string {
	return fmt.Sprintf("transaction failed earlier: Erro %s (component %s)", e.Info.Code, e.Info.Component)
}
