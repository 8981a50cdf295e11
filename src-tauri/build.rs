fn main() {
    // The one Tauri config lives at the repository root; tauri-build reads it (and resolves its
    // paths) from the working directory.
    std::env::set_current_dir("..").expect("repository root");
    println!("cargo:rerun-if-changed=../tauri.conf.json");
    tauri_build::build();
}
