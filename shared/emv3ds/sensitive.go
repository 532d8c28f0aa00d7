package emv3ds

import "log/slog"

// PAN is a primary account number (acctNumber). It carries the real value on
// the wire (JSON) but masks itself to the last four digits whenever it is
// printed or logged, so a stray %v or slog attribute cannot leak it.
type PAN string

// String returns the masked PAN, e.g. "****1091".
func (p PAN) String() string { return maskLast4(string(p)) }

// GoString masks the PAN for %#v as well.
func (p PAN) GoString() string { return p.String() }

// LogValue masks the PAN in slog output.
func (p PAN) LogValue() slog.Value { return slog.StringValue(p.String()) }

// Reveal returns the clear PAN. Call it only where the full number must leave
// the process (the AReq to the DS) or be hashed.
func (p PAN) Reveal() string { return string(p) }

// BIN returns the first six digits (or fewer for a short value).
func (p PAN) BIN() string {
	if len(p) < 6 {
		return ""
	}
	return string(p[:6])
}

// Last4 returns the last four digits.
func (p PAN) Last4() string {
	if len(p) < 4 {
		return ""
	}
	return string(p[len(p)-4:])
}

// AuthenticationValue is the CAVV/AAV (authenticationValue). Like PAN it masks
// itself in String, GoString and slog output.
type AuthenticationValue string

// String returns a fixed mask that shows only that a value is present.
func (a AuthenticationValue) String() string {
	if a == "" {
		return ""
	}
	return "****"
}

// GoString masks the value for %#v as well.
func (a AuthenticationValue) GoString() string { return a.String() }

// LogValue masks the value in slog output.
func (a AuthenticationValue) LogValue() slog.Value { return slog.StringValue(a.String()) }

// Reveal returns the clear authentication value for the merchant's answer.
func (a AuthenticationValue) Reveal() string { return string(a) }

func maskLast4(s string) string {
	if len(s) <= 4 {
		return "****"
	}
	return "****" + s[len(s)-4:]
}
