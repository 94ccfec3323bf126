//! `perfusion`: the command-line client of the perfusion events aggregator.
//! It asks a running `perfusiond` over gRPC and prints tables for people and
//! JSON (`--json`) for scripts.
//!
//! Exit codes: 0 results, 1 no results (or no such item), 2 usage, a
//! request the daemon refused as invalid, or a missing or wrong admin
//! token, 3 daemon unreachable, 4 any other error.

mod cmd;
mod connect;
mod render;

use std::process::ExitCode;

use clap::{CommandFactory as _, Parser, Subcommand};

/// Search the perfusion and ECMO community's courses, conferences, webinars,
/// grants, deadlines, jobs and publications.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// The daemon's gRPC address.
    #[arg(
        long,
        env = "PERFUSION_ADDR",
        default_value = "http://127.0.0.1:50051",
        global = true
    )]
    addr: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Find items by text, kind, organisation, place and date.
    Search(cmd::search::Cmd),
    /// Show one item whole.
    Show(cmd::show::Cmd),
    /// List the sources with the outcome of their last run.
    Sources(cmd::sources::Cmd),
    /// Write an iCalendar of matching items, or print its webcal:// URL.
    Calendar(cmd::calendar::Cmd),
    /// Fetch one source (or every source) now and show what the run did.
    Refresh(cmd::refresh::Cmd),
    /// Print items as they are added or changed.
    Watch(cmd::watch::Cmd),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// How a command ended, as an exit code scripts can trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Something was found.
    Found,
    /// Nothing matched.
    Nothing,
}

/// Exit codes.
pub mod exit {
    /// Results.
    pub const FOUND: u8 = 0;
    /// No results.
    pub const NOTHING: u8 = 1;
    /// Usage, a request the daemon refused as invalid, or a missing or
    /// wrong admin token.
    pub const USAGE: u8 = 2;
    /// The daemon cannot be reached.
    pub const UNREACHABLE: u8 = 3;
    /// Anything else.
    pub const OTHER: u8 = 4;
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Search(cmd) => cmd.run(&cli.addr).await,
        Command::Show(cmd) => cmd.run(&cli.addr).await,
        Command::Sources(cmd) => cmd.run(&cli.addr).await,
        Command::Calendar(cmd) => cmd.run(&cli.addr).await,
        Command::Refresh(cmd) => cmd.run(&cli.addr).await,
        Command::Watch(cmd) => cmd.run(&cli.addr).await,
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "perfusion", &mut script);
            render::print(String::from_utf8_lossy(&script));
            Ok(Outcome::Found)
        }
    };
    match result {
        Ok(Outcome::Found) => ExitCode::from(exit::FOUND),
        Ok(Outcome::Nothing) => ExitCode::from(exit::NOTHING),
        Err(e) => {
            eprintln!("perfusion: {}", e.message);
            ExitCode::from(e.code)
        }
    }
}
