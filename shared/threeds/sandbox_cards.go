package threeds

import "github.com/open3ds/server/shared/emv3ds"

// IsSandboxTestPAN reports whether pan has 3dsecure.io's sandbox test-card
// pattern: 16 digits, a first digit 3–9, "00010", two digits, "1111", four
// digits. Such PANs do not pass Luhn.
func IsSandboxTestPAN(pan string) bool {
	if len(pan) != 16 || pan[0] < '3' || pan[0] > '9' || pan[1:6] != "00010" || pan[8:12] != "1111" {
		return false
	}
	for i := 0; i < len(pan); i++ {
		if pan[i] < '0' || pan[i] > '9' {
			return false
		}
	}
	return true
}

// checkPAN is the package checkPAN, with the sandbox test cards exempt from
// Luhn when ServiceConfig.SandboxTestCards is set.
func (s *flows) checkPAN(pan emv3ds.PAN) error {
	if s.cfg.SandboxTestCards && IsSandboxTestPAN(pan.Reveal()) {
		return nil
	}
	return checkPAN(pan)
}

// validateOptions relaxes the AReq validation the same way.
func (s *flows) validateOptions() emv3ds.ValidateOptions {
	if !s.cfg.SandboxTestCards {
		return emv3ds.ValidateOptions{}
	}
	return emv3ds.ValidateOptions{SkipLuhn: IsSandboxTestPAN}
}
