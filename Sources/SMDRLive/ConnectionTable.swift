/// Which connections the API holds, and which one to let go when it is full.
///
/// As nginx drains keep-alive connections when it runs out: past `capacity`, the connection idle the
/// longest (a keep-alive with no request, or a client still sending its headers) is closed to make
/// room; a request being answered or an event stream is never taken. When every connection is busy
/// the new one is refused. Order is kept by a counter, not a clock, so it is tested without time.
struct ConnectionTable<Handle> {
    enum Admission {
        case admit
        /// Admitted after closing this idle connection.
        case admitClosing(Handle)
        case refuse
    }

    private struct Entry {
        var handle: Handle
        var busy = false
        var idleSince: UInt64
    }

    let capacity: Int
    private var entries: [ObjectIdentifier: Entry] = [:]
    private var tick: UInt64 = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { entries.count }

    mutating func open(_ id: ObjectIdentifier, _ handle: Handle) -> Admission {
        tick += 1
        var admission = Admission.admit
        if entries.count >= capacity {
            guard let oldest = entries.filter({ !$0.value.busy }).min(by: { $0.value.idleSince < $1.value.idleSince }) else { return .refuse }
            entries[oldest.key] = nil
            admission = .admitClosing(oldest.value.handle)
        }
        entries[id] = Entry(handle: handle, idleSince: tick)
        return admission
    }

    /// A request head arrived: the connection is answering until its response ends.
    mutating func busy(_ id: ObjectIdentifier) {
        entries[id]?.busy = true
    }

    /// A response ended: the connection waits for its next request.
    mutating func idle(_ id: ObjectIdentifier) {
        tick += 1
        entries[id]?.busy = false
        entries[id]?.idleSince = tick
    }

    mutating func close(_ id: ObjectIdentifier) {
        entries[id] = nil
    }
}

extension ConnectionTable.Admission: Sendable where Handle: Sendable {}
