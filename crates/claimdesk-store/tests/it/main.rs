//! All of this crate's integration tests in one binary: one link instead of one per file,
//! and their tests run side by side.

mod attachments;
mod compat;
mod encryption;
mod keyring;
mod queue;
mod race;
mod records;
mod replace;
mod retention;
mod store;
mod transactions;
mod withdraw;
