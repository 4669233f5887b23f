//! Lists the server's SQL migrations for `storage::sql`: every file of `migrations/server/sqlite`
//! and `migrations/server/postgres`, in version order. A migration exists on both backends under
//! the same name or the build stops, so a file can neither be forgotten in a list nor added to one
//! backend only.

use std::fmt::Write as _;
use std::path::Path;

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    names.sort();
    names
}

fn main() {
    // Read at run time, not baked in when the script is compiled: worktrees sharing one
    // CARGO_TARGET_DIR share this script's build and its output, so each run must list its own
    // worktree's migrations, and a run from another worktree (another PWD) must run it again.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("../migrations/server");
    println!("cargo:rerun-if-env-changed=PWD");
    println!("cargo:rerun-if-changed={}", root.display());
    // A file added to a backend's folder changes that folder, not `root`.
    for backend in ["sqlite", "postgres"] {
        println!("cargo:rerun-if-changed={}", root.join(backend).display());
    }
    let sqlite = files(&root.join("sqlite"));
    let postgres = files(&root.join("postgres"));
    if sqlite != postgres {
        panic!(
            "server migrations differ between backends: sqlite {sqlite:?}, postgres {postgres:?}"
        );
    }
    let mut out = String::new();
    for (konst, backend) in [
        ("SQLITE_MIGRATIONS", "sqlite"),
        ("POSTGRES_MIGRATIONS", "postgres"),
    ] {
        writeln!(out, "pub const {konst}: &[Migration] = &[").unwrap();
        let mut last = 0;
        for name in &sqlite {
            let stem = name.trim_end_matches(".sql");
            let version: i64 = stem
                .get(..4)
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| {
                    panic!("migration {name} does not start with a 4-digit version")
                });
            assert!(version > last, "two migrations numbered {version}");
            last = version;
            let path = root.join(backend).join(name);
            println!("cargo:rerun-if-changed={}", path.display());
            writeln!(
                out,
                "    Migration {{ version: {version}, name: {stem:?}, sql: include_str!({:?}) }},",
                path.display().to_string()
            )
            .unwrap();
        }
        writeln!(out, "];").unwrap();
    }
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("migrations.rs");
    std::fs::write(dest, out).expect("writing the migrations list");
}
