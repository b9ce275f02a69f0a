/// Where an op was created: captured only while anomaly detection is on.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file, as `#fileID` gives it (`Module/File.swift`).
    public let file: String
    /// The line.
    public let line: UInt
    @inlinable public init(file: String, line: UInt) {
        self.file = file
        self.line = line
    }
    /// The line operators (`+`, `*`, …) record: an operator cannot take its caller's
    /// `#line` as a default argument, so its nodes record `operator +` at this line 0, and
    /// reports print `operator + (an operator records no line; call the method form, e.g.
    /// adding(_:), for one)`.
    public static let operatorLine: UInt = 0

    public var description: String {
        line == Self.operatorLine
            ? "\(file) (an operator records no line; call the method form, e.g. adding(_:), for one)"
            : "\(file):\(line)"
    }
}

/// The recording state of the current task or thread.
///
/// The state is a task-local value: `withoutGradients` or `withAnomalyDetection` in one task
/// or thread never changes what another sees.
public struct GradientMode: Sendable {
    /// Whether ops record graph nodes (false inside ``withoutGradients(_:)``).
    public var isRecording: Bool = true
    /// Whether ops check every value and gradient for NaN and infinity.
    public var isDetectingAnomalies: Bool = false

    @inlinable public init() {}

    /// The mode in force for the current task or thread.
    @TaskLocal public static var current = GradientMode()
}

/// Runs `body` without recording a graph: results of ops are constants. Use it for
/// evaluation and for updates of parameters.
///
/// ```swift
/// let accuracy = withoutGradients { model(testInputs) }   // no nodes kept
/// ```
@inlinable
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    var mode = GradientMode.current
    mode.isRecording = false
    return try GradientMode.$current.withValue(mode, operation: body)
}

/// Runs `body` with anomaly detection: every op checks its output in forward and every
/// gradient in backward for NaN or infinity, and stops with a message naming the op and
/// the source location where it was created. Off by default, and free when off.
@inlinable
public func withAnomalyDetection<R>(_ body: () throws -> R) rethrows -> R {
    var mode = GradientMode.current
    mode.isDetectingAnomalies = true
    return try GradientMode.$current.withValue(mode, operation: body)
}
