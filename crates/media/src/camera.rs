//! Real cameras through nokhwa (V4L2 on Linux, AVFoundation on macOS, Media Foundation on
//! Windows).
//!
//! A nokhwa camera is not `Send` and its `frame()` blocks until the next picture (forever if
//! none comes), so each open camera lives on a thread of its own that keeps the latest picture
//! in I420; the [`VideoSource`] handed out takes that picture at the call's pace and never
//! waits. A camera that fails (unplugged) says so with [`MediaError::DeviceLost`].
//!
//! No machine these tests run on has a camera, and none can be emulated there: the listing and
//! the "no camera" paths are tested, and the picture conversion on pictures made in the tests;
//! capture itself is not.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
        mpsc,
    },
    time::Duration,
};

use nokhwa::{
    pixel_format::RgbFormat,
    utils::{CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType},
};

use crate::{DeviceInfo, DeviceKind, Frame, MediaError, VideoSource};

/// The prefix of a real camera's id (`camera:0` is the first V4L2 device).
const PREFIX: &str = "camera:";

/// How long opening a camera may take.
const OPEN_TIMEOUT: Duration = Duration::from_secs(5);

/// The cameras of this machine (none: an empty list, never an error; the synthetic pattern
/// stays available).
pub fn cameras() -> Vec<DeviceInfo> {
    let Some(backend) = nokhwa::native_api_backend() else {
        return Vec::new();
    };
    let Ok(found) = nokhwa::query(backend) else {
        return Vec::new();
    };
    let mut out: Vec<DeviceInfo> = found
        .into_iter()
        .map(|c| DeviceInfo {
            id: format!("{PREFIX}{}", c.index().as_string()),
            name: c.human_name(),
            kind: DeviceKind::Camera,
            synthetic: false,
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// An open camera: the latest picture, in I420.
pub struct Camera {
    name: String,
    fps: u32,
    latest: Arc<Mutex<Option<Frame>>>,
    failed: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl Drop for Camera {
    fn drop(&mut self) {
        // The thread stops after its next picture (nokhwa's wait cannot be interrupted).
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Formats asked for, best first: 1280x720 and 640x480 at 30 fps (MJPEG, which USB cameras
/// offer at those rates, then raw YUYV), else whatever runs fastest.
fn requests() -> Vec<RequestedFormatType> {
    let mut out: Vec<RequestedFormatType> = [
        (1280, 720, FrameFormat::MJPEG),
        (640, 480, FrameFormat::MJPEG),
        (640, 480, FrameFormat::YUYV),
    ]
    .into_iter()
    .map(|(w, h, f)| RequestedFormatType::Exact(CameraFormat::new_from(w, h, f, 30)))
    .collect();
    out.push(RequestedFormatType::AbsoluteHighestFrameRate);
    out
}

fn index_of(id: Option<&str>) -> Result<CameraIndex, MediaError> {
    let id = match id {
        Some(id) => id.to_owned(),
        None => cameras()
            .into_iter()
            .next()
            .map(|c| c.id)
            .ok_or_else(|| MediaError::Device {
                device: "the first camera".into(),
                reason: "there is no camera".into(),
            })?,
    };
    let rest = id.strip_prefix(PREFIX).ok_or_else(|| MediaError::Device {
        device: id.clone(),
        reason: "not a camera id".into(),
    })?;
    Ok(match rest.parse::<u32>() {
        Ok(n) => CameraIndex::Index(n),
        Err(_) => CameraIndex::String(rest.to_owned()),
    })
}

/// Opens a camera (`None`: the first one) and starts its pictures.
pub fn open_camera(id: Option<&str>) -> Result<Camera, MediaError> {
    let index = index_of(id)?;
    let label = id.unwrap_or("the first camera").to_owned();
    let latest: Arc<Mutex<Option<Frame>>> = Arc::default();
    let failed = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let (ready_tx, ready) = mpsc::channel::<Result<(String, u32), String>>();
    let (shared, lost, stopped) = (latest.clone(), failed.clone(), stop.clone());
    std::thread::Builder::new()
        .name("confer-camera".into())
        .spawn(move || {
            let mut last_error = String::from("no format fits");
            let opened = requests().into_iter().find_map(|request| {
                let format = RequestedFormat::new::<RgbFormat>(request);
                let mut camera = match nokhwa::Camera::new(index.clone(), format) {
                    Ok(c) => c,
                    Err(e) => {
                        last_error = e.to_string();
                        return None;
                    }
                };
                match camera.open_stream() {
                    Ok(()) => Some(camera),
                    Err(e) => {
                        last_error = e.to_string();
                        None
                    }
                }
            });
            let Some(mut camera) = opened else {
                let _ = ready_tx.send(Err(last_error));
                return;
            };
            let _ = ready_tx.send(Ok((camera.info().human_name(), camera.frame_rate())));
            while !stopped.load(Ordering::Relaxed) {
                let picture = camera
                    .frame()
                    .and_then(|buffer| buffer.decode_image::<RgbFormat>());
                match picture {
                    Ok(rgb) => {
                        let (w, h) = (rgb.width(), rgb.height());
                        if let Some(frame) = rgb_to_i420(rgb.as_raw(), w, h) {
                            *shared.lock().expect("camera poisoned") = Some(frame);
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "the camera stopped");
                        lost.store(true, Ordering::Relaxed);
                        return;
                    }
                }
            }
        })?;
    let (name, fps) = ready
        .recv_timeout(OPEN_TIMEOUT)
        .map_err(|_| MediaError::Timeout("opening the camera"))?
        .map_err(|reason| MediaError::Device {
            device: label,
            reason,
        })?;
    Ok(Camera {
        name,
        fps: fps.clamp(1, 60),
        latest,
        failed,
        stop,
    })
}

impl Camera {
    /// The camera's name, as the user sees it.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl VideoSource for Camera {
    /// The latest picture (black until the first comes); the camera going away is an error.
    fn next_frame(&mut self) -> Result<Frame, MediaError> {
        if self.failed.load(Ordering::Relaxed) {
            return Err(MediaError::DeviceLost {
                device: self.name.clone(),
            });
        }
        match self.latest.lock().expect("camera poisoned").as_ref() {
            Some(frame) => Ok(frame.clone()),
            None => Frame::black(640, 360),
        }
    }

    fn frame_rate(&self) -> u32 {
        self.fps
    }
}

/// Packed RGB (3 bytes a pixel) to I420, BT.601 limited range, cropped to even sides; `None`
/// for a picture too small or a buffer of the wrong size.
pub fn rgb_to_i420(rgb: &[u8], width: u32, height: u32) -> Option<Frame> {
    let (sw, w, h) = (
        width as usize,
        (width & !1) as usize,
        (height & !1) as usize,
    );
    if w < 2 || h < 2 || rgb.len() < sw * height as usize * 3 {
        return None;
    }
    let mut data = vec![0u8; Frame::i420_len(w as u32, h as u32)];
    let (luma, chroma) = data.split_at_mut(w * h);
    let (u_plane, v_plane) = chroma.split_at_mut((w / 2) * (h / 2));
    let px = |x: usize, y: usize| {
        let i = (y * sw + x) * 3;
        (
            i32::from(rgb[i]),
            i32::from(rgb[i + 1]),
            i32::from(rgb[i + 2]),
        )
    };
    for y in 0..h {
        for x in 0..w {
            let (r, g, b) = px(x, y);
            luma[y * w + x] = (((66 * r + 129 * g + 25 * b + 128) >> 8) + 16) as u8;
        }
    }
    for y in 0..h / 2 {
        for x in 0..w / 2 {
            let (mut r, mut g, mut b) = (0, 0, 0);
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let p = px(2 * x + dx, 2 * y + dy);
                r += p.0;
                g += p.1;
                b += p.2;
            }
            let (r, g, b) = (r / 4, g / 4, b / 4);
            u_plane[y * (w / 2) + x] = (((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128) as u8;
            v_plane[y * (w / 2) + x] = (((112 * r - 94 * g - 18 * b + 128) >> 8) + 128) as u8;
        }
    }
    Some(Frame {
        width: w as u32,
        height: h as u32,
        data,
        pts_us: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rgb_becomes_i420_with_the_usual_colours() {
        // 4x2: white, black, red, blue columns (two of each vertically), one odd column cut.
        let mut rgb = Vec::new();
        for _ in 0..2 {
            for p in [
                [255, 255, 255],
                [255, 255, 255],
                [255, 0, 0],
                [255, 0, 0],
                [0, 0, 255],
            ] {
                rgb.extend_from_slice(&p);
            }
        }
        let f = rgb_to_i420(&rgb, 5, 2).unwrap();
        assert_eq!((f.width, f.height), (4, 2));
        assert_eq!(&f.data[..4], &[235, 235, 82, 82], "luma");
        // Chroma: grey for white, red's (U 90, V 240).
        assert_eq!(&f.data[8..10], &[128, 90]);
        assert_eq!(&f.data[10..12], &[128, 240]);
    }

    #[test]
    fn a_picture_too_small_or_short_is_refused() {
        assert!(rgb_to_i420(&[0; 3], 1, 1).is_none());
        assert!(rgb_to_i420(&[0; 10], 4, 4).is_none());
    }

    #[test]
    fn an_id_that_is_not_a_camera_is_refused_clearly() {
        let err = open_camera(Some("synthetic:pattern")).err().unwrap();
        assert!(err.to_string().contains("not a camera id"), "{err}");
    }

    #[test]
    fn a_camera_that_is_not_there_is_refused_clearly() {
        // No machine these tests run on has a 1000th camera.
        let err = open_camera(Some("camera:999")).err().unwrap();
        assert!(matches!(err, MediaError::Device { .. }), "{err}");
    }
}
