// Package templatetest holds the tests of the deployable side: template.yaml
// (parsed with goformation, and walked as raw YAML for what goformation drops
// or cannot type), the Makefile's build-<LogicalId> targets that sam build
// calls, and samconfig.toml. They check that every function builds into an
// arm64 bootstrap, that every route reaches a handler, that the environment
// each function gets is exactly what shared/config reads, that IAM names only
// the table, queue and secrets a function needs, and the table, stream,
// results-API and sandbox settings. The package has no code of its own.
package templatetest
