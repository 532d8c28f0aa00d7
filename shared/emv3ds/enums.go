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

// ChallengeInd is one value of threeDSRequestorChallengeInd (a string in
// 2.1.0/2.2.0, an array of one or two values in 2.3.1).
type ChallengeInd string

// Challenge indicators.
const (
	ChallengeIndNoPreference         ChallengeInd = "01"
	ChallengeIndNoChallenge          ChallengeInd = "02"
	ChallengeIndRequested            ChallengeInd = "03"
	ChallengeIndMandated             ChallengeInd = "04"
	ChallengeIndNoChallengeTRA       ChallengeInd = "05" // 2.2.0+
	ChallengeIndNoChallengeDataShare ChallengeInd = "06" // 2.2.0+
	ChallengeIndNoChallengeSCADone   ChallengeInd = "07" // 2.2.0+
	ChallengeIndNoChallengeTrustList ChallengeInd = "08" // 2.2.0+
	ChallengeIndTrustListPrompt      ChallengeInd = "09" // 2.2.0+
	ChallengeIndLowValue             ChallengeInd = "10" // 2.3.1
	ChallengeIndSecureCorporate      ChallengeInd = "11" // 2.3.1
	ChallengeIndDeviceBindingPrompt  ChallengeInd = "12" // 2.3.1
	ChallengeIndIssuerRequested      ChallengeInd = "13" // 2.3.1
	ChallengeIndMerchantInitiated    ChallengeInd = "14" // 2.3.1
)

// AuthenticationType is the authenticationType element of ARes/RReq (2.1.0, 2.2.0).
type AuthenticationType string

// Authentication types.
const (
	AuthenticationTypeStatic    AuthenticationType = "01"
	AuthenticationTypeDynamic   AuthenticationType = "02"
	AuthenticationTypeOOB       AuthenticationType = "03"
	AuthenticationTypeDecoupled AuthenticationType = "04" // 2.2.0
)

// AuthenticationMethod is one value of the 2.3.1 authenticationMethod array
// (which replaces authenticationType).
type AuthenticationMethod string

// Authentication methods (2.3.1).
const (
	AuthenticationMethodStaticPasscode AuthenticationMethod = "01"
	AuthenticationMethodSMSOTP         AuthenticationMethod = "02"
	AuthenticationMethodKeyFobOTP      AuthenticationMethod = "03"
	AuthenticationMethodAppOTP         AuthenticationMethod = "04"
	AuthenticationMethodOTPOther       AuthenticationMethod = "05"
	AuthenticationMethodKBA            AuthenticationMethod = "06"
	AuthenticationMethodOOBBiometrics  AuthenticationMethod = "07"
	AuthenticationMethodOOBLogin       AuthenticationMethod = "08"
	AuthenticationMethodOOBOther       AuthenticationMethod = "09"
	AuthenticationMethodOther          AuthenticationMethod = "10"
	AuthenticationMethodPush           AuthenticationMethod = "11"
	AuthenticationMethodDecoupled      AuthenticationMethod = "12"
	AuthenticationMethodWebAuthn       AuthenticationMethod = "13"
	AuthenticationMethodSPC            AuthenticationMethod = "14"
	AuthenticationMethodBehavioural    AuthenticationMethod = "15"
	AuthenticationMethodElectronicID   AuthenticationMethod = "16"
)

// ChallengeWindowSize is the challengeWindowSize element of the browser CReq.
type ChallengeWindowSize string

// Challenge window sizes.
const (
	ChallengeWindowSize250x400    ChallengeWindowSize = "01"
	ChallengeWindowSize390x400    ChallengeWindowSize = "02"
	ChallengeWindowSize500x600    ChallengeWindowSize = "03"
	ChallengeWindowSize600x400    ChallengeWindowSize = "04"
	ChallengeWindowSizeFullScreen ChallengeWindowSize = "05"
)

// ThreeRIInd is the threeRIInd element (3RI transactions).
type ThreeRIInd string

// 3RI indicators (01–05 in 2.1.0, 01–11 in 2.2.0, 01–19 in 2.3.1).
const (
	ThreeRIIndRecurring           ThreeRIInd = "01"
	ThreeRIIndInstalment          ThreeRIInd = "02"
	ThreeRIIndAddCard             ThreeRIInd = "03"
	ThreeRIIndMaintainCard        ThreeRIInd = "04"
	ThreeRIIndAccountVerification ThreeRIInd = "05"
	ThreeRIIndSplitShipment       ThreeRIInd = "06"
	ThreeRIIndTopUp               ThreeRIInd = "07"
	ThreeRIIndMailOrder           ThreeRIInd = "08"
	ThreeRIIndTelephoneOrder      ThreeRIInd = "09"
	ThreeRIIndTrustListCheck      ThreeRIInd = "10"
	ThreeRIIndOtherPayment        ThreeRIInd = "11"
)

