package threeds

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/open3ds/server/shared/emv3ds"
)

// MethodReuseWindow is how long a completed 3DS Method can stand in for a
// new run: a 2.3.1 AReq names it by threeDSMethodId (EMV 3DS 2.3.1 Req 441:
// within 10 minutes; clearhaus/3DSv2-api-documentation
// source/_static/areq_231.html, threeDSMethodId: "the 3DS Server
// Transaction ID used during the previous execution of the 3DS Method",
// uuid, BRW only).
const MethodReuseWindow = 10 * time.Minute

// reuseMethod checks an AReq's threeDSMethodId: it must name another
// transaction of the merchant whose 3DS Method completed (its notification
// came) less than MethodReuseWindow ago, at the same ACS 3DS Method URL as
// this transaction's card range. The AReq then says threeDSCompInd Y: the
// ACS holds a completed method result for the browser. The element exists
// only in 2.3.1 browser AReqs (prepareAReq dropped it elsewhere).
//
// A reuse preauth accepted (Transaction.ThreeDSMethodID, the AReq naming
// none) that is no longer possible (the window passed) is dropped instead:
// the AReq goes without it, threeDSCompInd N, as after a method that did not
// complete.
func (s *flows) reuseMethod(ctx context.Context, merchantID string, tx *Transaction, a *emv3ds.AReq, fromPreauth bool) error {
	id := a.ThreeDSMethodID
	if id == "" {
		return nil
	}
	if err := s.checkMethodReuse(ctx, merchantID, tx.ID, tx.ThreeDSMethodURL, id); err != nil {
		if fromPreauth {
			a.ThreeDSMethodID = ""
			return nil
		}
		return err
	}
	a.ThreeDSCompInd = emv3ds.ThreeDSCompIndCompleted
	return nil
}

// checkMethodReuse checks that id names a 3DS Method transaction ownID may
// reuse: another transaction of the merchant whose method completed less
// than MethodReuseWindow ago at methodURL.
func (s *flows) checkMethodReuse(ctx context.Context, merchantID, ownID, methodURL, id string) error {
	notAllowed := func(rule string) error {
		return fieldError("threeDSMethodId", rule, emv3ds.ErrorCodeTransactionDataInvalid, emv3ds.ErrNotAllowed)
	}
	if err := CheckTransID("threeDSMethodId", id); err != nil {
		return err
	}
	if id == ownID {
		return notAllowed("must name an earlier transaction's 3DS Method, not this one's")
	}
	if methodURL == "" {
		return notAllowed("the card's ACS has no 3DS Method")
	}
	prev, err := ReadTransaction(ctx, s.d.Transactions, merchantID, id)
	if errors.Is(err, ErrTransactionNotFound) {
		return notAllowed("is not a transaction of this merchant")
	}
	if err != nil {
		return err
	}
	switch {
	case prev.MethodCompletedAt.IsZero():
		return notAllowed("names a transaction whose 3DS Method did not complete")
	case prev.ThreeDSMethodURL != methodURL:
		return notAllowed("names a 3DS Method of another ACS")
	case s.d.Now().Sub(prev.MethodCompletedAt) > MethodReuseWindow:
		return notAllowed("names a 3DS Method older than 10 minutes")
	}
	return nil
}

// JoinAuthenticationMethods is how a 2.3.1 authenticationMethod array is
// kept on a transaction: its values joined by commas.
func JoinAuthenticationMethods(ms []emv3ds.AuthenticationMethod) string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m)
	}
	return strings.Join(out, ",")
}

