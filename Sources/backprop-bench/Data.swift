// The bundled data sets (BackpropNN's resources, found through `BundledData`), read with a
// tiny local CSV reader into plain arrays, the form the peers' scripts start from.

import BackpropNN
import Foundation

enum BenchData {
    struct LoadError: Error, CustomStringConvertible {
        var description: String
    }

    /// Rows of a CSV file without its header line.
    static func rows(_ url: URL) throws -> [[Substring]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(whereSeparator: \.isNewline).dropFirst().map {
            $0.split(separator: ",", omittingEmptySubsequences: false)
        }
    }

    static let irisSpecies = ["Iris-setosa", "Iris-versicolor", "Iris-virginica"]

    /// Iris: 150 rows of 4 features (original order) and labels 0...2.
    static func iris() throws -> (x: [[Double]], y: [Int]) {
        var xs: [[Double]] = []
        var ys: [Int] = []
        for (i, row) in try rows(BundledData.iris).enumerated() {
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
        for (i, row) in try rows(BundledData.digits).enumerated() {
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
