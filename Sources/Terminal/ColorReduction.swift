/// Maps 256-colour palette indexes onto terminals with fewer colours.
enum ColorReduction {
    /// xterm's RGB values for the 16 basic colours.
    static let basic: [(Int, Int, Int)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]

    /// The RGB value xterm gives palette index `i`.
    static func rgb(_ i: UInt8) -> (Int, Int, Int) {
        switch i {
        case 0..<16: return basic[Int(i)]
        case 16..<232:
            let n = Int(i) - 16
            let level = { (v: Int) in v == 0 ? 0 : 55 + v * 40 }
            return (level(n / 36), level(n / 6 % 6), level(n % 6))
        default:
            let v = 8 + (Int(i) - 232) * 10
            return (v, v, v)
        }
    }

    /// The nearest of the first `count` basic colours (16 or 8) to palette index `i`.
    static func nearest(_ i: UInt8, among count: Int) -> UInt8 {
        if Int(i) < count { return i }
        if i < 16 { return i & 7 }
        let (r, g, b) = rgb(i)
        var best = 0
        var bestDistance = Int.max
        for (n, c) in basic.prefix(count).enumerated() {
            let d = (r - c.0) * (r - c.0) + (g - c.1) * (g - c.1) + (b - c.2) * (b - c.2)
            if d < bestDistance { bestDistance = d; best = n }
        }
        return UInt8(best)
    }
}
