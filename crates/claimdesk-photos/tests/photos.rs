//! The photo pipeline on fixtures the test makes itself: EXIF orientations, GPS, CMYK,
//! greyscale, progressive, 16-bit PNG with alpha, WebP, truncated files, bomb headers.

use claimdesk_photos::{self as photos, Format, Options, PhotoError};
use image::{ImageBuffer, Rgb, Rgba};

/// An RGB test card: red top-left quadrant, blue elsewhere, a gradient so JPEG has detail.
fn card(w: u32, h: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            if x < w / 2 && y < h / 2 {
                v.extend_from_slice(&[230, 20, 20]);
            } else {
                v.extend_from_slice(&[20, 40, (x * 200 / w) as u8 + 40]);
            }
        }
    }
    v
}

fn encode_jpeg(
    pixels: &[u8],
    w: u32,
    h: u32,
    color: jpeg_encoder::ColorType,
    quality: u8,
    progressive: bool,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, quality);
    enc.set_progressive(progressive);
    enc.encode(pixels, w as u16, h as u16, color)
        .expect("encode");
    out
}

/// A minimal EXIF APP1 segment: IFD0 with Orientation, and optionally a GPS IFD with a
/// latitude, as phones write them.
fn exif_app1(orientation: u16, gps: bool) -> Vec<u8> {
    let mut tiff: Vec<u8> = b"MM\0\x2a\0\0\0\x08".to_vec();
    let entries: u16 = if gps { 2 } else { 1 };
    tiff.extend_from_slice(&entries.to_be_bytes());
    // Orientation: tag 0x0112, SHORT, count 1, value left-justified.
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]);
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    let gps_ifd_offset = 8 + 2 + 12 * u32::from(entries) + 4;
    if gps {
        // GPSInfo: tag 0x8825, LONG, count 1, offset of the GPS IFD.
        tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1]);
        tiff.extend_from_slice(&gps_ifd_offset.to_be_bytes());
    }
    tiff.extend_from_slice(&[0, 0, 0, 0]); // no next IFD
    if gps {
        // GPS IFD: GPSLatitudeRef = "N".
        tiff.extend_from_slice(&[0, 1, 0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
        tiff.extend_from_slice(&[0, 0, 0, 0]);
        tiff.extend_from_slice(b"GPS-52.5200N-13.4050E");
    }
    let mut seg = vec![0xFF, 0xE1];
    let len = (2 + 6 + tiff.len()) as u16;
    seg.extend_from_slice(&len.to_be_bytes());
    seg.extend_from_slice(b"Exif\0\0");
    seg.extend_from_slice(&tiff);
    seg
}

fn with_segment(jpeg: &[u8], segment: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(segment);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// Every marker before the scan: only SOI/APP0/DQT/SOF/DHT/DRI may appear.
fn assert_no_metadata(jpeg: &[u8]) {
    let mut i = 2;
    while i + 4 <= jpeg.len() && jpeg[i] == 0xFF {
        let m = jpeg[i + 1];
        if m == 0xDA {
            break;
        }
        assert!(
            !(0xE1..=0xEF).contains(&m) && m != 0xFE,
            "metadata marker {m:#x} in output"
        );
        i += 2 + usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
    }
    for needle in [&b"Exif"[..], b"GPS", b"http://ns.adobe.com", b"ICC_PROFILE"] {
        assert!(
            !jpeg.windows(needle.len()).any(|w| w == needle),
            "{:?} in output",
            String::from_utf8_lossy(needle)
        );
    }
}

fn decode(jpeg: &[u8]) -> image::RgbImage {
    let mut d = jpeg_decoder::Decoder::new(jpeg);
    let px = d.decode().expect("output decodes");
    let info = d.info().expect("info");
    let px = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => px.iter().flat_map(|&l| [l, l, l]).collect(),
        _ => px,
    };
    ImageBuffer::from_raw(u32::from(info.width), u32::from(info.height), px).expect("rgb")
}

fn is_red(p: &Rgb<u8>) -> bool {
    p[0] > 150 && p[1] < 90 && p[2] < 90
}

#[test]
fn a_phone_photo_is_resized_stripped_and_thumbnailed() {
    let (w, h) = (4000, 3000);
    let jpeg = with_segment(
        &encode_jpeg(&card(w, h), w, h, jpeg_encoder::ColorType::Rgb, 90, false),
        &exif_app1(1, true),
    );
    let out = photos::process(&jpeg, &Options::default()).expect("processed");
    assert_eq!((out.width, out.height), (1600, 1200));
    assert_eq!(out.media_type, "image/jpeg");
    assert_eq!(out.source, Format::Jpeg);
    assert_no_metadata(&out.bytes);
    let img = decode(&out.bytes);
    assert_eq!(img.dimensions(), (1600, 1200));
    assert!(is_red(img.get_pixel(100, 100)));
    let thumb = decode(out.thumbnail.as_ref().expect("thumb"));
    assert_eq!(thumb.dimensions(), (256, 192));
    assert_eq!(out.sha256, photos::sha256_hex(&out.bytes));
    assert!(out.bytes.len() < jpeg.len());
}

#[test]
fn every_exif_orientation_is_applied() {
    let (w, h) = (300, 200);
    let base = encode_jpeg(&card(w, h), w, h, jpeg_encoder::ColorType::Rgb, 90, false);
    // Where the stored image's top-left (red) quadrant ends up once upright.
    let expect = [
        (1, "TL"),
        (2, "TR"),
        (3, "BR"),
        (4, "BL"),
        (5, "TL"),
        (6, "TR"),
        (7, "BR"),
        (8, "BL"),
    ];
    for (o, corner) in expect {
        let out = photos::process(
            &with_segment(&base, &exif_app1(o, false)),
            &Options::default(),
        )
        .expect("processed");
        let swapped = o >= 5;
        assert_eq!(
            (out.width, out.height),
            if swapped { (200, 300) } else { (300, 200) },
            "orientation {o}"
        );
        assert_no_metadata(&out.bytes);
        let img = decode(&out.bytes);
        let (iw, ih) = img.dimensions();
        let at = |x: u32, y: u32| is_red(img.get_pixel(x, y));
        let got = [
            ("TL", at(5, 5)),
            ("TR", at(iw - 6, 5)),
            ("BL", at(5, ih - 6)),
            ("BR", at(iw - 6, ih - 6)),
        ];
        for (name, red) in got {
            assert_eq!(red, name == corner, "orientation {o}: corner {name}");
        }
    }
}

#[test]
fn greyscale_progressive_and_cmyk_jpegs_decode_with_true_colours() {
    let (w, h) = (64, 48);
    let grey: Vec<u8> = (0..w * h).map(|i| (i % 256) as u8).collect();
    let out = photos::process(
        &encode_jpeg(&grey, w, h, jpeg_encoder::ColorType::Luma, 90, false),
        &Options::default(),
    )
    .expect("grey");
    assert_eq!((out.width, out.height), (64, 48));

    let out = photos::process(
        &encode_jpeg(&card(w, h), w, h, jpeg_encoder::ColorType::Rgb, 90, true),
        &Options::default(),
    )
    .expect("progressive");
    assert!(is_red(decode(&out.bytes).get_pixel(3, 3)));

    // Pure red in CMYK: no cyan, full magenta and yellow, no black.
    let cmyk: Vec<u8> = (0..w * h).flat_map(|_| [0u8, 255, 255, 0]).collect();
    let src = encode_jpeg(&cmyk, w, h, jpeg_encoder::ColorType::Cmyk, 95, false);
    let out = photos::process(&src, &Options::default()).expect("cmyk");
    let p = *decode(&out.bytes).get_pixel(30, 20);
    assert!(is_red(&p), "CMYK red came out as {p:?}");
}

#[test]
fn a_small_clean_jpeg_is_kept_when_reencoding_would_grow_it() {
    let (w, h) = (400, 300);
    // Already small: quality 40 with fitted Huffman tables, as a careful encoder writes it.
    let mut src = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut src, 40);
    enc.set_optimized_huffman_tables(true);
    enc.encode(
        &card(w, h),
        w as u16,
        h as u16,
        jpeg_encoder::ColorType::Rgb,
    )
    .expect("encode");
    let out = photos::process(&src, &Options::default()).expect("processed");
    assert_eq!(out.bytes, src);
    assert_eq!((out.width, out.height), (400, 300), "never upscaled");
    // With metadata it is always re-encoded, even if that is larger.
    let dirty = with_segment(&src, &exif_app1(1, true));
    let out = photos::process(&dirty, &Options::default()).expect("processed");
    assert_no_metadata(&out.bytes);
}

