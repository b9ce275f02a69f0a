import Backprop

// The conformance entries of the convolution, pooling and batch-normalisation ops (layout
// NCHW, weights OIHW): several shapes each, with stride > 1, dilation, groups (depthwise
// included), explicit, asymmetric and "same" padding, odd sizes, and the second-order check
// (max pooling's derivative is piecewise constant: its second derivative, zero away from
// ties, is checked too).

extension OpInfo {
    static var convolutionEntries: [OpInfo] {
        /// An entry whose samples are given with their expected output shapes (worked out
        /// from the shape rule by hand, so the kit's shape check can fail).
        func conv(
            _ name: String, _ cases: [([TensorShape], TensorShape)],
            _ f: @escaping @Sendable ([Variable<Scalar>]) -> Variable<Scalar>
        ) -> OpInfo {
            OpInfo(name: name, samples: cases.map(\.0), outputShape: { shapes in
                cases.first { $0.0 == shapes }?.1 ?? []
            }, f)
        }
        return [
            conv("conv2d padding 1 with bias", [([[2, 3, 5, 4], [4, 3, 3, 3], [4]], [2, 4, 5, 4]), ([[1, 1, 3, 3], [2, 1, 3, 3], [2]], [1, 2, 3, 3])]) {
                $0[0].conv2d(weight: $0[1], bias: $0[2], padding: 1)
            },
            conv("conv2d stride 2 dilation 2 asymmetric padding", [([[1, 2, 7, 6], [3, 2, 2, 3]], [1, 3, 3, 7])]) {
                $0[0].conv2d(
                    weight: $0[1], stride: Size2D(height: 2, width: 1),
                    padding: .explicit(top: 1, bottom: 0, left: 2, right: 1), dilation: Size2D(height: 2, width: 1))
            },
            conv("conv2d groups 2 stride 2", [([[2, 4, 5, 5], [6, 2, 3, 3], [6]], [2, 6, 3, 3])]) {
                $0[0].conv2d(weight: $0[1], bias: $0[2], stride: 2, padding: 1, groups: 2)
            },
            conv("conv2d depthwise same", [([[1, 3, 5, 6], [3, 1, 3, 2]], [1, 3, 5, 6])]) {
                $0[0].conv2d(weight: $0[1], padding: .same, groups: 3)
            },
            conv("conv2d pointwise", [([[2, 3, 2, 3], [2, 3, 1, 1]], [2, 2, 2, 3])]) { $0[0].conv2d(weight: $0[1]) },
            conv("conv1d stride 2 dilation 2", [([[2, 3, 9], [4, 3, 3], [4]], [2, 4, 4]), ([[1, 2, 6], [2, 1, 2], [2]], [1, 2, 3])]) {
                $0[0].conv1d(weight: $0[1], bias: $0[2], stride: 2, padding: 1, dilation: 2, groups: $0[0].shape[1] / $0[1].shape[1])
            },
            conv("conv2dTransposed stride 2 output padding 1", [([[2, 4, 3, 3], [4, 3, 3, 3], [3]], [2, 3, 6, 6])]) {
                $0[0].conv2dTransposed(weight: $0[1], bias: $0[2], stride: 2, padding: 1, outputPadding: 1)
            },
            conv("conv2dTransposed groups 2 dilation 2", [([[1, 4, 4, 3], [4, 1, 2, 2]], [1, 2, 6, 5])]) {
                $0[0].conv2dTransposed(weight: $0[1], dilation: 2, groups: 2)
            },
            conv("maxPool2d", [([[2, 3, 6, 5]], [2, 3, 3, 2]), ([[1, 2, 4, 4]], [1, 2, 2, 2])]) { $0[0].maxPool2d(kernelSize: 2) },
            conv("maxPool2d overlapping padded", [([[1, 2, 5, 5]], [1, 2, 3, 3])]) {
                $0[0].maxPool2d(kernelSize: 3, stride: 2, padding: 1)
            },
            conv("avgPool2d", [([[2, 3, 6, 5]], [2, 3, 3, 2])]) { $0[0].avgPool2d(kernelSize: 2) },
            conv("avgPool2d overlapping padded", [([[1, 2, 5, 7]], [1, 2, 3, 8])]) {
                $0[0].avgPool2d(kernelSize: Size2D(height: 3, width: 2), stride: Size2D(height: 2, width: 1), padding: 1)
            },
            conv("globalAveragePool", [([[2, 3, 4, 5]], [2, 3]), ([[3, 2, 7]], [3, 2])]) { $0[0].globalAveragePool() },
            conv("flattened", [([[2, 3, 4]], [2, 12]), ([[2, 3, 2, 2]], [2, 12])]) { $0[0].flattened() },
            OpInfo(
                name: "batchNormalized batch statistics",
                samples: [[[5, 3], [3], [3]], [[2, 3, 2, 3], [3], [3]]],
                outputShape: same
            ) { $0[0].batchNormalized(scale: $0[1], offset: $0[2]).output },
            OpInfo(
                name: "batchNormalized running statistics", samples: [[[4, 3], [3], [3]], [[2, 2, 3, 1], [2], [2]]],
                outputShape: same
            ) { x in
                let channels = x[1].shape[0]
                let mean = Tensor<Scalar>((0..<channels).map { Scalar($0) * 0.25 - 0.2 })
                let variance = Tensor<Scalar>((0..<channels).map { Scalar($0) * 0.5 + 0.7 })
                return x[0].batchNormalized(scale: x[1], offset: x[2], mean: mean, variance: variance)
            },
        ]
    }
}
