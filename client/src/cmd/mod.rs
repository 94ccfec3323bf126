//! One module per subcommand, each with its `Cmd` (the arguments) and
//! `run()`; `filters` holds what `search` and `calendar` share.

pub mod calendar;
pub mod filters;
pub mod refresh;
pub mod search;
pub mod show;
pub mod sources;
pub mod watch;
