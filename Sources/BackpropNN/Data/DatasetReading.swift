import Backprop
import Foundation

/// What to do with a missing value: an empty field, or (except with ``error``) one of
/// ``markers`` (`NA`, `NaN`, `null`, `?`, …).
public enum MissingValuePolicy: String, Sendable, CaseIterable, Codable {
    /// A missing value is an error naming its line and column.
    case error
    /// A row with a missing value (in a column that is read) is left out.
    case drop
    /// A missing feature is NaN in the data set until filled with the column's mean over
    /// the training rows (``Dataset/missingValueMeans()``,
    /// ``Dataset/fillingMissingValues(with:)``); a missing label or target is an error.
    case mean

    /// Field texts that mean "missing" besides the empty field (trimmed, case as written).
    public static let markers: Set<String> = ["NA", "N/A", "NaN", "nan", "null", "NULL", "None", "?"]
}

/// A column the features of a data set come from: a numeric column gives one feature, a
/// categorical one a feature per category, 1 in the row's category and 0 elsewhere
/// (one-hot).
public struct FeatureColumn: Codable, Sendable, Equatable {
    /// The column's name in the header.
    public var name: String
    /// The categories of a categorical column, in feature order, or `nil` for a numeric
    /// column.
    public var categories: [String]?

    /// Creates a column description.
    ///
    /// - Parameters:
    ///   - name: The column's name in the header.
    ///   - categories: The categories of a categorical column, or `nil` for a numeric one.
    public init(name: String, categories: [String]? = nil) {
        self.name = name
        self.categories = categories
    }

    /// The names of the features the column gives: its name, or `name=category` for each
    /// category.
    public var featureNames: [String] {
        categories.map { $0.map { "\(name)=\($0)" } } ?? [name]
    }
}

/// How ``Dataset`` reads a table: which columns, what to do with missing values and text.
public struct DatasetReadingOptions: Sendable {
    /// The feature columns to read, in order, or `nil` for every column but the label
    /// (or targets) and ``dropped``.
    public var features: [ColumnSelector]?
    /// Columns left out.
    public var dropped: [ColumnSelector]
    /// What to do with missing values.
    public var missingValues: MissingValuePolicy
    /// Whether a column with no number in it (text such as `red`, `blue`) is read as a
    /// categorical column; otherwise every feature must be a number.
    public var readsCategoricalColumns: Bool
    /// Fixed columns (a trained model's): read by name, in this order, with these
    /// categories; a category not among them is an error naming it. Overrides
    /// ``features``, ``dropped`` and ``readsCategoricalColumns``.
    public var columns: [FeatureColumn]?
    /// Whether a label that looks continuous (non-integer numbers, or many distinct
    /// integers) may be read as classes; by default it is an error suggesting regression.
    public var allowsContinuousLabels: Bool

    /// Creates options; the defaults read every other column as a number and reject
    /// missing values, as a plain numeric CSV needs.
    ///
    /// - Parameters:
    ///   - features: The feature columns to read, or `nil` for all but the label and `dropped`.
    ///   - dropped: Columns left out.
    ///   - missingValues: What to do with missing values.
    ///   - readsCategoricalColumns: Whether columns without numbers are one-hot encoded.
    ///   - columns: Fixed columns and categories (a model's), or `nil`.
    ///   - allowsContinuousLabels: Whether a label that looks continuous may be read as classes.
    public init(features: [ColumnSelector]? = nil, dropped: [ColumnSelector] = [],
                missingValues: MissingValuePolicy = .error, readsCategoricalColumns: Bool = false,
                columns: [FeatureColumn]? = nil, allowsContinuousLabels: Bool = false) {
        self.features = features
        self.dropped = dropped
        self.missingValues = missingValues
        self.readsCategoricalColumns = readsCategoricalColumns
        self.columns = columns
        self.allowsContinuousLabels = allowsContinuousLabels
    }
}

