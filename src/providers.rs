//! Well-known mail providers: the MX host names that identify a hosted mailbox service, and the
//! SPF `include:` each provider documents for mail sent through it. SPF001's fix adds the include
//! when a domain's MX is such a provider, and messages name the provider.
//!
//! Sources (the providers' own setup pages; checked 2026-11):
//! - Microsoft 365 / Exchange Online: MX `<tenant>.mail.protection.outlook.com`, SPF
//!   `include:spf.protection.outlook.com` (learn.microsoft.com, "Set up SPF to help prevent
//!   spoofing").
//! - Google Workspace: MX `aspmx.l.google.com` and `alt1…alt4.aspmx.l.google.com`, or the single
//!   `smtp.google.com` of newer setups; SPF `include:_spf.google.com` (support.google.com,
//!   "Set up SPF").
//! - Zoho Mail: MX `mx.zoho.<region>` (`mx2.`, `mx3.`), SPF `include:zoho.<region>` for the
//!   regions com, eu, in, com.au, jp (Zoho Mail help, "SPF configuration").
//! - Fastmail: MX `in1-smtp.messagingengine.com`, `in2-smtp…`; SPF
//!   `include:spf.messagingengine.com` (fastmail.help, "Full list of DNS records").
//! - Proton Mail: MX `mail.protonmail.ch`, `mailsec.protonmail.ch`; SPF
//!   `include:_spf.protonmail.ch` (proton.me support, "SPF record").
//! - Yandex 360: MX `mx.yandex.net`; SPF `include:_spf.yandex.net` (yandex.com/support).
//! - Rackspace Email: MX `mx1.emailsrvr.com`, `mx2.emailsrvr.com`; SPF `include:emailsrvr.com`
//!   (docs.rackspace.com, "Create an SPF TXT record").
//! - iCloud+ custom domains: MX `mx01.mail.icloud.com`, `mx02.mail.icloud.com`; SPF
//!   `include:icloud.com` (support.apple.com, "Use a custom email domain with iCloud Mail").
//!
//! Inbound filtering gateways ([`gateway_by_mx`]) are another table: services that take a
//! domain's mail from the Internet (the domain's MX names them), filter it and pass it on to the
//! domain's own mail server, which may be this one. They are not mailbox providers: a domain
//! whose lowest-preference MX is a gateway can rightly stay local here (RT001). Each entry is
//! the MX host pattern the service gives its customers; a pattern `*.base` matches any name
//! below `base`, never `base` itself nor a name that merely contains it
//! (`mx1.ppe-hosted.com.evil.example` is no Proofpoint host). Sources (checked 2026-12; where no
//! page of the vendor itself was at hand, the entry says what it rests on):
//! - Proofpoint Essentials `*.ppe-hosted.com` (`mx1-us1.ppe-hosted.com`, …): Proofpoint
//!   Essentials help pages say the MX records are changed to its "MX arrays"; the host names are
//!   those of real MX records and Received headers, not read on a vendor page.
//! - Proofpoint (enterprise, hosted) `*.pphosted.com` (`mx0a-<id>.pphosted.com`,
//!   `mxa-<id>.gslb.pphosted.com`): seen in real MX records and Received headers; not read on a
//!   vendor page.
//! - Mimecast `*.mimecast.com` (`us-smtp-inbound-1.mimecast.com`, `eu-smtp-inbound-1…`),
//!   `*.mimecast-offshore.com` (Jersey), `*.mimecast.co.za` (South Africa): Mimecast support
//!   pages ("Updating your MX records") name regional `<region>-smtp-inbound-N` hosts; the
//!   offshore and South African domains rest on Mimecast's published host lists as quoted by
//!   third parties, not read on a vendor page.
//! - Barracuda Email Security Service / Email Gateway Defense `*.ess.barracudanetworks.com`
//!   (`<customer-id>.ess.barracudanetworks.com`): Barracuda Campus describes the pass-through
//!   service; the host name pattern rests on third-party descriptions of the setup.
//! - SpamExperts / N-able Mail Assure: `mx.spamexperts.com`, `fallbackmx.spamexperts.eu`,
//!   `lastmx.spamexperts.net`, regional `mx1-eu.spamexperts.com`…, and
//!   `filter10.antispamcloud.com`… (documentation.n-able.com, "Hosted Cloud MX Records"), so
//!   `*.spamexperts.com`, `*.spamexperts.eu`, `*.spamexperts.net`, `*.antispamcloud.com`.
//! - Sophos Email `*.hydra.sophos.com` (`mx-01-us-west-2.prod.hydra.sophos.com`): seen in real
//!   MX data; not read on a vendor page.
//! - Cisco Secure Email (IronPort cloud) `*.iphmx.com` (`esa1.<customer>.iphmx.com`): seen in
//!   real Received headers of inbound mail; not read on a vendor page.
//! - Trend Micro Email Security `*.tmes.trendmicro.com` (`<name>.in.tmes.trendmicro.com`; Trend
//!   Micro's help says the MX is changed to point to the service) and the older Hosted Email
//!   Security `*.in.hes.trendmicro.com`; the host names rest on real MX data.
//! - Broadcom / Symantec Email Security.cloud `*.messagelabs.com`
//!   (`cluster1.us.messagelabs.com`): seen in real MX data; not read on a vendor page.
//! - Forcepoint Email Security Cloud `*.mailcontrol.com` (`cust<id>-1.in.mailcontrol.com`): seen
//!   in real MX data and mail logs; not read on a vendor page.
//! - Hornetsecurity `*.hornetsecurity.com` (`mx01.hornetsecurity.com` … `mx04`): seen in real MX
//!   data; not read on a vendor page.
//! - AppRiver `*.arsmtp.com`: named by third-party MX classifiers only; NOT verified.
//! - Mailprotector `*.mailprotector.net`: Mailprotector's help page "How MX Records Are Used for
//!   Email" describes its MX records but the host names were not visible; NOT verified.