#[test]
fn options_set_the_edge_and_quality() {
    let (w, h) = (1000, 500);
    let src = encode_jpeg(&card(w, h), w, h, jpeg_encoder::ColorType::Rgb, 95, false);
    let small = photos::process(
        &src,
        &Options {
            max_edge: 640,
            quality: 60,
            thumb_edge: 64,
        },
    )
    .expect("small");
    assert_eq!((small.width, small.height), (640, 320));
    assert_eq!(
        decode(small.thumbnail.as_ref().expect("thumb")).dimensions(),
        (64, 32)
    );
    let better = photos::process(
        &src,
        &Options {
            max_edge: 640,
            quality: 95,
            thumb_edge: 64,
        },
    )
    .expect("better");
    assert!(better.bytes.len() > small.bytes.len());
}

#[test]
fn png_with_alpha_and_16_bit_channels_is_flattened_on_white() {
    let (w, h) = (40, 30);
    let img: ImageBuffer<Rgba<u16>, Vec<u16>> = ImageBuffer::from_fn(w, h, |x, _| {
        if x < 20 {
            Rgba([65535, 0, 0, 65535])
        } else {
            Rgba([0, 0, 0, 0])
        }
    });
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("png");
    let out = photos::process(&png, &Options::default()).expect("png processed");
    assert_eq!(out.source, Format::Png);
    let back = decode(&out.bytes);
    assert!(is_red(back.get_pixel(5, 15)));
    let white = back.get_pixel(35, 15);
    assert!(
        white.0.iter().all(|c| *c > 235),
        "transparent became {white:?}"
    );
}

