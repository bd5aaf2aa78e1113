import Foundation
import Testing
@testable import ImageFactoryCore
@testable import ImageFactoryTUI
@testable import Terminal

/// Which real build tools work on this machine; a test that needs a missing one skips with the printed reason.
enum BuildTools {
    static let environment = MethodEnvironment.detect()

    static func reason(_ name: String, _ missing: String?) -> String? {
        if let missing { print("\(name) tests skipped: \(missing)") }
        return missing
    }

    static let podmanMissing: String? = reason("podman", {
        guard let podman = environment.podman else { return "podman is not installed (apt-get install podman runc)" }
        guard ProbeCommand.succeeds([podman] + environment.podmanFlags + ["info"], timeout: 30) else { return "`podman info` fails here" }
        guard access("/bin/busybox", X_OK) == 0 else { return "no /bin/busybox to copy into images (apt-get install busybox-static)" }
        guard environment.skopeo != nil else { return "skopeo is not installed (apt-get install skopeo)" }
        return nil
    }())

    static let arm64Missing: String? = reason("multi-platform", {
        if let podmanMissing { return podmanMissing }
        guard arm64Busybox != nil else { return "no arm64 busybox: set IMAGEFACTORY_TEST_BUSYBOX_ARM64 (.ci/run fetches busybox-static:arm64)" }
        guard access("/proc/sys/fs/binfmt_misc/qemu-aarch64", F_OK) == 0 else {
            return "qemu-aarch64 is not registered in binfmt_misc (apt-get install qemu-user-static binfmt-support; update-binfmts --enable qemu-aarch64)"
        }
        return nil
    }())

    static var arm64Busybox: String? {
        let path = ProcessInfo.processInfo.environment["IMAGEFACTORY_TEST_BUSYBOX_ARM64"] ?? "/var/cache/imagefactory-ci/busybox-arm64"
        return access(path, X_OK) == 0 ? path : nil
    }

    static let dockerMissing: String? = reason("docker engine", {
        guard environment.docker != nil else { return "no docker CLI (apt-get install docker.io)" }
        guard environment.dockerEngine else { return "no Docker engine answers `docker info` (.ci/run starts dockerd --bridge=none --iptables=false)" }
        guard access("/bin/busybox", X_OK) == 0 else { return "no /bin/busybox to copy into images (apt-get install busybox-static)" }
        guard environment.skopeo != nil else { return "skopeo is not installed (apt-get install skopeo)" }
        return nil
    }())

    static let packerMissing: String? = reason("packer", environment.packer == nil ? "packer is not installed (apt-get install packer)" : nil)

    static let nixMissing: String? = reason("nix", {
        guard let nixBuild = environment.nixBuild else { return "nix is not installed (apt-get install nix-bin)" }
        let probe = "derivation { name = \"probe\"; system = builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" \"echo > $out\" ]; }"
        guard ProbeCommand.succeeds([nixBuild, "--no-out-link", "-E", probe], timeout: 60) else {
            return "nix-build of a builtins-only derivation fails: /etc/nix/nix.conf needs `build-users-group =` and `sandbox = false` (.ci/run writes it)"
        }
        return nil
    }())

    static func comment(_ reason: String?) -> Comment { Comment(rawValue: reason ?? "tool available") }
}

/// A service whose project builds containers with podman, even where a Docker engine runs too.
func podmanService(_ home: TemporaryHome) throws -> FactoryService {
    let service = try home.service()
    _ = try service.changeProject(try service.project(nil), ProjectSettingsChange(containerEngine: .podman))
    return service
}

/// A build context directory holding a static busybox.
func busyboxContext(_ home: TemporaryHome, arm64: String? = nil) throws -> URL {
    let ctx = home.url.appendingPathComponent("ctx")
    try FileManager.default.createDirectory(at: ctx, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: ctx.appendingPathComponent("busybox").path)
    try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: ctx.appendingPathComponent("busybox-amd64").path)
    if let arm64 { try FileManager.default.copyItem(atPath: arm64, toPath: ctx.appendingPathComponent("busybox-arm64").path) }
    return ctx
}

/// Runs a manifest through the service in this process and returns the finished build.
func runBuild(_ service: FactoryService, _ manifest: String) async throws -> Build {
    let project = try service.project(nil)
    let build = try service.startBuild(text: manifest, file: nil, in: project)
    return try await service.runBuild(build.id!, options: RunnerOptions(sampleInterval: .milliseconds(250), killGrace: .seconds(2)))
}

/// Runs a short command and returns its exit status and output.
func runTool(_ argv: [String], timeout: Double = 120) -> (status: Int32, output: String) {
    ProbeCommand.run(argv, timeout: timeout) ?? (-1, "")
}

/// The build page of a build, rendered into the in-memory terminal.
func renderBuildPage(_ service: FactoryService, _ build: Build, width: Int = 120, height: Int = 40) throws -> String {
    let terminal = MemoryTerminal(width: width, height: height,
                                  capabilities: .init(colors: .palette256, unicode: true, mouse: true, insideTmux: false))
    let keymap = try #require(KeymapLoader.builtIn(named: "default"))
    let app = TUIApp(api: InProcessFactoryAPI(service: service), terminal: terminal, theme: ThemeLoader.builtIn(named: "default"),
                     glyphs: .unicode, registry: ActionRegistry(keymap: keymap))
    try app.open(link: "/projects/\(build.projectId)/builds/\(build.number.rawValue)")
    try app.stack.last?.load(app.api)?()
    return app.renderFrame().text
}
