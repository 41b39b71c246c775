import Foundation
import Testing
import TurnoutFlags

@Suite("Three instances with one flag file decide alike", .timeLimit(.minutes(2)))
struct ClusterAgreementTests {
    static let flags = """
        version: 1
        flags:
          native-transport:
            percentage: 37.5
            salt: cluster-test
            users:
              native: [pinned-native@example.com]
              compat: [pinned-compat@example.com]

        """

    @Test("10,000 user ids get byte-identical /admin/route answers from three instances (the app endpoint for the first 1,000)")
    func tenThousandUsersAgree() async throws {
        let ids = (0..<10_000).map { "user-\($0)@example.com" } + ["pinned-native@example.com", "pinned-compat@example.com"]
        try await withTestServer(flags: Self.flags) { first in
            try await withTestServer(flags: Self.flags) { second in
                try await withTestServer(flags: Self.flags) { third in
                    // The app endpoint buckets the same way; 1,000 ids of it keep the test at seconds.
                    for (endpoint, ids) in [("glasses", ids), ("app", Array(ids.prefix(1_000)) + ids.suffix(2))] {
                        let answers = try await [first, second, third].asyncMap { try await Self.routes(of: ids, endpoint: endpoint, on: $0) }
                        #expect(answers[0] == answers[1])
                        #expect(answers[0] == answers[2])
                        // The agreement means something only if the flag really splits the users.
                        let native = answers[0].dropLast(2).filter { $0.contains(#""stack":"native""#) }.count
                        let expected = Double(ids.count - 2) * 0.375
                        #expect(abs(Double(native) - expected) < expected * 0.1, "\(native) of \(ids.count - 2) on native at 37.5 %")
                        #expect(answers[0][ids.count - 2].contains(#""stack":"native","rule":"pinned-native""#))
                        #expect(answers[0][ids.count - 1].contains(#""stack":"compat","rule":"pinned-compat""#))
                    }
                }
            }
        }
    }

    /// `/admin/route` for every id, in id order, 32 requests in flight.
    static func routes(of ids: [String], endpoint: String, on server: TestServer) async throws -> [String] {
        var answers = [String](repeating: "", count: ids.count)
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var next = 0
            func add() {
                let index = next
                next += 1
                let query = "userId=\(ids[index].addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ids[index])&endpoint=\(endpoint)"
                group.addTask {
                    let answer = try await server.admin("/admin/route?\(query)")
                    guard answer.status == 200 else { throw ClusterAgreementError.status(answer.status, answer.body) }
                    return (index, answer.body)
                }
            }
            while next < min(32, ids.count) { add() }
            while let (index, body) = try await group.next() {
                answers[index] = body
                if next < ids.count { add() }
            }
        }
        return answers
    }
}

enum ClusterAgreementError: Error {
    case status(Int, String)
}

extension Array {
    /// `map` with an async transform, one element at a time.
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async throws -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
