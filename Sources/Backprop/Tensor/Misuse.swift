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
@inline(never)
public func misuseFailure(
    _ message: String, file: StaticString = #fileID, line: UInt = #line
) -> Never {
    fatalError(message, file: file, line: line)
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
    if _slowPath(!condition) { misuseFailure(message(), file: file, line: line) }
}
