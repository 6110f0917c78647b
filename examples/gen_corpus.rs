//! Write a realistic corpus of Claude Code, Codex and Pi sessions for benchmarks.
//!
//!     cargo run --release --example gen_corpus -- --sessions 10000 --out /tmp/corpus [--size-mb 2000]
//!
//! The corpus is a home folder (`<out>/home`) in the agents' own layouts; point revisit at it
//! with `HOME=<out>/home`.

#[path = "corpus/mod.rs"]
mod corpus;

use clap::Parser;
use std::path::PathBuf;

#[derive(Parser)]
struct Args {
    /// Number of sessions (50 % Claude Code, 35 % Codex, 15 % Pi).
    #[arg(long, default_value_t = 1000)]
    sessions: usize,
    /// Output folder (the home is written to <out>/home).
    #[arg(long)]
    out: PathBuf,
    /// Approximate total size in MB (default: about 40 KB per session).
    #[arg(long, default_value_t = 0)]
    size_mb: u64,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Also write one Claude Code session of this many MB (for the live-append benchmark).
    #[arg(long, default_value_t = 0)]
    big_mb: u64,
}

fn main() -> std::io::Result<()> {
    let a = Args::parse();
    let started = std::time::Instant::now();
    let (home, w) = corpus::generate(&a.out, a.sessions, a.size_mb * 1_000_000, a.seed)?;
    eprintln!(
        "{} files, {:.1} MB in {} ({:.1} s)",
        w.files,
        w.bytes as f64 / 1e6,
        home.display(),
        started.elapsed().as_secs_f64()
    );
    if a.big_mb > 0 {
        let (_, big) = corpus::large_claude(&a.out, a.big_mb * 1_000_000, a.seed + 1)?;
        eprintln!("and one session of {:.1} MB", big.bytes as f64 / 1e6);
    }
    Ok(())
}