// AuthenticationInd is the threeDSRequestorAuthenticationInd element.
type AuthenticationInd string

// Requestor authentication indicators (01–06; 07–10 in 2.3.1).
const (
	AuthenticationIndPayment       AuthenticationInd = "01"
	AuthenticationIndRecurring     AuthenticationInd = "02"
	AuthenticationIndInstalment    AuthenticationInd = "03"
	AuthenticationIndAddCard       AuthenticationInd = "04"
	AuthenticationIndMaintainCard  AuthenticationInd = "05"
	AuthenticationIndTokenIDV      AuthenticationInd = "06"
	AuthenticationIndBillingAgreem AuthenticationInd = "07" // 2.3.1
	AuthenticationIndSplitShipment AuthenticationInd = "08" // 2.3.1
	AuthenticationIndDelayedShip   AuthenticationInd = "09" // 2.3.1
	AuthenticationIndSplitPayment  AuthenticationInd = "10" // 2.3.1
)

// ACSInfoInd is one value of a card range's acsInfoInd array (2.2.0+).
type ACSInfoInd string

// ACS information indicators; 80–99 are DS-specific.
const (
	ACSInfoIndAuthentication ACSInfoInd = "01"
	ACSInfoIndAttempts       ACSInfoInd = "02"
	ACSInfoIndDecoupled      ACSInfoInd = "03"
	ACSInfoIndTrustList      ACSInfoInd = "04"
)

// ActionInd is a card range's actionInd (A add, D delete, M modify).
type ActionInd string

// Card range actions.
const (
	ActionIndAdd    ActionInd = "A"
	ActionIndDelete ActionInd = "D"
	ActionIndModify ActionInd = "M"
)

// DecReqInd is threeDSRequestorDecReqInd (2.2.0: Y/N; 2.3.1 adds F and B).
type DecReqInd string

// Decoupled request indicators.
const (
	DecReqIndYes      DecReqInd = "Y"
	DecReqIndNo       DecReqInd = "N"
	DecReqIndFallback DecReqInd = "F" // 2.3.1
	DecReqIndBoth     DecReqInd = "B" // 2.3.1
)

// Challenge cancellation indicators (RReq challengeCancel).
const (
	ChallengeCancelCardholder      ChallengeCancel = "01"
	ChallengeCancelDecoupledExpiry ChallengeCancel = "03" // 2.2.0+
	ChallengeCancelACSTimeout      ChallengeCancel = "04"
	ChallengeCancelNoFirstCReq     ChallengeCancel = "05"
	ChallengeCancelError           ChallengeCancel = "06"
	ChallengeCancelUnknown         ChallengeCancel = "07"
	ChallengeCancelSDKTimeout      ChallengeCancel = "08"
	ChallengeCancelErroAfterCRes   ChallengeCancel = "09" // 2.3.1
	ChallengeCancelErroAfterCReq   ChallengeCancel = "10" // 2.3.1
)

// Further results statuses (RRes).
const (
	ResultsStatusCReqNotSent      ResultsStatus = "02"
	ResultsStatusAResNotDelivered ResultsStatus = "03"
)

// Transaction status reasons named in the flows.
const (
	TransStatusReasonCardAuthFailed   TransStatusReason = "01"
	TransStatusReasonSuspectedFraud   TransStatusReason = "11"
	TransStatusReasonACSTimeout       TransStatusReason = "14"
	TransStatusReasonACSTechnical     TransStatusReason = "22"
	TransStatusReasonDecoupledExpired TransStatusReason = "24"
)

// Messages in the order Parse recognises them.
var messageTypes = []MessageType{
	MessageTypePReq, MessageTypePRes, MessageTypeAReq, MessageTypeARes,
	MessageTypeCReq, MessageTypeCRes, MessageTypeRReq, MessageTypeRRes, MessageTypeErro,
}

// Valid reports whether t is a known messageType.
func (t MessageType) Valid() bool {
	for _, m := range messageTypes {
		if m == t {
			return true
		}
	}
	return false
}
