//! VP8 over Debian's libvpx, behind a safe API: an [`Encoder`] from I420 frames to VP8 frames
//! (real-time deadline, no lag, a bitrate that can change between frames, keyframes on
//! demand) and a [`Decoder`] back to I420.
//!
//! This is the only crate of the workspace with `unsafe` code: the workspace forbids it
//! everywhere else, and FFI cannot do without it. Every block says why it is sound.

use std::{
    mem::MaybeUninit,
    os::raw::{c_int, c_long, c_uint, c_ulong},
    ptr,
};

use vpx_sys as sys;

/// Why a codec call failed.
#[derive(Debug, thiserror::Error)]
pub enum VpxError {
    /// libvpx refused: its error code and what was being done.
    #[error("libvpx failed {what} (error {code})")]
    Codec {
        /// What was being done.
        what: &'static str,
        /// libvpx's code.
        code: i32,
    },
    /// Bad parameters (odd or zero sizes, a frame of the wrong length).
    #[error("invalid VP8 parameters: {0}")]
    Invalid(String),
}

fn check(what: &'static str, result: sys::vpx_codec_err_t) -> Result<(), VpxError> {
    if result == sys::vpx_codec_err_t::VPX_CODEC_OK {
        Ok(())
    } else {
        Err(VpxError::Codec {
            what,
            code: result as i32,
        })
    }
}

/// Bytes of an I420 frame of `width` × `height` (even sides).
pub fn i420_len(width: u32, height: u32) -> usize {
    let (w, h) = (width as usize, height as usize);
    w * h + 2 * (w / 2) * (h / 2)
}

/// One encoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedFrame {
    /// The VP8 frame.
    pub data: Vec<u8>,
    /// A keyframe (decodable on its own).
    pub key: bool,
}

/// A VP8 encoder for one frame size.
pub struct Encoder {
    ctx: sys::vpx_codec_ctx_t,
    cfg: sys::vpx_codec_enc_cfg_t,
    width: u32,
    height: u32,
    pts: i64,
}

// SAFETY: the codec context is used only through `&mut self`, from one thread at a time, and
// libvpx keeps no thread-affine state in it.
unsafe impl Send for Encoder {}

impl Encoder {
    /// An encoder of `width` × `height` frames at `fps`, aiming at `bitrate_kbps`.
    pub fn new(width: u32, height: u32, fps: u32, bitrate_kbps: u32) -> Result<Self, VpxError> {
        if width == 0 || height == 0 || width % 2 == 1 || height % 2 == 1 || fps == 0 {
            return Err(VpxError::Invalid(format!(
                "{width}x{height} at {fps} fps (sides must be even and not zero)"
            )));
        }
        // SAFETY: returns a pointer to a static interface description.
        let iface = unsafe { sys::vpx_codec_vp8_cx() };
        // SAFETY: a plain C struct of integers and pointers; all zeros is a valid value, and
        // libvpx fills it just below.
        let mut cfg: sys::vpx_codec_enc_cfg_t = unsafe { MaybeUninit::zeroed().assume_init() };
        // SAFETY: `iface` is valid and `cfg` is a live, writable struct.
        check("reading the default configuration", unsafe {
            sys::vpx_codec_enc_config_default(iface, &mut cfg, 0)
        })?;
        cfg.g_w = width;
        cfg.g_h = height;
        cfg.g_timebase.num = 1;
        cfg.g_timebase.den = fps as c_int;
        cfg.rc_target_bitrate = bitrate_kbps;
        // Real time: no frames held back, the bitrate held per frame, a keyframe every few
        // seconds for late joiners, and no threads of its own: at a few milliseconds a frame
        // the caller's thread is enough, and encoder threads fighting the async runtime for two
        // cores made single frames take up to 190 ms.
        cfg.g_lag_in_frames = 0;
        cfg.g_threads = 1;
        cfg.rc_end_usage = sys::vpx_rc_mode::VPX_CBR;
        cfg.g_error_resilient = 1;
        cfg.kf_max_dist = fps * 3;
        cfg.rc_min_quantizer = 4;
        cfg.rc_max_quantizer = 56;
        // SAFETY: all zeros is a valid (empty) context; libvpx initialises it below.
        let mut ctx: sys::vpx_codec_ctx_t = unsafe { MaybeUninit::zeroed().assume_init() };
        // SAFETY: `ctx` and `cfg` are live; the ABI version is the one the bindings match.
        check("starting the encoder", unsafe {
            sys::vpx_codec_enc_init_ver(
                &mut ctx,
                iface,
                &cfg,
                0,
                sys::VPX_ENCODER_ABI_VERSION as c_int,
            )
        })?;
        let mut encoder = Self {
            ctx,
            cfg,
            width,
            height,
            pts: 0,
        };
        // The fastest real-time preset (VP8 takes -16..16; 16 encodes 640x360 in about 2 ms
        // here against 9.5 ms at 8): a call must leave the CPU to everything else.
        // SAFETY: the context was initialised; VP8E_SET_CPUUSED takes an int.
        check("choosing the speed", unsafe {
            sys::vpx_codec_control_(
                &mut encoder.ctx,
                sys::vp8e_enc_control_id::VP8E_SET_CPUUSED as c_int,
                16 as c_int,
            )
        })?;
        Ok(encoder)
    }