#[test]
fn webp_screenshots_are_taken() {
    let (w, h) = (2000, 1000);
    let img = image::RgbImage::from_raw(w, h, card(w, h)).expect("img");
    let mut webp = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut webp),
        image::ImageFormat::WebP,
    )
    .expect("webp");
    let out = photos::process(&webp, &Options::default()).expect("webp processed");
    assert_eq!(out.source, Format::Webp);
    assert_eq!((out.width, out.height), (1600, 800));
}

#[test]
fn truncated_jpegs_are_refused_not_filled_with_grey() {
    let (w, h) = (800, 600);
    let src = encode_jpeg(&card(w, h), w, h, jpeg_encoder::ColorType::Rgb, 90, false);
    for cut in [src.len() * 6 / 10, src.len() - 2, 300] {
        let err = photos::process(&src[..cut], &Options::default()).expect_err("truncated");
        assert!(
            matches!(err, PhotoError::Truncated | PhotoError::Corrupt { .. }),
            "cut at {cut}: {err:?}"
        );
        assert!(err.to_string().contains("again"), "{err}");
    }
    let err =
        photos::process(&src[..src.len() * 6 / 10], &Options::default()).expect_err("truncated");
    assert_eq!(err.code(), "photo.truncated");

    // The same when the photo is shrunk from its planes (with a half-scale chroma too).
    for sampling in [
        jpeg_encoder::SamplingFactor::F_2_2,
        jpeg_encoder::SamplingFactor::F_1_1,
    ] {
        let mut big = Vec::new();
        let mut enc = jpeg_encoder::Encoder::new(&mut big, 90);
        enc.set_sampling_factor(sampling);
        enc.encode(&card(1000, 750), 1000, 750, jpeg_encoder::ColorType::Rgb)
            .expect("encode");
        let small = Options {
            max_edge: 400,
            ..Options::default()
        };
        let err = photos::process(&big[..big.len() * 6 / 10], &small).expect_err("truncated");
        assert_eq!(err.code(), "photo.truncated", "{sampling:?}");
    }
}

