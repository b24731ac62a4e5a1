"""Rules of the results app."""

import rules

from accounts.rules import is_programme_admin

# Confirming and releasing a track's decisions is the ministry's: programme admins only.
DECIDE = "results.decide"
rules.add_perm(DECIDE, is_programme_admin)
