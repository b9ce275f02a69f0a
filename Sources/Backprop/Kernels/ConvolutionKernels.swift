import CBackpropKernels

// The three convolution kernels: the forward product y = x ⋆ w, the input gradient (the
// transposed convolution of an output gradient with the kernel) and the weight gradient (the
// correlation of the input with an output gradient). Layout NCHW, weights OIHW; a 1-D
// convolution runs here with a height of 1.
//
// Each image is lowered to a matrix (im2col): row (c, kh, kw), column (oh, ow) holds the
// input pixel the kernel tap (kh, kw) of channel c meets at output position (oh, ow), or 0
// in the padding. Then, per image and group, with K = channels per group · kernel taps and
// P = output positions:
//   forward          Y[n, g]  = W[g] (Cout/G × K) · col (K × P)
//   input gradient   dcol     = W[g]ᵀ · δY[n, g], scattered back onto the image (col2im)
//   weight gradient  ∇W[g]   += δY[n, g] (Cout/G × P) · colᵀ
// The batch is split into one chunk of images per core on the GEMM's worker pool when the
// work is large enough; each chunk lowers into its own scratch block (one image at a
// time, so scratch is bounded by K · P per chunk and comes from the per-thread block
// cache, reused from step to step). A 1×1 kernel with stride 1 and no padding needs no
// lowering: the image is the matrix.

/// A 2-D convolution's stride, dilation, groups and padding, the padding resolved to zeros
/// before and after each spatial axis.
@usableFromInline
internal struct ConvolutionParameters: Hashable, Sendable {
    @usableFromInline var strideY, strideX, dilationY, dilationX, groups: Int
    @usableFromInline var padTop, padBottom, padLeft, padRight: Int

    @inlinable
    init(
        stride: Size2D, dilation: Size2D, groups: Int,
        padding: (top: Int, bottom: Int, left: Int, right: Int)
    ) {
        (strideY, strideX, dilationY, dilationX, self.groups) =
            (stride.height, stride.width, dilation.height, dilation.width, groups)
        (padTop, padBottom, padLeft, padRight) = padding
    }

    @inlinable var stride: [Int] { [strideY, strideX] }
    @inlinable var dilation: [Int] { [dilationY, dilationX] }
    @inlinable var padding: [(before: Int, after: Int)] { [(padTop, padBottom), (padLeft, padRight)] }

    /// The output shape of the convolution of `input` with `weight`, or a stop naming `op`.
    @inlinable
    func outputShape(
        input: TensorShape, weight: TensorShape, op: String, file: StaticString, line: UInt
    ) -> TensorShape {
        Shapes.convolution(
            input: input, weight: weight, stride: stride, padding: padding, dilation: dilation,
            groups: groups, op: op
        ).orFail(file: file, line: line)
    }
}

/// The sizes of one 2-D convolution of an input [batch, inChannels, inHeight, inWidth] with a
/// weight [outChannels, inChannels / groups, kernelHeight, kernelWidth] (shapes already
/// checked by ``Shapes/convolution(input:weight:stride:padding:dilation:groups:op:)``).
@usableFromInline
internal struct ConvolutionGeometry {
    @usableFromInline let p: ConvolutionParameters
    @usableFromInline let batch, inChannels, inHeight, inWidth: Int
    @usableFromInline let outChannels, kernelHeight, kernelWidth, outHeight, outWidth: Int

    @inlinable
    init(input: TensorShape, weight: TensorShape, output: TensorShape, _ p: ConvolutionParameters) {
        self.p = p
        (batch, inChannels, inHeight, inWidth) = (input[0], input[1], input[2], input[3])
        (outChannels, kernelHeight, kernelWidth) = (weight[0], weight[2], weight[3])
        (outHeight, outWidth) = (output[2], output[3])
    }

