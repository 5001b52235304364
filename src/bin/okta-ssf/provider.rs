//! `okta-ssf provider`: the org's Security Events Providers, through Okta's management API.

use std::time::Duration;

use okta_ssf::ClientBuilder;
use okta_ssf::provider::{Credentials, Provider, ProviderError, ProviderRequest, Providers};
use serde_json::Value;

use crate::{Usage, chain};

const CREDENTIALS: &str = "\
Credentials come from the environment, with the names Okta's SDKs read:
  OKTA_CLIENT_TOKEN              an API token (Authorization: SSWS)
  OKTA_CLIENT_CLIENTID           an API service app's client id (OAuth 2.0, private_key_jwt)
  OKTA_CLIENT_PRIVATEKEY         its private key: PEM text, or the path of a PEM file
  OKTA_CLIENT_KID                that key's kid in the app's key set
  OKTA_CLIENT_SCOPES             by default okta.securityEventsProviders.manage
  OKTA_CLIENT_AUTHORIZATIONMODE  SSWS or PrivateKey, when both kinds are set
OAuth requests carry DPoP proofs, as Okta requires for new API service apps (--no-dpop if not).

Exit status:
  0  done
  1  Okta could not be reached or failed (a timeout, 429, 5xx): try again later
  2  a usage or configuration error (bad domain, URL or credentials), or Okta refused the call
     (400, 401, 403, 404): fix it first";

/// Manage the org's Security Events Providers: the registrations that tell Okta which issuer
/// and JWKS to trust.
#[derive(clap::Subcommand)]
pub(crate) enum ProviderCommand {
    /// List the org's providers: id, status, name, and issuer and JWKS URL or well-known URL.
    #[command(after_help = CREDENTIALS)]
    List(Org),
    /// Show one provider.
    #[command(after_help = CREDENTIALS)]
    Show {
        /// The provider's id, such as sse1qg25RpusjUP6m0g5.
        id: String,
        #[command(flatten)]
        org: Org,
    },
    /// Register a provider, with an issuer and a JWKS URL or with an SSF well-known URL.
    #[command(after_help = CREDENTIALS)]
    Create {
        #[command(flatten)]
        settings: Settings,
        #[command(flatten)]
        org: Org,
    },
    /// Replace a provider's name and settings.
    #[command(after_help = CREDENTIALS)]
    Update {
        /// The provider's id.
        id: String,
        #[command(flatten)]
        settings: Settings,
        #[command(flatten)]
        org: Org,
    },
    /// Make a provider ACTIVE: Okta takes its SETs.
    #[command(after_help = CREDENTIALS)]
    Activate {
        /// The provider's id.
        id: String,
        #[command(flatten)]
        org: Org,
    },
    /// Make a provider INACTIVE: Okta refuses its SETs until it is activated.
    #[command(after_help = CREDENTIALS)]
    Deactivate {
        /// The provider's id.
        id: String,
        #[command(flatten)]
        org: Org,
    },
    /// Delete a provider.
    #[command(after_help = CREDENTIALS)]
    Delete {
        /// The provider's id.
        id: String,
        #[command(flatten)]
        org: Org,
    },
}

/// The org and how to talk to it.
#[derive(clap::Args)]
pub(crate) struct Org {
    /// The Okta org, such as `acme.okta.com`.
    #[arg(long, short = 'd', env = "OKTA_CLIENT_ORGURL")]
    pub(crate) domain: String,
    /// Print JSON instead of text.
    #[arg(long, short = 'j')]
    pub(crate) json: bool,
    /// Seconds allowed for each request, from 1 to 3600.
    #[arg(long, value_name = "SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
    /// Send OAuth requests without DPoP proofs, for an app without "Require DPoP".
    #[arg(long)]
    pub(crate) no_dpop: bool,
    #[command(flatten)]
    pub(crate) trust: crate::Trust,
}

impl Org {
    /// The org's client options, with the trusted roots.
    pub(crate) fn builder(&self) -> Result<ClientBuilder, Usage> {
        let mut builder =
            ClientBuilder::new(&self.domain).timeout(Duration::from_secs(self.timeout));
        for pem in self.trust.bundles()? {
            builder = builder.add_root_certificates_pem(&pem);
        }
        Ok(builder)
    }

    /// The providers API of the org, with the environment's credentials.
    pub(crate) fn providers(&self) -> Result<Providers, Usage> {
        let credentials = Credentials::from_env().map_err(|e| Usage(e.to_string()))?;
        let credentials = credentials.dpop(!self.no_dpop);
        Providers::new(self.builder()?, credentials).map_err(|e| Usage(chain(&e)))
    }

