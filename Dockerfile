# syntax=docker/dockerfile:1

# Firebreak: a static binary built in the Go image, run as a non-root user on Alpine.
#   docker build -t firebreak .
#   docker run --rm firebreak worker --address temporal:7233 --namespace default \
#     --http 0.0.0.0:8080 --config /etc/firebreak/firebreak.yaml

ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION} AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOTOOLCHAIN=local
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags "-s -w" -o /out/firebreak ./cmd/firebreak

FROM alpine:3.22
# ca-certificates for the HTTPS APIs Firebreak calls, tzdata for configured time zones;
# BusyBox wget (part of the base image) serves the health check.
RUN apk add --no-cache ca-certificates tzdata \
    && addgroup -S -g 10001 firebreak \
    && adduser -S -D -H -u 10001 -G firebreak firebreak
COPY --from=build /out/firebreak /usr/local/bin/firebreak
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/firebreak"]
CMD ["--help"]
