CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, role TEXT NOT NULL,
                       content TEXT NOT NULL, created_at TEXT NOT NULL,
                       FOREIGN KEY (session_id) REFERENCES sessions(id));
INSERT INTO "messages" VALUES(1,'11111111-2222-4333-8444-555555555555','user','<context>
[Environment context]
Working directory: /srv/odd
Date: Fri, 20 Nov 2026 09:00:01 +0000
</context>

Odd rows ahead','2026-11-20T09:00:01.123456790+00:00');
INSERT INTO "messages" VALUES(2,'11111111-2222-4333-8444-555555555555','system_note','a role this version does not know','2026-11-20T09:00:02.123456791+00:00');
INSERT INTO "messages" VALUES(3,'11111111-2222-4333-8444-555555555555','assistant','[{"type":"text","text":"kept"},{"type":"server_tool_use","id":"x"},42]','2026-11-20T09:00:03.123456792+00:00');
INSERT INTO "messages" VALUES(4,'11111111-2222-4333-8444-555555555555','assistant',X'FFFE206E6F74207574662D38','not a time');
INSERT INTO "messages" VALUES(5,'11111111-2222-4333-8444-555555555555','tool_results','{"type":"tool_result","tool_use_id":"y","content":"obj"}','2026-11-20T09:00:05.123456794+00:00');
INSERT INTO "messages" VALUES(6,'11111111-2222-4333-8444-555555555555','assistant','[{"type":"text","text":"still here"}]','2026-11-20T09:00:06.123456795+00:00');
CREATE TABLE sessions (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
                       locked_by TEXT, metadata TEXT);
INSERT INTO "sessions" VALUES('11111111-2222-4333-8444-555555555555','2026-11-20T09:00:00.123456789+00:00','yesterday','  ',NULL);
CREATE TABLE tool_outputs (session_id TEXT NOT NULL, name TEXT NOT NULL, content TEXT NOT NULL,
                           created_at TEXT NOT NULL, PRIMARY KEY (session_id, name),
                           FOREIGN KEY (session_id) REFERENCES sessions(id));
CREATE INDEX idx_messages_session_id ON messages(session_id);
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('messages',6);
