// Generated from themes/*.yaml: keep identical to the files (a test compares them).

/// The built-in themes, embedded so an installed binary works without the repository.
enum BuiltInThemes {
    static let `default` = #"""
name: default
description: Dark theme for 256-colour terminals
background: dark
# Colours: default, a basic name (red, bright-blue, ...), a palette index 0-255, or "#rrggbb" (quoted).
# fallback / fallback_bg: the basic colour to use when the terminal has only 16 colours. With 8, bright colours
# become their dark halves when those stay readable on the background, else the terminal's own foreground.
# background: the terminal background the theme is for (dark or light); the contrast tests check against it.
roles:
  text: { fg: default }
  dim: { fg: 245, fallback: bright-black }
  accent: { fg: 75, fallback: bright-blue }
  border: { fg: 240, fallback: bright-black }
  title: { fg: default, bold: true }
  header: { fg: default, bold: true }
  tab_active: { fg: 231, bg: 25, bold: true, fallback: bright-white, fallback_bg: blue }
  tab_inactive: { fg: 245, fallback: bright-black }
  selection: { fg: 231, bg: 24, fallback: bright-white, fallback_bg: blue }
  cursor_line: { bg: 236, fallback_bg: black }
  hint: { fg: 245, fallback: bright-black }
  hint_key: { fg: 75, bold: true, fallback: bright-blue }
  status_bar: { fg: 252, bg: 237, fallback: black, fallback_bg: white }
  info: { fg: 117, fallback: cyan }
  warn: { fg: 214, fallback: yellow }
  error: { fg: 196, fallback: bright-red, bold: true }
  success: { fg: 78, fallback: green }
  running: { fg: 81, fallback: bright-cyan }
  queued: { fg: 245, fallback: bright-black }
  cancelled: { fg: 139, fallback: magenta }
  search_match: { fg: 16, bg: 222, fallback: black, fallback_bg: yellow }
  current_match: { fg: 16, bg: 208, bold: true, underline: true, fallback: black, fallback_bg: bright-yellow }
  palette_match: { fg: 220, bold: true, fallback: bright-yellow }
  disabled: { fg: 240, fallback: bright-black }
  sparkline: { fg: 73, fallback: cyan }
  progress_done: { fg: 75, fallback: bright-blue }
  progress_todo: { fg: 238, fallback: bright-black }
  badge: { fg: 231, bg: 60, fallback: bright-white, fallback_bg: magenta }
  link: { fg: 75, underline: true, fallback: bright-blue }
  diff_added: { fg: 114, fallback: green }
  diff_removed: { fg: 210, fallback: bright-red }
  diff_masked: { fg: 243, fallback: bright-black }
  timestamp: { fg: 242, fallback: bright-black }
  system: { fg: 140, fallback: magenta }

"""#

    static let light = #"""
name: light
description: Light theme for 256-colour terminals with a light background
background: light
roles:
  text: { fg: default }
  dim: { fg: 244, fallback: bright-black }
  accent: { fg: 25, fallback: blue }
  border: { fg: 248, fallback: bright-black }
  title: { fg: default, bold: true }
  header: { fg: 238, bold: true, fallback: black }
  tab_active: { fg: 231, bg: 25, bold: true, fallback: bright-white, fallback_bg: blue }
  tab_inactive: { fg: 244, fallback: bright-black }
  selection: { fg: 16, bg: 153, fallback: black, fallback_bg: cyan }
  cursor_line: { bg: 254, fallback_bg: white }
  hint: { fg: 243, fallback: bright-black }
  hint_key: { fg: 25, bold: true, fallback: blue }
  status_bar: { fg: 235, bg: 252, fallback: black, fallback_bg: white }
  info: { fg: 25, fallback: blue }
  warn: { fg: 130, fallback: magenta }
  error: { fg: 160, bold: true, fallback: red }
  success: { fg: 28, fallback: blue }
  running: { fg: 31, fallback: bright-blue }
  queued: { fg: 244, fallback: bright-black }
  cancelled: { fg: 96, fallback: bright-black }
  search_match: { fg: 16, bg: 229, fallback: black, fallback_bg: yellow }
  current_match: { fg: 16, bg: 214, bold: true, underline: true, fallback: black, fallback_bg: bright-yellow }
  palette_match: { fg: 166, bold: true, fallback: red }
  disabled: { fg: 249, fallback: bright-black }
  sparkline: { fg: 31, fallback: bright-blue }
  progress_done: { fg: 31, fallback: blue }
  progress_todo: { fg: 248, fallback: bright-black }
  badge: { fg: 231, bg: 97, fallback: bright-white, fallback_bg: magenta }
  link: { fg: 25, underline: true, fallback: blue }
  diff_added: { fg: 28, fallback: blue }
  diff_removed: { fg: 160, fallback: red }
  diff_masked: { fg: 246, fallback: bright-black }
  timestamp: { fg: 246, fallback: bright-black }
  system: { fg: 91, fallback: magenta }

"""#

    static let highContrast = #"""
name: high-contrast
description: Bright colours and bold text on a dark background, no faint greys
background: dark
roles:
  text: { fg: 231, fallback: bright-white }
  dim: { fg: 252, fallback: white }
  accent: { fg: 51, bold: true, fallback: bright-cyan }
  border: { fg: 231, fallback: bright-white }
  title: { fg: 231, bold: true, underline: true, fallback: bright-white }
  header: { fg: 231, bold: true, underline: true, fallback: bright-white }
  tab_active: { fg: 16, bg: 231, bold: true, fallback: black, fallback_bg: bright-white }
  tab_inactive: { fg: 252, fallback: white }
  selection: { fg: 16, bg: 226, bold: true, fallback: black, fallback_bg: bright-yellow }
  cursor_line: { bold: true, underline: true }
  hint: { fg: 252, fallback: white }
  hint_key: { fg: 226, bold: true, fallback: bright-yellow }
  status_bar: { fg: 16, bg: 231, fallback: black, fallback_bg: bright-white }
  info: { fg: 51, fallback: bright-cyan }
  warn: { fg: 226, bold: true, fallback: bright-yellow }
  error: { fg: 231, bg: 160, bold: true, fallback: bright-white, fallback_bg: red }
  success: { fg: 46, bold: true, fallback: bright-green }
  running: { fg: 51, bold: true, fallback: bright-cyan }
  queued: { fg: 252, fallback: white }
  cancelled: { fg: 213, fallback: bright-magenta }
  search_match: { fg: 16, bg: 51, fallback: black, fallback_bg: bright-cyan }
  current_match: { fg: 16, bg: 226, bold: true, underline: true, fallback: black, fallback_bg: bright-yellow }
  palette_match: { fg: 226, bold: true, underline: true, fallback: bright-yellow }
  disabled: { fg: 250, underline: true, fallback: white }
  sparkline: { fg: 51, fallback: bright-cyan }
  progress_done: { fg: 46, fallback: bright-green }
  progress_todo: { fg: 250, fallback: white }
  badge: { fg: 16, bg: 213, bold: true, fallback: black, fallback_bg: bright-magenta }
  link: { fg: 51, underline: true, fallback: bright-cyan }
  diff_added: { fg: 46, bold: true, fallback: bright-green }
  diff_removed: { fg: 203, bold: true, fallback: bright-red }
  diff_masked: { fg: 252, underline: true, fallback: white }
  timestamp: { fg: 252, fallback: white }
  system: { fg: 213, fallback: bright-magenta }

"""#

    static let mono = #"""
name: mono
description: No colours, only bold, dim, underline and reverse video
roles:
  text: {}
  dim: { dim: true }
  accent: { bold: true }
  border: {}
  title: { bold: true }
  header: { bold: true, underline: true }
  tab_active: { bold: true, reverse: true }
  tab_inactive: {}
  selection: { reverse: true }
  cursor_line: { underline: true }
  hint: { dim: true }
  hint_key: { bold: true }
  status_bar: { reverse: true }
  info: {}
  warn: { bold: true }
  error: { bold: true, underline: true }
  success: {}
  running: { bold: true }
  queued: { dim: true }
  cancelled: { dim: true }
  search_match: { reverse: true }
  current_match: { bold: true, underline: true, reverse: true }
  palette_match: { bold: true, underline: true }
  disabled: { dim: true }
  sparkline: {}
  progress_done: { reverse: true }
  progress_todo: { dim: true }
  badge: { reverse: true }
  link: { underline: true }
  diff_added: { bold: true }
  diff_removed: { underline: true }
  diff_masked: { dim: true }
  timestamp: { dim: true }
  system: { dim: true }

"""#

    static func source(named name: String) -> String? {
        switch name {
        case "default": `default`
        case "light": light
        case "high-contrast": highContrast
        case "mono": mono
        default: nil
        }
    }
}
