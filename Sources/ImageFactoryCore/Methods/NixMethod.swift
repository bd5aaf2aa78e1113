import Foundation

/// The nix method: an expression (a file in the context, or inline), a flake attribute, or a builtins-only
/// derivation generated from the manifest; built with `--log-format internal-json`; the output's closure is
/// exported as an archive and its store path hash is the build's reproducibility fingerprint.
public struct NixMethod: BuildMethodPlanner {
    public let method = BuildMethod.nix
    let environment: MethodEnvironment

    static let generatedExpression = "imagefactory.nix"
    public static let closureArchive = "nix-closure.export"

    public init(environment: MethodEnvironment) { self.environment = environment }

    public func plan(_ manifest: Manifest, project: Project, warnings: [ManifestDiagnostic]) throws -> BuildPlan {
        var plan = BuildPlan.common(manifest, project: project, warnings: warnings, method: .nix)
        if environment.nixBuild == nil || environment.nixStore == nil {
            plan.blockers.append(MethodUnavailable(tool: "nix-build", reason: "nix is not installed (nix-build, nix-store)",
                                                   install: "apt-get install nix-bin, then configure /etc/nix/nix.conf (see the README)"))
        }
        let nixBuild = environment.nixBuild ?? "nix-build"
        let nixStore = environment.nixStore ?? "nix-store"
        let attribute = manifest.option(NixOption.attribute)
        var files: [BuildPlan.GeneratedFile] = []
        var details: [String] = []
        var commands: [BuildPlan.PlannedCommand] = []
        if let flake = manifest.option(NixOption.flake) {
            let nix = (nixBuild as NSString).deletingLastPathComponent + "/nix"
            let ref = attribute.map { flake.contains("#") ? flake : "\(flake)#\($0)" } ?? flake
            commands.append(.init(source: "nix build \(ref)",
                                  argv: [nix, "--extra-experimental-features", "nix-command flakes", "build",
                                         "--log-format", "internal-json", "-v", "-o", "result", ref]))
            commands.append(.init(source: "print the output path", argv: ["/bin/readlink", "-f", "result"]))
            details.append("the flake attribute `\(ref)`")
        } else {
            let input: ToolInput
            if let given = manifest.option(NixOption.expression) {
                input = .given(given, inline: !given.hasSuffix(".nix"), generatedPath: Self.generatedExpression, what: "expression")
            } else {
                input = .generated(NixExpressionGenerator.generate(manifest), path: Self.generatedExpression,
                                   detail: "a builtins-only derivation generated from the manifest: its commands run in /bin/sh and write $out")
            }
            let path = input.path
            files += input.file.map { [$0] } ?? []
            details.append(input.detail)
            var argv = [nixBuild, "--log-format", "internal-json", "-v", "-o", "result", path]
            if let attribute { argv += ["-A", attribute] }
            commands.append(.init(source: "nix-build \(path)", argv: argv))
        }
        details.append("build activities become steps with done/expected progress; `msg` at level 0 is the failure reason")
        plan.engineNote = environment.nixBuild.map { "nix at \($0)" }
        let export = BuildPlan.PlannedCommand(
            source: "export the output's closure",
            argv: ["/bin/sh", "-c", "\(shellQuote(nixStore)) --export $(\(shellQuote(nixStore)) -qR result) > \(Self.closureArchive)"])
        plan.steps.insert(contentsOf: [
            .init(name: "Nix build", kind: .commands, details: details, commands: commands, files: files, parser: .nix),
            .init(name: "Export closure", kind: .commands,
                  details: ["\(Self.closureArchive): the output and everything it references (`nix-store --import` reads it)",
                            "result: the output itself"],
                  commands: [export], files: []),
        ], at: 1)
        plan.producedArtifacts = [Self.closureArchive, "result"]
        return plan
    }
}

/// The options of the nix method.
enum NixOption {
    static let expression: OptionKey<String> = .string("expression", help: "a nix expression: inline text, or a .nix file in the context")
    static let flake: OptionKey<String> = .string("flake", help: "a flake reference to build, like .#pkg")
    static let attribute: OptionKey<String> = .string("attribute", help: "the attribute to build (`-A`, or the flake's output)")

    static let all: [MethodOption] = [expression.declaration, flake.declaration, attribute.declaration]
}

extension MethodDescriptor {
    static let nix = MethodDescriptor(
        method: .nix,
        summary: "expression (inline or .nix, attribute), flake, or commands writing $out",
        options: NixOption.all,
        requirement: .oneOf([NixOption.expression.key, NixOption.flake.key, "commands"]),
        tools: [ToolProbe(name: "nix-build", purpose: "nix method", versionArguments: ["--version"],
                          foundStatus: "usable when nix.conf allows builds (see the methods)", install: "apt-get install nix-bin")],
        readiness: { probe in
            let version = probe.environment.nixBuild.flatMap { probe.version([$0, "--version"]) }
            var works = false
            if let nixBuild = probe.environment.nixBuild {
                let expression = "derivation { name = \"imagefactory-doctor\"; system = builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" \"echo ok > $out\" ]; }"
                works = ProbeCommand.succeeds([nixBuild, "--no-out-link", "-E", expression], timeout: 30)
            }
            return MethodReadiness(method: .nix, tool: version, usable: works,
                                   usableNote: version == nil ? "not installed" : works ? "builds a builtins-only derivation" : "nix-build of a trivial derivation fails",
                                   limits: works ? probe.cgroupLimits : "-",
                                   install: version == nil ? "apt-get install nix-bin, then /etc/nix/nix.conf (see the README)"
                                       : works ? "" : "see /etc/nix/nix.conf: without a nixbld group set `build-users-group =`, and `sandbox = false`")
        },
        example: MethodExample(name: "nix-hello", description: "Reproducible builtins-only nix derivation", manifest: """
            name: nix-hello
            method: nix
            expression: |
              derivation {
                name = "hello";
                system = builtins.currentSystem;
                builder = "/bin/sh";
                args = [ "-c" "echo hello > $out" ];
              }
            output: nix-closure
            artifacts:
              - result

            """),
        planner: { environment in NixMethod(environment: environment()) })
}

/// A derivation that needs no nixpkgs: `/bin/sh` runs the manifest's commands, which write `$out`.
enum NixExpressionGenerator {
    static func generate(_ manifest: Manifest) -> String {
        let script = (["set -e"] + manifest.commands).joined(separator: "\n")
        var out = ["# Generated by imagefactory from the manifest `\(manifest.name)`.",
                   "derivation {",
                   "  name = \(nixString(manifest.name));",
                   "  system = builtins.currentSystem;",
                   "  builder = \"/bin/sh\";",
                   "  args = [ \"-c\" \(nixString(script)) ];"]
        for (k, v) in manifest.envPairs where k.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
            out.append("  \(k) = \(nixString(v));")
        }
        out.append("}")
        return out.joined(separator: "\n") + "\n"
    }

    static func nixString(_ s: String) -> String {
        var out = "\""
        var previous: Character = " "
        for ch in s {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "{" where previous == "$": out += "\\{"
            default: out.append(ch)
            }
            previous = ch
        }
        return out + "\""
    }
}
