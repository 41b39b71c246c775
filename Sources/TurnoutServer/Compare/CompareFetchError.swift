/// Why `turnout compare` could not read one instance's `/admin/compare`.
package struct CompareFetchError: Error, Sendable, CustomStringConvertible {
    /// The URL asked.
    package var url: String
    /// What went wrong, for humans: a status and body, a connection error, or a decoding error.
    package var message: String

    /// Creates an error.
    package init(url: String, message: String) {
        self.url = url
        self.message = message
    }

    package var description: String {
        "\(url): \(message)"
    }
}
