//! The commands of the CLI, one file each. They are thin: they wire the stages together and
//! return reports; printing and exit codes belong to `main`.

pub mod build;
pub mod new;
pub mod preview_guard;
pub mod serve;
