# vanthu server image. Build context: the repository root.
FROM golang:1.27-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/vanthu ./cmd/vanthu

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* && useradd -r -u 10001 vanthu && mkdir /data && chown vanthu /data
COPY --from=build /out/vanthu /usr/local/bin/vanthu
USER vanthu
ENV VANTHU_ADDR=0.0.0.0:8080 VANTHU_DATA_DIR=/data
EXPOSE 8080 8443
ENTRYPOINT ["vanthu"]
CMD ["serve"]
