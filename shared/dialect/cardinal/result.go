package cardinal

import (
	"github.com/open3ds/server/shared/dialect/cardinal/cruise"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// ActionCode is the response's ActionCode for a transStatus: SUCCESS for
// Y and A, FAILURE for N and R (and a cancelled challenge), NOACTION when
// no authentication happened (U, I, not enrolled).
func ActionCode(status emv3ds.TransStatus, cancelled bool) string {
	switch {
	case cancelled:
		return cruise.ActionFailure
	case status == "Y" || status == "A":
		return cruise.ActionSuccess
	case status == "N" || status == "R":
		return cruise.ActionFailure
	default:
		return cruise.ActionNoAction
	}
}

// resultPayload is the response payload of a stored result (the ARes or
// RReq the server validated), or an ERROR one when the protocol failed.
func resultPayload(out *threeds.ResultOutput) cruise.ResponsePayload {
	if out.Status == threeds.ResultFailed || out.Status == threeds.ResultExpired {
		desc, number := "Authentication failed: the transaction expired", 1050
		if out.Error != nil {
			desc = "Authentication failed: " + out.Error.Description
			number = 1000 + errorNumber(string(out.Error.Code))
		}
		return cruise.ResponsePayload{Validated: false, ActionCode: cruise.ActionError, ErrorNumber: number, ErrorDescription: desc,
			Payment: cruise.Payment{Type: "CCA", ProcessorTransactionId: out.ThreeDSServerTransID,
				ExtendedData: cruise.ExtendedData{Enrolled: "Y", ThreeDSVersion: string(out.MessageVersion)}}}
	}
	cancelled := out.ChallengeCancel != ""
	return cruise.ResponsePayload{
		Validated: true, ActionCode: ActionCode(out.TransStatus, cancelled), ErrorNumber: 0, ErrorDescription: "Success",
		Payment: cruise.Payment{Type: "CCA", ProcessorTransactionId: out.ThreeDSServerTransID, ExtendedData: cruise.ExtendedData{
			CAVV:                  out.AuthenticationValue.Reveal(),
			ECIFlag:               string(out.ECI),
			PAResStatus:           string(out.TransStatus),
			SignatureVerification: "Y",
			XID:                   out.ThreeDSServerTransID,
			Enrolled:              "Y",
			ThreeDSVersion:        string(out.MessageVersion),
			DSTransactionId:       out.DSTransID,
		}},
	}
}

func errorNumber(code string) int {
	n := 0
	for _, c := range code {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}
