//! Building and signing SETs that Okta accepts, and the JWKS that verifies them (feature `sign`).
//!
//! - [`Event`] has a typed constructor for each of Okta's six event types, with its required
//!   members as typed values ([`Subject`], [`RiskLevel`], [`ComplianceStatus`],
//!   [`InitiatingEntity`]), and [`Event::custom`] for any other type.
//! - [`SetBuilder`] puts one event into the claims Okta requires (`iss`, `aud`, `iat`, `jti`,
//!   `events`), with `iat` defaulting to now and `jti` to 128 random bits.
//! - [`SigningKey`] reads an RSA (RS256) or P-256 (ES256) private key from PEM, signs with the
//!   header `{"alg", "kid", "typ": "secevent+jwt"}`, and exports its public [`jwk`](SigningKey::jwk);
//!   [`jwks`] makes the document to host at the provider's `jwks_url`.
//!
//! # Example: revoke a user's sessions
//!
//! ```no_run
//! use okta_ssf::sign::{Event, InitiatingEntity, SetBuilder, SigningKey, Subject};
//! use okta_ssf::Client;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key = SigningKey::from_pem(&std::fs::read("transmitter-key.pem")?, "transmitter-2026")?;
//! let event = Event::session_revoked(Subject::user_email("jane@acme.com"))
//!     .initiating_entity(InitiatingEntity::Policy)
//!     .reason_admin("Malware detected on the device");
//! let token = SetBuilder::new("https://transmitter.example.com", "https://acme.okta.com")
//!     .event(event)
//!     .sign(&key)?;
//! let status = Client::new("acme.okta.com")?.publish(&token)?;
//! println!("{status:?}");
//! # Ok(())
//! # }
//! ```
//!
//! # Hosting the JWKS and registering the provider
//!
//! Okta verifies every SET with the JWKS of the Security Events Provider it came from:
//!
//! 1. Publish [`jwks`]`(&[&key])` (serialized with `serde_json::to_string_pretty`) at an HTTPS URL
//!    Okta can reach, such as `https://transmitter.example.com/.well-known/jwks.json`.
//! 2. Register the provider in the org (Identity Threat Protection needed): in the Admin
//!    Console, by creating a shared-signals stream with the issuer and the JWKS URL (Okta's help
//!    page "Configure a shared signal receiver"); or with the SSF Receiver API,
//!    `POST /api/v1/security-events-providers` with
//!    `{"name": "…", "type": "okta", "settings": {"issuer": "<iss>", "jwks_url": "<url>"}}`.
//! 3. Sign with the same `kid` as in the JWKS and the same `iss`, byte for byte.
//!
//! Rotating a key: publish a JWKS that holds both keys, switch signing to the new `kid`, then
//! drop the old key from the JWKS.

use std::fmt;
use std::net::IpAddr;

use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{PrivateKeyDer, SubjectPublicKeyInfoDer};
use serde_json::{Map, Value, json};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::lint::EventType;
use crate::{TokenError, check_token};

/// Why a key could not be read or a SET could not be built or signed. No message carries key
/// material or claim values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The PEM holds no private key block, or the block is not valid PEM. Expected
    /// `BEGIN PRIVATE KEY`, `BEGIN RSA PRIVATE KEY` or `BEGIN EC PRIVATE KEY`.
    #[error(
        "no private key found in the PEM; expected a `BEGIN PRIVATE KEY`, `BEGIN RSA PRIVATE KEY` or `BEGIN EC PRIVATE KEY` block"
    )]
    NoPrivateKey,
    /// The private key is encrypted (`BEGIN ENCRYPTED PRIVATE KEY`): decrypt it first.
    #[error(
        "the private key is encrypted; decrypt it first, such as with `openssl pkey -in key.pem -out plain.pem`, and keep the result private"
    )]
    EncryptedKey,
    /// The PEM holds a certificate or a public key where a private key is needed.
    #[error(
        "the PEM holds a {0}, not a private key; signing needs the private key (`okta-ssf jwks` makes the public JWKS from it)"
    )]
    NotAPrivateKey(&'static str),
    /// [`public_jwk`] found no `BEGIN PUBLIC KEY` block.
    #[error(
        "no public key found in the PEM; expected a `BEGIN PUBLIC KEY` block, as `openssl pkey -pubout` writes one"
    )]
    NoPublicKey,
    /// A key of a kind no JWS algorithm Okta accepts uses: an EC key on a curve other than P-256,
    /// or an Ed25519 key.
    #[error("the key is {0}; use a P-256 key (ES256) or an RSA key of 2048 bits or more (RS256)")]
    UnsupportedCurve(&'static str),
    /// The key is neither an RSA key nor a P-256 key, or its encoding is damaged.
    #[error(
        "unsupported or unreadable private key ({0}); use an RSA key (RS256) or a P-256 key (ES256)"
    )]
    UnsupportedKey(String),
    /// An RSA key shorter than 2048 bits.
    #[error("the RSA key has {bits} bits; Okta and this crate need at least 2048")]
    RsaKeyTooShort {
        /// The key's modulus length in bits.
        bits: usize,
    },
    /// The `kid` is empty: Okta needs it to pick the key from the provider's JWKS.
    #[error("the key id (`kid`) is empty; use the `kid` of this key in the provider's JWKS")]
    EmptyKeyId,
    /// [`SetBuilder::sign`] or [`SetBuilder::build`] was called without an event.
    #[error("the SET has no event; add exactly one with `SetBuilder::event`")]
    NoEvent,
    /// The issuer or audience is empty.
    #[error("the `{0}` claim is empty")]
    EmptyClaim(&'static str),
    /// The system's random number generator failed (for the `jti` or the signature).
    #[error("the system random number generator failed")]
    Random,
    /// The signature could not be computed.
    #[error("signing failed")]
    Signing,
    /// The signed token failed the crate's own pre-send check (a custom event that is not a
    /// JSON object, for example).
    #[error("the signed token fails the pre-send check: {0}")]
    Check(TokenError),
}

