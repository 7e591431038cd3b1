//! The photo pipeline: whatever the customer hands over (phone JPEG, screenshot PNG, WebP,
//! PDF invoice) becomes something small, private and safe to send.
//!
//! Images: detect by content (never by name) → check size and pixel limits from the header
//! → decode (JPEGs at a reduced DCT scale) → resize (SIMD Lanczos3) → apply the EXIF
//! orientation → encode JPEG with **no** metadata at all → 256 px thumbnail.
//! HEIC/HEIF photos are decoded by libheif (at full size, so they have their own pixel limit).
//! PDFs are kept as they are after checking they are complete PDFs.

mod detect;
mod encode;
mod heic;
mod jpeg;
mod pdf;
mod planar;
mod raster;

use claimdesk_model::attachment::{MediaType, NewAttachment};
use claimdesk_model::{catalogue, ErrorCode};

pub use claimdesk_model::attachment::{sha256_hex, MAX_FILE_BYTES};
pub use detect::Format;

/// How big the outputs are.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Longest edge of the stored image, in pixels (never upscaled).
    pub max_edge: u32,
    /// JPEG quality, 1–100.
    pub quality: u8,
    /// Longest edge of the thumbnail.
    pub thumb_edge: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_edge: 1600,
            quality: 82,
            thumb_edge: 256,
        }
    }
}

/// Most pixels accepted in a JPEG (decoded at reduced scale, so memory stays small).
pub const MAX_JPEG_PIXELS: u64 = 100_000_000;
/// Most pixels accepted in a PNG or WebP (decoded at full size).
pub const MAX_RASTER_PIXELS: u64 = 40_000_000;
/// Longest side accepted in any image.
pub const MAX_SIDE: u32 = 30_000;

/// A normalised attachment, ready to store.
#[derive(Debug, Clone)]
pub struct Processed {
    /// A normalised JPEG or a PDF.
    pub media_type: MediaType,
    /// What was found in the input.
    pub source: Format,
    /// The bytes to store and send.
    pub bytes: Vec<u8>,
    /// Pixel size of `bytes` (0 for PDFs).
    pub width: u32,
    /// Pixel size of `bytes` (0 for PDFs).
    pub height: u32,
    /// A small JPEG for the form (`None` for PDFs).
    pub thumbnail: Option<Vec<u8>>,
    /// Page count, for PDFs.
    pub pages: Option<u32>,
    /// SHA-256 of `bytes`, lower-case hex.
    pub sha256: String,
}

impl Processed {
    /// What the store keeps of it.
    pub fn as_new(&self) -> NewAttachment<'_> {
        NewAttachment {
            media_type: self.media_type,
            bytes: &self.bytes,
            sha256: &self.sha256,
            width: self.width,
            height: self.height,
            pages: self.pages,
            thumbnail: self.thumbnail.as_deref(),
        }
    }
}

/// Why a file cannot be attached. Every message says what to do instead; its words are the
/// catalogue's (`error.photo.*` in `ui/i18n/en.json`), filled from [`PhotoError::params`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// Zero bytes.
    Empty,
    /// Over [`MAX_FILE_BYTES`].
    TooBig {
        /// Size in whole MB.
        mb: u64,
    },
    /// Too many pixels or absurd dimensions (a decompression bomb, or a panorama).
    TooManyPixels {
        /// Width from the header.
        width: u32,
        /// Height from the header.
        height: u32,
        /// The limit for this format, in megapixels.
        limit_mp: u64,
    },
    /// Cut off before its end (an interrupted copy or download).
    Truncated,
    /// Damaged beyond decoding.
    Corrupt {
        /// What the decoder said.
        detail: String,
    },
    /// A HEIC/HEIF file that libheif cannot decode (an unusual codec or a damaged file).
    Heic,
    /// A PDF that is not complete or not really a PDF.
    BadPdf,
    /// The file could not be read.
    Unreadable {
        /// What the OS said.
        detail: String,
    },
    /// Not a format ClaimDesk takes (whatever its name says).
    Unsupported {
        /// What the content looks like.
        found: String,
    },
}

impl PhotoError {
    /// The stable code the UI switches on.
    pub fn code(&self) -> ErrorCode {
        match self {
            PhotoError::Empty => ErrorCode::PhotoEmpty,
            PhotoError::TooBig { .. } => ErrorCode::PhotoTooBig,
            PhotoError::TooManyPixels { .. } => ErrorCode::PhotoTooManyPixels,
            PhotoError::Truncated => ErrorCode::PhotoTruncated,
            PhotoError::Corrupt { .. } => ErrorCode::PhotoCorrupt,
            PhotoError::Heic => ErrorCode::PhotoHeic,
            PhotoError::BadPdf => ErrorCode::PhotoBadPdf,
            PhotoError::Unsupported { .. } => ErrorCode::PhotoUnsupported,
            PhotoError::Unreadable { .. } => ErrorCode::PhotoUnreadable,
        }
    }
}