    /// The frame size.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Changes the target bitrate from the next frame on (the receiver's feedback).
    pub fn set_bitrate(&mut self, kbps: u32) -> Result<(), VpxError> {
        self.cfg.rc_target_bitrate = kbps.max(50);
        // SAFETY: the context is initialised and `cfg` is the configuration it was made with.
        check("changing the bitrate", unsafe {
            sys::vpx_codec_enc_config_set(&mut self.ctx, &self.cfg)
        })
    }

    /// Encodes one I420 frame; `keyframe` forces a keyframe (the receiver asked for one).
    pub fn encode(&mut self, i420: &[u8], keyframe: bool) -> Result<Vec<EncodedFrame>, VpxError> {
        if i420.len() != i420_len(self.width, self.height) {
            return Err(VpxError::Invalid(format!(
                "an I420 frame of {}x{} has {} bytes, not {}",
                self.width,
                self.height,
                i420_len(self.width, self.height),
                i420.len()
            )));
        }
        // SAFETY: all zeros is a valid image description; vpx_img_wrap fills it.
        let mut image: sys::vpx_image_t = unsafe { MaybeUninit::zeroed().assume_init() };
        // SAFETY: `i420` holds exactly one frame of this size (checked above) and outlives the
        // image, which is used only within this call; libvpx only reads through it.
        let wrapped = unsafe {
            sys::vpx_img_wrap(
                &mut image,
                sys::vpx_img_fmt::VPX_IMG_FMT_I420,
                self.width as c_uint,
                self.height as c_uint,
                1,
                i420.as_ptr() as *mut _,
            )
        };
        if wrapped.is_null() {
            return Err(VpxError::Invalid("libvpx did not take the frame".into()));
        }
        let flags = if keyframe {
            sys::VPX_EFLAG_FORCE_KF as sys::vpx_enc_frame_flags_t
        } else {
            0
        };
        // SAFETY: the context is initialised and the image wraps live memory (see above).
        check("encoding", unsafe {
            sys::vpx_codec_encode(
                &mut self.ctx,
                &image,
                self.pts,
                1,
                flags,
                sys::VPX_DL_REALTIME as c_ulong,
            )
        })?;
        self.pts += 1;
        let mut out = Vec::new();
        let mut iter: sys::vpx_codec_iter_t = ptr::null();
        loop {
            // SAFETY: the context is initialised; `iter` is the cursor libvpx hands back.
            let pkt = unsafe { sys::vpx_codec_get_cx_data(&mut self.ctx, &mut iter) };
            if pkt.is_null() {
                break;
            }
            // SAFETY: a non-null packet points at libvpx's packet, valid until the next call
            // on this context; its kind says which member of the union is set, and a frame's
            // buffer holds `sz` bytes, copied out before the next call.
            unsafe {
                if (*pkt).kind == sys::vpx_codec_cx_pkt_kind::VPX_CODEC_CX_FRAME_PKT {
                    let frame = (*pkt).data.frame;
                    let data =
                        std::slice::from_raw_parts(frame.buf as *const u8, frame.sz as usize);
                    out.push(EncodedFrame {
                        data: data.to_vec(),
                        key: frame.flags & sys::VPX_FRAME_IS_KEY != 0,
                    });
                }
            }
        }
        Ok(out)
    }
}

