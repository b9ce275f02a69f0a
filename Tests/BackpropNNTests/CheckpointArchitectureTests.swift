import Backprop
import BackpropNN
import Foundation
import XCTest

/// A layer of a user's own with parameters found by reflection: y = x + f(x W + b) ⊙ gate.
struct Gated<Scalar: TensorScalar>: CodableLayer {
    struct Configuration: Codable { var width: Int; var activation: Activation }
    let inner: Dense<Scalar>
    let gate: Variable<Scalar>

    var configuration: Configuration { Configuration(width: inner.inputSize, activation: inner.activation) }

    init(configuration: Configuration) {
        var rng = SeededGenerator(seed: 0)
        self.init(width: configuration.width, activation: configuration.activation, using: &rng)
    }

    init(width: Int, activation: Activation, using rng: inout SeededGenerator) {
        inner = Dense(inputSize: width, outputSize: width, activation: activation,
                      biasInitializer: .uniformUnit, using: &rng)
        gate = Variable(Tensor.uniform([width], using: &rng), requiresGradient: true)
    }

    func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> { x + inner(x) * gate }
}

/// A parameter-free layer of a user's own that can be saved: x ⊙ σ(x).
struct Swish<Scalar: TensorScalar>: CodableLayer {
    struct Configuration: Codable {}
    var configuration: Configuration { Configuration() }
    init(configuration: Configuration = Configuration()) {}
    func callAsFunction(_ x: Variable<Scalar>) -> Variable<Scalar> { x * x.sigmoid() }
}

/// The same without a saved form.
struct PlainSwish: Layer {
    func callAsFunction(_ x: Variable<Float>) -> Variable<Float> { x * x.sigmoid() }
}

/// A whole model of a user's own, saved as one layer.
struct WholeModel: CodableLayer {
    struct Configuration: Codable { var inputs: Int; var hidden: Int; var classes: Int }
    let configuration: Configuration
    let body: Sequential<Float>

    init(configuration: Configuration) {
        var rng = SeededGenerator(seed: 3)
        self.configuration = configuration
        body = Sequential(
            Dense(inputSize: configuration.inputs, outputSize: configuration.hidden, activation: .tanh, using: &rng),
            Gated(width: configuration.hidden, activation: .relu, using: &rng),
            Dense(inputSize: configuration.hidden, outputSize: configuration.classes, using: &rng))
    }

    func callAsFunction(_ x: Variable<Float>) -> Variable<Float> { body(x) }
}

