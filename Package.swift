// swift-tools-version: 6.1
import PackageDescription

/// The release binary starts lighter when linked by lld with packed relative relocations (3.4 MB
/// of relocation entries read at every start become a few kB) and without exporting its own
/// symbols to the dynamic table (nothing looks them up): 5–6 MB less resident in every process.
let shippedLinking: [LinkerSetting] = [
    .unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker", "--no-export-dynamic"], .when(platforms: [.linux], configuration: .release))
]

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
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Pure core: record model, framing, formats, time. No I/O.
        .target(
            name: "SMDRCore",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        // One-thread executors for C libraries bound to a thread (libudev, libcups).
        .target(name: "SMDRConcurrency", swiftSettings: strict),
        // libcups (Debian: libcups2-dev; bookworm ships no cups.pc, hence no pkgConfig).
        .systemLibrary(name: "CCups", providers: [.apt(["libcups2-dev"])]),
        // Printing through CUPS: the libcups actor and the persistent print queue.
        .target(name: "SMDRPrint", dependencies: ["CCups", "SMDRConcurrency", "SMDRStore", "SMDRTickets"], swiftSettings: strict),
        // libudev (Debian: libudev-dev).
        .systemLibrary(name: "CUDev", pkgConfig: "libudev", providers: [.apt(["libudev-dev"])]),
        // Serial ports through libudev: listing, stable names, hot-plug events.
        .target(name: "SMDRDevices", dependencies: ["CUDev", "SMDRConcurrency"], swiftSettings: strict),
        // Rating: tariffs, rate decks, metering units, exact money. Pure, like the core.
        .target(name: "SMDRRating", dependencies: ["SMDRCore", .product(name: "Yams", package: "Yams")], swiftSettings: strict),
        // Whole calls: legs across transfers, duration limits. Pure.
        .target(name: "SMDRCalls", dependencies: ["SMDRCore", "SMDRRating"], swiftSettings: strict),
        // Prepaid accounts: plan, refusal messages, call budgets, authorisations, statements. Pure.
        .target(name: "SMDRPrepaid", dependencies: ["SMDRCore", "SMDRRating"], swiftSettings: strict),
        // Taxation tickets: content, layouts (ESC/POS receipt, text, listing), languages. Pure.
        .target(name: "SMDRTickets", dependencies: ["SMDRCore", "SMDRRating", "SMDRPrepaid"], swiftSettings: strict),
        // posix_openpt & co. and mallopt, hidden from Swift's Glibc module.
        .target(name: "CPTY"),
        // termios ports, ptys, reconnect backoff.
        .target(name: "SMDRSerial", dependencies: ["CPTY"], swiftSettings: strict),
        // The write-ahead journal of received bytes.
        .target(name: "SMDRJournal", swiftSettings: strict),
        // SQLite store (GRDB): calls, quarantine, checkpoints, alarms.
        .target(
            name: "SMDRStore",
            dependencies: ["SMDRCore", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        // Sources, ingest and the run loop: the agent's capture side.
        .target(
            name: "SMDRRuntime",
            dependencies: [
                "SMDRCore", "SMDRSerial", "SMDRJournal", "SMDRStore", "SMDRDevices", "SMDRCalls", "SMDRRating", "SMDRPrepaid", "CPTY",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        // The live face: HTTP API (Hummingbird), event stream, webhooks with a persistent outbox.
        .target(
            name: "SMDRLive",
            dependencies: [
                "SMDRCore", "SMDRStore", "SMDRCalls", "SMDRConcurrency", "SMDRPrepaid", "SMDRRating",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The executable only wires the modules together.
        .executableTarget(
            name: "smdr-agent",
            dependencies: [
                "SMDRCore", "SMDRSerial", "SMDRJournal", "SMDRStore", "SMDRRuntime", "SMDRDevices", "SMDRRating", "SMDRTickets", "SMDRPrint",
                "SMDRCalls", "SMDRLive", "SMDRPrepaid", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict,
            linkerSettings: shippedLinking
        ),
        // `make bench`: release-build throughput table.
        .executableTarget(
            name: "smdr-bench",
            dependencies: [
                "SMDRCore", "SMDRJournal", "SMDRRuntime", "SMDRSerial", "SMDRStore", "SMDRRating", "SMDRCalls", "SMDRLive", "SMDRPrepaid",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict
        ),
        // `make soak`: the fault soak (ptys and TCP, hang-ups, SIGKILLs, full disk, readers, slow clients).
        .executableTarget(
            name: "smdr-soak",
            dependencies: ["SMDRSerial", "SMDRStore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SMDRCoreTests",
            dependencies: ["SMDRCore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SMDRCaptureTests",
            dependencies: [
                "SMDRCore", "SMDRSerial", "SMDRJournal", "SMDRStore", "SMDRRuntime", "SMDRDevices",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SMDRRatingTests",
            dependencies: ["SMDRCore", "SMDRRating"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SMDRTicketTests",
            dependencies: ["SMDRCore", "SMDRRating", "SMDRTickets"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SMDRCallsTests",
            dependencies: ["SMDRCore", "SMDRCalls", "SMDRRating", "SMDRLive"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SMDRPrepaidTests",
            dependencies: ["SMDRCore", "SMDRRating", "SMDRPrepaid", "SMDRStore", "SMDRRuntime", "SMDRCalls", "SMDRTickets"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SMDRAgentTests",
            dependencies: [
                "SMDRCore", "SMDRSerial", "SMDRJournal", "SMDRStore", "SMDRRuntime", "SMDRRating", "SMDRTickets", "SMDRCalls", "SMDRLive", "SMDRPrepaid",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
    ]
)
