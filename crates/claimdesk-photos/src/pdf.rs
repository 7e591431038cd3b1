//! PDF invoices: kept byte for byte, after checking they are complete PDFs.

use super::detect::Format;
use super::{sha256_hex, PhotoError, Processed};
use claimdesk_model::MediaType;

pub(super) fn process(input: &[u8]) -> Result<Processed, PhotoError> {
    // A complete PDF starts with its version and ends with %%EOF (perhaps followed by
    // whitespace); an interrupted download has the first but not the second.
    let tail = &input[input.len().saturating_sub(1024)..];
    let complete = input.starts_with(b"%PDF-") && contains(tail, b"%%EOF");
    if !complete {
        return Err(PhotoError::BadPdf);
    }
    let pages = count_pages(input);
    Ok(Processed {
        media_type: MediaType::Pdf,
        source: Format::Pdf,
        sha256: sha256_hex(input),
        bytes: input.to_vec(),
        width: 0,
        height: 0,
        thumbnail: None,
        pages: (pages > 0).then_some(pages),
    })
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Counts `/Type /Page` objects (not `/Pages`). PDFs that keep their objects in compressed
/// streams report 0, and the UI then shows no page count.
fn count_pages(pdf: &[u8]) -> u32 {
    let mut n = 0;
    let mut i = 0;
    while let Some(pos) = find(&pdf[i..], b"/Type") {
        let mut j = i + pos + 5;
        while pdf.get(j).is_some_and(|c| c.is_ascii_whitespace()) {
            j += 1;
        }
        if pdf[j..].starts_with(b"/Page") && !pdf[j..].starts_with(b"/Pages") {
            n += 1;
        }
        i = j;
    }
    n
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
