import CBackpropKernels

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

/// The recording state of the current thread.
///
/// ``withoutGradients(_:)`` and ``withAnomalyDetection(_:)`` set it for the duration of a
/// synchronous block, which runs on one thread from start to end: another thread or task
/// never sees it change (like PyTorch's thread-local grad mode). A `Task` started inside
/// the block does not inherit it; enter the block inside the task.
public struct GradientMode: Sendable, Equatable {
    /// Whether ops record graph nodes (false inside ``withoutGradients(_:)``).
    public var isRecording: Bool = true
    /// Whether ops check every value and gradient for NaN and infinity.
    public var isDetectingAnomalies: Bool = false

    @inlinable public init() {}

    /// The mode in force on the current thread.
    @inlinable
    public static var current: GradientMode { GradientMode(bits: bp_gradient_mode_bits()) }

    /// Runs `body` with `mode` in force on this thread, restoring the previous mode after
    /// it (also when it throws).
    @inlinable
    internal static func with<R>(_ mode: GradientMode, _ body: () throws -> R) rethrows -> R {
        let saved = bp_gradient_mode_bits()
        bp_set_gradient_mode_bits(mode.bits)
        defer { bp_set_gradient_mode_bits(saved) }
        return try body()
    }

    @inlinable
    internal init(bits: UInt32) {
        isRecording = bits & BP_MODE_NOT_RECORDING == 0
        isDetectingAnomalies = bits & BP_MODE_DETECTING_ANOMALIES != 0
    }

    @inlinable
    internal var bits: UInt32 {
        (isRecording ? 0 : BP_MODE_NOT_RECORDING)
            | (isDetectingAnomalies ? BP_MODE_DETECTING_ANOMALIES : 0)
    }
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
    return try GradientMode.with(mode, body)
}

/// Runs `body` recording a graph, also where recording is off (PyTorch's
/// `torch.enable_grad()`): inside ``withoutGradients(_:)``, and inside a pullback during
/// ``Variable/backward(seed:file:line:)`` or ``gradients(of:withRespectTo:seed:file:line:)``,
/// which run pullbacks without recording.
///
/// A custom op whose backward differentiates a function of its own inputs needs it:
///
/// ```swift
/// let y = Variable(op: "cubeSum", value: h.value, inputs: [h]) { output, g in
///     let h = output.input(at: 0)
///     let dh = withGradients {
///         gradients(of: (h * h * h).sum(), withRespectTo: [h])[0]   // 3h²
///     }
///     return [g * Variable(dh)]
/// }
/// ```
@inlinable
public func withGradients<R>(_ body: () throws -> R) rethrows -> R {
    var mode = GradientMode.current
    mode.isRecording = true
    return try GradientMode.with(mode, body)
}

/// Runs `body` with anomaly detection: every op checks its output in forward and every
/// gradient in backward for NaN or infinity, and stops with a message naming the op and
/// the source location where it was created. Off by default, and free when off.
@inlinable
public func withAnomalyDetection<R>(_ body: () throws -> R) rethrows -> R {
    var mode = GradientMode.current
    mode.isDetectingAnomalies = true
    return try GradientMode.with(mode, body)
}
