import ImageFactoryCore

// The names screens use to ask for an action; the raw values are the keys of keymap files.
extension ActionID {
    public static let quit: ActionID = "quit"
    public static let back: ActionID = "back"
    public static let help: ActionID = "help"
    public static let palette: ActionID = "palette"
    public static let refresh: ActionID = "refresh"
    public static let copyLink: ActionID = "copyLink"
    public static let saveScreen: ActionID = "saveScreen"
    public static let watchPane: ActionID = "watchPane"
    public static let contextMenu: ActionID = "contextMenu"
    public static let suspend: ActionID = "suspend"
    public static let nextTab: ActionID = "tab.next"
    public static let previousTab: ActionID = "tab.previous"

    public static let moveUp: ActionID = "up"
    public static let moveDown: ActionID = "down"
    public static let pageUp: ActionID = "pageUp"
    public static let pageDown: ActionID = "pageDown"
    public static let halfPageUp: ActionID = "halfPageUp"
    public static let halfPageDown: ActionID = "halfPageDown"
    public static let top: ActionID = "top"
    public static let bottom: ActionID = "bottom"
    public static let open: ActionID = "open"

    public static let showBuilds: ActionID = "dashboard.builds"
    public static let showProjects: ActionID = "dashboard.projects"
    public static let showQueue: ActionID = "dashboard.queue"
    public static let openProject: ActionID = "project.open"
    public static let openBuild: ActionID = "build.open"

    public static let newBuild: ActionID = "build.new"
    public static let startBuild: ActionID = "build.start"
    public static let cancelBuild: ActionID = "build.cancel"
    public static let rerunBuild: ActionID = "build.rerun"
    public static let downloadLogs: ActionID = "logs.download"
    public static let showLogs: ActionID = "build.showLogs"
    public static let showArtifacts: ActionID = "build.showArtifacts"
    public static let toggleStep: ActionID = "step.toggle"
    public static let expandAllSteps: ActionID = "step.expandAll"
    public static let collapseAllSteps: ActionID = "step.collapseAll"

    public static let search: ActionID = "logs.search"
    public static let nextMatch: ActionID = "logs.nextMatch"
    public static let previousMatch: ActionID = "logs.previousMatch"
    public static let filterLevel: ActionID = "logs.filterLevel"
    public static let nextError: ActionID = "logs.nextError"
    public static let previousError: ActionID = "logs.previousError"
    public static let toggleFollow: ActionID = "logs.follow"
    public static let toggleWrap: ActionID = "logs.wrap"
    public static let gotoLine: ActionID = "logs.gotoLine"
    public static let toggleTimestamps: ActionID = "logs.timestamps"
    public static let copyLine: ActionID = "logs.copyLine"
    public static let copyErrorExcerpt: ActionID = "logs.copyErrorExcerpt"
    public static let saveLog: ActionID = "logs.save"
    public static let compareWithGoodBuild: ActionID = "logs.compare"
    public static let scrollLeft: ActionID = "logs.scrollLeft"
    public static let scrollRight: ActionID = "logs.scrollRight"

    public static let downloadArtifact: ActionID = "artifact.download"

    public static let editInEditor: ActionID = "newBuild.edit"
    public static let validateManifest: ActionID = "newBuild.validate"
    public static let previewPlan: ActionID = "newBuild.preview"
    public static let saveAsTemplate: ActionID = "newBuild.saveTemplate"
    public static let nextField: ActionID = "newBuild.nextField"
    public static let previousField: ActionID = "newBuild.previousField"
}

extension ActionDescriptor {
    /// Every action of the app. Keymaps bind keys to these ids; the order here is the order of the help overlay.
    public static let all: [ActionDescriptor] = general + navigation + dashboard + build + logs + artifacts + newBuild

    private static let general: [ActionDescriptor] = [
        .init(id: .quit, title: "Quit", category: "General", contexts: [.global], showInHints: true, hintOrder: 90,
              help: "Leave Image Factory. Running builds carry on in the background."),
        .init(id: .back, title: "Back", category: "General", contexts: [.global], showInHints: true, hintOrder: 80,
              help: "Close the overlay or go back to the previous screen."),
        .init(id: .help, title: "Show all shortcuts", shortTitle: "keys", category: "General", contexts: [.global],
              showInHints: true, hintOrder: 99, help: "Every key of this screen and the global ones."),
        .init(id: .palette, title: "Command palette", shortTitle: "commands", category: "General",
              contexts: [.global], showInHints: true, hintOrder: 85,
              help: "Search actions, projects, builds, templates and artifacts by name."),
        .init(id: .refresh, title: "Refresh", category: "General", contexts: [.global],
              help: "Reload what the screen shows and redraw it."),
        .init(id: .copyLink, title: "Copy link", category: "General", contexts: [.global],
              help: "Copy a link to this project or build to the clipboard (OSC 52, works over SSH)."),
        .init(id: .saveScreen, title: "Save screen to a file", category: "General", contexts: [.global],
              help: "Write the screen as plain text to a file."),
        .init(id: .watchPane, title: "Open watch pane", shortTitle: "watch", category: "General",
              contexts: [.global], help: "Split the tmux window and follow builds in a narrow `imagefactory watch` pane."),
        .init(id: .suspend, title: "Suspend to the shell", shortTitle: "suspend", category: "General",
              contexts: [.global], help: "Back to the shell; `fg` brings Image Factory back. Builds keep running."),
        .init(id: .contextMenu, title: "Context menu", shortTitle: "menu", category: "General", contexts: [.global],
              help: "The actions for the selected item, like a right click."),
    ]

