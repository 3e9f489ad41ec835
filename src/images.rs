//! Photos for readers on a slow intranet: covers and inline images (JPEG, PNG) are published at a
//! few widths, re-encoded (which drops EXIF, GPS and every other metadata) with the EXIF
//! orientation applied, and pages offer them with `srcset`, `sizes` and `loading="lazy"`.
//!
//! Two steps. [`plan`] reads only an image's header (size and orientation) while cases are built,
//! so that pages know which widths exist. [`publish`] does the work when the portal is written,
//! through a cache in the site folder (`.exemplar-cache/images/<hash>/`, keyed by the image's
//! bytes and the settings), so an unchanged photo is decoded once, not at every build.
//!
//! The largest version keeps the original's published path (`media/a.jpg`), so every link to the
//! image still works; smaller ones are named `media/a.480w.jpg`.

use std::collections::HashMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageReader};
use serde::{Deserialize, Serialize};

/// Where the cache lives, inside the site folder (hidden: the preview server does not watch it).
pub const CACHE_DIR: &str = ".exemplar-cache";
/// Files up to this size, already no wider than the largest width, get a single version.
const SMALL_FILE: u64 = 64 * 1024;
/// Bump when the output of [`encode`] changes for the same input, to invalidate old caches.
const CACHE_VERSION: &str = "1";

/// `images:` in `exemplar.yaml`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Widths to publish, in pixels; the largest is also the most any image is published at.
    pub widths: Vec<u32>,
    /// JPEG quality, 1–100.
    pub quality: u8,
    /// The `sizes` attribute of images in case bodies (how wide the theme shows them).
    pub sizes: String,
    /// `false` publishes images as they are (no resizing, no re-encoding).
    pub resize: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            widths: vec![480, 960, 1600],
            quality: 80,
            sizes: "(min-width: 60rem) 44rem, 100vw".to_owned(),
            resize: true,
        }
    }
}

impl Settings {
    pub(crate) fn widths(&self) -> Vec<u32> {
        let mut widths: Vec<u32> = self.widths.iter().copied().filter(|w| *w > 0).collect();
        widths.sort_unstable();
        widths.dedup();
        if widths.is_empty() {
            widths.push(1600);
        }
        widths
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Jpeg,
    Png,
}

/// One published version of an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Variant {
    /// Path in the portal.
    pub path: String,
    pub width: u32,
    pub height: u32,
}

/// What will be published for one image, known from its header alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The image relative to the site folder.
    #[serde(skip)]
    pub source: String,
    /// The published path of the largest version (the original's path).
    pub path: String,
    /// Size of the largest version (as shown: orientation applied).
    pub width: u32,
    pub height: u32,
    /// Smallest first; the last is the largest version, at `path`.
    pub variants: Vec<Variant>,
    #[serde(skip)]
    pub format: Format,
    /// EXIF orientation (1–8) to apply.
    #[serde(skip)]
    pub orientation: u8,
}

/// Whether Exemplar resizes files of this name.
pub fn is_image(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".jpg") || lower.ends_with(".jpeg") || lower.ends_with(".png")
}

/// Why a file named as a photo (`.jpg`, `.jpeg`, `.png`) cannot be resized, found from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    /// Not a picture a browser shows: text, a document, a truncated or damaged header.
    NotAnImage,
    /// Too many pixels to decode within [`DECODE_LIMIT`]: published as it is.
    TooLarge { width: u32, height: u32 },
}

/// The most memory one photo may take decoded (the image crate's own default limit): a photo
/// needing more would fail the build, so it is found from its header first.
pub const DECODE_LIMIT: u64 = 512 * 1024 * 1024;