extension Dataset {
    /// Reads features and class labels from a parsed table.
    ///
    /// Features are numbers: a finite `Double` as Swift reads it (`1`, `-2.5e3`, `.5`),
    /// surrounding spaces ignored; NaN, infinities and numbers that overflow `Double` are
    /// errors. With ``DatasetReadingOptions/readsCategoricalColumns``, a column without any
    /// number is categorical instead (one-hot; a column mixing numbers and text is still an
    /// error at its first text). Labels may be strings or integers: the classes are the
    /// distinct values, sorted (numerically if all are integers), unless `classNames` is
    /// given (a model's classes), in which case a label outside it is an error. An empty
    /// label is an error (or its row is dropped, with ``MissingValuePolicy/drop``), and so
    /// is a label column that looks continuous (non-integer numbers, or more than 20
    /// distinct integers and more than one per 20 rows) unless the options allow it:
    /// regression reads it as a target (``init(table:targets:options:)``).
    ///
    /// - Parameters:
    ///   - table: The table.
    ///   - label: The label column, or `nil` for unlabeled data.
    ///   - classNames: Fixed classes to map labels to (from a checkpoint), or `nil`.
    ///   - options: Which columns to read and how.
    /// - Throws: ``DataError`` naming the file, line and column of the first bad field.
    public init(table: CSVTable, label: ColumnSelector?, classNames: [String]? = nil,
                options: DatasetReadingOptions = DatasetReadingOptions()) throws {
        let labelIndex = try label.map { try table.columnIndex($0) }
        var reader = try TableReader(table: table, outputs: labelIndex.map { [$0] } ?? [], options: options)
        try reader.read(targetsAreNumbers: false)
        let texts: [String]? = labelIndex == nil ? nil : reader.labelTexts
        self = reader.dataset()
        guard let labelIndex, let texts else {
            labels = []
            self.classNames = []
            return
        }
        labelName = table.header[labelIndex]
        let kept = reader.keptRows.count == texts.count ? texts : reader.keptRows.map { texts[$0] }
        // Each row's label as the index of a distinct text (one hash per row), then the
        // classes from the distinct texts only.
        var code: [String: Int] = [:]
        var distinct: [String] = []
        let codes = kept.map { text in
            if let c = code[text] { return c }
            code[text] = distinct.count
            distinct.append(text)
            return distinct.count - 1
        }
        let names: [String]
        if let classNames {
            names = classNames
        } else {
            let integers = distinct.compactMap { Int($0) }
            names = integers.count == distinct.count ? Set(integers).sorted().map(String.init) : distinct.sorted()
            if !options.allowsContinuousLabels, let evidence = Self.continuousEvidence(classes: names, rows: kept.count) {
                throw DataError(
                    file: table.source, column: labelIndex + 1, columnName: labelName,
                    reason: "the label column looks continuous (\(evidence)), not like classes: "
                        + "read it as a regression target (Dataset(table:targets:), backprop train --task regression)")
            }
        }
        var index: [String: Int] = [:]
        for (i, n) in names.enumerated() {
            index[n] = i
            if let v = Int(n) { index[String(v)] = index[String(v)] ?? i }
        }
        let classOfText = try distinct.enumerated().map { c, text in
            let key = Int(text).map(String.init) ?? text
            guard let k = index[text] ?? index[key] else {
                // Distinct texts are in the order they first appear: this is the first bad row.
                let r = codes.firstIndex(of: c)!
                throw DataError(
                    file: table.source, line: lineNumbers[r], column: labelIndex + 1,
                    columnName: table.header[labelIndex],
                    reason: "label \(DataError.quoted(text)) is not one of the model's classes (\(Self.listOfClasses(names)))")
            }
            return k
        }
        labels = codes.map { classOfText[$0] }
        self.classNames = names
    }

    /// Reads features and numeric targets (regression) from a parsed table: features as
    /// ``init(table:label:classNames:options:)`` reads them, targets as finite numbers
    /// (a missing one is an error, or with ``MissingValuePolicy/drop`` its row is dropped).
    ///
    /// ```swift
    /// let data = try Dataset(table: CSVTable(text: "x,y\n1,2.5\n2,4.5\n"), targets: [.name("y")])
    /// data.targets   // [2.5, 4.5]
    /// ```
    ///
    /// - Parameters:
    ///   - table: The table.
    ///   - targets: The target columns (at least one).
    ///   - options: Which feature columns to read and how.
    /// - Throws: ``DataError`` naming the file, line and column of the first bad field.
    public init(table: CSVTable, targets: [ColumnSelector],
                options: DatasetReadingOptions = DatasetReadingOptions()) throws {
        require(!targets.isEmpty, "Dataset(table:targets:): no target column given")
        let indices = try targets.map { try table.columnIndex($0) }
        var reader = try TableReader(table: table, outputs: indices, options: options)
        try reader.read(targetsAreNumbers: true)
        let values = reader.targetValues
        self = reader.dataset()
        let t = indices.count
        var kept: [Double] = []
        kept.reserveCapacity(count * t)
        for r in reader.keptRows { kept.append(contentsOf: values[(r * t)..<(r * t + t)]) }
        self.targets = kept
        targetNames = indices.map { table.header[$0] }
    }

