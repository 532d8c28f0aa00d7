// Package dsclient is the 3DS Server's HTTPS client of the card schemes'
// Directory Servers (EMV 3DS 2.1.0, 2.2.0, 2.3.1): AReq/ARes, PReq/PRes and
// Erro notifications over mutual TLS, with connection reuse across Lambda
// invocations, bounded connect and exchange timeouts, a response size limit and
// no resend of an AReq once it may have reached the DS.
package dsclient
