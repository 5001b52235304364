//! Unit tests of the core's pure logic: target parsing, answers, errors, the token check.

use super::*;

fn domain(input: &str) -> Result<String, DomainError> {
    parse_target(input, TargetMode::OktaDomain).map(|t| t.url)
}

fn endpoint(input: &str) -> Result<String, DomainError> {
    parse_target(input, TargetMode::Endpoint).map(|t| t.url)
}

const EVENTS: &str = "/security/api/v1/security-events";

#[test]
fn accepts_what_people_paste() {
    for input in [
        "acme.okta.com",
        "https://acme.okta.com",
        "https://acme.okta.com/",
        "acme.okta.com/",
        "  acme.okta.com\n",
        "HTTPS://ACME.OKTA.COM",
        "https://acme.okta.com:443",
        "acme.okta.com.",
        "acme.okta.com:0443",
    ] {
        assert_eq!(
            domain(input).as_deref(),
            Ok("https://acme.okta.com/security/api/v1/security-events"),
            "{input}"
        );
    }
    for (input, host) in [
        ("acme.oktapreview.com", "acme.oktapreview.com"),
        ("acme.okta-emea.com", "acme.okta-emea.com"),
        ("login.acme.com", "login.acme.com"),
        ("login.acme.com:8443", "login.acme.com:8443"),
        ("sso-admin.acme.com", "sso-admin.acme.com"),
        ("https://10.1.2.3:9443/", "10.1.2.3:9443"),
    ] {
        assert_eq!(domain(input), Ok(format!("https://{host}{EVENTS}")), "{input}");
    }
}

