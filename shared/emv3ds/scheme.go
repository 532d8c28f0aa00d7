package emv3ds

import "strconv"

// SchemeForPAN recognises the card scheme from the PAN's leading digits:
// Visa 4; Mastercard 51–55 and 2221–2720; Amex 34, 37; Discover/Diners 6011,
// 644–649, 65, 300–305, 36, 38–39; JCB 3528–3589; UnionPay 62; Mir 2200–2204.
func SchemeForPAN(p PAN) Scheme {
	s := p.Reveal()
	if len(s) < 4 || !isDigits(s) {
		return SchemeUnknown
	}
	n2, _ := strconv.Atoi(s[:2])
	n3, _ := strconv.Atoi(s[:3])
	n4, _ := strconv.Atoi(s[:4])
	switch {
	case s[0] == '4':
		return SchemeVisa
	case n4 >= 2200 && n4 <= 2204:
		return SchemeMir
	case n2 >= 51 && n2 <= 55, n4 >= 2221 && n4 <= 2720:
		return SchemeMastercard
	case n2 == 34 || n2 == 37:
		return SchemeAmex
	case n4 >= 3528 && n4 <= 3589:
		return SchemeJCB
	case n2 == 62:
		return SchemeUnionPay
	case n4 == 6011, n3 >= 644 && n3 <= 649, n2 == 65, n3 >= 300 && n3 <= 305, n2 == 36, n2 == 38, n2 == 39:
		return SchemeDiscover
	}
	return SchemeUnknown
}

// ecis are the scheme's ECIs for Y, A and "not authenticated"
// (protocol doc §11). Mastercard and Mir use the 02/01/00 family.
var ecis = map[Scheme][3]ECI{
	SchemeVisa:       {"05", "06", "07"},
	SchemeMastercard: {"02", "01", "00"},
	SchemeAmex:       {"05", "06", "07"},
	SchemeDiscover:   {"05", "06", "07"},
	SchemeJCB:        {"05", "06", "07"},
	SchemeUnionPay:   {"05", "06", "07"},
	SchemeMir:        {"02", "01", "00"},
}

// ECIFor returns the scheme's default ECI for a transStatus, for when the ACS
// or DS returned none: Y → fully authenticated, A → attempts, N/U/R (and a
// failed or absent 3DS, status "") → not authenticated. ok is false for an
// unknown scheme or a status without an ECI (C, D, I, S). An ECI returned by
// the ACS is always forwarded unchanged instead.
func ECIFor(scheme Scheme, status TransStatus) (ECI, bool) {
	e, ok := ecis[scheme]
	if !ok {
		return "", false
	}
	switch status {
	case TransStatusAuthenticated:
		return e[0], true
	case TransStatusAttempted:
		return e[1], true
	case TransStatusNotAuthenticated, TransStatusUnavailable, TransStatusRejected, "":
		return e[2], true
	}
	return "", false
}

// DescribeECI is the meaning of an ECI for the scheme ("" when unknown).
func DescribeECI(scheme Scheme, eci ECI) string {
	switch scheme {
	case SchemeMastercard, SchemeMir:
		switch eci {
		case "02":
			return "fully authenticated"
		case "01":
			return "attempted authentication"
		case "00":
			return "not authenticated"
		case "04":
			return "data only (no authentication)"
		case "06":
			return "SCA exemption or out of scope"
		case "07":
			return "authenticated merchant-initiated transaction"
		case "N0", "N2":
			return "non-payment authentication"
		}
	case SchemeUnknown:
		return ""
	default:
		switch eci {
		case "05":
			return "fully authenticated"
		case "06":
			return "attempted authentication"
		case "07":
			return "not authenticated"
		}
	}
	return ""
}
