// Generated from keymaps/*.yaml by `sh .ci/generate-builtins`: edit the YAML files, then run it.

/// The built-in keymaps, embedded so an installed binary works without the repository.
enum BuiltInKeymaps {
    static let `default` = #"""
name: default
description: Arrow keys and single letters, with Ctrl and Alt chords for the product's Cmd shortcuts
# Keys: a character (q, G, "?"), ctrl+x, alt+x, alt+enter, enter, esc, tab, shift+tab, space, backspace,
# up/down/left/right, home/end, pgup/pgdn, f1-f12, shift+f1-shift+f12. Quote keys YAML treats specially.
# Terminals do not send Cmd: Cmd+K is ctrl+k here, Cmd+B (start build) is ctrl+s or alt+enter, Cmd+/ is ctrl+/.
# tmux takes ctrl+b, so no action relies on it alone.
bindings:
  # General
  quit: [q, ctrl+c]
  back: [esc]
  help: ["?", ctrl+/, f1]
  palette: [ctrl+k, ctrl+p]
  refresh: [ctrl+r, ctrl+l, f5]
  copyLink: [alt+l]
  saveScreen: [alt+s]
  watchPane: [W, alt+w]
  suspend: [ctrl+z]
  contextMenu: [m, shift+f10]

  # Navigation
  tab.next: [tab, "]"]
  tab.previous: [shift+tab, "["]
  up: [up]
  down: [down]
  pageUp: [pgup]
  pageDown: [pgdn]
  halfPageUp: [ctrl+u]
  halfPageDown: [ctrl+d]
  top: [home]
  bottom: [end]
  open: [enter]
  project.open: [o]
  build.open: ["#"]

  # Dashboard
  dashboard.builds: ["1"]
  dashboard.projects: ["2"]
  dashboard.queue: ["3"]

  # Build
  build.new: [n, alt+n]
  build.start: [ctrl+s, alt+enter]
  build.cancel: [x, delete]
  build.rerun: [r]
  logs.download: [D, alt+d]
  build.showLogs: [l]
  build.showArtifacts: [a]
  step.toggle: [enter, space]
  step.expandAll: ["+", "*"]
  step.collapseAll: ["-"]

  # Logs
  logs.search: ["/", ctrl+f]
  logs.nextMatch: [n]
  logs.previousMatch: [N]
  logs.filterLevel: [l]
  logs.nextError: [e]
  logs.previousError: [E]
  logs.follow: [f]
  logs.wrap: [w]
  logs.gotoLine: [g, ":"]
  logs.timestamps: [t]
  logs.copyLine: [y]
  logs.copyErrorExcerpt: [Y]
  logs.save: [s]
  logs.compare: [c]
  logs.scrollLeft: [left]
  logs.scrollRight: [right]

  # Artifacts
  artifact.download: [d, alt+d]

  # New build (a form: letters type text, so its actions are chords)
  newBuild.edit: [ctrl+e, alt+e]
  newBuild.validate: [alt+v, f9]
  newBuild.preview: [alt+p, f8]
  newBuild.saveTemplate: [alt+t]
  newBuild.nextField: [tab]
  newBuild.previousField: [shift+tab]

"""#

    static let vim = #"""
name: vim
description: Vim motions (j/k, g/G, ctrl+d/ctrl+u, / with n/N) on top of the default keys
# Same format as default.yaml. ctrl+b (page up in vim) is tmux's prefix, so pgup is bound too.
bindings:
  # General
  quit: [q, ctrl+c]
  back: [esc]
  help: ["?", ctrl+/, f1]
  palette: [ctrl+k, ":"]
  refresh: [ctrl+r, ctrl+l, f5]
  copyLink: [alt+l]
  saveScreen: [alt+s]
  watchPane: [W, alt+w]
  suspend: [ctrl+z]
  contextMenu: [m, shift+f10]

  # Navigation
  tab.next: [tab, "]"]
  tab.previous: [shift+tab, "["]
  up: [k, up]
  down: [j, down]
  pageUp: [pgup, ctrl+b]
  pageDown: [ctrl+f, pgdn]
  halfPageUp: [ctrl+u]
  halfPageDown: [ctrl+d]
  top: [g, home]
  bottom: [G, end]
  open: [enter]
  project.open: [o]
  build.open: ["#"]

