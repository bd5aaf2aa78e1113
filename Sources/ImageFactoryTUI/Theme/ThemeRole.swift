/// A named part of the interface that a theme colours. The raw value is the key in theme files.
public enum ThemeRole: String, Sendable, CaseIterable, Hashable {
    case text, dim, accent, border, title, header
    case tabActive = "tab_active"
    case tabInactive = "tab_inactive"
    case selection
    case cursorLine = "cursor_line"
    case hint
    case hintKey = "hint_key"
    case statusBar = "status_bar"
    case info, warn, error, success, running, queued, cancelled
    case searchMatch = "search_match"
    case currentMatch = "current_match"
    case paletteMatch = "palette_match"
    case disabled, sparkline
    case progressDone = "progress_done"
    case progressTodo = "progress_todo"
    case badge, link
    case diffAdded = "diff_added"
    case diffRemoved = "diff_removed"
    case diffMasked = "diff_masked"
    case timestamp
    /// The runner's own lines in a build log (setup, limits, exit status), as opposed to the tool's output.
    case system
}
