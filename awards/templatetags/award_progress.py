"""``{% project_progress application %}``: the progress of the project an application's award
funds, for the applicant's page (the partner follows its project read-only there).

A tag rather than a context variable: the applicant's page belongs to the applications app,
which sits below awards and never imports it; awards renders its own part, with its own rule
(``is_award_applicant``) and selector (``awards.selectors.project_progress``)."""

from django import template

from awards.rules import is_award_applicant
from awards.selectors import project_progress as progress_of

register = template.Library()


@register.inclusion_tag("awards/partials/_project_progress.html", takes_context=True)
def project_progress(context, application):
    """The progress section, or nothing: no award, an award only proposed, or a reader who is
    not a member of the applicant organisation."""
    award = getattr(application, "award", None)
    request = context.get("request")
    user = getattr(request, "user", None)
    if award is None or user is None or not is_award_applicant.test(user, award):
        return {"progress": None}
    return {"progress": progress_of(award)}
