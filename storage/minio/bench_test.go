package minio_test

import (
	"testing"

	"github.com/vanthu/vanthu/storage/storagetest"
)

func BenchmarkIntegrationStore(b *testing.B) {
	storagetest.Bench(b, newStore(b, envConfig(b), true))
}
