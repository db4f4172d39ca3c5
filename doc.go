// Package zitpass is the root of zitpass-go, a typed Go SDK for the password flows of the
// ZITADEL identity server. It holds no code of its own, only the go:generate directive
// that regenerates the wire types; the SDK lives in its subpackages:
//
//   - client: the client for the three password calls, errors and retries
//   - auth: token sources for personal access tokens, JWT profile key files and client
//     credentials
//   - client/clienttest: an in-memory fake ZITADEL for tests
package zitpass
