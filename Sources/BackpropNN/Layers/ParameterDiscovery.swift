import Backprop

/// Finds the parameters (or buffers) a value holds by reflection (`Mirror`): the default
/// ``Layer/namedParameters`` and ``Layer/namedBuffers`` of a layer that does not list them
/// by hand.
///
/// The rules, applied to every stored property, recursively:
/// - a `Variable` of the layer's scalar type is a parameter, named by its path;
/// - a child ``Layer`` contributes its own ``Layer/namedParameters`` (hand-written or
///   discovered) under its path, so a ``Sequential`` child keeps its `"0.weight"` names;
/// - arrays and sets are walked by position (`"layers.1.weight"`), dictionaries in the
///   order of their keys' descriptions (`"heads.left.weight"`), optionals when present,
///   tuples by label or position, other structs, enums and classes by their stored
///   properties (a class once, so shared objects and cycles end);
/// - tensors, numbers, strings and collections whose first element is a number are not
///   walked (they hold no parameters, and walking a large array would be slow); graph
///   nodes of another scalar type are not walked either.
///
/// A variable reached twice (a tied weight) is listed once, under the first path: an
/// optimizer must step it once.
@usableFromInline
internal struct ParameterDiscovery<Scalar: TensorScalar> {
    /// Whether the walk collects parameters (variables and child layers' parameters) or
    /// buffers (child layers' buffers only).
    @usableFromInline internal var collectsParameters: Bool
    /// Variables not to list (a layer's buffers, when collecting its parameters).
    @usableFromInline internal var excluded: Set<ObjectIdentifier>
    @usableFromInline internal var found: [NamedParameter<Scalar>] = []
    @usableFromInline internal var listed: Set<ObjectIdentifier> = []
    @usableFromInline internal var walkedObjects: Set<ObjectIdentifier> = []

    /// The parameters (or buffers) held by the stored properties of `root`.
    @usableFromInline
    internal static func list(
        in root: Any, parameters: Bool, excluding excluded: [NamedParameter<Scalar>] = []
    ) -> [NamedParameter<Scalar>] {
        var walk = ParameterDiscovery(
            collectsParameters: parameters,
            excluded: Set(excluded.lazy.map { ObjectIdentifier($0.variable) }))
        if Mirror(reflecting: root).displayStyle == .class {
            walk.walkedObjects.insert(ObjectIdentifier(root as AnyObject))
        }
        walk.walkChildren(of: Mirror(reflecting: root), path: "")
        return walk.found
    }

    @usableFromInline
    internal init(collectsParameters: Bool, excluded: Set<ObjectIdentifier>) {
        self.collectsParameters = collectsParameters
        self.excluded = excluded
    }

    private mutating func add(_ name: String, _ variable: Variable<Scalar>) {
        let id = ObjectIdentifier(variable)
        guard !excluded.contains(id), listed.insert(id).inserted else { return }
        found.append(NamedParameter(name, variable))
    }

    private static func join(_ path: String, _ component: String) -> String {
        path.isEmpty ? component : path + "." + component
    }

    private mutating func visit(_ value: Any, path: String) {
        if let variable = value as? Variable<Scalar> {
            if collectsParameters { add(path, variable) }
            return
        }
        if let layer = value as? any Layer<Scalar> {
            let list = collectsParameters ? layer.namedParameters : layer.namedBuffers
            for p in list { add(Self.join(path, p.name), p.variable) }
            return
        }
        if value is GraphNode || value is Tensor<Scalar> { return }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case nil:
            return
        case .class?:
            guard walkedObjects.insert(ObjectIdentifier(value as AnyObject)).inserted else { return }
        case .collection?, .set?:
            guard let first = mirror.children.first, Self.mayHoldParameters(first.value) else { return }
        case .dictionary?:
            let entries = mirror.children.compactMap { entry -> (key: String, value: Any)? in
                let pair = Array(Mirror(reflecting: entry.value).children)
                guard pair.count == 2 else { return nil }
                return (String(describing: pair[0].value), pair[1].value)
            }
            guard let first = entries.first, Self.mayHoldParameters(first.value) else { return }
            for entry in entries.sorted(by: { $0.key < $1.key }) {
                visit(entry.value, path: Self.join(path, entry.key))
            }
            return
        default:
            break
        }
        walkChildren(of: mirror, path: path)
    }

    @usableFromInline
    internal mutating func walkChildren(of mirror: Mirror, path: String) {
        if let parent = mirror.superclassMirror { walkChildren(of: parent, path: path) }
        let positional = mirror.displayStyle == .collection || mirror.displayStyle == .set
        let transparent = mirror.displayStyle == .optional
        for (index, child) in mirror.children.enumerated() {
            if transparent {
                visit(child.value, path: path)
                continue
            }
            var component = positional ? String(index) : (child.label ?? String(index))
            if component.hasPrefix(".") { component.removeFirst() }   // tuple positions
            visit(child.value, path: Self.join(path, component))
        }
    }

    /// Whether a value can hold parameters: not a number, string or other value without
    /// stored properties to walk.
    private static func mayHoldParameters(_ value: Any) -> Bool {
        value is GraphNode || value is any Layer<Scalar> || Mirror(reflecting: value).displayStyle != nil
    }
}