// SplitAuthenticationMethods undoes JoinAuthenticationMethods (nil for "").
func SplitAuthenticationMethods(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// DecoupledFallback reports a 2.3.1 result that asks the requestor to
// authenticate again as decoupled: transStatusReason 29 (attempted but not
// completed by the cardholder, fall back to decoupled) or 30 (completed,
// further authentication required, re-initiate as decoupled)
// (clearhaus/3DSv2-api-documentation source/_static/rreq_231.html and
// ares_231.html, transStatusReason).
func DecoupledFallback(v emv3ds.Version, reason emv3ds.TransStatusReason) bool {
	return v.AtLeast(emv3ds.Version231) && (reason == "29" || reason == "30")
}

// cresTransID is the transaction a CRes (or the Erro posted in its place)
// names when the ACS posted it without threeDSSessionData: both its
// threeDSServerTransID and acsTransID must be well-formed, as checkCResByIDs
// then matches both against the transaction.
func cresTransID(cres *emv3ds.CRes, erro *emv3ds.Erro) (string, error) {
	var id, acs string
	switch {
	case erro != nil:
		id, acs = erro.ThreeDSServerTransID, erro.ACSTransID
	case cres != nil:
		id, acs = cres.ThreeDSServerTransID, cres.ACSTransID
	}
	if CheckTransID("threeDSServerTransID", id) != nil || CheckTransID("acsTransID", acs) != nil {
		return "", fmt.Errorf("challenge callback: no threeDSSessionData and no threeDSServerTransID/acsTransID: %w", ErrInvalidCallback)
	}
	return id, nil
}

// checkCResByIDs is what stands in for our signed threeDSSessionData when a
// CRes comes without it: the transaction must be in a browser challenge (ARes
// C, challenge pending, or final by the RReq that precedes the CRes), the
// acsTransID must be the ARes's, and the challenge must be recent
// (challengeLostAfter). The result still comes only from the RReq.
func checkCResByIDs(cres *emv3ds.CRes, erro *emv3ds.Erro, t *Transaction, now time.Time) error {
	acs := ""
	if erro != nil {
		acs = erro.ACSTransID
	} else if cres != nil {
		acs = cres.ACSTransID
	}
	viaChallenge := t.ARes.TransStatus == emv3ds.TransStatusChallenge || t.ARes.TransStatus == emv3ds.TransStatusChallengeSPC
	switch {
	case !viaChallenge || t.DeviceChannel != emv3ds.DeviceChannelBrowser:
		return fmt.Errorf("CRes without threeDSSessionData for a transaction that is not in a browser challenge: %w", ErrInvalidCallback)
	case t.State != StateChallengePending && t.State != StateFinal:
		return fmt.Errorf("CRes without threeDSSessionData in state %s: %w", t.State, ErrInvalidCallback)
	case acs == "" || acs != t.ARes.ACSTransID:
		return fmt.Errorf("CRes without threeDSSessionData: acsTransID does not match the ARes: %w", ErrInvalidCallback)
	case now.Sub(t.ARes.ReceivedAt) > challengeLostAfter:
		return fmt.Errorf("CRes without threeDSSessionData after the challenge window: %w", ErrInvalidCallback)
	}
	return nil
}

// NegotiateRangeVersion picks the messageVersion for a card range: the
// requested one when the range supports it, else the highest enabled one it
// supports. A 2.3.1 range's acsProtocolVersions and dsProtocolVersions are
// sets (an ACS may list 2.1.0 and 2.3.1 without 2.2.0), so a version must be
// listed, not merely lie between the first and the last; ranges of older
// PRes shapes have only start and end versions.
func NegotiateRangeVersion(enabled []emv3ds.Version, cr *CardRange, requested emv3ds.Version) (emv3ds.Version, error) {
	if enabled == nil {
		enabled = emv3ds.SupportedVersions
	}
	ok := func(v emv3ds.Version) bool {
		if !v.Supported() || !slices.Contains(enabled, v) {
			return false
		}
		if len(cr.DSProtocolVersions) > 0 {
			if !slices.Contains(cr.DSProtocolVersions, v) {
				return false
			}
		} else if v.Compare(cr.DSStartVersion) < 0 || v.Compare(cr.DSEndVersion) > 0 {
			return false
		}
		if len(cr.ACSProtocolVersions) > 0 {
			return slices.ContainsFunc(cr.ACSProtocolVersions, func(p ACSProtocolVersion) bool { return p.Version == v })
		}
		return v.Compare(cr.ACSStartVersion) >= 0 && v.Compare(cr.ACSEndVersion) <= 0
	}
	if requested != "" && ok(requested) {
		return requested, nil
	}
	for i := len(enabled) - 1; i >= 0; i-- {
		if ok(enabled[i]) {
			return enabled[i], nil
		}
	}
	return "", fmt.Errorf("no common version for the card range: %w", emv3ds.ErrUnsupportedVersion)
}
