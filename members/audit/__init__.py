"""The audit log: who decided what, when and why (applications, affiliations, suspensions, joins)."""
