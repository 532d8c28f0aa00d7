package worldpay

// countryNumeric is ISO 3166-1 alpha-2 → numeric for the countries of
// Worldpay's acquiring footprint (the EMV AReq wants numeric codes). An
// alpha-2 code not listed is refused naming its field.
var countryNumeric = map[string]string{
	"AD": "020", "AE": "784", "AR": "032", "AT": "040", "AU": "036", "BE": "056", "BG": "100",
	"BR": "076", "CA": "124", "CH": "756", "CL": "152", "CN": "156", "CO": "170", "CY": "196",
	"CZ": "203", "DE": "276", "DK": "208", "EE": "233", "EG": "818", "ES": "724", "FI": "246",
	"FR": "250", "GB": "826", "GG": "831", "GI": "292", "GR": "300", "HK": "344", "HR": "191",
	"HU": "348", "ID": "360", "IE": "372", "IL": "376", "IM": "833", "IN": "356", "IS": "352",
	"IT": "380", "JE": "832", "JP": "392", "KR": "410", "KW": "414", "LI": "438", "LT": "440",
	"LU": "442", "LV": "428", "MC": "492", "MT": "470", "MX": "484", "MY": "458", "NG": "566",
	"NL": "528", "NO": "578", "NZ": "554", "PE": "604", "PH": "608", "PK": "586", "PL": "616",
	"PT": "620", "QA": "634", "RO": "642", "RS": "688", "SA": "682", "SE": "752", "SG": "702",
	"SI": "705", "SK": "703", "TH": "764", "TR": "792", "TW": "158", "UA": "804", "US": "840",
	"UY": "858", "VN": "704", "ZA": "710",
}

// currencyNumeric is ISO 4217 alpha-3 → numeric and exponent.
var currencyNumeric = map[string]struct {
	Code     string
	Exponent int
}{
	"AED": {"784", 2}, "ARS": {"032", 2}, "AUD": {"036", 2}, "BGN": {"975", 2}, "BHD": {"048", 3},
	"BRL": {"986", 2}, "CAD": {"124", 2}, "CHF": {"756", 2}, "CLP": {"152", 0}, "CNY": {"156", 2},
	"COP": {"170", 2}, "CZK": {"203", 2}, "DKK": {"208", 2}, "EGP": {"818", 2}, "EUR": {"978", 2},
	"GBP": {"826", 2}, "HKD": {"344", 2}, "HUF": {"348", 2}, "IDR": {"360", 2}, "ILS": {"376", 2},
	"INR": {"356", 2}, "ISK": {"352", 0}, "JOD": {"400", 3}, "JPY": {"392", 0}, "KRW": {"410", 0},
	"KWD": {"414", 3}, "MXN": {"484", 2}, "MYR": {"458", 2}, "NGN": {"566", 2}, "NOK": {"578", 2},
	"NZD": {"554", 2}, "OMR": {"512", 3}, "PEN": {"604", 2}, "PHP": {"608", 2}, "PKR": {"586", 2},
	"PLN": {"985", 2}, "QAR": {"634", 2}, "RON": {"946", 2}, "RSD": {"941", 2}, "SAR": {"682", 2},
	"SEK": {"752", 2}, "SGD": {"702", 2}, "THB": {"764", 2}, "TRY": {"949", 2}, "TWD": {"901", 2},
	"UAH": {"980", 2}, "USD": {"840", 2}, "UYU": {"858", 2}, "VND": {"704", 0}, "ZAR": {"710", 2},
}
