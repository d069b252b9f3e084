#!/bin/sh
# scripts/build-release.sh OUT — builds the vanthu release binary to OUT.
#
# The one build command of the image: the Dockerfile's build stage runs it,
# and cmd/vanthu's TestDockerfileBuild runs it (with the ENV of that stage)
# and starts the binary, so the two cannot drift. Run from the repository
# root (the Dockerfile's WORKDIR).
#
# CGO_ENABLED=1: PKCS#11 keys (crypto11 / miekg/pkcs11) dlopen the token's
# module through cgo; a CGO_ENABLED=0 build does not compile. The binary
# links against glibc (libc, libdl, libpthread) only.
set -eu
out="${1:?usage: scripts/build-release.sh OUT}"
CGO_ENABLED=1 exec go build -trimpath -ldflags='-s -w' -o "$out" ./cmd/vanthu
