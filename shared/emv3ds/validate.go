package emv3ds

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// validator collects every failure of one message. Each check names the
// element (spec name, dotted for nested elements) and the rule, never the
// value. A check on an element that arrived as "" stays silent: decoding has
// already reported it (203), and it must not also count as missing.
type validator struct {
	v    Version
	st   decodeState
	errs []FieldError
}

func newValidator(v Version, st decodeState) *validator {
	return &validator{v: v, st: st, errs: append([]FieldError(nil), st.issues...)}
}

func (v *validator) err() error {
	if len(v.errs) == 0 {
		return nil
	}
	return &ValidationError{Fields: v.errs}
}

func (v *validator) add(field, rule string, code ErrorCode, err error) {
	v.errs = append(v.errs, FieldError{Field: field, Rule: rule, Code: code, Err: err})
}

func (v *validator) format(field, rule string) { v.add(field, rule, ErrorCodeInvalidFormat, ErrFormat) }

// missing reports a required element that is absent (201).
func (v *validator) missing(field, rule string) {
	if v.st.isEmpty(field) {
		return
	}
	v.add(field, rule, ErrorCodeRequiredMissing, ErrMissing)
}

// notAllowed reports an element (or value) that must not be present here.
func (v *validator) notAllowed(field, rule string) {
	v.add(field, rule, ErrorCodeInvalidFormat, ErrNotAllowed)
}

// require reports val missing when required and returns whether a value is
// there to check further.
func (v *validator) require(field, val string, required bool) bool {
	if val != "" {
		return true
	}
	if required {
		v.missing(field, "required")
	}
	return false
}

// requireIf is require with the reason the element is required.
func (v *validator) requireIf(field string, present, cond bool, why string) {
	if !present && cond {
		v.missing(field, "required "+why)
	}
}

func (v *validator) msgType(got, want MessageType) {
	if got == "" {
		v.add("messageType", "required", ErrorCodeMessageInvalid, ErrInvalidMessage)
	} else if got != want {
		v.add("messageType", "must be "+string(want), ErrorCodeMessageInvalid, ErrInvalidMessage)
	}
}

// version checks messageVersion; false means the version-specific rules
// cannot run.
func (v *validator) version(val Version) bool {
	if val == "" {
		v.missing("messageVersion", "required")
		return false
	}
	if !val.Supported() {
		v.add("messageVersion", "not a supported version", ErrorCodeVersionNotSupported, ErrUnsupportedVersion)
		return false
	}
	return true
}

// --- formats -------------------------------------------------------------

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// isUUID: the canonical 36-character form (any version; the DS and ACS IDs of
// test systems are not always v4).
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHex(s[i]) {
				return false
			}
		}
	}
	return true
}

func (v *validator) uuid(field, val string, required bool) {
	if v.require(field, val, required) && !isUUID(val) {
		v.format(field, "UUID, 36 characters")
	}
}

// digits checks a numeric string of min..max digits.
func (v *validator) digits(field, val string, min, max int, required bool) {
	if v.require(field, val, required) && (!isDigits(val) || len(val) < min || len(val) > max) {
		if min == max {
			v.format(field, strconv.Itoa(min)+" digits")
		} else {
			v.format(field, strconv.Itoa(min)+"–"+strconv.Itoa(max)+" digits")
		}
	}
}

// text checks free text: valid UTF-8 without control characters, min..max
// characters. Free text is not limited to ASCII (cardholder and merchant
// names are written in many scripts).
func (v *validator) text(field, val string, min, max int, required bool) {
	if !v.require(field, val, required) {
		return
	}
	n := utf8.RuneCountInString(val)
	if !utf8.ValidString(val) || n < min || n > max || hasControl(val) {
		v.format(field, "text of "+strconv.Itoa(min)+"–"+strconv.Itoa(max)+" characters")
	}
}

// ascii checks an identifier-like element: printable ASCII, min..max chars.
func (v *validator) ascii(field, val string, min, max int, required bool) {
	if !v.require(field, val, required) {
		return
	}
	ok := len(val) >= min && len(val) <= max
	for i := 0; ok && i < len(val); i++ {
		ok = val[i] >= 0x20 && val[i] < 0x7f
	}
	if !ok {
		v.format(field, "printable ASCII of "+strconv.Itoa(min)+"–"+strconv.Itoa(max)+" characters")
	}
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' {
			return true
		}
	}
	return false
}

// enum checks val against the allowed values.
func (v *validator) enum(field, val string, required bool, allowed ...string) {
	if !v.require(field, val, required) {
		return
	}
	for _, a := range allowed {
		if val == a {
			return
		}
	}
	v.format(field, "not an allowed value")
}

// code2 checks a two-digit code in [lo, hi], also allowing 80–99 when ds.
func (v *validator) code2(field, val string, required bool, lo, hi int, ds bool) {
	if !v.require(field, val, required) {
		return
	}
	if !twoDigitIn(val, lo, hi, ds) {
		v.format(field, "not an allowed value")
	}
}

func twoDigitIn(val string, lo, hi int, ds bool) bool {
	if len(val) != 2 || !isDigits(val) {
		return false
	}
	n, _ := strconv.Atoi(val)
	return (n >= lo && n <= hi) || (ds && n >= 80 && n <= 99)
}

func (v *validator) yn(field, val string, required bool) { v.enum(field, val, required, "Y", "N") }

func validTime(layout, val string) bool {
	if len(val) != len(layout) || !isDigits(val) {
		return false
	}
	_, err := time.Parse(layout, val)
	return err == nil
}

