//! JPEGs: decoded by `jpeg-decoder`, which refuses truncated files (libvips, ImageMagick
//! and zune-jpeg fill the missing part with grey, which could hide a receipt's total) and
//! can decode at 1/2, 1/4 or 1/8 scale inside the DCT, so a 48 MP photo never exists in
//! memory at full size.

use super::detect::{has_metadata, Format};
use super::{check_pixels, encode, Options, PhotoError, Processed, MAX_JPEG_PIXELS};
use image::metadata::Orientation;
use jpeg_decoder::{Decoder, PixelFormat};

/// Decodes from `reader`; `head` is the file's start (for metadata), `original` reads the
/// whole file when it may be kept as it is.
pub(super) fn process(
    reader: impl std::io::Read,
    head: &[u8],
    original: impl FnOnce() -> std::io::Result<Vec<u8>>,
    options: &Options,
) -> Result<Processed, PhotoError> {
    let mut decoder = Decoder::new(std::io::BufReader::new(reader));
    decoder.read_info().map_err(decode_error)?;
    let info = decoder.info().ok_or_else(|| PhotoError::Corrupt {
        detail: "no image header".into(),
    })?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    check_pixels(width, height, MAX_JPEG_PIXELS)?;
    let orientation = decoder
        .exif_data()
        .and_then(Orientation::from_exif_chunk)
        .unwrap_or(Orientation::NoTransforms);

    let long = width.max(height);
    if long > options.max_edge {
        // Ask for at least the final size; the decoder picks the smallest DCT scale above it.
        let w = (u64::from(width) * u64::from(options.max_edge)).div_ceil(u64::from(long));
        let h = (u64::from(height) * u64::from(options.max_edge)).div_ceil(u64::from(long));
        decoder
            .scale(
                u16::try_from(w).unwrap_or(u16::MAX),
                u16::try_from(h).unwrap_or(u16::MAX),
            )
            .map_err(decode_error)?;
    }
    let pixels = decoder.decode().map_err(decode_error)?;
    let info = decoder.info().ok_or_else(|| PhotoError::Corrupt {
        detail: "no image header".into(),
    })?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    // The decoder's own buffers (component planes, the reader) go before resizing starts.
    drop(decoder);
    let rgb = to_rgb(pixels, info.pixel_format, (w * h) as usize)?;
    let mut out = encode::finish(rgb, w, h, orientation, options, Format::Jpeg)?;

    // Already small, upright and clean: keep the original if re-encoding would only grow it.
    let untouched =
        long <= options.max_edge && orientation == Orientation::NoTransforms && !has_metadata(head);
    if untouched {
        let input = original().map_err(|e| PhotoError::Unreadable {
            detail: e.to_string(),
        })?;
        if input.len() <= out.bytes.len() {
            out.sha256 = super::sha256_hex(&input);
            out.bytes = input;
        }
    }
    Ok(out)
}

fn to_rgb(pixels: Vec<u8>, format: PixelFormat, count: usize) -> Result<Vec<u8>, PhotoError> {
    let rgb = match format {
        PixelFormat::RGB24 => pixels,
        PixelFormat::L8 => pixels.iter().flat_map(|&l| [l, l, l]).collect(),
        PixelFormat::L16 => pixels
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0]])
            .collect(),
        // Ink amounts (0 = none): jpeg-decoder already undoes the inversion of Adobe
        // (Photoshop) files, as ImageMagick does. Naive conversion, no ICC profile.
        PixelFormat::CMYK32 => pixels
            .chunks_exact(4)
            .flat_map(|p| {
                let [c, m, y, k] = [255 - p[0], 255 - p[1], 255 - p[2], 255 - p[3]];
                let mul = |a: u8, b: u8| ((u16::from(a) * u16::from(b) + 127) / 255) as u8;
                [mul(c, k), mul(m, k), mul(y, k)]
            })
            .collect(),
    };
    if rgb.len() != count * 3 {
        return Err(PhotoError::Corrupt {
            detail: "unexpected pixel data size".into(),
        });
    }
    Ok(rgb)
}

fn decode_error(e: jpeg_decoder::Error) -> PhotoError {
    match e {
        jpeg_decoder::Error::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            PhotoError::Truncated
        }
        jpeg_decoder::Error::Format(f) if f.contains("end of") || f.contains("EOF") => {
            PhotoError::Truncated
        }
        other => PhotoError::Corrupt {
            detail: other.to_string(),
        },
    }
}
