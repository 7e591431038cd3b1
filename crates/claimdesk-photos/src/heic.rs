//! HEIC/HEIF (iPhone photos) through libheif, built from the crate against the system's HEVC
//! decoder (libde265). libheif applies the file's rotation and mirroring while decoding.

use super::detect::Format;
use super::{check_pixels, encode, Options, PhotoError, Processed};
use image::metadata::Orientation;
use libheif_rs::{ColorSpace, HeifContext, LibHeif, RgbChroma};

/// Most pixels accepted in a HEIC (decoded at full size): the 48 MP of current phones.
pub const MAX_HEIC_PIXELS: u64 = 50_000_000;

pub(super) fn process(input: &[u8], options: &Options) -> Result<Processed, PhotoError> {
    let context = HeifContext::read_from_bytes(input).map_err(|_| PhotoError::Heic)?;
    let handle = context
        .primary_image_handle()
        .map_err(|_| PhotoError::Heic)?;
    check_pixels(handle.width(), handle.height(), MAX_HEIC_PIXELS)?;
    let image = LibHeif::new()
        .decode(&handle, ColorSpace::Rgb(RgbChroma::Rgb), None)
        .map_err(|e| {
            let detail = e.to_string();
            if detail.contains("end of") || detail.contains("truncat") {
                PhotoError::Truncated
            } else {
                PhotoError::Heic
            }
        })?;
    let planes = image.planes();
    let plane = planes.interleaved.ok_or(PhotoError::Heic)?;
    let (w, h) = (plane.width, plane.height);
    let row = w as usize * 3;
    let mut rgb = Vec::with_capacity(row * h as usize);
    for y in 0..h as usize {
        let start = y * plane.stride;
        let line = plane
            .data
            .get(start..start + row)
            .ok_or_else(|| PhotoError::Corrupt {
                detail: "short HEIC plane".into(),
            })?;
        rgb.extend_from_slice(line);
    }
    drop(image);
    encode::finish(rgb, w, h, Orientation::NoTransforms, options, Format::Heic)
}
