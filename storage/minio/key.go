package minio

import "github.com/vanthu/vanthu/workflow"

// ValidateKey is workflow.ValidateKey, the key rule shared by every store.
func ValidateKey(key string) error { return workflow.ValidateKey(key) }
