"""Demo sessions for Gemini CLI (the 0.39+ JSONL format, as 0.61 writes it)."""
import hashlib
import json
import os
import shutil
from datetime import timedelta

from common import BASE, HOME, write_jsonl

# ---------------------------------------------------------------------------------------------
# Gemini CLI

CONTEXT_ID = "d04923d38bb0f6017037e74183378ef4"  # the same in every session


class Gemini:
    """One session file: records appended the way ChatRecordingService appends them."""

    def __init__(self, sid, cwd, minute, model):
        self.sid = sid
        self.cwd = cwd
        self.model = model
        self.start = BASE + timedelta(minutes=minute)
        self.sec = 0
        self.n = 0
        self.lines = []
        self.msgs = {}  # id -> the last record written under it
        self.process()

    def t(self, extra=0):
        t = self.start + timedelta(seconds=self.sec + extra)
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"

    def tick(self, s=1):
        self.sec += s

    def mid(self):
        self.n += 1
        return f"{self.sid[:8]}-0000-4000-8000-{self.n:012x}"

    def updated(self):
        self.lines.append({"$set": {"lastUpdated": self.t()}})

    def process(self, tree=None):
        """A CLI process starting (or resuming): metadata, then the injected context."""
        self.lines.append({"sessionId": self.sid, "projectHash": hashlib.sha256(self.cwd.encode()).hexdigest(),
                           "startTime": self.t(), "lastUpdated": self.t(), "kind": "main"})
        name = os.path.basename(self.cwd)
        tree = tree or "├───src/\n├───package.json\n└───README.md"
        ctx = (
            "<session_context>\nThis is the Gemini CLI. We are setting up the context for our chat.\n"
            "Today's date is Monday, November 23, 2026 (formatted according to the user's locale).\n"
            "My operating system is: linux\n"
            f"The project's temporary directory is: {HOME}/.gemini/tmp/{name}\n"
            f"- **Workspace Directories:**\n  - {self.cwd}\n- **Directory Structure:**\n\n"
            f"{self.cwd}/\n{tree}\n\n\n</session_context>"
        )
        self.ctx = {"id": CONTEXT_ID, "timestamp": self.t(), "type": "user", "content": [{"text": ctx}]}
        self.lines.append({"$set": {"messages": [self.ctx], "lastUpdated": self.t()}})

    def add(self, rec):
        self.lines.append(rec)
        self.msgs[rec["id"]] = rec

    def resume(self):
        """`gemini --resume <id>`: a new process, then the history rebuilt from the API contents
        (no tokens, model or tool calls; every tool result twice)."""
        self.process()
        self.lines.append({"$set": {"sessionId": self.sid}})
        rebuilt = [self.ctx]
        for rec in self.msgs.values():
            if rec["type"] == "user":
                rebuilt.append({"id": rec["id"], "timestamp": self.t(), "type": "user", "content": rec["content"]})
                continue
            parts = [{"text": f"**{th['subject']}** {th['description']}", "thought": True} for th in rec["thoughts"]]
            if rec["content"]:
                parts.append({"text": rec["content"]})
            calls = rec.get("toolCalls", [])
            parts += [{"functionCall": {"id": c["id"], "name": c["name"], "args": c["args"]}} for c in calls]
            rebuilt.append({"id": rec["id"], "timestamp": self.t(), "type": "gemini", "content": parts})
            if calls:
                rebuilt.append({"id": rec["id"] + "_response", "timestamp": self.t(), "type": "user",
                                "content": [c["result"][0] for c in calls]})
        self.lines.append({"$set": {"messages": rebuilt, "lastUpdated": self.t()}})

    def user(self, text):
        self.tick()
        self.add({"id": self.mid(), "timestamp": self.t(), "type": "user", "content": [{"text": text}]})
        self.updated()

    def gemini(self, text, usage, thoughts=(), calls=()):
        """A model response; with tool calls it is written twice under one id, then each call's
        functionResponse comes back as a user message."""
        self.tick(2)
        prompt, cached, out, think = usage
        msg = {
            "id": self.mid(), "timestamp": self.t(), "type": "gemini", "content": text,
            "thoughts": [{"subject": s, "description": d, "timestamp": self.t()} for s, d in thoughts],
            "tokens": {"input": prompt, "output": out, "cached": cached, "thoughts": think, "tool": 0,
                       "total": prompt + out + think},
            "model": self.model,
        }
        self.add(msg)
        self.updated()
        if not calls:
            return
        records = []
        for i, (name, args, output, status, display) in enumerate(calls):
            cid = f"{name}__{name}_{1795400000000 + self.sec * 1000 + i}_{i}"
            response = {"error": output} if status == "error" else {"output": output}
            records.append({
                "id": cid, "name": name, "args": args,
                "result": [{"functionResponse": {"id": cid, "name": name, "response": response}}],
                "status": status, "timestamp": self.t(1), "resultDisplay": display,
                "description": args.get("description", next(iter(args.values()))),
                "displayName": {"run_shell_command": "Shell", "read_file": "ReadFile",
                                "replace": "Edit", "glob": "FindFiles"}.get(name, name),
                "renderOutputAsMarkdown": name != "run_shell_command",
            })
        self.add(dict(msg, toolCalls=records))
        self.tick()
        self.add({"id": self.mid(), "timestamp": self.t(), "type": "user",
                           "content": [{"functionResponse": {"id": r["id"], "name": r["name"],
                                                             "response": r["result"][0]["functionResponse"]["response"]}}
                                       for r in records]})
        self.updated()

    def summary(self, text, tools):
        self.lines.append({"$set": {"summary": text, "memoryScratchpad": {
            "version": 1, "workflowSummary": " -> ".join(tools), "toolSequence": tools}}})

    def write(self, root):
        name = os.path.basename(self.cwd)
        stamp = self.start.strftime("%Y-%m-%dT%H-%M")
        write_jsonl(os.path.join(root, ".gemini", "tmp", name, "chats", f"session-{stamp}-{self.sid[:8]}.jsonl"), self.lines)


