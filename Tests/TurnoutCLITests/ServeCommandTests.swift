import Testing

@Suite("turnout serve: settings are checked before anything starts")
struct ServeCommandTests {
    @Test(
        "a thread count out of range exits 64 naming the range",
        arguments: [
            (["serve", "--dev", "--threads", "0"], [String: String]()),
            (["serve", "--dev"], ["TURNOUT_THREADS": "257"]),
        ]
    )
    func threadsOutOfRange(arguments: [String], environment: [String: String]) throws {
        let output = try TurnoutProcess.run(arguments, environment: environment)
        #expect(output.status == 64)
        let got = environment.isEmpty ? 0 : 257
        #expect(output.stderr.contains("The thread count must be between 1 and 256, got \(got)."))
    }

    @Test("TURNOUT_THREADS that is not a number exits 64 quoting it")
    func threadsNotANumber() throws {
        let output = try TurnoutProcess.run(["serve", "--dev"], environment: ["TURNOUT_THREADS": "two"])
        #expect(output.status == 64)
        #expect(output.stderr.contains("TURNOUT_THREADS=two is not a whole number."))
    }

    @Test("a max message size beyond 1 GiB is refused before any connection could trap NIO's decoder")
    func maxMessageSizeBounded() throws {
        let output = try TurnoutProcess.run(["serve", "--dev", "--max-message-size", "5000000000"])
        #expect(output.status == 64)
        #expect(output.stderr.contains("The max message size must be between 1024 and 1073741824 bytes (1 GiB), got 5000000000."))
    }

    @Test(
        "a public-port limit out of range exits 64 naming the option, its range and the value",
        arguments: [
            (["--request-head-timeout", "50ms"], [String: String](), "The request head timeout must be between 100ms and 300s, got 50ms."),
            ([], ["TURNOUT_IDLE_TIMEOUT": "2h"], "The idle timeout must be between 100ms and 3600s, got 2h."),
            (["--idle-timeout", "soon"], [:], "The idle timeout 'soon' is not a duration such as 500ms, 10s or 1m."),
            (["--max-request-head-size", "100"], [:], "The max request head size must be between 1024 and 65536, got 100."),
            ([], ["TURNOUT_MAX_CONNECTIONS": "0"], "The max connections must be between 1 and 10000000, got 0."),
            (["--max-connections-per-ip", "0"], [:], "The max connections per IP must be between 1 and 10000000, got 0."),
            (["--trusted-proxies", "11"], [:], "The trusted proxy count must be between 0 and 10, got 11."),
            ([], ["TURNOUT_MAX_PENDING_UPGRADES": "many"], "TURNOUT_MAX_PENDING_UPGRADES=many is not a whole number."),
            (["--max-pending-upgrades", "0"], [:], "The max pending upgrades must be between 1 and 100000, got 0."),
            (["--ready-grace", "10m"], [:], "The ready grace must be between 0s and 300s, got 10m; cover the balancer's check interval × fall."),
            ([], ["TURNOUT_READY_GRACE": "soon"], "The ready grace 'soon' is not a duration such as 500ms, 10s or 1m."),
        ]
    )
    func limitOutOfRange(options: [String], environment: [String: String], message: String) throws {
        let output = try TurnoutProcess.run(["serve", "--dev"] + options, environment: environment)
        #expect(output.status == 64)
        #expect(output.stderr.contains(message))
    }

    @Test(
        "a TLS certificate without its key, or a key without its certificate, exits 64 naming both",
        arguments: [
            (
                ["--tls-cert", "/tmp/tls.crt"], [String: String](),
                "--tls-cert (TURNOUT_TLS_CERT) is set but --tls-key (TURNOUT_TLS_KEY) is not; TLS needs both the certificate and its key."
            ),
            (
                [], ["TURNOUT_ADMIN_TLS_KEY": "/tmp/tls.key"],
                "--admin-tls-key (TURNOUT_ADMIN_TLS_KEY) is set but --admin-tls-cert (TURNOUT_ADMIN_TLS_CERT) is not; TLS needs both the certificate and its key."
            ),
        ]
    )
    func tlsNeedsBoth(options: [String], environment: [String: String], message: String) throws {
        let output = try TurnoutProcess.run(["serve", "--dev"] + options, environment: environment)
        #expect(output.status == 64)
        #expect(output.stderr.contains(message))
    }

    @Test("an unreadable TLS certificate stops start-up with exit 2, naming the file")
    func tlsUnusableExits2() throws {
        let output = try TurnoutProcess.run(["serve", "--dev", "--tls-cert", "/nonexistent/tls.crt", "--tls-key", "/nonexistent/tls.key"])
        #expect(output.status == 2)
        #expect(output.stderr.contains("TLS of the public port: /nonexistent/tls.crt: cannot read the TLS certificate: no such file"))
    }
}
