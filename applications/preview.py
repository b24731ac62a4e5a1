"""The applicant's form of a track, read-only, for the staff preview of a call
(``projects.selectors.form_preview``; registered in ``ApplicationsConfig.ready``).

It builds the very forms the applicant's pages use (``applications.forms``), unbound, on an
unsaved application of the track, with every field disabled, so the preview shows what an
applicant will see: the sections of this kind of track, the track's budget range, the
deliverables it offers, and its documents with their formats, size and templates.

The "questions" section shows the track's own questions (``applications.questions``) through
the applicant's ``QuestionsForm``, unbound and disabled, in the reader's language.

On a two-stage call the preview is of one stage (``applications.stages``): the concept note's
form (its fields, questions and documents) or the invited applicant's full proposal.
"""

from applications import selectors, stages
from applications.forms import SECTION_FORMS, ConsortiumMemberForm, QuestionsForm
from applications.models import Application
from projects.models import Stage
from projects.selectors import PreviewSection, document_requirements


def questions_preview(track, application: Application | None = None) -> QuestionsForm:
    """The applicant's questions form of ``track``, unanswered (conditions shown as for a new
    application): those of ``application``'s stage when one is given, else all of them."""
    questions = (
        selectors.stage_questions(application)
        if application is not None
        else selectors.questions_for_track(track)
    )
    return QuestionsForm(
        None,
        questions=questions,
        track_kind=track.kind,
        stored={},
        version=1,
        prefix="questions",
    )


def _read_only(form):
    for form_field in form.fields.values():
        form_field.disabled = True
    return form


def application_form_preview(track, stage: str = Stage.FULL) -> list[PreviewSection]:
    """The sections of ``track``'s application form in ``stage`` (the full proposal unless the
    call is two-stage and the concept note is asked for), each a read-only form or the
    documents."""
    stage = stage if track.call.two_stage else Stage.FULL
    application = Application(track=track, call=track.call, stage=stage)
    sections = []
    for key, label in selectors.sections_for_application(application):
        if key in SECTION_FORMS:
            # Prefixed by section: each form's hidden lock fields keep ids of their own.
            form = SECTION_FORMS[key](instance=application, track=track, prefix=key)
            form = _read_only(stages.limit_form_to_stage(form, application, key))
            sections.append(PreviewSection(key, label, form=form))
        elif key == "consortium":
            form = _read_only(ConsortiumMemberForm(prefix=key))
            sections.append(PreviewSection(key, label, form=form))
        elif key == "documents":
            documents = [
                r
                for r in document_requirements(track)
                if stages.requirement_in_stage(r, application)
            ]
            sections.append(PreviewSection(key, label, documents=documents))
        elif key == "questions":
            form = _read_only(questions_preview(track, application))
            sections.append(PreviewSection(key, label, form=form))
        else:
            sections.append(PreviewSection(key, label))
    return sections