/// A JWS algorithm this crate signs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256: what Okta documents.
    Rs256,
    /// ECDSA with P-256 and SHA-256.
    Es256,
}

impl Algorithm {
    /// The JOSE name: `RS256` or `ES256`.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Rs256 => "RS256",
            Algorithm::Es256 => "ES256",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

enum KeyMaterial {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

/// A private key that signs SETs, with its key id.
///
/// `Debug` shows the algorithm and `kid` only.
pub struct SigningKey {
    material: KeyMaterial,
    kid: String,
    rng: SystemRandom,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.algorithm())
            .field("kid", &self.kid)
            .field("key", &"[redacted]")
            .finish()
    }
}

// DER for the PKCS#8 wrapper of a SEC1 P-256 key: AlgorithmIdentifier { id-ecPublicKey,
// prime256v1 }.
const P256_ALGORITHM_ID: &[u8] = &[
    0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
    0xce, 0x3d, 0x03, 0x01, 0x07,
];

impl SigningKey {
    /// Reads the first private key in `pem`: RSA as PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1
    /// (`BEGIN RSA PRIVATE KEY`), P-256 as PKCS#8 or SEC1 (`BEGIN EC PRIVATE KEY`). RSA keys
    /// sign with RS256, P-256 keys with ES256. `kid` is the key's id in the provider's JWKS.
    ///
    /// # Errors
    ///
    /// [`SignError::EmptyKeyId`], [`SignError::NoPrivateKey`], [`SignError::EncryptedKey`],
    /// [`SignError::NotAPrivateKey`], [`SignError::UnsupportedCurve`],
    /// [`SignError::UnsupportedKey`] or [`SignError::RsaKeyTooShort`].
    pub fn from_pem(pem: &[u8], kid: &str) -> Result<SigningKey, SignError> {
        if kid.trim().is_empty() {
            return Err(SignError::EmptyKeyId);
        }
        if has_block(pem, "ENCRYPTED PRIVATE KEY") {
            return Err(SignError::EncryptedKey);
        }
        let der = PrivateKeyDer::from_pem_slice(pem).map_err(|_| {
            if has_block(pem, "CERTIFICATE") {
                SignError::NotAPrivateKey("certificate")
            } else if has_block(pem, "PUBLIC KEY") || has_block(pem, "RSA PUBLIC KEY") {
                SignError::NotAPrivateKey("public key")
            } else {
                SignError::NoPrivateKey
            }
        })?;
        let rng = SystemRandom::new();
        let material = match &der {
            PrivateKeyDer::Pkcs1(der) => {
                let der = der.secret_pkcs1_der();
                KeyMaterial::Rsa(RsaKeyPair::from_der(der).map_err(|e| rsa_rejected(e, der))?)
            }
            PrivateKeyDer::Pkcs8(der) => {
                let der = der.secret_pkcs8_der();
                match RsaKeyPair::from_pkcs8(der) {
                    Ok(key) => KeyMaterial::Rsa(key),
                    Err(rsa_err) => {
                        match EcdsaKeyPair::from_pkcs8(
                            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                            der,
                            &rng,
                        ) {
                            Ok(key) => KeyMaterial::Ec(key),
                            // An RSA key that ring refused says more than the EC attempt.
                            Err(_) if is_rsa_pkcs8(der) => return Err(rsa_rejected(rsa_err, der)),
                            Err(e) => return Err(unsupported(der, e)),
                        }
                    }
                }
            }
            PrivateKeyDer::Sec1(der) => {
                let pkcs8 = sec1_to_pkcs8(der.secret_sec1_der())
                    .ok_or(SignError::UnsupportedKey("malformed SEC1".to_owned()))?;
                let key = EcdsaKeyPair::from_pkcs8(
                    &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                    &pkcs8,
                    &rng,
                )
                .map_err(|e| unsupported(der.secret_sec1_der(), e))?;
                KeyMaterial::Ec(key)
            }
            _ => return Err(SignError::UnsupportedKey("unknown key format".to_owned())),
        };
        if let KeyMaterial::Rsa(key) = &material {
            let bits = key.public().modulus_len() * 8;
            if bits < 2048 {
                return Err(SignError::RsaKeyTooShort { bits });
            }
        }
        Ok(SigningKey { material, kid: kid.trim().to_owned(), rng })
    }

