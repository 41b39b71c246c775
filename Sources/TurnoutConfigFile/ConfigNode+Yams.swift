import Yams

extension ConfigNode {
    /// Copies a Yams node tree into ``ConfigNode``s, keeping every node's position.
    init(_ node: Yams.Node) {
        let line = node.mark?.line
        let column = node.mark?.column
        switch node {
        case .scalar(let scalar):
            self.init(.scalar(text: scalar.string, isPlain: scalar.style == .plain), line: line, column: column)
        case .mapping(let mapping):
            self.init(.mapping(mapping.map { (key: ConfigNode($0.key), value: ConfigNode($0.value)) }), line: line, column: column)
        case .sequence(let sequence):
            self.init(.sequence(sequence.map(ConfigNode.init)), line: line, column: column)
        case .alias:
            self.init(.alias, line: line, column: column)
        }
    }
}