def shell(cmd, out, code=0):
    wrapped = f"<untrusted_context>\nOutput: {out}\n" + (f"Exit Code: {code}\n" if code else "") + "Process Group PGID: 4242\n</untrusted_context>"
    return ("run_shell_command", {"command": cmd, "description": f"Run: {cmd}"}, wrapped, "success", out)


def generate(root):
    """Gemini CLI: a bug hunt in the webshop (a failing test run, a fix) and a quick question."""
    shutil.rmtree(os.path.join(root, ".gemini"), ignore_errors=True)
    webshop = f"{HOME}/src/webshop"
    dotfiles = f"{HOME}/src/dotfiles"

    s = Gemini("3f6c1a2b-8d4e-4f70-9a12-6b5c4d3e2f10", webshop, 150, "gemini-2.5-pro")
    s.user("The cart total is wrong when a coupon and free shipping are combined. Can you find out why?")
    s.gemini("I'll reproduce it with the cart tests first.", (8120, 0, 64, 142),
             thoughts=[("Reproducing the bug", "Run the cart tests to see which case fails before reading code.")],
             calls=[shell("npm test -- cart", "FAIL src/cart/total.test.ts\n  ✕ coupon + free shipping (4 ms)\n    Expected: 45.00\n    Received: 40.50", 1)])
    s.gemini("", (8544, 7936, 38, 96),
             thoughts=[("Reading the total", "The received value is 10% lower: the coupon is probably applied after shipping is zeroed.")],
             calls=[("read_file", {"file_path": "src/cart/total.ts"},
                     "export function total(cart: Cart): number {\n  let sum = subtotal(cart);\n  if (cart.freeShipping) sum -= cart.shipping;\n  if (cart.coupon) sum *= 1 - cart.coupon.rate;\n  return round2(sum + cart.shipping);\n}\n",
                     "success", ""),
                    ("read_file", {"file_path": "src/cart/coupon.ts"}, "File not found: " + webshop + "/src/cart/coupon.ts",
                     "error", "File not found.")])
    s.gemini("Found it: in `src/cart/total.ts` the coupon rate is applied **after** the shipping cost was "
             "subtracted, and the shipping is then added back. With free shipping the discount is taken from the "
             "wrong base.\n\n```ts\nif (cart.freeShipping) sum -= cart.shipping;  // runs first\nif (cart.coupon) sum *= 1 - cart.coupon.rate;\n```\n\n"
             "Shall I fix it?", (9310, 8448, 118, 40))
    # the person came back later: `gemini --resume <id>` appends to the same file
    s.tick(600)
    s.resume()
    s.user("Yes please, and add a regression test.")
    s.gemini("", (9876, 9216, 212, 58),
             thoughts=[("Fixing the order", "Apply the coupon to the subtotal, then decide on shipping.")],
             calls=[("replace", {"file_path": "src/cart/total.ts",
                                 "old_string": "  if (cart.freeShipping) sum -= cart.shipping;\n  if (cart.coupon) sum *= 1 - cart.coupon.rate;\n  return round2(sum + cart.shipping);",
                                 "new_string": "  if (cart.coupon) sum *= 1 - cart.coupon.rate;\n  const shipping = cart.freeShipping ? 0 : cart.shipping;\n  return round2(sum + shipping);"},
                     "Successfully modified file: " + webshop + "/src/cart/total.ts (1 replacements).", "success", "")])
    s.gemini("", (10240, 9728, 96, 0),
             calls=[shell("npm test -- cart", "PASS src/cart/total.test.ts\n  ✓ coupon + free shipping (3 ms)\n  ✓ coupon only (1 ms)\n\nTests: 6 passed, 6 total")])
    s.gemini("Fixed ✅ The coupon now applies to the subtotal before shipping is decided, and "
             "`coupon + free shipping` is covered by a test. All 6 cart tests pass.", (10602, 9984, 54, 0))
    s.summary("Fix cart total with coupon and free shipping", ["run_shell_command: npm", "read_file", "replace"])
    s.write(root)

    q = Gemini("a8e2d9c4-1b3f-4e56-8a7d-0c9b8e7f6d51", dotfiles, 275, "gemini-2.5-flash")
    q.user("How do I make git show the diff of staged changes only? 🙂")
    q.gemini("Use `git diff --staged` (same as `git diff --cached`). Add `--stat` for a summary.", (6120, 3072, 31, 22),
             thoughts=[("Git question", "Staged diff is git diff --cached.")])
    q.summary("Show the diff of staged changes", [])
    q.write(root)

    # where each project folder points (0.29+): projects.json and .project_root
    projects = {webshop: "webshop", dotfiles: "dotfiles"}
    os.makedirs(os.path.join(root, ".gemini"), exist_ok=True)
    with open(os.path.join(root, ".gemini", "projects.json"), "w", encoding="utf-8") as f:
        json.dump({"projects": projects}, f, indent=2)
        f.write("\n")
    for path, slug in projects.items():
        with open(os.path.join(root, ".gemini", "tmp", slug, ".project_root"), "w", encoding="utf-8") as f:
            f.write(path)
