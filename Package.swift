// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ImageFactory",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "ImageFactoryCore", targets: ["ImageFactoryCore"]),
        .executable(name: "imagefactory", targets: ["imagefactory"]),
        .executable(name: "imagefactory-bench", targets: ["imagefactory-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        // FilePath for swift-subprocess's API; already in the graph through it.
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
    ],
    targets: [
        .target(name: "CSystemShims"),
        .systemLibrary(name: "CNCursesW"),
        .target(name: "Terminal", dependencies: ["CNCursesW"]),
        .executableTarget(name: "terminal-demo", dependencies: ["Terminal"]),
        .target(
            name: "ImageFactoryCore",
            dependencies: [
                "CSystemShims",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "ImageFactoryServer",
            dependencies: ["ImageFactoryCore", "CSystemShims", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "ImageFactoryTUI",
            dependencies: [
                "ImageFactoryCore",
                "Terminal",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "imagefactory",
            dependencies: [
                "ImageFactoryCore",
                "ImageFactoryServer",
                "ImageFactoryTUI",
                "CSystemShims",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "imagefactory-bench",
            dependencies: ["ImageFactoryCore", "ImageFactoryServer", "ImageFactoryTUI", "Terminal", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Benchmarks/imagefactory-bench"
        ),
        .testTarget(
            name: "ImageFactoryCoreTests",
            dependencies: ["ImageFactoryCore", "ImageFactoryServer", "Terminal", "ImageFactoryTUI"],
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
