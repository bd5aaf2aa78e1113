CREATE INDEX activity_project ON activity(projectId, createdAt);

CREATE INDEX build_manifest ON build(projectId, manifestSha256);

CREATE INDEX build_queue ON build(status, priority, id);

CREATE INDEX build_status ON build(status);

CREATE INDEX membership_user ON membership(userId);

CREATE INDEX notification_user ON notification(userId, createdAt);

CREATE UNIQUE INDEX template_saved_name ON template(projectId, ownerId, name) WHERE scope = 'saved';

CREATE UNIQUE INDEX template_shared_name ON template(projectId, name) WHERE scope != 'saved';

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

CREATE TABLE "build" (
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

CREATE TABLE membership (
    projectId INTEGER NOT NULL REFERENCES project(id) ON DELETE CASCADE,
    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner','admin','member','viewer')),
    createdAt DATETIME NOT NULL,
    PRIMARY KEY (projectId, userId)
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

CREATE TABLE "project" (
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

CREATE TABLE sqlite_sequence(name,seq);

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

CREATE TABLE "template" (
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

CREATE TABLE tenant (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE CHECK (length(name) > 0),
    createdAt DATETIME NOT NULL
);

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
