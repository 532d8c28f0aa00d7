package juspay

// currencies is ISO 4217 alpha-3 → numeric code and minor-unit exponent for
// the currencies an order may carry (the numeric codes and exponents are
// those of emv3ds's ISO table, which validates them again in the AReq).
var currencies = map[string]struct {
	numeric  string
	exponent int
}{
	"AED": {"784", 2}, "AUD": {"036", 2}, "BDT": {"050", 2}, "BHD": {"048", 3}, "BRL": {"986", 2},
	"CAD": {"124", 2}, "CHF": {"756", 2}, "CLP": {"152", 0}, "CNY": {"156", 2}, "CZK": {"203", 2},
	"DKK": {"208", 2}, "EGP": {"818", 2}, "EUR": {"978", 2}, "GBP": {"826", 2}, "HKD": {"344", 2},
	"HUF": {"348", 2}, "IDR": {"360", 2}, "ILS": {"376", 2}, "INR": {"356", 2}, "JOD": {"400", 3},
	"JPY": {"392", 0}, "KES": {"404", 2}, "KRW": {"410", 0}, "KWD": {"414", 3}, "LKR": {"144", 2},
	"MXN": {"484", 2}, "MYR": {"458", 2}, "NGN": {"566", 2}, "NOK": {"578", 2}, "NPR": {"524", 2},
	"NZD": {"554", 2}, "OMR": {"512", 3}, "PHP": {"608", 2}, "PKR": {"586", 2}, "PLN": {"985", 2},
	"QAR": {"634", 2}, "SAR": {"682", 2}, "SEK": {"752", 2}, "SGD": {"702", 2}, "THB": {"764", 2},
	"TRY": {"949", 2}, "TWD": {"901", 2}, "UGX": {"800", 0}, "USD": {"840", 2}, "VND": {"704", 0},
	"ZAR": {"710", 2},
}
