//! Tokens from files or standard input, one per line, as they are read.

use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal, Read};
use std::path::{Path, PathBuf};

use okta_ssf::MAX_TOKEN_BYTES;

use crate::Usage;

/// One non-blank line of input.
pub(crate) struct Line {
    /// `file:line`, or `stdin:line`.
    pub(crate) source: String,
    /// The line, trimmed; empty when it could not be read as a token.
    pub(crate) token: String,
    /// Why the line is not a token at all (not UTF-8, too long, a UTF-16 file), if it is not.
    pub(crate) problem: Option<String>,
}

/// Reads the named files (or standard input for none or `-`) in turn and hands each non-blank
/// line to `each` as soon as it is read, so that a producer writing over time is served line by
/// line. A file that cannot be opened or read is reported on standard error and skipped; the
/// result says whether every file was read.
pub(crate) fn each_line(files: &[PathBuf], mut each: impl FnMut(Line)) -> bool {
    let stdin = [PathBuf::from("-")];
    let files = if files.is_empty() { &stdin[..] } else { files };
    let mut all_read = true;
    for file in files {
        let (name, reader): (String, Box<dyn Read>) = if file.as_os_str() == "-" {
            if std::io::stdin().is_terminal() && !crate::quiet() {
                eprintln!(
                    "okta-ssf: reading tokens from standard input, one per line (Ctrl-D ends)"
                );
            }
            ("stdin".to_owned(), Box::new(std::io::stdin()))
        } else {
            match File::open(file) {
                Ok(f) => (file.display().to_string(), Box::new(f)),
                Err(e) => {
                    eprintln!("okta-ssf: cannot read {}: {e}", file.display());
                    all_read = false;
                    continue;
                }
            }
        };
        if let Err(e) = read_lines(&name, BufReader::new(reader), &mut each) {
            eprintln!("okta-ssf: cannot read {name}: {e}");
            all_read = false;
        }
    }
    all_read
}

/// The lines of one input. A leading UTF-8 byte-order mark is dropped; a UTF-16 one makes
/// every line a problem, as does a line that is not UTF-8 or is longer than a token may be.
fn read_lines(
    name: &str,
    mut reader: impl BufRead,
    each: &mut impl FnMut(Line),
) -> std::io::Result<()> {
    let mut utf16 = false;
    for n in 1.. {
        let Some((mut bytes, too_long)) = next_line(&mut reader)? else { return Ok(()) };
        if n == 1 {
            if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
                bytes = rest.to_vec();
            }
            utf16 = bytes.starts_with(b"\xff\xfe") || bytes.starts_with(b"\xfe\xff");
        }
        let source = format!("{name}:{n}");
        let (token, problem) = match std::str::from_utf8(&bytes) {
            _ if utf16 => (
                String::new(),
                Some("the file is UTF-16; save it as UTF-8 (tokens are ASCII)".to_owned()),
            ),
            _ if too_long => (
                String::new(),
                Some(format!("the line is over {MAX_TOKEN_BYTES} bytes, the most a token may be")),
            ),
            Ok(text) if text.trim().is_empty() => continue,
            Ok(text) => (text.trim().to_owned(), None),
            Err(_) => (String::new(), Some("the line is not UTF-8 text".to_owned())),
        };
        each(Line { source, token, problem });
    }
    Ok(())
}

/// The next line's bytes without its line ending, at most one byte over what a token may be
/// (and whether there was more, which is read past); `None` at the end of the input.
fn next_line(reader: &mut impl BufRead) -> std::io::Result<Option<(Vec<u8>, bool)>> {
    let limit = MAX_TOKEN_BYTES as u64 + 1;
    let mut bytes = Vec::new();
    if reader.by_ref().take(limit).read_until(b'\n', &mut bytes)? == 0 {
        return Ok(None);
    }
    let too_long = !bytes.ends_with(b"\n") && bytes.len() as u64 == limit;
    if too_long {
        // The rest of an overlong line, in bounded pieces.
        let mut rest = Vec::new();
        while reader.by_ref().take(limit).read_until(b'\n', &mut rest)? > 0
            && !rest.ends_with(b"\n")
        {
            rest.clear();
        }
    }
    while bytes.ends_with(b"\n") || bytes.ends_with(b"\r") {
        bytes.pop();
    }
    Ok(Some((bytes, too_long)))
}

/// The whole of `path`, or of standard input for `-`; `what` names it in the error, such as
/// `"key "`.
pub(crate) fn read_all(path: &Path, what: &str) -> Result<Vec<u8>, Usage> {
    let read = if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map(|_| bytes)
    } else {
        std::fs::read(path)
    };
    read.map_err(|e| Usage(format!("cannot read {what}{}: {e}", path.display())))
}

/// [`read_all`], as UTF-8 text.
pub(crate) fn read_text(path: &Path, what: &str) -> Result<String, Usage> {
    String::from_utf8(read_all(path, what)?)
        .map_err(|_| Usage(format!("cannot read {what}{}: it is not UTF-8 text", path.display())))
}
