//! What Okta is known to refuse or silently drop, beyond a token's shape (feature `lint`).
//!
//! [`check_token`] decides whether a token is a SET at all; this module looks at its content the
//! way Okta's receiver does: [`EventType`] lists the six event types Okta accepts with what each
//! requires, and [`Token::okta_warnings`] returns a [`Warning`] for each thing Okta refuses
//! (unknown event types, missing members, camelCase names, values outside Okta's lists) or
//! drops (a stale `iat`, a wrong `aud`). [`decode_unverified`] shows a token the check refused.
//!
//! `sign`, `receiver` and `cli` turn this feature on.
//!
//! ```
//! # fn main() -> Result<(), okta_ssf::Error> {
//! # let token = "";
//! let client = okta_ssf::Client::new("acme.okta.com")?;
//! if let Ok(parsed) = okta_ssf::check_token(token) {
//!     for warning in parsed.okta_warnings(Some(client.origin())) {
//!         eprintln!("warning: {warning}");
//!     }
//! }
//! # Ok(())
//! # }
//! ```

use std::fmt;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value};

#[cfg(doc)]
use crate::{Client, check_token};
use crate::{Token, bounded_text};

/// The six event types Okta's receiver accepts, with what each requires.
///
/// ```
/// use okta_ssf::lint::EventType;
///
/// let t = EventType::from_uri("https://schemas.openid.net/secevent/caep/event-type/session-revoked");
/// assert_eq!(t, Some(EventType::SessionRevoked));
/// assert_eq!(EventType::SessionRevoked.short_name(), "session-revoked");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventType {
    /// CAEP session revoked: the subject's sessions must end.
    SessionRevoked,
    /// CAEP device compliance change (`current_status`, `previous_status`).
    DeviceComplianceChange,
    /// Okta device risk change (`current_level`, `previous_level`).
    DeviceRiskChange,
    /// Okta user risk change (`current_level`, `previous_level`).
    UserRiskChange,
    /// Okta IP change (`current_ip_address`, `previous_ip_address`).
    IpChange,
    /// RISC identifier changed (optional `new-value`).
    IdentifierChanged,
}

impl EventType {
    /// All six, in the order of Okta's documentation.
    pub const ALL: [EventType; 6] = [
        EventType::SessionRevoked,
        EventType::DeviceComplianceChange,
        EventType::DeviceRiskChange,
        EventType::UserRiskChange,
        EventType::IpChange,
        EventType::IdentifierChanged,
    ];

    /// The event type URI, the key under `events`.
    pub fn uri(self) -> &'static str {
        match self {
            EventType::SessionRevoked => {
                "https://schemas.openid.net/secevent/caep/event-type/session-revoked"
            }
            EventType::DeviceComplianceChange => {
                "https://schemas.openid.net/secevent/caep/event-type/device-compliance-change"
            }
            EventType::DeviceRiskChange => {
                "https://schemas.okta.com/secevent/okta/event-type/device-risk-change"
            }
            EventType::UserRiskChange => {
                "https://schemas.okta.com/secevent/okta/event-type/user-risk-change"
            }
            EventType::IpChange => "https://schemas.okta.com/secevent/okta/event-type/ip-change",
            EventType::IdentifierChanged => {
                "https://schemas.openid.net/secevent/risc/event-type/identifier-changed"
            }
        }
    }

    /// The last segment of the URI, such as `session-revoked`.
    pub fn short_name(self) -> &'static str {
        let uri = self.uri();
        uri.rsplit('/').next().unwrap_or(uri)
    }

    /// The event type for `uri`, if it is one of the six.
    pub fn from_uri(uri: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.uri() == uri)
    }

    /// The event type whose [`short_name`](EventType::short_name) is `name`.
    pub fn from_short_name(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.short_name() == name)
    }

    /// The members Okta requires in an event of this type.
    pub fn required_members(self) -> &'static [&'static str] {
        match self {
            EventType::SessionRevoked | EventType::IdentifierChanged => {
                &["event_timestamp", "subject"]
            }
            EventType::DeviceComplianceChange => {
                &["event_timestamp", "subject", "current_status", "previous_status"]
            }
            EventType::DeviceRiskChange | EventType::UserRiskChange => {
                &["event_timestamp", "subject", "current_level", "previous_level"]
            }
            EventType::IpChange => {
                &["event_timestamp", "subject", "current_ip_address", "previous_ip_address"]
            }
        }
    }

    /// The values Okta allows for `member` in this event type, when it is an enumeration.
    pub fn allowed_values(self, member: &str) -> Option<&'static [&'static str]> {
        const LEVELS: &[&str] = &["low", "medium", "high", "secure", "none"];
        const STATUSES: &[&str] = &["compliant", "not-compliant"];
        const ENTITIES: &[&str] = &["admin", "user", "policy", "system"];
        match (self, member) {
            (EventType::IdentifierChanged, "initiating_entity") => None,
            (_, "initiating_entity") => Some(ENTITIES),
            (EventType::DeviceComplianceChange, "current_status" | "previous_status") => {
                Some(STATUSES)
            }
            (
                EventType::DeviceRiskChange | EventType::UserRiskChange,
                "current_level" | "previous_level",
            ) => Some(LEVELS),
            _ => None,
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.uri())
    }
}

