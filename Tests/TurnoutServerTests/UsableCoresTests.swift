import NIOCore
import Testing
import TurnoutServer

@Suite("UsableCores: the event-loop count follows the affinity mask")
struct UsableCoresTests {
    @Test(
        "the Cpus_allowed mask is counted bit by bit, across comma groups",
        arguments: [
            ("Name:\tturnout\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\n", 2),
            ("Cpus_allowed:\t2\n", 1),
            ("Cpus_allowed:\tff,ffffffff\n", 40),
            ("Cpus_allowed:\t00000000,00000001\n", 1),
        ]
    )
    func mask(status: String, expected: Int) {
        #expect(UsableCores.allowedCPUs(procStatus: status) == expected)
    }

    @Test(
        "a status without a readable mask gives nil, so the caller falls back to the core count",
        arguments: [
            "Name:\tturnout\n",
            "Cpus_allowed:\tzz\n",
        ]
    )
    func unreadable(status: String) {
        #expect(UsableCores.allowedCPUs(procStatus: status) == nil)
    }

    @Test("this process gets at least one loop and no more than the machine has")
    func thisProcess() {
        #expect(UsableCores.count >= 1)
        #expect(UsableCores.count <= System.coreCount)
    }
}
