import Foundation

/// The packer method: the manifest's template (a path in the context, or inline HCL2), or an HCL2 template
/// generated from the manifest; `packer build -machine-readable`, whose stages become steps and whose
/// artifact records and manifest post-processor output become artifacts.
public struct PackerMethod: BuildMethodPlanner {
    public let method = BuildMethod.packer
    let environment: MethodEnvironment

    static let generatedTemplate = "imagefactory.pkr.hcl"
    static let manifestFile = "packer-manifest.json"

    public init(environment: MethodEnvironment) { self.environment = environment }

    public func plan(_ manifest: Manifest, project: Project, warnings: [ManifestDiagnostic]) throws -> BuildPlan {
        var plan = BuildPlan.common(manifest, project: project, warnings: warnings, method: .packer)
        let packer = environment.packer ?? "packer"
        if environment.packer == nil {
            plan.blockers.append(MethodUnavailable(tool: "packer", reason: "packer is not installed",
                                                   install: "apt-get install packer"))
        }
        let input: ToolInput
        if let given = manifest.option(PackerOption.template) {
            // HCL has braces; a path has none.
            input = .given(given, inline: given.contains("{"), generatedPath: Self.generatedTemplate, what: "template")
        } else {
            let builders = manifest.option(PackerOption.builders) ?? ["null"]
            input = .generated(PackerTemplateGenerator.generate(manifest, builders: builders, limits: plan.limits),
                               path: Self.generatedTemplate,
                               detail: "an HCL2 template generated from the manifest: sources \(builders.joined(separator: ", ")), commands as a shell-local provisioner, a manifest post-processor")
        }
        let templatePath = input.path
        let files = input.file.map { [$0] } ?? []
        var details = [input.detail]
        var argv = [packer, "build", "-machine-readable", "-color=false", "-force"]
        if let onError = manifest.option(PackerOption.onError) { argv.append("-on-error=\(onError)") }
        if let vars = manifest.option(PackerOption.variables) {
            for (k, v) in vars.sorted(by: { $0.key < $1.key }) { argv += ["-var", "\(k)=\(Self.scalar(v))"] }
        }
        argv.append(templatePath)
        details.append("stages (`==> build: ...`) become steps; `ui,error` records the failure reason; artifact files are stored")
        if manifest.sets(PackerOption.template), let memory = plan.limits.memoryBytes {
            details.append("memory \(ByteCount(bytes: memory)) applies to packer and its builders' processes (a qemu VM's own size is the template's `memory`)")
        }
        plan.engineNote = environment.packer.map { "packer at \($0)" }
        plan.steps.insert(.init(name: "Packer build", kind: .commands, details: details,
                                commands: [.init(source: "packer build", argv: argv,
                                                 environment: ["CHECKPOINT_DISABLE": "1", "PACKER_NO_COLOR": "1"])],
                                files: files, parser: .packer), at: 1)
        plan.producedArtifacts = [Self.manifestFile]
        return plan
    }

    static func scalar(_ v: ManifestValue) -> String {
        switch v {
        case .string(let s): s
        case .number(let n): n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .bool(let b): b ? "true" : "false"
        case .list, .map: (try? String(data: JSONEncoder().encode(v), encoding: .utf8)) ?? ""
        }
    }
}

/// The options of the packer method.
enum PackerOption {
    static let template: OptionKey<String> = .string("template", help: "the HCL2 template: inline text, or a path in the context")
    static let variables: OptionKey<[String: ManifestValue]> = .anyMap("variables", help: "`-var NAME=VALUE` for each entry")
    static let builders: OptionKey<[String]> = .stringList("builders", help: "the sources of a generated template: null (the default), file, qemu")
    static let onError: OptionKey<String> = .string("on_error", help: "packer's `-on-error` (cleanup, abort, ask, run-cleanup-provisioner)")

    static let all: [MethodOption] = [template.declaration, variables.declaration, builders.declaration, onError.declaration]
}

