CREATE TABLE _migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TEXT NOT NULL,
      duration_ms INTEGER NOT NULL DEFAULT 0
    );
INSERT INTO "_migrations" VALUES(1,'initial_schema','2026-11-20T08:59:00.000Z',0);
INSERT INTO "_migrations" VALUES(3,'add_tool_calls_to_conversations','2026-11-20T08:59:00.010Z',0);
CREATE TABLE agent_sessions (
        id TEXT PRIMARY KEY,
        parent_session_id TEXT REFERENCES agent_sessions(id),
        conversation_id TEXT NOT NULL,
        name TEXT NOT NULL,
        description TEXT,
        goal TEXT,
        status TEXT NOT NULL DEFAULT 'pending',
        depth INTEGER NOT NULL DEFAULT 0,
        current_step INTEGER NOT NULL DEFAULT 0,
        max_steps INTEGER NOT NULL DEFAULT 20,
        used_budget INTEGER NOT NULL DEFAULT 0,
        max_budget INTEGER NOT NULL DEFAULT 20000,
        final_result TEXT,
        stop_reason TEXT,
        allowed_tools TEXT,
        disallowed_tools TEXT,
        created_at INTEGER NOT NULL DEFAULT CURRENT_TIMESTAMP,
        started_at INTEGER,
        completed_at INTEGER,
        updated_at INTEGER NOT NULL DEFAULT CURRENT_TIMESTAMP,
        metadata TEXT NOT NULL DEFAULT '{}'
      );
INSERT INTO "agent_sessions" VALUES('run-a-1',NULL,'5b1c7d2e-0a41-4f3e-9d7c-2f61a8e4b901','agentic-chat',NULL,NULL,'running',0,0,20,0,20000,NULL,NULL,NULL,NULL,1795165320000,1795165320000,NULL,1795165330000,'{}');
INSERT INTO "agent_sessions" VALUES('run-b-1',NULL,'c3e8a6f0-7b25-4d19-8e0a-94d2b5f71c33','agentic-chat',NULL,NULL,'completed',0,0,20,0,20000,NULL,NULL,NULL,NULL,1795271000000,1795271000000,NULL,1795271010000,'{}');
INSERT INTO "agent_sessions" VALUES('run-b-2',NULL,'c3e8a6f0-7b25-4d19-8e0a-94d2b5f71c33','agentic-chat',NULL,NULL,'failed',0,0,20,0,20000,NULL,NULL,NULL,NULL,1795271400000,1795271400000,NULL,1795271465000,'{}');
INSERT INTO "agent_sessions" VALUES('run-c-1',NULL,'e07f4b19-2c6d-4a8e-b3f5-1d9c0a7e6b22','agentic-chat',NULL,NULL,'queued',0,0,20,0,20000,NULL,NULL,NULL,NULL,1795334400000,1795334400000,NULL,1795334400000,'{}');
CREATE TABLE conversation_messages (
      id TEXT PRIMARY KEY,
      conversation_id TEXT NOT NULL,
      role TEXT NOT NULL,
      content TEXT NOT NULL,
      model TEXT,
      provider TEXT,
      prompt_tokens INTEGER,
      completion_tokens INTEGER,
      total_tokens INTEGER,
      cost REAL,
      tool_calls TEXT,
      created_at TEXT NOT NULL,
      FOREIGN KEY (conversation_id) REFERENCES conversations(id) ON DELETE CASCADE
    );