    private static let navigation: [ActionDescriptor] = [
        .init(id: .nextTab, title: "Next tab", category: "Navigation", contexts: [.global],
              help: "Switch to the next tab."),
        .init(id: .previousTab, title: "Previous tab", category: "Navigation", contexts: [.global],
              help: "Switch to the previous tab."),
        nav(.moveUp, "Move up", "Select the previous row."),
        nav(.moveDown, "Move down", "Select the next row."),
        nav(.pageUp, "Page up", "Scroll up a screen."),
        nav(.pageDown, "Page down", "Scroll down a screen."),
        nav(.halfPageUp, "Half page up", "Scroll up half a screen."),
        nav(.halfPageDown, "Half page down", "Scroll down half a screen."),
        nav(.top, "Go to top", "Jump to the first row."),
        nav(.bottom, "Go to bottom", "Jump to the last row; in a log, follow new lines again."),
        .init(id: .open, title: "Open", category: "Navigation", contexts: [.dashboard, .project, .artifacts, .palette, .watch],
              showInHints: true, showInPalette: false, hintOrder: 5, help: "Open the selected item."),
        .init(id: .openProject, title: "Open project…", shortTitle: "project", category: "Navigation",
              contexts: [.global], help: "Pick a project by name and open it."),
        .init(id: .openBuild, title: "Open build…", shortTitle: "build", category: "Navigation",
              contexts: [.global], help: "Pick a build by number (like #12) and open it."),
    ]

    private static func nav(_ id: ActionID, _ title: String, _ help: String) -> ActionDescriptor {
        .init(id: id, title: title, category: "Navigation", contexts: [.global], showInPalette: false, help: help)
    }

    private static let dashboard: [ActionDescriptor] = [
        .init(id: .showBuilds, title: "My Projects tab", category: "Dashboard", contexts: [.dashboard],
              help: "Your projects with your role and their last build, then the recent builds."),
        .init(id: .showProjects, title: "Team tab", category: "Dashboard", contexts: [.dashboard],
              help: "The members of your projects and what they did last."),
        .init(id: .showQueue, title: "Activity tab", category: "Dashboard", contexts: [.dashboard],
              help: "What happened in your projects, newest first."),
    ]

    private static let build: [ActionDescriptor] = [
        .init(id: .newBuild, title: "New build", shortTitle: "new", category: "Build", contexts: [.dashboard, .project],
              permission: .startBuild, showInHints: true, hintOrder: 10,
              help: "Write a manifest from a template, check it and start it."),
        .init(id: .startBuild, title: "Start build", shortTitle: "start", category: "Build", contexts: [.newBuild],
              permission: .startBuild, showInHints: true, hintOrder: 1,
              help: "Queue this manifest as a build (the product's Cmd+B)."),
        .init(id: .cancelBuild, title: "Cancel build", shortTitle: "cancel", category: "Build",
              contexts: [.dashboard, .project, .build, .logs], permission: .cancelBuild, dangerous: true,
              showInHints: true, hintOrder: 40, help: "Stop the build and its whole process group. Asks first."),
        .init(id: .rerunBuild, title: "Re-run build", shortTitle: "re-run", category: "Build",
              contexts: [.dashboard, .project, .build, .logs], permission: .startBuild, showInHints: true,
              hintOrder: 45, help: "Start a new build from the same manifest."),
        .init(id: .downloadLogs, title: "Download logs", category: "Build", contexts: [.build, .logs],
              help: "Save the whole log of this build to a file."),
        .init(id: .showLogs, title: "Show logs", shortTitle: "logs", category: "Build", contexts: [.build, .artifacts],
              showInHints: true, hintOrder: 20, help: "The build's full log, coloured by level."),
        .init(id: .showArtifacts, title: "Show artifacts", shortTitle: "artifacts", category: "Build",
              contexts: [.build, .logs], showInHints: true, hintOrder: 25, help: "The files this build produced."),
        .init(id: .toggleStep, title: "Expand or collapse step", shortTitle: "expand", category: "Build",
              contexts: [.build], showInHints: true, hintOrder: 10, help: "Show or hide the selected step's log."),
        .init(id: .expandAllSteps, title: "Expand all steps", category: "Build", contexts: [.build],
              help: "Show the log of every step."),
        .init(id: .collapseAllSteps, title: "Collapse all steps", category: "Build", contexts: [.build],
              help: "Hide the log of every step."),
    ]

