package emv3ds

// IsUUID reports the canonical 36-character UUID form every EMV 3DS
// transaction ID has (threeDSServerTransID, acsTransID, dsTransID,
// sdkTransID), of any version.
func IsUUID(s string) bool { return isUUID(s) }
