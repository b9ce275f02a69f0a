import Backprop
import BackpropNN
import Foundation
import XCTest

final class CSVTests: XCTestCase {
    func testParsesHeaderQuotesBlankLinesAndCRLF() throws {
        let table = try CSVTable(text: "a,\"b, c\",label\r\n1,2,\"x \"\"y\"\"\"\r\n\r\n3,4,z\n", source: "t.csv")
        XCTAssertEqual(table.header, ["a", "b, c", "label"])
        XCTAssertEqual(table.rows, [["1", "2", "x \"y\""], ["3", "4", "z"]])
        XCTAssertEqual(table.lineNumbers, [2, 4])
    }

    func testRaggedRowNamesFileAndLine() {
        XCTAssertThrowsError(try CSVTable(text: "a,b,c\n1,2,3\n4,5\n", source: "r.csv")) { error in
            XCTAssertEqual("\(error)", "r.csv:3: 2 fields, but the header has 3 columns")
        }
    }

    func testEmptyFileAndUnclosedQuote() {
        XCTAssertThrowsError(try CSVTable(text: "\n\n", source: "e.csv")) { error in
            XCTAssertEqual("\(error)", "e.csv: the file is empty (expected a header row)")
        }
        XCTAssertThrowsError(try CSVTable(text: "a\n\"open\n", source: "q.csv")) { error in
            XCTAssertEqual((error as? DataError)?.line, 2)
        }
    }

    func testMissingFileIsADataError() {
        XCTAssertThrowsError(try CSVTable(contentsOf: URL(fileURLWithPath: "/nonexistent/x.csv"))) { error in
            XCTAssertTrue("\(error)".hasPrefix("/nonexistent/x.csv: cannot read the file"), "\(error)")
        }
    }

    func testColumnSelectors() throws {
        let table = try CSVTable(text: "a,b,c\n1,2,3\n")
        XCTAssertEqual(try table.columnIndex(.name("b")), 1)
        XCTAssertEqual(try table.columnIndex(.index(-1)), 2)
        XCTAssertEqual(try table.columnIndex(ColumnSelector("0")), 0)
        XCTAssertThrowsError(try table.columnIndex(.name("zz"))) { error in
            XCTAssertEqual("\(error)", "<text>: no column named 'zz' (columns: a, b, c)")
        }
        XCTAssertThrowsError(try table.columnIndex(.index(3)))
    }
}

final class DatasetTests: XCTestCase {
    func testStringLabelsBecomeSortedClasses() throws {
        let data = try Dataset(table: CSVTable(text: "x,y,kind\n1,2,dog\n3,4,cat\n5,6,dog\n"), label: .name("kind"))
        XCTAssertEqual(data.classNames, ["cat", "dog"])
        XCTAssertEqual(data.labels, [1, 0, 1])
        XCTAssertEqual(data.featureNames, ["x", "y"])
        XCTAssertEqual(data.features, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(data.labelName, "kind")
        XCTAssertEqual(data.oneHotTargets(as: Double.self), [[0, 1], [1, 0], [0, 1]])
    }

    func testIntegerLabelsSortNumerically() throws {
        let data = try Dataset(table: CSVTable(text: "label,x\n10,1\n2,2\n9,3\n"), label: .index(0))
        XCTAssertEqual(data.classNames, ["2", "9", "10"])
        XCTAssertEqual(data.labels, [2, 0, 1])
        XCTAssertEqual(data.featureTensor(as: Float.self), [[1], [2], [3]])
    }

    func testTextInANumericColumnNamesLineAndColumn() {
        XCTAssertThrowsError(try Dataset(table: CSVTable(text: "a,b,label\n1,2,x\n3,abc,y\n", source: "d.csv"), label: .name("label"))) { error in
            XCTAssertEqual("\(error)", "d.csv:3: column 2 ('b'): 'abc' is not a number")
        }
        XCTAssertThrowsError(try Dataset(table: CSVTable(text: "a,label\n,x\n", source: "d.csv"), label: .name("label"))) { error in
            XCTAssertEqual("\(error)", "d.csv:2: column 1 ('a'): the field is empty, expected a number")
        }
    }

    func testUnknownLabelColumnAndHeaderOnly() {
        XCTAssertThrowsError(try Dataset(table: CSVTable(text: "a,b\n1,2\n", source: "d.csv"), label: .name("label"))) { error in
            XCTAssertEqual("\(error)", "d.csv: no column named 'label' (columns: a, b)")
        }
        XCTAssertThrowsError(try Dataset(table: CSVTable(text: "a,b\n", source: "h.csv"), label: .name("b"))) { error in
            XCTAssertEqual("\(error)", "h.csv: there are no data rows after the header")
        }
    }

    func testFixedClassesRejectUnknownLabels() throws {
        let table = try CSVTable(text: "x,c\n1,b\n2,a\n", source: "p.csv")
        XCTAssertEqual(try Dataset(table: table, label: .name("c"), classNames: ["b", "a"]).labels, [0, 1])
        XCTAssertThrowsError(try Dataset(table: table, label: .name("c"), classNames: ["a"])) { error in
            XCTAssertEqual("\(error)", "p.csv:2: column 2 ('c'): label 'b' is not one of the model's classes (a)")
        }
    }

    func testBundledDataSets() throws {
        let iris = try Dataset(csv: BundledData.iris, label: .name("species"))
        XCTAssertEqual(iris.count, 150)
        XCTAssertEqual(iris.featureCount, 4)
        XCTAssertEqual(iris.classNames, ["Iris-setosa", "Iris-versicolor", "Iris-virginica"])
        XCTAssertEqual((0..<3).map { k in iris.labels.filter { $0 == k }.count }, [50, 50, 50])
        let digits = try Dataset(csv: BundledData.digits, label: .name("label"))
        XCTAssertEqual(digits.count, 1797)
        XCTAssertEqual(digits.featureCount, 64)
        XCTAssertEqual(digits.classNames, (0...9).map(String.init))
    }
}

final class NormalizerTests: XCTestCase {
    let train = Dataset(rows: [[0, 10], [2, 10], [4, 10]], labels: [0, 1, 0], classNames: ["a", "b"])
    let other = Dataset(rows: [[6, 11]], labels: [1], classNames: ["a", "b"])

