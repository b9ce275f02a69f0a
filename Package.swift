// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Backprop",
    products: [
        .library(name: "Backprop", targets: ["Backprop"]),
        .library(name: "BackpropNN", targets: ["BackpropNN"]),
        .library(name: "BackpropTesting", targets: ["BackpropTesting"]),
        .executable(name: "backprop", targets: ["backprop"]),
        .executable(name: "backprop-bench", targets: ["backprop-bench"]),
        .executable(name: "backprop-stress", targets: ["backprop-stress"]),
    ],
    targets: [
        // SIMD micro-kernels in C, compiled by the toolchain's clang, with runtime CPU
        // dispatch between AVX-512, AVX2 + FMA and portable paths. No unsafe flags.
        .target(name: "CBackpropKernels"),
        // Tensors, variables, the reverse sweep and the ops.
        .target(name: "Backprop", dependencies: ["CBackpropKernels"]),
        // Layers, losses, optimizers, data and checkpoints: Backprop's public API only.
        .target(
            name: "BackpropNN",
            dependencies: ["Backprop"],
            resources: [
                .copy("Resources/iris.csv"), .copy("Resources/digits.csv"), .copy("Resources/genesis-exodus.txt"),
                .copy("Resources/genesis-exodus.README.md"),
            ]
        ),
        // Gradient checks for XCTest and Swift Testing: the only library target that imports
        // either. It depends on BackpropNN for the whole-model check, which runs a `Layer` in
        // a fixed learning phase and names parameters by their `namedParameters` paths.
        .target(name: "BackpropTesting", dependencies: ["Backprop", "BackpropNN"]),
        .executableTarget(name: "backprop", dependencies: ["Backprop", "BackpropNN"]),
        .executableTarget(
            name: "backprop-bench", dependencies: ["Backprop", "BackpropNN", "CBackpropKernels"]),
        // Deep-chain and fan-out stress runs of the core (time and peak memory).
        .executableTarget(name: "backprop-stress", dependencies: ["Backprop", "BackpropNN"]),
        // Newton's method with the Hessian helper versus gradient descent.
        .executableTarget(name: "newton-example", dependencies: ["Backprop", "BackpropNN"]),
        // What a misuse prints in any build: the op, the shapes and the caller's line.
        .executableTarget(name: "misuse-example", dependencies: ["Backprop"]),
        .testTarget(name: "BackpropTests", dependencies: ["Backprop", "BackpropTesting", "CBackpropKernels"]),
        .testTarget(name: "BackpropNNTests", dependencies: ["BackpropNN", "BackpropTesting"]),
        .testTarget(name: "BackpropTestingTests", dependencies: ["BackpropTesting"]),
        // Uses `import Backprop` only, never `@testable`: the public extension points.
        .testTarget(name: "ExtensionTests", dependencies: ["Backprop", "BackpropTesting"]),
        .testTarget(name: "CLITests", dependencies: ["backprop", "misuse-example"]),
    ],
    swiftLanguageModes: [.v6]
)
