import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Reads `/admin/compare` from a running server, with the admin token when it needs one.
package enum CompareFetcher {
    /// Fetches and decodes one instance's comparison.
    ///
    /// - Parameters:
    ///   - adminURL: The admin port's base URL, such as `http://127.0.0.1:9090`.
    ///   - token: The admin token (`TURNOUT_ADMIN_TOKEN`), sent as `Authorization: Bearer`.
    ///   - timeout: How long to wait for the answer; default 5 s.
    /// - Throws: ``CompareFetchError`` for a refused connection, a status other than 200 or an
    ///   answer that is not a comparison.
    package static func fetch(adminURL: String, token: String?, timeout: Duration = .seconds(5)) async throws(CompareFetchError) -> CompareSnapshot {
        let base = adminURL.hasSuffix("/") ? String(adminURL.dropLast()) : adminURL
        let url = base + "/admin/compare"
        var request = HTTPClientRequest(url: url)
        if let token, !token.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let status: HTTPResponseStatus
        let body: ByteBuffer
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(max(1, timeout.components.seconds)))
            status = response.status
            body = try await response.body.collect(upTo: 4 << 20)
        } catch {
            throw CompareFetchError(url: url, message: "\(error)")
        }
        guard status == .ok else {
            throw CompareFetchError(url: url, message: "HTTP \(status.code): \(String(buffer: body))")
        }
        do {
            return try JSONDecoder().decode(CompareSnapshot.self, from: Data(body.readableBytesView))
        } catch {
            throw CompareFetchError(url: url, message: "not a comparison: \(error)")
        }
    }
}
