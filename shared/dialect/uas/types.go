package uas

import (
	"encoding/json"

	"github.com/open3ds/server/shared/apigw"
)

func init() {
	// The request members errors may name (apigw.ElementPath).
	apigw.RegisterElementNames("authenticate_by", "session_id", "source_authentication_id", "auth_creds",
		"routing_region", "service_details", "merchant_details", "pmt_details", "pan", "card_expiry_month",
		"card_expiry_year", "card_cvc", "cardholder_name", "acquirer_details", "acquirer_bin",
		"acquirer_merchant_id", "acquirer_country_code", "billing_address", "city", "country", "line1", "line2",
		"line3", "post_code", "state", "merchant_id", "merchant_name", "merchant_category_code",
		"merchant_country_code", "three_ds_requestor_url", "three_ds_requestor_id", "three_ds_requestor_name",
		"notification_url", "webhook_url", "transaction_details", "amount", "currency", "message_category",
		"three_ds_data", "preferred_protocol_version", "threeds_method_comp_ind", "force_3ds_challenge",
		"psd2_sca_exemption_type", "device_details", "device_channel", "browser_info", "color_depth",
		"java_enabled", "java_script_enabled", "language", "screen_height", "screen_width", "time_zone",
		"ip_address", "accept_header", "user_agent", "accept_language", "sdk_info", "sdk_app_id",
		"sdk_enc_data", "sdk_ephem_pub_key", "sdk_trans_id", "sdk_reference_number", "sdk_max_timeout",
		"customer_details", "authentication_info")
}

// preauthRequest is UnifiedAuthenticationServicePreAuthenticateRequest
// (the 3DS variant): the members this server reads. Everything else
// Hyperswitch sends (session_id, auth_creds, customer_details, …) is
// accepted and ignored.
type preauthRequest struct {
	AuthenticateBy         string          `json:"authenticate_by"`
	SourceAuthenticationID string          `json:"source_authentication_id"`
	ServiceDetails         *serviceDetails `json:"service_details"`
	PmtDetails             *pmtDetails     `json:"pmt_details"`
	AcquirerDetails        *acquirer       `json:"acquirer_details"`
	BillingAddress         *address        `json:"billing_address"`
}

type serviceDetails struct {
	MerchantDetails *merchantDetails `json:"merchant_details"`
}

type merchantDetails struct {
	MerchantID           string `json:"merchant_id"`
	MerchantName         string `json:"merchant_name"`
	MerchantCategoryCode string `json:"merchant_category_code"`
	MerchantCountryCode  string `json:"merchant_country_code"`
	ThreeDSRequestorURL  string `json:"three_ds_requestor_url"`
	ThreeDSRequestorID   string `json:"three_ds_requestor_id"`
	ThreeDSRequestorName string `json:"three_ds_requestor_name"`
	NotificationURL      string `json:"notification_url"`
	WebhookURL           string `json:"webhook_url"`
}

type pmtDetails struct {
	PAN             string `json:"pan"`
	CardExpiryMonth string `json:"card_expiry_month"`
	CardExpiryYear  string `json:"card_expiry_year"`
	CardholderName  string `json:"cardholder_name"`
}

type acquirer struct {
	AcquirerMerchantID  string `json:"acquirer_merchant_id"`
	AcquirerBIN         string `json:"acquirer_bin"`
	AcquirerCountryCode string `json:"acquirer_country_code"`
}

type address struct {
	City     string `json:"city"`
	Country  string `json:"country"`
	Line1    string `json:"line1"`
	Line2    string `json:"line2"`
	Line3    string `json:"line3"`
	PostCode string `json:"post_code"`
	State    string `json:"state"`
}

// preauthResponse is UnifiedAuthenticationServicePreAuthenticateResponse.
type preauthResponse struct {
	Status      string       `json:"status"`
	Eligibility *eligibility `json:"eligibility,omitempty"`
}

// eligibility is serde's internally tagged Eligibility enum, variant
// ThreeDsEligibilityResponse.
type eligibility struct {
	Eligibility                string                      `json:"eligibility"`
	ThreeDSEligibilityResponse *threeDSEligibilityResponse `json:"three_ds_eligibility_response"`
}

type threeDSEligibilityResponse struct {
	ThreeDSServerTransID  string                  `json:"three_ds_server_trans_id"`
	SchemeID              string                  `json:"scheme_id,omitempty"`
	ACSProtocolVersions   []acsProtocolVersion    `json:"acs_protocol_versions"`
	DSProtocolVersions    []string                `json:"ds_protocol_versions,omitempty"`
	ThreeDSMethodDataForm *threeDSMethodDataForm  `json:"three_ds_method_data_form,omitempty"`
	ThreeDSMethodData     *threeDSMethodDataPlain `json:"three_ds_method_data,omitempty"`
	IsCardFoundIn2xRanges bool                    `json:"is_card_found_in_2x_ranges"`
	DirectoryServerID     string                  `json:"directory_server_id,omitempty"`
}

type acsProtocolVersion struct {
	Version          string   `json:"version"`
	ACSInfoInd       []string `json:"acs_info_ind"`
	ThreeDSMethodURL string   `json:"three_ds_method_url,omitempty"`
}

type threeDSMethodDataForm struct {
	ThreeDSMethodData string `json:"three_ds_method_data"`
}

type threeDSMethodDataPlain struct {
	ThreeDSMethodNotificationURL string `json:"three_ds_method_notification_url"`
	ServerTransactionID          string `json:"server_transaction_id"`
}

