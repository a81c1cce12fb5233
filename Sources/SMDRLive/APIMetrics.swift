import Foundation

/// Request latencies per route, as a Prometheus histogram (text exposition written here: a
/// handful of lines, no registry needed).
public final class APIMetrics: @unchecked Sendable {
    static let bounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]
    struct Histogram {
        var buckets = [Int](repeating: 0, count: APIMetrics.bounds.count)
        var count = 0
        var sum = 0.0
    }
    let lock = NSLock()
    var routes: [String: Histogram] = [:]

    public init() {}

    public func observe(route: String, seconds: Double) {
        lock.withLock {
            var h = routes[route] ?? Histogram()
            for (k, b) in APIMetrics.bounds.enumerated() where seconds <= b { h.buckets[k] += 1 }
            h.count += 1
            h.sum += seconds
            routes[route] = h
        }
    }

    /// The histogram lines (cumulative buckets, as Prometheus expects).
    public func exposition() -> String {
        let snapshot = lock.withLock { routes }
        var out = "# HELP smdr_api_request_seconds API request latency.\n# TYPE smdr_api_request_seconds histogram\n"
        for (route, h) in snapshot.sorted(by: { $0.key < $1.key }) {
            for (k, b) in APIMetrics.bounds.enumerated() {
                out += "smdr_api_request_seconds_bucket{route=\"\(route)\",le=\"\(b)\"} \(h.buckets[k])\n"
            }
            out += "smdr_api_request_seconds_bucket{route=\"\(route)\",le=\"+Inf\"} \(h.count)\n"
            out += "smdr_api_request_seconds_sum{route=\"\(route)\"} \(h.sum)\n"
            out += "smdr_api_request_seconds_count{route=\"\(route)\"} \(h.count)\n"
        }
        return out
    }
}