    /// A new P-256 key (ES256) from the system's CSPRNG, held only in memory: for tests and
    /// demos, such as a local receiver that trusts this key's [`jwk`](SigningKey::jwk).
    ///
    /// # Errors
    ///
    /// [`SignError::EmptyKeyId`], or [`SignError::Random`] if the system's random number
    /// generator fails.
    pub fn generate_p256(kid: &str) -> Result<SigningKey, SignError> {
        if kid.trim().is_empty() {
            return Err(SignError::EmptyKeyId);
        }
        let rng = SystemRandom::new();
        let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).map_err(|_| SignError::Random)?;
        let key = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng)
            .map_err(|e| SignError::UnsupportedKey(e.to_string()))?;
        Ok(SigningKey { material: KeyMaterial::Ec(key), kid: kid.trim().to_owned(), rng })
    }

    /// The key id, as given.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        match self.material {
            KeyMaterial::Rsa(_) => Algorithm::Rs256,
            KeyMaterial::Ec(_) => Algorithm::Es256,
        }
    }

    /// The JWS header this key signs under: `{"alg", "kid", "typ": "secevent+jwt"}`.
    pub fn header(&self) -> Value {
        json!({"alg": self.algorithm().as_str(), "kid": self.kid, "typ": "secevent+jwt"})
    }

    /// The raw JWS signature of `signing_input` (`BASE64URL(header) || '.' || BASE64URL(claims)`):
    /// RSASSA-PKCS1-v1_5 for RS256, the 64-byte `r || s` for ES256.
    ///
    /// # Errors
    ///
    /// [`SignError::Signing`] or [`SignError::Random`] if ring fails.
    pub fn signature(&self, signing_input: &[u8]) -> Result<Vec<u8>, SignError> {
        match &self.material {
            KeyMaterial::Rsa(key) => {
                let mut sig = vec![0; key.public().modulus_len()];
                key.sign(&signature::RSA_PKCS1_SHA256, &self.rng, signing_input, &mut sig)
                    .map_err(|_| SignError::Signing)?;
                Ok(sig)
            }
            KeyMaterial::Ec(key) => Ok(key
                .sign(&self.rng, signing_input)
                .map_err(|_| SignError::Random)?
                .as_ref()
                .to_vec()),
        }
    }

    /// Signs `claims` as a compact JWS under this key's [`header`](SigningKey::header).
    ///
    /// The claims are signed as given; [`SetBuilder`] makes claims Okta accepts.
    ///
    /// # Errors
    ///
    /// As [`signature`](SigningKey::signature).
    pub fn sign_claims(&self, claims: &Map<String, Value>) -> Result<String, SignError> {
        self.sign_jws(&self.header(), claims)
    }

    /// Signs `claims` as a compact JWS under `header`, for the JWTs other than SETs that the
    /// provider API's OAuth needs (a client assertion, a DPoP proof).
    pub(crate) fn sign_jws(
        &self,
        header: &Value,
        claims: &Map<String, Value>,
    ) -> Result<String, SignError> {
        let header = URL_SAFE_NO_PAD.encode(header.to_string().as_bytes());
        let claims = URL_SAFE_NO_PAD.encode(Value::Object(claims.clone()).to_string().as_bytes());
        let signing_input = format!("{header}.{claims}");
        let signature = self.signature(signing_input.as_bytes())?;
        Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(&signature)))
    }

    /// The public key as a JWK: RSA `n`/`e` or EC `crv`/`x`/`y`, with `kid`, `alg` and
    /// `use: sig`.
    pub fn jwk(&self) -> Value {
        match &self.material {
            KeyMaterial::Rsa(key) => {
                let public = signature::RsaPublicKeyComponents::<Vec<u8>>::from(key.public());
                json!({
                    "kty": "RSA",
                    "kid": self.kid,
                    "use": "sig",
                    "alg": "RS256",
                    "n": URL_SAFE_NO_PAD.encode(&public.n),
                    "e": URL_SAFE_NO_PAD.encode(&public.e),
                })
            }
            KeyMaterial::Ec(key) => {
                // An uncompressed point: 0x04, then x and y, 32 bytes each.
                let point = key.public_key().as_ref();
                let (x, y) =
                    point.get(1..).unwrap_or_default().split_at(point.len().saturating_sub(1) / 2);
                json!({
                    "kty": "EC",
                    "kid": self.kid,
                    "use": "sig",
                    "alg": "ES256",
                    "crv": "P-256",
                    "x": URL_SAFE_NO_PAD.encode(x),
                    "y": URL_SAFE_NO_PAD.encode(y),
                })
            }
        }
    }
}

