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

/// The provider an MX host name belongs to (lower case, no final dot).
pub fn by_mx(host: &str) -> Option<Provider> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    TABLE.iter().find_map(|(pat, p)| {
        let hit = match pat {
            Pattern::Exact(h) => host == *h,
            Pattern::Suffix(s) => host
                .strip_suffix(s)
                .is_some_and(|rest| rest.ends_with('.') && rest.len() > 1),
        };
        hit.then_some(*p)
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
}