impl Drop for Encoder {
    fn drop(&mut self) {
        // SAFETY: the context was initialised in `new` and is destroyed once, here.
        unsafe {
            sys::vpx_codec_destroy(&mut self.ctx);
        }
    }
}

/// A decoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedFrame {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// I420 planes, tightly packed.
    pub i420: Vec<u8>,
}

/// A VP8 decoder.
pub struct Decoder {
    ctx: sys::vpx_codec_ctx_t,
}

// SAFETY: as for the encoder: one thread at a time through `&mut self`.
unsafe impl Send for Decoder {}

impl Decoder {
    /// A decoder.
    pub fn new() -> Result<Self, VpxError> {
        // SAFETY: a pointer to a static interface description.
        let iface = unsafe { sys::vpx_codec_vp8_dx() };
        let cfg = sys::vpx_codec_dec_cfg_t {
            threads: 1,
            w: 0,
            h: 0,
        };
        // SAFETY: all zeros is a valid (empty) context; libvpx initialises it.
        let mut ctx: sys::vpx_codec_ctx_t = unsafe { MaybeUninit::zeroed().assume_init() };
        // SAFETY: `ctx` and `cfg` are live; the ABI version is the one the bindings match.
        check("starting the decoder", unsafe {
            sys::vpx_codec_dec_init_ver(
                &mut ctx,
                iface,
                &cfg,
                0,
                sys::VPX_DECODER_ABI_VERSION as c_int,
            )
        })?;
        Ok(Self { ctx })
    }

    /// Decodes one VP8 frame. A damaged or undecodable frame is an error (ask the sender for a
    /// keyframe); a frame that produces no picture gives `None`.
    pub fn decode(&mut self, frame: &[u8]) -> Result<Option<DecodedFrame>, VpxError> {
        if frame.is_empty() || frame.len() > u32::MAX as usize {
            return Err(VpxError::Invalid(format!(
                "a VP8 frame of {} bytes",
                frame.len()
            )));
        }
        // SAFETY: the context is initialised; libvpx reads `frame.len()` bytes of `frame`
        // during the call only.
        check("decoding", unsafe {
            sys::vpx_codec_decode(
                &mut self.ctx,
                frame.as_ptr(),
                frame.len() as c_uint,
                ptr::null_mut(),
                0 as c_long,
            )
        })?;
        let mut iter: sys::vpx_codec_iter_t = ptr::null();
        let mut last = None;
        loop {
            // SAFETY: the context is initialised; `iter` is libvpx's cursor.
            let img = unsafe { sys::vpx_codec_get_frame(&mut self.ctx, &mut iter) };
            if img.is_null() {
                break;
            }
            // SAFETY: a non-null image is libvpx's, valid until the next decode; it is I420
            // (VP8 decodes to nothing else) with `d_w` × `d_h` visible pixels, planes of
            // `stride` bytes per row, chroma halved; rows are copied out within bounds.
            last = Some(unsafe { copy_i420(&*img) });
        }
        Ok(last)
    }
}