/// The JWKS document for `keys`: `{"keys": [<jwk>, …]}`, to host at the provider's `jwks_url`.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use okta_ssf::sign::{jwks, SigningKey};
///
/// let current = SigningKey::from_pem(&std::fs::read("key-2026.pem")?, "key-2026")?;
/// let next = SigningKey::from_pem(&std::fs::read("key-2027.pem")?, "key-2027")?;
/// std::fs::write("jwks.json", serde_json::to_string_pretty(&jwks(&[&current, &next]))?)?;
/// # Ok(())
/// # }
/// ```
pub fn jwks(keys: &[&SigningKey]) -> Value {
    json!({"keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>()})
}

/// The JWK of a public key in PEM (`BEGIN PUBLIC KEY`, as `openssl pkey -pubout` writes it, or
/// an RSA key's `BEGIN RSA PUBLIC KEY`): RSA (RS256, 2048 bits or more) or P-256 (ES256), shaped
/// as [`SigningKey::jwk`] shapes it. For publishing the key of a private key kept elsewhere,
/// such as in a vault.
///
/// # Errors
///
/// [`SignError::EmptyKeyId`], [`SignError::NoPublicKey`], [`SignError::RsaKeyTooShort`],
/// [`SignError::UnsupportedCurve`] or [`SignError::UnsupportedKey`].
pub fn public_jwk(pem: &[u8], kid: &str) -> Result<Value, SignError> {
    const SEQUENCE: u8 = 0x30;
    const BIT_STRING: u8 = 0x03;
    const P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    let kid = kid.trim();
    if kid.is_empty() {
        return Err(SignError::EmptyKeyId);
    }
    let unreadable = || SignError::UnsupportedKey("unreadable public key".to_owned());
    if let Some(body) = pem_body(pem, "RSA PUBLIC KEY") {
        return rsa_public_jwk(&body.ok_or_else(unreadable)?, kid);
    }
    let spki = SubjectPublicKeyInfoDer::from_pem_slice(pem).map_err(|_| SignError::NoPublicKey)?;
    // SubjectPublicKeyInfo: SEQUENCE { AlgorithmIdentifier, BIT STRING }.
    let Some((SEQUENCE, spki, _)) = der_element(spki.as_ref()) else { return Err(unreadable()) };
    let Some((SEQUENCE, algorithm, rest)) = der_element(spki) else { return Err(unreadable()) };
    let Some((BIT_STRING, [0, key @ ..], _)) = der_element(rest) else { return Err(unreadable()) };
    let holds = |oid: &[u8]| algorithm.windows(oid.len()).any(|w| w == oid);
    if is_rsa_pkcs8(algorithm) {
        return rsa_public_jwk(key, kid);
    }
    match key {
        [4, point @ ..] if holds(P256) && point.len() == 64 => {
            let (x, y) = point.split_at(32);
            Ok(json!({"kty": "EC", "kid": kid, "use": "sig", "alg": "ES256", "crv": "P-256",
                "x": URL_SAFE_NO_PAD.encode(x), "y": URL_SAFE_NO_PAD.encode(y)}))
        }
        _ => Err(unusable_curve(algorithm).map_or_else(
            || SignError::UnsupportedKey("a public key of a kind Okta does not take".to_owned()),
            SignError::UnsupportedCurve,
        )),
    }
}

/// The JWK of a PKCS#1 `RSAPublicKey`: `SEQUENCE { INTEGER n, INTEGER e }`.
fn rsa_public_jwk(der: &[u8], kid: &str) -> Result<Value, SignError> {
    const SEQUENCE: u8 = 0x30;
    const INTEGER: u8 = 0x02;
    let unreadable = || SignError::UnsupportedKey("unreadable RSA public key".to_owned());
    let Some((SEQUENCE, numbers, _)) = der_element(der) else { return Err(unreadable()) };
    let Some((INTEGER, n, rest)) = der_element(numbers) else { return Err(unreadable()) };
    let Some((INTEGER, e, _)) = der_element(rest) else { return Err(unreadable()) };
    let n = &n[n.iter().position(|&b| b != 0).unwrap_or(n.len())..];
    let bits = n.first().map_or(0, |top| n.len() * 8 - top.leading_zeros() as usize);
    if bits < 2048 {
        return Err(SignError::RsaKeyTooShort { bits });
    }
    Ok(json!({"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
        "n": URL_SAFE_NO_PAD.encode(n), "e": URL_SAFE_NO_PAD.encode(e)}))
}

/// The DER inside `pem`'s `BEGIN <label>` block, for a label rustls-pki-types does not read:
/// `None` without one, `Some(None)` when its base64 does not decode.
fn pem_body(pem: &[u8], label: &str) -> Option<Option<Vec<u8>>> {
    let text = std::str::from_utf8(pem).ok()?;
    let body = text.split_once(&format!("-----BEGIN {label}-----"))?.1;
    let body = body.split_once(&format!("-----END {label}-----"))?.0;
    let base64: String = body.split_ascii_whitespace().collect();
    Some(base64::engine::general_purpose::STANDARD.decode(base64).ok())
}

/// The error for an RSA key ring refused; `der` is the PKCS#8 or PKCS#1 document. ring's
/// `KeyRejected` has no kinds to match on, so a short key is found by reading its modulus length
/// here rather than by ring's words; any other refusal keeps ring's words for the message.
fn rsa_rejected(e: ring::error::KeyRejected, der: &[u8]) -> SignError {
    match rsa_modulus_bits(der) {
        Some(bits) if bits < 2048 => SignError::RsaKeyTooShort { bits },
        _ => SignError::UnsupportedKey(e.to_string()),
    }
}

/// One DER element at the start of `input`: (tag, contents, rest).
fn der_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 3 || rest.len() < n {
            return None;
        }
        (rest[..n].iter().fold(0usize, |acc, &b| acc << 8 | usize::from(b)), &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The modulus length in bits of a PKCS#1 `RSAPrivateKey`, or of one inside PKCS#8.
fn rsa_modulus_bits(der: &[u8]) -> Option<usize> {
    const SEQUENCE: u8 = 0x30;
    const INTEGER: u8 = 0x02;
    const OCTET_STRING: u8 = 0x04;
    let (SEQUENCE, outer, _) = der_element(der)? else {
        return None;
    };
    let (INTEGER, _version, rest) = der_element(outer)? else {
        return None;
    };
    let pkcs1 = match der_element(rest)? {
        (INTEGER, _, _) => outer,
        (SEQUENCE, _algorithm, rest) => {
            let (OCTET_STRING, inner, _) = der_element(rest)? else {
                return None;
            };
            let (SEQUENCE, inner, _) = der_element(inner)? else {
                return None;
            };
            inner
        }
        _ => return None,
    };
    let (INTEGER, _version, rest) = der_element(pkcs1)? else {
        return None;
    };
    let (INTEGER, modulus, _) = der_element(rest)? else {
        return None;
    };
    let modulus = &modulus[modulus.iter().position(|&b| b != 0)?..];
    Some(modulus.len() * 8 - modulus[0].leading_zeros() as usize)
}

/// Whether `pem` holds a `BEGIN <label>` block.
fn has_block(pem: &[u8], label: &str) -> bool {
    let begin = format!("-----BEGIN {label}-----");
    pem.windows(begin.len()).any(|window| window == begin.as_bytes())
}

/// The error for a key ring would not take as RSA or P-256: a curve Okta's algorithms do not
/// use, found by its OID in the key (ring's refusal has no kinds), or else ring's words.
fn unsupported(der: &[u8], e: ring::error::KeyRejected) -> SignError {
    unusable_curve(der)
        .map_or_else(|| SignError::UnsupportedKey(e.to_string()), SignError::UnsupportedCurve)
}

/// The kind of key `der` holds, by the OID near its start, when it is one that no algorithm Okta
/// accepts uses.
fn unusable_curve(der: &[u8]) -> Option<&'static str> {
    const ED25519: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];
    const EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    const SECP384R1: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
    const SECP521R1: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23];
    let holds = |oid: &[u8]| der.windows(oid.len()).take(64).any(|w| w == oid);
    [
        (ED25519, "an Ed25519 key"),
        (SECP384R1, "an EC key on P-384"),
        (SECP521R1, "an EC key on P-521"),
        (EC_PUBLIC_KEY, "an EC key on a curve other than P-256"),
    ]
    .into_iter()
    .find_map(|(oid, name)| holds(oid).then_some(name))
}