#[test]
fn truncated_png_is_refused() {
    let img = image::RgbImage::from_raw(300, 200, card(300, 200)).expect("img");
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("png");
    let err = photos::process(&png[..png.len() / 2], &Options::default()).expect_err("cut");
    assert!(
        matches!(err, PhotoError::Truncated | PhotoError::Corrupt { .. }),
        "{err:?}"
    );
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A 100-odd-byte PNG whose header claims `w`×`h` pixels.
fn png_bomb(w: u32, h: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    let idat = b"IDAT\x78\x9c\x03\x00\x00\x00\x00\x01";
    png.extend_from_slice(&((idat.len() - 4) as u32).to_be_bytes());
    png.extend_from_slice(idat);
    png.extend_from_slice(&crc32(idat).to_be_bytes());
    png
}

/// A real small JPEG whose SOF header is patched to claim `w`×`h`.
fn jpeg_bomb(w: u16, h: u16) -> Vec<u8> {
    let mut jpeg = encode_jpeg(
        &card(16, 16),
        16,
        16,
        jpeg_encoder::ColorType::Rgb,
        80,
        false,
    );
    let sof = jpeg
        .windows(2)
        .position(|m| m == [0xFF, 0xC0])
        .expect("SOF0");
    jpeg[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
    jpeg
}

#[test]
fn decompression_bombs_are_refused_from_the_header_on_every_path() {
    let start = std::time::Instant::now();
    for (name, bytes) in [
        ("png 30000x30000", png_bomb(30_000, 30_000)),
        (
            "png 8000x6000 (48 MP > 40 MP raster limit)",
            png_bomb(8_000, 6_000),
        ),
        ("png 100000x10", png_bomb(100_000, 10)),
        ("jpeg 20000x20000", jpeg_bomb(20_000, 20_000)),
        ("jpeg 65000x10", jpeg_bomb(65_000, 10)),
    ] {
        let err = photos::process(&bytes, &Options::default()).expect_err(name);
        assert_eq!(err.code(), "photo.too_many_pixels", "{name}: {err:?}");
        assert!(err.to_string().contains("megapixels"), "{err}");
    }
    assert!(
        start.elapsed() < std::time::Duration::from_secs(5),
        "bombs must be refused before decoding"
    );
}

#[test]
fn files_that_are_not_pictures_get_a_specific_message() {
    let opts = Options::default();
    assert_eq!(
        photos::process(b"", &opts).expect_err("empty"),
        PhotoError::Empty
    );
    let err = photos::process(b"Dear customer, thank you for your order", &opts).expect_err("text");
    assert_eq!(err.code(), "photo.unsupported");
    assert!(err.to_string().contains("text file"), "{err}");
    let err = photos::process(b"GIF89a\x01\x00\x01\x00", &opts).expect_err("gif");
    assert!(err.to_string().contains("GIF"), "{err}");
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
    let err = photos::process(heic, &opts).expect_err("heic");
    assert_eq!(err, PhotoError::Heic);
    assert!(err.to_string().contains("JPEG"), "{err}");
    let huge = vec![0xFFu8; 50 * 1024 * 1024 + 1];
    let err = photos::process(&huge, &opts).expect_err("huge");
    assert_eq!(err, PhotoError::TooBig { mb: 51 });
    let err = photos::process(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 2, 0xFF, 0xD9], &opts)
        .expect_err("garbage jpeg");
    assert!(
        matches!(err, PhotoError::Corrupt { .. } | PhotoError::Truncated),
        "{err:?}"
    );
}

const PDF: &str = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R >> endobj\n4 0 obj << /Type/Page /Parent 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

#[test]
fn pdf_invoices_are_kept_as_they_are_with_their_page_count() {
    let out = photos::process(PDF.as_bytes(), &Options::default()).expect("pdf");
    assert_eq!(out.media_type, "application/pdf");
    assert_eq!(out.bytes, PDF.as_bytes());
    assert_eq!(out.pages, Some(2));
    assert!(out.thumbnail.is_none());
    let cut = &PDF.as_bytes()[..PDF.len() - 10];
    assert_eq!(
        photos::process(cut, &Options::default()).expect_err("cut"),
        PhotoError::BadPdf
    );
}

#[test]
fn files_give_the_same_result_as_memory_and_missing_files_a_clear_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let (w, h) = (2400, 1800);
    let big = with_segment(
        &encode_jpeg(&card(w, h), w, h, jpeg_encoder::ColorType::Rgb, 90, false),
        &exif_app1(6, true),
    );
    let small = encode_jpeg(
        &card(300, 200),
        300,
        200,
        jpeg_encoder::ColorType::Rgb,
        30,
        false,
    );
    for (name, bytes) in [
        ("big.jpg", &big),
        ("small.jpg", &small),
        ("doc.pdf", &PDF.as_bytes().to_vec()),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let from_file = photos::process_file(&path, &Options::default()).expect("file");
        let from_memory = photos::process(bytes, &Options::default()).expect("memory");
        assert_eq!(from_file.bytes, from_memory.bytes, "{name}");
        assert_eq!(from_file.sha256, from_memory.sha256, "{name}");
    }
    let cut = dir.path().join("cut.jpg");
    std::fs::write(&cut, &big[..big.len() * 6 / 10]).expect("write");
    assert_eq!(
        photos::process_file(&cut, &Options::default())
            .expect_err("cut")
            .code(),
        "photo.truncated"
    );
    let err =
        photos::process_file(&dir.path().join("gone.jpg"), &Options::default()).expect_err("gone");
    assert_eq!(err.code(), "photo.unreadable");
    std::fs::write(dir.path().join("empty.jpg"), b"").expect("write");
    assert_eq!(
        photos::process_file(&dir.path().join("empty.jpg"), &Options::default())
            .expect_err("empty"),
        PhotoError::Empty
    );
}

