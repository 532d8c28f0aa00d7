package emv3ds

// LuhnValid reports whether s is all digits and passes the Luhn check.
func LuhnValid(s string) bool {
	return isDigits(s) && luhnSum(s, false)%10 == 0
}

// LuhnCheckDigit returns the digit ('0'–'9') that, appended to body, makes
// it pass the Luhn check (the simulator builds its test PANs with it). ok
// is false when body is empty or not all digits.
func LuhnCheckDigit(body string) (digit byte, ok bool) {
	if !isDigits(body) {
		return 0, false
	}
	// the check digit will be rightmost, so body's last digit is doubled
	return byte('0' + (10-luhnSum(body, true)%10)%10), true
}

// luhnSum adds the digits of s, doubling every second one from the right
// (the rightmost too when doubleLast) and casting out nines.
func luhnSum(s string, doubleLast bool) int {
	sum := 0
	double := doubleLast
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum
}
