package threeds

import (
	"context"
	"errors"
	"fmt"

	"github.com/open3ds/server/shared/emv3ds"
)

// ErrNotEnrolled means the card is in no 3-D Secure 2 card range: the merchant
// must not send an AReq for it (protocol doc §3).
var ErrNotEnrolled = errors.New("card not enrolled in 3-D Secure 2")

// ErrSchemeNotServed means the card's scheme is not enabled for this
// deployment or this merchant.
var ErrSchemeNotServed = errors.New("card scheme not served")

// PreauthInput starts an authentication.
type PreauthInput struct {
	AcctNumber emv3ds.PAN
	// MessageVersion, when set, is honoured if the card range supports it.
	MessageVersion emv3ds.Version
	// MethodNotificationURL overrides our /callbacks/method (a merchant that
	// hosts the 3DS Method callback itself).
	MethodNotificationURL string
	// CallbackBaseURL overrides the configured base of our browser callbacks
	// (the API's own URL when the deployment has no fixed public URL).
	CallbackBaseURL string
	// Dialect is the merchant API the request came through (the
	// transaction remembers it for its webhook); DefaultDialect when empty.
	Dialect string
	// ThreeDSServerTransID, when set, is the transaction's ID instead of a
	// new random one: a dialect whose client names the transaction by its
	// own ID (UAS's source_authentication_id) derives a UUID from it, so
	// later steps find the transaction with one read. A second preauth with
	// the same ID is ErrDuplicateTransaction.
	ThreeDSServerTransID string
	// ThreeDSMethodID (2.3.1) names an earlier transaction of the merchant
	// whose 3DS Method completed in the same browser less than
	// MethodReuseWindow ago. When the negotiated version is 2.3.1 and the
	// reuse is possible (same ACS method URL), no method is handed out and
	// the AReq names that run by threeDSMethodId (Req 441); otherwise it is
	// ignored and the method is handed out as usual.
	ThreeDSMethodID string
}

// PreauthOutput is what the merchant needs before the AReq: the versions and,
// when the ACS has one, the 3DS Method to run in the browser.
type PreauthOutput struct {
	ThreeDSServerTransID         string
	Scheme                       emv3ds.Scheme
	MessageVersion               emv3ds.Version
	DSStartProtocolVersion       emv3ds.Version
	DSEndProtocolVersion         emv3ds.Version
	ACSStartProtocolVersion      emv3ds.Version
	ACSEndProtocolVersion        emv3ds.Version
	ThreeDSMethodURL             string
	ThreeDSMethodData            string
	ThreeDSMethodNotificationURL string
	ACSInfoInd                   []string
	// ThreeDSMethodID is the input's, when the AReq will reuse that 3DS
	// Method run instead of running one (then ThreeDSMethodURL is empty).
	ThreeDSMethodID string
}

