//! The receipt the customer leaves with: the claim number (valid offline, before any sync),
//! a QR code holding the claim id, what was claimed, what happens next and — once sent — the
//! case reference. Made as a PDF in Rust for an A4 sheet or an 80 mm thermal roll, with
//! fonts embedded that cover the seed's languages; the window saves it or hands it to the
//! system's print dialog, and `claimdesk-cli receipt` writes it from a script.

mod content;
mod fonts;
mod pdf;

pub use content::{Receipt, ReceiptError};
pub use pdf::{qr_svg, render, Paper};