impl std::fmt::Display for PhotoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&catalogue::message(self.code(), None, &self.params()))
    }
}

impl PhotoError {
    /// Values for the message catalogue's placeholders (`error.<code>` in `ui/i18n`).
    pub fn params(&self) -> Vec<(String, String)> {
        let p = |k: &str, v: String| (k.to_owned(), v);
        match self {
            PhotoError::TooBig { mb } => vec![
                p("mb", mb.to_string()),
                p("limit", (MAX_FILE_BYTES / (1024 * 1024)).to_string()),
            ],
            PhotoError::TooManyPixels {
                width,
                height,
                limit_mp,
            } => vec![
                p("width", width.to_string()),
                p("height", height.to_string()),
                p("limit_mp", limit_mp.to_string()),
            ],
            PhotoError::Corrupt { detail } | PhotoError::Unreadable { detail } => {
                vec![p("detail", detail.clone())]
            }
            PhotoError::Unsupported { found } => vec![p("found", found.clone())],
            PhotoError::Empty | PhotoError::Truncated | PhotoError::Heic | PhotoError::BadPdf => {
                Vec::new()
            }
        }
    }
}

/// Normalises one attachment held in memory (a pasted image).
pub fn process(input: &[u8], options: &Options) -> Result<Processed, PhotoError> {
    check_size(input.len() as u64)?;
    let options = sane(options);
    match detect::format(input) {
        Format::Jpeg => jpeg::process(input, input, || Ok(input.to_vec()), &options),
        other => process_whole(input, other, &options),
    }
}

/// Normalises one attachment from a file. JPEGs are decoded as they are read, so a 48 MP
/// photo's file is never held in memory whole.
pub fn process_file(path: &std::path::Path, options: &Options) -> Result<Processed, PhotoError> {
    use std::io::Read;
    let unreadable = |e: std::io::Error| PhotoError::Unreadable {
        detail: e.to_string(),
    };
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    check_size(file.metadata().map_err(unreadable)?.len())?;
    let mut head = Vec::with_capacity(HEAD_BYTES);
    (&mut file)
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(unreadable)?;
    let options = sane(options);
    match detect::format(&head) {
        Format::Jpeg => {
            let reader = std::io::Cursor::new(&head).chain(std::io::BufReader::new(file));
            jpeg::process(reader, &head, || std::fs::read(path), &options)
        }
        format => {
            let mut all = head;
            file.read_to_end(&mut all).map_err(unreadable)?;
            process_whole(&all, format, &options)
        }
    }
}

/// How much of a file is read first: enough for the format and a JPEG's metadata segments.
const HEAD_BYTES: usize = 256 * 1024;

fn check_size(len: u64) -> Result<(), PhotoError> {
    if len == 0 {
        return Err(PhotoError::Empty);
    }
    if len > MAX_FILE_BYTES {
        return Err(PhotoError::TooBig {
            mb: len.div_ceil(1024 * 1024),
        });
    }
    Ok(())
}

fn sane(options: &Options) -> Options {
    Options {
        max_edge: options.max_edge.max(1),
        quality: options.quality.clamp(1, 100),
        thumb_edge: options.thumb_edge.max(1),
    }
}

fn process_whole(input: &[u8], format: Format, options: &Options) -> Result<Processed, PhotoError> {
    match format {
        Format::Jpeg => jpeg::process(input, input, || Ok(input.to_vec()), options),
        Format::Png | Format::Webp => raster::process(input, format, options),
        Format::Pdf => pdf::process(input),
        Format::Heic => heic::process(input, options),
        Format::Other(found) => Err(PhotoError::Unsupported {
            found: found.to_owned(),
        }),
    }
}

fn check_pixels(width: u32, height: u32, limit: u64) -> Result<(), PhotoError> {
    let too_many = width == 0
        || height == 0
        || width > MAX_SIDE
        || height > MAX_SIDE
        || u64::from(width) * u64::from(height) > limit;
    if too_many {
        return Err(PhotoError::TooManyPixels {
            width,
            height,
            limit_mp: limit / 1_000_000,
        });
    }
    Ok(())
}