extension MethodDescriptor {
    static let packer = MethodDescriptor(
        method: .packer,
        summary: "template (inline HCL or a path) or commands; variables, builders, on_error",
        options: PackerOption.all,
        requirement: .oneOf([PackerOption.template.key, "commands"]),
        tools: [ToolProbe(name: "packer", purpose: "packer method", versionArguments: ["version"], foundStatus: "usable",
                          install: "apt-get install packer")],
        readiness: { probe in
            let version = probe.environment.packer.flatMap { probe.version([$0, "version"]) }
            return MethodReadiness(method: .packer, tool: version, usable: version != nil,
                                   usableNote: version != nil ? "null, file and shell-local work anywhere; qemu needs accelerator = \"tcg\" without KVM, and a VM's size comes from the template's memory and cpus" : "not installed",
                                   limits: version != nil ? probe.cgroupLimits : "-",
                                   install: version == nil ? "apt-get install packer" : "")
        },
        example: MethodExample(name: "packer-file", description: "Packer template with the file builder", manifest: """
            name: packer-file
            method: packer
            template: |
              variable "message" {
                type = string
              }
              source "file" "hello" {
                content = "${var.message}\\n"
                target  = "output/hello.txt"
              }
              build {
                sources = ["source.file.hello"]
              }
            variables:
              message: hello
            output: file

            """),
        planner: { environment in PackerMethod(environment: environment()) })
}

/// An HCL2 template for packer 1.6 and later, made from a manifest.
enum PackerTemplateGenerator {
    static func generate(_ manifest: Manifest, builders: [String], limits: LimitRequest) -> String {
        let name = hclName(manifest.name)
        var out = ["# Generated by imagefactory from the manifest `\(manifest.name)`.", ""]
        var sources: [String] = []
        for builder in builders {
            switch builder {
            case "file":
                out += ["source \"file\" \"\(name)\" {",
                        "  content = \(hcl("built by imagefactory: \(manifest.name)\n"))",
                        "  target  = \(hcl("output/\(manifest.name).txt"))",
                        "}", ""]
            case "qemu":
                let memoryMiB = max(256, (limits.memoryBytes ?? 1 << 30) / (1 << 20))
                let cpus = max(1, Int((limits.cpus ?? 1).rounded(.up)))
                out += ["source \"qemu\" \"\(name)\" {",
                        "  iso_url          = \(hcl(manifest.base ?? "base.qcow2"))",
                        "  iso_checksum     = \"none\"",
                        "  disk_image       = true",
                        "  accelerator      = \"tcg\"",
                        "  headless         = true",
                        "  format           = \"qcow2\"",
                        "  memory           = \(memoryMiB)",
                        "  cpus             = \(cpus)",
                        "  output_directory = \(hcl("output/qemu"))",
                        "  vm_name          = \(hcl("\(manifest.name).qcow2"))",
                        "  communicator     = \"none\"",
                        "  shutdown_timeout = \"10m\"",
                        "}", ""]
            default:
                out += ["source \"null\" \"\(name)\" {", "  communicator = \"none\"", "}", ""]
            }
            sources.append("source.\(builder == "file" || builder == "qemu" ? builder : "null").\(name)")
        }
        out += ["build {", "  sources = [\(sources.map { hcl($0) }.joined(separator: ", "))]", ""]
        if !manifest.commands.isEmpty {
            out.append("  provisioner \"shell-local\" {")
            if !manifest.env.isEmpty {
                out.append("    environment_vars = [\(manifest.envPairs.map { hcl("\($0.name)=\($0.value)") }.joined(separator: ", "))]")
            }
            out.append("    inline = [")
            for c in manifest.commands { out.append("      \(hcl(c)),") }
            out += ["    ]", "  }", ""]
        }
        out += ["  post-processor \"manifest\" {",
                "    output     = \(hcl(PackerMethod.manifestFile))",
                "    strip_path = true",
                "  }",
                "}"]
        return out.joined(separator: "\n") + "\n"
    }

    static func hclName(_ s: String) -> String {
        let mapped = s.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" }
        return String(mapped.first?.isLetter == true ? mapped : ["b", "_"] + mapped)
    }

    /// An HCL string literal: escapes, and `${`/`%{` doubled so they stay literal.
    static func hcl(_ s: String) -> String {
        var out = "\""
        for ch in s {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.append(ch)
            }
        }
        out = out.replacingOccurrences(of: "${", with: "$${").replacingOccurrences(of: "%{", with: "%%{")
        return out + "\""
    }
}
