import Backprop

/// A layer that derives the gradients of its parameters for every sample of a batch from
/// one backward pass, given what that pass computes anyway: the layer's input and output
/// values and the gradient of the summed per-sample losses with respect to its output.
///
/// When each sample's loss depends on its own row only, row n of that output gradient is
/// ∂Lₙ/∂yₙ, so a layer whose parameters act on each row separately can form sample n's
/// parameter gradient from row n of its input and of that gradient. ``Dense`` does (the
/// outer product ∇Wₙ = xₙᵀ δₙ, ∇bₙ = δₙ); a convolution layer conforms the same way (its
/// kernel gradient per sample from the sample's input patches and output gradient), and any
/// layer of your own can. Layers with parameters that do not conform make
/// ``perSampleGradients(of:input:target:loss:file:line:)`` fall back to one backward pass
/// per sample.
public protocol PerSampleGradientRule<Scalar>: Layer {
    /// The gradient of each parameter for each sample, in the order of ``Layer/namedParameters``:
    /// for a batch of n samples, parameter p's has shape `[n] + p.shape`.
    ///
    /// - Parameters:
    ///   - input: The layer's input in the forward pass, `[n, …]`.
    ///   - output: The layer's output in that pass, `[n, …]`.
    ///   - outputGradient: The gradient of the summed per-sample losses with respect to the
    ///     output; row k belongs to sample k.
    func perSampleGradients(
        input: Tensor<Scalar>, output: Tensor<Scalar>, outputGradient: Tensor<Scalar>
    ) -> [Tensor<Scalar>]
}

extension Dense: PerSampleGradientRule {
    /// δ = ∇y ⊙ f′ (from the output), then per sample ∇Wₙ = xₙᵀ δₙ (`[n, input, output]`)
    /// and ∇bₙ = δₙ (`[n, output]`).
    public func perSampleGradients(
        input: Tensor<Scalar>, output: Tensor<Scalar>, outputGradient: Tensor<Scalar>
    ) -> [Tensor<Scalar>] {
        var delta = outputGradient
        activation.applyGradient(to: &delta, fromOutput: output)
        let (samples, inputs, outputs) = (input.shape[0], inputSize, outputSize)
        var weight = Tensor<Scalar>.zeros([samples, inputs, outputs])
        weight.withUnsafeMutableBufferPointer { w in
            input.withUnsafeBufferPointer { x in
                delta.withUnsafeBufferPointer { d in
                    for n in 0..<samples {
                        for i in 0..<inputs {
                            let (xi, row) = (x[n * inputs + i], (n * inputs + i) * outputs)
                            for j in 0..<outputs { w[row + j] = xi * d[n * outputs + j] }
                        }
                    }
                }
            }
        }
        return [weight, delta]
    }
}

extension Convolution: PerSampleGradientRule {
    /// δ = ∇y ⊙ f′ (from the output), then per sample ∇Wₙ = the correlation of xₙ with δₙ
    /// (`[n] + weight.shape`) and ∇bₙ = δₙ summed over the positions (`[n, outChannels]`).
    ///
    /// All samples' kernel gradients come from one weight gradient: the batch laid side by
    /// side as the channel groups of one image ([1, n·C, …]) convolved with n·groups groups
    /// has kernel [n·O, C/groups, …], and group block k of its weight gradient is the
    /// correlation of sample k's input with sample k's δ.
    public func perSampleGradients(
        input: Tensor<Scalar>, output: Tensor<Scalar>, outputGradient: Tensor<Scalar>
    ) -> [Tensor<Scalar>] {
        var delta = outputGradient
        configuration.activation.applyGradient(to: &delta, fromOutput: output)
        let samples = input.shape[0]
        var stacked = configuration
        (stacked.inChannels, stacked.outChannels, stacked.groups) =
            (configuration.inChannels * samples, configuration.outChannels * samples, configuration.groups * samples)
        (stacked.usesBias, stacked.activation) = (false, .identity)
        let sideBySide = { (t: Tensor<Scalar>) in
            Variable(t.reshaped(to: TensorShape([1, t.shape[0] * t.shape[1]] + t.shape.dropFirst(2))))
        }
        let kernel = Variable(Tensor<Scalar>.zeros(Kind.weightShape(stacked)), requiresGradient: true)
        let weightGradient = withGradients {
            let y = Kind.apply(sideBySide(input), weight: kernel, bias: nil, stacked)
            return gradients(of: (y * sideBySide(delta)).sum(), withRespectTo: [kernel])[0]
        }
        let perSample = weightGradient.reshaped(to: TensorShape([samples] + weight.shape))
        guard bias != nil else { return [perSample] }
        let biases = delta.reshaped(to: [samples, delta.shape[1], Shapes.count(delta.shape.dropFirst(2))])
            .sum(alongAxis: 2)
        return [perSample, biases]
    }
}

