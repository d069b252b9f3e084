package minio

import (
	"path"
	"strings"
	"unicode/utf8"

	"github.com/vanthu/vanthu/workflow"
)

// ValidateKey returns EINVALID unless key is a clean relative slash path:
// no empty, "." or ".." segment, no leading or trailing slash, no
// backslash or control character, valid UTF-8, at most 1024 bytes. It is
// the rule of storage/localfs, so keys move between the stores.
func ValidateKey(key string) error {
	bad := func(why string) error {
		return workflow.Errorf(workflow.EINVALID, "invalid object key %q: %s", key, why)
	}
	switch {
	case key == "":
		return bad("empty")
	case len(key) > 1024:
		return bad("longer than 1024 bytes")
	case !utf8.ValidString(key):
		return bad("not UTF-8")
	case strings.HasPrefix(key, "/"):
		return bad("absolute")
	case strings.ContainsRune(key, '\\'):
		return bad("contains a backslash")
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f {
			return bad("contains a control character")
		}
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return bad("not a clean path")
		}
	}
	if path.Clean(key) != key {
		return bad("not a clean path")
	}
	return nil
}