    private static let logs: [ActionDescriptor] = [
        .init(id: .search, title: "Search log", shortTitle: "search", category: "Logs", contexts: [.logs],
              showInHints: true, hintOrder: 10, help: "Find text in the whole log; matches fill in as the search runs."),
        .init(id: .nextMatch, title: "Next match", shortTitle: "next", category: "Logs", contexts: [.logs],
              showInHints: true, hintOrder: 12, help: "Jump to the next search match."),
        .init(id: .previousMatch, title: "Previous match", shortTitle: "prev", category: "Logs", contexts: [.logs],
              help: "Jump to the previous search match."),
        .init(id: .filterLevel, title: "Filter by level", shortTitle: "level", category: "Logs", contexts: [.logs],
              showInHints: true, hintOrder: 30, help: "Show all lines, or only warnings and errors, or only errors."),
        .init(id: .nextError, title: "Next error", shortTitle: "error", category: "Logs", contexts: [.logs],
              showInHints: true, hintOrder: 15, help: "Jump to the next error line."),
        .init(id: .previousError, title: "Previous error", category: "Logs", contexts: [.logs],
              help: "Jump to the previous error line."),
        .init(id: .toggleFollow, title: "Follow new lines", shortTitle: "follow", category: "Logs", contexts: [.logs],
              showInHints: true, hintOrder: 20, help: "Keep the newest line in view while the build runs."),
        .init(id: .toggleWrap, title: "Wrap long lines", shortTitle: "wrap", category: "Logs", contexts: [.logs],
              showInHints: true, hintOrder: 35, help: "Wrap long lines, or cut them and scroll sideways."),
        .init(id: .gotoLine, title: "Go to line", category: "Logs", contexts: [.logs],
              help: "Jump to a line number."),
        .init(id: .toggleTimestamps, title: "Show timestamps", shortTitle: "time", category: "Logs", contexts: [.logs],
              help: "Show or hide the time of each line."),
        .init(id: .copyLine, title: "Copy line", shortTitle: "copy", category: "Logs", contexts: [.logs],
              showInHints: true, hintOrder: 40, help: "Copy the current line to the clipboard."),
        .init(id: .copyErrorExcerpt, title: "Copy error excerpt", category: "Logs", contexts: [.logs],
              help: "Copy the current error with the lines around it, ready to paste in a ticket."),
        .init(id: .saveLog, title: "Save log to a file", shortTitle: "save", category: "Logs", contexts: [.logs],
              help: "Write the log (as filtered) to a file."),
        .init(id: .compareWithGoodBuild, title: "Compare with last good build", shortTitle: "compare",
              category: "Logs", contexts: [.logs], showInHints: true, hintOrder: 50,
              help: "Show how this log differs from the last successful build of the same manifest."),
        .init(id: .scrollLeft, title: "Scroll left", category: "Logs", contexts: [.logs], showInPalette: false,
              help: "Scroll sideways when lines are not wrapped."),
        .init(id: .scrollRight, title: "Scroll right", category: "Logs", contexts: [.logs], showInPalette: false,
              help: "Scroll sideways when lines are not wrapped."),
    ]

    private static let artifacts: [ActionDescriptor] = [
        .init(id: .downloadArtifact, title: "Download artifact", shortTitle: "download", category: "Artifacts",
              contexts: [.artifacts], permission: .downloadArtifact, showInHints: true, hintOrder: 10,
              help: "Copy the selected artifact to a directory, checking its SHA-256."),
    ]

    private static let newBuild: [ActionDescriptor] = [
        .init(id: .editInEditor, title: "Edit in $EDITOR", shortTitle: "editor", category: "New build",
              contexts: [.newBuild], showInHints: true, hintOrder: 5, help: "Open the manifest in your editor."),
        .init(id: .validateManifest, title: "Validate manifest", shortTitle: "validate", category: "New build",
              contexts: [.newBuild], showInHints: true, hintOrder: 10,
              help: "Check the manifest and list errors and warnings with their lines."),
        .init(id: .previewPlan, title: "Preview plan (dry run)", shortTitle: "preview", category: "New build",
              contexts: [.newBuild], showInHints: true, hintOrder: 15,
              help: "The steps, exact commands and limits the build would run, without running them."),
        .init(id: .saveAsTemplate, title: "Save as template", shortTitle: "template", category: "New build",
              contexts: [.newBuild], permission: .saveTemplate, help: "Keep this manifest as a template of the project."),
        .init(id: .nextField, title: "Next field", category: "New build", contexts: [.newBuild], showInPalette: false,
              help: "Move to the next field of the form."),
        .init(id: .previousField, title: "Previous field", category: "New build", contexts: [.newBuild],
              showInPalette: false, help: "Move to the previous field of the form."),
    ]
}
