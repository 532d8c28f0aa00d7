package threeds

import (
	"context"
	"errors"
	"fmt"

	"github.com/open3ds/server/shared/emv3ds"
)

// AuthInput is an authentication request: the AReq fields the merchant sent
// (decoded leniently), plus what only the merchant API carries.
type AuthInput struct {
	AReq *emv3ds.AReq
	// ReturnURL is the merchant page the browser returns to after a challenge.
	ReturnURL string
	// ChallengeWindowSize sizes the CReq built for a browser challenge
	// (default 05, full screen).
	ChallengeWindowSize emv3ds.ChallengeWindowSize
	// CallbackBaseURL overrides the configured base of our browser callbacks.
	CallbackBaseURL string
	// Dialect is the merchant API the request came through; it is recorded
	// when the AReq opens the transaction (no preauth).
	Dialect string
	// TransID, when set and the AReq names no transaction, is the ID of the
	// transaction the AReq opens (see PreauthInput.ThreeDSServerTransID).
	TransID string
}

// AuthOutput is the outcome of the AReq: the validated ARes and, for a
// browser challenge, the ready CReq and the session data to post with it.
type AuthOutput struct {
	ARes *emv3ds.ARes
	// ChallengeRequest is base64url(CReq JSON), set when the ARes asks for a
	// browser challenge.
	ChallengeRequest string
	// SessionData is the threeDSSessionData to post with the CReq.
	SessionData string
	// ChallengeWindowSize is the window size the CReq was built for.
	ChallengeWindowSize emv3ds.ChallengeWindowSize
	Scheme              emv3ds.Scheme
	// ECI is the ECI recorded with the ARes: the ARes's own, else the
	// scheme's default for its transStatus (07 for a Visa N/U/R), the same
	// one /postauth and the webhook report.
	ECI emv3ds.ECI
}

const purchaseDateLayout = "20060102150405"