const HEIC: &[u8] = include_bytes!("fixtures/card-300x200.heic");

#[test]
fn iphone_heic_photos_are_decoded_and_made_into_plain_jpegs() {
    let out = photos::process(HEIC, &Options::default()).expect("heic");
    assert_eq!(out.source, Format::Heic);
    assert_eq!(out.media_type, "image/jpeg");
    assert_eq!((out.width, out.height), (300, 200));
    assert_no_metadata(&out.bytes);
    let img = decode(&out.bytes);
    assert!(is_red(img.get_pixel(10, 10)));
    assert!(!is_red(img.get_pixel(290, 190)));
    let err = photos::process(&HEIC[..HEIC.len() / 2], &Options::default()).expect_err("cut");
    assert!(
        matches!(err, PhotoError::Truncated | PhotoError::Heic),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("again") || err.to_string().contains("JPEG"),
        "{err}"
    );
}

/// Smooth colour fields with a few sharp edges: what a photo of a product looks like to a
/// resizer, without noise (so re-encoding at quality 82 changes little).
fn scene(w: u32, h: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let (fx, fy) = (f64::from(x) / f64::from(w), f64::from(y) / f64::from(h));
            let px = if fx < 0.25 && fy < 0.25 {
                [220, 30, 30]
            } else if fx > 0.75 && fy > 0.75 {
                [30, 160, 60]
            } else {
                [
                    (40.0 + 180.0 * fx) as u8,
                    (60.0 + 120.0 * fy) as u8,
                    (200.0 - 150.0 * fx * fy) as u8,
                ]
            };
            v.extend_from_slice(&px);
        }
    }
    v
}

/// Mean absolute difference per channel of two same-sized RGB images.
fn mean_abs_diff(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let total: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(&p, &q)| u64::from(p.abs_diff(q)))
        .sum();
    total as f64 / a.as_raw().len() as f64
}

