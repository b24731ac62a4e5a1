"""The help and legal layer every public portal has: contact and help desk, questions and
answers for each role, and the accessibility statement. Open to everyone, logged in or not;
the content is the templates' (English and Korean), the contact points come from settings
(``core.contacts``)."""

import datetime

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.contacts import helpdesk_hours, secretariat_contacts

# The day the accessibility statement was last checked against the pages (update it with the
# statement whenever the known limitations change).
ACCESSIBILITY_REVIEWED_ON = datetime.date(2026, 12, 2)


@require_GET
def contact(request):
    """Who to contact for what, when the help desks answer and what to put in a request."""
    return render(
        request,
        "help/contact.html",
        {"secretariats": secretariat_contacts(), "hours": helpdesk_hours()},
    )


@require_GET
def faq(request):
    """Questions and answers for applicants, reviewers and secretariat staff."""
    return render(request, "help/faq.html", {"secretariats": secretariat_contacts()})


@require_GET
def accessibility(request):
    """The accessibility statement: the standard, how it is checked, the known limitations and
    how to report a problem."""
    return render(
        request,
        "help/accessibility.html",
        {
            "secretariats": secretariat_contacts(),
            "reviewed_on": ACCESSIBILITY_REVIEWED_ON,
            # The idle log-out is a known limitation (WCAG 2.2.1): say how long it really is.
            "idle_minutes": settings.KCITY_SESSION_IDLE_TIMEOUT_STAFF // 60,
        },
    )
