import CBackpropKernels

// Misuse checks that keep their message in every build.
//
// Swift's `precondition` and `preconditionFailure` drop their message in optimised builds
// (`-O`), where training runs: a release build that multiplies [3, 4] by [5, 2] would die
// with "Illegal instruction" and no word of the shapes. Every misuse check of Backprop and
// BackpropNN goes through the two functions below instead; they print the message and the
// caller's file and line in every build, and build the message only on failure.

/// Stops the program because the library was misused, printing `message` with `file` and
/// `line` in every build configuration (like `fatalError`, unlike `preconditionFailure`,
/// whose message is dropped under `-O`).
///
/// Ops pass their caller's `file` and `line`, so the report points at the user's code:
///
/// ```swift
/// misuseFailure("matmul: [3, 4] × [5, 2]: inner sizes 4 and 5 differ")
/// // App/main.swift:12: Fatal error: matmul: [3, 4] × [5, 2]: inner sizes 4 and 5 differ
/// ```
///
/// Inside a custom op's forward or backward, the report first names the custom op (and any
/// enclosing ones), then the inner op's message:
/// `custom op 'softsign' (forward) › multiply: [2] * [3]: sizes 2 and 3 do not broadcast`;
/// when the inner op has no line of the caller's to give (a tensor operator), the report
/// names the line that applied the custom op.
@inline(never)
public func misuseFailure(
    _ message: String, file: StaticString = #fileID, line: UInt = #line
) -> Never {
    let (file, line) = OpContext.callerLocation(file: file, line: line)
    fatalError(OpContext.describeCurrent(then: message), file: file, line: line)
}

/// Stops the program with `message` (built only when it fails) unless `condition` holds:
/// `precondition` that keeps its message in release builds. Use it for the checks of your
/// own ops, so a user's release build still says what was wrong and where.
///
/// ```swift
/// require(x.shape.count == 2, "myOp: \(x.shape) is not 2-D", file: file, line: line)
/// ```
@inlinable @inline(__always)
public func require(
    _ condition: Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    // The message is built out of line, so the check adds a compare and a branch to its
    // caller and nothing more (a caller stays small enough to inline).
    if _slowPath(!condition) { misuseFailure(building: message, file: file, line: line) }
}

@usableFromInline @inline(never)
internal func misuseFailure(
    building message: () -> String, file: StaticString, line: UInt
) -> Never {
    misuseFailure(message(), file: file, line: line)
}

/// The custom ops running on the current thread, innermost first: what a misuse report
/// names before the message of the op that failed inside them.
@usableFromInline
internal final class OpContext {
    let name: String
    let file: StaticString
    let line: UInt
    let enclosing: UnsafeRawPointer?

    private init(name: String, file: StaticString, line: UInt, enclosing: UnsafeRawPointer?) {
        (self.name, self.file, self.line, self.enclosing) = (name, file, line, enclosing)
    }

    /// Runs `body` with `name`, applied at `file` and `line`, as the innermost op context of
    /// this thread.
    @usableFromInline
    static func with<R>(
        _ name: String, file: StaticString, line: UInt, _ body: () throws -> R
    ) rethrows -> R {
        let context = OpContext(name: name, file: file, line: line, enclosing: bp_op_context())
        return try withExtendedLifetime(context) {
            let previous = bp_set_op_context(Unmanaged.passUnretained(context).toOpaque())
            defer { _ = bp_set_op_context(previous) }
            return try body()
        }
    }

    /// The location to report: `file` and `line`, unless they are inside Backprop itself
    /// (a tensor operator, which cannot take its caller's line) and an op context is in
    /// force, whose location is then the caller's.
    static func callerLocation(file: StaticString, line: UInt) -> (StaticString, UInt) {
        guard let current = bp_op_context(), "\(file)".hasPrefix("Backprop/") else {
            return (file, line)
        }
        let context = Unmanaged<OpContext>.fromOpaque(current).takeUnretainedValue()
        return (context.file, context.line)
    }

    /// `message` after the names of the op contexts in force, outermost first.
    static func describeCurrent(then message: String) -> String {
        var names: [String] = []
        var pointer = bp_op_context()
        while let current = pointer {
            let context = Unmanaged<OpContext>.fromOpaque(current).takeUnretainedValue()
            names.append(context.name)
            pointer = context.enclosing
        }
        return (names.reversed() + [message]).joined(separator: " › ")
    }
}
