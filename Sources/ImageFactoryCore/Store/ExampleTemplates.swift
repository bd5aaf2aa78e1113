/// The templates the `examples` project starts with: each method's example from its descriptor, each a manifest that validates.
enum ExampleTemplates {
    struct Example {
        var name: String
        var method: BuildMethod
        var description: String
        var manifest: String
    }

    static let readme = """
        # examples

        One template per build method. Start from one:

            imagefactory build new --template shell-hello hello.yaml
            imagefactory build start hello.yaml --wait
        """

    /// One per method, in the descriptors' order.
    static let all: [Example] = MethodDescriptor.all.map {
        Example(name: $0.example.name, method: $0.method, description: $0.example.description, manifest: $0.example.manifest)
    }
}