/// A hosted mail provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Provider {
    pub name: &'static str,
    /// The `include:` target its SPF documentation gives.
    pub spf_include: &'static str,
}

/// How an MX host name identifies a provider.
enum Pattern {
    /// The host name itself.
    Exact(&'static str),
    /// Any name ending in `.suffix`.
    Suffix(&'static str),
}

const TABLE: &[(Pattern, Provider)] = &[
    (Pattern::Suffix("mail.protection.outlook.com"), ms365()),
    (Pattern::Exact("aspmx.l.google.com"), google()),
    (Pattern::Suffix("aspmx.l.google.com"), google()),
    (Pattern::Exact("smtp.google.com"), google()),
    (Pattern::Suffix("googlemail.com"), google()),
    (Pattern::Exact("mx.zoho.com"), zoho("zoho.com")),
    (Pattern::Exact("mx2.zoho.com"), zoho("zoho.com")),
    (Pattern::Exact("mx3.zoho.com"), zoho("zoho.com")),
    (Pattern::Exact("mx.zoho.eu"), zoho("zoho.eu")),
    (Pattern::Exact("mx2.zoho.eu"), zoho("zoho.eu")),
    (Pattern::Exact("mx3.zoho.eu"), zoho("zoho.eu")),
    (Pattern::Exact("mx.zoho.in"), zoho("zoho.in")),
    (Pattern::Exact("mx2.zoho.in"), zoho("zoho.in")),
    (Pattern::Exact("mx3.zoho.in"), zoho("zoho.in")),
    (Pattern::Exact("mx.zoho.com.au"), zoho("zoho.com.au")),
    (Pattern::Exact("mx2.zoho.com.au"), zoho("zoho.com.au")),
    (Pattern::Exact("mx3.zoho.com.au"), zoho("zoho.com.au")),
    (Pattern::Exact("mx.zoho.jp"), zoho("zoho.jp")),
    (Pattern::Exact("mx2.zoho.jp"), zoho("zoho.jp")),
    (Pattern::Exact("mx3.zoho.jp"), zoho("zoho.jp")),
    (
        Pattern::Suffix("messagingengine.com"),
        Provider {
            name: "Fastmail",
            spf_include: "spf.messagingengine.com",
        },
    ),
    (
        Pattern::Suffix("protonmail.ch"),
        Provider {
            name: "Proton Mail",
            spf_include: "_spf.protonmail.ch",
        },
    ),
    (
        Pattern::Exact("mx.yandex.net"),
        Provider {
            name: "Yandex 360",
            spf_include: "_spf.yandex.net",
        },
    ),
    (
        Pattern::Suffix("emailsrvr.com"),
        Provider {
            name: "Rackspace Email",
            spf_include: "emailsrvr.com",
        },
    ),
    (
        Pattern::Suffix("mail.icloud.com"),
        Provider {
            name: "iCloud Mail",
            spf_include: "icloud.com",
        },
    ),
];

const fn ms365() -> Provider {
    Provider {
        name: "Microsoft 365",
        spf_include: "spf.protection.outlook.com",
    }
}

const fn google() -> Provider {
    Provider {
        name: "Google Workspace",
        spf_include: "_spf.google.com",
    }
}

const fn zoho(include: &'static str) -> Provider {
    Provider {
        name: "Zoho Mail",
        spf_include: include,
    }
}

impl Pattern {
    /// Whether a host name (lower case, no final dot) matches.
    fn matches(&self, host: &str) -> bool {
        match self {
            Pattern::Exact(h) => host == *h,
            Pattern::Suffix(s) => host
                .strip_suffix(s)
                .is_some_and(|rest| rest.ends_with('.') && rest.len() > 1),
        }
    }
}

/// The provider an MX host name belongs to (lower case, no final dot).
pub fn by_mx(host: &str) -> Option<Provider> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    TABLE
        .iter()
        .find_map(|(pat, p)| pat.matches(&host).then_some(*p))
}

/// An inbound filtering gateway: it receives a domain's mail as its MX and passes it on to the
/// domain's mail server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gateway {
    pub name: &'static str,
    /// The `gateway_mx` pattern that covers the service's MX hosts (`*.ppe-hosted.com`).
    pub pattern: &'static str,
}