/// Whether a PKCS#8 document names rsaEncryption (OID 1.2.840.113549.1.1.1).
fn is_rsa_pkcs8(der: &[u8]) -> bool {
    const RSA_OID: &[u8] = &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    der.windows(RSA_OID.len()).take(32).any(|w| w == RSA_OID)
}

/// Wraps a SEC1 `ECPrivateKey` in a PKCS#8 `PrivateKeyInfo` for P-256, which ring reads.
fn sec1_to_pkcs8(sec1: &[u8]) -> Option<Vec<u8>> {
    fn der_len(len: usize, out: &mut Vec<u8>) {
        if len < 0x80 {
            out.push(len as u8);
        } else if len <= 0xff {
            out.extend_from_slice(&[0x81, len as u8]);
        } else {
            out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]);
        }
    }
    if sec1.len() > 0xffff - 64 {
        return None;
    }
    let mut octets = vec![0x04];
    der_len(sec1.len(), &mut octets);
    octets.extend_from_slice(sec1);
    let mut body = vec![0x02, 0x01, 0x00];
    body.extend_from_slice(P256_ALGORITHM_ID);
    body.extend_from_slice(&octets);
    let mut out = vec![0x30];
    der_len(body.len(), &mut out);
    out.extend_from_slice(&body);
    Some(out)
}