/// The gradient of every sample's loss with respect to each parameter of a model: what
/// differentially private SGD clips and what influence functions compare.
///
/// Each gradient has shape `[samples] + parameter.shape`, in the order of the model's
/// ``Layer/namedParameters``.
public struct PerSampleGradients<Scalar: TensorScalar> {
    /// The parameter names (``Layer/namedParameters``).
    public let names: [String]
    /// One tensor per parameter, `[samples] + parameter.shape`.
    public let gradients: [Tensor<Scalar>]
    /// The number of samples.
    public let sampleCount: Int

    /// The per-sample gradients of the parameter called `name`.
    ///
    /// - Precondition: the model has a parameter of that name.
    public subscript(name: String) -> Tensor<Scalar> {
        guard let i = names.firstIndex(of: name) else {
            misuseFailure("PerSampleGradients: no parameter named '\(name)' (\(names.joined(separator: ", ")))")
        }
        return gradients[i]
    }

    /// The Euclidean norm of each sample's whole gradient (all parameters together).
    public var norms: [Scalar] {
        var squares = [Scalar](repeating: 0, count: sampleCount)
        for g in gradients {
            let width = g.count / max(sampleCount, 1)
            g.withUnsafeBufferPointer { values in
                for n in 0..<sampleCount {
                    for v in values[(n * width)..<((n + 1) * width)] { squares[n] += v * v }
                }
            }
        }
        return squares.map { $0.squareRoot() }
    }

    /// The sum over samples of each gradient scaled to norm at most `maxNorm`:
    /// Σₙ gₙ · min(1, maxNorm / ‖gₙ‖), one tensor per parameter (DP-SGD's clipped sum; add
    /// the noise and divide by the batch size for its update).
    ///
    /// - Precondition: `maxNorm` > 0.
    public func clippedSum(maxNorm: Scalar) -> [Tensor<Scalar>] {
        require(maxNorm > 0, "clippedSum: maxNorm must be positive, got \(maxNorm)")
        return weightedSum(norms.map { $0 > maxNorm ? maxNorm / $0 : 1 })
    }

    /// The sum over samples, one tensor per parameter: the gradient of the summed losses.
    public func sum() -> [Tensor<Scalar>] {
        weightedSum([Scalar](repeating: 1, count: sampleCount))
    }

    private func weightedSum(_ weights: [Scalar]) -> [Tensor<Scalar>] {
        gradients.map { g in
            let shape = TensorShape(Array(g.shape.dropFirst()))
            let width = shape.reduce(1, *)
            var total = [Scalar](repeating: 0, count: width)
            g.withUnsafeBufferPointer { values in
                for n in 0..<sampleCount {
                    for i in 0..<width { total[i] += weights[n] * values[n * width + i] }
                }
            }
            return Tensor(shape: shape, scalars: total)
        }
    }
}

