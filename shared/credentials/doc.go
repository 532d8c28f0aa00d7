// Package credentials lists the dialects' credential rules (one line per
// dialect): which routes take which credential. The flow functions' routers
// check every merchant request against them (apigw.CredentialGuard), so the
// list has one home. It sits beside shared/dialect, not in it, because it
// imports every dialect and no dialect may import another.
package credentials
