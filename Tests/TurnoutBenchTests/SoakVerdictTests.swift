import Testing
import TurnoutBench

/// The soak's verdict: the warm-up, like moments, and the growth rules.
@Suite("Soak verdict: RSS, descriptors and threads after the warm-up")
struct SoakVerdictTests {
    /// Samples every 10 s from 10 s, at 60 connections unless told.
    static func samples(rss: [Int], descriptors: [Int]? = nil, threads: [Int]? = nil, connections: [Int]? = nil) -> [SoakSample] {
        rss.indices.map { index in
            SoakSample(
                elapsedSeconds: Double(10 * (index + 1)),
                step: index + 1,
                percent: 50,
                connections: connections?[index] ?? 60,
                rssKiB: rss[index],
                descriptors: descriptors?[index] ?? 90,
                threads: threads?[index] ?? 8
            )
        }
    }

    @Test("the warm-up is 20 % of the run, at least 60 s")
    func warmup() {
        #expect(SoakVerdict.warmup(of: .seconds(120)) == 60)
        #expect(SoakVerdict.warmup(of: .seconds(1800)) == 360)
    }

    @Test("a flat server passes; warm-up samples are not judged")
    func flat() {
        let rss = [10_000, 20_000, 40_000, 50_000, 50_100, 50_200, 50_000, 50_900, 51_000, 51_200]
        let verdict = SoakVerdict(samples: Self.samples(rss: rss), warmupSeconds: 35)
        #expect(verdict.judged.map(\.step) == [4, 5, 6, 7, 8, 9, 10])
        #expect(verdict.failures == [])
        #expect(verdict.isFlat)
        #expect(
            verdict.lines == [
                "soak: 10 samples, 7 judged after a 35 s warm-up at 60 connections; RSS 50000 → 51200 KiB (1.8 %), descriptors 90 → 90, threads 8 → 8"
            ]
        )
    }

    @Test("RSS growing more than 5 % fails, with the medians")
    func rssGrowth() {
        let verdict = SoakVerdict(samples: Self.samples(rss: [50_000, 50_000, 50_000, 53_000, 53_000, 53_000]), warmupSeconds: 0)
        #expect(verdict.failures == ["RSS grew 6.0 % after the warm-up (50000 → 53000 KiB), more than 5 %"])
        #expect(!verdict.isFlat)
    }

    @Test("one descriptor or thread more for good fails; one that comes and goes does not")
    func descriptorsAndThreads() {
        let rss = Array(repeating: 50_000, count: 6)
        let leak = SoakVerdict(
            samples: Self.samples(rss: rss, descriptors: [90, 90, 90, 91, 91, 91], threads: [8, 8, 8, 9, 9, 9]),
            warmupSeconds: 0
        )
        #expect(leak.failures == ["descriptors grew from 90 to 91 after the warm-up", "threads grew from 8 to 9 after the warm-up"])
        let jitter = SoakVerdict(
            samples: Self.samples(rss: rss, descriptors: [90, 91, 90, 91, 90, 91], threads: [6, 8, 8, 8, 6, 8]),
            warmupSeconds: 0
        )
        #expect(jitter.failures == [])
    }

    @Test("samples at another connection count are not compared; too few samples fail")
    func likeMoments() {
        let verdict = SoakVerdict(
            samples: Self.samples(rss: [50_000, 50_000, 50_000, 90_000, 50_000, 50_000, 50_000], connections: [60, 60, 60, 57, 60, 60, 60]),
            warmupSeconds: 0
        )
        #expect(verdict.judged.map(\.step) == [1, 2, 3, 5, 6, 7])
        #expect(verdict.failures == [])
        let short = SoakVerdict(samples: Self.samples(rss: [50_000, 50_000, 50_000, 50_000]), warmupSeconds: 15)
        #expect(short.failures == ["only 3 samples after the 15 s warm-up at the usual connection count; the soak needs 4: run it longer"])
        let four = SoakVerdict(samples: Self.samples(rss: [50_000, 50_000, 53_000, 53_000]), warmupSeconds: 0)
        #expect(four.failures == ["RSS grew 6.0 % after the warm-up (50000 → 53000 KiB), more than 5 %"])
    }

    @Test("samples as CSV, and /proc/PID/status fields")
    func csvAndProc() {
        let sample = SoakSample(elapsedSeconds: 1234.56, step: 3, percent: 25, connections: 60, rssKiB: 51_234, descriptors: 90, threads: 8)
        #expect(SoakSample.csvHeader == "elapsed_s,step,percent,connections,rss_kib,fds,threads")
        #expect(sample.csvLine == "1234.6,3,25,60,51234,90,8")
        let status = "Name:\tturnout\nThreads:\t8\nVmRSS:\t   51234 kB\n"
        #expect(SoakSample.field("VmRSS:", in: status) == 51_234)
        #expect(SoakSample.field("Threads:", in: status) == 8)
        #expect(SoakSample.field("VmSwap:", in: status) == nil)
    }
}