/// The subject of an event: a user, a device, or both.
///
/// Serialized as `{"user": {"format": …}, "device": {"format": "opaque", "id": …}}`.
#[derive(Clone, PartialEq, Eq)]
pub struct Subject {
    user: Option<Value>,
    device: Option<Value>,
}

impl fmt::Debug for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Emails and ids are personal data.
        f.debug_struct("Subject")
            .field("user", &self.user.as_ref().map(|_| "[redacted]"))
            .field("device", &self.device.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

impl Subject {
    /// A user named by email: `{"format": "email", "email": …}` (what Okta documents).
    pub fn user_email(email: &str) -> Subject {
        Subject { user: Some(json!({"format": "email", "email": email})), device: None }
    }

    /// A user named by an opaque id: `{"format": "opaque", "id": …}`.
    pub fn user_opaque(id: &str) -> Subject {
        Subject { user: Some(json!({"format": "opaque", "id": id})), device: None }
    }

    /// A user named by issuer and subject: `{"format": "iss_sub", "iss": …, "sub": …}`.
    pub fn user_iss_sub(iss: &str, sub: &str) -> Subject {
        Subject { user: Some(json!({"format": "iss_sub", "iss": iss, "sub": sub})), device: None }
    }

    /// A device named by an opaque id: `{"format": "opaque", "id": …}`.
    pub fn device(id: &str) -> Subject {
        Subject { user: None, device: Some(json!({"format": "opaque", "id": id})) }
    }

    /// This subject and a device (by opaque id).
    pub fn and_device(mut self, id: &str) -> Subject {
        self.device = Some(json!({"format": "opaque", "id": id}));
        self
    }

    fn to_value(&self) -> Value {
        let mut map = Map::new();
        if let Some(user) = &self.user {
            map.insert("user".to_owned(), user.clone());
        }
        if let Some(device) = &self.device {
            map.insert("device".to_owned(), device.clone());
        }
        Value::Object(map)
    }
}

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// The value as Okta spells it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownValue;

            /// Parses Okta's spelling (lower case).
            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                match s {
                    $($wire => Ok($name::$variant),)+
                    _ => Err(UnknownValue { allowed: &[$($wire),+] }),
                }
            }
        }
    };
}

/// A value that is not one of an enumeration's, from `FromStr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("expected one of: {}", .allowed.join(", "))]
pub struct UnknownValue {
    allowed: &'static [&'static str],
}

impl UnknownValue {
    /// The values that would have been accepted.
    pub fn allowed(&self) -> &'static [&'static str] {
        self.allowed
    }
}

wire_enum! {
    /// A risk level, for device and user risk changes.
    RiskLevel {
        /// `low`
        Low => "low",
        /// `medium`
        Medium => "medium",
        /// `high`
        High => "high",
        /// `secure`
        Secure => "secure",
        /// `none`
        None => "none",
    }
}

wire_enum! {
    /// A device compliance status.
    ComplianceStatus {
        /// `compliant`
        Compliant => "compliant",
        /// `not-compliant`
        NotCompliant => "not-compliant",
    }
}

wire_enum! {
    /// Who or what initiated an event.
    InitiatingEntity {
        /// `admin`
        Admin => "admin",
        /// `user`
        User => "user",
        /// `policy`
        Policy => "policy",
        /// `system`
        System => "system",
    }
}

/// One security event: a type URI and its members.
///
/// `Debug` shows the type only: members carry personal data.
#[derive(Clone, PartialEq)]
pub struct Event {
    type_uri: String,
    body: Map<String, Value>,
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("type", &self.type_uri)
            .field("members", &"[redacted]")
            .finish()
    }
}

impl Event {
    fn typed(event_type: EventType, subject: &Subject) -> Event {
        let mut body = Map::new();
        body.insert("subject".to_owned(), subject.to_value());
        Event { type_uri: event_type.uri().to_owned(), body }
    }

    fn with(mut self, member: &str, value: impl Into<Value>) -> Event {
        self.body.insert(member.to_owned(), value.into());
        self
    }

    /// CAEP session revoked: the subject's sessions must end.
    pub fn session_revoked(subject: Subject) -> Event {
        Event::typed(EventType::SessionRevoked, &subject)
    }

    /// CAEP device compliance change.
    pub fn device_compliance_change(
        subject: Subject,
        current: ComplianceStatus,
        previous: ComplianceStatus,
    ) -> Event {
        Event::typed(EventType::DeviceComplianceChange, &subject)
            .with("current_status", current.as_str())
            .with("previous_status", previous.as_str())
    }

    /// Okta device risk change.
    pub fn device_risk_change(subject: Subject, current: RiskLevel, previous: RiskLevel) -> Event {
        Event::typed(EventType::DeviceRiskChange, &subject)
            .with("current_level", current.as_str())
            .with("previous_level", previous.as_str())
    }

