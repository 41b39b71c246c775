/// The fuzz targets of `turnout-fuzz`, by the name scripts/fuzz.sh and docs/fuzzing.md use.
///
/// Each body takes one input, exercises the code under test, and throws ``FuzzFailure`` when an
/// invariant breaks; a crash or sanitizer report is a failure too. The seed corpus of a target is
/// `Fuzz/Corpus/<name>/`, its dictionary `Fuzz/Dictionaries/<name>.dict` when there is one.
package enum FuzzTarget: String, CaseIterable, Sendable {
    /// ``NativeFrameParser`` (against NIO's decoder) and the protocol state machine.
    case frames
    /// ``RawJSONObject``: the scanner and the `type` lookup.
    case json
    /// The flags.yaml and apps.yaml decoders, and the in-place percentage edit.
    case config
    /// The router's token path, against an independent HS256 oracle.
    case jwt
    /// The public port's pipeline up to the upgrade decision and the stacks' installs.
    case http

    /// Runs one input through the target.
    package func run(_ bytes: [UInt8]) throws(FuzzFailure) {
        switch self {
        case .frames: try FrameFuzzer.run(bytes)
        case .json: try JSONFuzzer.run(bytes)
        case .config: try ConfigFuzzer.run(bytes)
        case .jwt: try TokenFuzzer.run(bytes)
        case .http: try HTTPHeadFuzzer.run(bytes)
        }
    }

    /// The target named `name`, or `nil`.
    package init?(named name: String) {
        self.init(rawValue: name)
    }

    /// The names, for usage messages.
    package static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
