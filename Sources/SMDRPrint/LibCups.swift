import CCups

#if canImport(Glibc)
import Glibc
#endif

/// libcups, opened when the agent first prints rather than when it starts. Linked at start, it
/// brought two dozen libraries with it (GnuTLS, Kerberos, Avahi, D-Bus…), about 4 MB resident in
/// every run of every command, printing or not. The header still gives the types and constants.
struct LibCups {
    typealias LastErrorString = @convention(c) () -> UnsafePointer<CChar>?
    typealias GetDests2 = @convention(c) (OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<cups_dest_t>?>?) -> Int32
    typealias FreeDests = @convention(c) (Int32, UnsafeMutablePointer<cups_dest_t>?) -> Void
    typealias GetOption = @convention(c) (UnsafePointer<CChar>?, Int32, UnsafeMutablePointer<cups_option_t>?) -> UnsafePointer<CChar>?
    typealias CreateJob = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, Int32, UnsafeMutablePointer<cups_option_t>?) -> Int32
    typealias StartDocument = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?, Int32) -> http_status_t
    typealias WriteRequestData = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int) -> http_status_t
    typealias FinishDocument = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?) -> ipp_status_t
    typealias CancelJob = @convention(c) (UnsafePointer<CChar>?, Int32) -> Int32
    typealias GetJobs2 = @convention(c) (OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<cups_job_t>?>?, UnsafePointer<CChar>?, Int32, Int32) -> Int32
    typealias FreeJobs = @convention(c) (Int32, UnsafeMutablePointer<cups_job_t>?) -> Void

    let lastErrorString: LastErrorString
    let getDests2: GetDests2
    let freeDests: FreeDests
    let getOption: GetOption
    let createJob: CreateJob
    let startDocument: StartDocument
    let writeRequestData: WriteRequestData
    let finishDocument: FinishDocument
    let cancelJob: CancelJob
    let getJobs2: GetJobs2
    let freeJobs: FreeJobs

    /// The soname Debian's libcups2 installs.
    static let soname = "libcups.so.2"

    /// Opens libcups and looks up every function the agent calls; the error says what is missing.
    static func open() -> Result<LibCups, Cups.Failure> {
        guard let handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL) else {
            let why = dlerror().map { String(cString: $0) } ?? soname
            return .failure(Cups.Failure(description: "printing needs libcups (Debian package libcups2): \(why)"))
        }
        func symbol<F>(_ name: String, _: F.Type) throws(Cups.Failure) -> F {
            guard let p = dlsym(handle, name) else { throw Cups.Failure(description: "\(soname) has no \(name): too old a CUPS") }
            return unsafeBitCast(p, to: F.self)
        }
        do {
            return .success(
                LibCups(
                    lastErrorString: try symbol("cupsLastErrorString", LastErrorString.self),
                    getDests2: try symbol("cupsGetDests2", GetDests2.self),
                    freeDests: try symbol("cupsFreeDests", FreeDests.self),
                    getOption: try symbol("cupsGetOption", GetOption.self),
                    createJob: try symbol("cupsCreateJob", CreateJob.self),
                    startDocument: try symbol("cupsStartDocument", StartDocument.self),
                    writeRequestData: try symbol("cupsWriteRequestData", WriteRequestData.self),
                    finishDocument: try symbol("cupsFinishDocument", FinishDocument.self),
                    cancelJob: try symbol("cupsCancelJob", CancelJob.self),
                    getJobs2: try symbol("cupsGetJobs2", GetJobs2.self),
                    freeJobs: try symbol("cupsFreeJobs", FreeJobs.self)))
        } catch {
            dlclose(handle)
            return .failure(error)
        }
    }
}
