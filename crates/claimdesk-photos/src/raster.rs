//! PNG and WebP (screenshots, order confirmations) through the `image` crate. The pixel
//! size is checked from the header before anything is decoded, and the decoder keeps the
//! crate's memory limits.

use super::detect::Format;
use super::{check_pixels, encode, Options, PhotoError, Processed, MAX_RASTER_PIXELS};
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

pub(super) fn process(
    input: &[u8],
    format: Format,
    options: &Options,
) -> Result<Processed, PhotoError> {
    let image_format = match format {
        Format::Png => ImageFormat::Png,
        _ => ImageFormat::WebP,
    };
    let reader = ImageReader::with_format(Cursor::new(input), image_format);
    let (width, height) = reader.into_dimensions().map_err(decode_error)?;
    check_pixels(width, height, MAX_RASTER_PIXELS)?;

    let mut decoder = ImageReader::with_format(Cursor::new(input), image_format)
        .into_decoder()
        .map_err(decode_error)?;
    // `DynamicImage::from_decoder` does not apply limits by itself: set them on the decoder.
    decoder
        .set_limits(Limits::default())
        .map_err(decode_error)?;
    let orientation = decoder.orientation().map_err(decode_error)?;
    let image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    let rgb = flatten_on_white(image);
    let (w, h) = (rgb.width(), rgb.height());
    encode::finish(rgb.into_raw(), w, h, orientation, options, format)
}

/// Drops alpha by compositing onto white (a transparent receipt scan stays readable), and
/// reduces 16-bit channels to 8.
fn flatten_on_white(image: DynamicImage) -> image::RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let (w, h) = rgba.dimensions();
    let mut out = Vec::with_capacity((w * h * 3) as usize);
    for p in rgba.pixels() {
        let a = u16::from(p[3]);
        for c in &p.0[..3] {
            out.push(((u16::from(*c) * a + 255 * (255 - a) + 127) / 255) as u8);
        }
    }
    image::RgbImage::from_raw(w, h, out).unwrap_or_default()
}

fn decode_error(e: ImageError) -> PhotoError {
    match e {
        ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            PhotoError::Truncated
        }
        ImageError::Limits(_) => PhotoError::TooManyPixels {
            width: 0,
            height: 0,
            limit_mp: MAX_RASTER_PIXELS / 1_000_000,
        },
        other => {
            let detail = other.to_string();
            if detail.contains("EOF") || detail.contains("end of") || detail.contains("truncated") {
                PhotoError::Truncated
            } else {
                PhotoError::Corrupt { detail }
            }
        }
    }
}