// Preauth looks the card up in the card ranges, negotiates the version and
// opens the transaction whose threeDSServerTransID the 3DS Method and the AReq
// share.
func (s *flows) Preauth(ctx context.Context, merchantID string, in PreauthInput) (*PreauthOutput, error) {
	if err := s.checkPAN(in.AcctNumber); err != nil {
		return nil, err
	}
	if in.MessageVersion != "" && !in.MessageVersion.Supported() {
		return nil, fieldError("messageVersion", "must be 2.1.0, 2.2.0 or 2.3.1", emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrFormat)
	}
	if in.MethodNotificationURL != "" {
		if err := checkURL("threeDSMethodNotificationURL", in.MethodNotificationURL, 256); err != nil {
			return nil, err
		}
	}
	merchant, err := s.d.Merchants.GetMerchant(ctx, merchantID)
	if err != nil {
		return nil, fmt.Errorf("preauth: %w", err)
	}
	cr, versions, err := s.lookupRange(ctx, merchant, in.AcctNumber, in.MessageVersion)
	if err != nil {
		return nil, err
	}
	id := s.d.NewID()
	if in.ThreeDSServerTransID != "" {
		if err := CheckTransID("threeDSServerTransID", in.ThreeDSServerTransID); err != nil {
			return nil, err
		}
		id = in.ThreeDSServerTransID
	}
	methodURL, acsInfo := methodFor(cr, versions)
	reuse := ""
	if in.ThreeDSMethodID != "" && versions.AtLeast(emv3ds.Version231) && methodURL != "" {
		if err := s.checkMethodReuse(ctx, merchantID, id, methodURL, in.ThreeDSMethodID); err != nil {
			return nil, err
		}
		reuse = in.ThreeDSMethodID
	}
	notify := in.MethodNotificationURL
	if notify == "" {
		notify = s.callbackBase(in.CallbackBaseURL) + "/callbacks/method"
	}
	if methodURL == "" {
		notify = ""
	}
	tx, err := NewTransaction(NewTransactionInput{
		ID:                    id,
		MerchantID:            merchantID,
		Dialect:               in.Dialect,
		Card:                  NewCard(in.AcctNumber, cr.Scheme, s.d.PANHasher),
		MessageVersion:        versions,
		DSStartVersion:        cr.DSStartVersion,
		DSEndVersion:          cr.DSEndVersion,
		ACSStartVersion:       cr.ACSStartVersion,
		ACSEndVersion:         cr.ACSEndVersion,
		ThreeDSMethodURL:      methodURL,
		MethodNotificationURL: notify,
		ThreeDSMethodID:       reuse,
	}, s.d.Now(), s.cfg.Retention)
	if err != nil {
		return nil, fmt.Errorf("preauth: %w", err)
	}
	if err := s.d.Transactions.Create(ctx, tx); err != nil {
		return nil, fmt.Errorf("preauth: create transaction: %w", err)
	}
	out := &PreauthOutput{
		ThreeDSServerTransID:    id,
		Scheme:                  cr.Scheme,
		MessageVersion:          versions,
		DSStartProtocolVersion:  cr.DSStartVersion,
		DSEndProtocolVersion:    cr.DSEndVersion,
		ACSStartProtocolVersion: cr.ACSStartVersion,
		ACSEndProtocolVersion:   cr.ACSEndVersion,
		ACSInfoInd:              acsInfo,
	}
	if reuse != "" {
		out.ThreeDSMethodID = reuse // no method to run: the AReq names the earlier one
	} else if methodURL != "" {
		out.ThreeDSMethodURL = methodURL
		out.ThreeDSMethodNotificationURL = notify
		out.ThreeDSMethodData = emv3ds.NewThreeDSMethodData(id, notify).Encode()
	}
	return out, nil
}

// lookupRange finds the card's range and the version to speak.
func (s *flows) lookupRange(ctx context.Context, merchant *Merchant, pan emv3ds.PAN, requested emv3ds.Version) (*CardRange, emv3ds.Version, error) {
	cr, err := s.d.CardRanges.LookupCardRange(ctx, pan)
	switch {
	case errors.Is(err, ErrCardRangeNotFound), errors.Is(err, ErrCardRangesNotLoaded):
		return nil, "", ErrNotEnrolled
	case err != nil:
		return nil, "", fmt.Errorf("card range lookup: %w", err)
	}
	scheme := cr.Scheme
	if scheme == "" || scheme == emv3ds.SchemeUnknown {
		scheme = emv3ds.SchemeForPAN(pan)
		cr.Scheme = scheme
	}
	if !s.schemeServed(scheme) || !merchant.AllowsScheme(scheme) {
		return nil, "", ErrSchemeNotServed
	}
	// A requested version outside the range is negotiated freely.
	v, err := NegotiateRangeVersion(s.cfg.Versions, cr, requested)
	if err != nil {
		return nil, "", ErrNotEnrolled
	}
	return cr, v, nil
}

// methodFor returns the 3DS Method URL and acsInfoInd for the chosen version:
// 2.3.1 card ranges list them per ACS protocol version.
func methodFor(cr *CardRange, v emv3ds.Version) (string, []string) {
	for _, pv := range cr.ACSProtocolVersions {
		if pv.Version == v {
			return pv.ThreeDSMethodURL, pv.ACSInfoInd
		}
	}
	return cr.ThreeDSMethodURL, cr.ACSInfoInd
}

func checkPAN(pan emv3ds.PAN) error {
	p := pan.Reveal()
	switch {
	case p == "":
		return fieldError("acctNumber", "is required", emv3ds.ErrorCodeRequiredMissing, emv3ds.ErrMissing)
	case !ValidPAN(p):
		return fieldError("acctNumber", "must be 13 to 19 digits", emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrFormat)
	case !emv3ds.LuhnValid(p):
		return fieldError("acctNumber", "must pass the Luhn check", emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrFormat)
	}
	return nil
}
