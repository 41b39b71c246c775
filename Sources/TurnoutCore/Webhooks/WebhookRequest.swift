package import NIOCore

/// One webhook call the core makes: `POST <url>` with a JSON body.
package struct WebhookRequest: Sendable {
    /// Which of the protocol's two webhooks this is.
    package enum Kind: String, Sendable, Hashable {
        /// `session_request`: asks the app to connect for a user.
        case sessionRequest = "session_request"
        /// `stop_request`: tells the app a user stopped it.
        case stopRequest = "stop_request"
    }

    /// Which webhook this is.
    package var kind: Kind
    /// The full URL: the app's `publicUrl` followed by `/webhook`.
    package var url: String
    /// The JSON body, exactly as protocol.md lists its keys.
    package var body: ByteBuffer
    /// The app, for logs.
    package var packageName: String
    /// The user, for logs.
    package var userId: String

    /// Creates a webhook request.
    package init(kind: Kind, url: String, body: ByteBuffer, packageName: String, userId: String) {
        self.kind = kind
        self.url = url
        self.body = body
        self.packageName = packageName
        self.userId = userId
    }
}
