package emv3ds

// CurrencyExponent is the minor-unit exponent of an ISO 4217 numeric
// currency code (978 → 2, 392 → 0); ok is false for an unknown code.
func CurrencyExponent(numeric string) (exp int, ok bool) {
	exp, ok = isoCurrencies[numeric]
	return exp, ok
}

// ValidCountry reports whether numeric is an ISO 3166-1 numeric country code.
func ValidCountry(numeric string) bool { return isoCountries[numeric] }