    /// Okta user risk change.
    pub fn user_risk_change(subject: Subject, current: RiskLevel, previous: RiskLevel) -> Event {
        Event::typed(EventType::UserRiskChange, &subject)
            .with("current_level", current.as_str())
            .with("previous_level", previous.as_str())
    }

    /// Okta IP change for the subject's session.
    pub fn ip_change(subject: Subject, current: IpAddr, previous: IpAddr) -> Event {
        Event::typed(EventType::IpChange, &subject)
            .with("current_ip_address", current.to_string())
            .with("previous_ip_address", previous.to_string())
    }

    /// RISC identifier changed (an email address or phone number); see
    /// [`new_value`](Event::new_value).
    pub fn identifier_changed(subject: Subject) -> Event {
        Event::typed(EventType::IdentifierChanged, &subject)
    }

    /// Any event type, with any members: the escape hatch for types this crate has no
    /// constructor for. `event_timestamp` is still filled in from `iat` when missing.
    pub fn custom(type_uri: &str, members: Map<String, Value>) -> Event {
        Event { type_uri: type_uri.to_owned(), body: members }
    }

    /// Who or what initiated the event (`initiating_entity`).
    pub fn initiating_entity(self, entity: InitiatingEntity) -> Event {
        self.with("initiating_entity", entity.as_str())
    }

    /// An administrative message for logs and audits (`reason_admin`, in English). Okta's spec
    /// asks for this or [`reason_user`](Event::reason_user) on all but identifier-changed.
    pub fn reason_admin(self, text: &str) -> Event {
        self.with("reason_admin", json!({"en": text}))
    }

    /// A message for the end user (`reason_user`, in English).
    pub fn reason_user(self, text: &str) -> Event {
        self.with("reason_user", json!({"en": text}))
    }

    /// When the event happened, in seconds since the Unix epoch (`event_timestamp`).
    ///
    /// Defaults to the SET's `iat`.
    pub fn event_timestamp(self, seconds: i64) -> Event {
        self.with("event_timestamp", seconds)
    }

    /// The new identifier, for identifier-changed (`new-value`, with a hyphen as Okta spells it).
    pub fn new_value(self, value: &str) -> Event {
        self.with("new-value", value)
    }

    /// For session-revoked: the session's current IP (`current_ip`).
    pub fn current_ip(self, ip: IpAddr) -> Event {
        self.with("current_ip", ip.to_string())
    }

    /// For session-revoked: the session's last known IP (`last_known_ip`).
    pub fn last_known_ip(self, ip: IpAddr) -> Event {
        self.with("last_known_ip", ip.to_string())
    }

    /// For session-revoked: the session's current user agent (`current_user_agent`).
    pub fn current_user_agent(self, user_agent: &str) -> Event {
        self.with("current_user_agent", user_agent)
    }

    /// For session-revoked: the session's last known user agent (`last_known_user_agent`).
    pub fn last_known_user_agent(self, user_agent: &str) -> Event {
        self.with("last_known_user_agent", user_agent)
    }

    /// The event type URI.
    pub fn type_uri(&self) -> &str {
        &self.type_uri
    }

    /// The event's members as they will be serialized (without the default `event_timestamp`).
    pub fn members(&self) -> &Map<String, Value> {
        &self.body
    }
}

/// Builds the claims of one SET: `iss`, `aud`, `iat`, `jti` and exactly one event.
///
/// ```
/// use okta_ssf::sign::{Event, RiskLevel, SetBuilder, Subject};
///
/// # fn main() -> Result<(), okta_ssf::sign::SignError> {
/// let claims = SetBuilder::new("https://transmitter.example.com", "https://acme.okta.com")
///     .iat(1_764_460_800)
///     .jti("risk-4711")
///     .event(Event::user_risk_change(Subject::user_email("jane@acme.com"), RiskLevel::High, RiskLevel::Low))
///     .build()?;
/// assert_eq!(claims["iat"], 1_764_460_800);
/// let event = &claims["events"]["https://schemas.okta.com/secevent/okta/event-type/user-risk-change"];
/// assert_eq!(event["current_level"], "high");
/// assert_eq!(event["event_timestamp"], 1_764_460_800);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct SetBuilder {
    iss: String,
    aud: String,
    iat: Option<i64>,
    jti: Option<String>,
    event: Option<Event>,
}

impl SetBuilder {
    /// A SET from issuer `iss` (exactly the provider's registered issuer) to audience `aud`
    /// (the org URL, such as `https://acme.okta.com`).
    pub fn new(iss: &str, aud: &str) -> SetBuilder {
        SetBuilder { iss: iss.to_owned(), aud: aud.to_owned(), iat: None, jti: None, event: None }
    }

    /// The issue time, in seconds since the Unix epoch.
    ///
    /// Defaults to now, in whole seconds.
    pub fn iat(mut self, seconds: i64) -> SetBuilder {
        self.iat = Some(seconds);
        self
    }

