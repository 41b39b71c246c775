import ArgumentParser
import Foundation
import TurnoutConfigFile
import TurnoutTransport

/// `turnout token`: mint HS256 tokens for operators and tests.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Mint HS256 tokens with the server's secret.",
        subcommands: [Glasses.self, App.self]
    )

    /// The secret and expiry options both token kinds share.
    struct SigningOptions: ParsableArguments {
        @Option(help: "The HS256 secret. Default: $AUGMENTOS_AUTH_JWT_SECRET.")
        var secret: String?

        @Option(help: "Give the token an expiry, e.g. 1h or 30m. Default: no expiry, like the glasses tokens of the existing system.")
        var expiresIn: String?

        func authority() async throws -> TokenAuthority {
            guard let secret = secret ?? ProcessInfo.processInfo.environment["AUGMENTOS_AUTH_JWT_SECRET"], !secret.isEmpty else {
                throw ValidationError("No secret: pass --secret or set AUGMENTOS_AUTH_JWT_SECRET.")
            }
            do {
                return try await TokenAuthority(secret: secret)
            } catch {
                throw ValidationError("The secret cannot sign HS256 tokens: \(error.reason).")
            }
        }

        func expiry() throws -> Duration? {
            guard let expiresIn else { return nil }
            guard let duration = ConfigReader.parseDuration(expiresIn), duration > .zero else {
                throw ValidationError("--expires-in '\(expiresIn)' is not a duration such as 30m or 1h.")
            }
            return duration
        }
    }

    struct Glasses: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A glasses token: its email claim is the userId.")

        @Option(help: "The user's email.")
        var email: String

        @OptionGroup var signing: SigningOptions

        func run() async throws {
            let expiry = try signing.expiry()
            print(try await signing.authority().glassesToken(email: email, expiresIn: expiry))
        }
    }

    struct App: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "An app token for JWT mode of /app-ws.")

        @Option(name: .customLong("package"), help: "The app's packageName.")
        var packageName: String

        @Option(help: "The app's API key (checked against apiKeySha256 in apps.yaml).")
        var apiKey: String

        @OptionGroup var signing: SigningOptions

        func run() async throws {
            let expiry = try signing.expiry()
            print(try await signing.authority().appToken(packageName: packageName, apiKey: apiKey, expiresIn: expiry))
        }
    }
}
