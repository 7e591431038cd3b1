//! JPEGs: decoded by `jpeg-decoder`, which refuses truncated files (libvips, ImageMagick
//! and zune-jpeg fill the missing part with grey, which could hide a receipt's total) and
//! can decode at 1/2, 1/4 or 1/8 scale inside the DCT, so a 48 MP photo never exists in
//! memory at full size.
//!
//! A photo that must shrink is decoded at the smallest DCT scale that still leaves at least
//! a factor of two for the Lanczos resize (libvips' rule: the DCT's own shrink is sharper and
//! aliases fine detail), into its Y/Cb/Cr planes, which `planar` shrinks to the output size
//! before converting to RGB. CMYK and lossless JPEGs, and photos that already fit, take the
//! plain path: decode to RGB, then the shared resize.

use super::detect::{has_metadata, Format};
use super::{check_pixels, encode, planar, Options, PhotoError, Processed, MAX_JPEG_PIXELS};
use image::metadata::Orientation;
use jpeg_decoder::{CodingProcess, ColorTransform, Decoder, PixelFormat};

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
    let info = decoder.info().ok_or_else(no_header)?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    check_pixels(width, height, MAX_JPEG_PIXELS)?;
    let orientation = decoder
        .exif_data()
        .and_then(Orientation::from_exif_chunk)
        .unwrap_or(Orientation::NoTransforms);

    let long = width.max(height);
    let (out_w, out_h) = encode::fitted_size(width, height, options.max_edge);
    let planar = long > options.max_edge
        && info.pixel_format != PixelFormat::CMYK32
        && info.coding_process != CodingProcess::Lossless;
    if long > options.max_edge {
        // The decoder picks the smallest DCT scale giving at least the size asked for: twice
        // the output for the planar path; the output itself for CMYK, whose full-size
        // decode holds four bytes a pixel.
        let factor = if planar { 2 } else { 1 };
        let at_least = |side: u32| u16::try_from(side.saturating_mul(factor)).unwrap_or(u16::MAX);
        decoder
            .scale(at_least(out_w), at_least(out_h))
            .map_err(decode_error)?;
    }
    let (rgb, w, h) = if planar {
        halve_full_resolution_chroma(&mut decoder)?;
        let planes = decoder.decode_planes().map_err(decode_error)?;
        drop(decoder);
        (planar::to_rgb(planes, out_w, out_h)?, out_w, out_h)
    } else {
        let pixels = decoder.decode().map_err(decode_error)?;
        let (w, h) = decoded_size(&decoder)?;
        let format = decoder.info().map(|i| i.pixel_format);
        // The decoder's own buffers (component planes, the reader) go before resizing starts.
        drop(decoder);
        let format = format.ok_or_else(no_header)?;
        (to_rgb(pixels, format, (w * h) as usize)?, w, h)
    };
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

/// Chroma stored at full resolution (4:4:4, as libvips and Photoshop save at high quality)
/// is decoded at half the luma's DCT scale: the stored JPEG subsamples it 4:2:0 anyway, and
/// it would otherwise double the memory a 12 MP photo takes.
fn halve_full_resolution_chroma<R: std::io::Read>(
    decoder: &mut Decoder<R>,
) -> Result<(), PhotoError> {
    if decoder.color_transform() != Some(ColorTransform::YCbCr) {
        return Ok(());
    }
    let factors = decoder.sampling_factors().unwrap_or_default();
    if let [luma, chroma @ ..] = factors.as_slice() {
        for (i, sampling) in chroma.iter().enumerate() {
            if sampling == luma {
                decoder.halve_component(i + 1).map_err(decode_error)?;
            }
        }
    }
    Ok(())
}

/// The picture's size at the scale it was decoded.
fn decoded_size<R: std::io::Read>(decoder: &Decoder<R>) -> Result<(u32, u32), PhotoError> {
    let info = decoder.info().ok_or_else(no_header)?;
    Ok((u32::from(info.width), u32::from(info.height)))
}

fn no_header() -> PhotoError {
    PhotoError::Corrupt {
        detail: "no image header".into(),
    }
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
