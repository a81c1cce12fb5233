import Foundation
import Logging
import SMDRPrint
import SMDRRuntime
import SMDRStore
import ServiceLifecycle

/// The agent's long-running parts as services of one `ServiceGroup` (swift-service-lifecycle):
/// started together, stopped on SIGTERM or SIGINT in the reverse order of `run`'s list, each
/// flushed before the next stops. Capture stops first (its sources close and the last journaled
/// bytes are stored), then the live side (API, webhooks) with the last events, then the printer.
enum AgentServices {
    /// Runs the services until SIGTERM or SIGINT; a failure of capture stops the group (and the
    /// command fails), a failure of the API or the printer does not (capture matters more).
    static func run(capture: (any Service)?, live: (any Service)?, printing: (any Service)?) async throws {
        var logger = Logger(label: "smdr-agent.lifecycle")
        logger.logLevel = .warning
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let printing { services.append(.init(service: printing, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore)) }
        if let live { services.append(.init(service: live, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore)) }
        if let capture { services.append(.init(service: capture)) }
        if services.isEmpty { services.append(.init(service: Idle())) }
        var configuration = ServiceGroupConfiguration(services: services, logger: logger)
        configuration.gracefulShutdownSignals = [.sigterm, .sigint]
        try await ServiceGroup(configuration: configuration).run()
    }

    /// Collecting and ingesting (the agent's own threads).
    struct Capture: Service, CustomStringConvertible {
        let agent: Agent
        var description: String { "capture" }

        func run() async throws {
            try agent.start()
            try? await gracefulShutdown()
            Log.info("stopping: flushing journal and store")
            await AgentServices.onThread { agent.stop() }
        }
    }

    /// The API server and the webhook sender.
    struct Live: Service, CustomStringConvertible {
        let wiring: LiveWiring
        let store: CallStore
        var description: String { "live" }

        func run() async throws {
            do {
                try await wiring.start()
            } catch {
                // Capture matters more than the API: keep collecting, say what is wrong.
                Log.error("API not started: \(error) (set api.listen or --api HOST:PORT, or --api off)")
                try? store.raiseAlarm(source: nil, kind: "api", message: "API not started: \(error)")
            }
            try? await gracefulShutdown()
            await wiring.stop()
        }
    }

    /// The print spooler: tickets queued in the store go to CUPS.
    struct Printing: Service, CustomStringConvertible {
        let spooler: PrintSpooler
        var description: String { "printing" }

        func run() async throws {
            let stop = StopFlag()
            await withGracefulShutdownHandler {
                await spooler.run { stop.isSet }
            } onGracefulShutdown: {
                stop.set()
            }
        }
    }

    /// Waits for the stop signal (no PBX configured yet).
    struct Idle: Service {
        func run() async throws { try? await gracefulShutdown() }
    }

    /// Blocking work (joining the agent's threads) off the concurrency pool.
    static func onThread(_ work: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread {
                work()
                done.resume()
            }.start()
        }
    }
}
