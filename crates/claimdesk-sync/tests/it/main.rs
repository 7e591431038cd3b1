//! All of this crate's integration tests in one binary: one link instead of one per file,
//! and their tests run side by side.

mod catalogue;
mod faults;
mod feed;
mod locks;
mod nginx;
mod replace;
mod replicas;
mod settings;
mod stuck;
mod take_back;
