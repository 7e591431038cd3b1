//! What a file is, from its first bytes (its name is not trusted), and what a JPEG carries.

use serde::Serialize;

/// The kinds of input the pipeline recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// JPEG / JFIF / EXIF.
    Jpeg,
    /// PNG.
    Png,
    /// WebP.
    Webp,
    /// HEIC / HEIF / AVIF container.
    Heic,
    /// PDF.
    Pdf,
    /// Anything else, with a guess for the message.
    Other(&'static str),
}

/// Detects the format from the content.
pub fn format(b: &[u8]) -> Format {
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Format::Jpeg
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Format::Png
    } else if b.len() >= 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        Format::Webp
    } else if b.len() >= 12 && &b[4..8] == b"ftyp" {
        match &b[8..12] {
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"mif1" | b"msf1" | b"heim" | b"heis" => {
                Format::Heic
            }
            b"avif" | b"avis" => Format::Other("an AVIF picture"),
            _ => Format::Other("a video or MP4-style file"),
        }
    } else if b.starts_with(b"%PDF-") {
        Format::Pdf
    } else if b.starts_with(b"GIF8") {
        Format::Other("a GIF")
    } else if b.starts_with(b"II*\0") || b.starts_with(b"MM\0*") {
        Format::Other("a TIFF")
    } else if b.starts_with(b"PK\x03\x04") {
        Format::Other("a ZIP or Office document")
    } else if std::str::from_utf8(&b[..b.len().min(512)]).is_ok() {
        Format::Other("a text file")
    } else {
        Format::Other("an unknown kind of file")
    }
}

/// Whether a JPEG carries any APP1–APP15 or COM segment (EXIF, XMP, ICC, IPTC, Adobe,
/// comments, …) before its image data. Only the JFIF header (APP0) is not metadata.
pub fn has_metadata(b: &[u8]) -> bool {
    let mut i = 2;
    while i + 4 <= b.len() && b[i] == 0xFF {
        let marker = b[i + 1];
        if marker == 0xFF {
            i += 1; // fill byte
            continue;
        }
        match marker {
            0xDA | 0xD9 => return false, // start of scan / end of image
            0xE1..=0xEF | 0xFE => return true,
            _ => i += 2 + usize::from(u16::from_be_bytes([b[i + 2], b[i + 3]])),
        }
    }
    false
}