/// The gradient of each sample's loss with respect to the model's parameters.
///
/// With every layer that has parameters conforming to ``PerSampleGradientRule`` (``Dense``, the
/// convolution layers, ``Sequential`` stacks of such layers, layers of your own), it takes one forward and one
/// backward pass over the batch; otherwise one per sample. Either way sample n's gradient
/// is the one a backward pass of that sample alone gives. The model must treat samples
/// independently (no layer mixing rows, such as batch normalisation); ``Dropout`` in the
/// training phase draws other masks when samples run one at a time.
///
/// ```swift
/// let perSample = perSampleGradients(of: model, input: x, target: t) { y, t in
///     ((y - t).squared()).sum(alongAxis: 1)   // one loss per sample: [batch]
/// }
/// let update = perSample.clippedSum(maxNorm: 1)   // DP-SGD: clip, sum (then add noise)
/// ```
/// - Parameters:
///   - model: The model.
///   - input: The batch, one sample per row.
///   - target: The targets, one row per sample (sliced with the input in the fallback).
///   - loss: The per-sample losses of the output and the target, shape `[batch]`.
///   - file: The file a misuse is reported at (the caller's, by default).
///   - line: The line a misuse is reported at (the caller's, by default).
/// - Precondition: `input` and `target` have as many rows, and `loss` returns one loss per
///   row.
public func perSampleGradients<Model: Layer>(
    of model: Model, input: Tensor<Model.Scalar>, target: Tensor<Model.Scalar>,
    loss: (_ output: Variable<Model.Scalar>, _ target: Variable<Model.Scalar>) -> Variable<Model.Scalar>,
    file: StaticString = #fileID, line: UInt = #line
) -> PerSampleGradients<Model.Scalar> {
    typealias Scalar = Model.Scalar
    let samples = input.shape.first ?? 0
    require(
        input.rank >= 1 && target.shape.first == samples && samples > 0,
        "perSampleGradients: input \(Shapes.format(input.shape)) and target "
            + "\(Shapes.format(target.shape)) must have the same number of rows (at least one)",
        file: file, line: line)
    func losses(_ x: Tensor<Scalar>, _ t: Tensor<Scalar>, _ forward: (Variable<Scalar>) -> Variable<Scalar>)
        -> Variable<Scalar>
    {
        let result = loss(forward(Variable(x)), Variable(t))
        require(
            result.shape == [x.shape[0]],
            "perSampleGradients: the loss has shape \(Shapes.format(result.shape)), expected one "
                + "loss per sample, [\(x.shape[0])]", file: file, line: line)
        return result
    }
    let names = model.namedParameters.map(\.name)
    let layers = flattened(model)
    let rules = layers.filter { !$0.namedParameters.isEmpty }.compactMap { $0 as? any PerSampleGradientRule<Scalar> }
    guard rules.count == layers.filter({ !$0.namedParameters.isEmpty }).count else {
        // The fallback: one backward pass per sample.
        let perSample = (0..<samples).map { n in
            withGradients {
                let total = losses(input.rows(n..<n + 1), target.rows(n..<n + 1), model.callAsFunction).sum()
                return gradients(of: total, withRespectTo: model.parameters, file: file, line: line)
            }
        }
        return PerSampleGradients(
            names: names,
            gradients: names.indices.map { p in
                Tensor(shape: [samples] + perSample[0][p].shape, scalars: perSample.flatMap { $0[p].scalars })
            }, sampleCount: samples)
    }
    // One pass: keep each rule layer's input and output, then one backward to the outputs.
    var seen: [(rule: any PerSampleGradientRule<Scalar>, input: Variable<Scalar>, output: Variable<Scalar>)] = []
    let total = withGradients {
        losses(input, target) { x in
            layers.reduce(x) { h, layer in
                let y = layer(h)
                if let rule = layer as? any PerSampleGradientRule<Scalar>, !layer.namedParameters.isEmpty {
                    seen.append((rule, h, y))
                }
                return y
            }
        }.sum()
    }
    let outputGradients = gradients(of: total, withRespectTo: seen.map(\.output), file: file, line: line)
    let perLayer = zip(seen, outputGradients).flatMap { layer, g in
        layer.rule.perSampleGradients(input: layer.input.value, output: layer.output.value, outputGradient: g)
    }
    require(
        perLayer.count == names.count,
        "perSampleGradients: the layers' rules gave \(perLayer.count) gradients for "
            + "\(names.count) parameters", file: file, line: line)
    return PerSampleGradients(names: names, gradients: perLayer, sampleCount: samples)
}

/// The layers a model applies in order: a ``Sequential``'s, recursively, or the model.
private func flattened<Scalar: TensorScalar>(_ layer: any Layer<Scalar>) -> [any Layer<Scalar>] {
    guard let sequence = layer as? Sequential<Scalar> else { return [layer] }
    return sequence.layers.flatMap { flattened($0) }
}

extension Tensor {
    /// Rows `range` along axis 0.
    fileprivate func rows(_ range: Range<Int>) -> Tensor {
        withoutGradients { Variable(self).rows(range).value }
    }
}
