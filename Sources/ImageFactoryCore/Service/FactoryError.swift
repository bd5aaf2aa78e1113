import Foundation

/// Every failure a front end can show. Each message names what and where.
public enum FactoryError: Error, Sendable, CustomStringConvertible, LocalizedError {
    case notFound(String)
    case permissionDenied(String)
    case invalidInput(String)
    case invalidManifest(file: String?, diagnostics: [ManifestDiagnostic])
    case conflict(String)
    case storage(String)
    case runtime(String)
    /// An error the build server reported, with the exit status it maps to.
    case server(String, exitCode: Int32)

    public var description: String {
        switch self {
        case .notFound(let s): s
        case .permissionDenied(let s): "permission denied: \(s)"
        case .invalidInput(let s): s
        case .invalidManifest(let file, let diagnostics):
            (["invalid manifest\(file.map { " \($0)" } ?? ""):"] + diagnostics.filter { $0.severity == .error }.map(\.description))
                .joined(separator: "\n")
        case .conflict(let s): s
        case .storage(let s): s
        case .runtime(let s): s
        case .server(let s, _): s
        }
    }

    public var errorDescription: String? { description }

    /// Process exit status for the CLI (documented in the README).
    public var exitCode: Int32 {
        switch self {
        case .invalidInput, .invalidManifest: 2
        case .notFound: 3
        case .permissionDenied: 4
        case .conflict: 5
        case .storage, .runtime: 70
        case .server(_, let code): code
        }
    }
}
