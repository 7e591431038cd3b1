//! All of this crate's integration tests in one binary: one link instead of one per file,
//! and their tests run side by side.

mod cli;
mod durability;
mod encrypt_kill;
mod feed_kill;
mod full_disk;
mod logs;
mod one_engine;
mod sync_crash;
mod withdraw_kill;
