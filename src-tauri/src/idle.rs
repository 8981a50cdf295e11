//! System idle time, for auto-away: the time since the last keyboard or mouse input anywhere on
//! the desktop, not only in Confer's window.

use std::time::Duration;

/// The system's idle time, or `None` where it cannot be read (Wayland without XWayland, macOS
/// and Windows for now): auto-away then stays off.
#[cfg(target_os = "linux")]
pub fn system_idle() -> Option<Duration> {
    use x11rb::{connection::Connection, protocol::screensaver::ConnectionExt};

    // A short-lived connection per poll (every few seconds) keeps no X state around between
    // polls and survives an X server restart.
    let (conn, screen) = x11rb::connect(None).ok()?;
    let root = conn.setup().roots.get(screen)?.root;
    let info = conn.screensaver_query_info(root).ok()?.reply().ok()?;
    Some(Duration::from_millis(u64::from(info.ms_since_user_input)))
}

/// The system's idle time, or `None` where it cannot be read.
#[cfg(not(target_os = "linux"))]
pub fn system_idle() -> Option<Duration> {
    None
}

/// Whether the user counts as away after `idle` with auto-away set to `minutes` (0 = off).
pub fn is_away(idle: Option<Duration>, minutes: u32) -> bool {
    minutes > 0 && idle.is_some_and(|i| i >= Duration::from_secs(u64::from(minutes) * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn away_only_past_the_threshold_and_never_when_off() {
        let min = |m: u64| Some(Duration::from_secs(m * 60));
        assert!(!is_away(min(9), 10));
        assert!(is_away(min(10), 10));
        assert!(!is_away(min(600), 0));
        assert!(!is_away(None, 1));
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn reads_idle_time_when_a_display_is_there() {
        // Under Xvfb (the e2e environment) the idle time is readable; without a display it is
        // None rather than a crash.
        let idle = system_idle();
        assert_eq!(
            idle.is_some(),
            std::env::var_os("DISPLAY").is_some(),
            "{idle:?}"
        );
    }
}
