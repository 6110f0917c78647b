//! Full-text search over the FTS5 index: words, phrases, prefixes, identifiers, CJK, filters,
//! the tool-output cap; and `revisit search` / `revisit list QUERY` from the shell.

mod common;

use chrono::{FixedOffset, TimeZone, Utc};
use revisit::index::query::Reader;
use revisit::search::fts::{search_messages, search_sessions};
use revisit::search::query::parse;
use std::path::PathBuf;

fn home() -> PathBuf {
    common::manifest().join("tests/fixtures/search/home")
}

struct Idx {
    _dir: tempfile::TempDir,
    reader: Reader,
}

fn index() -> Idx {
    let dir = tempfile::tempdir().unwrap();
    common::index_home(&home(), dir.path());
    let reader = Reader::open(&dir.path().join("index.sqlite")).unwrap();
    Idx { _dir: dir, reader }
}

const AUTH: &str = "claude:aaaaaaaa-0000-4000-8000-000000000001";
const BIG: &str = "claude:bbbbbbbb-0000-4000-8000-000000000002";
const OTHER: &str = "claude:cccccccc-0000-4000-8000-000000000003";

fn keys(idx: &Idx, q: &str) -> Vec<String> {
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    let q = parse(q, now, FixedOffset::east_opt(0).unwrap());
    assert!(q.errors.is_empty(), "{:?}", q.errors);
    search_sessions(&idx.reader, &q, now, 50, &|s| s)
        .unwrap()
        .into_iter()
        .map(|h| h.key)
        .collect()
}

#[test]
fn words_match_all_of_them() {
    let idx = index();
    assert_eq!(keys(&idx, "auth bug"), vec![AUTH]);
    let both = keys(&idx, "auth");
    assert!(
        both.contains(&AUTH.to_string()) && both.contains(&BIG.to_string()),
        "{both:?}"
    );
    assert!(keys(&idx, "nonexistentword").is_empty());
}

#[test]
fn exact_phrases() {
    let idx = index();
    assert_eq!(keys(&idx, r#""quick brown fox""#), vec![AUTH]);
    // the words occur in OTHER too, but not as that phrase
    let loose = keys(&idx, "quick brown");
    assert!(loose.contains(&OTHER.to_string()) && loose.contains(&AUTH.to_string()));
}

#[test]
fn prefixes() {
    let idx = index();
    assert_eq!(
        keys(&idx, "pars*"),
        vec![AUTH],
        "thinking text is searched (parser/parsing)"
    );
    assert!(keys(&idx, "pars").is_empty(), "without * a word is whole");
}

#[test]
fn identifiers_are_found_whole() {
    let idx = index();
    assert_eq!(keys(&idx, "src/auth/login.rs"), vec![AUTH]);
    assert_eq!(keys(&idx, "ERR_CONN-42"), vec![AUTH]);
    assert_eq!(
        keys(&idx, "snake_case_function"),
        vec![AUTH],
        "tool outputs are searched"
    );
    assert!(keys(&idx, "src/auth/logout.rs").is_empty());
}

#[test]
fn cjk_text() {
    let idx = index();
    assert_eq!(keys(&idx, "你好世界"), vec![AUTH]);
    assert_eq!(keys(&idx, "日本語"), vec![AUTH]);
    assert_eq!(keys(&idx, "你好"), vec![AUTH], "a two-character word");
    assert!(
        keys(&idx, "世界你好").is_empty(),
        "characters in that order only"
    );
}

#[test]
fn filters_combine_with_words() {
    let idx = index();
    assert_eq!(keys(&idx, "auth project:big"), vec![BIG]);
    assert_eq!(keys(&idx, "auth -project:big"), vec![AUTH]);
    assert!(keys(&idx, "auth agent:codex").is_empty());
}

#[test]
fn large_tool_outputs_are_capped_but_prompts_and_answers_are_not() {
    let idx = index();
    assert_eq!(
        keys(&idx, "tailword"),
        vec![BIG],
        "the last 4 KiB are indexed"
    );
    assert!(
        keys(&idx, "middleword").is_empty(),
        "a word 18 KiB into a 99 KiB output is past the 12 KiB head and before the 4 KiB tail"
    );
    assert_eq!(keys(&idx, "long log"), vec![BIG]);
}

#[test]
fn hits_know_their_messages_and_snippets() {
    let idx = index();
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    let q = parse("你好世界", now, FixedOffset::east_opt(0).unwrap());
    let hits = search_sessions(&idx.reader, &q, now, 10, &|s| s).unwrap();
    assert_eq!(hits[0].messages, vec![4, 5], "the prompt and the answer");
    let (a, b) = hits[0].ranges[0];
    assert_eq!(&hits[0].snippet[a..b], "你好世界");
    let msgs = idx.reader.messages(AUTH).unwrap();
    assert!(revisit::search::fts::plain(&msgs[hits[0].best]).contains("你好世界"));
    let per_message = search_messages(&idx.reader, &q, now, 10, &|s| s).unwrap();
    assert_eq!(per_message.len(), 2);
    assert!(per_message.iter().all(|h| h.snippet.contains("你好世界")));
}

#[test]
fn cli_search_json() {
    let scratch = tempfile::tempdir().unwrap();
    let out = common::revisit(&home(), scratch.path())
        .args(["search", "ERR_CONN-42", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hits = v.as_array().unwrap();
    assert_eq!(hits.len(), 1);
    let mut k: Vec<&str> = hits[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    k.sort();
    assert_eq!(
        k,
        ["agent", "id", "message_index", "score", "snippet", "title"]
    );
    assert_eq!(hits[0]["agent"], "claude");
    assert_eq!(hits[0]["id"], "aaaaaaaa-0000-4000-8000-000000000001");
    assert_eq!(hits[0]["message_index"], 1);
    assert!(hits[0]["snippet"].as_str().unwrap().contains("ERR_CONN-42"));
    assert!(hits[0]["score"].as_f64().unwrap() > 0.0);

    let limited = common::revisit(&home(), scratch.path())
        .args(["search", "auth", "--limit", "1", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&limited.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);

    let agent = common::revisit(&home(), scratch.path())
        .args(["search", "auth", "--agent", "codex", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&agent.stdout).unwrap();
    assert!(v.as_array().unwrap().is_empty());

    let bad = common::revisit(&home(), scratch.path())
        .args(["search", "auth", "colour:red"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown filter 'colour'"));
}

#[test]
fn cli_list_takes_a_query() {
    let scratch = tempfile::tempdir().unwrap();
    let out = common::revisit(&home(), scratch.path())
        .args(["list", "--json", "project:auth"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["aaaaaaaa-0000-4000-8000-000000000001"]);
    let out = common::revisit(&home(), scratch.path())
        .args(["list", "--json", "brwn", "bgs"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v[0]["id"], "cccccccc-0000-4000-8000-000000000003",
        "fuzzy words"
    );
}