    /// The token's unique id.
    ///
    /// Defaults to 128 random bits from the system's CSPRNG, as 32 hex digits.
    pub fn jti(mut self, jti: &str) -> SetBuilder {
        self.jti = Some(jti.to_owned());
        self
    }

    /// The event (one per SET, as SSF requires; a second call replaces the first).
    pub fn event(mut self, event: Event) -> SetBuilder {
        self.event = Some(event);
        self
    }

    /// The claims, with defaults filled in.
    ///
    /// # Errors
    ///
    /// [`SignError::NoEvent`], [`SignError::EmptyClaim`] or [`SignError::Random`].
    pub fn build(self) -> Result<Map<String, Value>, SignError> {
        let event = self.event.ok_or(SignError::NoEvent)?;
        if self.iss.trim().is_empty() {
            return Err(SignError::EmptyClaim("iss"));
        }
        if self.aud.trim().is_empty() {
            return Err(SignError::EmptyClaim("aud"));
        }
        let iat = self.iat.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        });
        let jti = match self.jti {
            Some(jti) => jti,
            None => random_jti()?,
        };
        let mut body = event.body;
        body.entry("event_timestamp").or_insert_with(|| Value::from(iat));
        let mut events = Map::new();
        events.insert(event.type_uri, Value::Object(body));
        let mut claims = Map::new();
        claims.insert("iss".to_owned(), Value::from(self.iss));
        claims.insert("aud".to_owned(), Value::from(self.aud));
        claims.insert("iat".to_owned(), Value::from(iat));
        claims.insert("jti".to_owned(), Value::from(jti));
        claims.insert("events".to_owned(), Value::Object(events));
        Ok(claims)
    }

    /// Builds the claims, signs them with `key`, and checks the result with
    /// [`check_token`]: the token can go straight to
    /// [`Client::publish`](crate::Client::publish).
    ///
    /// # Errors
    ///
    /// As [`build`](SetBuilder::build) and [`SigningKey::signature`], or [`SignError::Check`].
    pub fn sign(self, key: &SigningKey) -> Result<String, SignError> {
        let token = key.sign_claims(&self.build()?)?;
        check_token(&token).map_err(SignError::Check)?;
        Ok(token)
    }
}

fn random_jti() -> Result<String, SignError> {
    let mut bytes = [0u8; 16];
    SystemRandom::new().fill(&mut bytes).map_err(|_| SignError::Random)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sec1_wrapping_lengths() {
        let short = sec1_to_pkcs8(&[0u8; 10]).expect("wraps");
        assert_eq!(&short[..2], &[0x30, 3 + P256_ALGORITHM_ID.len() as u8 + 2 + 10]);
        let long = sec1_to_pkcs8(&[0u8; 300]).expect("wraps");
        assert_eq!(&long[..2], &[0x30, 0x82]);
    }

    #[test]
    fn wire_enums() {
        assert_eq!("not-compliant".parse::<ComplianceStatus>(), Ok(ComplianceStatus::NotCompliant));
        assert_eq!(
            "HIGH".parse::<RiskLevel>().map_err(|e| e.to_string()),
            Err("expected one of: low, medium, high, secure, none".to_owned())
        );
        assert_eq!(InitiatingEntity::Policy.to_string(), "policy");
    }

    #[test]
    fn random_jtis_are_128_bits_and_differ() {
        let a = random_jti().expect("rng");
        let b = random_jti().expect("rng");
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn debug_hides_subjects_and_members() {
        let event = Event::session_revoked(Subject::user_email("secret@example.com"))
            .reason_user("secret reason");
        assert!(!format!("{event:?}").contains("secret"));
        assert!(!format!("{:?}", Subject::device("secret-device")).contains("secret"));
    }

    #[test]
    fn rsa_modulus_bits_from_pkcs1_and_pkcs8() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/");
        for (file, bits) in [
            ("rsa-pkcs8.pem", 2048),
            ("rsa-pkcs1.pem", 2048),
            ("keys/rsa-1024-pkcs8.pem", 1024),
            ("keys/rsa-3072-pkcs8.pem", 3072),
        ] {
            let pem = std::fs::read(format!("{dir}{file}")).expect("key file");
            let der = PrivateKeyDer::from_pem_slice(&pem).expect("pem");
            assert_eq!(rsa_modulus_bits(der.secret_der()), Some(bits), "{file}");
        }
        assert_eq!(rsa_modulus_bits(&[0x30, 0x01]), None);
        assert_eq!(rsa_modulus_bits(&[]), None);
    }

    #[test]
    fn generated_keys_sign_and_differ() {
        let a = SigningKey::generate_p256("a").expect("key");
        let b = SigningKey::generate_p256("b").expect("key");
        assert_eq!(a.algorithm(), Algorithm::Es256);
        assert_ne!(a.jwk()["x"], b.jwk()["x"]);
        assert_eq!(a.signature(b"input").expect("signs").len(), 64);
        assert!(matches!(SigningKey::generate_p256(""), Err(SignError::EmptyKeyId)));
    }
}
