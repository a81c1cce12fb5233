// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "smdr-agent",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "smdr-agent", targets: ["smdr-agent"]),
        .library(name: "SMDRCore", targets: ["SMDRCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // Pure core: record model, framing, formats, time. No I/O.
        .target(
            name: "SMDRCore",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        // The executable only wires the modules together.
        .executableTarget(
            name: "smdr-agent",
            dependencies: [
                "SMDRCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // `make bench`: release-build throughput table.
        .executableTarget(
            name: "smdr-bench",
            dependencies: ["SMDRCore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SMDRCoreTests",
            dependencies: ["SMDRCore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SMDRAgentTests",
            dependencies: ["SMDRCore"],
            swiftSettings: strict
        ),
    ]
)
