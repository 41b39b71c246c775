// swift-tools-version:6.1
// The two Swift WebSocket peers of issue 11, for bench/floors.sh (targets nio-ws and hummingbird): a plain
// SwiftNIO echo written as NIO's own WebSocket server example is, and a Hummingbird 2 echo written as
// HummingbirdWebSocket's README is. A package of its own, so that the root package, its tests and CI never
// build Hummingbird; floors.sh builds it on demand with `swift build -c release --package-path bench/swift-peers`.

import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "swift-peers",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "nio-ws-echo", targets: ["nio-ws-echo"]),
        .executable(name: "hummingbird-ws-echo", targets: ["hummingbird-ws-echo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
    ],
    targets: [
        // `--port P --mode echo|fanout`, shared by both peers.
        .target(
            name: "PeerOptions",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "nio-ws-echo",
            dependencies: [
                "PeerOptions",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "hummingbird-ws-echo",
            dependencies: [
                "PeerOptions",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
