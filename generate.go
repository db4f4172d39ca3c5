package zitpass

// The wire types in internal/api are generated from the OpenAPI document; never edit them by hand.
// The generator is pinned in tools/go.mod, a module of its own, so that it and its
// dependencies stay out of the module graph of every program that imports zitpass-go.
//go:generate go tool -modfile=tools/go.mod oapi-codegen -config openapi/oapi-codegen.yaml openapi/zitadel-passwords.yaml
