extension Checkpoint {
    /// What makes the description of the data inconsistent, or `nil`: feature columns
    /// whose features are not the feature names, fills that are not one finite value per
    /// feature, or a target normaliser without one column per target.
    func dataDescriptionProblem() -> String? {
        if let columns = featureColumns {
            let names = columns.flatMap(\.featureNames)
            if !featureNames.isEmpty && names != featureNames {
                return "the feature columns give \(names.count) features that are not the \(featureNames.count) feature names (at .featureColumns)"
            }
            if let column = columns.first(where: { $0.categories.map { Set($0).count != $0.count || $0.isEmpty } ?? false }) {
                return "column \(DataError.quoted(column.name)) has no or repeated categories (at .featureColumns)"
            }
        }
        if let fills = missingValueFills {
            if !featureNames.isEmpty && fills.count != featureNames.count {
                return "\(fills.count) missing-value fills for \(featureNames.count) features (at .missingValueFills)"
            }
            if let bad = fills.firstIndex(where: { !$0.isFinite }) {
                return "missing-value fill \(fills[bad]) is not finite (at .missingValueFills[\(bad)])"
            }
        }
        if let scaling = targetNormalizer {
            let targets = targetNames?.count ?? 0
            guard scaling.offsets.count == targets else {
                return "the target normalizer has \(scaling.offsets.count) columns for \(targets) targets (at .targetNormalizer)"
            }
            if let (column, reason) = scaling.problem() {
                return "the target normalizer: " + (column.map { "column \($0 + 1): " } ?? "") + reason
            }
        }
        if let targets = targetNames, targets.isEmpty {
            return "the target list is empty (at .targetNames)"
        }
        return nil
    }
}
