import Backprop
import BackpropNN
import Foundation
import XCTest

/// What a checkpoint saves about the data beyond the features' names: regression targets
/// and their scaling, categorical columns, missing-value fills; written, read back, and
/// refused when it does not fit together.
final class CheckpointDataDescriptionTests: XCTestCase {
    private func model() -> Sequential<Float> {
        var rng = SeededGenerator(seed: 1)
        return Sequential(Dense<Float>(inputSize: 3, outputSize: 2, activation: .identity, using: &rng))
    }

    private func checkpoint() throws -> Checkpoint {
        var c = try Checkpoint(model: model(), featureNames: ["size", "color=blue", "color=red"])
        c.targetNames = ["price", "weight"]
        c.targetNormalizer = Normalizer(kind: .zScore, offsets: [100, 2], scales: [0.1, 0.5], shift: 0)
        c.featureColumns = [FeatureColumn(name: "size"), FeatureColumn(name: "color", categories: ["blue", "red"])]
        c.missingValueFills = [1.5, 0.25, 0.75]
        return c
    }

    func testTheDataDescriptionRoundTrips() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bp-dd-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        let saved = try checkpoint()
        try saved.write(to: url)
        let read = try Checkpoint.read(from: url)
        XCTAssertEqual(read, saved)
        XCTAssertEqual(read.targetNormalizer?.original(1, column: 0), 110)
        // A checkpoint without these keys (a classifier, or one from before them) still reads.
        var plain = try Checkpoint(model: model(), featureNames: ["a", "b", "c"])
        plain.classNames = ["x", "y"]
        let json = try JSONEncoder().encode(plain)
        XCTAssertFalse(String(decoding: json, as: UTF8.self).contains("targetNames"))
        XCTAssertEqual(try Checkpoint.decode(json, file: "p.json"), plain)
    }

    func testInconsistentDescriptionsAreRefused() throws {
        var fills = try checkpoint()
        fills.missingValueFills = [1, 2]
        var columns = try checkpoint()
        columns.featureColumns = [FeatureColumn(name: "size"), FeatureColumn(name: "color", categories: ["red"])]
        var targets = try checkpoint()
        targets.targetNames = ["price"]
        var infinite = try checkpoint()
        infinite.missingValueFills = [1, .infinity, 0]
        let cases: [(Checkpoint, String)] = [
            (fills, "2 missing-value fills for 3 features"),
            (columns, "the feature columns give 2 features that are not the 3 feature names"),
            (targets, "the target normalizer has 2 columns for 1 targets"),
            (infinite, "missing-value fill inf is not finite"),
        ]
        for (bad, message) in cases {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("bp-dd-\(UUID().uuidString).json")
            XCTAssertThrowsError(try bad.write(to: url)) { error in
                XCTAssertTrue("\(error)".hasPrefix("checkpoint: not saved: \(message)"), "\(error)")
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
            if bad.missingValueFills?.allSatisfy(\.isFinite) ?? true {
                XCTAssertThrowsError(try Checkpoint.decode(JSONEncoder().encode(bad), file: "b.json")) { error in
                    XCTAssertTrue("\(error)".contains(message), "\(error)")
                }
            }
        }
    }
}
