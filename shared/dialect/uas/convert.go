package uas

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/open3ds/server/shared/emv3ds"
)

// fieldErr is a 400 naming the field (never its value).
func fieldErr(field, rule string, code emv3ds.ErrorCode) error {
	return &emv3ds.ValidationError{Fields: []emv3ds.FieldError{{Field: field, Rule: rule, Code: code, Err: emv3ds.ErrFormat}}}
}

func missing(field string) error {
	return &emv3ds.ValidationError{Fields: []emv3ds.FieldError{{Field: field, Rule: "is required", Code: emv3ds.ErrorCodeRequiredMissing, Err: emv3ds.ErrMissing}}}
}

// currencyNumeric turns an ISO 4217 alpha-3 code (Hyperswitch's Currency,
// "EUR") or a numeric one ("978") into the numeric code and its exponent.
func currencyNumeric(field, c string) (string, int, error) {
	num := c
	if n, ok := alpha3Currencies[strings.ToUpper(c)]; ok {
		num = n
	}
	exp, ok := emv3ds.CurrencyExponent(num)
	if !ok {
		return "", 0, fieldErr(field, "must be an ISO 4217 currency code", emv3ds.ErrorCodeISOCodeInvalid)
	}
	return num, exp, nil
}

// countryNumeric turns an ISO 3166-1 alpha-2 code ("US") or a numeric one
// ("840") into the numeric code; "" stays "".
func countryNumeric(field, c string) (string, error) {
	if c == "" {
		return "", nil
	}
	num := c
	if n, ok := alpha2Countries[strings.ToUpper(c)]; ok {
		num = n
	}
	if !emv3ds.ValidCountry(num) {
		return "", fieldErr(field, "must be an ISO 3166-1 country code", emv3ds.ErrorCodeISOCodeInvalid)
	}
	return num, nil
}

// minorUnits converts a major-unit amount as sent (the JSON number's text:
// "151", "151.0", "19.99", "1.5e2") to minor units with the currency's
// exponent, exactly: no float arithmetic, and an amount with more decimals
// than the currency has (19.999 EUR) is refused rather than rounded.
func minorUnits(field, amount string, exp int) (string, error) {
	if amount == "" {
		return "", missing(field)
	}
	r, ok := new(big.Rat).SetString(amount)
	if !ok || r.Sign() < 0 {
		return "", fieldErr(field, "must be a non-negative number", emv3ds.ErrorCodeInvalidFormat)
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil)))
	if !r.IsInt() {
		return "", fieldErr(field, fmt.Sprintf("must have at most %d decimals for its currency", exp), emv3ds.ErrorCodeInvalidFormat)
	}
	s := r.Num().String()
	if len(s) > 48 {
		return "", fieldErr(field, "is too large", emv3ds.ErrorCodeInvalidFormat)
	}
	return s, nil
}

// expiry is the AReq's cardExpiryDate (YYMM) of month "12" and year "2030"
// (or "30"); "" when both are absent.
func expiry(month, year string) (string, error) {
	if month == "" && year == "" {
		return "", nil
	}
	if len(month) == 1 {
		month = "0" + month
	}
	if len(year) == 4 {
		year = year[2:]
	}
	if len(month) != 2 || !digits(month) || month < "01" || month > "12" {
		return "", fieldErr("pmt_details.card_expiry_month", "must be a month 01 to 12", emv3ds.ErrorCodeInvalidFormat)
	}
	if len(year) != 2 || !digits(year) {
		return "", fieldErr("pmt_details.card_expiry_year", "must be a year YYYY or YY", emv3ds.ErrorCodeInvalidFormat)
	}
	return year + month, nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// deviceChannel maps Hyperswitch's DeviceChannel (BRW, APP).
func deviceChannel(c string) (emv3ds.DeviceChannel, error) {
	switch strings.ToUpper(c) {
	case "BRW", "BROWSER", "02":
		return emv3ds.DeviceChannelBrowser, nil
	case "APP", "01":
		return emv3ds.DeviceChannelApp, nil
	case "":
		return "", missing("device_details.device_channel")
	}
	return "", fieldErr("device_details.device_channel", "must be BRW or APP", emv3ds.ErrorCodeInvalidFormat)
}

// messageCategory maps MessageCategory (payment, non_payment; absent is payment).
func messageCategory(c string) (emv3ds.MessageCategory, error) {
	switch strings.ToLower(c) {
	case "", "payment", "01":
		return emv3ds.MessageCategoryPayment, nil
	case "non_payment", "nonpayment", "02":
		return emv3ds.MessageCategory("02"), nil
	}
	return "", fieldErr("transaction_details.message_category", "must be payment or non_payment", emv3ds.ErrorCodeInvalidFormat)
}

// compInd maps ThreeDsCompletionIndicator (Y, N, U; or its variant names).
func compInd(c string) (emv3ds.ThreeDSCompInd, error) {
	switch strings.ToLower(c) {
	case "":
		return "", nil
	case "y", "success":
		return emv3ds.ThreeDSCompInd("Y"), nil
	case "n", "failure":
		return emv3ds.ThreeDSCompInd("N"), nil
	case "u", "not_available", "notavailable":
		return emv3ds.ThreeDSCompInd("U"), nil
	}
	return "", fieldErr("transaction_details.three_ds_data.threeds_method_comp_ind", "must be Y, N or U", emv3ds.ErrorCodeInvalidFormat)
}
