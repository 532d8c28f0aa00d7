// Package browser is the product's browser layer, served by the
// challenge-callback function from the API's own origin: threeds.js (a
// classic script defining window.ThreeDS, and the same as an ES module,
// threeds.mjs; and cardinal.js, Cardinal Cruise's Songbird names built on
// it), the hosted 3DS Method and challenge pages a merchant can frame
// instead of writing the iframes, the EMV challenge window sizes, and the
// security headers of every HTML answer (a Content-Security-Policy
// header with nonce'd scripts and frame-ancestors from the merchant's
// allowed origins, X-Content-Type-Options, Referrer-Policy).
package browser
