// Package conventions holds no code, only tests of the repository's own
// rules: the README's layout table lists every package, its
// configuration table every VANTHU_* variable the binaries read, adapters
// import the domain (workflow), never the service packages (see
// docs/architecture.md), and no function is longer than 80 lines.
package conventions