final class CheckpointArchitectureTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("bp-arch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// Writes the checkpoint to a file and reads it back.
    func roundTrip(_ checkpoint: Checkpoint) throws -> Checkpoint {
        let url = directory.appendingPathComponent("model.json")
        try checkpoint.write(to: url)
        return try Checkpoint.read(from: url)
    }

    func assertSameModel<Scalar>(
        _ restored: some Layer<Scalar>, _ original: some Layer<Scalar>, inputs: Int,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(restored.namedParameters.map(\.name), original.namedParameters.map(\.name), file: file, line: line)
        var rng = SeededGenerator(seed: 11)
        let x = Tensor<Scalar>.normal([6, inputs], using: &rng)
        XCTAssertEqual(restored.predict(x).scalars, original.predict(x).scalars, "bit for bit", file: file, line: line)
    }

    func testCodableLayersOfYourOwnAreSavedWholeAndBuiltAgain() throws {
        var rng = SeededGenerator(seed: 1)
        let original = Sequential<Float>(
            Dense(inputSize: 3, outputSize: 4, activation: .tanh, using: &rng),
            Gated(width: 4, activation: .sigmoid, using: &rng), Swish(),
            Dense(inputSize: 4, outputSize: 2, using: &rng))
        let checkpoint = try roundTrip(try Checkpoint(model: original))
        XCTAssertEqual(checkpoint.layers?[1], .custom(name: "Gated", configuration: #"{"activation":"sigmoid","width":4}"#))
        XCTAssertEqual(checkpoint.layers?[2], .custom(name: "Swish", configuration: "{}"))
        let restored = try checkpoint.makeModel(as: Float.self, layerTypes: [Swish<Float>.self, Gated<Float>.self])
        XCTAssertTrue(restored.layers[1] is Gated<Float>)
        assertSameModel(restored, original, inputs: 3)
        // The same checkpoint builds a Double model from the Double instances of the types.
        let asDouble = try checkpoint.makeModel(as: Double.self, layerTypes: [Gated<Double>.self, Swish<Double>.self])
        XCTAssertEqual(asDouble.parameters[2].value.scalars, original.parameters[2].value.scalars.map(Double.init))
    }

    func testNestedSequentialsAreSavedWhole() throws {
        var rng = SeededGenerator(seed: 2)
        let block = Sequential<Double>(
            Dense(inputSize: 4, outputSize: 4, activation: .relu, using: &rng), Dropout(rate: 0.2))
        let original = Sequential<Double>(
            Dense(inputSize: 2, outputSize: 4, activation: .tanh, using: &rng),
            Sequential(block, Sequential(ActivationLayer(.sigmoid))),
            Dense(inputSize: 4, outputSize: 1, using: &rng))
        XCTAssertTrue(original.namedParameters.map(\.name).contains("1.0.0.weight"))
        let checkpoint = try roundTrip(try Checkpoint(model: original))
        XCTAssertEqual(checkpoint.layers?[1], .sequential(layers: [
            .sequential(layers: [.dense(inputSize: 4, outputSize: 4, activation: .relu), .dropout(rate: 0.2)]),
            .sequential(layers: [.activation(.sigmoid)]),
        ]))
        let restored = try checkpoint.makeModel(as: Double.self)
        XCTAssertTrue(restored.layers[1] is Sequential<Double>)
        assertSameModel(restored, original, inputs: 2)
    }

    func testAWholeModelOfYourOwnIsBuiltByItsType() throws {
        let original = WholeModel(configuration: .init(inputs: 3, hidden: 5, classes: 2))
        var rng = SeededGenerator(seed: 8)
        for p in original.parameters { p.value = Tensor.normal(p.shape, using: &rng) }
        let checkpoint = try roundTrip(try Checkpoint(model: original))
        let restored = try checkpoint.makeModel(WholeModel.self)
        assertSameModel(restored, original, inputs: 3)
        XCTAssertThrowsError(try checkpoint.makeModel(Gated<Float>.self)) { error in
            XCTAssertEqual(
                "\(error)",
                #"checkpoint: inconsistent architecture: the checkpoint does not hold one 'Gated' model (its layers: 'WholeModel')"#)
        }
    }

    func testAModelThatIsOneLayerIsBuiltAsASequentialOfIt() throws {
        var rng = SeededGenerator(seed: 9)
        let dense = Dense<Double>(inputSize: 3, outputSize: 2, activation: .tanh, biasInitializer: .uniformUnit, using: &rng)
        let restored = try roundTrip(try Checkpoint(model: dense)).makeModel(as: Double.self)
        XCTAssertEqual(restored.namedParameters.map(\.name), ["0.weight", "0.bias"])
        let x = Tensor<Double>.normal([4, 3], using: &rng)
        XCTAssertEqual(restored.predict(x), dense.predict(x))
        let gated = Gated<Float>(width: 2, activation: .relu, using: &rng)
        let restoredGated = try Checkpoint(model: gated).makeModel(as: Float.self, layerTypes: [Gated<Float>.self])
        let y = Tensor<Float>.normal([3, 2], using: &rng)
        XCTAssertEqual(restoredGated.predict(y), gated.predict(y))
    }

    func testALayerWithoutASavedFormIsAnErrorNamingIt() throws {
        var rng = SeededGenerator(seed: 4)
        let model = Sequential<Float>(
            Dense(inputSize: 2, outputSize: 3, using: &rng),
            Sequential(Dense(inputSize: 3, outputSize: 3, using: &rng), ActivationLayer(.relu), PlainSwish()))
        XCTAssertThrowsError(try Checkpoint(model: model)) { error in
            XCTAssertEqual(error as? CheckpointError, .notDescribable(layer: "1.2", type: "PlainSwish"))
            XCTAssertEqual(
                "\(error)",
                "checkpoint: layer 1.2 (PlainSwish) is not a built-in layer, so the architecture cannot be saved; "
                    + "conform PlainSwish to CodableLayer (a Codable configuration and init(configuration:)), or save "
                    + "the parameters only with Checkpoint(model:parametersOnly: true) and load them into a model you "
                    + "build (load(into:))")
        }
    }

    func testALayerTypeNotPassedWhenLoadingIsAnErrorNamingIt() throws {
        var rng = SeededGenerator(seed: 5)
        let model = Sequential<Float>(Gated(width: 2, activation: .relu, using: &rng), Swish())
        let checkpoint = try Checkpoint(model: model)
        XCTAssertThrowsError(try checkpoint.makeModel(as: Float.self, layerTypes: [Gated<Float>.self])) { error in
            XCTAssertEqual(error as? CheckpointError, .unknownLayerType(layer: "1", name: "Swish"))
            XCTAssertEqual(
                "\(error)",
                "checkpoint: layer 1 is 'Swish', a layer type of your own; pass its type in "
                    + "makeModel(as:layerTypes:) (a CodableLayer whose layerName is 'Swish')")
        }
        var broken = checkpoint
        broken.layers?[0] = .custom(name: "Gated", configuration: #"{"width":"two"}"#)
        XCTAssertThrowsError(try broken.makeModel(as: Float.self, layerTypes: [Gated<Float>.self, Swish<Float>.self])) {
            XCTAssertTrue("\($0)".hasPrefix(#"checkpoint: inconsistent architecture: layer 0 (Gated): its configuration {"width":"two"} does not decode"#), "\($0)")
        }
    }

    func testParametersOnlyLoadIntoAModelYouBuild() throws {
        var rng = SeededGenerator(seed: 6)
        let original = Sequential<Float>(Dense(inputSize: 2, outputSize: 3, using: &rng), PlainSwish())
        let checkpoint = try roundTrip(try Checkpoint(model: original, parametersOnly: true))
        XCTAssertNil(checkpoint.layers)
        XCTAssertThrowsError(try checkpoint.makeModel(as: Float.self)) { error in
            XCTAssertEqual(error as? CheckpointError, .noArchitecture)
        }
        let rebuilt = Sequential<Float>(Dense(inputSize: 2, outputSize: 3, using: &rng), PlainSwish())
        try checkpoint.load(into: rebuilt)
        assertSameModel(rebuilt, original, inputs: 2)
    }

    /// A checkpoint written before layers of your own and nested models existed still reads.
    func testTheEarlierFormatStillReads() throws {
        let text = """
            {"formatVersion": 1, "scalarType": "Double", "classNames": [], "featureNames": ["a"],
             "layers": [{"dense": {"inputSize": 1, "outputSize": 1, "activation": "identity"}},
                        {"activation": {"_0": "sigmoid"}}],
             "parameters": [{"name": "0.weight", "shape": [1, 1], "values": [2]},
                            {"name": "0.bias", "shape": [1], "values": [0.5]}]}
            """
        let model = try Checkpoint.decode(Data(text.utf8), file: "old.json").makeModel(as: Double.self)
        let u: Double = 2 * 3 + 0.5
        let expected = 1 / (1 + Foundation.exp(-u))
        XCTAssertEqual(model.predict(Tensor([[3]])).scalars, [expected])
    }
}
