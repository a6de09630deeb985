//! What the model loads: the rules declare what they read ([`Needs`]), and the model loads the
//! union of what the selected rules need.

/// What a rule reads from the server model. The model loads the union of what the selected
/// rules need (accounts, their domains and the server's identity are always loaded), so that
/// `--select MBX` or a run scoped to a few rules reads only what those rules look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Needs(u16);

/// By default the model loads everything.
impl Default for Needs {
    fn default() -> Needs {
        Needs::ALL
    }
}

impl Needs {
    /// Nothing beyond accounts, domains and identity.
    pub const NONE: Needs = Needs(0);
    /// The routing lists (`etc/localdomains`, `remotedomains`, `secondarymx`, `manualmx`).
    pub const LISTS: Needs = Needs(1);
    /// `etc/userdomains`, `etc/trueuserdomains`, `etc/domainusers`.
    pub const OWNERSHIP: Needs = Needs(1 << 1);
    /// The zone files.
    pub const ZONES: Needs = Needs(1 << 2);
    /// Mail account files (`HOME/etc/DOMAIN/{passwd,shadow,quota}`) and the names of the
    /// mailbox directories.
    pub const MAIL_ACCOUNTS: Needs = Needs(1 << 3);
    /// Forwarders: `etc/valiases`, `etc/vdomainaliases`.
    pub const FORWARDERS: Needs = Needs(1 << 4);
    /// Exim filters: `etc/vfilters`, per-mailbox and account filters.
    pub const FILTERS: Needs = Needs(1 << 5);
    /// The mailboxes themselves, walked and sized (implies [`Needs::MAILBOX_LAYOUT`]).
    pub const MAILBOXES: Needs = Needs((1 << 6) | (1 << 10));
    /// The Exim configuration and its cPanel sources.
    pub const EXIM: Needs = Needs(1 << 7);
    /// DKIM public keys (`var/cpanel/domain_keys/public`).
    pub const DKIM_KEYS: Needs = Needs(1 << 8);
    /// Server mail policy (`var/cpanel/cpanel.config`, send limits).
    pub const POLICY: Needs = Needs(1 << 9);
    /// The entries of each `HOME/mail/DOMAIN/` directory: which mailboxes exist, and which are
    /// symlinks or special files.
    pub const MAILBOX_LAYOUT: Needs = Needs(1 << 10);
    /// cPanel's caches of the cpuser and userdata files, with the modification times of the
    /// caches and their sources.
    pub const CACHES: Needs = Needs(1 << 11);
    /// Owners and modes of the files that decide where mail goes (routing lists, forwarders,
    /// filters, cpuser files), read without following symlinks.
    pub const PERMISSIONS: Needs = Needs(1 << 12);
    /// The mail logs (`var/log/exim_mainlog*`, `maillog*`, `mail.log*`, or `--logs`), read
    /// for the LOG rules and for the evidence attached to other findings ([`crate::model::logs`]).
    pub const LOGS: Needs = Needs(1 << 13);
    /// Which account domains are mail domains (RULES.md "Terms"): a subdomain is one when it
    /// has mail accounts or forwarders.
    pub const MAIL_DOMAINS: Needs = Needs::MAIL_ACCOUNTS.with(Needs::FORWARDERS);
    /// Everything the model can load.
    pub const ALL: Needs = Needs((1 << 14) - 1);
    /// Every file the model reads, but not the mailboxes, which only the mailbox rules walk
    /// (rules about every file read: CP001, CP006), nor the logs, which are streamed and never
    /// kept as files.
    pub const FILES: Needs = Needs::ALL.without(Needs::MAILBOXES).without(Needs::LOGS);

    pub const fn with(self, other: Needs) -> Needs {
        Needs(self.0 | other.0)
    }

    pub const fn without(self, other: Needs) -> Needs {
        Needs(self.0 & !other.0)
    }

    pub const fn contains(self, other: Needs) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl std::ops::BitOr for Needs {
    type Output = Needs;
    fn bitor(self, rhs: Needs) -> Needs {
        self.with(rhs)
    }
}

impl std::ops::BitOrAssign for Needs {
    fn bitor_assign(&mut self, rhs: Needs) {
        *self = self.with(rhs);
    }
}
