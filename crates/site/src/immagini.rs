//! The intrinsic size of an image file, for the `width` and `height` of `<img>` (a page that
//! knows its images' proportions does not jump while they load): read from the file's header
//! (the `imagesize` crate, no decoding) or, for SVG, from the root element's `width`/`height`
//! or `viewBox`.

use std::path::Path;

/// Width and height in CSS pixels, when the file is an image whose size can be read.
pub fn dimensioni(path: &Path) -> Option<(u32, u32)> {
    let ext = path.extension()?.to_string_lossy().to_ascii_lowercase();
    if ext == "svg" {
        return svg(&std::fs::read_to_string(path).ok()?);
    }
    if !matches!(
        ext.as_str(),
        "png" | "jpg" | "jpeg" | "gif" | "webp" | "avif"
    ) {
        return None;
    }
    let size = imagesize::size(path).ok()?;
    let (w, h) = (
        u32::try_from(size.width).ok()?,
        u32::try_from(size.height).ok()?,
    );
    (w > 0 && h > 0).then_some((w, h))
}

/// The size an SVG declares: `width` and `height` in pixels (or unitless), else its `viewBox`.
fn svg(text: &str) -> Option<(u32, u32)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"svg" => {
                let attr = |name: &[u8]| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == name)
                        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                };
                let px = |v: Option<String>| {
                    let v = v?;
                    let n = v.trim().trim_end_matches("px");
                    n.parse::<f64>().ok().filter(|n| *n > 0.0)
                };
                if let (Some(w), Some(h)) = (px(attr(b"width")), px(attr(b"height"))) {
                    return Some((w.round() as u32, h.round() as u32));
                }
                let vb = attr(b"viewBox")?;
                let n: Vec<f64> = vb
                    .split([' ', ','])
                    .filter(|s| !s.is_empty())
                    .filter_map(|s| s.parse().ok())
                    .collect();
                return match n[..] {
                    [_, _, w, h] if w > 0.0 && h > 0.0 => {
                        Some((w.round() as u32, h.round() as u32))
                    }
                    _ => None,
                };
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_sizes_from_attributes_or_viewbox() {
        let attrs = r#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="120px" height="80">"#;
        assert_eq!(svg(attrs), Some((120, 80)));
        let vb = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 360"></svg>"#;
        assert_eq!(svg(vb), Some((640, 360)));
        let pct = r#"<svg width="100%" height="100%" viewBox="0,0,16,9"/>"#;
        assert_eq!(svg(pct), Some((16, 9)));
        assert_eq!(svg("<svg/>"), None);
        assert_eq!(svg("not xml <"), None);
    }

    #[test]
    fn raster_sizes_from_the_header() {
        let dir = tempfile::tempdir().unwrap();
        // A 3x2 PNG: signature, IHDR with width 3 and height 2.
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
        png.extend_from_slice(b"IHDR");
        png.extend_from_slice(&[0, 0, 0, 3, 0, 0, 0, 2, 8, 2, 0, 0, 0, 0, 0, 0, 0]);
        let p = dir.path().join("a.png");
        std::fs::write(&p, png).unwrap();
        assert_eq!(dimensioni(&p), Some((3, 2)));
        let pdf = dir.path().join("a.pdf");
        std::fs::write(&pdf, "%PDF").unwrap();
        assert_eq!(dimensioni(&pdf), None);
    }
}