/// Reads the header of the image at `site_dir/source` and decides its versions. `Ok(None)` for a
/// file that is published as it is: resizing is off, it is not named as a photo, or it is a picture
/// in another format (a GIF or WebP named `.jpg` still shows); an error for a photo that is not a
/// picture or is too large to decode.
pub fn plan(site_dir: &Path, source: &str, output: &str, settings: &Settings) -> Result<Option<Plan>, Unusable> {
    if !settings.resize || !is_image(output) {
        return Ok(None);
    }
    // A file that cannot be opened is reported by the link to it (missing_image).
    let Ok(reader) = ImageReader::open(site_dir.join(source)) else { return Ok(None) };
    let reader = reader.with_guessed_format().map_err(|_| Unusable::NotAnImage)?;
    let format = match reader.format() {
        Some(image::ImageFormat::Jpeg) => Format::Jpeg,
        Some(image::ImageFormat::Png) => Format::Png,
        Some(_) => return Ok(None),
        None => return Err(Unusable::NotAnImage),
    };
    let mut decoder = reader.into_decoder().map_err(|_| Unusable::NotAnImage)?;
    let (w, h) = decoder.dimensions();
    let decoded = u64::from(w) * u64::from(h) * u64::from(decoder.color_type().bytes_per_pixel());
    if decoded > DECODE_LIMIT {
        return Err(Unusable::TooLarge { width: w, height: h });
    }
    let orientation = decoder.orientation().map_or(1, |o| o.to_exif());
    // Orientations 5–8 turn the picture a quarter: width and height swap.
    let (w, h) = if orientation >= 5 { (h, w) } else { (w, h) };
    if w == 0 || h == 0 {
        return Err(Unusable::NotAnImage);
    }
    let mut widths = settings.widths();
    // A small file (an illustration, an icon) gains nothing from smaller versions: one is enough.
    let bytes = std::fs::metadata(site_dir.join(source)).map_or(u64::MAX, |m| m.len());
    if bytes <= SMALL_FILE && w <= *widths.last().unwrap_or(&w) {
        widths = vec![w];
    }
    let largest = w.min(*widths.last().unwrap_or(&w));
    let scale = |width: u32| ((u64::from(h) * u64::from(width) + u64::from(w) / 2) / u64::from(w)).max(1) as u32;
    let (stem, ext) = output.rsplit_once('.').unwrap_or((output, ""));
    let mut variants: Vec<Variant> = widths
        .iter()
        .filter(|&&width| width < largest)
        .map(|&width| Variant { path: format!("{stem}.{width}w.{ext}"), width, height: scale(width) })
        .collect();
    variants.push(Variant { path: output.to_owned(), width: largest, height: scale(largest) });
    Ok(Some(Plan {
        source: source.to_owned(),
        path: output.to_owned(),
        width: largest,
        height: scale(largest),
        variants,
        format,
        orientation,
    }))
}

/// Plans made during one pass over the cases: a photo many cases show (a shared banner, a logo)
/// has its header read once. Only for one pass: a changed image starts a new one.
#[derive(Default)]
pub struct Plans(std::sync::Mutex<PlanMap>);

type PlanMap = std::collections::HashMap<String, Result<Option<Arc<Plan>>, Unusable>>;

impl Plans {
    /// [`plan`], made once per source file.
    pub fn get(
        &self,
        site_dir: &Path,
        source: &str,
        output: &str,
        settings: &Settings,
    ) -> Result<Option<Arc<Plan>>, Unusable> {
        if let Some(known) = self.0.lock().ok().and_then(|m| m.get(source).cloned()) {
            return known;
        }
        let made = plan(site_dir, source, output, settings).map(|plan| plan.map(Arc::new));
        if let Ok(mut map) = self.0.lock() {
            map.insert(source.to_owned(), made.clone());
        }
        made
    }
}

/// The site's files published as they are: its assets other than the photos of `plans`.
pub fn copied_assets<'a>(
    site: &'a crate::site::Site,
    plans: &[Arc<Plan>],
) -> impl Iterator<Item = &'a crate::site::Asset> + 'a {
    let planned: std::collections::HashSet<String> = plans.iter().map(|p| p.path.clone()).collect();
    site.assets.iter().filter(move |a| !planned.contains(&a.output))
}

/// Every planned image of the site, once each, sorted by published path.
pub fn site_plans(site: &crate::site::Site) -> Vec<Arc<Plan>> {
    let mut plans: Vec<Arc<Plan>> = site.cases.iter().flat_map(|c| c.images.iter().cloned()).collect();
    plans.sort_by(|a, b| a.path.cmp(&b.path));
    plans.dedup_by(|a, b| a.path == b.path);
    plans
}

