"""``{% application_answers application as groups %}``: an application's answers to its track's
questions as a reader sees them (``applications.selectors.shown_answers``), for every page that
shows an application (the applicant's status page, the reviewer's and the staff's views) and the
PDF summary. The pages that include it have already checked that the reader may see it."""

from django import template

from applications.selectors import shown_answers

register = template.Library()


@register.simple_tag
def application_answers(application, identity_withheld=False):
    """``identity_withheld``: the reader is a reviewer of an anonymised track, and the answers
    that may identify the applicant are withheld."""
    if application is None:
        return []
    return shown_answers(application, identity_withheld=bool(identity_withheld))
