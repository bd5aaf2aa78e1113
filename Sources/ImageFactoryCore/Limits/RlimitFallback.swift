/// Shell commands that apply a limit with setrlimit where no cgroup can.
public enum RlimitFallback {
    /// "ulimit -v <KiB>" when memory was requested and only RLIMIT_AS can limit it; nil
    /// otherwise. RLIMIT_AS caps VIRTUAL address space, not resident memory: programs that
    /// reserve large mappings (JVMs, Go, sanitizers) fail below the requested size, and
    /// memory shared between processes is limited per process, not for the build.
    /// Run it in the build's shell before exec, e.g. `ulimit -v 262144 && exec "$@"`.
    public static func shellPrefix(for request: LimitRequest, capabilities: LimitCapabilities) -> String? {
        guard let bytes = request.memoryBytes, bytes > 0, case .rlimit = capabilities.memory else { return nil }
        return command(bytes: bytes, hardLimit: capabilities.addressSpaceHardLimitBytes)
    }

    /// The same, from a plan: covers builds whose memory cgroup could not be set up at create time.
    public static func shellPrefix(for plan: LimitPlan, capabilities: LimitCapabilities) -> String? {
        guard let entry = plan.memory, case .rlimit = entry.mechanism, case .bytes(let bytes) = entry.requested
        else { return nil }
        return command(bytes: bytes, hardLimit: capabilities.addressSpaceHardLimitBytes)
    }

    /// ulimit cannot raise a hard limit; a lower inherited one already applies, so ask for no more.
    static func effectiveBytes(_ bytes: Int64, hardLimit: Int64?) -> Int64 {
        min(bytes, hardLimit ?? Int64.max)
    }

    static func command(bytes: Int64, hardLimit: Int64?) -> String {
        let effective = effectiveBytes(bytes, hardLimit: hardLimit)
        // Round up a request, but never above an inherited hard limit (ulimit would refuse).
        let kib = effective < bytes ? effective / 1024 : (effective + 1023) / 1024
        return "ulimit -v \(kib)"
    }
}
