package threeds

import (
	"context"
	"errors"
	"fmt"

	"github.com/open3ds/server/shared/emv3ds"
)

// RefreshCardRanges sends a PReq to one DS and loads its PRes: incremental
// from the stored serialNum, or full on the first load and whenever the DS
// answers Erro 307 (serial number not valid).
func (s *flows) RefreshCardRanges(ctx context.Context, ds string, scheme emv3ds.Scheme) (*CardRangeSet, error) {
	serial := ""
	switch set, err := s.d.CardRanges.CardRangeSet(ctx, ds); {
	case err == nil:
		serial = set.SerialNum
	case !errors.Is(err, ErrCardRangesNotLoaded):
		return nil, fmt.Errorf("card ranges %s: %w", ds, err)
	}
	version := s.preqVersion()
	pres, preq, err := s.sendPReq(ctx, scheme, serial, version)
	var peer *PeerErroError
	if version != emv3ds.Version220 && errors.As(err, &peer) && peer.Erro.ErrorCode == emv3ds.ErrorCodeVersionNotSupported {
		// A DS that does not speak 2.3.1 yet: ask again in the 2.2.0 shape.
		version = emv3ds.Version220
		pres, preq, err = s.sendPReq(ctx, scheme, serial, version)
	}
	if serial != "" && errors.As(err, &peer) && peer.Erro.ErrorCode == emv3ds.ErrorCodeSerialNumberInvalid {
		serial = ""
		pres, preq, err = s.sendPReq(ctx, scheme, "", version)
	}
	if err != nil {
		return nil, fmt.Errorf("card ranges %s: %w", ds, err)
	}
	if verr := pres.Validate(); verr != nil {
		erro := emv3ds.NewErro(verr, emv3ds.ErrorComponentServer, pres)
		erro.ErrorMessageType = emv3ds.MessageTypePRes
		erro.ThreeDSServerTransID = preq.ThreeDSServerTransID
		s.notifyDS(ctx, scheme, erro)
		return nil, fmt.Errorf("card ranges %s: %w", ds, &RejectedMessageError{Erro: erro})
	}
	load := CardRangeLoad{DS: ds, Scheme: scheme, SerialNum: pres.SerialNum, Full: serial == ""}
	for _, c := range pres.CardRangeData {
		load.Changes = append(load.Changes, CardRangeChange{Action: string(c.Action()), Range: cardRange(c, pres)})
	}
	if err := s.d.CardRanges.LoadRanges(ctx, load); err != nil {
		return nil, fmt.Errorf("card ranges %s: %w", ds, err)
	}
	return s.d.CardRanges.CardRangeSet(ctx, ds)
}

// preqVersion is the version the PReq is sent in: 2.3.1 when it is enabled,
// so that the PRes lists each range's acsProtocolVersions (each with its own
// threeDSMethodURL and acsInfoInd) and the DS's dsProtocolVersions
// (clearhaus/3DSv2-api-documentation source/preauth.rst, the 2.3.1
// /preauth answer), else 2.2.0.
func (s *flows) preqVersion() emv3ds.Version {
	enabled := s.cfg.Versions
	if enabled == nil {
		enabled = emv3ds.SupportedVersions
	}
	for _, v := range enabled {
		if v == emv3ds.Version231 {
			return v
		}
	}
	return emv3ds.Version220
}

func (s *flows) sendPReq(ctx context.Context, scheme emv3ds.Scheme, serial string, version emv3ds.Version) (*emv3ds.PRes, *emv3ds.PReq, error) {
	preq := &emv3ds.PReq{
		MessageType:             emv3ds.MessageTypePReq,
		MessageVersion:          version,
		ThreeDSServerRefNumber:  s.cfg.ServerRefNumber,
		ThreeDSServerOperatorID: s.cfg.ServerOperatorID,
		ThreeDSServerTransID:    s.d.NewID(),
		SerialNum:               serial,
	}
	pres, err := s.d.Directory.SendPReq(ctx, scheme, preq)
	return pres, preq, err
}

// cardRange converts a PRes entry. 2.1.0/2.2.0 ranges carry their versions
// directly; 2.3.1 ranges list ACS versions (each with its method URL) and the
// DS's versions.
func cardRange(c emv3ds.CardRangeData, pres *emv3ds.PRes) CardRange {
	r := CardRange{
		Start:            c.StartRange,
		End:              c.EndRange,
		ACSStartVersion:  c.ACSStartProtocolVersion,
		ACSEndVersion:    c.ACSEndProtocolVersion,
		DSStartVersion:   firstNonEmpty(c.DSStartProtocolVersion, pres.DSStartProtocolVersion),
		DSEndVersion:     firstNonEmpty(c.DSEndProtocolVersion, pres.DSEndProtocolVersion),
		ThreeDSMethodURL: c.ThreeDSMethodURL,
	}
	for _, i := range c.ACSInfoInd {
		r.ACSInfoInd = append(r.ACSInfoInd, string(i))
	}
	if len(c.ACSProtocolVersions) > 0 {
		for _, pv := range c.ACSProtocolVersions {
			apv := ACSProtocolVersion{Version: pv.Version, ThreeDSMethodURL: pv.ThreeDSMethodURL}
			for _, i := range pv.ACSInfoInd {
				apv.ACSInfoInd = append(apv.ACSInfoInd, string(i))
			}
			r.ACSProtocolVersions = append(r.ACSProtocolVersions, apv)
			if r.ACSStartVersion == "" || pv.Version.Compare(r.ACSStartVersion) < 0 {
				r.ACSStartVersion = pv.Version
			}
			if r.ACSEndVersion == "" || pv.Version.Compare(r.ACSEndVersion) > 0 {
				r.ACSEndVersion = pv.Version
			}
		}
	}
	dsVersions := c.DSProtocolVersions
	if len(dsVersions) == 0 {
		dsVersions = pres.DSProtocolVersions
	}
	r.DSProtocolVersions = append([]emv3ds.Version(nil), dsVersions...)
	for _, v := range dsVersions {
		if r.DSStartVersion == "" || v.Compare(r.DSStartVersion) < 0 {
			r.DSStartVersion = v
		}
		if r.DSEndVersion == "" || v.Compare(r.DSEndVersion) > 0 {
			r.DSEndVersion = v
		}
	}
	return r
}

func firstNonEmpty(vs ...emv3ds.Version) emv3ds.Version {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
