package emv3ds_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/open3ds/server/shared/emv3ds"
)

// Build an AReq, validate it, marshal it; then see what a failure looks like.
func Example() {
	f := false
	areq := emv3ds.AReq{
		MessageType:                       emv3ds.MessageTypeAReq,
		MessageVersion:                    emv3ds.Version220,
		MessageCategory:                   emv3ds.MessageCategoryPayment,
		DeviceChannel:                     emv3ds.DeviceChannelBrowser,
		ThreeDSServerTransID:              "8a880dc0-d2d2-4067-bcb1-b08d1690b26e",
		ThreeDSServerRefNumber:            "3DS_LOA_SER_OPEN_020200_00001",
		ThreeDSServerURL:                  "https://3ds.example.com/rreq",
		ThreeDSRequestorID:                "10000001",
		ThreeDSRequestorName:              "Example Shop",
		ThreeDSRequestorURL:               "https://shop.example.com",
		ThreeDSRequestorAuthenticationInd: emv3ds.AuthenticationIndPayment,
		ThreeDSRequestorChallengeInd:      []emv3ds.ChallengeInd{emv3ds.ChallengeIndMandated},
		ThreeDSCompInd:                    emv3ds.ThreeDSCompIndCompleted,
		NotificationURL:                   "https://3ds.example.com/cres",
		AcctNumber:                        "4000000000001091",
		AcquirerBIN:                       "444444",
		AcquirerMerchantID:                "ACQMID0001",
		MCC:                               "5411",
		MerchantCountryCode:               "840",
		MerchantName:                      "Example Shop",
		PurchaseAmount:                    "15100",
		PurchaseCurrency:                  "840",
		PurchaseExponent:                  "2",
		PurchaseDate:                      "20260625101530",
		BrowserAcceptHeader:               "text/html",
		BrowserJavascriptEnabled:          &f,
		BrowserLanguage:                   "en-US",
		BrowserUserAgent:                  "Mozilla/5.0",
	}
	fmt.Println("valid:", areq.Validate() == nil)
	fmt.Println("logged PAN:", areq.AcctNumber)

	b, _ := json.Marshal(areq)
	var back map[string]any
	_ = json.Unmarshal(b, &back)
	fmt.Println("challengeInd on the 2.2.0 wire:", back["threeDSRequestorChallengeInd"])

	areq.PurchaseCurrency = "999"
	areq.MCC = ""
	err := areq.Validate()
	fmt.Println("missing:", errors.Is(err, emv3ds.ErrMissing))
	erro := emv3ds.NewErro(err, emv3ds.ErrorComponentServer, &areq)
	fmt.Println(erro.ErrorCode, erro.ErrorDetail)
	// Output:
	// valid: true
	// logged PAN: ****1091
	// challengeInd on the 2.2.0 wire: 04
	// missing: true
	// 201 mcc,purchaseCurrency
}
