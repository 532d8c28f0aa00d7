// Package session issues and verifies threeDSSessionData: the opaque value the
// 3DS Server gives the ACS with the CReq and gets back with the final CRes. It
// is a short-lived HS256 JWT bound to one transaction, so the challenge
// callback is authenticated by what it carries. Only HS256 is accepted.
package session
