//! Thumbnails of JPEG, PNG, GIF and WebP images, made once when a file is shared.
//!
//! A shared file is untrusted input: its format is guessed from its bytes (never from its
//! name), its declared size is checked before anything is allocated, and the decoder runs
//! under allocation limits, so that a small file claiming 50,000 x 50,000 pixels (an image
//! bomb) is refused instead of eating the server's memory.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// The longest side of a thumbnail, in pixels.
pub const THUMBNAIL_SIDE: u32 = 320;
/// Larger images are not drawn (a 12,000-pixel side covers every camera).
const MAX_SIDE: u32 = 12_000;
/// Nor images of more pixels than this (about a 100-megapixel photo).
const MAX_PIXELS: u64 = 100_000_000;
/// The most the decoder may allocate at once.
const MAX_ALLOC: u64 = 512 * 1024 * 1024;

/// A drawn thumbnail.
#[derive(Debug, Clone)]
pub struct Thumbnail {
    /// Its bytes: JPEG, or PNG when the image has transparency.
    pub bytes: Vec<u8>,
    /// `image/jpeg` or `image/png`.
    pub mime: &'static str,
    /// The original's width and height, once turned upright.
    pub width: u32,
    /// See `width`.
    pub height: u32,
}

/// Why no thumbnail was made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ThumbnailError {
    /// The bytes are none of JPEG, PNG, GIF or WebP.
    #[error("not a JPEG, PNG, GIF or WebP image")]
    NotAnImage,
    /// The image declares more pixels than are drawn.
    #[error("the image is too large to draw ({width} x {height})")]
    TooLarge {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
    },
    /// The image is damaged (truncated, inconsistent) or the decoder hit its limits.
    #[error("the image cannot be decoded: {0}")]
    Undecodable(String),
}

/// The media type of an image's bytes, for the four formats thumbnails are drawn of.
pub fn sniff_image(head: &[u8]) -> Option<&'static str> {
    match head {
        [0x89, b'P', b'N', b'G', ..] => Some("image/png"),
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [b'G', b'I', b'F', b'8', ..] => Some("image/gif"),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some("image/webp"),
        _ => None,
    }
}

/// Whether a media type is one of the images thumbnails are drawn of.
pub fn is_image_type(mime: &str) -> bool {
    matches!(
        mime,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    )
}

/// Draws the thumbnail of an image file's bytes.
pub fn thumbnail(bytes: &[u8]) -> Result<Thumbnail, ThumbnailError> {
    thumbnail_within(bytes, THUMBNAIL_SIDE)
}

