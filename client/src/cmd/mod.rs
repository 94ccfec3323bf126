//! One module per subcommand, each with its `Cmd` (the arguments) and
//! `run()`.

pub mod search;
pub mod show;
pub mod sources;
