# Build: a Swift 6 toolchain image; the binary carries the Swift runtime statically.
FROM swift:6.3-noble AS build
WORKDIR /src
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Benchmarks ./Benchmarks
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product turnout \
    && install -D "$(swift build -c release --show-bin-path)/turnout" /out/turnout

# Run: a slim image, a non-root user, flags at /etc/turnout/flags.yaml.
FROM ubuntu:noble
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin turnout
COPY --from=build /out/turnout /usr/local/bin/turnout
COPY flags.yaml apps.yaml /etc/turnout/
ENV TURNOUT_FLAGS=/etc/turnout/flags.yaml \
    TURNOUT_APPS=/etc/turnout/apps.yaml \
    TURNOUT_HOST=0.0.0.0 \
    TURNOUT_PORT=8002 \
    TURNOUT_ADMIN_HOST=0.0.0.0 \
    TURNOUT_ADMIN_PORT=9090
USER turnout
# 8002: the public port (WebSocket upgrades, /health). 9090: the admin port (/metrics, /admin/*);
# bound beyond loopback here, so it requires TURNOUT_ADMIN_TOKEN.
EXPOSE 8002 9090
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8002/health || exit 1
ENTRYPOINT ["/usr/local/bin/turnout"]
CMD ["serve"]