/// What publishing the images did, for the build summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub images: usize,
    /// Of which taken from the cache.
    pub cached: usize,
    /// Bytes of the originals.
    pub original_bytes: u64,
    /// Bytes of the largest published versions (what a reader gets at most).
    pub published_bytes: u64,
}

/// A photo that could not be published.
#[derive(Debug)]
pub struct Failed {
    /// The photo, relative to the site folder.
    pub source: String,
    /// Whether its pixels could not be decoded (damaged or cut short after a sound header), rather
    /// than a file that could not be read or written.
    pub damaged: bool,
    pub detail: String,
}

/// Makes (or takes from the cache) every version of every planned image and hands each file to
/// `write`. Images are processed in parallel; every photo that fails is told, not the first alone.
pub fn publish(
    site_dir: &Path,
    plans: &[Arc<Plan>],
    settings: &Settings,
    write: &crate::render::WriteFn<'_>,
) -> Result<Stats, Vec<Failed>> {
    use rayon::prelude::*;
    let cache = site_dir.join(CACHE_DIR).join("images");
    let results: Vec<Result<Stats, Failed>> = plans
        .par_iter()
        .map(|plan| {
            let failed = |damaged: bool, detail: String| Failed { source: plan.source.clone(), damaged, detail };
            let original = std::fs::read(site_dir.join(&plan.source)).map_err(|e| failed(false, e.to_string()))?;
            let (files, cached) = versions(&original, plan, settings, &cache)
                .map_err(|e| failed(matches!(e, EncodeError::Damaged(_)), e.to_string()))?;
            let mut stats = Stats {
                images: 1,
                cached: usize::from(cached),
                original_bytes: original.len() as u64,
                ..Stats::default()
            };
            for (variant, bytes) in plan.variants.iter().zip(&files) {
                write(&variant.path, bytes).map_err(|detail| failed(false, detail))?;
                if variant.path == plan.path {
                    stats.published_bytes = bytes.len() as u64;
                }
            }
            Ok(stats)
        })
        .collect();
    let mut total = Stats::default();
    let mut failed = Vec::new();
    for result in results {
        match result {
            Ok(stats) => {
                total.images += stats.images;
                total.cached += stats.cached;
                total.original_bytes += stats.original_bytes;
                total.published_bytes += stats.published_bytes;
            }
            Err(failure) => failed.push(failure),
        }
    }
    if failed.is_empty() { Ok(total) } else { Err(failed) }
}

/// The bytes of each of the plan's variants (same order), and whether they came from the cache.
fn versions(
    original: &[u8],
    plan: &Plan,
    settings: &Settings,
    cache: &Path,
) -> Result<(Vec<Vec<u8>>, bool), EncodeError> {
    let key = crate::assets::content_hash(
        &[original, format!("{CACHE_VERSION}|{:?}|{}", settings.widths(), settings.quality).as_bytes()].concat(),
    );
    let dir = cache.join(&key);
    let ext = match plan.format {
        Format::Jpeg => "jpg",
        Format::Png => "png",
    };
    let cached_path = |v: &Variant| -> PathBuf { dir.join(format!("{}.{ext}", v.width)) };
    let cached: Option<Vec<Vec<u8>>> = plan.variants.iter().map(|v| std::fs::read(cached_path(v)).ok()).collect();
    if let Some(files) = cached {
        return Ok((files, true));
    }
    let files = encode(original, plan, settings)?;
    // The cache is an optimisation: failing to fill it fails nothing. Written beside, then
    // renamed, so that a concurrent build never reads half a file; the temporary name is this
    // writer's alone, also among the threads of one process (two builds of one site in one
    // process wrote into the same temporary file, one renaming it while the other still wrote).
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    if std::fs::create_dir_all(&dir).is_ok() {
        for (variant, bytes) in plan.variants.iter().zip(&files) {
            let target = cached_path(variant);
            let write = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let temporary = dir.join(format!(".{}.{}.{write}.tmp", variant.width, std::process::id()));
            if std::fs::write(&temporary, bytes).is_ok() && std::fs::rename(&temporary, &target).is_err() {
                let _ = std::fs::remove_file(&temporary);
            }
        }
    }
    Ok((files, false))
}

