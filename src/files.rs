//! Output files, written so that nothing on disk is lost or half-written:
//! the one place every command that writes a file (case files, plots,
//! reports) comes to. A file is written to a temporary name beside its
//! destination and moved into place whole; an existing file is replaced
//! only when the caller says so; and a destination directory can be
//! checked before any work starts, so a long run does not end in "cannot
//! write".

use std::io::Write;
use std::path::{Path, PathBuf};

/// The directory `path` goes into (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> &Path {
    path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// A temporary file name in `path`'s directory, keeping its extension (so
/// that writers that pick a format by extension pick the right one).
pub fn temporary_next_to(path: &Path) -> PathBuf {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("output");
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("tmp");
    path.with_file_name(format!(".{name}.{}.tmp.{ext}", std::process::id()))
}

/// Moves the finished temporary file `tmp` to `path`: over an existing
/// file only with `replace` (a rename), else by a hard link that fails if
/// `path` exists. The temporary file is removed either way.
pub fn place(tmp: &Path, path: &Path, replace: bool) -> std::io::Result<()> {
    let moved = if replace { std::fs::rename(tmp, path) } else { std::fs::hard_link(tmp, path) };
    let _ = std::fs::remove_file(tmp);
    moved
}

/// Writes `contents` to `path` whole: to a temporary file beside it,
/// synced, then [`place`]d (replacing an existing file only with
/// `replace`).
pub fn write_whole(path: &Path, contents: &[u8], replace: bool) -> std::io::Result<()> {
    let tmp = temporary_next_to(path);
    let written = (|| {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()
    })();
    match written {
        Ok(()) => place(&tmp, path, replace),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Writes `contents` to `path` whole, never over an existing file.
pub fn write_new(path: &Path, contents: &str) -> std::io::Result<()> {
    write_whole(path, contents.as_bytes(), false)
}

/// Checks, before any work, that a file can be created in `dir`: it exists,
/// is a directory, and a probe file can be made and removed there.
pub fn check_writable_dir(dir: &Path) -> Result<(), String> {
    if !dir.is_dir() {
        return Err(format!("directory {} does not exist", dir.display()));
    }
    let probe = dir.join(format!(".privdiff-probe.{}", std::process::id()));
    match std::fs::OpenOptions::new().write(true).create_new(true).open(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(format!("cannot write into {}: {e}", dir.display())),
    }
}

/// Checks, before any work, that `path` can be written: not a directory,
/// not an existing file unless `replace`, in a directory that accepts a
/// new file.
pub fn check_output_file(path: &Path, replace: bool) -> Result<(), String> {
    if path.is_dir() {
        return Err(format!("{} is a directory", path.display()));
    }
    if path.exists() && !replace {
        return Err(format!("{} already exists", path.display()));
    }
    check_writable_dir(parent_dir(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("privdiff-files-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn write_new_refuses_to_overwrite_and_leaves_no_temporary() {
        let dir = scratch("new");
        let path = dir.join("a.json");
        write_new(&path, "first").unwrap();
        assert_eq!(write_new(&path, "second").unwrap_err().kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "first");
        write_whole(&path, b"third", true).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "third");
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, vec![std::ffi::OsString::from("a.json")], "no temporary file is left");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_directory_is_refused_before_work() {
        let dir = scratch("probe");
        assert_eq!(check_writable_dir(&dir), Ok(()));
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "the probe is removed");
        let err = check_writable_dir(&dir.join("nope")).unwrap_err();
        assert!(err.contains("does not exist"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