/// [`thumbnail`] with its longest side at most `side` pixels (a link card's image is smaller
/// than a shared picture's).
pub fn thumbnail_within(bytes: &[u8], side: u32) -> Result<Thumbnail, ThumbnailError> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ThumbnailError::Undecodable(e.to_string()))?;
    match reader.format() {
        Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::Gif | ImageFormat::WebP) => {}
        _ => return Err(ThumbnailError::NotAnImage),
    }
    let mut reader = reader;
    let mut limits = Limits::default();
    // Sides are checked below, with the declared size in the error; the allocation cap
    // stands behind that check.
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let undecodable = |e: image::ImageError| match e {
        image::ImageError::Limits(_) => {
            ThumbnailError::Undecodable("over the decoder's limits".into())
        }
        e => ThumbnailError::Undecodable(e.to_string()),
    };
    let mut decoder = reader.into_decoder().map_err(undecodable)?;
    let (width, height) = decoder.dimensions();
    if width == 0
        || height == 0
        || width > MAX_SIDE
        || height > MAX_SIDE
        || u64::from(width) * u64::from(height) > MAX_PIXELS
    {
        return Err(ThumbnailError::TooLarge { width, height });
    }
    // A camera's EXIF orientation: the thumbnail is drawn upright.
    let orientation = decoder.orientation().ok();
    let mut image = DynamicImage::from_decoder(decoder).map_err(undecodable)?;
    if let Some(o) = orientation {
        image.apply_orientation(o);
    }
    let (width, height) = (image.width(), image.height());
    let small = image.thumbnail(side, side);
    let mut out = Cursor::new(Vec::new());
    let mime = if small.color().has_alpha() {
        small
            .write_to(&mut out, ImageFormat::Png)
            .map_err(undecodable)?;
        "image/png"
    } else {
        let rgb = DynamicImage::ImageRgb8(small.to_rgb8());
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82)
            .encode_image(&rgb)
            .map_err(undecodable)?;
        "image/jpeg"
    };
    Ok(Thumbnail {
        bytes: out.into_inner(),
        mime,
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageEncoder, Rgb, RgbImage, Rgba, RgbaImage, codecs::png::PngEncoder};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = RgbImage::from_fn(width, height, |x, _| Rgb([(x % 256) as u8, 80, 160]));
        let mut out = Vec::new();
        PngEncoder::new(&mut out)
            .write_image(img.as_raw(), width, height, image::ExtendedColorType::Rgb8)
            .expect("encodes");
        out
    }

    #[test]
    fn a_photo_becomes_a_small_jpeg_and_transparency_a_png() {
        let t = thumbnail(&png(1000, 500)).expect("drawn");
        assert_eq!((t.mime, t.width, t.height), ("image/jpeg", 1000, 500));
        let back = image::load_from_memory(&t.bytes).expect("decodes");
        assert_eq!(
            (back.width(), back.height()),
            (THUMBNAIL_SIDE, THUMBNAIL_SIDE / 2)
        );

        let clear = RgbaImage::from_pixel(40, 40, Rgba([0, 0, 0, 0]));
        let mut bytes = Cursor::new(Vec::new());
        clear
            .write_to(&mut bytes, ImageFormat::Png)
            .expect("encodes");
        assert_eq!(thumbnail(bytes.get_ref()).expect("drawn").mime, "image/png");
    }

    /// A 40 x 20 JPEG whose EXIF says "rotate 90° clockwise to view" (orientation 6), as a
    /// phone held upright writes it.
    fn rotated_jpeg() -> Vec<u8> {
        let img = RgbImage::from_pixel(40, 20, Rgb([200, 30, 30]));
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
            .encode_image(&img)
            .expect("encodes");
        // TIFF, big-endian: one IFD entry, Orientation (0x0112), SHORT, 1 value: 6.
        let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
        tiff.extend_from_slice(&[0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]);
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let mut out = jpeg[..2].to_vec(); // SOI
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(&app1);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    #[test]
    fn a_photo_taken_upright_is_drawn_upright() {
        let t = thumbnail(&rotated_jpeg()).expect("drawn");
        assert_eq!((t.width, t.height), (20, 40), "turned as its EXIF says");
        let back = image::load_from_memory(&t.bytes).expect("decodes");
        assert!(back.height() > back.width());
    }

    #[test]
    fn a_declared_50000_by_50000_png_is_refused_before_decoding() {
        // A valid PNG header (its checksum mended) claiming 50,000 x 50,000 pixels: the
        // declared size alone refuses it, before any pixel is allocated.
        let mut bytes = png(1, 1);
        bytes[16..20].copy_from_slice(&50_000u32.to_be_bytes());
        bytes[20..24].copy_from_slice(&50_000u32.to_be_bytes());
        let crc = crc32(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
        let err = thumbnail(&bytes).expect_err("refused");
        assert!(
            matches!(
                err,
                ThumbnailError::TooLarge {
                    width: 50_000,
                    height: 50_000
                }
            ),
            "{err:?}"
        );
    }

    /// PNG's chunk checksum (CRC-32, IEEE).
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn text_and_truncated_images_get_a_clear_error() {
        assert!(matches!(
            thumbnail(b"just some text"),
            Err(ThumbnailError::NotAnImage)
        ));
        let whole = png(64, 64);
        let err = thumbnail(&whole[..whole.len() / 2]).expect_err("truncated");
        assert!(matches!(err, ThumbnailError::Undecodable(_)), "{err:?}");
    }
}