#[test]
fn plain_http_only_to_loopback() {
    for (input, origin) in [
        ("http://127.0.0.1:8935", "http://127.0.0.1:8935"),
        ("http://127.8.9.10", "http://127.8.9.10"),
        ("http://localhost:3000/", "http://localhost:3000"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ] {
        assert_eq!(domain(input), Ok(format!("{origin}{EVENTS}")), "{input}");
    }
    for input in ["http://acme.okta.com", "http://10.0.0.1", "http://[::2]", "http://128.0.0.1"] {
        assert_eq!(domain(input), Err(DomainError::InsecureHttp), "{input}");
    }
}

#[test]
fn refuses_each_bad_domain_with_its_own_error() {
    let cases: &[(&str, DomainError)] = &[
        ("", DomainError::Empty),
        ("   \t", DomainError::Empty),
        ("{yourOktaDomain}", DomainError::Placeholder),
        ("https://{yourOktaDomain}/", DomainError::Placeholder),
        ("${OKTA_DOMAIN}", DomainError::Placeholder),
        ("<your-okta-domain>", DomainError::Placeholder),
        ("yourOktaDomain.okta.com", DomainError::Placeholder),
        ("ftp://acme.okta.com", DomainError::UnsupportedScheme),
        ("user:secret@acme.okta.com", DomainError::UserInfo),
        ("https://user@acme.okta.com/", DomainError::UserInfo),
        ("acme.okta.com/api/v1", DomainError::Path),
        ("https://acme.okta.com/security/api/v1/security-events", DomainError::Path),
        ("acme.okta.com?x=1", DomainError::Query),
        ("acme.okta.com/?x=1", DomainError::Query),
        ("acme.okta.com#top", DomainError::Fragment),
        ("acme.okta.com/#top", DomainError::Fragment),
        ("acme.okta.com:", DomainError::InvalidPort),
        ("acme.okta.com:0", DomainError::InvalidPort),
        ("acme.okta.com:65536", DomainError::InvalidPort),
        ("acme.okta.com:https", DomainError::InvalidPort),
        ("acme.okta.com:+443", DomainError::InvalidPort),
        ("acme.okta.com:000000443", DomainError::InvalidPort),
        (
            "acme-admin.okta.com.",
            DomainError::AdminHost {
                host: "acme-admin.okta.com".into(),
                suggestion: "acme.okta.com".into(),
            },
        ),
        ("acme okta.com", DomainError::Unparsable),
        ("https://acme.okta.com\n/x", DomainError::Unparsable),
        ("[::1", DomainError::Unparsable),
        ("https://:443", DomainError::Empty),
        ("[nope]:80", DomainError::InvalidHost("[nope]".into())),
        ("user:pa ss@acme.okta.com", DomainError::Unparsable),
        (
            "acme-admin.okta.com",
            DomainError::AdminHost {
                host: "acme-admin.okta.com".into(),
                suggestion: "acme.okta.com".into(),
            },
        ),
        (
            "https://acme-admin.oktapreview.com/",
            DomainError::AdminHost {
                host: "acme-admin.oktapreview.com".into(),
                suggestion: "acme.oktapreview.com".into(),
            },
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(domain(input).as_ref(), Err(expected), "{input:?}");
    }
    // Names `http::Uri` reads are left to DNS, which says whether they exist.
    for host in ["acme..okta.com", "acme_corp.okta.com", "300.1.1.1"] {
        assert_eq!(domain(host), Ok(format!("https://{host}{EVENTS}")));
    }
}

#[test]
fn endpoint_urls_keep_their_path_and_follow_the_same_scheme_rules() {
    assert_eq!(
        endpoint("https://ssf.example.com/events?stream=7").as_deref(),
        Ok("https://ssf.example.com/events?stream=7")
    );
    assert_eq!(endpoint("https://ssf.example.com").as_deref(), Ok("https://ssf.example.com/"));
    assert_eq!(endpoint("http://127.0.0.1:8935/push").as_deref(), Ok("http://127.0.0.1:8935/push"));
    assert_eq!(endpoint("ssf.example.com/events"), Err(DomainError::MissingScheme));
    assert_eq!(endpoint("http://ssf.example.com/events"), Err(DomainError::InsecureHttp));
    assert_eq!(endpoint("https://ssf.example.com/events#x"), Err(DomainError::Fragment));
    assert_eq!(endpoint("https://u:p@ssf.example.com/events"), Err(DomainError::UserInfo));
    assert_eq!(endpoint("https://ssf.example.com/a b"), Err(DomainError::Unparsable));
    // Only Okta's own hosts have an Admin Console twin.
    assert_eq!(
        endpoint("https://ssf-admin.example.com/e").as_deref(),
        Ok("https://ssf-admin.example.com/e")
    );
    assert!(matches!(
        endpoint("https://acme-admin.okta.com/x"),
        Err(DomainError::AdminHost { .. })
    ));
}

#[test]
fn domain_error_texts() {
    let text = |e: DomainError| Error::InvalidDomain(e).to_string();
    assert_eq!(
        text(DomainError::Empty),
        "invalid Okta domain: it is empty; pass your org's host, such as `acme.okta.com`"
    );
    assert_eq!(
        text(DomainError::Placeholder),
        "invalid Okta domain: it is a placeholder like `{yourOktaDomain}`; pass your org's host"
    );
    assert_eq!(
        text(DomainError::UnsupportedScheme),
        "invalid Okta domain: only `https://` can be used (and `http://` to a loopback host)"
    );
    assert_eq!(
        text(DomainError::InsecureHttp),
        "invalid Okta domain: use `https://`: `http://` is only for a loopback host (127.0.0.0/8, ::1, localhost)"
    );
    assert_eq!(
        text(DomainError::UserInfo),
        "invalid Okta domain: it contains user information (`user@`); remove it: the URL carries no credentials"
    );
    assert_eq!(
        text(DomainError::Path),
        "invalid Okta domain: it contains a path; pass only the host: `/security/api/v1/security-events` is added"
    );
    assert_eq!(
        text(DomainError::Query),
        "invalid Okta domain: it contains a query string (`?…`); pass only the host"
    );
    assert_eq!(
        text(DomainError::Fragment),
        "invalid Okta domain: it contains a fragment (`#…`); remove it"
    );
    assert_eq!(
        text(DomainError::InvalidHost("[nope]".into())),
        "invalid Okta domain: `[nope]` is not a valid IPv6 address"
    );
    assert_eq!(
        text(DomainError::Unparsable),
        "invalid Okta domain: it cannot be read as a URL; look for spaces, control characters or stray brackets"
    );
    assert_eq!(
        Error::InvalidEndpoint(DomainError::Unparsable).to_string(),
        "invalid receiver URL: it cannot be read as a URL; look for spaces, control characters or stray brackets"
    );
    assert_eq!(
        text(DomainError::InvalidPort),
        "invalid Okta domain: the port must be a number from 1 to 65535"
    );
    assert_eq!(
        text(DomainError::AdminHost {
            host: "acme-admin.okta.com".into(),
            suggestion: "acme.okta.com".into()
        }),
        "invalid Okta domain: `acme-admin.okta.com` is the Admin Console host; use `acme.okta.com` instead"
    );
    assert_eq!(
        Error::InvalidEndpoint(DomainError::MissingScheme).to_string(),
        "invalid receiver URL: it has no scheme; start it with `https://`"
    );
}

#[test]
fn user_info_is_never_echoed() {
    let err = Client::new("https://admin:hunter2@acme.okta.com").unwrap_err();
    assert!(!err.to_string().contains("hunter2"));
    assert!(!format!("{err:?}").contains("hunter2"));
    let builder = ClientBuilder::new("https://admin:hunter2@acme.okta.com");
    assert!(!format!("{builder:?}").contains("hunter2"));
}

#[test]
fn long_hosts_are_echoed_bounded() {
    let long = format!("[{}]", "a".repeat(MAX_SERVER_TEXT_CHARS + 100));
    let Err(DomainError::InvalidHost(echoed)) = domain(&long) else {
        panic!("expected InvalidHost")
    };
    assert_eq!(echoed.chars().count(), MAX_SERVER_TEXT_CHARS + 1);
    assert!(echoed.ends_with('…'));
}

fn info(status: u16, message: Option<&str>) -> ResponseInfo {
    ResponseInfo(Box::new(Details {
        http_status: status,
        request_id: Some("req-1".into()),
        rate_limit: None,
        retry_after: None,
        reset_in: None,
        message: message.map(str::to_owned),
        attempts: 1,
        paced: false,
    }))
}

#[test]
fn error_texts() {
    let io = || -> BoxError { Box::new(std::io::Error::other("boom")) };
    let cases: Vec<(Error, &str)> = vec![
        (
            Error::InvalidUserAgent,
            "invalid user-agent product token: use printable ASCII such as `my-app/1.2`",
        ),
        (
            Error::InvalidProxy,
            "invalid proxy URL: expected a form such as `http://proxy.internal:3128`",
        ),
        (
            Error::InvalidCertificate { source: None },
            "no usable root certificates: the extra ones are not readable PEM, or none are left",
        ),
        (
            Error::InvalidToken(TokenError::Empty),
            "token refused before sending: the token is empty",
        ),
        (
            Error::Redirect {
                status: 302,
                location: Some("https://x.example/".into()),
                info: info(302, None),
            },
            "receiver answered 302 redirect to https://x.example/; redirects are not followed, check the domain or URL",
        ),
        (
            Error::Redirect { status: 301, location: None, info: info(301, None) },
            "receiver answered 301 redirect; redirects are not followed, check the domain or URL",
        ),
        (
            Error::Unauthorized(info(401, None)),
            "receiver answered 401 Unauthorized; this endpoint takes no credentials, check that the URL is an SSF receiver",
        ),
        (
            Error::Forbidden(info(403, Some("You do not have permission"))),
            "receiver answered 403 Forbidden (server says: You do not have permission); check that this transmitter is registered as a Security Events Provider",
        ),
        (
            Error::NotFound(info(404, None)),
            "receiver answered 404 Not Found; the org may not have Identity Threat Protection, or the domain is wrong",
        ),
        (
            Error::RateLimited(info(429, None)),
            "receiver answered 429 Too Many Requests; wait for the rate-limit reset and retry",
        ),
        (Error::Server(info(503, None)), "receiver failed with HTTP 503; retrying later may help"),
        (Error::UnexpectedStatus(info(418, None)), "receiver answered unexpected HTTP status 418"),
        (
            Error::ResponseTooLarge { limit: 65536, info: info(400, None) },
            "receiver's 400 answer is larger than 65536 bytes; it was not read",
        ),
        (Error::Connect { source: io(), attempts: 1 }, "could not connect to the receiver"),
        (
            Error::Connect { source: io(), attempts: 3 },
            "could not connect to the receiver after 3 attempts",
        ),
        (
            Error::UntrustedCertificate { source: io(), attempts: 1 },
            "the receiver's TLS certificate is not trusted; if TLS is intercepted, trust its root",
        ),
        (Error::Tls { source: io(), attempts: 1 }, "TLS handshake with the receiver failed"),
        (Error::Timeout { source: io(), attempts: 1 }, "request to the receiver timed out"),
        (
            Error::Timeout { source: io(), attempts: 2 },
            "request to the receiver timed out after 2 attempts",
        ),
        (Error::Transport { source: io(), attempts: 1 }, "connection to the receiver broke"),
        (
            Error::InvalidResponse { source: io(), attempts: 1 },
            "receiver's answer is not valid HTTP",
        ),
    ];
    for (err, text) in cases {
        assert_eq!(err.to_string(), text);
    }
}

#[test]
fn causes_are_chained_not_repeated() {
    use std::error::Error as _;
    let err = Error::Connect {
        source: Box::new(std::io::Error::other("connection refused")),
        attempts: 1,
    };
    assert_eq!(err.source().map(ToString::to_string).as_deref(), Some("connection refused"));
    assert!(!err.to_string().contains("refused"));
}

#[test]
fn retryable_errors() {
    assert!(Error::RateLimited(info(429, None)).is_retryable());
    for status in [500, 502, 503, 504] {
        assert!(Error::Server(info(status, None)).is_retryable(), "{status}");
    }
    for status in [501, 505, 599] {
        assert!(!Error::Server(info(status, None)).is_retryable(), "{status}");
    }
    let io = || -> BoxError { Box::new(std::io::Error::other("t")) };
    assert!(Error::Timeout { source: io(), attempts: 1 }.is_retryable());
    assert!(Error::Connect { source: io(), attempts: 1 }.is_retryable());
    assert!(Error::Transport { source: io(), attempts: 1 }.is_retryable());
    assert!(!Error::InvalidResponse { source: io(), attempts: 1 }.is_retryable());
    assert!(!Error::UntrustedCertificate { source: io(), attempts: 1 }.is_retryable());
    assert!(!Error::NotFound(info(404, None)).is_retryable());
    assert!(!Error::Unauthorized(info(401, None)).is_retryable());
    assert!(!Error::InvalidToken(TokenError::Empty).is_retryable());
    assert_eq!(
        Error::NotFound(info(404, None)).response().and_then(|r| r.request_id()),
        Some("req-1")
    );
    assert!(Error::InvalidProxy.response().is_none());
}

#[test]
fn token_error_texts() {
    let cases: Vec<(TokenError, &str)> = vec![
        (TokenError::Empty, "the token is empty"),
        (
            TokenError::TooLarge { len: 70000, max: 65536 },
            "the token is 70000 bytes, over the limit of 65536 bytes",
        ),
        (
            TokenError::Json,
            "this is a JSON document, not a signed token; sign the claims, send the compact JWS",
        ),
        (TokenError::Segments(2), "a compact JWS has three dot-separated segments, this has 2"),
        (
            TokenError::Padded(Segment::Header),
            "the header segment is padded with `=`; compact JWS segments are unpadded base64url",
        ),
        (TokenError::Base64(Segment::Signature), "the signature segment is not valid base64url"),
        (TokenError::Unsigned, "the signature segment is empty; the token is not signed"),
        (TokenError::NotJson(Segment::Header), "the header is not valid JSON"),
        (TokenError::NotObject(Segment::Claims), "the claims is not a JSON object"),
        (
            TokenError::MissingHeader("kid"),
            "the header has no `kid` string; Okta requires `alg`, `kid` and `typ`",
        ),
        (TokenError::AlgNone, "the header's `alg` is `none`; Okta accepts only signed tokens"),
        (
            TokenError::AlgSymmetric,
            "`alg` is an HMAC, which a public JWKS cannot verify; sign with RS256 or ES256",
        ),
        (TokenError::Typ, "the header's `typ` must be `secevent+jwt`"),
        (TokenError::MissingClaim("jti"), "the claim `jti` is missing"),
        (
            TokenError::ClaimType { name: "iat", expected: "an integer number of seconds" },
            "the claim `iat` must be an integer number of seconds",
        ),
        (TokenError::NoEvents, "the claim `events` holds no event"),
        (TokenError::EventNotObject, "each entry of the claim `events` must be a JSON object"),
    ];
    for (err, text) in cases {
        assert_eq!(err.to_string(), text);
    }
}

fn b64(bytes: &[u8]) -> String {
    BASE64URL.encode(bytes)
}

fn token(header: &str, claims: &str) -> String {
    format!("{}.{}.c2ln", b64(header.as_bytes()), b64(claims.as_bytes()))
}

const HEADER: &str = r#"{"alg":"RS256","kid":"k1","typ":"secevent+jwt"}"#;
const CLAIMS: &str = r#"{"iss":"https://t.example","aud":"https://acme.okta.com","iat":1764460800,"jti":"j1","events":{"https://schemas.openid.net/secevent/caep/event-type/session-revoked":{}}}"#;

#[test]
fn base64url_is_read_strictly() {
    let (header, claims) = (b64(HEADER.as_bytes()), b64(CLAIMS.as_bytes()));
    let check = |signature: &str| check_token(&format!("{header}.{claims}.{signature}"));
    // One byte is two characters; the second carries four bits the encoder leaves at zero.
    assert!(check("AA").is_ok());
    assert_eq!(check("AB").unwrap_err(), TokenError::Base64(Segment::Signature));
    assert_eq!(check("AA==").unwrap_err(), TokenError::Padded(Segment::Signature));
    assert_eq!(check("A").unwrap_err(), TokenError::Base64(Segment::Signature));
    assert_eq!(check("ab+c").unwrap_err(), TokenError::Base64(Segment::Signature));
    // The same in the claims: a JSON text one byte past a whole group, its last character
    // changed to one with a low bit set.
    let mut json = CLAIMS.to_owned();
    while json.len() % 3 != 1 {
        json.push(' ');
    }
    let canonical = b64(json.as_bytes());
    let last = canonical.chars().last().unwrap();
    assert!("AQgw".contains(last), "{canonical}");
    let sloppy = format!("{}{}", &canonical[..canonical.len() - 1], char::from(last as u8 + 1));
    assert!(check_token(&format!("{header}.{canonical}.AA")).is_ok());
    assert_eq!(
        check_token(&format!("{header}.{sloppy}.AA")).unwrap_err(),
        TokenError::Base64(Segment::Claims)
    );
    assert_eq!(
        check_token(&format!("{header}.{canonical}=.AA")).unwrap_err(),
        TokenError::Padded(Segment::Claims)
    );
}

#[test]
fn header_rules() {
    assert!(check_token(&token(HEADER, CLAIMS)).is_ok());
    // Regressions from fuzzing: a multi-byte character where the `HS` prefix is compared.
    for alg in ["Hԅ", "ԅ", "H"] {
        let header = format!(r#"{{"alg":"{alg}","kid":"k","typ":"secevent+jwt"}}"#);
        let checked = check_token(&token(&header, CLAIMS)).map(|t| t.alg().to_owned());
        assert_eq!(checked, Ok(alg.to_owned()));
    }
    for typ in
        ["secevent+jwt", "SECEVENT+JWT", "application/secevent+jwt", "Application/SecEvent+JWT"]
    {
        let header = format!(r#"{{"alg":"ES256","kid":"k","typ":"{typ}"}}"#);
        assert!(check_token(&token(&header, CLAIMS)).is_ok(), "{typ}");
    }
    let cases: &[(&str, TokenError)] = &[
        (r#"{"kid":"k","typ":"secevent+jwt"}"#, TokenError::MissingHeader("alg")),
        (r#"{"alg":256,"kid":"k","typ":"secevent+jwt"}"#, TokenError::MissingHeader("alg")),
        (r#"{"alg":"NONE","kid":"k","typ":"secevent+jwt"}"#, TokenError::AlgNone),
        (r#"{"alg":"HS512","kid":"k","typ":"secevent+jwt"}"#, TokenError::AlgSymmetric),
        (r#"{"alg":"RS256","typ":"secevent+jwt"}"#, TokenError::MissingHeader("kid")),
        (r#"{"alg":"RS256","kid":"k"}"#, TokenError::MissingHeader("typ")),
        (r#"{"alg":"RS256","kid":"k","typ":"application/jwt"}"#, TokenError::Typ),
        (r#"{"alg":"RS256","kid":"k","typ":"application/"}"#, TokenError::Typ),
        (r#"["alg"]"#, TokenError::NotObject(Segment::Header)),
        // Regressions from fuzzing: multi-byte characters where prefixes are compared.
        (r#"{"alg":"RS256","kid":"k","typ":"applicationԅ/secevent+jwt"}"#, TokenError::Typ),
        (r#"{"alg":"RS256","kid":"k","typ":"applicatioԅ"}"#, TokenError::Typ),
    ];
    for (header, expected) in cases {
        assert_eq!(check_token(&token(header, CLAIMS)).unwrap_err(), *expected, "{header}");
    }
}

#[test]
fn claim_rules() {
    let with = |claims: &str| check_token(&token(HEADER, claims)).map(|_| ()).unwrap_err();
    assert_eq!(with("[]"), TokenError::NotObject(Segment::Claims));
    assert_eq!(with("{"), TokenError::NotJson(Segment::Claims));
    assert_eq!(
        with(r#"{"aud":"a","iat":1,"jti":"j","events":{"e":{}}}"#),
        TokenError::MissingClaim("iss")
    );
    assert_eq!(
        with(r#"{"iss":1,"aud":"a","iat":1,"jti":"j","events":{"e":{}}}"#),
        TokenError::ClaimType { name: "iss", expected: "a non-empty string" }
    );
    assert_eq!(
        with(r#"{"iss":"i","aud":[],"iat":1,"jti":"j","events":{"e":{}}}"#),
        TokenError::ClaimType {
            name: "aud",
            expected: "a non-empty string or array of non-empty strings"
        }
    );
    assert_eq!(
        with(r#"{"iss":"i","aud":["a",2],"iat":1,"jti":"j","events":{"e":{}}}"#),
        TokenError::ClaimType {
            name: "aud",
            expected: "a non-empty string or array of non-empty strings"
        }
    );
    assert_eq!(
        with(r#"{"iss":"i","aud":"a","iat":1.5,"jti":"j","events":{"e":{}}}"#),
        TokenError::ClaimType { name: "iat", expected: "an integer number of seconds" }
    );
    assert_eq!(
        with(r#"{"iss":"i","aud":"a","iat":1,"jti":7,"events":{"e":{}}}"#),
        TokenError::ClaimType { name: "jti", expected: "a non-empty string" }
    );
    assert_eq!(
        with(r#"{"iss":"i","aud":"a","iat":1,"jti":"j","events":[]}"#),
        TokenError::ClaimType { name: "events", expected: "a JSON object" }
    );
    // Empty strings name no issuer, audience, key or token.
    let claims = |iss: &str, aud: &str, jti: &str| {
        format!(r#"{{"iss":{iss},"aud":{aud},"iat":1,"jti":{jti},"events":{{"e":{{}}}}}}"#)
    };
    let empty_string = |name| TokenError::ClaimType { name, expected: "a non-empty string" };
    assert_eq!(with(&claims(r#""""#, r#""a""#, r#""j""#)), empty_string("iss"));
    assert_eq!(with(&claims(r#""i""#, r#""a""#, r#""""#)), empty_string("jti"));
    let aud = TokenError::ClaimType {
        name: "aud",
        expected: "a non-empty string or array of non-empty strings",
    };
    assert_eq!(with(&claims(r#""i""#, r#""""#, r#""j""#)), aud);
    assert_eq!(with(&claims(r#""i""#, r#"["a",""]"#, r#""j""#)), aud);
    let header = r#"{"alg":"RS256","kid":"","typ":"secevent+jwt"}"#;
    assert_eq!(
        check_token(&token(header, CLAIMS)).map(|_| ()),
        Err(TokenError::MissingHeader("kid"))
    );
    // Found by the property tests: a number out of range fails the check as it fails a
    // `Value` parse, so a token that passes always has claims to show.
    assert_eq!(
        with(r#"{"iss":"i","aud":"a","iat":1,"jti":"j","events":{"e":{"n":1e400}}}"#),
        TokenError::NotJson(Segment::Claims)
    );
    assert_eq!(
        with(r#"{"iss":"i","aud":"a","iat":1,"jti":"j","events":{"e":"x"}}"#),
        TokenError::EventNotObject
    );
    // As in a `Value`, the last of a repeated name wins, in `events` and among the claims.
    let twice = check_token(&token(
        HEADER,
        r#"{"iss":1,"iss":"i","aud":"a","iat":1,"jti":"j","events":{"e":1,"e":{},"d":{}}}"#,
    ))
    .unwrap();
    assert_eq!((twice.issuer(), twice.event_types().collect::<Vec<_>>()), ("i", vec!["d", "e"]));
    assert_eq!(
        with(r#"{"iss":"i","aud":"a","iat":1,"jti":"j","events":{"e":{},"e":1}}"#),
        TokenError::EventNotObject
    );
    let ok = check_token(&token(
        HEADER,
        r#"{"iss":"i","aud":["a","b"],"iat":1,"jti":"j","events":{"e":{}}}"#,
    ))
    .unwrap();
    assert_eq!(ok.audiences().collect::<Vec<_>>(), ["a", "b"]);
}

#[test]
fn shape_rules() {
    let good = token(HEADER, CLAIMS);
    assert!(check_token(&format!("\n {good} \r\n")).is_ok());
    assert_eq!(check_token("a.b.c.d.e").unwrap_err(), TokenError::Segments(5));
    assert_eq!(check_token("nodots").unwrap_err(), TokenError::Segments(1));
    assert_eq!(check_token("[1,2]").unwrap_err(), TokenError::Json);
    let (signing_input, _) = good.rsplit_once('.').unwrap();
    assert_eq!(check_token(&format!("{signing_input}.")).unwrap_err(), TokenError::Unsigned);
    assert_eq!(
        check_token(&format!("{signing_input}.a+b")).unwrap_err(),
        TokenError::Base64(Segment::Signature)
    );
    let header = b64(HEADER.as_bytes());
    let with_claims = |claims: &str| check_token(&format!("{header}.{claims}.c2ln")).unwrap_err();
    assert_eq!(with_claims("e30="), TokenError::Padded(Segment::Claims));
    assert_eq!(with_claims("e3*"), TokenError::Base64(Segment::Claims));
    assert_eq!(check_token("e3 0.e30.c2ln").unwrap_err(), TokenError::Base64(Segment::Header));
    let huge = "a".repeat(MAX_TOKEN_BYTES + 1);
    assert_eq!(
        check_token(&huge).unwrap_err(),
        TokenError::TooLarge { len: MAX_TOKEN_BYTES + 1, max: MAX_TOKEN_BYTES }
    );
}

#[test]
fn parsed_token_getters() {
    let t = check_token(&token(HEADER, CLAIMS)).unwrap();
    assert_eq!(t.alg(), "RS256");
    assert_eq!(t.kid(), "k1");
    assert_eq!(t.issuer(), "https://t.example");
    assert_eq!(t.audiences().collect::<Vec<_>>(), ["https://acme.okta.com"]);
    assert_eq!(t.issued_at(), 1764460800);
    assert_eq!(t.jti(), "j1");
    assert_eq!(
        t.event_types().collect::<Vec<_>>(),
        ["https://schemas.openid.net/secevent/caep/event-type/session-revoked"]
    );
    assert_eq!(t.header()["typ"], "secevent+jwt");
    assert_eq!(t.claims()["jti"], "j1");
}

#[test]
fn token_debug_hides_claim_values() {
    let claims = CLAIMS
        .replace("\"j1\"", "\"secret-jti-4711\"")
        .replace("https://t.example", "https://secret-iss");
    let t = check_token(&token(HEADER, &claims)).unwrap();
    let debug = format!("{t:?}");
    assert!(!debug.contains("secret"), "{debug}");
    assert!(debug.contains("RS256"));
}

#[test]
fn rejection_bodies() {
    let r = parse_rejection(br#"{"err":"invalid_audience","description":"bad aud"}"#);
    assert_eq!((r.code(), r.description()), (&ErrorCode::InvalidAudience, Some("bad aud")));
    let r = parse_rejection(br#"{"err":"invalid_state"}"#);
    assert_eq!((r.code(), r.description()), (&ErrorCode::Other("invalid_state".into()), None));
    let r = parse_rejection(
        br#"{"errorCode":"E0000001","errorSummary":"Api validation failed","errorCauses":[{"errorSummary":"events: required"}]}"#,
    );
    assert_eq!(r.code(), &ErrorCode::Other("E0000001".into()));
    assert_eq!(r.description(), Some("Api validation failed; events: required"));
    let r = parse_rejection(b"<html>Bad\x07 Request</html>\n");
    assert_eq!(
        (r.code(), r.description()),
        (&ErrorCode::Unspecified, Some("<html>Bad  Request</html>"))
    );
    let r = parse_rejection(b"");
    assert_eq!((r.code(), r.description()), (&ErrorCode::Unspecified, None));
    let r = parse_rejection("é".repeat(5000).as_bytes());
    assert_eq!(r.description().map(|d| d.chars().count()), Some(MAX_SERVER_TEXT_CHARS + 1));
    // JSON that is not an error body says nothing; Okta's words are found beside an `err`.
    let r = parse_rejection(br#"{"token":"eyJ.e30.x","user":"alice@example.com"}"#);
    assert_eq!((r.code(), r.description()), (&ErrorCode::Unspecified, None));
    let r = parse_rejection(br#"{"description":""}"#);
    assert_eq!((r.code(), r.description()), (&ErrorCode::Unspecified, None));
    let r = parse_rejection(br#"{"errorSummary":"Service down"}"#);
    assert_eq!((r.code(), r.description()), (&ErrorCode::Unspecified, Some("Service down")));
    let r = parse_rejection(br#"{"err":"invalid_key","errorSummary":"Okta words"}"#);
    assert_eq!((r.code(), r.description()), (&ErrorCode::InvalidKey, Some("Okta words")));
}

#[test]
fn rejection_and_code_display() {
    let r = Rejection { code: ErrorCode::InvalidKey, description: Some("unknown kid".into()) };
    assert_eq!(r.to_string(), "invalid_key: unknown kid");
    let r = Rejection { code: ErrorCode::InvalidKey, description: None };
    assert_eq!(r.to_string(), "invalid_key");
    let r = Rejection { code: ErrorCode::Unspecified, description: Some("Bad Request".into()) };
    assert_eq!(r.to_string(), "Bad Request");
    let r = Rejection { code: ErrorCode::Unspecified, description: None };
    assert_eq!(r.to_string(), "no reason given");
    for code in [
        "invalid_request",
        "invalid_key",
        "invalid_issuer",
        "invalid_audience",
        "authentication_failed",
        "access_denied",
        "x",
    ] {
        assert_eq!(ErrorCode::from_wire(code).as_str(), code);
        assert_eq!(ErrorCode::from_wire(code).to_string(), code);
    }
    assert_eq!(ErrorCode::Unspecified.as_str(), "");
    assert_eq!(ErrorCode::Unspecified.to_string(), "unspecified");
}

#[test]
fn builder_options_are_checked() {
    assert!(matches!(
        ClientBuilder::new("acme.okta.com").user_agent_product("").build(),
        Err(Error::InvalidUserAgent)
    ));
    assert!(matches!(
        ClientBuilder::new("acme.okta.com").user_agent_product("a\nb").build(),
        Err(Error::InvalidUserAgent)
    ));
    assert!(matches!(
        ClientBuilder::new("acme.okta.com").proxy("http://[bad").build(),
        Err(Error::InvalidProxy)
    ));
    assert!(matches!(
        ClientBuilder::new("acme.okta.com").add_root_certificates_pem(b"not pem").build(),
        Err(Error::InvalidCertificate { .. })
    ));
    // The header it makes is checked on the wire, in tests/publish_accepted.rs.
    assert!(
        ClientBuilder::new("acme.okta.com").user_agent_product("risk-engine/2.3").build().is_ok()
    );
}

#[test]
fn proxy_password_never_shows() {
    let builder = ClientBuilder::new("acme.okta.com").proxy("http://u:hunter2@proxy:3128");
    assert!(!format!("{builder:?}").contains("hunter2"));
    let client = builder.build().unwrap();
    assert!(!format!("{client:?}").contains("hunter2"));
}

#[test]
fn thread_safety() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Client>();
    assert_send_sync::<ClientBuilder>();
    assert_send_sync::<Error>();
    assert_send_sync::<Status>();
    assert_send_sync::<Delivery>();
    assert_send_sync::<Token>();
}

#[test]
fn http_dates() {
    // All three forms a recipient must accept (RFC 9110 §5.6.7).
    for date in [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
    ] {
        assert_eq!(parse_http_date(date), Some(784111777), "{date}");
    }
    assert_eq!(parse_http_date(" Tue, 29 Feb 2028 12:00:00 GMT "), Some(1835438400));
    for bad in ["", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT", "soon"] {
        assert_eq!(parse_http_date(bad), None, "{bad}");
    }
}

#[test]
fn server_waits_use_the_servers_clock() {
    let date = "Sun, 30 Nov 2025 00:00:00 GMT"; // 1764460800
    let far_local = 1_900_000_000;
    // Reset 5 s after the server's Date: wait 6 s, whatever the local clock says.
    assert_eq!(
        server_wait(Some(1764460805), None, Some(date), far_local),
        Some(Duration::from_secs(6))
    );
    // No Date: the local clock.
    assert_eq!(server_wait(Some(1000), None, None, 998), Some(Duration::from_secs(3)));
    // A reset in the past still waits the extra second.
    assert_eq!(server_wait(Some(10), None, None, 20), Some(Duration::from_secs(1)));
    // The reset header wins over Retry-After.
    assert_eq!(server_wait(Some(1000), Some("50"), None, 1000), Some(Duration::from_secs(1)));
    assert_eq!(server_wait(None, Some("7"), None, 0), Some(Duration::from_secs(7)));
    assert_eq!(
        server_wait(None, Some("Sun, 30 Nov 2025 00:00:09 GMT"), Some(date), far_local),
        Some(Duration::from_secs(9))
    );
    assert_eq!(server_wait(None, Some("soon"), None, 0), None);
    assert_eq!(server_wait(None, None, Some(date), 0), None);
}

#[test]
fn retry_delays() {
    let policy = RetryPolicy::new().backoff(Duration::from_millis(100), Duration::from_millis(250));
    let server = Error::Server(info(503, None));
    for _ in 0..50 {
        assert!(policy.delay(&server, 1) <= Duration::from_millis(100));
        assert!(policy.delay(&server, 2) <= Duration::from_millis(200));
        assert!(policy.delay(&server, 9) <= Duration::from_millis(250));
    }
    // Full jitter spreads the waits out.
    let waits: std::collections::HashSet<_> = (0..20).map(|_| policy.delay(&server, 3)).collect();
    assert!(waits.len() > 10, "{waits:?}");

    let mut limited = info(429, None);
    limited.0.retry_after = Some(Duration::from_secs(3600));
    let limited = Error::RateLimited(limited);
    assert_eq!(RetryPolicy::new().delay(&limited, 1), Duration::from_secs(30));
    assert_eq!(
        RetryPolicy::new().max_server_wait(Duration::from_secs(2)).delay(&limited, 1),
        Duration::from_secs(2)
    );
    let huge = RetryPolicy::new().backoff(Duration::MAX, Duration::MAX);
    for retry in [1, 2, 64, u32::MAX] {
        assert!(huge.delay(&server, retry) <= MAX_DURATION);
    }
    assert_eq!(RetryPolicy::never(), RetryPolicy::new().max_retries(0));
    assert_eq!(RetryPolicy::default(), RetryPolicy::new());
}
