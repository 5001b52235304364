//! Tokens from files or standard input, one per line.

use std::io::Read;
use std::path::PathBuf;

use crate::Usage;

/// One non-blank line of input.
pub(crate) struct Line {
    /// `file:line`, or `stdin:line`.
    pub(crate) source: String,
    pub(crate) token: String,
}

/// Reads every named file (or standard input for none or `-`) before anything is sent, so an
/// unreadable file stops the run as a configuration error.
pub(crate) fn read_tokens(files: &[PathBuf]) -> Result<Vec<Line>, Usage> {
    let stdin = [PathBuf::from("-")];
    let files = if files.is_empty() { &stdin[..] } else { files };
    let mut lines = Vec::new();
    for file in files {
        let (name, text) = if file.as_os_str() == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| Usage(format!("cannot read standard input: {e}")))?;
            ("stdin".to_owned(), text)
        } else {
            let text = std::fs::read_to_string(file)
                .map_err(|e| Usage(format!("cannot read {}: {e}", file.display())))?;
            (file.display().to_string(), text)
        };
        for (n, line) in text.lines().enumerate() {
            let token = line.trim();
            if !token.is_empty() {
                lines.push(Line { source: format!("{name}:{}", n + 1), token: token.to_owned() });
            }
        }
    }
    Ok(lines)
}