  # Dashboard
  dashboard.builds: ["1"]
  dashboard.projects: ["2"]
  dashboard.queue: ["3"]

  # Build
  build.new: [n, alt+n]
  build.start: [ctrl+s, alt+enter]
  build.cancel: [x, delete]
  build.rerun: [r]
  logs.download: [D, alt+d]
  build.showLogs: [l]
  build.showArtifacts: [a]
  step.toggle: [enter, space]
  step.expandAll: ["+", "*"]
  step.collapseAll: ["-"]

  # Logs
  logs.search: ["/"]
  logs.nextMatch: [n]
  logs.previousMatch: [N]
  logs.filterLevel: [L]
  logs.nextError: [e]
  logs.previousError: [E]
  logs.follow: [f]
  logs.wrap: [w]
  logs.gotoLine: [":"]
  logs.timestamps: [t]
  logs.copyLine: [y]
  logs.copyErrorExcerpt: [Y]
  logs.save: [s]
  logs.compare: [c]
  logs.scrollLeft: [h, left]
  logs.scrollRight: [l, right]

  # Artifacts
  artifact.download: [d, alt+d]

  # New build (a form: letters type text, so its actions are chords)
  newBuild.edit: [ctrl+e, alt+e]
  newBuild.validate: [alt+v, f9]
  newBuild.preview: [alt+p, f8]
  newBuild.saveTemplate: [alt+t]
  newBuild.nextField: [tab]
  newBuild.previousField: [shift+tab]

"""#

    static let emacs = #"""
name: emacs
description: Emacs movement (ctrl+n/ctrl+p, ctrl+v/alt+v, alt+</alt+>), ctrl+s to search, alt+x for commands
# Same format as default.yaml. Key sequences (ctrl+x ctrl+c) are not supported: one key per binding.
bindings:
  # General
  quit: [q, ctrl+c]
  back: [esc, ctrl+g]
  help: ["?", ctrl+/, f1]
  palette: [alt+x, ctrl+k]
  refresh: [g, f5, ctrl+l]
  copyLink: [alt+l]
  saveScreen: [alt+s]
  watchPane: [W]
  suspend: [ctrl+z]
  contextMenu: [m, shift+f10]

  # Navigation
  tab.next: [tab, "]"]
  tab.previous: [shift+tab, "["]
  up: [ctrl+p, up]
  down: [ctrl+n, down]
  pageUp: [alt+v, pgup]
  pageDown: [ctrl+v, pgdn]
  halfPageUp: [alt+p]
  halfPageDown: [alt+n]
  top: ["alt+<", home]
  bottom: ["alt+>", end]
  open: [enter]
  project.open: [o]
  build.open: ["#"]

  # Dashboard
  dashboard.builds: ["1"]
  dashboard.projects: ["2"]
  dashboard.queue: ["3"]

  # Build
  build.new: [n]
  build.start: [ctrl+s, alt+enter]
  build.cancel: [x, delete]
  build.rerun: [r]
  logs.download: [D, alt+d]
  build.showLogs: [l]
  build.showArtifacts: [a]
  step.toggle: [enter, space]
  step.expandAll: ["+", "*"]
  step.collapseAll: ["-"]

  # Logs
  logs.search: [ctrl+s, "/"]
  logs.nextMatch: [n]
  logs.previousMatch: [N, ctrl+r]
  logs.filterLevel: [l]
  logs.nextError: [e]
  logs.previousError: [E]
  logs.follow: [f]
  logs.wrap: [w]
  logs.gotoLine: [alt+g, ":"]
  logs.timestamps: [t]
  logs.copyLine: [alt+w, y]
  logs.copyErrorExcerpt: [Y]
  logs.save: [s]
  logs.compare: [c]
  logs.scrollLeft: [left]
  logs.scrollRight: [right, ctrl+f]

  # Artifacts
  artifact.download: [d, alt+d]

  # New build (a form: letters type text, so its actions are chords)
  newBuild.edit: [alt+e]
  newBuild.validate: [alt+v, f9]
  newBuild.preview: [alt+d, f8]
  newBuild.saveTemplate: [alt+t]
  newBuild.nextField: [tab]
  newBuild.previousField: [shift+tab]

"""#

    static func source(named name: String) -> String? {
        switch name {
        case "default": `default`
        case "vim": vim
        case "emacs": emacs
        default: nil
        }
    }
}
