package threeds

import (
	"context"

	"github.com/open3ds/server/shared/emv3ds"
)

// Directory sends messages to the card scheme's Directory Server. The flows
// own this interface; shared/dsclient implements it over HTTPS with mutual TLS.
type Directory interface {
	// SendAReq returns the ARes as received, unvalidated. Errors:
	// *DirectoryUnavailableError, *PeerErroError, *InvalidResponseError,
	// *RejectedMessageError (the answer failed decoding rules such as 204).
	SendAReq(ctx context.Context, scheme emv3ds.Scheme, areq *emv3ds.AReq) (*emv3ds.ARes, error)
	// SendPReq returns the PRes for a card-range refresh.
	SendPReq(ctx context.Context, scheme emv3ds.Scheme, preq *emv3ds.PReq) (*emv3ds.PRes, error)
	// SendErro tells the DS that a message it sent failed validation.
	SendErro(ctx context.Context, scheme emv3ds.Scheme, erro *emv3ds.Erro) error
}
