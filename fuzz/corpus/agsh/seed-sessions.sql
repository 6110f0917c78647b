CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, role TEXT NOT NULL,
                       content TEXT NOT NULL, created_at TEXT NOT NULL,
                       FOREIGN KEY (session_id) REFERENCES sessions(id));
INSERT INTO "messages" VALUES(1,'3f1c9a2e-5b7d-4e8f-9a01-23456789abcd','user','<context>
[Environment context]
Working directory: /home/u/proj-a
Date: Fri, 20 Nov 2026 09:00:01 +0000
</context>

List the files and run the build
then tell me what broke','2026-11-20T09:00:02.123456791+00:00');
INSERT INTO "messages" VALUES(2,'3f1c9a2e-5b7d-4e8f-9a01-23456789abcd','assistant','[{"type":"thinking","thinking":"Two independent commands: run them together.","signature":"c2lnbmF0dXJl"},{"type":"text","text":"Running both at once ⚡"},{"type":"tool_use","id":"toolu_01","name":"execute_command","input":{"command":"ls -1"}},{"type":"tool_use","id":"toolu_02","name":"execute_command","input":{"command":"cargo build"}}]','2026-11-20T09:00:03.123456792+00:00');
INSERT INTO "messages" VALUES(3,'3f1c9a2e-5b7d-4e8f-9a01-23456789abcd','tool_results','[{"type":"tool_result","tool_use_id":"toolu_01","content":[{"type":"text","text":"Cargo.toml\nsrc\n"}],"is_error":false},{"type":"tool_result","tool_use_id":"toolu_02","content":"error[E0425]: cannot find value `x`\n\nExit code: 101","is_error":true}]','2026-11-20T09:00:04.123456793+00:00');
INSERT INTO "messages" VALUES(4,'3f1c9a2e-5b7d-4e8f-9a01-23456789abcd','assistant','[{"type":"redacted_thinking","data":"EqQBCkgIARABGAIiQL"},{"type":"thinking","thinking":"","opaque":{"kind":"sealed","encrypted_content":"gAAAAB"}},{"type":"text","text":"The build fails: `x` is not defined in src/main.rs."}]','2026-11-20T09:00:05.123456794+00:00');
INSERT INTO "messages" VALUES(5,'3f1c9a2e-5b7d-4e8f-9a01-23456789abcd','user','<context>
[Environment context]
Working directory: /home/u/proj-a/docs
Date: Fri, 20 Nov 2026 09:01:00 +0000
</context>

Look at the screenshot','2026-11-20T09:01:01.123456850+00:00');
INSERT INTO "messages" VALUES(6,'3f1c9a2e-5b7d-4e8f-9a01-23456789abcd','assistant','[{"type":"tool_use","id":"toolu_03","name":"read_file","input":{"path":"shot.png"}}]','2026-11-20T09:01:02.123456851+00:00');
INSERT INTO "messages" VALUES(7,'3f1c9a2e-5b7d-4e8f-9a01-23456789abcd','tool_results','[{"type":"tool_result","tool_use_id":"toolu_03","content":[{"type":"text","text":"shot.png (12 KB)"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}],"is_error":false}]','2026-11-20T09:01:03.123456852+00:00');
INSERT INTO "messages" VALUES(8,'3f1c9a2e-5b7d-4e8f-9a01-23456789abcd','assistant','Plain text reply from an old version of agsh.','2026-11-20T09:01:04.123456853+00:00');
INSERT INTO "messages" VALUES(9,'0b6d2f4e-8a1c-4d3e-b5f7-9c0d1e2f3a4b','user','hello there','2026-11-20T09:03:21.123456990+00:00');
INSERT INTO "messages" VALUES(10,'0b6d2f4e-8a1c-4d3e-b5f7-9c0d1e2f3a4b','assistant','[{"type":"text","text":"Hi! What shall we do?"}]','2026-11-20T09:03:22.123456991+00:00');
INSERT INTO "messages" VALUES(11,'0b6d2f4e-8a1c-4d3e-b5f7-9c0d1e2f3a4b','user','<context>
[Environment context]
Working directory: /home/u/proj-b
Date: Fri, 20 Nov 2026 09:03:30 +0000
</context>

','2026-11-20T09:03:31.123457000+00:00');
INSERT INTO "messages" VALUES(12,'0b6d2f4e-8a1c-4d3e-b5f7-9c0d1e2f3a4b','tool_results','legacy tool output','2026-11-20T09:03:32.123457001+00:00');
INSERT INTO "messages" VALUES(13,'0b6d2f4e-8a1c-4d3e-b5f7-9c0d1e2f3a4b','assistant','[]','2026-11-20T09:03:33.123457002+00:00');
CREATE TABLE sessions (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
                       locked_by TEXT, metadata TEXT);
INSERT INTO "sessions" VALUES('3f1c9a2e-5b7d-4e8f-9a01-23456789abcd','2026-11-20T09:00:00.123456789+00:00','2026-11-20T09:01:35.123456884+00:00','4194305',NULL);
INSERT INTO "sessions" VALUES('0b6d2f4e-8a1c-4d3e-b5f7-9c0d1e2f3a4b','2026-11-20T09:03:20.123456989+00:00','2026-11-20T09:03:50.123457019+00:00',NULL,NULL);
INSERT INTO "sessions" VALUES('c7e8f9a0-1b2c-4d3e-8f4a-5b6c7d8e9f01','2026-11-20T09:05:00.123457089+00:00','2026-11-20T09:05:00.123457089+00:00','4194306',NULL);
CREATE TABLE tool_outputs (session_id TEXT NOT NULL, name TEXT NOT NULL, content TEXT NOT NULL,
                           created_at TEXT NOT NULL, PRIMARY KEY (session_id, name),
                           FOREIGN KEY (session_id) REFERENCES sessions(id));
CREATE INDEX idx_messages_session_id ON messages(session_id);
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('messages',13);
