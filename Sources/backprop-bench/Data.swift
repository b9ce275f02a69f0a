// The bundled data sets (Sources/BackpropNN/Resources), read with a tiny local CSV reader.
// The files are found relative to this source file (#filePath), or relative to the current
// directory when the bench runs from the package root.

import Foundation

enum BenchData {
    struct LoadError: Error, CustomStringConvertible {
        var description: String
    }

    static func resource(_ name: String) throws -> URL {
        let sourceRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // backprop-bench
            .deletingLastPathComponent()  // Sources
        let candidates = [
            sourceRoot.appendingPathComponent("BackpropNN/Resources/\(name)"),
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
                .appendingPathComponent("Sources/BackpropNN/Resources/\(name)"),
        ]
        for url in candidates where FileManager.default.fileExists(atPath: url.path) {
            return url
        }
        throw LoadError(
            description: "\(name) not found (looked in "
                + candidates.map(\.path).joined(separator: ", ") + ")")
    }

    /// Rows of a CSV file without its header line.
    static func rows(_ name: String) throws -> [[Substring]] {
        let text = try String(contentsOf: resource(name), encoding: .utf8)
        return text.split(whereSeparator: \.isNewline).dropFirst().map {
            $0.split(separator: ",", omittingEmptySubsequences: false)
        }
    }

    static let irisSpecies = ["Iris-setosa", "Iris-versicolor", "Iris-virginica"]

    /// Iris: 150 rows of 4 features (original order) and labels 0...2.
    static func iris() throws -> (x: [[Double]], y: [Int]) {
        var xs: [[Double]] = []
        var ys: [Int] = []
        for (i, row) in try rows("iris.csv").enumerated() {
            guard row.count == 5, let label = irisSpecies.firstIndex(of: String(row[4])) else {
                throw LoadError(description: "iris.csv row \(i + 2): expected 4 numbers and a species")
            }
            let features = row.prefix(4).compactMap { Double($0) }
            guard features.count == 4 else {
                throw LoadError(description: "iris.csv row \(i + 2): bad number")
            }
            xs.append(features)
            ys.append(label)
        }
        return (xs, ys)
    }

    /// Digits: 1797 rows of 64 pixel values 0...16 and labels 0...9.
    static func digits() throws -> (x: [[Double]], y: [Int]) {
        var xs: [[Double]] = []
        var ys: [Int] = []
        for (i, row) in try rows("digits.csv").enumerated() {
            let values = row.compactMap { Double($0) }
            guard row.count == 65, values.count == 65 else {
                throw LoadError(description: "digits.csv row \(i + 2): expected 65 numbers")
            }
            xs.append(Array(values.prefix(64)))
            ys.append(Int(values[64]))
        }
        return (xs, ys)
    }
}
