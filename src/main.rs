use clap::Parser;
use revisit::cli::{self, Cli, Context};
use revisit::config::Env;

fn main() {
    let cli = Cli::parse();
    let code = match real_main(cli) {
        Ok(code) => code,
        Err(e) => {
            // a closed pipe (`revisit list | head`) is not an error worth a message
            let broken_pipe = e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            });
            if broken_pipe {
                0
            } else {
                eprintln!("revisit: {e:#}");
                1
            }
        }
    };
    std::process::exit(code);
}

fn real_main(cli: Cli) -> anyhow::Result<i32> {
    let env = Env::from_process();
    match cli.command {
        // `revisit config` works even when the config file is broken (it says why)
        Some(cli::Command::Config {
            print_default,
            path,
        }) if !cli.global.demo => {
            let show = if print_default {
                cli::ConfigShow::Default
            } else if path {
                cli::ConfigShow::Path
            } else {
                cli::ConfigShow::Loaded
            };
            let mut out = std::io::stdout().lock();
            cli::config_command(show, &env, cli.global.config.as_deref(), &mut out)
        }
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
