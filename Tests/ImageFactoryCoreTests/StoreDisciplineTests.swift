import Foundation
import GRDB
import Testing
@testable import ImageFactoryCore

/// Shipped migrations are frozen: the schema a fresh database migrates to is compared, statement by statement,
/// with the one recorded when the latest migration shipped. A change to a shipped migration fails here; a new
/// schema needs a new migration and a new fixture (`IF_RECORD_SCHEMA=1` rewrites it).
@Suite struct StoreDisciplineTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/schema-\(Schema.latestVersion.prefix(while: { $0 != "-" })).sql")

    static func migratedSchema() throws -> String {
        let queue = try DatabaseQueue()
        try Schema.migrator.migrate(queue)
        let statements = try queue.read { db in
            try String.fetchAll(db, sql: """
                SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name != 'grdb_migrations' ORDER BY type, name
                """)
        }
        return statements.map { $0 + ";\n" }.joined(separator: "\n")
    }

    @Test func freshMigrationMatchesTheRecordedSchema() throws {
        let schema = try Self.migratedSchema()
        if ProcessInfo.processInfo.environment["IF_RECORD_SCHEMA"] == "1" {
            try schema.write(to: Self.fixture, atomically: true, encoding: .utf8)
        }
        let recorded = try String(contentsOf: Self.fixture, encoding: .utf8)
        #expect(schema == recorded, "the migrated schema differs from \(Self.fixture.lastPathComponent): shipped migrations are frozen, add a new one")
    }

    /// v6 rebuilds project, template and build without the method CHECKs: a database with data at v5 keeps
    /// every row, id, reference and counter, and takes a method no CHECK listed.
    @Test func upgradingToV6KeepsEveryRowAndAcceptsANewMethod() throws {
        let queue = try DatabaseQueue()
        try Schema.migrator.migrate(queue, upTo: "v5-log-limits")
        let sha = String(repeating: "a", count: 64)
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO tenant (id, name, createdAt) VALUES (1, 'default', '2026-01-01');
                INSERT INTO user (id, tenantId, login, displayName, createdAt, lastActiveAt) VALUES (1, 1, 'alice', 'Alice', '2026-01-01', '2026-01-01');
                INSERT INTO project (id, tenantId, name, defaultMethod, allowedMethods, createdAt) VALUES (7, 1, 'p', 'shell', 'shell', '2026-01-01');
                INSERT INTO membership (projectId, userId, role, createdAt) VALUES (7, 1, 'owner', '2026-01-01');
                INSERT INTO template (id, projectId, scope, ownerId, name, method, manifest, createdAt, updatedAt)
                    VALUES (3, 7, 'team', 1, 't', 'default', 'name: t', '2026-01-01', '2026-01-01');
                INSERT INTO build (id, projectId, number, name, method, manifest, manifestSha256, templateId, status, startedBy,
                                   createdAt, startedAt, finishedAt, logLines, droppedLogLines, logLimit)
                    VALUES (41, 7, 1, 'b', 'shell', 'name: b', '\(sha)', 3, 'succeeded', 1, '2026-01-01', '2026-01-01', '2026-01-02', 12, 5, '1.0 GiB');
                INSERT INTO step (buildId, idx, name, status, lineCount) VALUES (41, 0, 'Setup', 'succeeded', 12);
                """)
        }
        try Schema.migrator.migrate(queue)
        try queue.write { db in
            #expect(try String.fetchOne(db, sql: "SELECT method || '/' || templateId || '/' || logLines || '/' || droppedLogLines FROM build WHERE id = 41") == "shell/3/12/5")
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM step WHERE buildId = 41") == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM membership WHERE projectId = 7") == 1)
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
            // The AUTOINCREMENT counter survived: the next build id follows 41.
            try db.execute(sql: """
                INSERT INTO build (projectId, number, name, method, manifest, manifestSha256, status, startedBy, createdAt)
                VALUES (7, 2, 'next', 'a-new-method', 'name: next', '\(sha)', 'queued', 1, '2026-01-03')
                """)
            #expect(db.lastInsertedRowID == 42)
            // 'default' is still no build's method, and a deleted build still takes its steps along.
            #expect(throws: (any Error).self) {
                try db.execute(sql: "UPDATE build SET method = 'default' WHERE id = 42")
            }
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            try db.execute(sql: "DELETE FROM build WHERE id = 41")
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM step WHERE buildId = 41") == 0)
        }
    }

    @Test func migrationsAreTheShippedList() throws {
        let queue = try DatabaseQueue()
        try Schema.migrator.migrate(queue)
        let applied = try queue.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid") }
        #expect(applied == ["v1-core", "v2-server", "v3-methods", "v4-projects", "v5-log-limits", "v6-methods-unchecked"])
        #expect(applied.last == Schema.latestVersion)
    }

    // MARK: The sources keep the store's rules

    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources")

    /// Every Swift source under Sources/, as (path relative to Sources/, text).
    static func swiftSources() throws -> [(String, String)] {
        let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String } ?? []
        return try files.filter { $0.hasSuffix(".swift") }.sorted().map { path in
            (path, try String(contentsOf: sources.appendingPathComponent(path), encoding: .utf8))
        }
    }

    static func offenders(_ pattern: String, except allowed: Set<String> = []) throws -> [String] {
        let regex = try Regex(pattern)
        return try swiftSources().filter { !allowed.contains($0.0) }.flatMap { path, text in
            text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                .filter { $0.element.contains(regex) }.map { "\(path):\($0.offset + 1)" }
        }
    }

    @Test func columnsAreNamedOnceNotAsStrings() throws {
        #expect(try Self.offenders(#"Column\(""#) == [], "use Record.Columns.x (Column(CodingKeys.x)), not Column(\"x\")")
    }

    @Test func sqlStatusesComeFromTheTypesNotLiterals() throws {
        let statuses = (BuildStatus.allCases.map(\.rawValue) + StepStatus.allCases.map(\.rawValue)).joined(separator: "|")
        let literal = #"status\s*(=|!=|<>|IN\s*\()\s*'("# + statuses + #")'"#
        #expect(try Self.offenders(literal, except: ["ImageFactoryCore/Store/Schema.swift"]) == [],
                "pass BuildStatus/StepStatus values as SQL arguments")
    }

    @Test func buildRowsAreWrittenFromOnePlace() throws {
        let writer = "ImageFactoryCore/Store/BuildRowWriter.swift"
        #expect(try Self.offenders(#"(?i)(UPDATE|INSERT INTO|DELETE FROM|REPLACE INTO)\s+build\b"#,
                                   except: [writer, "ImageFactoryCore/Store/Schema.swift"]) == [],
                "write build rows through BuildRowWriter")
    }

    // MARK: The writer keeps what it does not own

    @Test func aRunnersFinishKeepsACancelRequestWrittenMeanwhile() throws {
        let home = try TemporaryHome()
        let service = try home.service()
        let build = try service.startBuild(text: "name: t\nmethod: shell\ncommands: [\"true\"]\n", file: nil, in: try service.project(nil))
        let store = service.store
        var running = build
        running.status = .running
        running.startedAt = Date()
        running.runnerPid = 1
        try store.write { db in try BuildRowWriter.recordStart(running, db) }
        try store.write { db in try BuildRowWriter.requestCancel(build.id!, db) }
        var finished = running
        finished.status = .cancelled
        finished.finishedAt = Date()
        finished.failureReason = "cancelled"
        finished.cancelRequested = false
        try store.write { db in try BuildRowWriter.recordFinish(finished, db) }
        let row = try #require(try store.build(id: build.id!))
        #expect(row.status == .cancelled)
        #expect(row.cancelRequested)
        #expect(row.runnerPid == 1)
        #expect(row.queueReason == "waiting for the scheduler")
    }

    @Test func endingAQueuedBuildSkipsItsStepsAndIsANoOpOnceItRuns() throws {
        let home = try TemporaryHome()
        let service = try home.service()
        let project = try service.project(nil)
        let manifest = "name: t\nmethod: shell\ncommands: [\"true\"]\n"
        let queued = try service.startBuild(text: manifest, file: nil, in: project)
        let store = service.store
        try store.write { db in
            try BuildRowWriter.endQueued(queued.id!, status: .failed, reason: "too big", at: Date(), clearQueueReason: true, db)
        }
        let ended = try #require(try store.build(id: queued.id!))
        #expect(ended.status == .failed && ended.failureReason == "too big" && ended.queueReason == nil)
        #expect(try store.steps(of: queued.id!).allSatisfy { $0.status == .skipped })

        let other = try service.startBuild(text: manifest, file: nil, in: project)
        var running = other
        running.status = .running
        running.startedAt = Date()
        try store.write { db in try BuildRowWriter.recordStart(running, db) }
        try store.write { db in
            try BuildRowWriter.endQueued(other.id!, status: .cancelled, reason: "late", at: Date(), clearQueueReason: false, db)
            try BuildRowWriter.setQueueReason(other.id!, "waiting", db)
        }
        let still = try #require(try store.build(id: other.id!))
        #expect(still.status == .running && still.failureReason == nil && still.queueReason == "waiting for the scheduler")
    }
}
