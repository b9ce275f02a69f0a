import Backprop
import BackpropNN
import Foundation
import XCTest

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

    // MARK: Regression, categorical columns, missing values, column choice

    func testNumericTargetsForRegression() throws {
        let table = try CSVTable(text: "x1,y,x2,z\n1,2.5,3,-1\n4,5.5,6,-2\n", source: "r.csv")
        let data = try Dataset(table: table, targets: [.name("z"), .name("y")])
        XCTAssertEqual(data.featureNames, ["x1", "x2"])
        XCTAssertEqual(data.features, [1, 3, 4, 6])
        XCTAssertEqual(data.targetNames, ["z", "y"])
        XCTAssertEqual(data.targets, [-1, 2.5, -2, 5.5])
        XCTAssertTrue(data.hasTargets)
        XCTAssertFalse(data.isLabeled)
        XCTAssertEqual(data.targetTensor(as: Double.self), [[-1, 2.5], [-2, 5.5]])
        XCTAssertEqual(data.subset([1]).targets, [-2, 5.5])
        XCTAssertEqual(data.subset([1]).lineNumbers, [3])
        let tensors = LabeledTensors<Double>(targetsOf: data)
        XCTAssertEqual(tensors.targets, [[-1, 2.5], [-2, 5.5]])
        XCTAssertEqual(tensors.labels, [])
        XCTAssertThrowsError(try Dataset(table: CSVTable(text: "x,y\n1,abc\n", source: "r.csv"), targets: [.name("y")])) { error in
            XCTAssertEqual("\(error)", "r.csv:2: column 2 ('y'): 'abc' is not a number")
        }
        XCTAssertThrowsError(try Dataset(table: CSVTable(text: "x,y\n1,\n", source: "r.csv"), targets: [.name("y")])) { error in
            XCTAssertEqual("\(error)", "r.csv:2: column 2 ('y'): the target is empty")
        }
    }

    func testAContinuousLabelIsRefusedWithAHint() throws {
        let fractions = try CSVTable(text: "x,y\n1,0.5\n2,1.5\n3,0.5\n", source: "c.csv")
        XCTAssertThrowsError(try Dataset(table: fractions, label: .name("y"))) { error in
            XCTAssertTrue("\(error)".hasPrefix("c.csv: column 2 ('y'): the label column looks continuous (non-integer values such as '0.5')"), "\(error)")
            XCTAssertTrue("\(error)".contains("--task regression"), "\(error)")
        }
        // 214 distinct integers in 442 rows (the diabetes target), but 10 digits in 100 rows are classes.
        let many = "x,y\n" + (0..<442).map { "\($0),\(25 + $0 % 214)\n" }.joined()
        XCTAssertThrowsError(try Dataset(table: CSVTable(text: many), label: .name("y"))) { error in
            XCTAssertTrue("\(error)".contains("214 distinct numbers in 442 rows"), "\(error)")
        }
        let digits = "x,y\n" + (0..<100).map { "\($0),\($0 % 10)\n" }.joined()
        XCTAssertEqual(try Dataset(table: CSVTable(text: digits), label: .name("y")).classCount, 10)
        let allowed = try Dataset(table: fractions, label: .name("y"), options: DatasetReadingOptions(allowsContinuousLabels: true))
        XCTAssertEqual(allowed.classNames, ["0.5", "1.5"])
        XCTAssertEqual(allowed.continuousLabelEvidence, "non-integer values such as '0.5'")
    }

    func testAnEmptyLabelIsRefusedOrItsRowDropped() throws {
        let table = try CSVTable(text: "x,label\n1,a\n2, \n3,b\n", source: "e.csv")
        XCTAssertThrowsError(try Dataset(table: table, label: .name("label"))) { error in
            XCTAssertEqual("\(error)", "e.csv:3: column 2 ('label'): the label is empty")
        }
        let dropped = try Dataset(table: table, label: .name("label"), options: DatasetReadingOptions(missingValues: .drop))
        XCTAssertEqual(dropped.features, [1, 3])
        XCTAssertEqual(dropped.labels, [0, 1])
        XCTAssertEqual(dropped.lineNumbers, [2, 4])
    }

    func testTextColumnsAreOneHotEncoded() throws {
        let table = try CSVTable(text: "size,color,label\n1,red,a\n2,blue,b\n3,red,a\n4,green,b\n", source: "k.csv")
        XCTAssertThrowsError(try Dataset(table: table, label: .name("label"))) { error in
            XCTAssertEqual("\(error)", "k.csv:2: column 2 ('color'): 'red' is not a number", "numbers only by default")
        }
        let options = DatasetReadingOptions(readsCategoricalColumns: true)
        let data = try Dataset(table: table, label: .name("label"), options: options)
        XCTAssertEqual(data.columns, [FeatureColumn(name: "size"), FeatureColumn(name: "color", categories: ["blue", "green", "red"])])
        XCTAssertEqual(data.featureNames, ["size", "color=blue", "color=green", "color=red"])
        XCTAssertEqual(data.features, [1, 0, 0, 1, 2, 1, 0, 0, 3, 0, 0, 1, 4, 0, 1, 0])
        // A model's columns: read by name in its order, other columns ignored, unseen categories named.
        let later = try CSVTable(text: "label,extra,color,size\nb,x,green,5\na,y,purple,6\n", source: "p.csv")
        let fixed = DatasetReadingOptions(columns: data.columns)
        XCTAssertThrowsError(try Dataset(table: later, label: .name("label"), classNames: data.classNames, options: fixed)) { error in
            XCTAssertEqual("\(error)", "p.csv:3: column 3 ('color'): category 'purple' was not seen in training (the model knows blue, green, red)")
        }
        let known = try Dataset(table: CSVTable(text: "label,extra,color,size\nb,x,green,5\n"), label: .name("label"),
                                classNames: data.classNames, options: fixed)
        XCTAssertEqual(known.features, [5, 0, 1, 0])
        XCTAssertEqual(known.featureNames, data.featureNames)
        // Numbers and text in one column are still an error at the first text.
        XCTAssertThrowsError(try Dataset(table: CSVTable(text: "a,label\n1,x\noops,y\n", source: "m.csv"), label: .name("label"), options: options)) { error in
            XCTAssertEqual("\(error)", "m.csv:3: column 1 ('a'): 'oops' is not a number")
        }
    }

    func testMissingValuesByPolicy() throws {
        let table = try CSVTable(text: "a,b,label\n1,NA,x\n,4,y\n5,6,x\n7,8,y\n", source: "n.csv")
        XCTAssertThrowsError(try Dataset(table: table, label: .name("label"))) { error in
            XCTAssertEqual("\(error)", "n.csv:2: column 2 ('b'): 'NA' is not a number")
        }
        let dropped = try Dataset(table: table, label: .name("label"), options: DatasetReadingOptions(missingValues: .drop))
        XCTAssertEqual(dropped.features, [5, 6, 7, 8])
        XCTAssertEqual(dropped.lineNumbers, [4, 5])
        let kept = try Dataset(table: table, label: .name("label"), options: DatasetReadingOptions(missingValues: .mean))
        XCTAssertEqual(kept.count, 4)
        XCTAssertTrue(kept.hasMissingValues)
        let training = kept.subset([0, 1, 2])  // the means of the training rows only
        let means = training.missingValueMeans()
        XCTAssertEqual(means, [(1.0 + 5) / 2, (4.0 + 6) / 2])
        let filled = kept.fillingMissingValues(with: means)
        XCTAssertEqual(filled.features, [1, 5, 3, 4, 5, 6, 7, 8])
        XCTAssertFalse(filled.hasMissingValues)
        // A missing category under `mean` becomes the training frequencies of its categories.
        let categories = try Dataset(table: CSVTable(text: "c,label\nu,x\nv,y\nu,x\n,y\n"), label: .name("label"),
                                     options: DatasetReadingOptions(missingValues: .mean, readsCategoricalColumns: true))
        let frequencies = categories.missingValueMeans()
        XCTAssertEqual(frequencies, [2.0 / 3, 1.0 / 3])
        XCTAssertEqual(Array(categories.fillingMissingValues(with: frequencies).features.suffix(2)), frequencies)
    }

    func testFeaturesAndDroppedColumns() throws {
        let table = try CSVTable(text: ",a,b,c,label\n0,1,2,3,x\n1,4,5,6,y\n", source: "f.csv")
        let chosen = try Dataset(table: table, label: .name("label"), options: DatasetReadingOptions(features: [.name("c"), .name("a")]))
        XCTAssertEqual(chosen.featureNames, ["c", "a"])
        XCTAssertEqual(chosen.features, [3, 1, 6, 4])
        let dropped = try Dataset(table: table, label: .name("label"), options: DatasetReadingOptions(dropped: [.index(0), .name("b")]))
        XCTAssertEqual(dropped.featureNames, ["a", "c"])
        XCTAssertEqual(dropped.features, [1, 3, 4, 6])
        XCTAssertThrowsError(try Dataset(table: table, label: .name("label"), options: DatasetReadingOptions(features: [.name("label")]))) { error in
            XCTAssertEqual("\(error)", "f.csv: column 5 ('label'): the column is both a feature and the label or a target")
        }
    }

    /// Large tables are read in blocks of rows (on several threads): the rows keep their
    /// order, and the first bad field in the file is the one reported.
    func testLargeTablesKeepRowOrderAndTheFirstError() throws {
        let rows = 30_000
        func csv(_ field: (Int) -> String) -> String {
            "x,y,label\n" + (0..<rows).map { "\($0),\(field($0)),c\($0 % 3)\n" }.joined()
        }
        let data = try Dataset(table: CSVTable(text: csv { "\(-$0)" }), label: .name("label"))
        XCTAssertEqual(data.features, (0..<rows).flatMap { [Double($0), Double(-$0)] })
        XCTAssertEqual(data.labels, (0..<rows).map { $0 % 3 })
        let broken = csv { $0 == 25_000 ? "text" : $0 == 20_000 || $0 == 29_000 ? "" : "\($0)" }
        XCTAssertThrowsError(try Dataset(table: CSVTable(text: broken, source: "b.csv"), label: .name("label"))) { error in
            XCTAssertEqual("\(error)", "b.csv:20002: column 2 ('y'): the field is empty, expected a number")
        }
        let dropped = try Dataset(table: CSVTable(text: broken.replacingOccurrences(of: "text", with: "")), label: .name("label"),
                                  options: DatasetReadingOptions(missingValues: .drop))
        XCTAssertEqual(dropped.count, rows - 3)
        XCTAssertEqual(dropped.lineNumbers.prefix(3), [2, 3, 4])
        XCTAssertFalse(dropped.lineNumbers.contains(20_002))
    }
}
