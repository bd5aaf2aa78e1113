/// How users name a build: `7`, `#7`, `examples#7`, `examples/7`, or a link `/projects/ID/builds/7[/logs]`.
public struct BuildReference: Sendable, Hashable, CustomStringConvertible {
    public enum ProjectRef: Sendable, Hashable { case name(String), id(ProjectID) }
    public var project: ProjectRef?
    public var number: BuildNumber

    public init(project: ProjectRef?, number: BuildNumber) {
        self.project = project
        self.number = number
    }

    public init?(parsing text: String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("/projects/") {
            let parts = t.split(separator: "/")
            guard parts.count >= 4, parts[2] == "builds", let pid = Int64(parts[1]), let n = Int64(parts[3]), n > 0 else { return nil }
            self.init(project: .id(ProjectID(rawValue: pid)), number: BuildNumber(n))
            return
        }
        var projectPart: Substring?
        var numberPart = Substring(t)
        if let sep = t.lastIndex(where: { $0 == "#" || $0 == "/" }) {
            projectPart = t[..<sep]
            numberPart = t[t.index(after: sep)...]
        }
        guard let n = Int64(numberPart), n > 0 else { return nil }
        if let p = projectPart, !p.isEmpty {
            self.init(project: .name(String(p)), number: BuildNumber(n))
        } else {
            self.init(project: nil, number: BuildNumber(n))
        }
    }

    public var description: String {
        switch project {
        case .name(let n)?: "\(n)#\(number.rawValue)"
        case .id(let id)?: "/projects/\(id)/builds/\(number.rawValue)"
        case nil: "#\(number.rawValue)"
        }
    }
}

import Foundation
