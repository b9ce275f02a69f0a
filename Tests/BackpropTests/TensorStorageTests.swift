import CBackpropKernels
import Foundation
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
        XCTAssertEqual(address(of: r), address(of: b), "reshape shares the scalars")
        XCTAssertEqual(r.shape, [4])
        XCTAssertEqual(b.shape, [2, 2], "the original keeps its shape")
    }

    /// The shape lives in the buffer: reshaping a tensor that holds the only reference
    /// rewrites it there; reshaping a shared one makes a view of the same scalars.
    func testReshapeOfAUniqueTensorKeepsItsBuffer() {
        let a = Tensor<Double>([1, 2, 3, 4, 5, 6])
        let before = ObjectIdentifier(a.storage.buffer)
        let b = (consume a).reshaped(to: [2, 3])
        XCTAssertEqual(ObjectIdentifier(b.storage.buffer), before)
        XCTAssertFalse(b.storage.isView)
        XCTAssertEqual(b[1, 0], 4)
    }

    func testViewsCopyBeforeWritingAndKeepTheirOwnerAlive() {
        var source: Tensor<Float>? = Tensor([1, 2, 3, 4])
        var view = source!.reshaped(to: [2, 2])
        let viewOfView = view.reshaped(to: [4, 1])
        XCTAssertTrue(view.storage.isView)
        XCTAssertEqual(address(of: viewOfView), address(of: source!))
        source![0] = 10   // the source is shared with the views: it copies first
        XCTAssertEqual(view.scalars, [1, 2, 3, 4])
        XCTAssertEqual(source!.scalars, [10, 2, 3, 4])
        let shared = address(of: view)
        view[1, 1] = 40   // a view owns no scalars: it copies first too
        XCTAssertNotEqual(address(of: view), shared)
        XCTAssertFalse(view.storage.isView)
        XCTAssertEqual(view.scalars, [1, 2, 3, 40])
        XCTAssertEqual(viewOfView.scalars, [1, 2, 3, 4])
        source = nil   // the views keep the scalars alive
        XCTAssertEqual(viewOfView.scalars, [1, 2, 3, 4])
        XCTAssertEqual(viewOfView.shape, [4, 1])
    }

    private func address<Scalar>(of t: Tensor<Scalar>) -> UnsafeRawPointer? {
        t.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
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

    /// Large tensors (at least `BP_LARGE_BUFFER_BYTES`) keep their scalars out of line; they
    /// behave like small ones: copy-on-write, equality, reshape sharing, arithmetic.
    func testLargeTensorsBehaveLikeSmallOnes() {
        let count = Int(BP_LARGE_BUFFER_BYTES) / MemoryLayout<Float>.stride + 3
        let a = Tensor<Float>(shape: [count], scalars: (0..<count).map { Float($0) })
        var b = a
        XCTAssertTrue(a.storage.buffer === b.storage.buffer)
        b.withUnsafeMutableBufferPointer { $0[count - 1] = -1 }
        XCTAssertEqual(a[count - 1], Float(count - 1), "the original is unchanged")
        XCTAssertEqual(b[count - 1], -1)
        XCTAssertNotEqual(a, b)
        let sum = a + a
        XCTAssertEqual(sum[12345], 24690)
        XCTAssertEqual(a.reshaped(to: [1, count]).scalars.count, count)
        do {  // a view of a large tensor does not hand its block back to the cache
            var view: Tensor<Float>? = a.reshaped(to: [count, 1])
            XCTAssertEqual(view!.storage.isView, true)
            view = nil
            let other = Tensor<Float>(repeating: 7, shape: [count])
            XCTAssertNotEqual(address(of: other), address(of: a))
            XCTAssertEqual(a[count - 1], Float(count - 1))
        }
        XCTAssertEqual(Tensor<Double>.zeros([count]).scalars.allSatisfy { $0 == 0 }, true)
    }

    /// The per-thread cache hands a released block of the same size back, and blocks
    /// released on another thread are fine. The reuse is checked on a new thread, whose
    /// cache is empty: the test thread's may be full after earlier tests (a full cache frees
    /// what is released, by design).
    func testLargeBlocksAreReused() {
        let bytes = Int(BP_LARGE_BUFFER_BYTES) * 2
        let addresses = UnsafeMutablePointer<Int>.allocate(capacity: 2)
        defer { addresses.deallocate() }
        let shared = Int(bitPattern: addresses)
        let done = DispatchSemaphore(value: 0)
        Thread {
            let addresses = UnsafeMutablePointer<Int>(bitPattern: shared)!
            let first = bp_buffer_allocate(bytes)!
            bp_buffer_release(first, bytes)
            addresses[0] = Int(bitPattern: first)
            addresses[1] = Int(bitPattern: bp_buffer_allocate(bytes)!)
            done.signal()
        }.start()
        done.wait()
        XCTAssertEqual(addresses[0] % 64, 0, "64-byte aligned")
        XCTAssertEqual(addresses[1], addresses[0], "reused from the cache")
        // Released on this thread, not the one that allocated it.
        bp_buffer_release(UnsafeMutableRawPointer(bitPattern: addresses[1]), bytes)
        for _ in 0..<100 {  // many tensors of several sizes, allocated and freed
            for size in [20_000, 40_000, 80_000] {
                let t = Tensor<Float>(repeating: 2, shape: [size])
                XCTAssertEqual((t * t).sum().scalar, Float(4 * size))
            }
        }
    }
}
