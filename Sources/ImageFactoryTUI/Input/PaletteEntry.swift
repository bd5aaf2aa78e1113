/// What choosing a palette entry does.
public enum PaletteTarget: Sendable, Hashable {
    case action(ActionID)
    case project(Int64)
    /// The new build screen of a project (the dashboard's `n` with several projects).
    case newBuild(projectID: Int64)
    case build(projectID: Int64, number: Int64)
    case template(name: String)
    case artifact(buildID: Int64, name: String)
}

/// One line of the command palette. Actions come from `ActionRegistry.paletteEntries`; screens add
/// projects, builds (titled like `#12 hello-shell`), templates and artifacts.
public struct PaletteEntry: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case action, project, build, template, artifact
    }

    /// Matched against the query; `FuzzyMatch.matchedIndices` point into it.
    public let title: String
    public let subtitle: String
    /// The key that runs it directly, shown at the right: `ctrl+s`.
    public let keyHint: String?
    public let kind: Kind
    /// Shown greyed out with this reason ("requires Member (you are Viewer)"); nil when it can run.
    public let disabledReason: String?
    public let target: PaletteTarget
    /// The title folded once, so ranking thousands of entries per keystroke does no string work.
    let searchable: FuzzyText

    public init(title: String, subtitle: String = "", keyHint: String? = nil, kind: Kind,
                disabledReason: String? = nil, target: PaletteTarget) {
        self.title = title
        self.subtitle = subtitle
        self.keyHint = keyHint
        self.kind = kind
        self.disabledReason = disabledReason
        self.target = target
        searchable = FuzzyText(title)
    }

    public static func == (a: PaletteEntry, b: PaletteEntry) -> Bool {
        a.title == b.title && a.subtitle == b.subtitle && a.keyHint == b.keyHint && a.kind == b.kind
            && a.disabledReason == b.disabledReason && a.target == b.target
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(title)
        hasher.combine(kind)
        hasher.combine(target)
    }
}
