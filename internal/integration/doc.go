// Package integration holds tests that run the workflow service on the
// real repositories (SQLite and the PostgreSQL server scripts/test
// starts) rather than on the in-memory fakes.
package integration
