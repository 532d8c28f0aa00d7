// Package apispec keeps openapi.yaml (the repository root) honest. It has no
// code of its own, only tests: the routes match template.yaml's API events,
// every reference resolves, the documented response members are exactly the
// handlers' JSON tags and the wire structs', every documented error status is
// one shared/apigw produces for that route (and the other way round), the Erro
// examples are what the error mapper answers, and every example fits its
// schema.
package apispec