// authRequest is UnifiedAuthenticationServiceAuthenticateRequest.
type authRequest struct {
	AuthenticateBy         string              `json:"authenticate_by"`
	SourceAuthenticationID string              `json:"source_authentication_id"`
	TransactionDetails     *transactionDetails `json:"transaction_details"`
	DeviceDetails          *deviceDetails      `json:"device_details"`
}

type transactionDetails struct {
	// Amount is in major units, a JSON float (FloatMajorUnit); the lenient
	// decoder keeps the number's literal text, converted exactly.
	Amount          string       `json:"amount"`
	Currency        string       `json:"currency"`
	MessageCategory string       `json:"message_category"`
	ThreeDSData     *threeDSData `json:"three_ds_data"`
}

type threeDSData struct {
	PreferredProtocolVersion string `json:"preferred_protocol_version"`
	ThreeDSMethodCompInd     string `json:"threeds_method_comp_ind"`
	Force3DSChallenge        *bool  `json:"force_3ds_challenge"`
	PSD2SCAExemptionType     string `json:"psd2_sca_exemption_type"`
}

type deviceDetails struct {
	DeviceChannel string       `json:"device_channel"`
	BrowserInfo   *browserInfo `json:"browser_info"`
	SDKInfo       *sdkInfo     `json:"sdk_info"`
}

type browserInfo struct {
	ColorDepth        string `json:"color_depth"`
	JavaEnabled       *bool  `json:"java_enabled"`
	JavaScriptEnabled *bool  `json:"java_script_enabled"`
	Language          string `json:"language"`
	ScreenHeight      string `json:"screen_height"`
	ScreenWidth       string `json:"screen_width"`
	TimeZone          string `json:"time_zone"`
	IPAddress         string `json:"ip_address"`
	AcceptHeader      string `json:"accept_header"`
	UserAgent         string `json:"user_agent"`
	AcceptLanguage    string `json:"accept_language"`
}

type sdkInfo struct {
	SDKAppID           string          `json:"sdk_app_id"`
	SDKEncData         string          `json:"sdk_enc_data"`
	SDKEphemPubKey     json.RawMessage `json:"sdk_ephem_pub_key"`
	SDKTransID         string          `json:"sdk_trans_id"`
	SDKReferenceNumber string          `json:"sdk_reference_number"`
	SDKMaxTimeout      string          `json:"sdk_max_timeout"`
}

// authResponse is ThreeDsResponseData.
type authResponse struct {
	ThreeDSAuthResponse threeDSAuthDetails `json:"three_ds_auth_response"`
}

// threeDSAuthDetails: the five required members always present (as "" when
// the ARes has none: serde requires them), the optional ones omitted.
type threeDSAuthDetails struct {
	ThreeDSServerTransID string `json:"three_ds_server_trans_id"`
	ACSTransID           string `json:"acs_trans_id"`
	ACSReferenceNumber   string `json:"acs_reference_number"`
	DSTransID            string `json:"ds_trans_id"`
	TransStatus          string `json:"trans_status"`
	ACSOperatorID        string `json:"acs_operator_id,omitempty"`
	DSReferenceNumber    string `json:"ds_reference_number,omitempty"`
	SDKTransID           string `json:"sdk_trans_id,omitempty"`
	ACSChallengeMandated string `json:"acs_challenge_mandated,omitempty"`
	MessageType          string `json:"message_type,omitempty"`
	MessageVersion       string `json:"message_version,omitempty"`
	ACSURL               string `json:"acs_url,omitempty"`
	ChallengeRequest     string `json:"challenge_request,omitempty"`
	ChallengeRequestKey  string `json:"challenge_request_key,omitempty"`
	ACSSignedContent     string `json:"acs_signed_content,omitempty"`
	AuthenticationValue  string `json:"authentication_value,omitempty"`
	ECI                  string `json:"eci,omitempty"`
	ChallengeCancel      string `json:"challenge_cancel,omitempty"`
	TransStatusReason    string `json:"challenge_code_reason,omitempty"`
}

// syncRequest is UnifiedAuthenticationServicePostAuthenticateRequest.
type syncRequest struct {
	AuthenticateBy         string `json:"authenticate_by"`
	SourceAuthenticationID string `json:"source_authentication_id"`
}

// syncResponse is UnifiedAuthenticationServicePostAuthenticateResponse.
type syncResponse struct {
	AuthenticationDetails authenticationDetails `json:"authentication_details"`
}

type authenticationDetails struct {
	TransStatus        string              `json:"trans_status,omitempty"`
	ECI                string              `json:"eci,omitempty"`
	DynamicDataDetails *dynamicDataDetails `json:"dynamic_data_details,omitempty"`
}

type dynamicDataDetails struct {
	DynamicDataValue string `json:"dynamic_data_value,omitempty"`
	DynamicDataType  string `json:"dynamic_data_type,omitempty"`
	DSTransID        string `json:"ds_trans_id,omitempty"`
}

// webhookResponse is UAS's webhook result.
type webhookResponse struct {
	TransStatus                string          `json:"trans_status"`
	ThreeDSServerTransactionID string          `json:"three_ds_server_transaction_id"`
	AuthenticationValue        string          `json:"authentication_value,omitempty"`
	ECI                        string          `json:"eci,omitempty"`
	AuthenticationID           string          `json:"authentication_id,omitempty"`
	ResultsRequest             json.RawMessage `json:"results_request,omitempty"`
	ResultsResponse            json.RawMessage `json:"results_response,omitempty"`
}
