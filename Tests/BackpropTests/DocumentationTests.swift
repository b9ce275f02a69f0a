import Foundation
import XCTest

/// Every Swift example in the articles and in BackpropTesting's doc comments is a snippet of
/// a test, word for word, so that it is compiled and run and cannot rot. A snippet is the
/// code between `// snippet: <name>` and `// end snippet: <name>` in one of `snippetFiles`,
/// without the marker's indentation (snippets may nest; inner markers are left out).
final class DocumentationTests: XCTestCase {
    private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized

    private let snippetFiles = [
        "Tests/BackpropTests/ArticleSnippetTests.swift",
        "Tests/BackpropTestingTests/DocumentationExamples.swift",
        "Tests/BackpropTestingTests/OpLibraryConformanceTests.swift",
        "Tests/BackpropTests/SequenceArticleSnippetTests.swift",
        "Tests/BackpropNNTests/Examples/WritingAModelOfYourOwnTests.swift",
    ]

    /// The documentation held to the rule: the new articles, BackpropTesting's catalog and
    /// its sources' doc comments.
    private func documents() throws -> [String] {
        let articles = [
            "TensorsAndVariables", "WritingAnOpOfYourOwn", "HigherOrderDerivatives", "CheckingGradients",
            "AnomalyMode",
        ].map { "Sources/Backprop/Backprop.docc/\($0).md" }
        let testing = "Sources/BackpropTesting"
        let sources = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(testing).path)
            .filter { $0.hasSuffix(".swift") }.sorted().map { "\(testing)/\($0)" }
        let models = ["ASequenceModelOfYourOwn", "WritingAModelOfYourOwn"]
            .map { "Sources/BackpropNN/BackpropNN.docc/\($0).md" }
        return articles + models + ["\(testing)/BackpropTesting.docc/BackpropTesting.md"] + sources
    }

    func testEverySwiftExampleIsATestedSnippet() throws {
        let snippets = try allSnippets()
        XCTAssertGreaterThan(snippets.count, 20)
        let known = Set(snippets.values)
        var examples = 0
        for document in try documents() {
            for block in try swiftBlocks(in: document) {
                examples += 1
                XCTAssertTrue(known.contains(block), "\(document): this example is no tested snippet:\n\(block)")
            }
        }
        XCTAssertGreaterThan(examples, 20)
    }

    func testEverySnippetIsShown() throws {
        let shown = Set(try documents().flatMap { try swiftBlocks(in: $0) })
        for (name, text) in try allSnippets() where !shown.contains(text) {
            XCTFail("snippet '\(name)' appears in no documentation")
        }
    }

    func testSnippetsNestAndLoseTheirIndentation() {
        let text = """
                // snippet: outer
                func f() {
                    // snippet: inner
                    g()
                    // end snippet: inner
                }
                // end snippet: outer
            """
        XCTAssertEqual(snippets(in: text), ["outer": "func f() {\n    g()\n}", "inner": "g()"])
    }

    private func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    private func allSnippets() throws -> [String: String] {
        try snippetFiles.reduce(into: [:]) { all, file in
            all.merge(snippets(in: try read(file))) { first, _ in first }
        }
    }

    private func snippets(in text: String) -> [String: String] {
        var open: [(name: String, indent: String, lines: [String])] = []
        var found: [String: String] = [:]
        for line in text.components(separatedBy: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("// snippet: ") {
                open.append((String(trimmed.dropFirst("// snippet: ".count)), String(line.prefix { $0 == " " }), []))
            } else if trimmed.hasPrefix("// end snippet: "), let last = open.popLast() {
                XCTAssertEqual(String(trimmed.dropFirst("// end snippet: ".count)), last.name)
                found[last.name] = last.lines.joined(separator: "\n")
            } else {
                for i in open.indices {
                    open[i].lines.append(line.hasPrefix(open[i].indent) ? String(line.dropFirst(open[i].indent.count)) : trimmed)
                }
            }
        }
        XCTAssertTrue(open.isEmpty, "unclosed snippets: \(open.map(\.name))")
        return found
    }

    /// The ```swift blocks of a document: an article's, or a source file's doc comments.
    private func swiftBlocks(in path: String) throws -> [String] {
        var lines = try read(path).components(separatedBy: "\n")
        if path.hasSuffix(".swift") {
            lines = lines.map { line in
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard trimmed.hasPrefix("///") else { return "" }
                let comment = trimmed.dropFirst(3)
                return String(comment.hasPrefix(" ") ? comment.dropFirst() : comment)
            }
        }
        var blocks: [String] = []
        var current: [String]?
        for line in lines {
            if current == nil, line.trimmingCharacters(in: .whitespaces) == "```swift" {
                current = []
            } else if current != nil, line.trimmingCharacters(in: .whitespaces) == "```" {
                blocks.append(current!.joined(separator: "\n"))
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }
}