/// Copies a decoded image's visible area into packed I420.
///
/// # Safety
/// `img` must be a valid I420 image whose planes hold `d_h` (or half, for chroma) rows of
/// `stride` bytes each.
unsafe fn copy_i420(img: &sys::vpx_image_t) -> DecodedFrame {
    let (w, h) = (img.d_w as usize, img.d_h as usize);
    let mut out = Vec::with_capacity(i420_len(img.d_w, img.d_h));
    for (plane, (pw, ph)) in [
        (w, h),
        (w.div_ceil(2), h.div_ceil(2)),
        (w.div_ceil(2), h.div_ceil(2)),
    ]
    .into_iter()
    .enumerate()
    {
        let stride = img.stride[plane] as usize;
        for row in 0..ph {
            // SAFETY: the caller promises `ph` rows of `stride` ≥ `pw` bytes in this plane.
            let line =
                unsafe { std::slice::from_raw_parts(img.planes[plane].add(row * stride), pw) };
            out.extend_from_slice(line);
        }
    }
    DecodedFrame {
        width: img.d_w,
        height: img.d_h,
        i420: out,
    }
}

impl Drop for Decoder {
    fn drop(&mut self) {
        // SAFETY: the context was initialised in `new` and is destroyed once, here.
        unsafe {
            sys::vpx_codec_destroy(&mut self.ctx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame with a bright square at `x`.
    fn frame(w: u32, h: u32, x: u32) -> Vec<u8> {
        let mut f = vec![128u8; i420_len(w, h)];
        for row in 0..h.min(64) {
            for col in x..(x + 64).min(w) {
                f[(row * w + col) as usize] = 235;
            }
        }
        f
    }

    #[test]
    fn frames_survive_a_round_trip_and_keyframes_come_on_demand() {
        let (w, h) = (640, 360);
        let mut enc = Encoder::new(w, h, 30, 800).unwrap();
        let mut dec = Decoder::new().unwrap();
        let mut decoded = 0;
        for i in 0..30u32 {
            let packets = enc.encode(&frame(w, h, i * 8), i == 20).unwrap();
            for p in packets {
                if i == 0 || i == 20 {
                    assert!(p.key, "frame {i} is a keyframe");
                }
                let out = dec.decode(&p.data).unwrap().expect("a picture");
                assert_eq!((out.width, out.height), (w, h));
                assert_eq!(out.i420.len(), i420_len(w, h));
                // The square is where it was drawn.
                let bright = out.i420[(32 * w + i * 8 + 32) as usize];
                assert!(bright > 200, "frame {i}: {bright}");
                decoded += 1;
            }
        }
        assert_eq!(decoded, 30);
        enc.set_bitrate(300).unwrap();
        assert_eq!(enc.encode(&frame(w, h, 0), false).unwrap().len(), 1);
    }

    #[test]
    fn bad_input_is_refused() {
        assert!(Encoder::new(641, 360, 30, 500).is_err());
        let mut enc = Encoder::new(64, 64, 30, 100).unwrap();
        assert!(enc.encode(&[0; 10], false).is_err());
        let mut dec = Decoder::new().unwrap();
        assert!(dec.decode(&[]).is_err());
        assert!(dec.decode(&[0xff; 50]).is_err());
    }
}

#[cfg(test)]
mod timing {
    use super::*;

    /// Prints encode and decode time per 640x360 frame (run with --release --ignored).
    #[test]
    #[ignore]
    fn encode_decode_time() {
        let (w, h) = (640u32, 360u32);
        let mut enc = Encoder::new(w, h, 30, 800).unwrap();
        let mut dec = Decoder::new().unwrap();
        let frames: Vec<Vec<u8>> = (0..60)
            .map(|i| {
                let mut f = vec![128u8; i420_len(w, h)];
                for (j, p) in f.iter_mut().enumerate().take((w * h) as usize) {
                    *p = ((j as u32 % w + i * 4) / 32 % 8 * 27 + 16) as u8;
                }
                f
            })
            .collect();
        let t = std::time::Instant::now();
        let mut packets = Vec::new();
        for f in &frames {
            packets.extend(enc.encode(f, false).unwrap());
        }
        let e = t.elapsed();
        let t = std::time::Instant::now();
        for p in &packets {
            dec.decode(&p.data).unwrap();
        }
        let d = t.elapsed();
        println!("encode {:?}/frame, decode {:?}/frame", e / 60, d / 60);
    }
}
