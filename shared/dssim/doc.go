// Package dssim is a Directory Server + ACS simulator for EMV 3-D Secure
// 2.1.0, 2.2.0 and 2.3.1. It answers PReq and AReq as a card scheme's DS
// would, runs the ACS side (3DS Method page, HTML browser challenge,
// decoupled authentication) and delivers RReqs to the AReq's
// threeDSServerURL, all over real HTTP(S), optionally with mutual TLS.
//
// The test cards and their behaviour are listed in README.md (architecture.md
// §6). Every AReq is validated with package emv3ds before any scenario runs,
// so a 3DS Server bug surfaces as an Erro from the simulator. Tests start it
// in process on 127.0.0.1:0 and read back what it received and sent with
// Exchanges.
//
// The ACS state between the AReq, the CReq and the challenge form posts lives
// behind a StateStore (in memory by default; the sandbox Lambda keeps it in
// a DynamoDB table, see cmd/dssim), with a revision per record so that two
// requests never both move a challenge on. With Config.RReqSigningKey every
// RReq carries an HMAC signature (RReqSignatureHeader), which the sandbox's
// /ds/results requires.
//
// Besides the main ranges, whose ACS stops at Config.ACSEndVersion (2.2.0 by
// default), two 2.3.1 ranges (V231TestPAN, v231.go) have an ACS of 2.2.0 and
// 2.3.1 with a 3DS Method URL per version, and a DS and ACS that behave as
// 2.3.1 ones: acquirer country required, threeDSMethodId reuse within
// MethodReuseWindow, decoupled fallback (F/B, transStatusReason 29), trust
// list answers. The 3DS Method runs are kept in process memory only
// (MethodRuns), so on the sandbox Lambda a threeDSMethodId is honoured only
// when the method ran in the same execution environment.
package dssim