const (
	layoutDateTime = "20060102150405" // YYYYMMDDHHMMSS
	layoutStamp    = "200601021504"   // YYYYMMDDHHMM
	layoutDate     = "20060102"       // YYYYMMDD
)

func (v *validator) dateTime(field, val, layout, rule string, required bool) {
	if v.require(field, val, required) && !validTime(layout, val) {
		v.format(field, rule)
	}
}

// yymm checks cardExpiryDate: YYMM with month 01–12.
func (v *validator) yymm(field, val string, required bool) {
	if !v.require(field, val, required) {
		return
	}
	if len(val) != 4 || !isDigits(val) {
		v.format(field, "YYMM")
		return
	}
	if m, _ := strconv.Atoi(val[2:]); m < 1 || m > 12 {
		v.format(field, "YYMM")
	}
}

// url checks an absolute http(s) URL of at most max characters.
func (v *validator) url(field, val string, max int, required bool) {
	if v.require(field, val, required) && !validURL(val, max) {
		v.format(field, "absolute http(s) URL of at most "+strconv.Itoa(max)+" characters")
	}
}

// versionURL checks a URL element that 2.3.1 constrains to https
// (../shared/docs/emv3ds-protocol.md §5.1: threeDSRequestorURL and
// notificationURL are "https in 2.3.1"); earlier versions accept http(s).
// A loopback host (localhost, 127.0.0.0/8, ::1) stays allowed over http:
// it is never reachable from an ACS on the internet, and the local stack
// (make run, the e2e suites) serves its callbacks there.
func (v *validator) versionURL(field, val string, max int, required bool) {
	if !v.v.AtLeast(Version231) {
		v.url(field, val, max, required)
		return
	}
	if !v.require(field, val, required) {
		return
	}
	if !validURL(val, max) {
		v.format(field, "absolute https URL of at most "+strconv.Itoa(max)+" characters")
		return
	}
	if u, err := url.Parse(val); err == nil && !strings.EqualFold(u.Scheme, "https") && !isLoopbackHost(u.Hostname()) {
		v.format(field, "https URL (required from 2.3.1)")
	}
}

func isLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.IsLoopback()
}

func validURL(val string, max int) bool {
	if len(val) > max || hasControl(val) || strings.ContainsAny(val, " ") {
		return false
	}
	u, err := url.Parse(val)
	if err != nil || u.Host == "" {
		return false
	}
	s := strings.ToLower(u.Scheme)
	return s == "https" || s == "http"
}

// ip checks an IPv4 dotted or IPv6 address of at most 45 characters.
func (v *validator) ip(field, val string, required bool) {
	if !v.require(field, val, required) {
		return
	}
	if len(val) > 45 {
		v.format(field, "IPv4 or IPv6 address")
		return
	}
	if _, err := netip.ParseAddr(val); err != nil {
		v.format(field, "IPv4 or IPv6 address")
	}
}

// email checks at most 254 characters with one "@" between non-empty parts.
func (v *validator) email(field, val string, required bool) {
	if !v.require(field, val, required) {
		return
	}
	local, domain, ok := strings.Cut(val, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") ||
		utf8.RuneCountInString(val) > 254 || strings.ContainsAny(val, " \t\r\n") || !utf8.ValidString(val) {
		v.format(field, "email address of at most 254 characters")
	}
}

// country checks an ISO 3166-1 numeric code: 3 digits (203), assigned (304).
func (v *validator) country(field, val string, required bool) {
	if !v.require(field, val, required) {
		return
	}
	if len(val) != 3 || !isDigits(val) {
		v.format(field, "ISO 3166-1 numeric, 3 digits")
		return
	}
	if !isoCountries[val] {
		v.add(field, "not an ISO 3166-1 country code", ErrorCodeISOCodeInvalid, ErrFormat)
	}
}

// currency checks an ISO 4217 numeric code: 3 digits (203), a currency
// (304); it returns the exponent (-1 when unknown).
func (v *validator) currency(field, val string, required bool) int {
	if !v.require(field, val, required) {
		return -1
	}
	if len(val) != 3 || !isDigits(val) {
		v.format(field, "ISO 4217 numeric, 3 digits")
		return -1
	}
	exp, ok := isoCurrencies[val]
	if !ok {
		v.add(field, "not an ISO 4217 currency code", ErrorCodeISOCodeInvalid, ErrFormat)
		return -1
	}
	return exp
}

// pan checks an account number: 13–19 digits, Luhn valid.
func (v *validator) pan(field, val string, required bool) {
	if !v.require(field, val, required) {
		return
	}
	if !isDigits(val) || len(val) < 13 || len(val) > 19 {
		v.format(field, "13–19 digits")
		return
	}
	if !LuhnValid(val) {
		v.format(field, "fails the Luhn check")
	}
}

// extensions checks messageExtension: at most 10 entries (15 in 2.3.1), each
// with name and id of at most 64 characters, criticalityIndicator and data.
func (v *validator) extensions(exts []MessageExtension) {
	max := 10
	if v.v.AtLeast(Version231) {
		max = 15
	}
	if len(exts) > max {
		v.format("messageExtension", "at most "+strconv.Itoa(max)+" entries")
	}
	for i, e := range exts {
		p := "messageExtension[" + strconv.Itoa(i) + "]."
		v.ascii(p+"name", e.Name, 1, 64, true)
		v.ascii(p+"id", e.ID, 1, 64, true)
		v.requireIf(p+"criticalityIndicator", e.CriticalityIndicator != nil, true, "in every extension")
		v.requireIf(p+"data", len(e.Data) > 0, true, "in every extension")
		if len(e.Data) > 8059 {
			v.format(p+"data", "at most 8059 characters")
		}
	}
}