INSERT INTO "conversation_messages" VALUES('a0000001-0000-4000-8000-000000000001','5b1c7d2e-0a41-4f3e-9d7c-2f61a8e4b901','user','Why does the build fail on CI but not locally? It says `node: not found` 🤔',NULL,NULL,NULL,NULL,NULL,NULL,NULL,'2026-11-20T09:00:01.120Z');
INSERT INTO "conversation_messages" VALUES('a0000001-0000-4000-8000-000000000002','5b1c7d2e-0a41-4f3e-9d7c-2f61a8e4b901','assistant','Most likely the CI image has no Node on its `PATH`. Ask me to **check versions** and I will compare.','gpt-4o','openai',812,64,876,0.00267,NULL,'2026-11-20T09:00:03.480Z');
INSERT INTO "conversation_messages" VALUES('a0000001-0000-4000-8000-000000000003','5b1c7d2e-0a41-4f3e-9d7c-2f61a8e4b901','user','Check versions: run node --version and the CI script in parallel',NULL,NULL,NULL,NULL,NULL,NULL,NULL,'2026-11-20T09:02:00.010Z');
INSERT INTO "conversation_messages" VALUES('a0000001-0000-4000-8000-000000000004','5b1c7d2e-0a41-4f3e-9d7c-2f61a8e4b901','assistant','Local Node is **v22.11.0** ✅; the CI script failed ❌ (`exit 1`), so the runner lacks Node.','openai','openai',3120,188,3308,NULL,'[{"id":"call_a1","name":"exec","arguments":{"command":"node --version"},"result":{"status":"completed","exitCode":0,"stdout":"v22.11.0\n","stderr":"","durationMs":31,"timedOut":false},"status":"success"},{"id":"call_a2","name":"exec","arguments":{"command":"./ci/build.sh"},"result":{"success":false,"error":"Command exited with code 1"},"status":"error"}]','2026-11-20T09:02:10.250Z');
INSERT INTO "conversation_messages" VALUES('b0000002-0000-4000-8000-000000000001','c3e8a6f0-7b25-4d19-8e0a-94d2b5f71c33','system','Earlier messages were compacted: the user tracks tickets in project PC.',NULL,NULL,NULL,NULL,NULL,NULL,NULL,'2026-11-21T14:30:00.500Z');
INSERT INTO "conversation_messages" VALUES('b0000002-0000-4000-8000-000000000002','c3e8a6f0-7b25-4d19-8e0a-94d2b5f71c33','user','Summarise the open tickets',NULL,NULL,NULL,NULL,NULL,NULL,NULL,'2026-11-21T14:30:01.000Z');
INSERT INTO "conversation_messages" VALUES('b0000002-0000-4000-8000-000000000003','c3e8a6f0-7b25-4d19-8e0a-94d2b5f71c33','assistant','','openai','openai',1450,40,1490,NULL,'[{"id":"call_b1","name":"list_tickets","arguments":{"status":"open","limit":20},"result":[{"key":"PC-7","title":"Flaky login test"},{"key":"PC-9","title":"Docs: 安装"}],"status":"success"},{"id":"call_b2","name":"web_fetch","arguments":{"url":"http://127.0.0.1:9/status"},"status":"pending"}]','2026-11-21T14:31:05.900Z');
CREATE TABLE conversations (
      id TEXT PRIMARY KEY,
      title TEXT NOT NULL,
      preset_id TEXT NOT NULL DEFAULT 'profclaw-assistant',
      task_id TEXT,
      ticket_id TEXT,
      project_id TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
INSERT INTO "conversations" VALUES('5b1c7d2e-0a41-4f3e-9d7c-2f61a8e4b901','Why does the build fail on CI but not locally? It...','profclaw-assistant',NULL,NULL,NULL,'2026-11-20T09:00:00.000Z','2026-11-20T09:02:10.250Z');
INSERT INTO "conversations" VALUES('c3e8a6f0-7b25-4d19-8e0a-94d2b5f71c33','Summarise the open tickets','profclaw-assistant',NULL,NULL,NULL,'2026-11-21T14:30:00.000Z','2026-11-21T14:31:05.900Z');
INSERT INTO "conversations" VALUES('e07f4b19-2c6d-4a8e-b3f5-1d9c0a7e6b22','New conversation','profclaw-assistant',NULL,NULL,NULL,'2026-11-22T08:00:00.000Z','2026-11-22T08:00:00.000Z');
CREATE TABLE session_messages (
        id TEXT PRIMARY KEY,
        from_session_id TEXT NOT NULL REFERENCES agent_sessions(id),
        to_session_id TEXT NOT NULL REFERENCES agent_sessions(id),
        type TEXT NOT NULL DEFAULT 'message',
        subject TEXT,
        content TEXT NOT NULL,
        priority INTEGER NOT NULL DEFAULT 5,
        status TEXT NOT NULL DEFAULT 'pending',
        reply_to_message_id TEXT REFERENCES session_messages(id),
        expires_at INTEGER,
        created_at INTEGER NOT NULL DEFAULT CURRENT_TIMESTAMP,
        delivered_at INTEGER,
        read_at INTEGER
      );
CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        category TEXT NOT NULL,
        is_secret INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL DEFAULT CURRENT_TIMESTAMP
      );
INSERT INTO "settings" VALUES('theme','dark','ui',0,1795165200);
CREATE INDEX idx_agent_sessions_conversation ON agent_sessions(conversation_id);
CREATE INDEX idx_conv_messages_conv_id
    ON conversation_messages(conversation_id);