/// Why [`encode`] made no versions of a photo.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// Its pixels cannot be decoded: damaged, or cut short after a sound header (which `check`
    /// reads). The original is to be saved again.
    #[error("{0}")]
    Damaged(image::ImageError),
    /// Its versions could not be encoded.
    #[error("{0}")]
    Failed(image::ImageError),
}

/// Decodes, turns upright, resizes and re-encodes: the output carries no metadata.
pub fn encode(original: &[u8], plan: &Plan, settings: &Settings) -> Result<Vec<Vec<u8>>, EncodeError> {
    // Decoded from memory: any error here, an I/O one too (`unexpected end of file`), is the
    // file's bytes, not a disk or permission.
    let decoded = ImageReader::new(Cursor::new(original)).with_guessed_format().map_err(image::ImageError::IoError);
    let mut image = decoded.and_then(ImageReader::decode).map_err(EncodeError::Damaged)?;
    if let Some(orientation) = image::metadata::Orientation::from_exif(plan.orientation) {
        image.apply_orientation(orientation);
    }
    let mut files = Vec::with_capacity(plan.variants.len());
    for variant in &plan.variants {
        let resized = if variant.width == image.width() && variant.height == image.height() {
            image.clone()
        } else {
            image.resize_exact(variant.width, variant.height, FilterType::CatmullRom)
        };
        let mut bytes = Vec::new();
        match plan.format {
            Format::Jpeg => {
                let rgb = DynamicImage::ImageRgb8(resized.into_rgb8());
                rgb.write_with_encoder(JpegEncoder::new_with_quality(&mut bytes, settings.quality.clamp(1, 100)))
                    .map_err(EncodeError::Failed)?;
            }
            Format::Png => {
                resized
                    .write_with_encoder(PngEncoder::new_with_quality(
                        &mut bytes,
                        CompressionType::Best,
                        PngFilter::Adaptive,
                    ))
                    .map_err(EncodeError::Failed)?;
                // An already small, upright PNG: its own pixel data, without metadata chunks,
                // may be smaller than the re-encoding.
                if variant.width == plan.width && plan.orientation == 1 {
                    let stripped = strip_png(original);
                    if let Some(stripped) = stripped.filter(|s| s.len() < bytes.len()) {
                        let same_size = image::load_from_memory(&stripped)
                            .is_ok_and(|i| i.width() == variant.width && i.height() == variant.height);
                        if same_size {
                            bytes = stripped;
                        }
                    }
                }
            }
        }
        files.push(bytes);
    }
    Ok(files)
}

/// A PNG with only the chunks that define its pixels (no text, EXIF or time chunks).
fn strip_png(bytes: &[u8]) -> Option<Vec<u8>> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    const KEEP: [&[u8; 4]; 9] = [b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP"];
    let mut out = bytes.get(..8).filter(|s| *s == SIGNATURE)?.to_vec();
    let mut at = 8;
    while at + 12 <= bytes.len() {
        let length = u32::from_be_bytes(bytes[at..at + 4].try_into().ok()?) as usize;
        let end = at.checked_add(12)?.checked_add(length)?;
        let chunk = bytes.get(at..end)?;
        if KEEP.iter().any(|k| &chunk[4..8] == *k) {
            out.extend_from_slice(chunk);
        }
        at = end;
        if &chunk[4..8] == b"IEND" {
            return Some(out);
        }
    }
    None
}

