package threeds

import (
	"fmt"

	"github.com/open3ds/server/shared/emv3ds"
)

// CheckCRes is the rule for the final CRes the browser brings back to the
// challenge callback: it must be a valid CRes (emv3ds rules: message type,
// a supported version, UUIDs, transStatus Y or N) and a CRes of tx: its
// threeDSServerTransID tx's, its acsTransID the ARes's, its messageVersion
// the one the CReq was sent in. An Erro the ACS posts instead must name no
// other transaction. Whatever it carries, the CRes never sets the result.
func CheckCRes(cres *emv3ds.CRes, erro *emv3ds.Erro, tx *Transaction) error {
	if erro != nil {
		if (erro.ThreeDSServerTransID != "" && erro.ThreeDSServerTransID != tx.ID) ||
			(erro.ACSTransID != "" && erro.ACSTransID != tx.ARes.ACSTransID) {
			return fmt.Errorf("an Erro for another transaction: %w", ErrInvalidCallback)
		}
		return nil
	}
	if cres == nil {
		return fmt.Errorf("no CRes: %w", ErrInvalidCallback)
	}
	if err := cres.Validate(); err != nil {
		return fmt.Errorf("CRes invalid (%s): %w", emv3ds.CodeOf(err), ErrInvalidCallback)
	}
	switch {
	case cres.ThreeDSServerTransID != tx.ID:
		return fmt.Errorf("CRes for another transaction: %w", ErrInvalidCallback)
	case cres.ACSTransID != tx.ARes.ACSTransID:
		return fmt.Errorf("acsTransID does not match the ARes: %w", ErrInvalidCallback)
	case tx.MessageVersion != "" && cres.MessageVersion != tx.MessageVersion:
		return fmt.Errorf("CRes messageVersion is not the transaction's: %w", ErrInvalidCallback)
	}
	return nil
}

// ConfirmedStatus is the transStatus a browser page, postMessage or return
// URL may carry: the final result's (the RReq, or the ARes for a
// frictionless result), and nothing while only the CRes has come, so a
// forged CRes Y shows no Y. ready reports that a result is held.
func ConfirmedStatus(tx *Transaction) (status emv3ds.TransStatus, ready bool) {
	if tx.Result == nil {
		return "", false
	}
	return tx.Result.TransStatus, true
}
