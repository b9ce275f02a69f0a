import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reading a whole input into memory, with a cap on its size: a regular file, a pipe or
/// FIFO, a character device such as `/dev/stdin`, or standard input itself (the path `-`).
///
/// Pipes, FIFOs and devices are read to their end, so an input that never ends
/// (`/dev/zero`) stops at the cap with an error instead of filling the memory. A directory,
/// a symlink loop, a socket or a block device is an error that says what the path is.
///
/// ```swift
/// let data = try InputFile.read(atPath: "-")            // standard input
/// let table = try CSVTable(data: data, source: InputFile.displayName(forPath: "-"))
/// ```
public enum InputFile {
    /// The path that stands for standard input.
    public static let standardInputPath = "-"

    /// The name standard input has in error messages.
    public static let standardInputName = "<stdin>"

    /// The most bytes read from one input by default (256 MiB): larger than any data set
    /// this library trains on in memory, small enough that an endless device is cut off
    /// quickly.
    public static let defaultByteLimit = 256 * 1024 * 1024

    /// The name of the input at `path` in error messages: the path as given, or
    /// ``standardInputName`` for ``standardInputPath``.
    public static func displayName(forPath path: String) -> String {
        path == standardInputPath ? standardInputName : path
    }

    /// Reads the input at `path` to its end; `-` is standard input.
    ///
    /// - Parameters:
    ///   - path: A file path, or ``standardInputPath``.
    ///   - byteLimit: The most bytes accepted; a longer input is an error.
    /// - Throws: ``DataError`` naming the input and what is wrong ("it is a directory",
    ///   "it is a symlink loop", "No such file or directory", the size limit, …).
    public static func read(atPath path: String, byteLimit: Int = defaultByteLimit) throws -> Data {
        if path == standardInputPath {
            return try read(descriptor: STDIN_FILENO, name: standardInputName, byteLimit: byteLimit)
        }
        return try read(fileAtPath: path, name: path, byteLimit: byteLimit)
    }

    /// Reads the file at `path` (never standard input: a file named `-` is that file);
    /// `name` is its name in error messages.
    static func read(fileAtPath path: String, name: String, byteLimit: Int = defaultByteLimit) throws -> Data {
        var status = stat()
        if stat(path, &status) != 0 { throw openError(errno, name: name) }
        try checkType(status, name: name, byteLimit: byteLimit)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw openError(errno, name: name) }
        defer { close(descriptor) }
        return try read(descriptor: descriptor, name: name, byteLimit: byteLimit)
    }

    /// Reads an open descriptor to its end, at most `byteLimit` bytes.
    private static func read(descriptor: Int32, name: String, byteLimit: Int) throws -> Data {
        var status = stat()
        if fstat(descriptor, &status) != 0 {
            throw DataError(file: name, reason: "cannot read the file (\(String(cString: strerror(errno))))")
        }
        try checkType(status, name: name, byteLimit: byteLimit)
        let isRegular = status.st_mode & S_IFMT == S_IFREG
        var data = Data()
        if isRegular { data.reserveCapacity(Int(status.st_size)) }
        let chunkSize = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let wanted = Swift.min(chunkSize, byteLimit - data.count + 1)
            let count = buffer.withUnsafeMutableBytes { readBytes(descriptor, $0.baseAddress, wanted) }
            if count < 0 {
                if errno == EINTR { continue }
                throw DataError(file: name, reason: "cannot read the file (\(String(cString: strerror(errno))))")
            }
            if count == 0 { return data }
            data.append(buffer, count: count)
            if data.count > byteLimit {
                throw DataError(
                    file: name,
                    reason: "cannot read the file: it goes on past \(describeSize(byteLimit)), the most read from one input"
                        + (isRegular ? "" : "; is it an endless device or stream, like /dev/zero?"))
            }
        }
    }

    /// Rejects what cannot be read as a whole file, naming what it is.
    private static func checkType(_ status: stat, name: String, byteLimit: Int) throws {
        let kind: String
        switch status.st_mode & S_IFMT {
        case S_IFREG:
            guard Int(status.st_size) <= byteLimit else {
                throw DataError(
                    file: name,
                    reason: "cannot read the file: it has \(status.st_size) bytes, more than \(describeSize(byteLimit)), the most read from one input")
            }
            return
        case S_IFIFO, S_IFCHR: return  // read as a stream, to its end or the limit
        case S_IFDIR: kind = "a directory"
        case S_IFSOCK: kind = "a socket, not a regular file"
        case S_IFBLK: kind = "a block device, not a regular file"
        default: kind = "not a regular file"
        }
        throw DataError(file: name, reason: "cannot read the file: it is \(kind)")
    }

    /// The error for a failed `stat` or `open`, naming a symlink loop as one.
    private static func openError(_ code: Int32, name: String) -> DataError {
        let system = String(cString: strerror(code))
        if code == ELOOP {
            return DataError(file: name, reason: "cannot read the file: it is a symlink loop (\(system))")
        }
        return DataError(file: name, reason: "cannot read the file (\(system))")
    }

    /// `256 MiB (268435456 bytes)`, or `1000 bytes`.
    static func describeSize(_ bytes: Int) -> String {
        bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB (\(bytes) bytes)" : "\(bytes) bytes"
    }
}

/// `read(2)`, under a name the members of ``InputFile`` do not shadow.
private func readBytes(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
