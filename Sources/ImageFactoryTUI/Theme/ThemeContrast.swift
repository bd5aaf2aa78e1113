import Foundation
import Terminal

/// How legible a role is: the WCAG 2 contrast ratio of its foreground against its background, with
/// palette indices taken as xterm's default RGB values and the terminal's own colours assumed to be
/// light-grey-on-black for dark themes and black-on-white for light ones.
///
/// Minimums: 3.0 for text (WCAG's level for large text and for interface components; 4.5 cannot be had
/// at 8 colours, where xterm's own red on black is 3.6), and 2.0 for the roles that are meant to recede
/// (dim and disabled text, borders, the empty part of a progress bar): WCAG exempts inactive components
/// and decoration, and 2.0 keeps them on the screen, unlike the 1.0 of black on black.
public enum ThemeContrast {
    public static let textMinimum = 3.0
    public static let recedingMinimum = 2.0
    public static let recedingRoles: Set<ThemeRole> = [.dim, .disabled, .border, .progressTodo]

    public static func minimum(for role: ThemeRole) -> Double {
        recedingRoles.contains(role) ? recedingMinimum : textMinimum
    }

    /// The terminal's default colours assumed for a theme's background.
    static func defaults(_ background: Theme.Background) -> (fg: ThemeColor.RGB, bg: ThemeColor.RGB) {
        switch background {
        case .dark: (ThemeColor.RGB(229, 229, 229), ThemeColor.RGB(0, 0, 0))
        case .light: (ThemeColor.RGB(0, 0, 0), ThemeColor.RGB(255, 255, 255))
        }
    }

    /// The colours a style is seen in: defaults filled in, reverse video swapped, and `dim` drawn
    /// half-way to the background (as xterm and VTE draw faint text).
    static func seen(_ style: TextStyle, on background: Theme.Background) -> (fg: ThemeColor.RGB, bg: ThemeColor.RGB) {
        let d = defaults(background)
        var fg = style.foreground == .default ? d.fg : rgb(style.foreground)
        var bg = style.background == .default ? d.bg : rgb(style.background)
        if style.reverse { swap(&fg, &bg) }
        if style.dim { fg = ThemeColor.RGB((fg.r + bg.r) / 2, (fg.g + bg.g) / 2, (fg.b + bg.b) / 2) }
        return (fg, bg)
    }

    /// The contrast ratio (1 to 21) of a resolved style on a terminal with a `background` background.
    public static func ratio(_ style: TextStyle, on background: Theme.Background) -> Double {
        let c = seen(style, on: background)
        return ratio(c.fg, c.bg)
    }

    static func ratio(_ a: ThemeColor.RGB, _ b: ThemeColor.RGB) -> Double {
        let la = luminance(a), lb = luminance(b)
        return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
    }

    /// WCAG 2 relative luminance, 0 (black) to 1 (white).
    static func luminance(_ c: ThemeColor.RGB) -> Double {
        func channel(_ v: Int) -> Double {
            let s = Double(v) / 255
            return s <= 0.03928 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)
    }

    private static func rgb(_ color: TerminalColor) -> ThemeColor.RGB {
        if case .index(let i) = color { return ThemeColor.rgb(ofIndex: i) }
        return ThemeColor.RGB(0, 0, 0)
    }
}