/// Adds `srcset`, `sizes`, `width`, `height`, `loading="lazy"` and `decoding="async"` to every
/// `<img>` of rendered HTML whose `src` (`root` + a published path) is a planned image.
pub fn rewrite_img_tags(html: &str, root: &str, plans: &HashMap<&str, &Plan>, sizes: &str) -> String {
    if plans.is_empty() || !html.contains("<img") {
        return html.to_owned();
    }
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    while let Some(start) = rest.find("<img") {
        let Some(len) = rest[start..].find('>') else { break };
        let tag = &rest[start..start + len];
        out.push_str(&rest[..start]);
        rest = &rest[start + len..];
        let src = tag.split(" src=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("");
        let plan = src.strip_prefix(root).and_then(|path| plans.get(path));
        let Some(plan) = plan.filter(|_| !tag.contains(" srcset=")) else {
            out.push_str(tag);
            continue;
        };
        let (body, slash) = match tag.strip_suffix('/') {
            Some(body) => (body.trim_end(), " /"),
            None => (tag, ""),
        };
        out.push_str(body);
        out.push_str(&format!(
            " srcset=\"{}\" sizes=\"{}\"",
            srcset(plan, root),
            crate::markdown::escape_attribute(sizes)
        ));
        if !tag.contains(" width=") && !tag.contains(" height=") {
            out.push_str(&format!(" width=\"{}\" height=\"{}\"", plan.width, plan.height));
        }
        if !tag.contains(" loading=") {
            out.push_str(" loading=\"lazy\" decoding=\"async\"");
        }
        out.push_str(slash);
    }
    out.push_str(rest);
    out
}

/// `root/media/a.480w.jpg 480w, root/media/a.jpg 1600w`.
pub fn srcset(plan: &Plan, root: &str) -> String {
    plan.variants
        .iter()
        .map(|v| format!("{root}{} {}w", crate::markdown::escape_attribute(&v.path), v.width))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(w: u32, h: u32) -> Plan {
        Plan {
            source: "content/a.jpg".into(),
            path: "media/a.jpg".into(),
            width: w,
            height: h,
            variants: vec![
                Variant { path: "media/a.480w.jpg".into(), width: 480, height: h * 480 / w },
                Variant { path: "media/a.jpg".into(), width: w, height: h },
            ],
            format: Format::Jpeg,
            orientation: 1,
        }
    }

    #[test]
    fn img_tags_gain_srcset_and_lazy_loading() {
        let plan = plan_of(960, 720);
        let plans: HashMap<&str, &Plan> = [("media/a.jpg", &plan)].into_iter().collect();
        let html = "<p><img src=\"../../media/a.jpg\" alt=\"现场\" /> <img src=\"https://x/y.jpg\"></p>";
        let out = rewrite_img_tags(html, "../../", &plans, "100vw");
        assert_eq!(
            out,
            "<p><img src=\"../../media/a.jpg\" alt=\"现场\" srcset=\"../../media/a.480w.jpg 480w, ../../media/a.jpg 960w\" \
             sizes=\"100vw\" width=\"960\" height=\"720\" loading=\"lazy\" decoding=\"async\" /> <img src=\"https://x/y.jpg\"></p>"
        );
    }

    #[test]
    fn png_chunks_are_stripped() {
        let mut png = Vec::new();
        image::RgbImage::new(2, 2).write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        // Insert a tEXt chunk after IHDR (8 + 25 bytes).
        let mut with_text = png[..33].to_vec();
        with_text.extend_from_slice(&[0, 0, 0, 3]);
        with_text.extend_from_slice(b"tEXtabc\0\0\0\0");
        with_text.extend_from_slice(&png[33..]);
        assert_eq!(strip_png(&with_text).unwrap(), png);
    }

    /// A PNG cut short after its header (a copy that stopped half-way) fails as damaged: the
    /// advice is to save it again, not to look at permissions.
    #[test]
    fn a_photo_cut_short_is_damaged() {
        let mut png = Vec::new();
        let noise =
            image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 7 + y * 13) as u8, (x * y) as u8, y as u8]));
        noise.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        let mut plan = plan_of(64, 48);
        plan.format = Format::Png;
        plan.variants.retain(|v| v.width == 64);
        let settings = Settings::default();
        assert!(encode(&png, &plan, &settings).is_ok());
        for cut in [png.len() / 2, png.len() - 13, 40] {
            let error = encode(&png[..cut], &plan, &settings).unwrap_err();
            assert!(matches!(error, EncodeError::Damaged(_)), "cut at {cut}: {error:?}");
        }
    }
}
