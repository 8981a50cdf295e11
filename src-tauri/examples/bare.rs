//! A bare Tauri window (a blank page, no tray, no client): the memory floor that
//! `confer-bench desktop` compares the app with. Prints `loaded` once the page has loaded.

fn main() {
    let mut context = tauri::generate_context!("../tauri.conf.json");
    // The config's window would load Confer's UI; this one opens a blank page instead.
    context.config_mut().app.windows.clear();
    context.config_mut().app.tray_icon = None;
    tauri::Builder::default()
        .setup(|app| {
            tauri::WebviewWindowBuilder::new(
                app,
                "bare",
                tauri::WebviewUrl::External("about:blank".parse()?),
            )
            .title("bare")
            .inner_size(1200.0, 780.0)
            .on_page_load(|_, payload| {
                if let tauri::webview::PageLoadEvent::Finished = payload.event() {
                    eprintln!("loaded");
                }
            })
            .build()?;
            Ok(())
        })
        .run(context)
        .expect("error while running the bare window");
}
