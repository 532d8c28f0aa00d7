package emv3ds

import (
	"errors"
	"log/slog"
)

// Erro is the Error message. It is also an error, so an Erro received in
// place of an answer can be returned up the stack and found with errors.As.
type Erro struct {
	MessageType          MessageType        `json:"messageType,omitempty"`    // "Erro"
	MessageVersion       Version            `json:"messageVersion,omitempty"` // R
	ThreeDSServerTransID string             `json:"threeDSServerTransID,omitempty"`
	ACSTransID           string             `json:"acsTransID,omitempty"`
	DSTransID            string             `json:"dsTransID,omitempty"`
	SDKTransID           string             `json:"sdkTransID,omitempty"`
	ErrorCode            ErrorCode          `json:"errorCode,omitempty"`        // R 3 digits
	ErrorComponent       ErrorComponent     `json:"errorComponent,omitempty"`   // R C/S/D/A
	ErrorDescription     string             `json:"errorDescription,omitempty"` // R ≤2048
	ErrorDetail          string             `json:"errorDetail,omitempty"`      // R ≤2048
	ErrorMessageType     MessageType        `json:"errorMessageType,omitempty"` // 2.3.1 R
	MessageExtension     []MessageExtension `json:"messageExtension,omitempty"`

	decoded decodeState
}

// ErroError is the name the other packages use for an Erro returned as an
// error (errors.As(err, new(*emv3ds.ErroError))).
type ErroError = Erro

// Error describes the Erro by code, component and message type only: the
// description and detail come from another party and are not echoed.
func (e *Erro) Error() string {
	s := "emv3ds: Erro " + string(e.ErrorCode) + " from component " + string(e.ErrorComponent)
	if e.ErrorMessageType != "" {
		s += " about " + string(e.ErrorMessageType)
	}
	return s
}

// Type returns MessageTypeErro.
func (Erro) Type() MessageType { return MessageTypeErro }

// Version returns the messageVersion.
func (e Erro) Version() Version { return e.MessageVersion }

// LogValue logs the code, component and IDs.
func (e Erro) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("messageType", string(MessageTypeErro)),
		slog.String("messageVersion", string(e.MessageVersion)),
		slog.String("threeDSServerTransID", e.ThreeDSServerTransID),
		slog.String("dsTransID", e.DSTransID),
		slog.String("errorCode", string(e.ErrorCode)),
		slog.String("errorComponent", string(e.ErrorComponent)),
		slog.String("errorMessageType", string(e.ErrorMessageType)),
	)
}

// UnmarshalJSON decodes leniently (see DecodeErro).
func (e *Erro) UnmarshalJSON(data []byte) error {
	type plain Erro
	return unmarshalLenient(data, (*plain)(e), &e.decoded)
}

// errorDescriptions are the generic errorDescription texts per code.
var errorDescriptions = map[ErrorCode]string{
	ErrorCodeMessageInvalid:          "Message received invalid",
	ErrorCodeVersionNotSupported:     "Message version number not supported",
	ErrorCodeMessageLimitExceeded:    "Sent messages limit exceeded",
	ErrorCodeRequiredMissing:         "Required data element missing",
	ErrorCodeCriticalExtension:       "Critical message extension not recognised",
	ErrorCodeInvalidFormat:           "Format of one or more data elements is invalid",
	ErrorCodeDuplicateElement:        "Duplicate data element",
	ErrorCodeCardRangeOverlap:        "Card ranges overlap",
	ErrorCodeActionNotPossible:       "Action not possible for the card range",
	ErrorCodeReservedValue:           "Value in a reserved range",
	ErrorCodeTransIDNotRecognised:    "Transaction ID not recognised",
	ErrorCodeDecryptionFailure:       "Data decryption failure",
	ErrorCodeAccessDenied:            "Access denied, invalid endpoint",
	ErrorCodeISOCodeInvalid:          "ISO code invalid",
	ErrorCodeTransactionDataInvalid:  "Transaction data not valid",
	ErrorCodeMCCInvalid:              "Merchant category code not valid for payment system",
	ErrorCodeSerialNumberInvalid:     "Serial number not valid",
	ErrorCodeTransactionTimedOut:     "Transaction timed out",
	ErrorCodeTransientFailure:        "Transient system failure",
	ErrorCodePermanentFailure:        "Permanent system failure",
	ErrorCodeSystemConnectionFailure: "System connection failure",
}

// Description is the generic errorDescription for c.
func (c ErrorCode) Description() string { return errorDescriptions[c] }