    /// Why the labels look like a continuous quantity rather than classes, or `nil`:
    /// every class name is a number, and one is not an integer, or there are more than 20
    /// classes and more than one per 20 rows. Such a column is better read as a regression
    /// target.
    ///
    /// ```swift
    /// let data = try Dataset(table: CSVTable(text: "x,y\n1,0.5\n2,1.5\n"), label: .name("y"),
    ///                        options: DatasetReadingOptions(allowsContinuousLabels: true))
    /// data.continuousLabelEvidence   // "non-integer values such as '0.5'"
    /// ```
    public var continuousLabelEvidence: String? {
        Self.continuousEvidence(classes: classNames, rows: count)
    }

    /// ``continuousLabelEvidence`` for these distinct label values in `rows` rows.
    static func continuousEvidence(classes: [String], rows: Int) -> String? {
        let numbers = classes.compactMap { Double($0) }
        guard !classes.isEmpty, numbers.count == classes.count, numbers.allSatisfy(\.isFinite) else { return nil }
        if let k = numbers.firstIndex(where: { $0 != $0.rounded() }) {
            return "non-integer values such as \(DataError.quoted(classes[k]))"
        }
        if classes.count > 20 && classes.count * 20 > rows {
            return "\(classes.count) distinct numbers in \(rows) rows"
        }
        return nil
    }

    /// The mean of each feature over the rows where it is not missing (NaN), 0 for a
    /// feature missing everywhere: fit on the training rows, then given to
    /// ``fillingMissingValues(with:)`` for every split and for prediction.
    public func missingValueMeans() -> [Double] {
        let d = featureCount
        var sums = [Double](repeating: 0, count: d)
        var counts = [Int](repeating: 0, count: d)
        for k in features.indices where !features[k].isNaN {
            sums[k % d] += features[k]
            counts[k % d] += 1
        }
        return (0..<d).map { counts[$0] == 0 ? 0 : sums[$0] / Double(counts[$0]) }
    }

    /// The data with every missing (NaN) feature replaced by its column's value.
    ///
    /// - Parameter values: One value per feature (``missingValueMeans()`` of the training rows).
    /// - Precondition: there is one value per feature.
    public func fillingMissingValues(with values: [Double]) -> Dataset {
        require(values.count == featureCount,
                "Dataset.fillingMissingValues: \(values.count) values for \(featureCount) features")
        var copy = self
        let d = featureCount
        for k in copy.features.indices where copy.features[k].isNaN { copy.features[k] = values[k % d] }
        return copy
    }

    /// Whether any feature is missing (NaN).
    public var hasMissingValues: Bool { features.contains { $0.isNaN } }
}

/// The buffers the threads reading blocks of rows write, each only at its own rows (and
/// its own block); the arrays they point into outlive the threads.
private struct SharedRows: @unchecked Sendable {
    let out: UnsafeMutableBufferPointer<Double>
    let keep: UnsafeMutableBufferPointer<Bool>
    let targets: UnsafeMutableBufferPointer<Double>
    let blocks: UnsafeMutableBufferPointer<RowBlock>
}

/// What reading one block of rows finds: per feature column, the first text and the first
/// missing field and whether it holds a number; the first bad label or target; the labels.
private struct RowBlock {
    var firstText: [(row: Int, text: String)?]
    var hasNumber: [Bool]
    var firstMissing: [Int?]
    var firstOutputError: (row: Int, column: Int, reason: String)? = nil
    var labels: [String] = []

    init(width: Int) {
        firstText = Array(repeating: nil, count: width)
        hasNumber = Array(repeating: false, count: width)
        firstMissing = Array(repeating: nil, count: width)
    }

