use clap::Parser;
use revisit::cli::{self, Cli, Context};
use revisit::config::Env;

fn main() {
    let cli = Cli::parse();
    let code = match real_main(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("revisit: {e:#}");
            1
        }
    };
    std::process::exit(code);
}

fn real_main(cli: Cli) -> anyhow::Result<i32> {
    let env = Env::from_process();
    match cli.command {
        Some(cmd) => {
            let ctx = Context::new(&cli.global, env, false)?;
            cli::run(cmd, &ctx)
        }
        None => {
            let ctx = Context::new(&cli.global, env, true)?;
            revisit::tui::run(ctx)
        }
    }
}