    /// What to tell of `e`: `Ok(false)` (exit 1) for a failure that may recover, else the
    /// message of a usage or set-up error (exit 2).
    pub(crate) fn failure(&self, e: ProviderError) -> Result<bool, Usage> {
        let message = self.advice(&e);
        if e.is_retryable() {
            eprintln!("okta-ssf: {message}");
            return Ok(false);
        }
        Err(Usage(message))
    }
}

impl Org {
    /// What to say of `e`: for an untrusted certificate, which roots to trust.
    pub(crate) fn advice(&self, e: &ProviderError) -> String {
        let host = self.domain.trim().trim_start_matches("https://").trim_end_matches('/');
        match e {
            ProviderError::Http(okta_ssf::Error::UntrustedCertificate { .. }) => {
                self.trust.advice(host)
            }
            e => chain(e),
        }
    }
}

/// A provider's name and settings.
#[derive(clap::Args)]
pub(crate) struct Settings {
    /// The provider's name in the Admin Console (at most 100 characters).
    #[arg(long)]
    name: String,
    /// The issuer, exactly as the tokens' `iss`.
    #[arg(long, requires = "jwks_url", conflicts_with = "well_known_url")]
    iss: Option<String>,
    /// Where the JWKS is hosted: an absolute `https://` URL.
    #[arg(long, value_name = "URL", requires = "iss")]
    jwks_url: Option<String>,
    /// The transmitter's SSF configuration URL (`okta-ssf metadata` writes the document),
    /// instead of --iss and --jwks-url.
    #[arg(long, value_name = "URL", required_unless_present = "iss")]
    well_known_url: Option<String>,
}

impl Settings {
    fn request(&self) -> Result<ProviderRequest, Usage> {
        let request = match (&self.iss, &self.jwks_url, &self.well_known_url) {
            (Some(iss), Some(jwks_url), None) => {
                ProviderRequest::issuer_and_jwks(&self.name, iss, jwks_url)
            }
            (None, None, Some(url)) => ProviderRequest::well_known(&self.name, url),
            _ => return Err(Usage("give --iss and --jwks-url, or --well-known-url".into())),
        };
        request.map_err(|e| Usage(e.to_string()))
    }
}

pub(crate) fn run(command: ProviderCommand) -> Result<bool, Usage> {
    // Requests are checked before the credentials are read: nothing reaches Okta for them.
    let (org, result) = match &command {
        ProviderCommand::List(org) => (org, org.providers()?.list()),
        ProviderCommand::Show { id, org } => (org, org.providers()?.get(id).map(|p| vec![p])),
        ProviderCommand::Create { settings, org } => {
            let request = settings.request()?;
            (org, org.providers()?.create(&request).map(|p| vec![p]))
        }
        ProviderCommand::Update { id, settings, org } => {
            let request = settings.request()?;
            (org, org.providers()?.replace(id, &request).map(|p| vec![p]))
        }
        ProviderCommand::Activate { id, org } => {
            (org, org.providers()?.activate(id).map(|p| vec![p]))
        }
        ProviderCommand::Deactivate { id, org } => {
            (org, org.providers()?.deactivate(id).map(|p| vec![p]))
        }
        ProviderCommand::Delete { id, org } => {
            let deleted = org.providers()?.delete(id);
            if deleted.is_ok() {
                match org.json {
                    true => println!("{}", serde_json::json!({"deleted": id.trim()})),
                    false => println!("deleted {}", id.trim()),
                }
            }
            (org, deleted.map(|()| Vec::new()))
        }
    };
    let providers = match result {
        Ok(providers) => providers,
        Err(e) => return org.failure(e),
    };
    let single = !matches!(command, ProviderCommand::List(_));
    if org.json {
        let values: Vec<Value> = providers.iter().map(Provider::to_json).collect();
        match (single, values.first()) {
            (true, Some(value)) => println!("{}", serde_json::to_string_pretty(value)?),
            (true, None) => {}
            (false, _) => println!("{}", serde_json::to_string_pretty(&values)?),
        }
        return Ok(true);
    }
    for provider in &providers {
        println!("{}", line(provider));
    }
    if !single && providers.is_empty() && !crate::quiet() {
        eprintln!("no Security Events Providers in this org");
    }
    Ok(true)
}

/// `<id> <status> <name>` and the settings, on one line.
fn line(provider: &Provider) -> String {
    let mut text = format!("{} {} {:?}", provider.id, provider.status, provider.name);
    for (key, value) in [
        ("iss", &provider.issuer),
        ("jwks_url", &provider.jwks_url),
        ("well_known_url", &provider.well_known_url),
    ] {
        if let Some(value) = value {
            // Quoted: what Okta stores is printed as it is, control characters escaped.
            text.push_str(&format!(" {key}={value:?}"));
        }
    }
    text
}