// sentinelCodes maps sentinels to codes for errors that are not a
// *ValidationError.
var sentinelCodes = []struct {
	err  error
	code ErrorCode
}{
	{ErrInvalidMessage, ErrorCodeMessageInvalid},
	{ErrUnsupportedVersion, ErrorCodeVersionNotSupported},
	{ErrCriticalExtension, ErrorCodeCriticalExtension},
	{ErrDuplicate, ErrorCodeDuplicateElement},
	{ErrMissing, ErrorCodeRequiredMissing},
	{ErrFormat, ErrorCodeInvalidFormat},
	{ErrNotAllowed, ErrorCodeInvalidFormat},
	{ErrTransIDMismatch, ErrorCodeTransIDNotRecognised},
}

// CodeOf returns the Erro code for err: the code of a *ValidationError or
// *Erro, the code of a wrapped sentinel, and 403 (transient system failure)
// for anything else, which is the server's own problem.
func CodeOf(err error) ErrorCode {
	if ve := asValidation(err); ve != nil {
		return ve.Code()
	}
	var e *Erro
	if errors.As(err, &e) && e.ErrorCode != "" {
		return e.ErrorCode
	}
	for _, s := range sentinelCodes {
		if errors.Is(err, s.err) {
			return s.code
		}
	}
	return ErrorCodeTransientFailure
}

// NewErro builds the Erro for err about the message "about" (nil when it
// could not be decoded): errorCode from the error, a description naming the
// first failed rule, errorDetail listing the offending elements, and the
// message type, version and IDs of "about" where known. The version is
// about's when supported, otherwise the highest supported version below it
// (2.1.0 when there is none).
func NewErro(err error, component ErrorComponent, about Message) *Erro {
	e := &Erro{MessageType: MessageTypeErro, ErrorComponent: component, ErrorCode: CodeOf(err)}
	e.ErrorDescription = e.ErrorCode.Description()
	if ve := asValidation(err); ve != nil {
		if d := ve.Description(); d != "" {
			e.ErrorDescription = d
		}
		e.ErrorDetail = ve.Detail()
	}
	if e.ErrorDescription == "" {
		e.ErrorDescription = "Error"
	}
	if e.ErrorDetail == "" {
		e.ErrorDetail = e.ErrorDescription
	}
	e.MessageVersion = Version210
	if about != nil && !isNilMessage(about) {
		e.MessageVersion = echoVersion(about.Version())
		if about.Type().Valid() {
			e.ErrorMessageType = about.Type()
		}
		e.ThreeDSServerTransID, e.ACSTransID, e.DSTransID, e.SDKTransID = idsOf(about)
	}
	return e
}

func echoVersion(v Version) Version {
	if v.Supported() {
		return v
	}
	for i := len(SupportedVersions) - 1; i >= 0; i-- {
		if _, ok := v.parts(); ok && SupportedVersions[i].Compare(v) <= 0 {
			return SupportedVersions[i]
		}
	}
	return Version210
}

func isNilMessage(m Message) bool {
	switch m := m.(type) {
	case *AReq:
		return m == nil
	case *ARes:
		return m == nil
	case *PReq:
		return m == nil
	case *PRes:
		return m == nil
	case *CReq:
		return m == nil
	case *CRes:
		return m == nil
	case *RReq:
		return m == nil
	case *RRes:
		return m == nil
	case *Erro:
		return m == nil
	}
	return false
}

// idsOf returns the transaction IDs a message carries (only well-formed
// UUIDs, since they are echoed into an Erro).
func idsOf(m Message) (server, acs, ds, sdk string) {
	switch m := m.(type) {
	case *AReq:
		server, ds, sdk = m.ThreeDSServerTransID, m.DSTransID, m.SDKTransID
	case *ARes:
		server, acs, ds, sdk = m.ThreeDSServerTransID, m.ACSTransID, m.DSTransID, m.SDKTransID
	case *PReq:
		server = m.ThreeDSServerTransID
	case *PRes:
		server, ds = m.ThreeDSServerTransID, m.DSTransID
	case *CReq:
		server, acs, sdk = m.ThreeDSServerTransID, m.ACSTransID, m.SDKTransID
	case *CRes:
		server, acs, sdk = m.ThreeDSServerTransID, m.ACSTransID, m.SDKTransID
	case *RReq:
		server, acs, ds, sdk = m.ThreeDSServerTransID, m.ACSTransID, m.DSTransID, m.SDKTransID
	case *RRes:
		server, acs, ds, sdk = m.ThreeDSServerTransID, m.ACSTransID, m.DSTransID, m.SDKTransID
	case *Erro:
		server, acs, ds, sdk = m.ThreeDSServerTransID, m.ACSTransID, m.DSTransID, m.SDKTransID
	}
	clean := func(s string) string {
		if isUUID(s) {
			return s
		}
		return ""
	}
	return clean(server), clean(acs), clean(ds), clean(sdk)
}
