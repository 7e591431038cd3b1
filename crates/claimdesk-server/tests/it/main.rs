//! All of this crate's integration tests in one binary: one link instead of one per file,
//! and their tests run side by side.

mod api;
mod contract;
mod limits;
mod office;
mod pg;
mod review;
