// Package vault holds the server's keyed cryptography, all derived from one
// 32-byte master key (Secrets Manager in AWS, generated locally): the keyed
// hash of PANs (HMAC-SHA256), API key generation and hashing, and AES-256-GCM
// sealing of secrets at rest (the merchants' webhook secrets; with the key ID
// beside them, SealKeyed, the authentication values, and Keyring opens
// values of earlier master keys after a rotation), and the short keyed
// fingerprints rejected keys are logged as. Nothing here logs or puts its
// inputs into errors.
package vault
