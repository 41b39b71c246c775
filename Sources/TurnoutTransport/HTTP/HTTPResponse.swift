package import NIOCore
package import NIOHTTP1

/// A complete HTTP response with a JSON or text body, written in one go.
///
/// Every response carries a correct `Content-Length`; refusals also carry `Connection: close`
/// and the connection is closed once they are written.
package struct HTTPResponse: Sendable {
    /// The status line's status.
    package var status: HTTPResponseStatus
    /// The `Content-Type`.
    package var contentType: String
    /// The body.
    package var body: String
    /// Whether the connection closes after this response.
    package var closesConnection: Bool
    /// Extra headers, such as `WWW-Authenticate`.
    package var extraHeaders: [(String, String)]

    /// Creates a response.
    package init(
        status: HTTPResponseStatus,
        contentType: String = "application/json",
        body: String,
        closesConnection: Bool = false,
        extraHeaders: [(String, String)] = []
    ) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.closesConnection = closesConnection
        self.extraHeaders = extraHeaders
    }

    /// A JSON response.
    package static func json(_ status: HTTPResponseStatus, _ body: String, closesConnection: Bool = false) -> HTTPResponse {
        HTTPResponse(status: status, body: body, closesConnection: closesConnection)
    }

    /// The response head for a request of `version`.
    package func head(version: HTTPVersion) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        if closesConnection {
            headers.add(name: "Connection", value: "close")
        }
        for (name, value) in extraHeaders {
            headers.add(name: name, value: value)
        }
        return HTTPResponseHead(version: version, status: status, headers: headers)
    }

    /// Writes the response on `context`, then closes the connection if it must.
    ///
    /// - Parameter keepAlive: Whether the request allowed the connection to stay open.
    package func write(
        to context: ChannelHandlerContext,
        version: HTTPVersion,
        keepAlive: Bool,
        wrap: (HTTPServerResponsePart) -> NIOAny
    ) {
        var response = self
        if !keepAlive { response.closesConnection = true }
        context.write(wrap(.head(response.head(version: version))), promise: nil)
        context.write(wrap(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        if response.closesConnection {
            context.writeAndFlush(wrap(.end(nil))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        } else {
            context.writeAndFlush(wrap(.end(nil)), promise: nil)
        }
    }
}
