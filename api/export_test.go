package api

// ToRegisterEntry is RegisterEntryOf, for the tests that build a
// register's JSON the way the handler once did.
var ToRegisterEntry = RegisterEntryOf
