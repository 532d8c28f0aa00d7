package emv3ds

// ValidateOptions relaxes AReq validation for sandbox test cards.
type ValidateOptions struct {
	// SkipLuhn, when set and true for the AReq's acctNumber, drops the
	// acctNumber Luhn failure (3dsecure.io-style sandbox test PANs do not
	// pass Luhn). Every other rule still applies.
	SkipLuhn func(pan string) bool
}

// ValidateWith is Validate with the relaxations of o; ValidateWith with the
// zero ValidateOptions is Validate.
func (m *AReq) ValidateWith(o ValidateOptions) error {
	err := m.Validate()
	ve, ok := err.(*ValidationError)
	if !ok || o.SkipLuhn == nil || !o.SkipLuhn(m.AcctNumber.Reveal()) {
		return err
	}
	kept := ve.Fields[:0:0]
	for _, f := range ve.Fields {
		if f.Field == "acctNumber" && f.Rule == "fails the Luhn check" {
			continue
		}
		kept = append(kept, f)
	}
	if len(kept) == 0 {
		return nil
	}
	return &ValidationError{Fields: kept}
}