/// Gateways by the `gateway_mx` pattern that covers their MX hosts (every one `*.domain`).
const GATEWAYS: &[(&str, &str)] = &[
    ("*.ppe-hosted.com", "Proofpoint Essentials"),
    ("*.pphosted.com", "Proofpoint"),
    ("*.mimecast.com", "Mimecast"),
    ("*.mimecast-offshore.com", "Mimecast"),
    ("*.mimecast.co.za", "Mimecast"),
    (
        "*.ess.barracudanetworks.com",
        "Barracuda Email Security Service",
    ),
    ("*.spamexperts.com", "SpamExperts (N-able Mail Assure)"),
    ("*.spamexperts.eu", "SpamExperts (N-able Mail Assure)"),
    ("*.spamexperts.net", "SpamExperts (N-able Mail Assure)"),
    ("*.antispamcloud.com", "SpamExperts (N-able Mail Assure)"),
    ("*.hydra.sophos.com", "Sophos Email"),
    ("*.iphmx.com", "Cisco Secure Email"),
    ("*.tmes.trendmicro.com", "Trend Micro Email Security"),
    (
        "*.in.hes.trendmicro.com",
        "Trend Micro Hosted Email Security",
    ),
    ("*.messagelabs.com", "Symantec Email Security.cloud"),
    ("*.mailcontrol.com", "Forcepoint Email Security"),
    ("*.hornetsecurity.com", "Hornetsecurity"),
    ("*.arsmtp.com", "AppRiver"),
    ("*.mailprotector.net", "Mailprotector"),
];

