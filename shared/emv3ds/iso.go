package emv3ds

// isoCountries is ISO 3166-1 numeric (the 249 current codes, plus 383
// Kosovo and 530 Netherlands Antilles, which card systems still send).
var isoCountries = map[string]bool{
	"004": true, "248": true, "008": true, "012": true, "016": true, "020": true, "024": true,
	"660": true, "010": true, "028": true, "032": true, "051": true, "533": true, "036": true,
	"040": true, "031": true, "044": true, "048": true, "050": true, "052": true, "112": true,
	"056": true, "084": true, "204": true, "060": true, "064": true, "068": true, "535": true,
	"070": true, "072": true, "074": true, "076": true, "086": true, "096": true, "100": true,
	"854": true, "108": true, "132": true, "116": true, "120": true, "124": true, "136": true,
	"140": true, "148": true, "152": true, "156": true, "162": true, "166": true, "170": true,
	"174": true, "178": true, "180": true, "184": true, "188": true, "384": true, "191": true,
	"192": true, "531": true, "196": true, "203": true, "208": true, "262": true, "212": true,
	"214": true, "218": true, "818": true, "222": true, "226": true, "232": true, "233": true,
	"748": true, "231": true, "238": true, "234": true, "242": true, "246": true, "250": true,
	"254": true, "258": true, "260": true, "266": true, "270": true, "268": true, "276": true,
	"288": true, "292": true, "300": true, "304": true, "308": true, "312": true, "316": true,
	"320": true, "831": true, "324": true, "624": true, "328": true, "332": true, "334": true,
	"336": true, "340": true, "344": true, "348": true, "352": true, "356": true, "360": true,
	"364": true, "368": true, "372": true, "833": true, "376": true, "380": true, "388": true,
	"392": true, "832": true, "400": true, "398": true, "404": true, "296": true, "408": true,
	"410": true, "414": true, "417": true, "418": true, "428": true, "422": true, "426": true,
	"430": true, "434": true, "438": true, "440": true, "442": true, "446": true, "450": true,
	"454": true, "458": true, "462": true, "466": true, "470": true, "584": true, "474": true,
	"478": true, "480": true, "175": true, "484": true, "583": true, "498": true, "492": true,
	"496": true, "499": true, "500": true, "504": true, "508": true, "104": true, "516": true,
	"520": true, "524": true, "528": true, "540": true, "554": true, "558": true, "562": true,
	"566": true, "570": true, "574": true, "807": true, "580": true, "578": true, "512": true,
	"586": true, "585": true, "275": true, "591": true, "598": true, "600": true, "604": true,
	"608": true, "612": true, "616": true, "620": true, "630": true, "634": true, "638": true,
	"642": true, "643": true, "646": true, "652": true, "654": true, "659": true, "662": true,
	"663": true, "666": true, "670": true, "882": true, "674": true, "678": true, "682": true,
	"686": true, "688": true, "690": true, "694": true, "702": true, "534": true, "703": true,
	"705": true, "090": true, "706": true, "710": true, "239": true, "728": true, "724": true,
	"144": true, "729": true, "740": true, "744": true, "752": true, "756": true, "760": true,
	"158": true, "762": true, "834": true, "764": true, "626": true, "768": true, "772": true,
	"776": true, "780": true, "788": true, "792": true, "795": true, "796": true, "798": true,
	"800": true, "804": true, "784": true, "826": true, "840": true, "581": true, "858": true,
	"860": true, "548": true, "862": true, "704": true, "092": true, "850": true, "876": true,
	"732": true, "887": true, "894": true, "716": true, "383": true, "530": true,
}

// isoCurrencies is ISO 4217 numeric → minor-unit exponent (current codes
// and a few recently withdrawn ones still in circulation in card systems;
// precious metals 955–964, testing 963/999 and funds codes are not currencies
// of a purchase).
var isoCurrencies = map[string]int{
	"008": 2, "012": 2, "032": 2, "036": 2, "044": 2, "048": 3, "050": 2, "051": 2, "052": 2,
	"060": 2, "064": 2, "068": 2, "072": 2, "084": 2, "090": 2, "096": 2, "104": 2, "108": 0,
	"116": 2, "124": 2, "132": 2, "136": 2, "144": 2, "152": 0, "156": 2, "170": 2, "174": 0,
	"188": 2, "191": 2, "192": 2, "203": 2, "208": 2, "214": 2, "222": 2, "230": 2, "232": 2,
	"238": 2, "242": 2, "262": 0, "270": 2, "292": 2, "320": 2, "324": 0, "328": 2, "332": 2,
	"340": 2, "344": 2, "348": 2, "352": 0, "356": 2, "360": 2, "364": 2, "368": 3, "376": 2,
	"388": 2, "392": 0, "398": 2, "400": 3, "404": 2, "408": 2, "410": 0, "414": 3, "417": 2,
	"418": 2, "422": 2, "426": 2, "430": 2, "434": 3, "446": 2, "454": 2, "458": 2, "462": 2,
	"478": 2, "480": 2, "484": 2, "496": 2, "498": 2, "504": 2, "512": 3, "516": 2, "524": 2,
	"532": 2, "533": 2, "548": 0, "554": 2, "558": 2, "566": 2, "578": 2, "586": 2, "590": 2,
	"598": 2, "600": 0, "604": 2, "608": 2, "634": 2, "643": 2, "646": 0, "654": 2, "682": 2,
	"690": 2, "694": 2, "702": 2, "704": 0, "706": 2, "710": 2, "728": 2, "748": 2, "752": 2,
	"756": 2, "760": 2, "764": 2, "776": 2, "780": 2, "784": 2, "788": 3, "800": 0, "807": 2,
	"818": 2, "826": 2, "834": 2, "840": 2, "858": 2, "860": 2, "882": 2, "886": 2, "901": 2,
	"924": 2, "925": 2, "926": 2, "927": 4, "928": 2, "929": 2, "930": 2, "931": 2, "932": 2,
	"933": 2, "934": 2, "936": 2, "937": 2, "938": 2, "940": 0, "941": 2, "943": 2, "944": 2,
	"946": 2, "947": 2, "948": 2, "949": 2, "950": 0, "951": 2, "952": 0, "953": 0, "967": 2,
	"968": 2, "969": 2, "970": 2, "971": 2, "972": 2, "973": 2, "975": 2, "976": 2, "977": 2,
	"978": 2, "979": 2, "980": 2, "981": 2, "984": 2, "985": 2, "986": 2, "990": 4, "997": 2,
}

// altExponents are exponents acquirers commonly use where ISO says otherwise
// (ISK and UGX with 2, HUF and TWD with 0); they are accepted too.
var altExponents = map[string]int{"352": 2, "800": 2, "348": 0, "901": 0}
