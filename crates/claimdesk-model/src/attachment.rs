//! Attachments as the claim knows them: what they show, what they may be, how many and how
//! big. The store, the photo pipeline, the sync client and the service all take these limits
//! from here.

use sha2::{Digest, Sha256};

crate::vocabulary! {
    /// What an attachment shows.
    pub enum Kind ("attachment kind") {
        /// Receipt or invoice: the proof of purchase.
        Receipt = "receipt",
        /// The faulty product.
        Product = "product",
        /// The serial-number label.
        SerialLabel = "serial_label",
        /// Anything else.
        Other = "other",
    }
}

crate::vocabulary! {
    /// What a stored (normalised) attachment is.
    pub enum MediaType ("media type") {
        /// A normalised photo.
        Jpeg = "image/jpeg",
        /// A PDF invoice, kept as it was.
        Pdf = "application/pdf",
    }
}

/// Most attachments on one claim.
pub const MAX_ATTACHMENTS: usize = 10;

/// Most attachment bytes one claim may carry: what the claims service accepts in one upload.
/// A claim over it is flagged when the clerk attaches, not when it is sent.
pub const MAX_CLAIM_BYTES: u64 = 20 * 1024 * 1024;

/// Largest file the clerk may attach, before normalising.
pub const MAX_FILE_BYTES: u64 = 50 * 1024 * 1024;

/// File name extensions of what the clerk may attach (the photo pipeline still checks the
/// content): what the file dialog offers.
pub const ACCEPTED_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "webp", "heic", "heif", "pdf"];

/// `ext` as a glob that matches it in any case (`heic` → `[hH][eE][iI][cC]`): file dialogs'
/// filters are case-sensitive on Linux, and an iPhone names its photos `IMG_1234.HEIC`.
pub fn any_case(ext: &str) -> String {
    ext.chars()
        .map(|c| {
            let (lower, upper) = (c.to_ascii_lowercase(), c.to_ascii_uppercase());
            if lower == upper {
                c.to_string()
            } else {
                format!("[{lower}{upper}]")
            }
        })
        .collect()
}

/// An attachment ready to store: normalised bytes and what the form shows of them.
#[derive(Debug, Clone, Copy)]
pub struct NewAttachment<'a> {
    /// What the bytes are.
    pub media_type: MediaType,
    /// The bytes to store and send.
    pub bytes: &'a [u8],
    /// SHA-256 of `bytes`, lower-case hex.
    pub sha256: &'a str,
    /// Pixel size (0 for PDFs).
    pub width: u32,
    /// Pixel size (0 for PDFs).
    pub height: u32,
    /// Page count, for PDFs.
    pub pages: Option<u32>,
    /// A small JPEG for the form (`None` for PDFs).
    pub thumbnail: Option<&'a [u8]>,
}

/// SHA-256 as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `name` can name an attachment: a SHA-256 in lower-case hex.
pub fn is_sha256_hex(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A byte count in MB with one decimal, as messages show it (with the decimal comma of the
/// languages that write one).
pub fn megabytes(bytes: u64) -> String {
    let text = format!("{:.1}", bytes as f64 / (1024.0 * 1024.0));
    match crate::locale::language() {
        "de" | "fr" | "es" | "it" => text.replace('.', ","),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_match_in_any_case() {
        assert_eq!(any_case("heic"), "[hH][eE][iI][cC]");
        assert_eq!(any_case("jpg"), "[jJ][pP][gG]");
        assert!(ACCEPTED_EXTENSIONS.contains(&"heic") && ACCEPTED_EXTENSIONS.contains(&"webp"));
    }
}