// Authenticate builds the AReq from the merchant's request, its profile and
// the transaction opened by Preauth (or opens one), sends it to the DS once,
// validates the ARes and records the outcome.
func (s *flows) Authenticate(ctx context.Context, merchantID string, in AuthInput) (*AuthOutput, error) {
	if in.AReq == nil {
		return nil, fieldError("body", "an AReq object is required", emv3ds.ErrorCodeMessageInvalid, emv3ds.ErrInvalidMessage)
	}
	if err := checkOptionalTransID("threeDSServerTransID", in.AReq.ThreeDSServerTransID); err != nil {
		return nil, err
	}
	areq := *in.AReq
	if in.ReturnURL != "" {
		if err := CheckReturnURL("returnURL", in.ReturnURL); err != nil {
			return nil, err
		}
	}
	windowSize := in.ChallengeWindowSize
	if windowSize == "" {
		windowSize = emv3ds.ChallengeWindowSize("05")
	} else if !windowSize.Valid(emv3ds.Version231) {
		return nil, fieldError("challengeWindowSize", "must be 01 to 05", emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrFormat)
	}
	merchant, err := s.d.Merchants.GetMerchant(ctx, merchantID)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	if err := CheckProfileOverrides(&areq, merchant); err != nil {
		return nil, err
	}
	if in.ReturnURL != "" && !merchant.AllowsReturnURL(in.ReturnURL) {
		return nil, fieldError("returnURL", "must be on one of the merchant's allowed origins", emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrFormat)
	}
	tx, claimedFrom, err := s.transactionForAuth(ctx, merchant, &areq, in.Dialect, in.TransID)
	if err != nil {
		return nil, err
	}
	claimed := claimedFrom != ""
	version, err := emv3ds.NegotiateVersionIn(s.cfg.Versions, tx.DSStartVersion, tx.DSEndVersion, tx.ACSStartVersion, tx.ACSEndVersion, areq.MessageVersion)
	if err != nil {
		version = tx.MessageVersion // the requested version is outside the range: keep the negotiated one
	}
	// A 3DS Method reuse preauth accepted (2.3.1, v231.go).
	methodFromPreauth := areq.ThreeDSMethodID == "" && tx.ThreeDSMethodID != ""
	if methodFromPreauth {
		areq.ThreeDSMethodID = tx.ThreeDSMethodID
	}
	// The AReq is built from the transaction as it was before a claim (the
	// state decides threeDSCompInd).
	before := tx
	if claimed {
		b := *tx
		b.State = claimedFrom
		before = &b
	}
	s.prepareAReq(&areq, before, merchant, version, s.callbackBase(in.CallbackBaseURL)+"/callbacks/challenge")
	if err := areq.ValidateWith(s.validateOptions()); err != nil {
		if claimed {
			// The AReq never went out: the transaction is retryable, as
			// when the mark is written after validation.
			s.releaseClaim(ctx, tx, claimedFrom)
		}
		return nil, err
	}
	if err := s.reuseMethod(ctx, merchant.ID, before, &areq, methodFromPreauth); err != nil {
		if claimed {
			s.releaseClaim(ctx, tx, claimedFrom) // refused before it went out: retryable
		}
		return nil, err
	}

	sent := AReqSent{
		MessageVersion:      areq.MessageVersion,
		CompInd:             areq.ThreeDSCompInd,
		DeviceChannel:       areq.DeviceChannel,
		MessageCategory:     areq.MessageCategory,
		NotificationURL:     areq.NotificationURL,
		ReturnURL:           in.ReturnURL,
		ChallengeWindowSize: string(windowSize),
		DecoupledRequested:  areq.ThreeDSRequestorDecReqInd == emv3ds.DecReqInd("Y"),
		ChallengeInd:        string(areq.ChallengeInd()),
		ThreeRIInd:          string(areq.ThreeRIInd),
		DecReqInd:           areq.ThreeDSRequestorDecReqInd,
		ThreeDSMethodID:     areq.ThreeDSMethodID,
	}
	if sent.CompInd == "" {
		sent.CompInd = before.DefaultCompInd()
	}
	// The conditional write is what makes an AReq go out at most once per
	// transaction: a racing duplicate request loses here (or at the claim,
	// which was this write and the read in one).
	// tx was just read or created: the update writes without reading again.
	if !claimed {
		tx, err = UpdateTransaction(ctx, s.d.Transactions, merchant.ID, tx.ID, tx, func(t *Transaction) error {
			return t.RecordAReqSent(sent, s.d.Now(), s.cfg.Retention)
		})
		if err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
	}
	scheme := tx.Card.Scheme

	ares, err := s.d.Directory.SendAReq(ctx, scheme, &areq)
	if err != nil {
		return nil, s.failAReq(ctx, tx, scheme, &areq, err)
	}
	if verr := ares.Validate(emv3ds.AResContextFor(&areq)); verr != nil {
		erro := emv3ds.NewErro(verr, emv3ds.ErrorComponentServer, ares)
		erro.ErrorMessageType = emv3ds.MessageTypeARes
		erro.MessageVersion = areq.MessageVersion
		erro.ThreeDSServerTransID = tx.ID
		return nil, s.failAReq(ctx, tx, scheme, &areq, &RejectedMessageError{Erro: erro})
	}
	data := aresData(ares)
	data.ECI = defaultECI(scheme, data.TransStatus, data.ECI)
	if _, err := UpdateTransaction(ctx, s.d.Transactions, merchant.ID, tx.ID, tx, func(t *Transaction) error {
		if claimed {
			// The claim marked the AReq sent; what it said is written
			// with the ARes, in the same write.
			if err := t.CompleteAReqClaim(sent, s.d.Now(), s.cfg.Retention); err != nil {
				return err
			}
		}
		return t.RecordARes(data, s.d.Now(), s.cfg.Retention)
	}); err != nil {
		return nil, fmt.Errorf("auth: record ARes: %w", err)
	}
	out := &AuthOutput{ARes: ares, Scheme: scheme, ECI: data.ECI}
	if ares.TransStatus == emv3ds.TransStatusChallenge && areq.DeviceChannel == emv3ds.DeviceChannelBrowser {
		out.ChallengeWindowSize = windowSize
		out.ChallengeRequest = emv3ds.NewCReq(tx.ID, ares.ACSTransID, areq.MessageVersion, windowSize).Encode()
		if out.SessionData, err = s.d.Sessions.Issue(tx.ID); err != nil {
			return nil, fmt.Errorf("auth: session data: %w", err)
		}
	}
	return out, nil
}

