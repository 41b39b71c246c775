import Logging
import TurnoutConfigFile
import TurnoutCore
import TurnoutFlags
import TurnoutTransport

/// The upgrade router the `jwt` and `http` targets route through, built once per process.
///
/// Flags put half the users on each stack, so both stacks' installs are reached.
enum FuzzRouter {
    /// The HS256 secret of the fuzz router; the seed tokens in Fuzz/Corpus are signed with it.
    static let secret = "turnout-fuzz-secret-0123456789abcdef-0123456789abcdef"

    /// A logger that stays quiet: a refusal per input would drown libFuzzer's output.
    static let logger: Logger = {
        var logger = Logger(label: "turnout-fuzz")
        logger.logLevel = .critical
        return logger
    }()

    static let authority: TokenAuthority = waitFor {
        // The secret is a constant of 52 bytes, over TokenAuthority's minimum.
        try! await TokenAuthority(secret: FuzzRouter.secret)
    }

    static let flags = FlagStore(
        path: "flags.yaml",
        snapshot: FlagSnapshot(
            file: FlagFile(flags: [FlagDefinition(name: FlagFile.nativeTransport, percentage: Percentage(hundredths: 5_000)!)]),
            source: "fuzz"
        ),
        fileState: .missing,
        logger: logger
    )

    static let router = UpgradeRouter(flags: flags, tokens: authority, configuration: .init(), logger: logger)
}