/// The inbound filtering gateway an MX host name belongs to.
pub fn gateway_by_mx(host: &str) -> Option<Gateway> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    GATEWAYS.iter().find_map(|&(pattern, name)| {
        let base = pattern.strip_prefix("*.")?;
        Pattern::Suffix(base)
            .matches(&host)
            .then_some(Gateway { name, pattern })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mx_hosts_name_their_provider() {
        assert_eq!(
            by_mx("example-org.mail.protection.outlook.com.").map(|p| p.spf_include),
            Some("spf.protection.outlook.com")
        );
        assert_eq!(
            by_mx("ASPMX.L.GOOGLE.COM").map(|p| p.name),
            Some("Google Workspace")
        );
        assert_eq!(
            by_mx("alt2.aspmx.l.google.com").map(|p| p.spf_include),
            Some("_spf.google.com")
        );
        assert_eq!(by_mx("mx2.zoho.eu").map(|p| p.spf_include), Some("zoho.eu"));
        assert_eq!(
            by_mx("in2-smtp.messagingengine.com").map(|p| p.name),
            Some("Fastmail")
        );
        assert_eq!(
            by_mx("mail.protection.outlook.com"),
            None,
            "the suffix alone is no tenant"
        );
        assert_eq!(by_mx("mx.example.com"), None);
        assert_eq!(by_mx("evilaspmx.l.google.com"), None);
    }

    #[test]
    fn gateway_mx_hosts_name_their_service() {
        let g = |h: &str| gateway_by_mx(h).map(|g| (g.name, g.pattern));
        assert_eq!(
            g("mx1-us1.ppe-hosted.com."),
            Some(("Proofpoint Essentials", "*.ppe-hosted.com"))
        );
        assert_eq!(
            g("MX0A-001B2D01.PPHOSTED.COM"),
            Some(("Proofpoint", "*.pphosted.com"))
        );
        assert_eq!(
            g("eu-smtp-inbound-1.mimecast.com").map(|g| g.0),
            Some("Mimecast")
        );
        assert_eq!(
            g("je-smtp-inbound-1.mimecast-offshore.com").map(|g| g.1),
            Some("*.mimecast-offshore.com")
        );
        assert_eq!(
            g("d123.ess.barracudanetworks.com").map(|g| g.1),
            Some("*.ess.barracudanetworks.com")
        );
        for h in [
            "mx.spamexperts.com",
            "fallbackmx.spamexperts.eu",
            "lastmx.spamexperts.net",
            "filter10.antispamcloud.com",
        ] {
            assert_eq!(
                g(h).map(|g| g.0),
                Some("SpamExperts (N-able Mail Assure)"),
                "{h}"
            );
        }
        assert_eq!(
            g("mx-01-us-west-2.prod.hydra.sophos.com").map(|g| g.0),
            Some("Sophos Email")
        );
        assert_eq!(
            g("esa1.example.iphmx.com").map(|g| g.0),
            Some("Cisco Secure Email")
        );
        assert_eq!(
            g("example.in.tmes.trendmicro.com").map(|g| g.1),
            Some("*.tmes.trendmicro.com")
        );
        assert_eq!(
            g("example.in.hes.trendmicro.com").map(|g| g.1),
            Some("*.in.hes.trendmicro.com")
        );
        assert_eq!(
            g("cluster1.eu.messagelabs.com").map(|g| g.1),
            Some("*.messagelabs.com")
        );
        assert_eq!(
            g("cust1234-1.in.mailcontrol.com").map(|g| g.1),
            Some("*.mailcontrol.com")
        );
        assert_eq!(
            g("mx01.hornetsecurity.com").map(|g| g.1),
            Some("*.hornetsecurity.com")
        );
        assert_eq!(g("mx1.arsmtp.com").map(|g| g.1), Some("*.arsmtp.com"));
        assert_eq!(
            g("mx1.mailprotector.net").map(|g| g.1),
            Some("*.mailprotector.net")
        );
        // Lookalikes: the base itself, a name that only contains it, a longer last label.
        for h in [
            "ppe-hosted.com",
            "mx1.ppe-hosted.com.evil.example",
            "mx1.evilppe-hosted.com",
            "mx1.ppe-hosted.community",
            "mx1.hes.trendmicro.com",
            "mail.sophos.com",
            "mx.provider.example",
        ] {
            assert_eq!(g(h), None, "{h} is no gateway");
        }
        // Mailbox providers are not gateways, and gateways are not mailbox providers.
        assert_eq!(g("example-org.mail.protection.outlook.com"), None);
        assert_eq!(by_mx("mx1-us1.ppe-hosted.com"), None);
    }

    #[test]
    fn gateway_patterns_are_gateway_mx_patterns() {
        for (pattern, _) in GATEWAYS {
            let base = pattern.strip_prefix("*.").expect("a `*.` pattern");
            assert!(!base.is_empty() && base.contains('.'), "{pattern}");
            assert_eq!(base, base.to_ascii_lowercase(), "{pattern}");
            // The pattern matches what it names, as `[server] gateway_mx` would.
            assert_eq!(
                gateway_by_mx(&format!("mx.{base}")).map(|g| g.pattern),
                Some(*pattern)
            );
        }
    }
}
