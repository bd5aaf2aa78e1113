import GRDB

/// The project setting that picks the engine of the docker and buildx methods.
public enum ContainerEngineChoice: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// A Docker engine that answers `docker info`, else podman.
    case auto
    case podman
    case docker
}
