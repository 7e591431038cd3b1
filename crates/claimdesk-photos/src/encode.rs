//! The shared tail of the image pipeline: resize, orient, encode without metadata, thumbnail.

use super::detect::Format;
use super::{sha256_hex, Options, PhotoError, Processed};
use claimdesk_model::MediaType;
use fast_image_resize::images::Image;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::metadata::Orientation;
use image::{DynamicImage, RgbImage};

/// Resizes `rgb` (w×h, 8-bit RGB) to fit `options.max_edge`, turns it upright, and encodes
/// the stored JPEG and its thumbnail.
pub(super) fn finish(
    rgb: Vec<u8>,
    w: u32,
    h: u32,
    orientation: Orientation,
    options: &Options,
    source: Format,
) -> Result<Processed, PhotoError> {
    let (rgb, w, h) = fit(rgb, w, h, options.max_edge)?;
    let image = RgbImage::from_raw(w, h, rgb).ok_or_else(|| internal("pixel buffer size"))?;
    let mut image = DynamicImage::ImageRgb8(image);
    image.apply_orientation(orientation);
    let image = image.into_rgb8();
    let (w, h) = image.dimensions();
    let bytes = jpeg(image.as_raw(), w, h, options.quality)?;
    let (thumb, tw, th) = fit(image.into_raw(), w, h, options.thumb_edge)?;
    let thumbnail = jpeg(&thumb, tw, th, 80)?;
    Ok(Processed {
        media_type: MediaType::Jpeg,
        source,
        sha256: sha256_hex(&bytes),
        bytes,
        width: w,
        height: h,
        thumbnail: Some(thumbnail),
        pages: None,
    })
}

/// The size a `w`×`h` picture is shrunk to so its long edge is at most `max_edge` (never
/// enlarged), rounded to the nearest pixel as libvips does (3000×2000 → 1600×1067).
pub(super) fn fitted_size(w: u32, h: u32, max_edge: u32) -> (u32, u32) {
    let long = w.max(h);
    if long <= max_edge {
        return (w, h);
    }
    let scale = |side: u32| {
        ((u64::from(side) * u64::from(max_edge) + u64::from(long) / 2) / u64::from(long)).max(1)
            as u32
    };
    (scale(w), scale(h))
}

/// Scales down (never up) so the long edge is at most `max_edge`, with Lanczos3.
fn fit(rgb: Vec<u8>, w: u32, h: u32, max_edge: u32) -> Result<(Vec<u8>, u32, u32), PhotoError> {
    let (nw, nh) = fitted_size(w, h, max_edge);
    if (nw, nh) == (w, h) {
        return Ok((rgb, w, h));
    }
    let src =
        Image::from_vec_u8(w, h, rgb, PixelType::U8x3).map_err(|e| internal(&e.to_string()))?;
    let mut dst = Image::new(nw, nh, PixelType::U8x3);
    Resizer::new()
        .resize(
            &src,
            &mut dst,
            &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3)),
        )
        .map_err(|e| internal(&e.to_string()))?;
    Ok((dst.into_vec(), nw, nh))
}

/// Baseline JPEG, 4:2:0, no EXIF/XMP/ICC/comment segments (only the JFIF header), with
/// Huffman tables fitted to the picture (same pixels, a few per cent fewer bytes to send).
fn jpeg(rgb: &[u8], w: u32, h: u32, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::with_capacity(rgb.len() / 8);
    let (w16, h16) = (
        u16::try_from(w).map_err(|_| internal("width"))?,
        u16::try_from(h).map_err(|_| internal("height"))?,
    );
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    encoder.set_optimized_huffman_tables(true);
    encoder.set_chroma_subsampling_method(jpeg_encoder::ChromaSubsamplingMethod::Average);
    encoder
        .encode(rgb, w16, h16, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| internal(&e.to_string()))?;
    Ok(out)
}

/// A failure of ClaimDesk's own pixel handling, reported as a damaged picture.
pub(super) fn internal(detail: &str) -> PhotoError {
    PhotoError::Corrupt {
        detail: format!("internal: {detail}"),
    }
}
