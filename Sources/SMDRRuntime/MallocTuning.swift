import CPTY

/// glibc hands freed memory back to the kernel as soon as the top of the heap is 128 KiB free,
/// then faults it back in on the next batch of records. A long-running collector keeps it instead.
public enum MallocTuning {
    public static func keepFreedMemory() { cpty_keep_freed_memory() }
}
