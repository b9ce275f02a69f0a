import Backprop

/// A table of a model: each part with its output shape and parameter counts (all and
/// trainable), and the totals; `print(model.summary(inputShape: [1, 64]))` shows it.
///
/// The parts of a ``Sequential`` are its layers, in order, with their output shapes when an
/// input shape is given (one forward pass on zeros, without gradients, in the inference
/// phase). The parts of any other layer are its parameters grouped by the first component
/// of their names (its child layers and own parameters), with the output shape of the
/// whole layer on the last line.
public struct ModelSummary: Sendable, CustomStringConvertible {
    /// One part of the model.
    public struct Row: Sendable, Equatable {
        /// The part's name (`"0"`, `"encoder"`).
        public var name: String
        /// The part's type (`"Dense<Float>"`), or empty for a group of parameters.
        public var type: String
        /// The shape of the part's output, when known.
        public var outputShape: TensorShape?
        /// The number of scalars in its parameters.
        public var parameterCount: Int
        /// The number of scalars in its parameters that are not frozen.
        public var trainableCount: Int
    }

    /// The parts, in model order.
    public var rows: [Row]
    /// The output shape of the whole model, when an input shape was given.
    public var outputShape: TensorShape?

    /// The number of scalars in all parameters.
    public var parameterCount: Int { rows.reduce(0) { $0 + $1.parameterCount } }
    /// The number of scalars in the parameters that are not frozen.
    public var trainableCount: Int { rows.reduce(0) { $0 + $1.trainableCount } }

    /// The table, one line per part, then the totals.
    public var description: String {
        func state(_ row: Row) -> String {
            row.parameterCount == 0 ? "" : row.trainableCount == row.parameterCount ? "trainable"
                : row.trainableCount == 0 ? "frozen" : "partly frozen"
        }
        let header = ["layer", "type", "output shape", "parameters", ""]
        let lines = [header] + rows.map {
            [$0.name, $0.type, $0.outputShape.map { Shapes.format($0) } ?? "?", String($0.parameterCount), state($0)]
        }
        let widths = (0..<header.count).map { c in lines.map { $0[c].count }.max() ?? 0 }
        let table = lines.map { line in
            zip(line, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingTrailingSpaces()
        }
        return (table + [
            "total: \(parameterCount) parameters, \(trainableCount) trainable, "
                + "\(parameterCount - trainableCount) frozen"
                + (outputShape.map { "; output \(Shapes.format($0))" } ?? ""),
        ]).joined(separator: "\n")
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}

extension Layer {
    /// The model's parts with their output shapes and parameter counts (see
    /// ``ModelSummary``).
    ///
    /// - Parameter inputShape: The shape of an input batch (`[1, 4]`), to compute output
    ///   shapes; `nil` leaves them unknown.
    public func summary(inputShape: TensorShape? = nil) -> ModelSummary {
        let input = inputShape.map { Variable(Tensor<Scalar>.zeros($0)) }
        func counts(_ list: [NamedParameter<Scalar>]) -> (Int, Int) {
            (list.reduce(0) { $0 + $1.variable.value.count },
             list.reduce(0) { $0 + ($1.variable.requiresGradient ? $1.variable.value.count : 0) })
        }
        return withLearningPhase(.inference) {
            withoutGradients {
                var rows: [ModelSummary.Row] = []
                if let sequential = self as? Sequential<Scalar> {
                    var x = input
                    for (i, layer) in sequential.layers.enumerated() {
                        x = x.map { layer($0) }
                        let (all, trainable) = counts(layer.namedParameters)
                        rows.append(ModelSummary.Row(
                            name: String(i), type: String(describing: type(of: layer)), outputShape: x?.shape,
                            parameterCount: all, trainableCount: trainable))
                    }
                } else {
                    var groups: [(name: String, parameters: [NamedParameter<Scalar>])] = []
                    for p in namedParameters {
                        let group = String(p.name.prefix { $0 != "." })
                        if groups.last?.name == group { groups[groups.count - 1].parameters.append(p) }
                        else { groups.append((group, [p])) }
                    }
                    rows = groups.map { group in
                        let (all, trainable) = counts(group.parameters)
                        return ModelSummary.Row(name: group.name, type: "", outputShape: nil,
                                                parameterCount: all, trainableCount: trainable)
                    }
                }
                return ModelSummary(rows: rows, outputShape: input.map { self($0).shape })
            }
        }
    }
}
