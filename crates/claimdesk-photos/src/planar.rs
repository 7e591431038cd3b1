//! Shrinking a JPEG straight from its component planes: Y, Cb and Cr are each resized with
//! Lanczos3 from their own resolution to the output size, then converted to RGB there. The
//! full-size RGB image — three bytes per pixel of a 12 MP photo, twice what the planes take —
//! is never built, and the subsampled chroma is never upsampled only to be shrunk again.

use super::encode::internal;
use super::PhotoError;
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use jpeg_decoder::{ColorTransform, Plane, Planes};

/// Resizes the decoded `planes` to `out_w`×`out_h` and returns 8-bit RGB. Each plane is
/// freed as soon as it is resized.
pub(super) fn to_rgb(planes: Planes, out_w: u32, out_h: u32) -> Result<Vec<u8>, PhotoError> {
    let resized = planes
        .planes
        .into_iter()
        .map(|plane| resize_plane(plane, out_w, out_h))
        .collect::<Result<Vec<_>, _>>()?;
    match (planes.color_transform, resized.as_slice()) {
        (ColorTransform::YCbCr, [y, cb, cr]) => Ok(ycbcr_to_rgb(y, cb, cr)),
        (ColorTransform::RGB | ColorTransform::None, [r, g, b]) => Ok(r
            .iter()
            .zip(g)
            .zip(b)
            .flat_map(|((&r, &g), &b)| [r, g, b])
            .collect()),
        (ColorTransform::Grayscale | ColorTransform::None, [l]) => {
            Ok(l.iter().flat_map(|&l| [l, l, l]).collect())
        }
        (transform, planes) => Err(PhotoError::Corrupt {
            detail: format!(
                "unsupported colour layout ({transform:?}, {} components)",
                planes.len()
            ),
        }),
    }
}

/// Resizes the part of `plane` that spans the picture — its exact, possibly fractional
/// extent, which keeps JPEG's centred chroma aligned with luma to the last pixel.
fn resize_plane(plane: Plane, out_w: u32, out_h: u32) -> Result<Vec<u8>, PhotoError> {
    let (extent_w, extent_h) = (plane.extent_width, plane.extent_height);
    let stride = u32::try_from(plane.stride).map_err(|_| internal("plane stride"))?;
    let rows = u32::try_from(plane.data.len() / plane.stride.max(1))
        .map_err(|_| internal("plane rows"))?;
    let fits = extent_w <= f64::from(stride) && extent_h <= f64::from(rows) && stride > 0;
    if !fits || plane.width > plane.stride {
        return Err(internal("plane smaller than the picture"));
    }
    // The whole padded buffer is the source image; the crop box picks the picture out of it,
    // so the block padding beyond it only feeds the filter at the very edge, as in libjpeg.
    let src = ImageRef::new(stride, rows, &plane.data, PixelType::U8)
        .map_err(|e| internal(&e.to_string()))?;
    let mut dst = Image::new(out_w, out_h, PixelType::U8);
    Resizer::new()
        .resize(
            &src,
            &mut dst,
            &ResizeOptions::new()
                .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
                .crop(0.0, 0.0, extent_w, extent_h),
        )
        .map_err(|e| internal(&e.to_string()))?;
    Ok(dst.into_vec())
}

/// JFIF's full-range BT.601 conversion, in 16.16 fixed point with rounding.
fn ycbcr_to_rgb(y: &[u8], cb: &[u8], cr: &[u8]) -> Vec<u8> {
    const ONE: i32 = 1 << 16;
    const HALF: i32 = ONE / 2;
    let fix = |x: f64| (x * f64::from(ONE)).round() as i32;
    let (cr_r, cb_g, cr_g, cb_b) = (fix(1.402), fix(0.344_136), fix(0.714_136), fix(1.772));
    let clamp = |v: i32| (v >> 16).clamp(0, 255) as u8;
    y.iter()
        .zip(cb)
        .zip(cr)
        .flat_map(|((&y, &cb), &cr)| {
            let y = (i32::from(y) << 16) + HALF;
            let (cb, cr) = (i32::from(cb) - 128, i32::from(cr) - 128);
            [
                clamp(y + cr_r * cr),
                clamp(y - cb_g * cb - cr_g * cr),
                clamp(y + cb_b * cb),
            ]
        })
        .collect()
}