// transactionForAuth returns the transaction Preauth opened, or opens one
// when the merchant skipped Preauth. With a store that can (AReqClaimer),
// Preauth's transaction is read and marked AReq-sent in one conditional
// write: claimedFrom is then the state it had (for releaseClaim), else "".
func (s *flows) transactionForAuth(ctx context.Context, merchant *Merchant, areq *emv3ds.AReq, dialect, newID string) (tx *Transaction, claimedFrom State, err error) {
	if c, ok := s.d.Transactions.(AReqClaimer); ok && areq.ThreeDSServerTransID != "" && areq.AcctNumber != "" && s.checkPAN(areq.AcctNumber) == nil {
		tx, from, err := s.claimForAReq(ctx, c, merchant, areq)
		if err == nil {
			return tx, from, nil
		}
		if !errors.Is(err, ErrAReqClaimRefused) {
			return nil, "", err
		}
		// Refused: the read below says why, with the errors it always gave.
	}
	tx, err = s.readOrOpenForAuth(ctx, merchant, areq, dialect, newID)
	return tx, "", err
}

// claimForAReq is the claim of Preauth's transaction for the AReq.
func (s *flows) claimForAReq(ctx context.Context, c AReqClaimer, merchant *Merchant, areq *emv3ds.AReq) (*Transaction, State, error) {
	tx, from, err := c.ClaimAReq(ctx, merchant.ID, areq.ThreeDSServerTransID, s.d.PANHasher.HashPAN(areq.AcctNumber), s.d.Now())
	if err != nil {
		return nil, "", fmt.Errorf("auth: %w", err)
	}
	return tx, from, nil
}

// releaseClaim undoes a claim whose AReq was not sent. A failure leaves the
// transaction marked (the merchant's retry is refused until it expires),
// never an AReq sent twice.
func (s *flows) releaseClaim(ctx context.Context, tx *Transaction, prev State) {
	if c, ok := s.d.Transactions.(AReqClaimer); ok {
		_ = c.ReleaseAReqClaim(context.WithoutCancel(ctx), tx, prev, s.d.Now())
	}
}

func (s *flows) readOrOpenForAuth(ctx context.Context, merchant *Merchant, areq *emv3ds.AReq, dialect, newID string) (*Transaction, error) {
	if areq.ThreeDSServerTransID == "" {
		if err := s.checkPAN(areq.AcctNumber); err != nil {
			return nil, err
		}
		cr, version, err := s.lookupRange(ctx, merchant, areq.AcctNumber, areq.MessageVersion)
		if err != nil {
			return nil, err
		}
		methodURL, _ := methodFor(cr, version)
		if newID == "" {
			newID = s.d.NewID()
		} else if err := CheckTransID("threeDSServerTransID", newID); err != nil {
			return nil, err
		}
		tx, err := NewTransaction(NewTransactionInput{
			ID:              newID,
			MerchantID:      merchant.ID,
			Dialect:         dialect,
			Card:            NewCard(areq.AcctNumber, cr.Scheme, s.d.PANHasher),
			MessageVersion:  version,
			DSStartVersion:  cr.DSStartVersion,
			DSEndVersion:    cr.DSEndVersion,
			ACSStartVersion: cr.ACSStartVersion,
			ACSEndVersion:   cr.ACSEndVersion,
			// No 3DS Method ran: with a method URL the AReq says N, else U.
			ThreeDSMethodURL: methodURL,
		}, s.d.Now(), s.cfg.Retention)
		if err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
		if err := s.d.Transactions.Create(ctx, tx); err != nil {
			return nil, fmt.Errorf("auth: create transaction: %w", err)
		}
		return tx, nil
	}
	tx, err := ReadTransaction(ctx, s.d.Transactions, merchant.ID, areq.ThreeDSServerTransID)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	if !tx.State.beforeAReq() {
		return nil, tx.invalid("auth")
	}
	if areq.AcctNumber == "" {
		return nil, fieldError("acctNumber", "is required", emv3ds.ErrorCodeRequiredMissing, emv3ds.ErrMissing)
	}
	if err := s.checkPAN(areq.AcctNumber); err != nil {
		return nil, err
	}
	if !EqualHash(s.d.PANHasher.HashPAN(areq.AcctNumber), tx.Card.PANHash) {
		return nil, fieldError("acctNumber", "must be the card given to preauth for this threeDSServerTransID", emv3ds.ErrorCodeTransactionDataInvalid, emv3ds.ErrNotAllowed)
	}
	return tx, nil
}