    @inlinable var inputShape: TensorShape { [batch, inChannels, inHeight, inWidth] }
    @inlinable var weightShape: TensorShape {
        [outChannels, inChannels / p.groups, kernelHeight, kernelWidth]
    }
    @inlinable var outputShape: TensorShape { [batch, outChannels, outHeight, outWidth] }
    /// Input and output channels per group.
    @inlinable var groupInChannels: Int { inChannels / p.groups }
    @inlinable var groupOutChannels: Int { outChannels / p.groups }
    /// K: the rows of an image's lowered matrix (channels per group × kernel taps).
    @inlinable var columnRows: Int { groupInChannels * kernelHeight * kernelWidth }
    /// P: output positions per image.
    @inlinable var positions: Int { outHeight * outWidth }
    @inlinable var imageSize: Int { inChannels * inHeight * inWidth }
    /// Whether the image is its own lowered matrix (1×1 kernel, stride 1, no padding).
    @inlinable var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && p.strideY == 1 && p.strideX == 1
            && p.padTop == 0 && p.padBottom == 0 && p.padLeft == 0 && p.padRight == 0
    }

    /// How many chunks of images to run in parallel: one per core once an image chunk has
    /// enough multiply-adds to pay for waking a worker, else 1.
    @inlinable var chunkCount: Int {
        let multiplyAdds = Double(batch) * Double(outChannels) * Double(positions) * Double(columnRows)
        guard batch > 1, multiplyAdds >= 1e6 else { return 1 }
        return Swift.min(Int(bp_cpu_count()), batch)
    }

    /// Lowers group `g` of one image into `columns` (K × P) when `gathering`, or adds
    /// `columns` back onto the image where each entry came from (col2im) otherwise: through
    /// `table` (``loweringTable()``) when there is one, else row by row.
    @inlinable
    func lower<Scalar: TensorScalar>(
        image: UnsafeMutablePointer<Scalar>, columns: UnsafeMutablePointer<Scalar>, group g: Int,
        gathering: Bool, table: UnsafeBufferPointer<Int32>?
    ) {
        let (h, w, outW, sX) = (inHeight, inWidth, outWidth, p.strideX)
        let taps = kernelHeight * kernelWidth
        if let table {
            let planes = image + g * groupInChannels * h * w
            if gathering {
                for (i, t) in table.enumerated() { columns[i] = t >= 0 ? planes[Int(t)] : 0 }
            } else {
                for (i, t) in table.enumerated() where t >= 0 { planes[Int(t)] += columns[i] }
            }
            return
        }
        for c in 0..<groupInChannels {
            let plane = image + (g * groupInChannels + c) * h * w
            for kh in 0..<kernelHeight {
                for kw in 0..<kernelWidth {
                    let row = columns + (c * taps + kh * kernelWidth + kw) * positions
                    // Input column of output column ow: ow·sX + offset; valid for lo ≤ ow < hi.
                    let offset = kw * p.dilationX - p.padLeft
                    let lo = offset >= 0 ? 0 : Swift.min(outW, (sX - 1 - offset) / sX)
                    let hi = Swift.max(lo, offset >= w ? 0 : Swift.min(outW, (w - 1 - offset) / sX + 1))
                    for oh in 0..<outHeight {
                        let ih = oh * p.strideY - p.padTop + kh * p.dilationY
                        let out = row + oh * outW
                        guard ih >= 0 && ih < h else {
                            if gathering { for ow in 0..<outW { out[ow] = 0 } }
                            continue
                        }
                        let source = plane + ih * w + offset
                        // Plain loops: rows are short (a few to a few dozen columns), where
                        // calls to memset / memmove cost more than the copy.
                        if gathering {
                            for ow in 0..<lo { out[ow] = 0 }
                            if sX == 1 {
                                for ow in lo..<hi { out[ow] = source[ow] }
                            } else {
                                for ow in lo..<hi { out[ow] = source[ow * sX] }
                            }
                            for ow in hi..<outW { out[ow] = 0 }
                        } else if sX == 1 {
                            for ow in lo..<hi { source[ow] += out[ow] }
                        } else {
                            for ow in lo..<hi { source[ow * sX] += out[ow] }
                        }
                    }
                }
            }
        }
    }

    /// For a small lowered matrix (small images, where the loops over short rows cost more
    /// than the copying): where each of its entries comes from, an offset in the group's
    /// planes or −1 for padding, made once per call and used for every image and group. `nil`
    /// for a large matrix (a table as large as the matrix would cost more than the loops
    /// save), for fewer than 16 images and groups (making the table costs about as much as
    /// lowering one image by rows), or for a pointwise convolution.
    @inlinable
    func loweringTable() -> [Int32]? {
        let count = columnRows * positions
        guard !isPointwise, count <= 1 << 15, batch * p.groups >= 16 else { return nil }
        var table = [Int32](repeating: -1, count: count)
        let taps = kernelHeight * kernelWidth
        for c in 0..<groupInChannels {
            for kh in 0..<kernelHeight {
                for kw in 0..<kernelWidth {
                    let row = (c * taps + kh * kernelWidth + kw) * positions
                    for oh in 0..<outHeight {
                        let ih = oh * p.strideY - p.padTop + kh * p.dilationY
                        guard ih >= 0 && ih < inHeight else { continue }
                        for ow in 0..<outWidth {
                            let iw = ow * p.strideX - p.padLeft + kw * p.dilationX
                            if iw >= 0 && iw < inWidth {
                                table[row + oh * outWidth + ow] = Int32((c * inHeight + ih) * inWidth + iw)
                            }
                        }
                    }
                }
            }
        }
        return table
    }

    /// Runs `body(images, columns, table)` for each chunk of images, `columns` a scratch block
    /// of K · P scalars (nil for a pointwise convolution, which needs none) and `table` the
    /// ``loweringTable()``, on the worker pool
    /// when there is more than one chunk. `threads` tells the GEMM how many threads it may
    /// use: all when the batch is not split, else 1.
    @inlinable
    func forEachChunk<Scalar: TensorScalar>(
        _ type: Scalar.Type,
        _ body: (
            _ chunk: Int, _ images: Range<Int>, _ columns: UnsafeMutablePointer<Scalar>?,
            _ table: UnsafeBufferPointer<Int32>?, _ threads: Int
        ) -> Void
    ) {
        let chunks = chunkCount
        let scratchCount = isPointwise ? 0 : columnRows * positions
        let bytes = Swift.max(scratchCount * MemoryLayout<Scalar>.stride, 64)
        var blocks: [UnsafeMutableRawPointer] = []
        for _ in 0..<chunks {
            guard let block = bp_buffer_allocate(bytes) else {
                fatalError("convolution: out of memory for \(bytes) bytes of scratch")
            }
            blocks.append(block)
        }
        defer { for block in blocks { bp_buffer_release(block, bytes) } }
        let threads = chunks == 1 ? 0 : 1
        let table = loweringTable()
        func run(_ table: UnsafeBufferPointer<Int32>?) {
            parallelFor(chunks) { chunk in
                let images = (batch * chunk / chunks)..<(batch * (chunk + 1) / chunks)
                let columns = scratchCount == 0 ? nil : blocks[chunk].assumingMemoryBound(to: Scalar.self)
                body(chunk, images, columns, table, threads)
            }
        }
        if let table { table.withUnsafeBufferPointer { run($0) } } else { run(nil) }
    }

    /// Group `g` of image `n` of x as the K × P matrix of the products: lowered into
    /// `columns`, or the image itself when the convolution is pointwise (`columns` nil).
    @inlinable
    func loweredMatrix<Scalar: TensorScalar>(
        _ x: UnsafePointer<Scalar>, image n: Int, group g: Int, columns: UnsafeMutablePointer<Scalar>?,
        table: UnsafeBufferPointer<Int32>?
    ) -> UnsafePointer<Scalar> {
        let image = UnsafeMutablePointer(mutating: x) + n * imageSize
        guard let columns else { return UnsafePointer(image + g * groupInChannels * positions) }
        lower(image: image, columns: columns, group: g, gathering: true, table: table)
        return UnsafePointer(columns)
    }

    /// y = x ⋆ w (+ b per output channel), y of ``outputShape``.
    @inlinable
    func forward<Scalar: TensorScalar>(
        x: UnsafePointer<Scalar>, w: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>?,
        y: UnsafeMutablePointer<Scalar>
    ) {
        let (k, np, oc) = (columnRows, positions, groupOutChannels)
        forEachChunk(Scalar.self) { _, images, columns, table, threads in
            for n in images {
                for g in 0..<p.groups {
                    let matrix = loweredMatrix(x, image: n, group: g, columns: columns, table: table)
                    Scalar.gemm(
                        transposeA: false, transposeB: false, m: oc, n: np, k: k, alpha: 1,
                        a: w + g * oc * k, lda: k, b: matrix, ldb: np, beta: 0,
                        c: y + (n * outChannels + g * oc) * np, ldc: np, threads: threads)
                }
                if let bias {
                    for c in 0..<outChannels {
                        let row = y + (n * outChannels + c) * np
                        let b = bias[c]
                        for i in 0..<np { row[i] += b }
                    }
                }
            }
        }
    }

    /// ∂L/∂x from δ = ∂L/∂y: the transposed convolution Σ over the kernel taps of δ times
    /// the weight, written into `gx` (of ``inputShape``, overwritten).
    @inlinable
    func inputGradient<Scalar: TensorScalar>(
        gy: UnsafePointer<Scalar>, w: UnsafePointer<Scalar>, gx: UnsafeMutablePointer<Scalar>
    ) {
        let (k, np, oc) = (columnRows, positions, groupOutChannels)
        forEachChunk(Scalar.self) { _, images, columns, table, threads in
            for n in images {
                let image = gx + n * imageSize
                if columns != nil { image.update(repeating: 0, count: imageSize) }
                for g in 0..<p.groups {
                    let target = columns ?? image + g * groupInChannels * np
                    Scalar.gemm(
                        transposeA: true, transposeB: false, m: k, n: np, k: oc, alpha: 1,
                        a: w + g * oc * k, lda: k, b: gy + (n * outChannels + g * oc) * np, ldb: np,
                        beta: 0, c: target, ldc: np, threads: threads)
                    if let columns { lower(image: image, columns: columns, group: g, gathering: false, table: table) }
                }
            }
        }
    }

    /// ∂L/∂w from the input x and δ = ∂L/∂y: Σ over images and positions of δ times the
    /// input patch, written into `gw` (of ``weightShape``, overwritten).
    @inlinable
    func weightGradient<Scalar: TensorScalar>(
        x: UnsafePointer<Scalar>, gy: UnsafePointer<Scalar>, gw: UnsafeMutablePointer<Scalar>
    ) {
        let (k, np, oc) = (columnRows, positions, groupOutChannels)
        let weights = outChannels * k
        let chunks = chunkCount
        // Chunk 0 sums into gw, the others into partial sums added at the end.
        let partials = UnsafeMutablePointer<Scalar>.allocate(capacity: Swift.max(weights * (chunks - 1), 1))
        defer { partials.deallocate() }
        gw.update(repeating: 0, count: weights)
        if chunks > 1 { partials.update(repeating: 0, count: weights * (chunks - 1)) }
        forEachChunk(Scalar.self) { chunk, images, columns, table, threads in
            let sums = chunk == 0 ? gw : partials + (chunk - 1) * weights
            for n in images {
                for g in 0..<p.groups {
                    let matrix = loweredMatrix(x, image: n, group: g, columns: columns, table: table)
                    Scalar.gemm(
                        transposeA: false, transposeB: true, m: oc, n: k, k: np, alpha: 1,
                        a: gy + (n * outChannels + g * oc) * np, lda: np, b: matrix, ldb: np,
                        beta: 1, c: sums + g * oc * k, ldc: k, threads: threads)
                }
            }
        }
        for chunk in 1..<Swift.max(chunks, 1) {
            let partial = partials + (chunk - 1) * weights
            for i in 0..<weights { gw[i] += partial[i] }
        }
    }
}

extension Tensor {
    /// A tensor of `shape` whose scalars `body` writes (all of them) from the scalars of `a`
    /// and `b`: (a, b, result).
    @inlinable
    internal static func filled(
        _ shape: TensorShape, reading a: Tensor, _ b: Tensor,
        _ body: (UnsafePointer<Scalar>, UnsafePointer<Scalar>, UnsafeMutablePointer<Scalar>) -> Void
    ) -> Tensor {
        Tensor(shape: shape, count: Shapes.count(shape)) { out in
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in body(pa.baseAddress!, pb.baseAddress!, out) }
            }
        }
    }
}
