/// How one requested limit is (or is not) enforced.
public enum LimitMechanism: Sendable, Hashable, Codable {
    /// The build's cgroup directory in a cgroup v1 controller hierarchy.
    case cgroupV1(path: String)
    /// The build's cgroup directory in the cgroup v2 hierarchy.
    case cgroupV2(path: String)
    /// A resource limit set in the build's shell, e.g. "RLIMIT_AS".
    case rlimit(String)
    case unenforced(reason: String)
}
