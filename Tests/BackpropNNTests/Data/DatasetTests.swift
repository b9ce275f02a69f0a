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
}
