"""The 2026 open call's form has its own questions (Korean wording beside the English), the
walkthrough applications answered them, and the 2022 round keeps its fixed form."""

from django.utils import translation

from applications.models import Answer, Application
from applications.selectors import question_problems, questions_for_track, shown_answers
from projects.models import Call


def test_seed_demo_2026_tracks_ask_their_questions_in_both_languages():
    call = Call.objects.get(slug="k-city-network-2026")
    for track in call.tracks.all():
        codes = [x.code for x in questions_for_track(track)]
        assert codes[:4] == ["population", "challenges", "has_strategy", "strategy_details"]
        assert all(x.label_ko for x in questions_for_track(track))
    demonstration = call.tracks.get(code="DM")
    assert "budget_breakdown" in [x.code for x in questions_for_track(demonstration)]
    follow_up = next(x for x in questions_for_track(demonstration) if x.code == "strategy_details")
    assert follow_up.condition == {"question": "has_strategy", "equals": True}


def test_seed_demo_2026_walkthrough_answered_and_2022_has_no_answers():
    submitted = Application.objects.filter(
        call__slug="k-city-network-2026", status=Application.Status.SUBMITTED
    )
    assert submitted.count() == 7
    for application in submitted:
        assert question_problems(application) == []
    samarkand = submitted.get(city__name="Samarkand")
    answers = dict(samarkand.answers.values_list("question__code", "value"))
    assert answers["has_strategy"] is False and "strategy_details" not in answers
    with translation.override("ko"):
        labels = [a.label for g in shown_answers(samarkand) for a in g.answers]
    assert "도시 인구" in labels
    assert not Answer.objects.filter(application__call__year=2022).exists()
