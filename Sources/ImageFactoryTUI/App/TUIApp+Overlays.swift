import Foundation
import ImageFactoryCore
import Terminal

/// The overlays over the top screen (help, palette, confirm, menu, the save dialog) and their keys.
extension TUIApp {
    func handleOverlay(_ current: Overlay, key: Key) {
        switch current {
        case .help(let guide, var scroll):
            switch key {
            case .escape, .character("q"), .character("?"), .control("/"): overlay = nil
            case .tab, .backTab: overlay = .help(guide: guide == nil ? guidePage() : nil, scroll: ScrollPosition())
            default:
                if scroll.handle(key, page: bodyRect.height - 4) { overlay = .help(guide: guide, scroll: scroll) }
            }
        case .savePath(var request):
            switch key {
            case .escape:
                overlay = nil
                show("not saved")
            case .enter:
                overlay = nil
                switch request.target() {
                case .failure(let why): show(why.description)
                case .success(let url):
                    if FileManager.default.fileExists(atPath: url.path) {
                        overlay = .saveClash(request, url)
                    } else {
                        apply(request.write(url))
                    }
                }
            case .backspace: if !request.path.isEmpty { request.path.removeLast() }; overlay = .savePath(request)
            case .control("u"): request.path = ""; overlay = .savePath(request)
            case .character(let c): request.path.append(c); overlay = .savePath(request)
            default: break
            }
        case .saveClash(let request, let url):
            switch key {
            case .character("o"), .character("O"):
                overlay = nil
                apply(request.write(url))
            case .character("k"), .character("K"):
                overlay = nil
                apply(request.write(SaveRequest.freeName(beside: url)))
            case .character("c"), .character("C"), .character("n"), .escape, .character("q"):
                overlay = nil
                show("not saved: \(url.path) is left as it was")
            case .character("e"):
                overlay = .savePath(request)
            default: break
            }
        case .confirm(_, let onYes):
            switch key {
            case .character("y"), .character("Y"), .enter:
                overlay = nil
                apply(onYes())
            case .character("n"), .character("N"), .escape, .character("q"):
                overlay = nil
                show("cancelled")
            default: break
            }
        case .menu(var menu):
            switch key {
            case .escape, .character("q"): overlay = nil
            case .enter:
                overlay = nil
                if let item = menu.selectedItem { perform(item.action) }
            case .mouse(let event) where event.kind == .leftClick:
                overlay = nil
                if let item = menu.item(atY: event.y, in: bodyRect) { perform(item.action) }
            default:
                menu.handle(key)
                overlay = .menu(menu)
            }
        case .palette(var state):
            switch key {
            case .escape: overlay = nil
            case .enter:
                overlay = nil
                if let entry = state.selectedEntry { runPalette(entry) }
            default:
                state.handle(key)
                overlay = .palette(state)
            }
        }
    }

    func guidePage() -> [String] {
        let project = (stack.last as? ProjectScoped)?.project ?? (try? api.project(nil))?.project
        let admins = project.flatMap { try? api.members(of: $0.id!) }?.filter { $0.role >= .admin }.map { ($0.user, $0.role) } ?? []
        return HelpOverlay.guidePage(project: project, admins: admins)
    }
}
