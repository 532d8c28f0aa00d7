// Package emv3ds models the EMV 3-D Secure wire messages exchanged by a 3DS
// Server (PReq/PRes, AReq/ARes, CReq/CRes, RReq/RRes, Erro and the 3DS Method
// data) for protocol versions 2.1.0, 2.2.0 and 2.3.1, with their enumerations,
// lenient decoding, spec-exact encoding and validation that reports every
// failure as the Erro code a Directory Server would send. It uses the standard
// library only.
package emv3ds
