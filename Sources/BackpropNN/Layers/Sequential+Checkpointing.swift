import Backprop

extension Sequential {
    /// The forward pass as checkpointed segments of ``checkpointInterval`` layers.
    @usableFromInline
    internal func checkpointedForward(_ input: Variable<Scalar>) -> Variable<Scalar> {
        stride(from: 0, to: stages.count, by: checkpointInterval).reduce(input) { x, start in
            let segment = stages[start..<min(start + checkpointInterval, stages.count)]
            if segment.contains(where: { if case .dropout = $0 { true } else { false } }) {
                misuseFailure(
                    "Sequential: checkpointInterval \(checkpointInterval) puts a Dropout layer in a "
                        + "checkpointed segment; its recomputation would draw another mask")
            }
            return checkpointed(x) { Self.apply(segment, to: $0) }
        }
    }
}
