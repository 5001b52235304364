//! The operating system's trusted root certificates (feature `system-roots`).
//!
//! By default a [`Client`](crate::Client) trusts Mozilla's roots, bundled with the crate: the
//! same on every machine, and present in a minimal container (distroless, scratch) that has no
//! certificate store at all. Behind a TLS-inspecting proxy, or with a test set-up's own
//! certificate authority, the root to trust is the one an admin put into the machine's store;
//! [`system_roots_pem`] reads that store, for
//! [`ClientBuilder::add_root_certificates_pem`](crate::ClientBuilder::add_root_certificates_pem):
//!
//! | deployment | trust |
//! |---|---|
//! | the public internet, containers, reproducible builds | the bundled roots (the default) |
//! | a corporate network that inspects TLS, admins who manage `/etc/ssl/certs` | the system's roots beside the bundled ones |
//! | only what the machine trusts | the system's roots and [`bundled_roots(false)`](crate::ClientBuilder::bundled_roots) |
//! | one known root | [`add_root_certificates_pem`](crate::ClientBuilder::add_root_certificates_pem), with or without the others |
//!
//! The store is read by `rustls-native-certs`, as OpenSSL reads it: from `SSL_CERT_FILE` and
//! `SSL_CERT_DIR` when either is set, else from the system's usual bundle and directory. It is
//! read once per process, however many clients are built. A store that is empty or cannot be
//! read is an error ([`SystemRootsError::Empty`]), never a silent loss of trust: the caller
//! decides whether the bundled roots alone will do (the `okta-ssf` command goes on with them).
//! A store that `SSL_CERT_FILE` or `SSL_CERT_DIR` names and that is empty, or a file or directory
//! they name that cannot be read, is also logged as a warning.
//!
//! ```no_run
//! use okta_ssf::ClientBuilder;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let system = okta_ssf::roots::system_roots_pem()?;
//! let client = ClientBuilder::new("acme.okta.com").add_root_certificates_pem(system).build()?;
//! # drop(client);
//! # Ok(())
//! # }
//! ```

use std::sync::OnceLock;

use base64::Engine as _;

/// Why the system's certificate store could not be trusted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SystemRootsError {
    /// No certificate could be read from the store: a minimal container without one, or
    /// `SSL_CERT_FILE` or `SSL_CERT_DIR` naming nothing readable.
    #[error("the system's certificate store holds no readable certificate{}", Problems(.problems))]
    Empty {
        /// What went wrong reading it, one entry per file or directory.
        problems: Vec<String>,
    },
}

/// ` (problem; problem)` when there were any.
struct Problems<'a>(&'a [String]);

impl std::fmt::Display for Problems<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            [] => Ok(()),
            problems => write!(f, " ({})", problems.join("; ")),
        }
    }
}

/// The roots of the operating system's certificate store, as PEM, read once per process.
///
/// # Errors
///
/// [`SystemRootsError::Empty`] when the store holds no certificate that could be read.
pub fn system_roots_pem() -> Result<&'static [u8], SystemRootsError> {
    static STORE: OnceLock<Result<Vec<u8>, SystemRootsError>> = OnceLock::new();
    STORE.get_or_init(read_store).as_deref().map_err(Clone::clone)
}

fn read_store() -> Result<Vec<u8>, SystemRootsError> {
    let store = rustls_native_certs::load_native_certs();
    let problems: Vec<String> =
        store.errors.iter().map(|e| crate::bounded_text(&e.to_string())).collect();
    // A store named on purpose (`SSL_CERT_FILE`, `SSL_CERT_DIR`) that cannot be read is worth a
    // warning, even when other certificates were found.
    let named = ["SSL_CERT_FILE", "SSL_CERT_DIR"].iter().any(|v| std::env::var_os(v).is_some());
    for problem in &problems {
        match named {
            true => log::warn!("reading the system's certificate store: {problem}"),
            false => log::debug!("reading the system's certificate store: {problem}"),
        }
    }
    if store.certs.is_empty() {
        let empty = SystemRootsError::Empty { problems };
        if named {
            log::warn!("{empty} (named by SSL_CERT_FILE or SSL_CERT_DIR)");
        }
        return Err(empty);
    }
    log::debug!("{} certificates in the system's store", store.certs.len());
    // The store arrives as DER; the builder takes PEM, as a person's bundle would be.
    let mut pem = Vec::new();
    for der in &store.certs {
        let body = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
        pem.extend_from_slice(b"-----BEGIN CERTIFICATE-----\n");
        pem.extend_from_slice(body.as_bytes());
        pem.extend_from_slice(b"\n-----END CERTIFICATE-----\n");
    }
    Ok(pem)
}