    /// Reads one label (`targets` nil) or target field; a missing one drops its row
    /// (``MissingValuePolicy/drop``) or is noted as an error, as is a target that is not a
    /// finite number.
    @inline(__always)
    mutating func readOutput(_ field: CSVField, row r: Int, column c: Int, slot: Int, policy: MissingValuePolicy,
                             targets: UnsafeMutableBufferPointer<Double>?, keep: UnsafeMutableBufferPointer<Bool>) {
        func note(_ reason: String) {
            if firstOutputError == nil { firstOutputError = (r, c, reason) }
        }
        guard let targets else {
            let text = field.trimmedText
            labels.append(text)
            if text.isEmpty {
                if policy == .drop { keep[r] = false } else { note("the label is empty") }
            }
            return
        }
        let width = targets.count / keep.count
        if let v = field.number, v.isFinite {
            targets[r * width + slot] = v
        } else if TableReader.isMissing(field, policy: policy) {
            if policy == .drop { keep[r] = false } else { note("the target is empty") }
        } else {
            note(TableReader.notANumber(field.trimmedText))
        }
    }
}

/// Reads the feature columns of a table, and its label or target columns, row by row from
/// the table's bytes.
private struct TableReader {
    let table: CSVTable
    let options: DatasetReadingOptions
    /// The file columns of the label or targets.
    let outputs: [Int]
    /// The file column of each feature column.
    let sources: [Int]
    /// The categories of each feature column (fixed, or found), `nil` for numeric.
    var categories: [[String]?]
    /// Whether each row is kept (rows with missing values are dropped with `.drop`).
    var keep: [Bool]
    /// The feature columns' values as read, `rows × sources.count` (a category's index).
    var raw: [Double] = []
    /// The label of each row, trimmed (classification).
    var labelTexts: [String] = []
    /// The targets, row-major (regression).
    var targetValues: [Double] = []
    var features: [Double] = []
    var featureNames: [String] = []

    init(table: CSVTable, outputs: [Int], options: DatasetReadingOptions) throws {
        self.table = table
        self.options = options
        self.outputs = outputs
        if let fixed = options.columns {
            sources = try fixed.map { column in
                guard let j = table.header.firstIndex(of: column.name) else {
                    let columns = table.header.prefix(20).map { DataError.excerpt($0) }.joined(separator: ", ")
                        + (table.header.count > 20 ? ", … (\(table.header.count) in all)" : "")
                    throw DataError(
                        file: table.source,
                        reason: "the model reads column \(DataError.quoted(column.name)), which the file lacks (columns: \(columns))")
                }
                return j
            }
            categories = fixed.map(\.categories)
        } else {
            let dropped = Set(try options.dropped.map { try table.columnIndex($0) })
            if let chosen = options.features {
                sources = try chosen.map { try table.columnIndex($0) }
                if let both = sources.first(where: { outputs.contains($0) }) {
                    throw DataError(file: table.source, column: both + 1, columnName: table.header[both],
                                    reason: "the column is both a feature and the label or a target")
                }
            } else {
                sources = table.header.indices.filter { !outputs.contains($0) && !dropped.contains($0) }
            }
            categories = Array(repeating: nil, count: sources.count)
        }
        guard !sources.isEmpty else {
            throw DataError(file: table.source, reason: "there are no feature columns")
        }
        guard table.rowCount > 0 else {
            throw DataError(file: table.source, reason: "there are no data rows after the header")
        }
        keep = Array(repeating: true, count: table.rowCount)
    }

    /// The rows kept, in order.
    var keptRows: [Int] { keep.indices.filter { keep[$0] } }

    /// Whether a trimmed field stands for a missing value under the policy.
    func isMissing(_ field: CSVField) -> Bool { Self.isMissing(field, policy: options.missingValues) }

    /// Whether a trimmed field stands for a missing value under `policy`.
    static func isMissing(_ field: CSVField, policy: MissingValuePolicy) -> Bool {
        if let ascii = field.trimmedASCII, ascii.isEmpty { return true }
        guard policy != .error else { return field.trimmedText.isEmpty }
        let text = field.trimmedText
        return text.isEmpty || MissingValuePolicy.markers.contains(text)
    }