    func testMinMaxUsesTheTrainingStatisticsOnly() {
        let n = Normalizer.minMax(fittedOn: train)
        XCTAssertEqual(n.apply(to: train).features, [0, 0, 0.5, 0, 1, 0])   // a constant column maps to 0
        XCTAssertEqual(n.apply(to: other).features, [1.5, 0])             // beyond the training range
        XCTAssertEqual(Normalizer.minMax(fittedOn: train, range: -1...1).apply(to: train).features, [-1, -1, 0, -1, 1, -1])
    }

    func testZScore() {
        let n = Normalizer.zScore(fittedOn: train)
        let sigma = (8.0 / 3).squareRoot()
        let z = n.apply(to: train).features
        XCTAssertEqual(z[0], -2 / sigma, accuracy: 1e-15)
        XCTAssertEqual(z[2], 0, accuracy: 1e-15)
        XCTAssertEqual(z[1], 0)
        XCTAssertEqual(n.apply(to: other).features[0], 4 / sigma, accuracy: 1e-15)
    }
}

final class SplitTests: XCTestCase {
    let data = Dataset(rows: (0..<10).map { [Double($0)] }, labels: (0..<10).map { $0 % 2 }, classNames: ["even", "odd"])

    func testSeededShuffleIsAPermutationAndReproducible() {
        var a = SeededGenerator(seed: 3), b = SeededGenerator(seed: 3)
        let s1 = data.shuffled(using: &a), s2 = data.shuffled(using: &b)
        XCTAssertEqual(s1, s2)
        XCTAssertNotEqual(s1.features, data.features)
        XCTAssertEqual(s1.features.sorted(), data.features)
        for i in 0..<10 { XCTAssertEqual(s1.labels[i], Int(s1.features[i]) % 2) }
    }

    func testSplits() {
        let parts = data.split(counts: [7, 3])
        XCTAssertEqual(parts[0].features, [0, 1, 2, 3, 4, 5, 6])
        XCTAssertEqual(parts[1].labels, [1, 0, 1])
        let (train, validation, test) = data.split(validationFraction: 0.2, testFraction: 0.1)
        XCTAssertEqual([train.count, validation.count, test.count], [7, 2, 1])
        XCTAssertEqual(test.features, [9])
    }

    func testKFoldsPartitionTheRows() {
        let folds = data.kFolds(3)
        XCTAssertEqual(folds.map(\.validation.count), [3, 3, 4])
        XCTAssertEqual(folds.flatMap(\.validation.features), data.features)
        for fold in folds {
            XCTAssertEqual((fold.training.features + fold.validation.features).sorted(), data.features)
        }
    }

    func testBatchesAndOneHot() {
        XCTAssertEqual(Dataset.batches(of: Array(0..<5), size: 2).map(Array.init), [[0, 1], [2, 3], [4]])
        XCTAssertEqual(oneHot([2, 0], classCount: 3) as Tensor<Double>, [[0, 0, 1], [1, 0, 0]])
        let tensors = LabeledTensors<Double>(data)
        XCTAssertEqual(tensors.rows([3, 0]).features, [[3], [0]])
        XCTAssertEqual(tensors.rows([3, 0]).targets, [[0, 1], [1, 0]])
        XCTAssertEqual(LabeledTensors<Double>(data, encoding: .binary).targets, Tensor(shape: [10, 1], scalars: data.labels.map(Double.init)))
        XCTAssertEqual(LabeledTensors<Double>(data, encoding: .classIndex).targets.shape, [10, 1])
    }
}
