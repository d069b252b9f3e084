# vanthu server image. Build context: the repository root.
# The build command lives in scripts/build-release.sh (also run by
# cmd/vanthu TestDockerfileBuild): cgo on, for PKCS#11 tokens.
FROM golang:1.27-bookworm AS build
# gcc and libc6-dev come with the golang:*-bookworm image (cgo).
ENV GOTOOLCHAIN=go1.27.3 CGO_ENABLED=1
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN ./scripts/build-release.sh /out/vanthu

# Runtime: glibc for the cgo binary; a PKCS#11 module (e.g. softhsm2,
# opensc-pkcs11 or the HSM vendor's) is added by the deployer and named by
# VANTHU_PKCS11_MODULE.
# poppler-utils (pdftoppm) is optional: it renders the page previews of the
# stamp layout page; without it the page shows only the numeric fields.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata poppler-utils \
    && rm -rf /var/lib/apt/lists/* && useradd -r -u 10001 vanthu && mkdir /data && chown vanthu /data
COPY --from=build /out/vanthu /usr/local/bin/vanthu
USER vanthu
ENV VANTHU_ADDR=0.0.0.0:8080 VANTHU_DATA_DIR=/data
EXPOSE 8080 8443
ENTRYPOINT ["vanthu"]
CMD ["serve"]