/// Something Okta is known to refuse or silently drop, found by [`Token::okta_warnings`].
///
/// A token with warnings still passes [`check_token`]: the shape is right, the content is not
/// what Okta's receiver expects. No message repeats a claim value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum Warning {
    /// An event type that is not one of Okta's six ([`EventType`]); Okta refuses it.
    #[error("event type `{0}` is not one Okta accepts")]
    UnknownEventType(String),
    /// A member Okta requires is missing.
    #[error("`{member}` is missing from the {event_type} event")]
    MissingMember {
        /// The event type's short name.
        event_type: &'static str,
        /// The missing member.
        member: &'static str,
    },
    /// A member name in camelCase, such as `currentLevel`; Okta's names are snake_case.
    #[error("`{member}` in the {event_type} event is camelCase; Okta expects `{expected}`")]
    CamelCase {
        /// The event type's short name.
        event_type: &'static str,
        /// The name found.
        member: String,
        /// The snake_case name Okta expects.
        expected: String,
    },
    /// An enumerated member whose value is not one of the allowed ones (the value itself is not
    /// repeated).
    #[error("`{member}` in the {event_type} event is not one of: {}{}", .allowed.join(", "), if *.upper_case { " (values are lower case)" } else { "" })]
    ValueNotAllowed {
        /// The event type's short name.
        event_type: &'static str,
        /// The member.
        member: &'static str,
        /// What Okta allows.
        allowed: &'static [&'static str],
        /// Whether the value would be allowed in lower case.
        upper_case: bool,
    },
    /// Neither `reason_admin` nor `reason_user`, which Okta's spec asks for.
    #[error("the {event_type} event has neither `reason_admin` nor `reason_user`")]
    NoReason {
        /// The event type's short name.
        event_type: &'static str,
    },
    /// `event_timestamp` looks like milliseconds; Okta wants seconds.
    #[error("`event_timestamp` in the {event_type} event looks like milliseconds; use seconds")]
    TimestampInMilliseconds {
        /// The event type's short name.
        event_type: &'static str,
    },
    /// `event_timestamp` is not an integer number of seconds.
    #[error("`event_timestamp` in the {event_type} event must be an integer number of seconds")]
    TimestampNotInteger {
        /// The event type's short name.
        event_type: &'static str,
    },
    /// `aud` names the org with a trailing slash.
    #[error("`aud` has a trailing slash; use exactly `{expected}`")]
    AudienceTrailingSlash {
        /// The audience Okta expects.
        expected: String,
    },
    /// `aud` names the org's Admin Console host.
    #[error("`aud` names the `-admin` host; use `{expected}`")]
    AudienceAdminHost {
        /// The audience Okta expects.
        expected: String,
    },
    /// `aud` names another host.
    #[error("`aud` does not name the org; use `{expected}`")]
    AudienceOtherHost {
        /// The audience Okta expects.
        expected: String,
    },
    /// `iat` is in the future.
    #[error("`iat` is in the future")]
    IssuedInFuture,
    /// `iat` is more than a day old.
    #[error("`iat` is more than a day old")]
    IssuedLongAgo,
    /// `sub` or `exp` is present; SSF forbids both in a SET.
    #[error("the claim `{0}` is present; SSF forbids it in a SET")]
    ForbiddenClaim(&'static str),
    /// More than one event; SSF puts exactly one in each SET.
    #[error("the token holds {0} events; SSF puts exactly one in each SET")]
    MultipleEvents(usize),
}

