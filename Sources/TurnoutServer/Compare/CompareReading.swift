/// The server's cumulative counts at one instant, laid out by ``CompareLayout``.
///
/// Counters only grow (a window's figure is the difference of two readings), except the open
/// connections, which are a gauge.
struct CompareReading: Sendable, Equatable {
    /// ``CompareLayout/width`` numbers.
    var values: [Double]

    /// A reading of all zeros.
    init() {
        self.values = Array(repeating: 0, count: CompareLayout.width)
    }

    /// A reading from its numbers; `values` must hold ``CompareLayout/width`` of them.
    init(values: [Double]) {
        precondition(values.count == CompareLayout.width, "a reading has \(CompareLayout.width) values")
        self.values = values
    }

    /// The figure at `offset` of the stack at index `stack`.
    subscript(stack stack: Int, offset offset: Int) -> Double {
        get { self.values[CompareLayout.index(stack: stack, offset)] }
        set { self.values[CompareLayout.index(stack: stack, offset)] = newValue }
    }
}
