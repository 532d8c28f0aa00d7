package emv3ds

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Supported reports whether v is one of SupportedVersions.
func (v Version) Supported() bool {
	for _, s := range SupportedVersions {
		if s == v {
			return true
		}
	}
	return false
}

// parts splits a semver "x.y.z"; ok is false for anything else.
func (v Version) parts() (p [3]int, ok bool) {
	f := strings.Split(string(v), ".")
	if len(f) != 3 {
		return p, false
	}
	for i, s := range f {
		if s == "" || len(s) > 4 {
			return p, false
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || s[0] == '+' {
			return p, false
		}
		p[i] = n
	}
	return p, true
}

// Compare returns -1, 0 or +1 as v is lower than, equal to or higher than w.
// Malformed versions sort below every well-formed one.
func (v Version) Compare(w Version) int {
	a, aok := v.parts()
	b, bok := w.parts()
	switch {
	case !aok && !bok:
		return strings.Compare(string(v), string(w))
	case !aok:
		return -1
	case !bok:
		return 1
	}
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// AtLeast reports whether v ≥ w. Shapes that changed in a version are chosen
// with it (v.AtLeast(Version231) means "use the 2.3.1 shape").
func (v Version) AtLeast(w Version) bool { return v.Compare(w) >= 0 }

// NegotiateVersion picks the message version for an AReq: the highest of
// SupportedVersions inside both the DS range and the ACS range. A requested
// version (non-empty) is honoured when it lies inside both ranges and is
// supported. An error wrapping ErrUnsupportedVersion means there is none.
func NegotiateVersion(dsStart, dsEnd, acsStart, acsEnd Version, requested Version) (Version, error) {
	return NegotiateVersionIn(SupportedVersions, dsStart, dsEnd, acsStart, acsEnd, requested)
}

// NegotiateVersionIn is NegotiateVersion limited to the versions a
// deployment enables (ascending; nil means SupportedVersions): 2.1.0 is
// retired by the schemes and opt-in (VERSIONS_ENABLED).
func NegotiateVersionIn(enabled []Version, dsStart, dsEnd, acsStart, acsEnd Version, requested Version) (Version, error) {
	if enabled == nil {
		enabled = SupportedVersions
	}
	in := func(v Version) bool {
		return v.Supported() && slices.Contains(enabled, v) &&
			v.Compare(dsStart) >= 0 && v.Compare(dsEnd) <= 0 &&
			v.Compare(acsStart) >= 0 && v.Compare(acsEnd) <= 0
	}
	if requested != "" && in(requested) {
		return requested, nil
	}
	for i := len(enabled) - 1; i >= 0; i-- {
		if in(enabled[i]) {
			return enabled[i], nil
		}
	}
	return "", fmt.Errorf("no common version for DS %s–%s and ACS %s–%s: %w", dsStart, dsEnd, acsStart, acsEnd, ErrUnsupportedVersion)
}