// prepareAReq fills what the server owns and the merchant profile's
// defaults, and drops elements that do not exist in the version or channel
// being sent (real clients send browserJavascriptEnabled with 2.1.0).
func (s *flows) prepareAReq(a *emv3ds.AReq, tx *Transaction, m *Merchant, version emv3ds.Version, notificationURL string) {
	a.MessageType = emv3ds.MessageTypeAReq
	a.MessageVersion = version
	a.ThreeDSServerTransID = tx.ID
	a.ThreeDSServerRefNumber = s.cfg.ServerRefNumber
	if a.ThreeDSServerOperatorID == "" {
		a.ThreeDSServerOperatorID = s.cfg.ServerOperatorID
	}
	a.ThreeDSServerURL = s.cfg.ResultsURL
	if a.MessageCategory == "" {
		a.MessageCategory = emv3ds.MessageCategoryPayment
	}
	setDefault(&a.AcquirerBIN, m.AcquirerBIN)
	setDefault(&a.AcquirerMerchantID, m.AcquirerMerchantID)
	setDefault(&a.MCC, m.MCC)
	setDefault(&a.MerchantName, m.Name)
	setDefault(&a.MerchantCountryCode, m.Country)
	setDefault(&a.ThreeDSRequestorID, m.RequestorID)
	setDefault(&a.ThreeDSRequestorName, m.RequestorName)
	setDefault(&a.ThreeDSRequestorURL, m.RequestorURL)
	if a.MessageCategory == emv3ds.MessageCategoryPayment && a.PurchaseDate == "" {
		a.PurchaseDate = s.d.Now().UTC().Format(purchaseDateLayout)
	}
	if version.AtLeast(emv3ds.Version231) {
		// 2.3.1 requires the acquirer's country and who set it
		// (clearhaus/3DSv2-api-documentation source/_static/areq_231.html:
		// acquirerCountryCode and acquirerCountryCodeSource "Required", PA
		// and NPA, every channel). Source 01: the 3DS Server set it.
		if a.AcquirerCountryCode == "" {
			a.AcquirerCountryCode = m.AcquirerCountryCode()
			if a.AcquirerCountryCodeSource == "" && a.AcquirerCountryCode != "" {
				a.AcquirerCountryCodeSource = "01"
			}
		}
	}
	if a.ThreeDSRequestorDecReqInd.Requested() && a.ThreeDSRequestorDecMaxTime == "" {
		a.ThreeDSRequestorDecMaxTime = "10080" // the ACS's own default: 7 days, stated explicitly
	}
	if a.DeviceChannel != emv3ds.DeviceChannel3RI && a.ThreeDSRequestorAuthenticationInd == "" {
		a.ThreeDSRequestorAuthenticationInd = emv3ds.AuthenticationInd("01")
	}
	// Elements only the DS adds.
	a.DSReferenceNumber, a.DSTransID, a.DSURL, a.DeviceInfo = "", "", "", ""

	if a.DeviceChannel == emv3ds.DeviceChannelBrowser {
		if a.ThreeDSCompInd == "" {
			a.ThreeDSCompInd = tx.DefaultCompInd()
		}
		setDefault(&a.NotificationURL, notificationURL)
	}
	// The version's and channel's elements only (emv3ds.AReqElementRules).
	a.DropUndefined(version)
}

func setDefault(field *string, v string) {
	if *field == "" {
		*field = v
	}
}

