/// The outcome of checking a manifest: the manifest when it is valid, and every diagnostic found.
public struct ManifestCheck: Sendable, Codable {
    /// nil whenever there is at least one error.
    public var manifest: Manifest?
    /// Sorted by line and column; diagnostics without a position come last.
    public var diagnostics: [ManifestDiagnostic]

    public init(manifest: Manifest?, diagnostics: [ManifestDiagnostic]) {
        self.manifest = manifest
        self.diagnostics = diagnostics
    }

    public var errors: [ManifestDiagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [ManifestDiagnostic] { diagnostics.filter { $0.severity == .warning } }
    public var isValid: Bool { !diagnostics.contains { $0.severity == .error } }
}
