import GRDB

/// The schema, only ever changed through the migrator. Constraints live in SQLite, not in Swift.
///
/// A shipped migration is frozen: literal SQL, no interpolation, never edited (databases out there already ran it).
/// A change is a new migration; `StoreDisciplineTests` compares a fresh database with `Fixtures/schema-vN.sql`.
enum Schema {

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-core") { db in
            try db.execute(sql: """
                CREATE TABLE tenant (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL UNIQUE CHECK (length(name) > 0),
                    createdAt DATETIME NOT NULL
                );
                CREATE TABLE user (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    tenantId INTEGER NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
                    login TEXT NOT NULL UNIQUE CHECK (length(login) > 0),
                    uid INTEGER,
                    displayName TEXT NOT NULL,
                    email TEXT,
                    createdAt DATETIME NOT NULL,
                    lastActiveAt DATETIME NOT NULL
                );
                CREATE TABLE project (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    tenantId INTEGER NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
                    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
                    description TEXT NOT NULL DEFAULT '',
                    readme TEXT NOT NULL DEFAULT '',
                    defaultMethod TEXT NOT NULL CHECK (defaultMethod IN ('docker','buildx','kaniko','packer','nix','shell')),
                    allowedMethods TEXT NOT NULL CHECK (length(allowedMethods) > 0),
                    defaultCpus REAL CHECK (defaultCpus IS NULL OR defaultCpus > 0),
                    defaultMemoryBytes INTEGER CHECK (defaultMemoryBytes IS NULL OR defaultMemoryBytes > 0),
                    defaultTimeoutSeconds INTEGER CHECK (defaultTimeoutSeconds IS NULL OR defaultTimeoutSeconds > 0),
                    installerCommand TEXT,
                    createdAt DATETIME NOT NULL,
                    UNIQUE (tenantId, name)
                );
                CREATE TABLE membership (
                    projectId INTEGER NOT NULL REFERENCES project(id) ON DELETE CASCADE,
                    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                    role TEXT NOT NULL CHECK (role IN ('owner','admin','member','viewer')),
                    createdAt DATETIME NOT NULL,
                    PRIMARY KEY (projectId, userId)
                );
                CREATE INDEX membership_user ON membership(userId);
                CREATE TABLE template (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    projectId INTEGER NOT NULL REFERENCES project(id) ON DELETE CASCADE,
                    scope TEXT NOT NULL CHECK (scope IN ('example','team','saved')),
                    ownerId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
                    description TEXT NOT NULL DEFAULT '',
                    method TEXT NOT NULL CHECK (method IN ('docker','buildx','kaniko','packer','nix','shell','default')),
                    manifest TEXT NOT NULL,
                    createdAt DATETIME NOT NULL,
                    updatedAt DATETIME NOT NULL
                );
                CREATE UNIQUE INDEX template_shared_name ON template(projectId, name) WHERE scope != 'saved';
                CREATE UNIQUE INDEX template_saved_name ON template(projectId, ownerId, name) WHERE scope = 'saved';
                CREATE TABLE build (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    projectId INTEGER NOT NULL REFERENCES project(id) ON DELETE CASCADE,
                    number INTEGER NOT NULL CHECK (number > 0),
                    name TEXT NOT NULL,
                    method TEXT NOT NULL CHECK (method IN ('docker','buildx','kaniko','packer','nix','shell')),
                    manifest TEXT NOT NULL,
                    manifestSha256 TEXT NOT NULL CHECK (length(manifestSha256) = 64),
                    templateId INTEGER REFERENCES template(id) ON DELETE SET NULL,
                    status TEXT NOT NULL CHECK (status IN ('queued','running','succeeded','failed','cancelled','interrupted')),
                    startedBy INTEGER NOT NULL REFERENCES user(id),
                    createdAt DATETIME NOT NULL,
                    startedAt DATETIME,
                    finishedAt DATETIME,
                    failureReason TEXT,
                    timedOut BOOLEAN NOT NULL DEFAULT 0,
                    cancelRequested BOOLEAN NOT NULL DEFAULT 0,
                    runnerPid INTEGER,
                    runnerStartTicks INTEGER,
                    logLines INTEGER NOT NULL DEFAULT 0 CHECK (logLines >= 0),
                    errorLines INTEGER NOT NULL DEFAULT 0,
                    warnLines INTEGER NOT NULL DEFAULT 0,
                    limitPlan TEXT,
                    UNIQUE (projectId, number),
                    CHECK (finishedAt IS NULL OR startedAt IS NULL OR finishedAt >= startedAt),
                    CHECK ((status IN ('queued','running')) = (finishedAt IS NULL))
                );
                CREATE INDEX build_status ON build(status);
                CREATE INDEX build_manifest ON build(projectId, manifestSha256);
                CREATE TABLE step (
                    buildId INTEGER NOT NULL REFERENCES build(id) ON DELETE CASCADE,
                    idx INTEGER NOT NULL CHECK (idx >= 0),
                    name TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('pending','running','succeeded','failed','cancelled','skipped','interrupted')),
                    startedAt DATETIME,
                    finishedAt DATETIME,
                    exitCode INTEGER,
                    processGroup INTEGER,
                    firstLine INTEGER,
                    lineCount INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (buildId, idx)
                );
                CREATE TABLE metricSample (
                    buildId INTEGER NOT NULL REFERENCES build(id) ON DELETE CASCADE,
                    timeMs INTEGER NOT NULL,
                    cpuPercent REAL NOT NULL CHECK (cpuPercent >= 0),
                    memoryBytes INTEGER NOT NULL CHECK (memoryBytes >= 0),
                    diskReadBytesPerSec REAL NOT NULL,
                    diskWriteBytesPerSec REAL NOT NULL,
                    netReceiveBytesPerSec REAL NOT NULL,
                    netTransmitBytesPerSec REAL NOT NULL,
                    processCount INTEGER NOT NULL,
                    PRIMARY KEY (buildId, timeMs)
                ) WITHOUT ROWID;
                CREATE TABLE artifact (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    buildId INTEGER NOT NULL REFERENCES build(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    sourcePath TEXT NOT NULL,
                    storedPath TEXT NOT NULL,
                    size INTEGER NOT NULL CHECK (size >= 0),
                    type TEXT NOT NULL,
                    sha256 TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('ready','failed')),
                    createdAt DATETIME NOT NULL,
                    UNIQUE (buildId, name)
                );
                CREATE TABLE activity (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    tenantId INTEGER NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
                    projectId INTEGER REFERENCES project(id) ON DELETE CASCADE,
                    userId INTEGER REFERENCES user(id) ON DELETE SET NULL,
                    buildId INTEGER REFERENCES build(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    message TEXT NOT NULL,
                    createdAt DATETIME NOT NULL
                );
                CREATE INDEX activity_project ON activity(projectId, createdAt);
                """)
        }
        migrator.registerMigration("v2-server") { db in
            // The scheduler's queue (priority, then FIFO), what each queued build waits for, and what it asked for.
            try db.execute(sql: """
                ALTER TABLE build ADD COLUMN priority INTEGER NOT NULL DEFAULT 0 CHECK (priority BETWEEN -100 AND 100);
                ALTER TABLE build ADD COLUMN queueReason TEXT;
                ALTER TABLE build ADD COLUMN requestedCpus REAL CHECK (requestedCpus IS NULL OR requestedCpus > 0);
                ALTER TABLE build ADD COLUMN requestedMemory INTEGER CHECK (requestedMemory IS NULL OR requestedMemory > 0);
                CREATE INDEX build_queue ON build(status, priority, id);
                CREATE TABLE notification (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                    buildId INTEGER REFERENCES build(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    message TEXT NOT NULL,
                    createdAt DATETIME NOT NULL,
                    readAt DATETIME,
                    UNIQUE (buildId, userId, kind)
                );
                CREATE INDEX notification_user ON notification(userId, createdAt);
                """)
        }
        migrator.registerMigration("v3-methods") { db in
            // The tool's own steps (BuildKit vertices, podman STEP n/m, nix activities, packer stages) inside a
            // plan step; the result's fingerprint (a nix store path hash); the project's container engine.
            try db.execute(sql: """
                CREATE TABLE toolStep (
                    buildId INTEGER NOT NULL REFERENCES build(id) ON DELETE CASCADE,
                    seq INTEGER NOT NULL,
                    stepIdx INTEGER NOT NULL,
                    key TEXT NOT NULL,
                    name TEXT NOT NULL,
                    groupName TEXT,
                    status TEXT NOT NULL CHECK (status IN ('running','succeeded','failed','cached','cancelled')),
                    done INTEGER,
                    expected INTEGER,
                    startedAt DATETIME NOT NULL,
                    finishedAt DATETIME,
                    firstLine INTEGER NOT NULL,
                    lineCount INTEGER NOT NULL DEFAULT 0,
                    error TEXT,
                    excerpt TEXT,
                    PRIMARY KEY (buildId, seq)
                ) WITHOUT ROWID;
                ALTER TABLE build ADD COLUMN fingerprint TEXT;
                ALTER TABLE project ADD COLUMN containerEngine TEXT NOT NULL DEFAULT 'auto'
                    CHECK (containerEngine IN ('auto','podman','docker'));
                """)
        }
        migrator.registerMigration("v4-projects") { db in
            // An archived project keeps its builds and artifacts but takes no new builds.
            try db.execute(sql: """
                ALTER TABLE project ADD COLUMN archivedAt DATETIME;
                """)
        }
        migrator.registerMigration("v5-log-limits") { db in
            // A project's own log limit (nil: the default); what a build dropped past its limit, and that limit.
            try db.execute(sql: """
                ALTER TABLE project ADD COLUMN logLimit TEXT;
                ALTER TABLE build ADD COLUMN droppedLogLines INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE build ADD COLUMN logLimit TEXT;
                """)
        }
        migrator.registerMigration("v6-methods-unchecked") { db in
            // The method list lives in the methods' descriptors, not in CHECKs, so a new method needs no
            // migration. SQLite cannot drop a CHECK: the three tables are rebuilt (SQLite's documented
            // procedure; GRDB runs migrations with foreign keys deferred and checks them at the end), keeping
            // every row, id and AUTOINCREMENT counter.
            try db.execute(sql: """
                CREATE TABLE new_project (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    tenantId INTEGER NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
                    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
                    description TEXT NOT NULL DEFAULT '',
                    readme TEXT NOT NULL DEFAULT '',
                    defaultMethod TEXT NOT NULL CHECK (length(defaultMethod) > 0 AND defaultMethod != 'default'),
                    allowedMethods TEXT NOT NULL CHECK (length(allowedMethods) > 0),
                    defaultCpus REAL CHECK (defaultCpus IS NULL OR defaultCpus > 0),
                    defaultMemoryBytes INTEGER CHECK (defaultMemoryBytes IS NULL OR defaultMemoryBytes > 0),
                    defaultTimeoutSeconds INTEGER CHECK (defaultTimeoutSeconds IS NULL OR defaultTimeoutSeconds > 0),
                    installerCommand TEXT,
                    createdAt DATETIME NOT NULL,
                    containerEngine TEXT NOT NULL DEFAULT 'auto' CHECK (containerEngine IN ('auto','podman','docker')),
                    archivedAt DATETIME,
                    logLimit TEXT,
                    UNIQUE (tenantId, name)
                );
                INSERT INTO new_project (id, tenantId, name, description, readme, defaultMethod, allowedMethods, defaultCpus,
                                         defaultMemoryBytes, defaultTimeoutSeconds, installerCommand, createdAt, containerEngine,
                                         archivedAt, logLimit)
                    SELECT id, tenantId, name, description, readme, defaultMethod, allowedMethods, defaultCpus,
                           defaultMemoryBytes, defaultTimeoutSeconds, installerCommand, createdAt, containerEngine,
                           archivedAt, logLimit FROM project;
                DELETE FROM sqlite_sequence WHERE name = 'new_project';
                INSERT INTO sqlite_sequence (name, seq) SELECT 'new_project', seq FROM sqlite_sequence WHERE name = 'project';
                DROP TABLE project;
                ALTER TABLE new_project RENAME TO project;

                CREATE TABLE new_template (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    projectId INTEGER NOT NULL REFERENCES project(id) ON DELETE CASCADE,
                    scope TEXT NOT NULL CHECK (scope IN ('example','team','saved')),
                    ownerId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
                    description TEXT NOT NULL DEFAULT '',
                    method TEXT NOT NULL CHECK (length(method) > 0),
                    manifest TEXT NOT NULL,
                    createdAt DATETIME NOT NULL,
                    updatedAt DATETIME NOT NULL
                );
                INSERT INTO new_template (id, projectId, scope, ownerId, name, description, method, manifest, createdAt, updatedAt)
                    SELECT id, projectId, scope, ownerId, name, description, method, manifest, createdAt, updatedAt FROM template;
                DELETE FROM sqlite_sequence WHERE name = 'new_template';
                INSERT INTO sqlite_sequence (name, seq) SELECT 'new_template', seq FROM sqlite_sequence WHERE name = 'template';
                DROP TABLE template;
                ALTER TABLE new_template RENAME TO template;
                CREATE UNIQUE INDEX template_shared_name ON template(projectId, name) WHERE scope != 'saved';
                CREATE UNIQUE INDEX template_saved_name ON template(projectId, ownerId, name) WHERE scope = 'saved';

                CREATE TABLE new_build (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    projectId INTEGER NOT NULL REFERENCES project(id) ON DELETE CASCADE,
                    number INTEGER NOT NULL CHECK (number > 0),
                    name TEXT NOT NULL,
                    method TEXT NOT NULL CHECK (length(method) > 0 AND method != 'default'),
                    manifest TEXT NOT NULL,
                    manifestSha256 TEXT NOT NULL CHECK (length(manifestSha256) = 64),
                    templateId INTEGER REFERENCES template(id) ON DELETE SET NULL,
                    status TEXT NOT NULL CHECK (status IN ('queued','running','succeeded','failed','cancelled','interrupted')),
                    startedBy INTEGER NOT NULL REFERENCES user(id),
                    createdAt DATETIME NOT NULL,
                    startedAt DATETIME,
                    finishedAt DATETIME,
                    failureReason TEXT,
                    timedOut BOOLEAN NOT NULL DEFAULT 0,
                    cancelRequested BOOLEAN NOT NULL DEFAULT 0,
                    runnerPid INTEGER,
                    runnerStartTicks INTEGER,
                    logLines INTEGER NOT NULL DEFAULT 0 CHECK (logLines >= 0),
                    errorLines INTEGER NOT NULL DEFAULT 0,
                    warnLines INTEGER NOT NULL DEFAULT 0,
                    limitPlan TEXT,
                    priority INTEGER NOT NULL DEFAULT 0 CHECK (priority BETWEEN -100 AND 100),
                    queueReason TEXT,
                    requestedCpus REAL CHECK (requestedCpus IS NULL OR requestedCpus > 0),
                    requestedMemory INTEGER CHECK (requestedMemory IS NULL OR requestedMemory > 0),
                    fingerprint TEXT,
                    droppedLogLines INTEGER NOT NULL DEFAULT 0,
                    logLimit TEXT,
                    UNIQUE (projectId, number),
                    CHECK (finishedAt IS NULL OR startedAt IS NULL OR finishedAt >= startedAt),
                    CHECK ((status IN ('queued','running')) = (finishedAt IS NULL))
                );
                INSERT INTO new_build (id, projectId, number, name, method, manifest, manifestSha256, templateId, status, startedBy,
                                       createdAt, startedAt, finishedAt, failureReason, timedOut, cancelRequested, runnerPid,
                                       runnerStartTicks, logLines, errorLines, warnLines, limitPlan, priority, queueReason,
                                       requestedCpus, requestedMemory, fingerprint, droppedLogLines, logLimit)
                    SELECT id, projectId, number, name, method, manifest, manifestSha256, templateId, status, startedBy,
                           createdAt, startedAt, finishedAt, failureReason, timedOut, cancelRequested, runnerPid,
                           runnerStartTicks, logLines, errorLines, warnLines, limitPlan, priority, queueReason,
                           requestedCpus, requestedMemory, fingerprint, droppedLogLines, logLimit FROM build;
                DELETE FROM sqlite_sequence WHERE name = 'new_build';
                INSERT INTO sqlite_sequence (name, seq) SELECT 'new_build', seq FROM sqlite_sequence WHERE name = 'build';
                DROP TABLE build;
                ALTER TABLE new_build RENAME TO build;
                CREATE INDEX build_status ON build(status);
                CREATE INDEX build_manifest ON build(projectId, manifestSha256);
                CREATE INDEX build_queue ON build(status, priority, id);
                """)
        }
        return migrator
    }

    static var latestVersion: String { "v6-methods-unchecked" }
}
