//! The bundled demo sessions (from `assets/demo/`, embedded at build time), installed into a
//! cache folder laid out like a home directory.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/demo_files.rs"));

/// Write the demo home under `dir` (only files whose content differs, so the index sees no
/// change on the next run) and return its path.
pub fn install(dir: &Path) -> Result<PathBuf> {
    let home = dir.join("home");
    for (rel, bytes) in DEMO_FILES {
        let rel = rel.replace('\\', "/");
        if rel.split('/').any(|c| c == "..") {
            continue;
        }
        let path = home.join(&rel);
        if std::fs::read(&path).is_ok_and(|have| have == *bytes) {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(home)
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_has_sessions_for_every_agent() {
        let names: Vec<&str> = super::DEMO_FILES.iter().map(|(n, _)| *n).collect();
        for prefix in [
            ".claude/projects/",
            ".codex/sessions/",
            ".gemini/tmp/",
            ".local/share/opencode/",
            ".pi/agent/sessions/",
            ".local/share/agsh/",
            ".agenix/",
            "profclaw/data/",
        ] {
            assert!(
                names.iter().any(|n| n.starts_with(prefix)),
                "{prefix}: {names:?}"
            );
        }
    }
}
