//! Writing files by their folder's descriptor (`mkdirat`, `openat`): a page and its `.gz` are
//! created from the staging folder's descriptor instead of walking the whole staging path from
//! `/` for the folder and for each file (path lookups were 4% of a build's CPU in perf).

use std::ffi::OsStr;
use std::io::Write as _;
use std::path::Path;

use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;

/// An open folder files are written under.
pub struct Folder(OwnedFd);

/// Permissions asked for, as `std::fs` asks (the umask applies).
const FILE_MODE: u32 = 0o666;
const DIR_MODE: u32 = 0o777;

impl Folder {
    pub fn open(dir: &Path) -> std::io::Result<Folder> {
        let flags = OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC;
        Ok(Folder(rustix::fs::open(dir, flags, Mode::empty())?))
    }

    /// Writes each (name, bytes) of `files` in the folder `rel` under this one (a relative path
    /// without `..`, empty for this folder itself), creating it and its parents as needed.
    pub fn write(&self, rel: &Path, files: &[(&OsStr, &[u8])]) -> std::io::Result<()> {
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | OFlags::CLOEXEC;
        if let [(name, bytes)] = files {
            // One file (a page without .gz): opened by its path, without opening its folder.
            if !rel.as_os_str().is_empty() {
                self.create_dirs(rel)?;
            }
            let fd = rustix::fs::openat(
                &self.0,
                rel.join(name),
                flags,
                Mode::from_raw_mode(FILE_MODE),
            )?;
            return std::fs::File::from(fd).write_all(bytes);
        }
        let sub = if rel.as_os_str().is_empty() {
            None
        } else {
            self.create_dirs(rel)?;
            let flags = OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC;
            Some(rustix::fs::openat(&self.0, rel, flags, Mode::empty())?)
        };
        let dir = sub.as_ref().map_or(self.0.as_fd(), |d| d.as_fd());
        for (name, bytes) in files {
            let fd = rustix::fs::openat(dir, *name, flags, Mode::from_raw_mode(FILE_MODE))?;
            std::fs::File::from(fd).write_all(bytes)?;
        }
        Ok(())
    }

    /// `mkdir -p rel` under this folder; a folder made meanwhile by another thread is fine.
    fn create_dirs(&self, rel: &Path) -> std::io::Result<()> {
        let mkdir = || match rustix::fs::mkdirat(&self.0, rel, Mode::from_raw_mode(DIR_MODE)) {
            Ok(()) | Err(Errno::EXIST) => Ok(()),
            Err(e) => Err(e),
        };
        match mkdir() {
            Err(Errno::NOENT) => {
                if let Some(parent) = rel.parent().filter(|p| !p.as_os_str().is_empty()) {
                    self.create_dirs(parent)?;
                }
                Ok(mkdir()?)
            }
            other => Ok(other?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_files_in_new_and_existing_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let f = Folder::open(tmp.path()).unwrap();
        let a: (&OsStr, &[u8]) = (OsStr::new("index.html"), b"<p>a</p>");
        let gz: (&OsStr, &[u8]) = (OsStr::new("index.html.gz"), b"gz");
        f.write(Path::new("novita/notizie/x"), &[a, gz]).unwrap();
        f.write(Path::new("novita"), &[a]).unwrap();
        f.write(Path::new(""), &[(OsStr::new("top.txt"), b"t")])
            .unwrap();
        let read = |p: &str| std::fs::read(tmp.path().join(p)).unwrap();
        assert_eq!(read("novita/notizie/x/index.html"), b"<p>a</p>");
        assert_eq!(read("novita/notizie/x/index.html.gz"), b"gz");
        assert_eq!(read("novita/index.html"), b"<p>a</p>");
        assert_eq!(read("top.txt"), b"t");
        // A shorter file replaces a longer one whole.
        f.write(Path::new("novita"), &[(OsStr::new("index.html"), b"b")])
            .unwrap();
        assert_eq!(read("novita/index.html"), b"b");
        // A file where a folder should be is an error, not a panic.
        assert!(f.write(Path::new("top.txt/x"), &[a]).is_err());
    }
}
