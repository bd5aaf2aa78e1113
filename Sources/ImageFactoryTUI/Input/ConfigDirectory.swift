import Foundation

/// Where the user's own themes and keymap live.
enum ConfigDirectory {
    /// `$XDG_CONFIG_HOME/imagefactory`, else `~/.config/imagefactory`.
    static func path(environment: [String: String]) -> String {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            return (xdg as NSString).appendingPathComponent("imagefactory")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".config/imagefactory")
    }
}
