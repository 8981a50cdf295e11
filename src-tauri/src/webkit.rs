//! WebKitGTK settings that halve the memory the web process adds over a bare window.
//!
//! Measured with `confer-bench desktop` (see the README): accelerated compositing costs the
//! web process tens of megabytes of layer memory, and buys nothing for a three-column chat UI;
//! the document-viewer cache model keeps WebKit from caching pages and resources for back and
//! forward navigation that this single-page app never does. `CONFER_WEBKIT_ACCELERATED=1` keeps
//! WebKit's defaults.

/// Applies the settings to the window's webview (Linux; elsewhere the platform webview's
/// defaults stay).
pub fn tune(window: &tauri::WebviewWindow) {
    #[cfg(target_os = "linux")]
    {
        if std::env::var_os("CONFER_WEBKIT_ACCELERATED").is_some_and(|v| v == "1") {
            return;
        }
        let result = window.with_webview(|webview| {
            use webkit2gtk::{
                CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
            };
            let view = webview.inner();
            if let Some(settings) = WebViewExt::settings(&view) {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
            if let Some(context) = view.context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
        });
        if let Err(e) = result {
            tracing::warn!(error = %e, "cannot tune the webview");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}
