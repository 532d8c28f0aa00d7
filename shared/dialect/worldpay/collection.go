package worldpay

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// Collected is what our hosted DDC page collected in the cardholder's
// browser. The 3DS Method's outcome is not in it: the transaction records
// the ACS's notification, and the AReq's threeDSCompInd comes from there.
type Collected struct {
	ColorDepth   string // browserColorDepth (EMV values 1, 4, 8, 15, 16, 24, 32, 48)
	ScreenHeight string // browserScreenHeight, 1–6 digits
	ScreenWidth  string // browserScreenWidth, 1–6 digits
	TZ           string // browserTZ: minutes from UTC (getTimezoneOffset), ±5 digits
	Java         bool   // browserJavaEnabled
	Language     string // browserLanguage, 1–35 characters (IETF tag)
}

var colorDepths = map[string]bool{"1": true, "4": true, "8": true, "15": true, "16": true, "24": true, "32": true, "48": true}

// Clean keeps only well-formed values (a browser may send anything; a
// value that would make the AReq invalid is dropped, not sent).
func (c Collected) Clean() Collected {
	digits := func(s string, n int) bool {
		if s == "" || len(s) > n {
			return false
		}
		_, err := strconv.ParseUint(s, 10, 32)
		return err == nil
	}
	if !colorDepths[c.ColorDepth] {
		c.ColorDepth = ""
	}
	if !digits(c.ScreenHeight, 6) {
		c.ScreenHeight = ""
	}
	if !digits(c.ScreenWidth, 6) {
		c.ScreenWidth = ""
	}
	if tz := strings.TrimPrefix(c.TZ, "-"); !digits(tz, 5) {
		c.TZ = ""
	}
	if len(c.Language) > 35 || strings.Trim(strings.ToLower(c.Language), "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		c.Language = ""
	}
	return c
}

// collectionPrefix starts every collection reference (Worldpay's look like
// "0_3f1a…").
const collectionPrefix = "0_"

// CollectionReference is the SessionId our DDC page hands the merchant
// page, which sends it back as deviceData.collectionReference. It carries
// the collected values and an HMAC over them and the transaction ID, so it
// is bound to one merchant's transactionReference, needs no storage and
// cannot be altered.
func (s Signer) CollectionReference(transID string, c Collected) string {
	c = c.Clean()
	java := "0"
	if c.Java {
		java = "1"
	}
	body := base64.RawURLEncoding.EncodeToString([]byte(strings.Join([]string{c.ColorDepth, c.ScreenHeight, c.ScreenWidth, c.TZ, java, c.Language}, "|")))
	return collectionPrefix + body + "." + s.collectionMAC(transID, body)
}

// ErrCollection is a collection reference that is not ours for this
// transaction.
var ErrCollection = errors.New("worldpay: collection reference not recognised")

// ParseCollection checks a collection reference against transID and
// returns what it carries.
func (s Signer) ParseCollection(transID, ref string) (Collected, error) {
	rest, ok := strings.CutPrefix(ref, collectionPrefix)
	if !ok || len(s.Key) == 0 {
		return Collected{}, ErrCollection
	}
	body, mac, ok := strings.Cut(rest, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(s.collectionMAC(transID, body))) {
		return Collected{}, ErrCollection
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return Collected{}, ErrCollection
	}
	f := strings.Split(string(raw), "|")
	if len(f) != 6 {
		return Collected{}, ErrCollection
	}
	return Collected{ColorDepth: f[0], ScreenHeight: f[1], ScreenWidth: f[2], TZ: f[3], Java: f[4] == "1", Language: f[5]}.Clean(), nil
}

func (s Signer) collectionMAC(transID, body string) string {
	m := hmac.New(sha256.New, s.Key)
	m.Write([]byte("open3ds worldpay collection v1\x00" + transID + "\x00" + body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}
