// Package pgv holds the request rules of protoc-gen-validate, the validator ZITADEL's
// gateway runs on every v2 request, where the SDK and its fake must agree with it to the
// word: the client refuses before sending what the server would refuse, and the fake
// words its refusal as the server does.
package pgv
