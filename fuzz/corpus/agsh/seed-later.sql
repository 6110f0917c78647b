CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT,
                       session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
                       role TEXT NOT NULL, content TEXT NOT NULL, created_at TEXT NOT NULL);
INSERT INTO "messages" VALUES(1,'5a5a5a5a-0000-4000-8000-000000000001','user_blocks','[{"type":"text","text":"<context>\n[Environment context]\nWorking directory: /work/elsewhere\n</context>"},{"type":"text","text":"What is in this picture?"},{"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/"}}]','2026-11-20T09:00:01.123456790+00:00');
INSERT INTO "messages" VALUES(2,'5a5a5a5a-0000-4000-8000-000000000001','assistant','[{"type":"text","text":"A cat on a keyboard."}]','2026-11-20T09:00:02.123456791+00:00');
INSERT INTO "messages" VALUES(3,'5a5a5a5a-0000-4000-8000-000000000001','compact_boundary','{"type":"compact_boundary","summary":{"role":"user","content":[{"type":"text","text":"The user asked about a picture of a cat."}]},"replaced_count":2,"loaded_tools_snapshot":[]}','2026-11-20T09:00:30.123456819+00:00');
INSERT INTO "messages" VALUES(4,'5a5a5a5a-0000-4000-8000-000000000001','repair','{"type":"repair","superseded":[1]}','2026-11-20T09:00:31.123456820+00:00');
INSERT INTO "messages" VALUES(5,'5a5a5a5a-0000-4000-8000-000000000001','user','<context>
[Environment context]
Working directory: /work/later
Date: Fri, 20 Nov 2026 09:00:40 +0000
</context>

And now?','2026-11-20T09:00:40.123456829+00:00');
INSERT INTO "messages" VALUES(6,'5a5a5a5a-0000-4000-8000-000000000001','assistant','[{"type":"text","text":"Still a cat."}]','2026-11-20T09:00:41.123456830+00:00');
INSERT INTO "messages" VALUES(7,'5a5a5a5a-0000-4000-8000-000000000002','user','Sub-task: count the cats','2026-11-20T09:00:11.123456800+00:00');
INSERT INTO "messages" VALUES(8,'5a5a5a5a-0000-4000-8000-000000000002','assistant','[{"type":"text","text":"One cat."}]','2026-11-20T09:00:12.123456801+00:00');
CREATE TABLE sessions (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
                       parent_session_id TEXT REFERENCES sessions(id) ON DELETE CASCADE, cwd TEXT,
                       permission TEXT, stat_turns INTEGER NOT NULL DEFAULT 0,
                       stat_input_tokens INTEGER NOT NULL DEFAULT 0,
                       stat_output_tokens INTEGER NOT NULL DEFAULT 0,
                       stat_cache_creation_input_tokens INTEGER NOT NULL DEFAULT 0,
                       stat_cache_read_input_tokens INTEGER NOT NULL DEFAULT 0);
INSERT INTO "sessions" VALUES('5a5a5a5a-0000-4000-8000-000000000001','2026-11-20T09:00:00.123456789+00:00','2026-11-20T09:00:50.123456839+00:00',NULL,'/work/later',NULL,2,1200,340,500,8000);
INSERT INTO "sessions" VALUES('5a5a5a5a-0000-4000-8000-000000000002','2026-11-20T09:00:10.123456799+00:00','2026-11-20T09:00:12.123456801+00:00','5a5a5a5a-0000-4000-8000-000000000001','/work/later',NULL,0,0,0,0,0);
CREATE INDEX idx_messages_session_id ON messages(session_id);
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('messages',8);
