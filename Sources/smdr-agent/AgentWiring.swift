import ArgumentParser
import Foundation
import SMDRCore
import SMDRRating
import SMDRRuntime

/// The agent's ingest path as `run` and `journal reprocess` both build it from one configuration:
/// rating (once, as each call is stored) and prepaid charging. With the live side
/// (``LiveWiring``) on top, a journal read again gives the calls, ratings, events and ledger
/// entries the live run gave.
struct AgentWiring {
    let agent: Agent
    let rater: Rater?
    let book: AccountBook?
    let prepaid: PrepaidDesk?

    init(agent: Agent, config: AgentConfig?, tariff: String?, accounts: String?, zone: TimeZone) throws {
        self.agent = agent
        let book = try loadAccounts(accounts)
        self.book = book
        if let tariff {
            let rater = Rater(tariff: try loadTariff(tariff))
            agent.rateCalls { RatedCall($0, rater: rater, book: book) }
            Log.info("rating with \(rater.tariff.name)")
            self.rater = rater
        } else {
            rater = nil
        }
        if let plan = config?.prepaid {
            guard let rater else { throw ValidationError("prepaid accounts need a tariff (tariff: in the configuration)") }
            let desk = try PrepaidDesk(plan: plan, rater: rater, store: agent.store, limits: limits(config), timeZone: zone, book: book)
            agent.chargePrepaid(desk)
            Log.info("prepaid: \(plan.accounts.count) account(s) and the main account; calls are charged as they are stored")
            prepaid = desk
        } else {
            prepaid = nil
        }
    }
}