/// The slow, obvious way: decode at full size to RGB, resize with `image`'s Lanczos3.
fn reference_shrink(jpeg: &[u8], w: u32, h: u32) -> image::RgbImage {
    image::imageops::resize(&decode(jpeg), w, h, image::imageops::FilterType::Lanczos3)
}

#[test]
fn shrinking_from_the_planes_matches_a_full_decode_for_every_chroma_layout() {
    use jpeg_encoder::ColorType::{Luma, Rgb};
    use jpeg_encoder::SamplingFactor::{F_1_1, F_2_1, F_2_2};
    // (label, size, colour, sampling, progressive, max_edge): odd sizes put the chroma
    // planes' edges between pixels; a small max_edge takes the reduced DCT scale too, and
    // 4:4:4 has its chroma decoded at half scale.
    #[rustfmt::skip]
    let cases = [
        ("4:2:0",                  (1001, 667), Rgb,  F_2_2, false, 400),
        ("4:2:2",                  (800, 601),  Rgb,  F_2_1, false, 320),
        ("4:4:4",                  (1000, 750), Rgb,  F_1_1, false, 400),
        ("4:2:0 progressive",      (1000, 750), Rgb,  F_2_2, true,  400),
        ("4:4:4 progressive",      (1000, 750), Rgb,  F_1_1, true,  400),
        ("4:2:0 at 1/4 DCT scale", (2000, 1500), Rgb, F_2_2, false, 200),
        ("greyscale",              (1000, 750), Luma, F_1_1, false, 400),
    ];
    for (label, (w, h), color, sampling, progressive, max_edge) in cases {
        let rgb = scene(w, h);
        let pixels: Vec<u8> = if color == Luma {
            rgb.chunks_exact(3).map(|p| p[1]).collect()
        } else {
            rgb
        };
        let mut src = Vec::new();
        let mut enc = jpeg_encoder::Encoder::new(&mut src, 95);
        enc.set_sampling_factor(sampling);
        enc.set_progressive(progressive);
        enc.encode(&pixels, w as u16, h as u16, color)
            .expect("encode");

        let options = Options {
            max_edge,
            ..Options::default()
        };
        let out = photos::process(&src, &options).expect(label);
        let expected_h = (u64::from(h) * u64::from(max_edge) + u64::from(w) / 2) / u64::from(w);
        assert_eq!(
            (out.width, out.height),
            (max_edge, expected_h as u32),
            "{label}"
        );
        let ours = decode(&out.bytes);
        let reference = reference_shrink(&src, out.width, out.height);
        let diff = mean_abs_diff(&ours, &reference);
        assert!(
            diff < 2.0,
            "{label}: mean difference {diff:.2} from a full decode"
        );
        // The colours at the corners survive (chroma planes aligned with luma to the edge).
        let (ow, oh) = ours.dimensions();
        for (x, y) in [(2, 2), (ow - 3, oh - 3), (ow / 2, oh / 2)] {
            let (a, b) = (ours.get_pixel(x, y), reference.get_pixel(x, y));
            let worst =
                a.0.iter()
                    .zip(b.0)
                    .map(|(p, q)| p.abs_diff(q))
                    .max()
                    .unwrap_or(0);
            assert!(worst <= 12, "{label} at ({x},{y}): {a:?} vs {b:?}");
        }
    }
}

#[test]
fn a_large_photo_taken_sideways_is_turned_upright() {
    let (w, h) = (3200, 2400);
    let src = with_segment(
        &encode_jpeg(&card(w, h), w, h, jpeg_encoder::ColorType::Rgb, 90, false),
        &exif_app1(6, true),
    );
    let out = photos::process(&src, &Options::default()).expect("processed");
    assert_eq!((out.width, out.height), (1200, 1600));
    assert_no_metadata(&out.bytes);
    let img = decode(&out.bytes);
    // Orientation 6: the stored top-left lands top-right once upright.
    assert!(is_red(img.get_pixel(1200 - 50, 50)));
    assert!(!is_red(img.get_pixel(50, 50)));
}
