//! Echo cancellation and noise suppression on known signals: the far end's sound coming back
//! through the microphone is removed, the near end's voice is kept, steady noise is lowered.

use confer_media::processing::{Cleaning, Processor};

const FRAME: usize = 960;

/// Deterministic broadband noise in -1..1 (a far end that talks, or a fan).
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 23) as f32 * 2.0 - 1.0
    }
}

fn rms(x: &[f32]) -> f32 {
    (x.iter().map(|s| s * s).sum::<f32>() / x.len() as f32).sqrt()
}

fn db(ratio: f32) -> f32 {
    20.0 * ratio.max(1e-9).log10()
}

#[test]
fn the_far_end_coming_back_through_the_microphone_is_cancelled() {
    let p = Processor::new(Cleaning {
        echo: true,
        noise: false,
    });
    let mut far = Noise(0x9e37_79b9_7f4a_7c15);
    // The room: the speaker's sound reaches the microphone 30 ms later at half strength.
    let delay = 48 * 30;
    let mut played: Vec<f32> = vec![0.0; delay];
    let (mut echo_in, mut echo_out) = (Vec::new(), Vec::new());
    for i in 0..400 {
        // Eight seconds: speech-like bursts (on for 1.2 s, off for 0.4 s).
        let talking = (i % 80) < 60;
        let frame: Vec<f32> = (0..FRAME)
            .map(|_| if talking { far.next() * 0.3 } else { 0.0 })
            .collect();
        p.render(&frame).unwrap();
        played.extend_from_slice(&frame);
        let start = played.len() - FRAME - delay;
        let mut mic: Vec<f32> = played[start..start + FRAME]
            .iter()
            .map(|s| s * 0.5)
            .collect();
        let before = mic.clone();
        p.capture(&mut mic).unwrap();
        // After four seconds the canceller has converged: measure.
        if i >= 200 && talking {
            echo_in.extend(before);
            echo_out.extend(mic);
        }
    }
    let erle = db(rms(&echo_in) / rms(&echo_out));
    println!("echo return loss enhancement: {erle:.1} dB");
    assert!(erle > 15.0, "the echo is lowered by {erle:.1} dB only");
}

#[test]
fn the_near_end_voice_is_kept_when_the_far_end_is_silent() {
    let p = Processor::new(Cleaning::default());
    let (mut input, mut output) = (Vec::new(), Vec::new());
    for i in 0..200 {
        p.render(&[0.0; FRAME]).unwrap();
        // A voice-like sweep (never steady, so not taken for noise).
        let mut mic: Vec<f32> = (0..FRAME)
            .map(|n| {
                let t = (i * FRAME + n) as f32 / 48_000.0;
                let f = 300.0 + 200.0 * (t * 3.0).sin();
                (std::f32::consts::TAU * f * t).sin() * 0.3 * (0.6 + 0.4 * (t * 5.0).sin())
            })
            .collect();
        let before = mic.clone();
        p.capture(&mut mic).unwrap();
        if i >= 100 {
            input.extend(before);
            output.extend(mic);
        }
    }
    let change = db(rms(&output) / rms(&input));
    println!("near end level change: {change:.1} dB");
    assert!(change > -6.0, "the near end lost {change:.1} dB");
}

#[test]
fn steady_noise_is_lowered() {
    let p = Processor::new(Cleaning {
        echo: false,
        noise: true,
    });
    let mut fan = Noise(42);
    let (mut input, mut output) = (Vec::new(), Vec::new());
    for i in 0..300 {
        p.render(&[0.0; FRAME]).unwrap();
        let mut mic: Vec<f32> = (0..FRAME).map(|_| fan.next() * 0.05).collect();
        let before = mic.clone();
        p.capture(&mut mic).unwrap();
        if i >= 150 {
            input.extend(before);
            output.extend(mic);
        }
    }
    let lowered = db(rms(&input) / rms(&output));
    println!("noise lowered by {lowered:.1} dB");
    assert!(
        lowered > 6.0,
        "the noise is lowered by {lowered:.1} dB only"
    );
}

#[test]
fn a_frame_of_the_wrong_length_is_refused() {
    let p = Processor::new(Cleaning::default());
    assert!(p.capture(&mut [0.0; 100]).is_err());
}
