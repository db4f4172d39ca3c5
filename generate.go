package zitpass

// The wire types in internal/api are generated from the OpenAPI document; never edit them by hand.
//go:generate go tool oapi-codegen -config openapi/oapi-codegen.yaml openapi/zitadel-passwords.yaml
