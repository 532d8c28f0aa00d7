package emv3ds

// Valid methods: whether a value is defined for version v. Two-digit codes
// also accept the range 80–99 where the spec reserves it for DS use, because a
// DS may send such values and a 3DS Server must not reject them.

func in(s string, set ...string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

// Valid reports whether c is a message category (01, 02, or DS-specific 80–99).
func (c MessageCategory) Valid(Version) bool { return twoDigitIn(string(c), 1, 2, true) }

// Valid reports whether d is a device channel (01–03).
func (d DeviceChannel) Valid(Version) bool { return twoDigitIn(string(d), 1, 3, false) }

// Valid reports whether s is a transStatus of version v (any message).
func (s TransStatus) Valid(v Version) bool {
	switch s {
	case TransStatusAuthenticated, TransStatusNotAuthenticated, TransStatusUnavailable,
		TransStatusAttempted, TransStatusChallenge, TransStatusRejected:
		return true
	case TransStatusDecoupled, TransStatusInformational:
		return v.AtLeast(Version220)
	case TransStatusChallengeSPC:
		return v.AtLeast(Version231)
	}
	return false
}

// Valid reports whether r is a transStatusReason of version v
// (01–21, 2.2.0: 01–26, 2.3.1: 01–30; 80–99 DS).
func (r TransStatusReason) Valid(v Version) bool {
	hi := 21
	switch {
	case v.AtLeast(Version231):
		hi = 30
	case v.AtLeast(Version220):
		hi = 26
	}
	return twoDigitIn(string(r), 1, hi, true)
}

// Valid reports whether c is a challenge indicator of version v
// (01–04, 2.2.0: 01–09, 2.3.1: 01–14; 80–99 DS).
func (c ChallengeInd) Valid(v Version) bool {
	hi := 4
	switch {
	case v.AtLeast(Version231):
		hi = 14
	case v.AtLeast(Version220):
		hi = 9
	}
	return twoDigitIn(string(c), 1, hi, true)
}

// Valid reports whether t is an authenticationType of version v (01–03, 2.2.0+: 04; 80–99 DS).
func (t AuthenticationType) Valid(v Version) bool {
	hi := 3
	if v.AtLeast(Version220) {
		hi = 4
	}
	return twoDigitIn(string(t), 1, hi, true)
}

// Valid reports whether m is an authenticationMethod (2.3.1: 01–16; 80–99 DS).
func (m AuthenticationMethod) Valid(Version) bool { return twoDigitIn(string(m), 1, 16, true) }

// Valid reports whether c is a challengeCancel of version v (01–08, 2.3.1:
// 09–10; 80–99 DS). 02 and 03 had other meanings in 2.1.0 but stay valid.
func (c ChallengeCancel) Valid(v Version) bool {
	hi := 8
	if v.AtLeast(Version231) {
		hi = 10
	}
	// 02 is reserved for EMVCo (invalid until defined); 03 (decoupled
	// timeout) exists from 2.2.0.
	if c == "02" || (c == "03" && !v.AtLeast(Version220)) {
		return false
	}
	return twoDigitIn(string(c), 1, hi, true)
}

// Valid reports whether w is a challenge window size (01–05).
func (w ChallengeWindowSize) Valid(Version) bool { return twoDigitIn(string(w), 1, 5, false) }

// Valid reports whether i is a threeRIInd of version v (01–05, 2.2.0: 01–11,
// 2.3.1: 01–19; 80–99 DS).
func (i ThreeRIInd) Valid(v Version) bool {
	hi := 5
	switch {
	case v.AtLeast(Version231):
		hi = 19
	case v.AtLeast(Version220):
		hi = 11
	}
	return twoDigitIn(string(i), 1, hi, true)
}

// Valid reports whether a is a threeDSRequestorAuthenticationInd of version v
// (01–06, 2.3.1: 01–10; 80–99 DS).
func (a AuthenticationInd) Valid(v Version) bool {
	hi := 6
	if v.AtLeast(Version231) {
		hi = 10
	}
	return twoDigitIn(string(a), 1, hi, true)
}

// Valid reports whether a is an acsInfoInd (01–04; 80–99 DS).
func (a ACSInfoInd) Valid(Version) bool { return twoDigitIn(string(a), 1, 4, true) }

// Valid reports whether a is a card range action (A, D, M).
func (a ActionInd) Valid(Version) bool { return in(string(a), "A", "D", "M") }

// Valid reports whether d is a threeDSRequestorDecReqInd of version v (2.2.0: Y/N; 2.3.1: +F/B).
func (d DecReqInd) Valid(v Version) bool {
	switch d {
	case DecReqIndYes, DecReqIndNo:
		return v.AtLeast(Version220)
	case DecReqIndFallback, DecReqIndBoth:
		return v.AtLeast(Version231)
	}
	return false
}

// Requested reports whether d asks for decoupled authentication (Y, F or B).
func (d DecReqInd) Requested() bool { return in(string(d), "Y", "F", "B") }

// Valid reports whether c is a threeDSCompInd (Y, N, U).
func (c ThreeDSCompInd) Valid(Version) bool { return in(string(c), "Y", "N", "U") }

// Valid reports whether s is a resultsStatus (01–03; 80–99 DS).
func (s ResultsStatus) Valid(Version) bool { return twoDigitIn(string(s), 1, 3, true) }

// Valid reports whether c is an errorComponent (C, S, D, A).
func (c ErrorComponent) Valid(Version) bool { return in(string(c), "C", "S", "D", "A") }

// Valid reports whether c is a three-digit error code. Codes outside the
// spec's list are accepted: DSs define their own.
func (c ErrorCode) Valid(v Version) bool {
	switch c {
	case ErrorCodeMessageInvalid, ErrorCodeVersionNotSupported, ErrorCodeMessageLimitExceeded,
		ErrorCodeRequiredMissing, ErrorCodeCriticalExtension, ErrorCodeInvalidFormat, ErrorCodeDuplicateElement,
		ErrorCodeTransIDNotRecognised, ErrorCodeDecryptionFailure, ErrorCodeAccessDenied, ErrorCodeISOCodeInvalid,
		ErrorCodeTransactionDataInvalid, ErrorCodeMCCInvalid, ErrorCodeSerialNumberInvalid,
		ErrorCodeTransactionTimedOut, ErrorCodeTransientFailure, ErrorCodePermanentFailure, ErrorCodeSystemConnectionFailure:
		return true
	case ErrorCodeCardRangeOverlap, ErrorCodeActionNotPossible, ErrorCodeReservedValue:
		return v == "" || v.AtLeast(Version231) // 205–207 are new in 2.3.1
	}
	return false
}

// IsFinal reports whether a transStatus ends the authentication (Y, N, U, A,
// R, I); C, D and S wait for a challenge or a decoupled result.
func IsFinal(s TransStatus) bool {
	return in(string(s), "Y", "N", "U", "A", "R", "I")
}

var transStatusDescriptions = map[TransStatus]string{
	TransStatusAuthenticated:    "Authentication verification successful",
	TransStatusNotAuthenticated: "Not authenticated or account not verified; transaction denied",
	TransStatusUnavailable:      "Authentication or account verification could not be performed",
	TransStatusAttempted:        "Attempts processing performed; not authenticated, proof of attempt provided",
	TransStatusChallenge:        "Challenge required",
	TransStatusDecoupled:        "Challenge required; decoupled authentication confirmed",
	TransStatusRejected:         "Authentication or account verification rejected by the issuer",
	TransStatusInformational:    "Informational only; the requestor's challenge preference was acknowledged",
	TransStatusChallengeSPC:     "Challenge using Secure Payment Confirmation",
}

// Description is the spec's meaning of the status ("" when unknown).
func (s TransStatus) Description() string { return transStatusDescriptions[s] }