    func error(row r: Int, column c: Int, _ reason: String) -> DataError {
        DataError(file: table.source, line: table.lineNumbers[r], column: c + 1, columnName: table.header[c], reason: reason)
    }

    /// The reason a field is not a finite number.
    static func notANumber(_ text: String) -> String {
        text.isEmpty ? "the field is empty, expected a number"
            : Double(text) == nil ? "\(DataError.quoted(text)) is not a number"
            : "\(DataError.quoted(text)) is not a finite number (NaN, infinities and values beyond ±1.8e308 are not accepted)"
    }

    /// Reads block `k` of `blocks` near-equal blocks of rows: numbers into `shared.out`,
    /// dropped rows into `shared.keep`, targets into `shared.targets`; returns what it found.
    private static func readBlock(_ k: Int, of blocks: Int, rows rowBytes: CSVRowBytes, count rows: Int, width: Int,
                                  order: [(offset: Int, element: Int)], policy: MissingValuePolicy,
                                  targetsAreNumbers: Bool, into shared: SharedRows) -> RowBlock {
        var block = RowBlock(width: width)
        for r in (k * rows / blocks)..<((k + 1) * rows / blocks) {
            var fields = rowBytes.reader(ofRow: r)
            var at = 0
            let base = r * width
            for (slot, c) in order {
                while at < c { _ = fields.next(); at += 1 }
                at += 1
                if slot < width, let v = fields.nextPlainNumber() {
                    shared.out[base + slot] = v
                    if !block.hasNumber[slot] { block.hasNumber[slot] = true }
                    continue
                }
                let field = fields.next()
                if slot >= width {
                    block.readOutput(field, row: r, column: c, slot: slot - width, policy: policy,
                                     targets: targetsAreNumbers ? shared.targets : nil, keep: shared.keep)
                    continue
                }
                if let v = field.number, v.isFinite {
                    shared.out[base + slot] = v
                    if !block.hasNumber[slot] { block.hasNumber[slot] = true }
                    continue
                }
                shared.out[base + slot] = .nan
                if isMissing(field, policy: policy) {
                    if policy == .drop { shared.keep[r] = false }
                    if policy == .error && block.firstMissing[slot] == nil { block.firstMissing[slot] = r }
                    continue
                }
                if block.firstText[slot] == nil { block.firstText[slot] = (r, field.trimmedText) }
            }
        }
        return block
    }