// failAReq records why the AReq failed, tells the DS about a message of its
// that we rejected (never about our own timeouts), and returns the error the
// merchant receives.
func (s *flows) failAReq(ctx context.Context, tx *Transaction, scheme emv3ds.Scheme, areq *emv3ds.AReq, cause error) error {
	info := ErrorInfo{Component: emv3ds.ErrorComponentServer, MessageType: emv3ds.MessageTypeAReq}
	var (
		unavailable *DirectoryUnavailableError
		peer        *PeerErroError
		rejected    *RejectedMessageError
		invalid     *InvalidResponseError
	)
	switch {
	case errors.As(cause, &unavailable):
		info.Code, info.Description, info.Detail = emv3ds.ErrorCodeSystemConnectionFailure, "Unable to contact Directory Server", unavailable.Cause
		info.Timeout = unavailable.Timeout
	case errors.As(cause, &peer):
		info = erroInfo(peer.Erro)
	case errors.As(cause, &invalid):
		erro := &emv3ds.Erro{
			MessageType: emv3ds.MessageTypeErro, MessageVersion: areq.MessageVersion,
			ThreeDSServerTransID: tx.ID, ErrorCode: emv3ds.ErrorCodeMessageInvalid,
			ErrorComponent: emv3ds.ErrorComponentServer, ErrorDescription: emv3ds.ErrorCodeMessageInvalid.Description(),
			ErrorDetail: "ARes", ErrorMessageType: emv3ds.MessageTypeARes,
		}
		cause = &RejectedMessageError{Erro: erro}
		rejected = cause.(*RejectedMessageError)
		info = erroInfo(erro)
	case errors.As(cause, &rejected):
		info = erroInfo(rejected.Erro)
	default:
		info.Code, info.Description, info.Detail = emv3ds.ErrorCodeTransientFailure, "Transient system failure", "AReq"
	}
	if rejected != nil {
		s.notifyDS(ctx, scheme, rejected.Erro)
	}
	// The failure must be recorded even if the merchant's request was cancelled.
	bg := context.WithoutCancel(ctx)
	if _, err := UpdateTransaction(bg, s.d.Transactions, "", tx.ID, tx, func(t *Transaction) error {
		return t.RecordFailure(info, s.d.Now(), s.cfg.Retention)
	}); err != nil {
		return errors.Join(cause, fmt.Errorf("record failure: %w", err))
	}
	return cause
}

// notifyDS sends an Erro about the DS's message, once, within a short bound.
func (s *flows) notifyDS(ctx context.Context, scheme emv3ds.Scheme, erro *emv3ds.Erro) {
	nctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ErroNotifyTimeout)
	defer cancel()
	_ = s.d.Directory.SendErro(nctx, scheme, erro) // fire-and-forget by protocol (§9, §12)
}

func erroInfo(e *emv3ds.Erro) ErrorInfo {
	mt := e.ErrorMessageType
	if mt == "" {
		mt = emv3ds.MessageTypeAReq
	}
	return ErrorInfo{Code: e.ErrorCode, Component: e.ErrorComponent, Description: e.ErrorDescription, Detail: e.ErrorDetail, MessageType: mt}
}

func aresData(a *emv3ds.ARes) AResData {
	d := AResData{
		TransStatus:          a.TransStatus,
		TransStatusReason:    a.TransStatusReason,
		DSTransID:            a.DSTransID,
		ACSTransID:           a.ACSTransID,
		SDKTransID:           a.SDKTransID,
		ACSReferenceNumber:   a.ACSReferenceNumber,
		DSReferenceNumber:    a.DSReferenceNumber,
		ACSOperatorID:        a.ACSOperatorID,
		ACSURL:               a.ACSURL,
		ACSChallengeMandated: a.ACSChallengeMandated,
		AuthenticationType:   string(a.AuthenticationType),
		ACSSignedContent:     a.ACSSignedContent,
		ACSDecConInd:         a.ACSDecConInd,
		MessageVersion:       a.MessageVersion,
		ECI:                  a.ECI,
		AuthenticationValue:  a.AuthenticationValue,
	}
	d.AuthenticationMethod = JoinAuthenticationMethods(a.AuthenticationMethod)
	d.TrustListStatus, d.TrustListStatusSource = a.TrustListStatus, a.TrustListStatusSource
	d.TransChallengeExemption = a.TransChallengeExemption
	if a.ACSRenderingType != nil {
		d.ACSRenderingType, _ = jsonRaw(a.ACSRenderingType)
	}
	if a.CardholderInfo != nil {
		d.CardholderInfo = a.CardholderInfo.Text
	}
	return d
}

// defaultECI forwards the ECI the DS or ACS sent; only when none came with
// N, U or R does it fill the scheme's "not authenticated" value (07 Visa, 00
// Mastercard), which the authorisation needs (protocol doc §11).
func defaultECI(scheme emv3ds.Scheme, st emv3ds.TransStatus, eci emv3ds.ECI) emv3ds.ECI {
	switch {
	case eci != "":
		return eci
	case st != emv3ds.TransStatusNotAuthenticated && st != emv3ds.TransStatusUnavailable && st != emv3ds.TransStatusRejected:
		return eci // Y, A and I carry the issuer's own ECI, never one of ours
	}
	if e, ok := emv3ds.ECIFor(scheme, st); ok {
		return e
	}
	return eci
}
