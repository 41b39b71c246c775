// swift-tools-version:6.1
// Turnout: one WebSocket server, two transport stacks, a per-user percentage flag between them.
// Modules import only modules listed above them in `targets`; see docs/architecture.md.

import PackageDescription

let swiftSettings: [SwiftSetting] = [
    // https://github.com/apple/swift-evolution/blob/main/proposals/0335-existential-any.md
    .enableUpcomingFeature("ExistentialAny"),
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0444-member-import-visibility.md
    .enableUpcomingFeature("MemberImportVisibility"),
    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0409-access-level-on-imports.md
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "turnout",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "turnout", targets: ["turnout"]),
        // The libFuzzer targets and their corpus replayer (docs/fuzzing.md, scripts/fuzz.sh).
        .executable(name: "turnout-fuzz", targets: ["TurnoutFuzz"]),
        // The WebSocket echo floors of issue 11, NIO's pipeline and a bare epoll loop (bench/floors.sh).
        .executable(name: "turnout-echo-floor", targets: ["EchoFloors"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.1.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.10.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.2.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.1.0"),
        .package(url: "https://github.com/vapor/websocket-kit.git", from: "2.15.0"),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.1.0"),
    ],
    targets: [
        // YAML configuration files: located diagnostics, typed reading, the watcher and the reloading store.
        .target(
            name: "TurnoutConfigFile",
            dependencies: [
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // Flag file model, validation, bucketing, and the flag store (a ReloadingFileStore of snapshots).
        .target(
            name: "TurnoutFlags",
            dependencies: [
                .byName(name: "TurnoutConfigFile"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The ramp guard's statistics and verdicts: pure, clock-driven, no I/O (docs/flags.md).
        .target(
            name: "TurnoutGuard",
            dependencies: [
                .byName(name: "TurnoutCore"),
                .byName(name: "TurnoutFlags"),
            ],
            swiftSettings: swiftSettings
        ),
        // Sessions, apps, subscriptions and routing behind the `Connection` seam; transport-agnostic.
        .target(
            name: "TurnoutCore",
            dependencies: [
                .byName(name: "TurnoutConfigFile"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP pipeline, upgrade router, JWT identity, and the compat and native stacks.
        .target(
            name: "TurnoutTransport",
            dependencies: [
                .byName(name: "TurnoutCore"),
                .byName(name: "TurnoutFlags"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "WebSocketKit", package: "websocket-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        // The diagnostic endpoints /echo-ws and /fanout-ws (`turnout serve --echo`): conformance
        // runs and peer benchmarks. The server installs them only under --echo.
        .target(
            name: "TurnoutEcho",
            dependencies: [
                .byName(name: "TurnoutCore"),
                .byName(name: "TurnoutTransport"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Configuration, assembly, lifecycle, the admin port and metrics.
        .target(
            name: "TurnoutServer",
            dependencies: [
                .byName(name: "TurnoutConfigFile"),
                .byName(name: "TurnoutCore"),
                .byName(name: "TurnoutEcho"),
                .byName(name: "TurnoutFlags"),
                .byName(name: "TurnoutGuard"),
                .byName(name: "TurnoutTransport"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // The TLS context in force, one atomic load per accepted connection.
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                // Parse the TLS certificate and key to check they match, with a message naming the file.
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: swiftSettings
        ),
        // The load generator of `turnout bench`: a multi-threaded NIO WebSocket client, scenarios,
        // a spawned or external server, results and their cross-check against /metrics.
        .target(
            name: "TurnoutBench",
            dependencies: [
                .byName(name: "TurnoutConfigFile"),
                .byName(name: "TurnoutCore"),
                .byName(name: "TurnoutFlags"),
                .byName(name: "TurnoutTransport"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The command line: serve, flags check | explain | simulate | ramp, token, bench, compare.
        .executableTarget(
            name: "turnout",
            dependencies: [
                .byName(name: "TurnoutBench"),
                .byName(name: "TurnoutConfigFile"),
                .byName(name: "TurnoutFlags"),
                .byName(name: "TurnoutGuard"),
                .byName(name: "TurnoutServer"),
                .byName(name: "TurnoutTransport"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // libFuzzer's driver entry point, declared for the fuzz build's `main` (docs/fuzzing.md).
        .target(name: "CLibFuzzer"),
        // The fuzz targets' bodies and invariants: the frame parser and protocol machine, the JSON
        // scanner, the flags.yaml and apps.yaml decoders, the JWT path and the HTTP request head.
        // A library, so that `swift test` replays the seed corpora through the same bodies.
        .target(
            name: "TurnoutFuzzTargets",
            dependencies: [
                .byName(name: "TurnoutConfigFile"),
                .byName(name: "TurnoutCore"),
                .byName(name: "TurnoutFlags"),
                .byName(name: "TurnoutTransport"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // `turnout-fuzz TARGET [libFuzzer options] [corpus…]`: libFuzzer when built with
        // `-sanitize=fuzzer -D TURNOUT_FUZZING` (scripts/fuzz.sh), else a replayer of corpus files.
        .executableTarget(
            name: "TurnoutFuzz",
            dependencies: [
                .byName(name: "CLibFuzzer"),
                .byName(name: "TurnoutFuzzTargets"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test doubles and helpers shared by the test targets and the core benchmark: a raw
        // WebSocket client, event queues, the manual scheduler.
        .target(
            name: "TurnoutTestSupport",
            dependencies: [
                .byName(name: "TurnoutCore"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // The raw client's optional TLS (wss tests).
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Tests/TurnoutTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TurnoutBenchTests",
            dependencies: [
                .byName(name: "TurnoutBench"),
                .byName(name: "TurnoutCore"),
                .byName(name: "TurnoutFlags"),
                // The scenario runs spawn the built `turnout serve`.
                .byName(name: "turnout"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TurnoutConfigFileTests",
            dependencies: [
                .byName(name: "TurnoutConfigFile"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TurnoutFlagsTests",
            dependencies: [
                .byName(name: "TurnoutFlags"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            // The bucketing vectors, copied from ../shared so that a clone alone passes its tests.
            resources: [.copy("Resources/bucketing-vectors.json")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TurnoutGuardTests",
            dependencies: [
                .byName(name: "TurnoutCore"),
                .byName(name: "TurnoutFlags"),
                .byName(name: "TurnoutGuard"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TurnoutCLITests",
            dependencies: [
                .byName(name: "turnout"),
                // FakeAdminInstance: an admin port whose guard trips on request, for the ramp plan.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TurnoutCoreTests",
            dependencies: [
                .byName(name: "TurnoutConfigFile"),
                .byName(name: "TurnoutCore"),
                .byName(name: "TurnoutTestSupport"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TurnoutTransportTests",
            dependencies: [
                .byName(name: "TurnoutConfigFile"),
                .byName(name: "TurnoutEcho"),
                .byName(name: "TurnoutTestSupport"),
                .byName(name: "TurnoutCore"),
                .byName(name: "TurnoutFlags"),
                .byName(name: "TurnoutTransport"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "WebSocketKit", package: "websocket-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TurnoutFuzzTests",
            dependencies: [
                .byName(name: "TurnoutCore"),
                .byName(name: "TurnoutFuzzTargets"),
                .byName(name: "TurnoutTransport"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TurnoutServerTests",
            dependencies: [
                .byName(name: "TurnoutConfigFile"),
                .byName(name: "TurnoutTestSupport"),
                .byName(name: "TurnoutCore"),
                .byName(name: "TurnoutFlags"),
                .byName(name: "TurnoutGuard"),
                .byName(name: "TurnoutServer"),
                .byName(name: "TurnoutTransport"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // HS256 signatures of the hostile tokens, forged byte for byte.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "WebSocketKit", package: "websocket-kit"),
                // Certificates generated in the wss tests.
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FlagStoreBenchmarks",
            dependencies: [
                .byName(name: "TurnoutConfigFile"),
                .byName(name: "TurnoutFlags"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/FlagStoreBenchmarks",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // epoll, signalfd and accept4, which Swift's Glibc module leaves out, for the epoll floor.
        .target(name: "CEpollFloor", path: "Benchmarks/CEpollFloor"),
        // `turnout-echo-floor nio|epoll`: how far down a WebSocket echo goes on one core under NIO's
        // channel pipeline and under Swift alone; measured beside native and Bun by bench/floors.sh.
        .executableTarget(
            name: "EchoFloors",
            dependencies: [
                .byName(name: "CEpollFloor"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/EchoFloors",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "CoreRoutingBenchmarks",
            dependencies: [
                .byName(name: "TurnoutCore"),
                .byName(name: "TurnoutTestSupport"),
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/CoreRoutingBenchmarks",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