    /// Reads every feature column (numbers, NaN where missing; the categories of
    /// categorical columns as their index) and the label (texts, trimmed) or targets
    /// (numbers), in one pass over the rows; the first bad feature is an error, then the
    /// first bad label or target. With `targetsAreNumbers`, the outputs are targets.
    mutating func read(targetsAreNumbers: Bool) throws {
        let width = sources.count
        let rows = table.rowCount
        let t = outputs.count
        // Every value is written by the pass below, so the buffer is not cleared first.
        var values = [Double](unsafeUninitializedCapacity: rows * width) { _, count in count = rows * width }
        if targetsAreNumbers { targetValues = [Double](repeating: 0, count: rows * t) }
        // Feature slots are 0..<width, outputs width..<width + t, read in file order.
        let order = (sources + outputs).enumerated().sorted { $0.element < $1.element }
        let fixed = options.columns != nil
        let policy = options.missingValues
        // Large tables are read in blocks of rows on several threads, then merged in order.
        let blockCount = rows >= 20_000 ? Swift.max(1, Swift.min(ProcessInfo.processInfo.activeProcessorCount, 8)) : 1
        var blocks = [RowBlock](repeating: RowBlock(width: width), count: blockCount)
        let table = self.table
        values.withUnsafeMutableBufferPointer { out in
            keep.withUnsafeMutableBufferPointer { keep in
                targetValues.withUnsafeMutableBufferPointer { targets in
                    blocks.withUnsafeMutableBufferPointer { blocks in
                        let shared = SharedRows(out: out, keep: keep, targets: targets, blocks: blocks)
                        table.withRowBytes { rowBytes in
                            DispatchQueue.concurrentPerform(iterations: blockCount) { k in
                                shared.blocks[k] = Self.readBlock(
                                    k, of: blockCount, rows: rowBytes, count: rows, width: width, order: order,
                                    policy: policy, targetsAreNumbers: targetsAreNumbers, into: shared)
                            }
                        }
                    }
                }
            }
        }
        try table.withFieldReaders { reader in
            var firstText = [(row: Int, text: String)?](repeating: nil, count: width)
            var hasNumber = [Bool](repeating: false, count: width)
            var firstMissing = [Int?](repeating: nil, count: width)
            var firstOutputError: (row: Int, column: Int, reason: String)? = nil
            for block in blocks {
                for slot in 0..<width {
                    hasNumber[slot] = hasNumber[slot] || block.hasNumber[slot]
                    firstText[slot] = firstText[slot] ?? block.firstText[slot]
                    firstMissing[slot] = firstMissing[slot] ?? block.firstMissing[slot]
                }
                firstOutputError = firstOutputError ?? block.firstOutputError
                if !targetsAreNumbers { labelTexts += block.labels }
            }
            // Which columns are categorical, and the first field that is an error.
            var firstError: (row: Int, slot: Int, reason: String)? = nil
            func note(_ r: Int, _ slot: Int, _ reason: String) {
                if firstError.map({ (r, slot) < ($0.row, $0.slot) }) ?? true { firstError = (r, slot, reason) }
            }
            let categorical = (0..<width).map { slot in
                fixed ? categories[slot] != nil : options.readsCategoricalColumns && !hasNumber[slot] && firstText[slot] != nil
            }
            for slot in 0..<width where !categorical[slot] {
                if let (r, text) = firstText[slot] { note(r, slot, Self.notANumber(text)) }
                if let r = firstMissing[slot] { note(r, slot, "the field is empty, expected a number") }
            }
            if let e = firstError { throw error(row: e.row, column: sources[e.slot], e.reason) }
            if let e = firstOutputError { throw error(row: e.row, column: e.column, e.reason) }
            // Categorical columns: the categories found (sorted), or the fixed ones.
            for slot in 0..<width where categorical[slot] {
                var texts: [String?] = []
                texts.reserveCapacity(rows)
                for r in 0..<rows {
                    var fields = reader(r)
                    for _ in 0..<sources[slot] { _ = fields.next() }
                    let field = fields.next()
                    if isMissing(field) {
                        if policy == .error { throw error(row: r, column: sources[slot], "the field is empty, expected a category") }
                        texts.append(nil)
                    } else {
                        texts.append(field.trimmedText)
                    }
                }
                let known = categories[slot] ?? Set(texts.compactMap { $0 }).sorted()
                let index = Dictionary(uniqueKeysWithValues: known.enumerated().map { ($1, $0) })
                for (r, text) in texts.enumerated() {
                    guard let text else { continue }
                    guard let k = index[text] else {
                        throw error(
                            row: r, column: sources[slot],
                            "category \(DataError.quoted(text)) was not seen in training (the model knows \(Dataset.listOfClasses(known)))")
                    }
                    values[r * width + slot] = Double(k)
                }
                categories[slot] = known
            }
        }
        raw = values
    }

    /// Expands categorical columns one-hot and leaves out the rows dropped (after the
    /// label or targets have been read, which may drop rows too).
    mutating func finishFeatures() {
        let width = sources.count
        let rows = table.rowCount
        let values = raw
        raw = []
        let columns = zip(sources, categories).map { FeatureColumn(name: table.header[$0], categories: $1) }
        featureNames = columns.flatMap(\.featureNames)
        let kept = keptRows
        if featureNames.count == width && kept.count == rows {
            features = values
            return
        }
        // Expand categorical columns one-hot and leave out dropped rows.
        features = []
        features.reserveCapacity(kept.count * featureNames.count)
        for r in kept {
            for slot in 0..<width {
                let v = values[r * width + slot]
                guard let known = categories[slot] else {
                    features.append(v)
                    continue
                }
                for k in known.indices { features.append(v.isNaN ? .nan : Double(k) == v ? 1 : 0) }
            }
        }
    }

    /// The features read, without labels or targets.
    mutating func dataset() -> Dataset {
        finishFeatures()
        var data = Dataset(rows: [], featureNames: featureNames)
        data.features = features
        data.columns = zip(sources, categories).map { FeatureColumn(name: table.header[$0], categories: $1) }
        data.lineNumbers = keptRows.map { table.lineNumbers[$0] }
        return data
    }
}
