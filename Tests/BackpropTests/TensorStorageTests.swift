import XCTest

@testable import Backprop

/// The copy-on-write buffer behind `Tensor` (Sources/Backprop/Tensor/TensorStorage.swift).
final class TensorStorageTests: XCTestCase {
    func testCopiesShareUntilOneWrites() {
        let a: Tensor<Float> = [[1, 2], [3, 4]]
        var b = a
        XCTAssertTrue(a.storage.buffer === b.storage.buffer, "a copy shares the buffer")
        b.withUnsafeMutableBufferPointer { $0[3] = 40 }
        XCTAssertFalse(a.storage.buffer === b.storage.buffer, "writing copied it first")
        XCTAssertEqual(a.scalars, [1, 2, 3, 4])
        XCTAssertEqual(b.scalars, [1, 2, 3, 40])
        let r = b.reshaped(to: [4])
        XCTAssertTrue(r.storage.buffer === b.storage.buffer, "reshape shares the scalars")
    }

    func testUniqueBufferIsWrittenInPlace() {
        var a = Tensor<Double>(repeating: 1, shape: [3])
        let before = ObjectIdentifier(a.storage.buffer)
        a.addScaled(Tensor([1, 2, 3]), by: 2)
        XCTAssertEqual(ObjectIdentifier(a.storage.buffer), before)
        XCTAssertEqual(a.scalars, [3, 5, 7])
    }

    func testEmptyEqualityAndHashing() {
        let empty = Tensor<Double>(shape: [0, 3], scalars: [])
        XCTAssertEqual(empty.count, 0)
        XCTAssertEqual(empty.scalars, [])
        XCTAssertEqual(empty, Tensor(shape: [0, 3], scalars: []))
        let a = Tensor<Double>([1, 2, 3])
        let b = Tensor<Double>([1, 2, 3])
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.hashValue, b.hashValue)
        XCTAssertNotEqual(a, Tensor([1, 2, 4]))
        XCTAssertNotEqual(a, a.reshaped(to: [3, 1]), "equal scalars, different shapes")
    }

    func testScalarsSetterReplacesTheBuffer() {
        var a = Tensor<Float>([1, 2])
        let b = a
        a.scalars = [5, 6]
        XCTAssertEqual(a.scalars, [5, 6])
        XCTAssertEqual(b.scalars, [1, 2])
    }
}
