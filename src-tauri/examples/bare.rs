//! A bare Tauri window (a blank page, no tray, no client): the memory floor that
//! `confer-bench desktop` compares the app with.

fn main() {
    let mut context = tauri::generate_context!("../tauri.conf.json");
    // The config's window would load Confer's UI; this one opens an empty page instead (about:blank
    // would not even start a web process).
    context.config_mut().app.windows.clear();
    context.config_mut().app.tray_icon = None;
    tauri::Builder::default()
        .setup(|app| {
            tauri::WebviewWindowBuilder::new(
                app,
                "bare",
                tauri::WebviewUrl::App("blank.html".into()),
            )
            .title("bare")
            .inner_size(1200.0, 780.0)
            .build()?;
            Ok(())
        })
        .run(context)
        .expect("error while running the bare window");
}
