package emv3ds

// Version is a full semver EMV 3DS protocol version ("2.2.0").
type Version string

// Protocol versions this package models.
const (
	Version210 Version = "2.1.0"
	Version220 Version = "2.2.0"
	Version231 Version = "2.3.1"
)

// SupportedVersions lists the versions this 3DS Server speaks, oldest first.
var SupportedVersions = []Version{Version210, Version220, Version231}

// MessageType is the messageType element.
type MessageType string

// Message types.
const (
	MessageTypePReq MessageType = "PReq"
	MessageTypePRes MessageType = "PRes"
	MessageTypeAReq MessageType = "AReq"
	MessageTypeARes MessageType = "ARes"
	MessageTypeCReq MessageType = "CReq"
	MessageTypeCRes MessageType = "CRes"
	MessageTypeRReq MessageType = "RReq"
	MessageTypeRRes MessageType = "RRes"
	MessageTypeErro MessageType = "Erro"
)

// MessageCategory is the messageCategory element.
type MessageCategory string

// Message categories.
const (
	MessageCategoryPayment    MessageCategory = "01" // PA
	MessageCategoryNonPayment MessageCategory = "02" // NPA
)

// DeviceChannel is the deviceChannel element.
type DeviceChannel string

// Device channels.
const (
	DeviceChannelApp     DeviceChannel = "01"
	DeviceChannelBrowser DeviceChannel = "02"
	DeviceChannel3RI     DeviceChannel = "03"
)

// TransStatus is the transStatus element of ARes, RReq and CRes.
type TransStatus string

// Transaction statuses.
const (
	TransStatusAuthenticated    TransStatus = "Y"
	TransStatusNotAuthenticated TransStatus = "N"
	TransStatusUnavailable      TransStatus = "U"
	TransStatusAttempted        TransStatus = "A"
	TransStatusChallenge        TransStatus = "C"
	TransStatusDecoupled        TransStatus = "D" // 2.2.0+
	TransStatusRejected         TransStatus = "R"
	TransStatusInformational    TransStatus = "I" // 2.2.0+
	TransStatusChallengeSPC     TransStatus = "S" // 2.3.1
)

// TransStatusReason is the two-digit transStatusReason element ("01"–"30", "80"–"99").
type TransStatusReason string

// ECI is the two-character Electronic Commerce Indicator ("05", "02", …).
type ECI string

// ThreeDSCompInd is the threeDSCompInd element: the outcome of the 3DS Method.
type ThreeDSCompInd string

// 3DS Method completion indicators.
const (
	ThreeDSCompIndCompleted    ThreeDSCompInd = "Y"
	ThreeDSCompIndNotCompleted ThreeDSCompInd = "N"
	ThreeDSCompIndUnavailable  ThreeDSCompInd = "U"
)

// ChallengeCancel is the challengeCancel element of the RReq.
type ChallengeCancel string

// ResultsStatus is the resultsStatus element of the RRes.
type ResultsStatus string

// Results statuses.
const (
	ResultsStatusReceived ResultsStatus = "01"
)

// ErrorComponent is the errorComponent element of Erro.
type ErrorComponent string

// Error components.
const (
	ErrorComponentSDK    ErrorComponent = "C"
	ErrorComponentServer ErrorComponent = "S"
	ErrorComponentDS     ErrorComponent = "D"
	ErrorComponentACS    ErrorComponent = "A"
)

// ErrorCode is the three-digit errorCode element of Erro.
type ErrorCode string

// Error codes (protocol doc §9).
const (
	ErrorCodeMessageInvalid          ErrorCode = "101"
	ErrorCodeVersionNotSupported     ErrorCode = "102"
	ErrorCodeMessageLimitExceeded    ErrorCode = "103"
	ErrorCodeRequiredMissing         ErrorCode = "201"
	ErrorCodeCriticalExtension       ErrorCode = "202"
	ErrorCodeInvalidFormat           ErrorCode = "203"
	ErrorCodeDuplicateElement        ErrorCode = "204"
	ErrorCodeCardRangeOverlap        ErrorCode = "205"
	ErrorCodeActionNotPossible       ErrorCode = "206"
	ErrorCodeReservedValue           ErrorCode = "207"
	ErrorCodeTransIDNotRecognised    ErrorCode = "301"
	ErrorCodeDecryptionFailure       ErrorCode = "302"
	ErrorCodeAccessDenied            ErrorCode = "303"
	ErrorCodeISOCodeInvalid          ErrorCode = "304"
	ErrorCodeTransactionDataInvalid  ErrorCode = "305"
	ErrorCodeMCCInvalid              ErrorCode = "306"
	ErrorCodeSerialNumberInvalid     ErrorCode = "307"
	ErrorCodeTransactionTimedOut     ErrorCode = "402"
	ErrorCodeTransientFailure        ErrorCode = "403"
	ErrorCodePermanentFailure        ErrorCode = "404"
	ErrorCodeSystemConnectionFailure ErrorCode = "405"
)

// Scheme is a card scheme (payment system) as the server routes and reports it.
type Scheme string

// Schemes the server recognises from the PAN.
const (
	SchemeVisa       Scheme = "visa"
	SchemeMastercard Scheme = "mastercard"
	SchemeAmex       Scheme = "amex"
	SchemeDiscover   Scheme = "discover"
	SchemeJCB        Scheme = "jcb"
	SchemeUnionPay   Scheme = "unionpay"
	SchemeMir        Scheme = "mir"
	SchemeUnknown    Scheme = "unknown"
)
