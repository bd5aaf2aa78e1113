import Foundation
import Terminal

/// A file the interface is about to write: where (editable before anything is written) and how.
struct SaveRequest {
    var what: String
    /// As typed: absolute, `~/...`, or relative to `base`; a directory gets `suggestedName` appended.
    var path: String
    let suggestedName: String
    let base: URL
    let write: (URL) -> ScreenEffect?

    /// The file the path names, or why it cannot be written there.
    func target() -> Result<URL, SaveProblem> {
        var text = path.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return .failure(SaveProblem("not saved: no path given")) }
        if text == "~" || text.hasPrefix("~/") {
            text = FileManager.default.homeDirectoryForCurrentUser.path + text.dropFirst()
        }
        var url = text.hasPrefix("/") ? URL(fileURLWithPath: text) : base.appendingPathComponent(text)
        var isDirectory: ObjCBool = false
        if text.hasSuffix("/") || (FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue) {
            url.appendPathComponent(suggestedName)
        }
        url = url.standardizedFileURL
        let parent = url.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return .failure(SaveProblem("not saved: the directory \(parent.path) does not exist"))
        }
        guard FileManager.default.isWritableFile(atPath: parent.path) else {
            return .failure(SaveProblem("not saved: you may not write in \(parent.path)"))
        }
        return .success(url)
    }

    /// `name-1.ext`, `name-2.ext` ...: the first that does not exist beside `url`.
    static func freeName(beside url: URL) -> URL {
        let dir = url.deletingLastPathComponent()
        let ext = url.pathExtension
        let stem = ext.isEmpty ? url.lastPathComponent : String(url.lastPathComponent.dropLast(ext.count + 1))
        // `.tar.gz` keeps its double extension: app-1.tar.gz, not app.tar-1.gz.
        let (base, suffix) = stem.hasSuffix(".tar") ? (String(stem.dropLast(4)), ".tar." + ext) : (stem, ext.isEmpty ? "" : "." + ext)
        var n = 1
        while true {
            let candidate = dir.appendingPathComponent("\(base)-\(n)\(suffix)")
            if !FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            n += 1
        }
    }
}

struct SaveProblem: Error, CustomStringConvertible {
    let description: String
    init(_ text: String) { description = text }
}

enum SaveDialog {
    static func renderPath(_ request: SaveRequest, into grid: inout Grid, rect: Rect, theme: Theme, unicode: Bool) {
        let hint = TextWrap.wrap("Enter: save here · Esc: cancel · Ctrl+U: clear · a directory keeps the name",
                                 width: box(rect, rows: 0).width - 4)
        let f = box(rect, rows: 2 + hint.count)
        Box.draw(into: &grid, rect: f, title: "Save \(request.what)", theme: theme, unicode: unicode)
        let room = f.width - 4
        // The end of a long path is the part being typed: keep it in view.
        var shown = request.path
        while CellWidth.of(shown) > room - 1, !shown.isEmpty { shown.removeFirst() }
        let used = grid.put(shown, x: f.x + 2, y: f.y + 1, style: theme.text.with(bold: true), maxWidth: room)
        grid.cursor = (f.x + 2 + used, f.y + 1)
        for (i, row) in hint.enumerated() { grid.put(row, x: f.x + 2, y: f.y + 3 + i, style: theme.dim, maxWidth: room) }
    }

    static func renderClash(_ request: SaveRequest, existing url: URL, into grid: inout Grid, rect: Rect, theme: Theme, unicode: Bool) {
        let room = box(rect, rows: 0).width - 4
        let question = TextWrap.wrap("\(url.path) already exists.", width: room)
        let options = TextWrap.wrap("o: overwrite · k: keep both (\(SaveRequest.freeName(beside: url).lastPathComponent)) · e: edit the path · Esc: cancel", width: room)
        let f = box(rect, rows: question.count + options.count)
        Box.draw(into: &grid, rect: f, title: "File exists", theme: theme, unicode: unicode)
        for (i, row) in question.enumerated() { grid.put(row, x: f.x + 2, y: f.y + 1 + i, style: theme.warn.with(bold: true), maxWidth: room) }
        for (i, row) in options.enumerated() { grid.put(row, x: f.x + 2, y: f.y + 1 + question.count + i, style: theme.dim, maxWidth: room) }
    }

    private static func box(_ rect: Rect, rows: Int) -> Rect {
        let width = min(rect.width - 2, 100)
        let height = rows + 2
        return Rect(x: rect.x + (rect.width - width) / 2, y: rect.y + max(0, (rect.height - height) / 2), width: width, height: height)
    }
}
