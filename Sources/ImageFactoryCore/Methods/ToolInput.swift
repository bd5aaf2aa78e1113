/// A tool's input named by the manifest (a Containerfile, a packer template, a nix expression): inline text,
/// written into the workspace under a generated name, or a path in the context.
struct ToolInput {
    var path: String
    var file: BuildPlan.GeneratedFile?
    var detail: String

    /// `inline` tells inline text from a path; text with a newline is always inline.
    static func given(_ value: String, inline: Bool, generatedPath: String, what: String) -> ToolInput {
        guard value.contains("\n") || inline else {
            return ToolInput(path: value, file: nil, detail: "the \(what) `\(value)` from the context")
        }
        return ToolInput(path: generatedPath,
                         file: .init(path: generatedPath, contents: value.hasSuffix("\n") ? value : value + "\n"),
                         detail: "the manifest's inline \(what), written to \(generatedPath)")
    }

    static func generated(_ contents: String, path: String, detail: String) -> ToolInput {
        ToolInput(path: path, file: .init(path: path, contents: contents), detail: detail)
    }
}
