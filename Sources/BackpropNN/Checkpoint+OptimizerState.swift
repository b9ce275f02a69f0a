import Backprop

// A checkpoint of a model with its optimizer's state, to resume training exactly.

extension Checkpoint {
    /// A checkpoint of a model and of its optimizer's state (``OptimizerState``): loaded
    /// with ``load(into:optimizer:)`` into a new model and a new optimizer of the same
    /// configuration, training goes on exactly as if it had never stopped.
    ///
    /// ```swift
    /// try Checkpoint(model: model, optimizer: adam).write(to: url)
    /// // … in another run:
    /// try Checkpoint.read(from: url).load(into: model, optimizer: adam)
    /// ```
    ///
    /// - Parameters:
    ///   - model: The model.
    ///   - optimizer: The optimizer training it.
    ///   - classNames: The class names, in output order.
    ///   - featureNames: The feature columns the model reads, in order.
    ///   - labelColumn: The label column's name, if known.
    ///   - normalizer: The normaliser fitted on the training data, if any.
    ///   - loss: The name of the loss trained with.
    /// - Throws: ``OptimizerStateError/notSupported(optimizer:)`` for an optimizer that
    ///   does not save its state.
    public init<Model: Layer>(
        model: Model, optimizer: any Optimizer<Model.Scalar>, classNames: [String] = [], featureNames: [String] = [],
        labelColumn: String? = nil, normalizer: Normalizer? = nil, loss: String? = nil
    ) throws {
        self = try Checkpoint(
            model: model, classNames: classNames, featureNames: featureNames, labelColumn: labelColumn,
            normalizer: normalizer, loss: loss
        ).with(optimizer.state(for: model.namedParameters))
    }

    /// This checkpoint holding `state`.
    private func with(_ state: OptimizerState) -> Checkpoint {
        var checkpoint = self
        checkpoint.optimizerState = state
        return checkpoint
    }

    /// Copies the saved parameters into a model and the saved optimizer state into an
    /// optimizer (``OptimizerState``), to resume training where it stopped.
    ///
    /// - Parameters:
    ///   - model: A model with the same parameter names and shapes.
    ///   - optimizer: An optimizer of the type and configuration that saved the state.
    /// - Throws: ``CheckpointError`` as ``load(into:)`` does, ``OptimizerStateError`` naming
    ///   the parameter whose state does not match, or ``OptimizerStateError/noState``;
    ///   the model and the optimizer are unchanged then.
    public func load<Model: Layer>(into model: Model, optimizer: any Optimizer<Model.Scalar>) throws {
        guard let optimizerState else { throw OptimizerStateError.noState }
        let (named, values) = try savedValues(for: model)
        try optimizer.loadState(optimizerState, for: model.namedParameters)
        for (p, v) in zip(named, values) { p.variable.value = v }
    }

    /// Throws ``OptimizerStateError/unusableValue(parameter:buffer:index:value:)`` for the
    /// first infinite or NaN value of the optimizer's state (JSON has no number for it).
    func checkOptimizerStateIsFinite() throws {
        for entry in optimizerState?.entries ?? [] {
            for (buffer, values) in entry.buffers.sorted(by: { $0.key < $1.key }) {
                if let bad = values.firstIndex(where: { !$0.isFinite }) {
                    throw OptimizerStateError.unusableValue(
                        parameter: entry.parameter, buffer: buffer, index: bad, value: values[bad])
                }
            }
        }
    }
}
