import GRDB
import GRDBSQLite

/// Binds values straight to a prepared statement and runs it: the calls insert, once per record
/// ingested, without boxing two dozen arguments into GRDB's `StatementArguments` each time (a
/// third of the store's time at 40,000 records a second). Errors are GRDB's `DatabaseError`s, as
/// from any other statement (a full disk is reported and retried the same way).
struct RowBinder {
    let statement: SQLiteStatement
    let connection: SQLiteConnection
    private var index: Int32 = 0

    /// SQLite copies the bytes (the Swift string may move once the call returns).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ statement: Statement, _ db: Database) {
        self.statement = statement.sqliteStatement
        connection = db.sqliteConnection!
        sqlite3_reset(self.statement)
    }

    mutating func text(_ value: String?) {
        index += 1
        guard var value else {
            sqlite3_bind_null(statement, index)
            return
        }
        value.withUTF8 { bytes in
            // An empty string is text, not NULL: SQLite takes a NULL pointer for NULL.
            let empty: StaticString = ""
            let base = bytes.count > 0 ? UnsafeRawPointer(bytes.baseAddress!) : UnsafeRawPointer(empty.utf8Start)
            sqlite3_bind_text(statement, index, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count), RowBinder.transient)
        }
    }

    mutating func int(_ value: Int64?) {
        index += 1
        if let value { sqlite3_bind_int64(statement, index, value) } else { sqlite3_bind_null(statement, index) }
    }

    mutating func int(_ value: Int?) { int(value.map(Int64.init)) }

    /// Runs the statement to its end and makes it ready for the next row.
    mutating func run() throws {
        let code = sqlite3_step(statement)
        index = 0
        guard code == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(connection))
            sqlite3_reset(statement)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
        sqlite3_reset(statement)
    }
}
