"""The applicant's form of a track, read-only, for the staff preview of a call
(``projects.selectors.form_preview``; registered in ``ApplicationsConfig.ready``).

It builds the very forms the applicant's pages use (``applications.forms``), unbound, on an
unsaved application of the track, with every field disabled, so the preview shows what an
applicant will see: the sections of this kind of track, the track's budget range, the
deliverables it offers, and its documents with their formats, size and templates.

The "questions" section shows the track's own questions (``applications.questions``) through
the applicant's ``QuestionsForm``, unbound and disabled, in the reader's language.
"""

from applications import selectors
from applications.forms import SECTION_FORMS, ConsortiumMemberForm, QuestionsForm
from applications.models import Application
from projects.selectors import PreviewSection, document_requirements


def questions_preview(track) -> QuestionsForm:
    """The applicant's questions form of ``track``, unanswered (conditions shown as for a new
    application)."""
    return QuestionsForm(
        None,
        questions=selectors.questions_for_track(track),
        track_kind=track.kind,
        stored={},
        version=1,
        prefix="questions",
    )


def _read_only(form):
    for form_field in form.fields.values():
        form_field.disabled = True
    return form


def application_form_preview(track) -> list[PreviewSection]:
    """The sections of ``track``'s application form, each a read-only form or the documents."""
    application = Application(track=track, call=track.call)
    sections = []
    for key, label in selectors.sections_for_track(track):
        if key in SECTION_FORMS:
            # Prefixed by section: each form's hidden lock fields keep ids of their own.
            form = _read_only(SECTION_FORMS[key](instance=application, track=track, prefix=key))
            sections.append(PreviewSection(key, label, form=form))
        elif key == "consortium":
            form = _read_only(ConsortiumMemberForm(prefix=key))
            sections.append(PreviewSection(key, label, form=form))
        elif key == "documents":
            sections.append(PreviewSection(key, label, documents=document_requirements(track)))
        elif key == "questions":
            sections.append(PreviewSection(key, label, form=_read_only(questions_preview(track))))
        else:
            sections.append(PreviewSection(key, label))
    return sections