impl Token {
    /// Checks the content against what Okta's receiver is known to refuse or drop, at the
    /// current time. `org` is the org's origin ([`Client::origin`], such as
    /// `https://acme.okta.com`); without it, `aud` is not checked.
    ///
    /// ```
    /// # fn main() -> Result<(), okta_ssf::Error> {
    /// # let token = "";
    /// let client = okta_ssf::Client::new("acme.okta.com")?;
    /// if let Ok(parsed) = okta_ssf::check_token(token) {
    ///     for warning in parsed.okta_warnings(Some(client.origin())) {
    ///         eprintln!("warning: {warning}");
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn okta_warnings(&self, org: Option<&str>) -> Vec<Warning> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        self.okta_warnings_at(org, now)
    }

    /// [`okta_warnings`](Token::okta_warnings) as of `now`, in seconds since the Unix epoch.
    pub fn okta_warnings_at(&self, org: Option<&str>, now: i64) -> Vec<Warning> {
        let mut warnings = Vec::new();
        let mut claims = self.claims();
        let events = match claims.remove("events") {
            Some(Value::Object(events)) => events,
            _ => Map::new(),
        };
        if events.len() > 1 {
            warnings.push(Warning::MultipleEvents(events.len()));
        }
        for (uri, body) in &events {
            let Some(event_type) = EventType::from_uri(uri) else {
                warnings.push(Warning::UnknownEventType(bounded_text(uri)));
                continue;
            };
            if let Value::Object(body) = body {
                event_warnings(event_type, body, &mut warnings);
            }
        }
        for name in ["sub", "exp"] {
            if claims.contains_key(name) {
                warnings.push(Warning::ForbiddenClaim(name));
            }
        }
        let iat = self.issued_at();
        if iat > now.saturating_add(60) {
            warnings.push(Warning::IssuedInFuture);
        } else if iat < now.saturating_sub(86_400) {
            warnings.push(Warning::IssuedLongAgo);
        }
        if let Some(org) = org {
            let expected = org.trim_end_matches('/');
            if !self.audiences().any(|aud| aud == expected) {
                let expected_host = expected.split_once("://").map_or(expected, |(_, h)| h);
                let (org_label, org_rest) =
                    expected_host.split_once('.').unwrap_or((expected_host, ""));
                let admin = format!("{org_label}-admin.{org_rest}");
                let warning = if self.audiences().any(|aud| aud.trim_end_matches('/') == expected) {
                    Warning::AudienceTrailingSlash { expected: expected.to_owned() }
                } else if self.audiences().any(|aud| {
                    aud.split_once("://").map_or(aud, |(_, h)| h).trim_end_matches('/') == admin
                }) {
                    Warning::AudienceAdminHost { expected: expected.to_owned() }
                } else {
                    Warning::AudienceOtherHost { expected: expected.to_owned() }
                };
                warnings.push(warning);
            }
        }
        warnings
    }
}

fn event_warnings(event_type: EventType, body: &Map<String, Value>, warnings: &mut Vec<Warning>) {
    let name = event_type.short_name();
    for (member, _) in body.iter().filter(|(m, _)| m.bytes().any(|b| b.is_ascii_uppercase())) {
        warnings.push(Warning::CamelCase {
            event_type: name,
            member: bounded_text(member),
            expected: snake_case(member),
        });
    }
    for &member in event_type.required_members() {
        if !body.contains_key(member) {
            warnings.push(Warning::MissingMember { event_type: name, member });
        }
    }
    for member in [
        "current_status",
        "previous_status",
        "current_level",
        "previous_level",
        "initiating_entity",
    ] {
        let (Some(allowed), Some(value)) = (event_type.allowed_values(member), body.get(member))
        else {
            continue;
        };
        let value = value.as_str().unwrap_or_default();
        if !allowed.contains(&value) {
            let upper_case = allowed.contains(&value.to_ascii_lowercase().as_str());
            warnings.push(Warning::ValueNotAllowed {
                event_type: name,
                member,
                allowed,
                upper_case,
            });
        }
    }
    if event_type != EventType::IdentifierChanged
        && !body.contains_key("reason_admin")
        && !body.contains_key("reason_user")
    {
        warnings.push(Warning::NoReason { event_type: name });
    }
    match body.get("event_timestamp") {
        Some(Value::Number(n)) if n.as_i64().is_some_and(|t| t > 100_000_000_000) => {
            warnings.push(Warning::TimestampInMilliseconds { event_type: name });
        }
        Some(Value::Number(n)) if n.is_i64() => {}
        Some(_) => warnings.push(Warning::TimestampNotInteger { event_type: name }),
        None => {}
    }
}

/// `currentLevel` → `current_level`.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if !out.is_empty() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Decodes a compact JWS's header and claims as JSON without checking anything else, for
/// looking at a token [`check_token`] refused. Each is `None` when that part is missing or does
/// not decode to JSON. The signature is not verified.
///
/// ```
/// let (header, claims) = okta_ssf::lint::decode_unverified("eyJhbGciOiJub25lIn0.e30.");
/// assert_eq!(header.map(|h| h["alg"].clone()), Some("none".into()));
/// assert_eq!(claims, Some(serde_json::json!({})));
/// ```
pub fn decode_unverified(token: &str) -> (Option<Value>, Option<Value>) {
    // Lenient, unlike the check: this is for looking at what a transmitter got wrong.
    const FORGIVING: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let mut parts = token.trim().splitn(3, '.');
    let mut next = || {
        parts
            .next()
            .and_then(|part| FORGIVING.decode(part).ok())
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
    };
    let header = next();
    (header, next())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_round_trip() {
        for t in EventType::ALL {
            assert_eq!(EventType::from_uri(t.uri()), Some(t));
            assert_eq!(EventType::from_short_name(t.short_name()), Some(t));
            assert!(t.required_members().starts_with(&["event_timestamp", "subject"]));
        }
        let names: Vec<_> = EventType::ALL.iter().map(|t| t.short_name()).collect();
        assert_eq!(
            names,
            [
                "session-revoked",
                "device-compliance-change",
                "device-risk-change",
                "user-risk-change",
                "ip-change",
                "identifier-changed"
            ]
        );
        assert_eq!(EventType::from_uri("https://example.com/other"), None);
        assert_eq!(EventType::IpChange.allowed_values("current_ip_address"), None);
        assert_eq!(
            EventType::UserRiskChange.allowed_values("current_level").map(<[_]>::len),
            Some(5)
        );
    }
}
